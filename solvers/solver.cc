#include "solvers/solver.h"

#include "problems/named_registry.h"

namespace relax
{
  bool
  register_solver(const SolverRegistration &registration)
  {
    return add_to_registry(registration);
  }

  const std::vector<SolverRegistration> &
  registered_solvers()
  {
    return registry_entries<SolverRegistration>();
  }

  const SolverRegistration *
  find_solver(const std::string &name)
  {
    return find_in_registry<SolverRegistration>(name);
  }
} // namespace relax
