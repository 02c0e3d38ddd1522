// The Fokker–Planck operator a(ρ, v) = ∫ (β⁻¹ D∇ρ + ρ (β⁻¹ divD − b)) · ∇v
// on the shared space, and its steady state: used by the fokker-planck
// solver and by the solvers that compare with it (jko).
#pragma once

#include <mpi.h>

namespace dealii
{
  namespace PETScWrappers::MPI
  {
    class SparseMatrix;
    class Vector;
  } // namespace PETScWrappers::MPI
} // namespace dealii

namespace relax
{
  template <int dim>
  class Landscape;
  template <int dim>
  class ScalarSpace;
  struct LinearSolverParameters;

  /// `matrix` (reinitialised with the space's pattern) = a(φ_j, φ_i), the
  /// weak form of −div(−ρb + β⁻¹ div(Dρ)) with zero flux on the boundary:
  /// its columns sum to zero, so M ρ' + A ρ = 0 conserves mass exactly.
  /// With `identity_diffusion`, D = I and divD = 0 (the drift b kept).
  template <int dim>
  void
  assemble_fokker_planck_operator(const ScalarSpace<dim> &                  space,
                                  const Landscape<dim> &                    landscape,
                                  double                                    beta,
                                  bool                                      identity_diffusion,
                                  dealii::PETScWrappers::MPI::SparseMatrix &matrix);

  /// The normalised null vector of `fp_operator` (owned entries, constraints
  /// distributed): A ρ = 0 has the one-dimensional null space spanned by
  /// ρ_ss, so the row of the DoF where f is lowest (where ρ_ss surely is not
  /// small) is replaced by ρ_k = 1, the system solved, the result
  /// normalised to unit mass. The row is replaced in `fp_operator` itself
  /// and restored after the solve. Returns the linear iterations.
  template <int dim>
  unsigned int
  solve_fokker_planck_steady_state(const ScalarSpace<dim> &                        space,
                                   const Landscape<dim> &                          landscape,
                                   dealii::PETScWrappers::MPI::SparseMatrix &      fp_operator,
                                   const LinearSolverParameters &                  parameters,
                                   dealii::PETScWrappers::MPI::Vector &            owned_rho_ss);
} // namespace relax
