// The Fokker–Planck operator a(ρ, v) = ∫ (β⁻¹ D∇ρ + ρ (β⁻¹ divD − b)) · ∇v
// on the shared space, and its steady state: used by the fokker-planck
// solver and by the solvers that compare with it (jko).
#pragma once

#include <mpi.h>

#include <vector>

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

  /// Kuzmin's discrete upwinding of an assembled operator `matrix` (A
  /// above): for every pair i ≠ j of unconstrained DoFs, d_ij = max(0, A_ij,
  /// A_ji) is taken from A_ij and A_ji and added to A_ii and A_jj. The
  /// symmetric correction has zero row and column sums, so the columns of
  /// the result still sum to zero (mass is conserved exactly); its
  /// off-diagonal entries are ≤ 0, so with the lumped mass matrix M_L the
  /// backward Euler matrix M_L + Δt A is an M-matrix (column diagonally
  /// dominant): every step maps ρ ≥ 0 to ρ ≥ 0 and is a Markov transition
  /// of the nodal masses M_L ρ, so KL(ρ‖ρ_ss) in the lumped quadrature never
  /// increases, for every β, h and Δt. Where A_ij ≤ 0 already (Q1 with an
  /// isotropic D and a resolved drift) nothing is added. Returns the
  /// diffusion added relative to the operator's, Σ d_ij / Σ |A_ii| (0 when
  /// nothing was added). Collective.
  template <int dim>
  double
  apply_discrete_upwinding(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::SparseMatrix &matrix);

  /// `matrix` (reinitialised with the space's pattern) = the lumped mass
  /// matrix, diag(Σ_j M_ij): positive for Q_p on its Gauss–Lobatto nodes.
  template <int dim>
  void
  assemble_lumped_mass(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::SparseMatrix &matrix);

  /// The streamline cell Péclet numbers Pe_K = |w|³ h_K / (2p wᵀDw) with
  /// w = βb − divD (the drift against the diffusion along it; |w|h/(2pD)
  /// for a scalar D), largest over the quadrature points of K (h_K its
  /// shortest edge, p the degree), one per locally owned cell in the order
  /// of the active cell iterators: above 1 the Galerkin solution
  /// oscillates unless ρ is negligible there.
  template <int dim>
  std::vector<double>
  cell_peclet_numbers(const ScalarSpace<dim> &space, const Landscape<dim> &landscape, double beta);

  /// `peclet` (from cell_peclet_numbers) set to zero on the cells where
  /// the Gibbs weight e^{−β(f − min f)} is below e^{−`cutoff`} at every
  /// quadrature point: where a density near e^{−βf} carries no mass, an
  /// unresolved drift does no harm. The indicator of the refinement made
  /// on the landscape before the first solve, and of `automatic`
  /// stabilisation.
  template <int dim>
  std::vector<double>
  peclet_where_gibbs_mass(const ScalarSpace<dim> &space, const Landscape<dim> &landscape, double beta,
                          double cutoff, std::vector<double> peclet);

  /// Σ_K Pe_K ∫_K |ρ| / ∫|ρ| for `density` (ghosted): near a minimum of Φ
  /// it is about h/(2pσ), σ the width of the density, so above 1 the
  /// density is narrower than a cell and not resolved. Collective.
  template <int dim>
  double
  density_weighted_peclet(const ScalarSpace<dim> &                  space,
                          const std::vector<double> &               peclet,
                          const dealii::PETScWrappers::MPI::Vector &density);

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
