// The command line of `relax`: parse it, and dispatch to a solver.
#pragma once

#include <string>
#include <vector>

namespace relax
{
  /// The exit code of a run that completed but failed its trust checks.
  constexpr int exit_untrusted = 4;

  /// Runs `relax` with the given arguments (MPI already initialised) and
  /// returns the process exit code: 0 success, 1 failure, 2 bad input or
  /// usage, 3 interrupted on purpose (resume with --resume), 4 complete
  /// but untrusted (summary.json's `trust` block says which figure).
  int
  run_command_line(int argc, char **argv);

  /// Runs one parameter file (with `--set` overrides) into its run folder
  /// and returns the exit code run_command_line would; `relax verify` runs
  /// its problems through it.
  int
  run_parameter_file(const std::string &             file,
                     const std::vector<std::string> &overrides,
                     bool                            resume,
                     const std::string &             command_line);
} // namespace relax
