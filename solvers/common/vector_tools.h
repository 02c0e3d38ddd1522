// Reductions over distributed PETSc vectors.
#pragma once

namespace dealii::PETScWrappers::MPI
{
  class Vector;
}

namespace relax
{
  /// The smallest (largest) entry over all ranks, and its global index.
  struct Extremum
  {
    double             value;
    unsigned long long index;
  };

  Extremum
  global_min(const dealii::PETScWrappers::MPI::Vector &vector);

  Extremum
  global_max(const dealii::PETScWrappers::MPI::Vector &vector);
} // namespace relax
