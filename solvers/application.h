// The command line of `relax`: parse it, and dispatch to a solver.
#pragma once

namespace relax
{
  /// Runs `relax` with the given arguments (MPI already initialised) and
  /// returns the process exit code: 0 success, 1 failure, 2 bad input or
  /// usage, 3 interrupted on purpose (resume with --resume).
  int
  run_command_line(int argc, char **argv);
} // namespace relax
