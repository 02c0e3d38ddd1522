#include "solvers/solver.h"

#include <algorithm>

namespace relax
{
  namespace
  {
    std::vector<SolverRegistration> &
    registry()
    {
      static std::vector<SolverRegistration> entries;
      return entries;
    }
  } // namespace

  bool
  register_solver(const SolverRegistration &registration)
  {
    auto &entries = registry();
    entries.push_back(registration);
    std::sort(entries.begin(),
              entries.end(),
              [](const auto &a, const auto &b) { return a.name < b.name; });
    return true;
  }

  const std::vector<SolverRegistration> &
  registered_solvers()
  {
    return registry();
  }

  const SolverRegistration *
  find_solver(const std::string &name)
  {
    for (const auto &entry : registry())
      if (entry.name == name)
        return &entry;
    return nullptr;
  }
} // namespace relax
