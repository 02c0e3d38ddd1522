// The one time loop every time-dependent solver runs on: step control,
// output every k steps, diagnostics.csv, checkpoints and resume.
#pragma once

#include "solvers/common/run_folder.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace dealii
{
  class ParameterHandler;
}

namespace relax
{
  class FieldOutput;
  class Json;

  /// Subsection "Time".
  struct TimeParameters
  {
    double       end_time         = 1.0;
    double       time_step        = 0.01;
    unsigned int output_every     = 10;
    unsigned int checkpoint_every = 0;
    unsigned int stop_after_steps = 0;

    static void
    declare_parameters(dealii::ParameterHandler &prm);
    void
    parse_parameters(dealii::ParameterHandler &prm);
  };

  /// What a solver provides to be advanced by TimeLoop.
  class TimeDependentProblem
  {
  public:
    virtual ~TimeDependentProblem() = default;

    /// The state at t = 0.
    virtual void
    set_initial_condition() = 0;

    /// Advances the state from `time` to `time + time_step`.
    virtual void
    advance(double time, double time_step) = 0;

    /// The figures of the current state at `time` (the loop adds the step
    /// number and the time in front).
    virtual Diagnostics::Row
    diagnostics(double time) = 0;

    /// Writes the fields of the current state.
    virtual void
    output_fields(FieldOutput &output, double time, unsigned int index) = 0;

    /// Saves (loads) the mesh and the whole state under `prefix`, a path
    /// stem inside a checkpoint folder. Collective.
    virtual void
    save_state(const std::string &prefix) = 0;
    virtual void
    load_state(const std::string &prefix) = 0;
  };

  /// Raised when `Time/stop after steps` interrupts a run on purpose.
  struct RunInterrupted : std::runtime_error
  {
    using std::runtime_error::runtime_error;
  };

  class TimeLoop
  {
  public:
    /// `parameters_text` is the effective parameter file: a checkpoint
    /// keeps it, and a resume with a different one is refused.
    TimeLoop(const TimeParameters &parameters,
             RunFolder &           folder,
             const std::string &   field_basename,
             const std::string &   parameters_text);

    /// Runs `problem` from t = 0 (or, with `resume`, from the folder's
    /// last checkpoint) to the end time; returns the diagnostics table.
    const Diagnostics &
    run(TimeDependentProblem &problem, bool resume);

    /// Steps taken in all (including those before a resume).
    unsigned int
    n_steps() const
    {
      return step;
    }

  private:
    void
    save_checkpoint(TimeDependentProblem &problem);
    void
    load_checkpoint(TimeDependentProblem &problem);
    void
    write_diagnostics() const;

    TimeParameters parameters;
    RunFolder &    folder;
    std::string    field_basename;
    std::string    parameters_text;
    Diagnostics    table;
    unsigned int   step         = 0;
    unsigned int   output_index = 0;
    double         time         = 0;
    std::unique_ptr<FieldOutput> output;
  };
} // namespace relax
