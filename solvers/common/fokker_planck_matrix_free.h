// The Fokker–Planck operator A and the mass matrix M applied matrix-free
// (cell by cell at the quadrature points, no assembled matrix), with a
// geometric multigrid preconditioner on the mesh hierarchy: the
// `matrix-free` linear solver of the fokker-planck solver, for runs where
// the memory of assembled matrices and an algebraic multigrid is the limit.
#pragma once

#include <mpi.h>

#include <memory>

namespace dealii
{
  namespace PETScWrappers::MPI
  {
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

  /**
   * a(ρ, v) = ∫ (β⁻¹ D∇ρ + ρ (β⁻¹ divD − b)) · ∇v, the form of
   * assemble_fokker_planck_operator, and m(ρ, v) = ∫ ρ v, both with the
   * quadrature of the assembled matrices; β⁻¹D and β⁻¹divD − b are
   * evaluated once, at the quadrature points of every level of the mesh
   * (the finest level is also the operator of the Krylov solver).
   *
   * Systems (M + c A) x = y are solved by GMRES (restart 10, right
   * preconditioned so that the tolerance bounds the true residual) with a
   * geometric multigrid V-cycle: Chebyshev smoothing around the diagonal
   * on the levels, whose operators get an artificial diffusion where the
   * drift dominates, and a dense LU on the coarsest level used (the finest
   * one with at most ~1000 DoFs). The space must be made with
   * `matrix_free = true` (a uniformly refined mesh with its level
   * hierarchy, not periodic; dim 2 or 3).
   *
   * Making one sets, for the rest of the process, glibc's allocator to map
   * blocks of 1 MiB and more on their own and give them back when freed
   * (the libraries PETSc loads switch that off), so that the peak resident
   * memory is what the solver holds, not the heap's holes.
   */
  template <int dim>
  class FokkerPlanckMatrixFree
  {
  public:
    FokkerPlanckMatrixFree(const ScalarSpace<dim> &      space,
                           const Landscape<dim> &        landscape,
                           double                        beta,
                           const LinearSolverParameters &parameters);
    ~FokkerPlanckMatrixFree();

    /// dst = (mass_factor M + operator_factor A) src, owned entries.
    void
    apply(const dealii::PETScWrappers::MPI::Vector &src,
          dealii::PETScWrappers::MPI::Vector &      dst,
          double                                    mass_factor,
          double                                    operator_factor) const;

    /// The normalised null vector of A: from the uniform density ρ₀,
    /// (A + c m mᵀ) δ = −A ρ₀ (m = M 1, which makes the singular A regular
    /// without changing the answer) by GMRES preconditioned with the V-cycle
    /// of M + τA, ρ₀ + δ normalised to unit mass. Returns the GMRES
    /// iterations.
    unsigned int
    steady_state(dealii::PETScWrappers::MPI::Vector &owned_rho_ss);

    /// One θ-step (M + θΔt A) u¹ = (M − (1−θ)Δt A) u⁰ of `u` (owned
    /// entries); the multigrid levels are rebuilt only when θΔt changes.
    /// Returns the GMRES iterations.
    unsigned int
    step(dealii::PETScWrappers::MPI::Vector &u, double time_step, double theta);

  private:
    struct Implementation;
    std::unique_ptr<Implementation> implementation;
  };
} // namespace relax
