#include "solvers/common/time_loop.h"

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include "problems/input_error.h"
#include "solvers/common/field_output.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace relax
{
  namespace
  {
    /// Entries that may change between a checkpoint and its resume: how
    /// far to run, how often to checkpoint, and where to stop on purpose.
    bool
    may_differ_on_resume(const std::string &path)
    {
      return path == "Time/end time" || path == "Time/stop after steps" ||
             path == "Time/checkpoint every";
    }

    /// "path -> value" for every `set` line of a ShortPRM text.
    std::map<std::string, std::string>
    entries_of(const std::string &text)
    {
      std::map<std::string, std::string> entries;
      std::vector<std::string>           sections;
      std::istringstream                 lines(text);
      for (std::string line; std::getline(lines, line);)
        {
          line = dealii::Utilities::trim(line);
          if (line.rfind("subsection ", 0) == 0)
            sections.push_back(dealii::Utilities::trim(line.substr(10)));
          else if (line == "end" && !sections.empty())
            sections.pop_back();
          else if (line.rfind("set ", 0) == 0)
            {
              const std::size_t equals = line.find('=');
              std::string       path;
              for (const auto &s : sections)
                path += s + "/";
              path += dealii::Utilities::trim(line.substr(4, equals - 4));
              entries[path] =
                equals == std::string::npos ?
                  "" :
                  dealii::Utilities::trim(line.substr(equals + 1));
            }
        }
      return entries;
    }

    std::string
    step_name(const unsigned int step)
    {
      char name[32];
      std::snprintf(name, sizeof(name), "step_%06u", step);
      return name;
    }
  } // namespace

  void
  TimeParameters::declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Time");
    prm.declare_entry("end time",
                      "1",
                      dealii::Patterns::Double(0),
                      "Final time T of the run (in the time unit of the "
                      "equation). The last step is shortened to land on T.");
    prm.declare_entry("time step",
                      "0.01",
                      dealii::Patterns::Double(0),
                      "Time step Δt (> 0).");
    prm.declare_entry("output every",
                      "10",
                      dealii::Patterns::Integer(1),
                      "Write the fields every this many steps (and always at "
                      "the initial and the final time).");
    prm.declare_entry("checkpoint every",
                      "0",
                      dealii::Patterns::Integer(0),
                      "Save a checkpoint (mesh, state, diagnostics, .pvd "
                      "record) every this many steps and at the end; 0: "
                      "never. `relax FILE --resume` continues from the last.");
    prm.declare_entry("stop after steps",
                      "0",
                      dealii::Patterns::Integer(0),
                      "Stop the run after this many steps as if it had been "
                      "interrupted (exit code 3), to exercise checkpoint and "
                      "resume; 0: never.");
    prm.leave_subsection();
  }

  void
  TimeParameters::parse_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Time");
    end_time         = prm.get_double("end time");
    time_step        = prm.get_double("time step");
    output_every     = prm.get_integer("output every");
    checkpoint_every = prm.get_integer("checkpoint every");
    stop_after_steps = prm.get_integer("stop after steps");
    prm.leave_subsection();
    if (!(time_step > 0))
      throw InputError("/Time/time step", "must be positive");
  }

  TimeLoop::TimeLoop(const TimeParameters &parameters,
                     RunFolder &           folder,
                     const std::string &   field_basename,
                     const std::string &   parameters_text)
    : parameters(parameters)
    , folder(folder)
    , field_basename(field_basename)
    , parameters_text(parameters_text)
    , output(std::make_unique<FieldOutput>(folder, field_basename))
  {}

  const Diagnostics &
  TimeLoop::run(TimeDependentProblem &problem, const bool resume)
  {
    const auto record = [&]() {
      Diagnostics::Row row = {{"step", double(step)}, {"time", time}};
      for (const auto &entry : problem.diagnostics(time))
        row.push_back(entry);
      table.add_row(row);
    };

    if (resume)
      load_checkpoint(problem);
    else
      {
        problem.set_initial_condition();
        record();
        problem.output_fields(*output, time, output_index++);
        write_diagnostics();
      }

    unsigned int steps_this_run = 0;
    const double dt             = parameters.time_step;
    while (time < parameters.end_time - 1e-12 * dt)
      {
        // The full step unless the end is nearer; a remainder that only
        // round-off makes shorter than Δt is a full step (a changed step
        // would refactorise the system).
        const double remaining = parameters.end_time - time;
        const double this_step = remaining < dt * (1 - 1e-9) ? remaining : dt;
        problem.advance(time, this_step);
        ++step;
        ++steps_this_run;
        time += this_step;
        // Keep t_n = n Δt exact while the steps are whole.
        if (std::abs(time - step * dt) < 1e-9 * dt)
          time = step * dt;
        const bool at_end = !(time < parameters.end_time - 1e-12 * dt);
        record();
        if (step % parameters.output_every == 0 || at_end)
          {
            problem.output_fields(*output, time, output_index++);
            write_diagnostics();
          }
        if (parameters.checkpoint_every > 0 &&
            (step % parameters.checkpoint_every == 0 || at_end))
          save_checkpoint(problem);
        if (parameters.stop_after_steps > 0 &&
            steps_this_run == parameters.stop_after_steps && !at_end)
          {
            write_diagnostics();
            throw RunInterrupted("stopped after " + std::to_string(step) +
                                 " steps as `Time/stop after steps` asks; "
                                 "continue with --resume");
          }
      }
    write_diagnostics();
    return table;
  }

  void
  TimeLoop::write_diagnostics() const
  {
    folder.write("diagnostics.csv", table.csv());
  }

  void
  TimeLoop::save_checkpoint(TimeDependentProblem &problem)
  {
    namespace fs          = std::filesystem;
    const std::string top = folder.path("checkpoints");
    const std::string dir = top + "/" + step_name(step);
    if (folder.is_root())
      fs::create_directories(dir);
    MPI_Barrier(folder.communicator());

    problem.save_state(dir + "/state");
    if (folder.is_root())
      {
        char state[128];
        std::snprintf(state, sizeof(state), "%u %.17g %u\n", step, time, output_index);
        write_file_atomically(dir + "/loop.txt", state);
        write_file_atomically(dir + "/parameters.prm", parameters_text);
        write_file_atomically(dir + "/diagnostics.csv", table.csv());
        write_file_atomically(dir + "/fields.txt", output->save());
        // Only now is the checkpoint complete: point to it, drop the others.
        write_file_atomically(top + "/latest", step_name(step) + "\n");
        for (const auto &entry : fs::directory_iterator(top))
          if (entry.is_directory() && entry.path().filename() != step_name(step))
            fs::remove_all(entry.path());
      }
    MPI_Barrier(folder.communicator());
  }

  void
  TimeLoop::load_checkpoint(TimeDependentProblem &problem)
  {
    const std::string top = folder.path("checkpoints");
    std::string       latest;
    try
      {
        latest = dealii::Utilities::trim(read_file(top + "/latest"));
      }
    catch (const std::runtime_error &)
      {
        throw InputError("/Time/checkpoint every",
                         "--resume: there is no checkpoint in '" + top +
                           "' (set `checkpoint every` and run first)");
      }
    const std::string dir = top + "/" + latest;

    // The checkpoint must come from the same problem: every entry but those
    // that only say how far to run must agree.
    const auto then = entries_of(read_file(dir + "/parameters.prm"));
    const auto now  = entries_of(parameters_text);
    for (const auto &[path, value] : now)
      {
        if (may_differ_on_resume(path))
          continue;
        const auto old = then.find(path);
        if (old == then.end() || old->second != value)
          throw InputError("/" + path,
                           "--resume: the checkpoint in '" + dir +
                             "' was made with '" +
                             (old == then.end() ? "(none)" : old->second) +
                             "', the file now says '" + value + "'");
      }

    std::istringstream state(read_file(dir + "/loop.txt"));
    state >> step >> time >> output_index;
    if (!state)
      throw std::runtime_error("damaged checkpoint: " + dir + "/loop.txt");
    if (!(time < parameters.end_time + 1e-12 * parameters.time_step))
      throw InputError("/Time/end time",
                       "--resume: the checkpoint is at t = " +
                         std::to_string(time) + ", past the end time");
    table.load_csv(read_file(dir + "/diagnostics.csv"));
    output->load(read_file(dir + "/fields.txt"));
    problem.load_state(dir + "/state");
  }
} // namespace relax
