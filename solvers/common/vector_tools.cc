#include "solvers/common/vector_tools.h"

#include <deal.II/lac/petsc_vector.h>

namespace relax
{
  // PETSc's VecMin/VecMax are collective and return the global extremum.
  Extremum
  global_min(const dealii::PETScWrappers::MPI::Vector &vector)
  {
    PetscInt  index = 0;
    PetscReal value = 0;
    VecMin(static_cast<const Vec &>(vector), &index, &value);
    return {value, static_cast<unsigned long long>(index)};
  }

  Extremum
  global_max(const dealii::PETScWrappers::MPI::Vector &vector)
  {
    PetscInt  index = 0;
    PetscReal value = 0;
    VecMax(static_cast<const Vec &>(vector), &index, &value);
    return {value, static_cast<unsigned long long>(index)};
  }
} // namespace relax
