// Solvers register themselves by name, like landscapes; `relax` dispatches
// to the one the parameter file names.
#pragma once

#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace relax
{
  class RunFolder;

  /// What a solver gets to run: the parsed parameters, its run folder and
  /// whether to continue from the folder's last checkpoint.
  struct RunContext
  {
    dealii::ParameterHandler &prm;
    RunFolder &               folder;
    bool                      resume;
  };

  struct SolverRegistration
  {
    std::string name;
    std::string description;
    /// Declares the solver's own entries (its subsection already entered).
    void (*declare_parameters)(dealii::ParameterHandler &);
    /// Whether the solver advances in time (and so reads subsection Time
    /// and can resume from checkpoints).
    bool time_dependent;
    void (*run_1d)(RunContext &);
    void (*run_2d)(RunContext &);
    void (*run_3d)(RunContext &);
  };

  bool
  register_solver(const SolverRegistration &registration);

  /// Every registered solver, sorted by name.
  const std::vector<SolverRegistration> &
  registered_solvers();

  /// The registration of `name`, or nullptr.
  const SolverRegistration *
  find_solver(const std::string &name);
} // namespace relax

/// Registers `run<dim>(RunContext &)` for dim = 1, 2, 3 under `name`.
#define RELAX_REGISTER_SOLVER(run, name, description, declare, time_dependent) \
  namespace                                                                  \
  {                                                                          \
    const bool run##_is_registered = relax::register_solver(                 \
      {name, description, declare, time_dependent, &run<1>, &run<2>, &run<3>}); \
  }
