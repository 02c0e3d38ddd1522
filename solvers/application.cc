#include "solvers/application.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/named_registry.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/parameters.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/time_loop.h"
#include "solvers/common/version.h"
#include "solvers/solver.h"
#include "solvers/verify/verify.h"

#include <filesystem>
#include <iostream>
#include <sstream>

namespace relax
{
  namespace
  {
    const char *usage_text =
      "Usage: relax FILE.prm|FILE.json [--set PATH=VALUE]... [--resume]\n"
      "       relax --print-parameters [SOLVER]\n"
      "       relax verify [--quick] [--output DIR]\n"
      "       relax --print-parameter-reference\n"
      "       relax --help | --version\n"
      "\n"
      "Runs the solver the parameter file names and writes its run folder\n"
      "(output/<file name> unless `output directory` says otherwise):\n"
      "VTK fields (*.pvd, open in ParaView), diagnostics.csv, summary.json,\n"
      "parameters.prm and provenance.json. Run it under mpirun for a\n"
      "distributed run.\n"
      "\n"
      "  --set PATH=VALUE      override an entry of the file, e.g.\n"
      "                        --set Mesh/refinement=6 (repeatable)\n"
      "  --resume              continue from the run folder's last checkpoint\n"
      "  --print-parameters    print every parameter with its default, pattern\n"
      "                        and documentation (only those a SOLVER reads,\n"
      "                        when one is named), as a file to edit and run\n"
      "  --print-parameter-reference\n"
      "                        every solver's parameters as markdown\n"
      "                        (docs/parameters.md)\n"
      "  --version             print the version and the git commit\n"
      "  verify                run the claims of the science notes on small\n"
      "                        problems; writes DIR/report.md and report.json\n"
      "                        with a plot per claim (DIR: output/verify;\n"
      "                        --quick: the small sizes, a few minutes)\n"
      "\n"
      "Exit codes: 0 done, 1 failed, 2 bad input, 3 stopped on purpose,\n"
      "4 complete but untrusted (summary.json: trust).\n";

    struct UsageError : std::runtime_error
    {
      using std::runtime_error::runtime_error;
    };

    std::string
    solver_names()
    {
      return registry_names<SolverRegistration>("|");
    }

    /// Declares the parameters every solver reads: solver, dimension,
    /// output directory, Landscape, Mesh and (with `time`) Time; with
    /// `only`, `solver` defaults to that one.
    void
    declare_common_parameters(dealii::ParameterHandler &prm,
                              const SolverRegistration *only,
                              const bool                time)
    {
      std::string descriptions;
      for (const auto &entry : registered_solvers())
        descriptions += "\n  " + entry.name + ": " + entry.description;
      prm.declare_entry("solver",
                        only ? only->name : "landscape",
                        dealii::Patterns::Selection(solver_names()),
                        "What to compute; its parameters are in the "
                        "subsection of the same name." +
                          descriptions);
      prm.declare_entry("dimension",
                        "2",
                        dealii::Patterns::Integer(1, 3),
                        "Space dimension d of the landscape's domain (1, 2 "
                        "or 3); the landscape must exist in it.");
      prm.declare_entry("output directory",
                        "",
                        dealii::Patterns::Anything(),
                        "Folder the run writes (created if absent). Empty: "
                        "output/<name of the parameter file without its "
                        "extension>.");
      declare_landscape_parameters(prm);
      MeshParameters::declare_parameters(prm);
      if (time)
        TimeParameters::declare_parameters(prm);
    }

    /// Declares every parameter `relax` reads; with `only`, the solver
    /// subsections other than that one are left out.
    void
    declare_parameters(dealii::ParameterHandler &prm,
                       const SolverRegistration *only)
    {
      declare_common_parameters(prm, only, only == nullptr || only->time_dependent);
      for (const auto &entry : registered_solvers())
        if (only == nullptr || &entry == only)
          {
            prm.enter_subsection(entry.name);
            entry.declare_parameters(prm);
            prm.leave_subsection();
          }
    }

    /// docs/parameters.md: the common parameters once, then each
    /// solver's own subsection, as `relax --print-parameters` prints them.
    void
    print_parameter_reference(std::ostream &out)
    {
      out << "# Parameter reference\n\n"
             "Generated by `relax --print-parameter-reference` "
             "(`scripts/make-parameter-reference` rewrites this file; the test "
             "`parameter_reference` fails when it is out of date). "
             "`relax --print-parameters SOLVER` prints the same as one file to "
             "edit and run. Each entry: its documentation, then `set name = "
             "default`.\n\n"
             "## Common to every solver\n\n"
             "`solver`, `dimension`, `output directory`, the landscapes "
             "(subsection `Landscape`), the mesh (`Mesh`), and for the solvers "
             "that advance in time, `Time`.\n\n```\n";
      {
        dealii::ParameterHandler prm;
        declare_common_parameters(prm, nullptr, true);
        prm.print_parameters(out, dealii::ParameterHandler::PRM);
      }
      out << "```\n";
      for (const auto &entry : registered_solvers())
        {
          out << "\n## " << entry.name << "\n\n" << entry.description
              << (entry.time_dependent ? " Reads subsection `Time`." : "")
              << "\n\n```\n";
          dealii::ParameterHandler prm;
          prm.enter_subsection(entry.name);
          entry.declare_parameters(prm);
          prm.leave_subsection();
          prm.print_parameters(out, dealii::ParameterHandler::PRM);
          out << "```\n";
        }
    }

    std::string
    effective_parameters(dealii::ParameterHandler &prm)
    {
      std::ostringstream text;
      prm.print_parameters(text, dealii::ParameterHandler::ShortPRM);
      return text.str();
    }

    std::string
    default_output_directory(const std::string &parameter_file)
    {
      return "output/" + std::filesystem::path(parameter_file).stem().string();
    }

    /// Applies a command-line `--set PATH=VALUE` on top of the file.
    void
    apply_override(dealii::ParameterHandler &prm, const std::string &assignment)
    {
      const std::size_t equals = assignment.find('=');
      if (equals == std::string::npos)
        throw UsageError("--set needs PATH=VALUE, got '" + assignment + "'");
      const std::string path  = dealii::Utilities::trim(assignment.substr(0, equals));
      const std::string value = dealii::Utilities::trim(assignment.substr(equals + 1));
      const std::vector<std::string> parts =
        dealii::Utilities::split_string_list(path, '/');
      unsigned int entered = 0;
      try
        {
          for (; entered + 1 < parts.size(); ++entered)
            {
              if (!prm.subsection_path_exists({parts[entered]}))
                throw UsageError("--set " + assignment + ": there is no subsection '" +
                                 parts[entered] + "' there");
              prm.enter_subsection(parts[entered]);
            }
          prm.set(parts.back(), value);
        }
      catch (const dealii::ExceptionBase &)
        {
          for (; entered > 0; --entered)
            prm.leave_subsection();
          throw UsageError("--set " + assignment +
                           ": unknown parameter, or a value its pattern does "
                           "not allow (see relax --print-parameters)");
        }
      for (; entered > 0; --entered)
        prm.leave_subsection();
    }
  } // namespace

    int
    run_parameter_file(const std::string &             file,
                       const std::vector<std::string> &overrides,
                       const bool                      resume,
                       const std::string &             command_line)
    {
      const MPI_Comm comm    = MPI_COMM_WORLD;
      const bool     is_root = dealii::Utilities::MPI::this_mpi_process(comm) == 0;
      std::unique_ptr<ParameterSource> source;
      std::unique_ptr<RunFolder>       folder;
      try
        {
          source = std::make_unique<ParameterSource>(file);
          dealii::ParameterHandler prm;
          declare_parameters(prm, nullptr);
          source->parse_into(prm);
          for (const std::string &assignment : overrides)
            apply_override(prm, assignment);

          const SolverRegistration &solver = *find_solver(prm.get("solver"));
          const unsigned int        dim    = prm.get_integer("dimension");
          std::string               directory = prm.get("output directory");
          if (directory.empty())
            directory = default_output_directory(file);
          if (resume && !solver.time_dependent)
            throw InputError("/solver",
                             "--resume: solver '" + solver.name +
                               "' does not advance in time");

          // Build the landscape once before anything is written, so that a
          // bad expression or a dimension it does not exist in is reported
          // without leaving a run folder behind.
          if (dim == 1)
            create_landscape<1>(prm);
          else if (dim == 2)
            create_landscape<2>(prm);
          else
            create_landscape<3>(prm);

          folder = std::make_unique<RunFolder>(directory, comm);
          folder->start(effective_parameters(prm), command_line, resume);
          if (is_root)
            std::cout << "relax " << version() << ": solver " << solver.name
                      << ", landscape " << landscape_name(prm) << ", " << dim
                      << "-D, "
                      << dealii::Utilities::MPI::n_mpi_processes(comm)
                      << " rank(s) -> " << directory << "/" << std::endl;

          RunContext context{prm, *folder, resume};
          if (dim == 1)
            solver.run_1d(context);
          else if (dim == 2)
            solver.run_2d(context);
          else
            solver.run_3d(context);

          if (is_root)
            std::cout << "Done. Results in " << directory
                      << "/ (summary.json, diagnostics.csv); open the .pvd "
                         "file there in ParaView: paraview "
                      << directory << "/*.pvd" << std::endl;
          // A run whose trust checks failed completed, but its figures are
          // not to be relied on: its own exit code (the warnings are out).
          return folder->trusted() ? 0 : exit_untrusted;
        }
      catch (const InputError &error)
        {
          const std::string message =
            source ? source->describe(error) : file + ": " + error.message();
          if (folder)
            folder->stop("failed: " + message);
          if (is_root)
            std::cerr << "relax: error: " << message << std::endl;
          return 2;
        }
      catch (const UsageError &)
        {
          throw;
        }
      catch (const RunInterrupted &interruption)
        {
          if (folder)
            folder->stop(std::string("interrupted: ") + interruption.what());
          if (is_root)
            std::cerr << "relax: " << interruption.what() << std::endl;
          return 3;
        }
      catch (const std::exception &error)
        {
          std::string message = error.what();
          // deal.II's exceptions span many lines; keep the first useful one.
          if (folder)
            folder->stop("failed: " + message);
          std::cerr << "relax: error (rank "
                    << dealii::Utilities::MPI::this_mpi_process(comm)
                    << "): " << message << std::endl;
          if (dealii::Utilities::MPI::n_mpi_processes(comm) > 1)
            MPI_Abort(comm, 1);
          return 1;
        }
    }

  int
  run_command_line(int argc, char **argv)
  {
    const bool is_root =
      dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
    std::vector<std::string> arguments(argv + 1, argv + argc);
    std::string              command_line = argv[0];
    for (const auto &a : arguments)
      command_line += " " + a;

    try
      {
        if (arguments.empty())
          throw UsageError("no parameter file given");
        if (arguments[0] == "--help" || arguments[0] == "-h")
          {
            if (is_root)
              std::cout << usage_text;
            return 0;
          }
        if (arguments[0] == "--version")
          {
            if (is_root)
              std::cout << "relax " << version() << " (git " << git_commit()
                        << ", deal.II " << DEAL_II_PACKAGE_VERSION << ")\n";
            return 0;
          }
        if (arguments[0] == "--print-parameter-reference")
          {
            if (is_root)
              print_parameter_reference(std::cout);
            return 0;
          }
        if (arguments[0] == "verify")
          return run_verify(std::vector<std::string>(arguments.begin() + 1, arguments.end()),
                            command_line);
        if (arguments[0] == "--print-parameters")
          {
            if (arguments.size() > 2)
              throw UsageError("--print-parameters takes at most one solver");
            const SolverRegistration *only = nullptr;
            if (arguments.size() == 2)
              {
                only = find_solver(arguments[1]);
                if (only == nullptr)
                  throw UsageError("unknown solver '" + arguments[1] +
                                   "' (known: " + solver_names() + ")");
              }
            dealii::ParameterHandler prm;
            declare_parameters(prm, only);
            if (is_root)
              prm.print_parameters(std::cout, dealii::ParameterHandler::PRM);
            return 0;
          }

        std::string              file;
        std::vector<std::string> overrides;
        bool                     resume = false;
        for (std::size_t i = 0; i < arguments.size(); ++i)
          {
          const std::string &a = arguments[i];
          if (a == "--resume")
            resume = true;
          else if (a == "--set")
            {
              if (i + 1 == arguments.size())
                throw UsageError("--set needs PATH=VALUE");
              overrides.push_back(arguments[++i]);
            }
          else if (a.rfind("--", 0) == 0)
            throw UsageError("unknown option '" + a + "'");
          else if (file.empty())
            file = a;
          else
            throw UsageError("more than one parameter file ('" + file +
                             "', '" + a + "')");
          }
        if (file.empty())
          throw UsageError("no parameter file given");
        return run_parameter_file(file, overrides, resume, command_line);
      }
    catch (const UsageError &error)
      {
        if (is_root)
          std::cerr << "relax: error: " << error.what()
                    << " (relax --help shows the usage)" << std::endl;
        return 2;
      }
  }
} // namespace relax
