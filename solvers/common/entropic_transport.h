// Entropic optimal transport on the shared finite-element space, with the
// Gibbs kernel exp(−|x − y|²/γ) applied as implicit heat steps on the mesh
// (Solomon et al. 2015): one sparse factorisation reused, O(N) per kernel
// application. On top of it: the entropic JKO step (Peyré 2015) and the
// debiased Sinkhorn divergence, the W₂² estimate between two densities.
//
// Scalings are kept as logarithms (potentials). The kernel is applied to
// e^{v} through the kernel conjugated by e^{θ}: A(e^{v}) = e^{θ} T_θ(e^{v−θ})
// with T_θ = (S_θ⁻¹ W)^L and (S_θ)_ij = (W + sK)_ij e^{θ_j − θ_i}, so only
// e^{v−θ} enters floating point. θ is the last absorbed potential; when v
// strays too far from it, θ ← v and S_θ is refactorised (Schmitzer's
// absorption, carried over to the heat-step kernel). Small γ therefore does
// not underflow.
#pragma once

#include <deal.II/base/point.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include "solvers/common/linear_solver.h"

#include <array>
#include <functional>
#include <memory>

namespace relax
{
  template <int dim>
  class ScalarSpace;

  /**
   * @brief The Gibbs kernel exp(−c(x, y)/γ) on a Q1 space, up to a constant
   * factor, as L implicit heat steps of total time γ/4 with the lumped mass
   * matrix W: A = ((W + (γ/(4L)) K)⁻¹ W)^L, K_ij = ∫ D∇φ_j·∇φ_i. With D = I
   * the cost is |x − y|² (the heat kernel of time t is ∝ exp(−|x−y|²/(4t)));
   * with a matrix D(x), by Varadhan's formula, the squared distance of the
   * metric D⁻¹. A(e^v) approximates ∫ G(x, y) e^{v(y)} dy, nodal values in
   * and out. Lumped Q1 keeps W + sK an M-matrix, so the kernel is positive.
   */
  template <int dim>
  class GibbsKernel
  {
  public:
    using Vector    = dealii::PETScWrappers::MPI::Vector;
    using Diffusion = std::function<dealii::SymmetricTensor<2, dim>(const dealii::Point<dim> &)>;

    GibbsKernel(const ScalarSpace<dim> &      space,
                double                        gamma,
                unsigned int                  heat_steps,
                const LinearSolverParameters &linear_solver,
                const Diffusion &             diffusion = {});
    ~GibbsKernel();

    double
    gamma() const
    {
      return epsilon;
    }
    unsigned int
    heat_steps() const
    {
      return steps;
    }
    /// The lumped mass of each DoF (constraints condensed onto the masters;
    /// zero on constrained DoFs): Σ_i w_i u_i = ∫u for Q1 fields.
    const Vector &
    weights() const
    {
      return lumped_mass;
    }
    const ScalarSpace<dim> &
    space() const
    {
      return fe_space;
    }

    /// result = log A(e^{log_v}) (owned entries, constraints distributed),
    /// through the conjugated kernel of slot 0 or 1 (one per side of a
    /// transport plan), re-absorbed when log_v has moved more than
    /// `absorption_threshold` from its potential (e^{±100} keeps far from
    /// the limits of doubles while refactorising rarely).
    void
    log_apply(unsigned int slot, const Vector &log_v, Vector &result);

    static constexpr double absorption_threshold = 100;

    unsigned int n_factorisations = 0;
    unsigned long n_solves        = 0;

  private:
    void
    absorb(unsigned int slot, const Vector &log_v);

    const ScalarSpace<dim> &                     fe_space;
    const double                                 epsilon;
    const unsigned int                           steps;
    LinearSolverParameters                       solver_parameters;
    Vector                                       lumped_mass;
    dealii::PETScWrappers::MPI::SparseMatrix     base; // W + sK
    std::array<dealii::PETScWrappers::MPI::SparseMatrix, 2> conjugated;
    std::array<Vector, 2>                        potential;
    std::array<bool, 2>                          absorbed{{false, false}};
    std::array<std::unique_ptr<LinearSolver>, 2> solver;
    Vector                                       work, rhs;
  };

  /// When a Sinkhorn loop stops: the L1 error of the first marginal,
  /// Σ_i w_i |a_i (A b)_i − ρ_i|, below `tolerance`, or `max_iterations`
  /// reached (an error: the caller says what to change).
  struct SinkhornControl
  {
    double       tolerance      = 1e-9;
    unsigned int max_iterations = 5000;
  };

  struct SinkhornReport
  {
    unsigned int iterations     = 0;
    double       marginal_error = 0;
    /// Mass of the new density before it was rescaled to the old mass
    /// (differs by at most the marginal error).
    double mass_defect = 0;
  };

  /**
   * One entropic JKO step (Peyré 2015): ρ_{k+1} = second marginal of
   * argmin_π ⟨c, π⟩/(2τ) + (γ/(2τ)) Σ π log π + J(π^T 1), first marginal ρ_k,
   * J(ρ) = ∫ V ρ + T ∫ ρ log ρ with V = `potential` (nodal values) and
   * T = `temperature`. Alternating KL projections: a = ρ_k / A b, then
   * b = (A a)^{−κ} e^{−(2τV/γ + σ)/(1+σ)}, σ = 2τT/γ, κ = σ/(1 + σ) (the
   * closed-form KL proximal map of J), ρ_{k+1} = b · A a, in log form.
   * `log_a`, `log_b` are warm starts (zero the first time) and return the
   * converged potentials. Positive by construction; mass rescaled to that
   * of ρ_k. Throws when the iteration cap is reached.
   */
  template <int dim>
  SinkhornReport
  entropic_jko_step(GibbsKernel<dim> &                        kernel,
                    const dealii::PETScWrappers::MPI::Vector &rho_k,
                    const dealii::PETScWrappers::MPI::Vector &potential,
                    double                                    tau,
                    double                                    temperature,
                    const SinkhornControl &                   control,
                    dealii::PETScWrappers::MPI::Vector &      log_a,
                    dealii::PETScWrappers::MPI::Vector &      log_b,
                    dealii::PETScWrappers::MPI::Vector &      rho_next);

  /**
   * The debiased Sinkhorn divergence S_γ(α, β) = OT_γ(α, β) − ½OT_γ(α, α) −
   * ½OT_γ(β, β) of two densities (nodal values, normalised to unit mass
   * here), OT_γ with the entropy relative to α ⊗ β: S_γ → W₂²(α, β) as
   * γ → 0, with O(γ²) error for smooth densities, and S_γ = |m|² exactly
   * for a translation by m. Returns S_γ; `iterations` (may be null) gets
   * the Sinkhorn iterations of the three problems.
   */
  template <int dim>
  double
  sinkhorn_divergence(GibbsKernel<dim> &                        kernel,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      const SinkhornControl &                   control,
                      unsigned int *                            iterations = nullptr);
} // namespace relax

namespace relax
{
  /**
   * W₂²(ρ₀, ρ₁) between two densities on the space (nodal values): the
   * debiased Sinkhorn divergence with kernels of L and 2L heat steps,
   * extrapolated as 2S_{2L} − S_L. The L-step kernel underestimates the
   * squared cost of a displacement z by ≈ |z|⁴/(2γL), first order in 1/L;
   * the extrapolation removes that term, so that the error is O(γ²) +
   * O(1/L²) + O(h²). Cost: two kernels (factorisations) and 9L solves per
   * Sinkhorn iteration.
   */
  template <int dim>
  double
  wasserstein_squared(const ScalarSpace<dim> &                  space,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      double                                    gamma,
                      unsigned int                              heat_steps,
                      const LinearSolverParameters &            linear_solver,
                      const SinkhornControl &                   control);
} // namespace relax
