// Entropic optimal transport on the shared finite-element space, with the
// Gibbs kernel exp(−|x − y|²/γ) applied as heat steps on the mesh (Solomon
// et al. 2015; here θ-steps with Crandall's fourth-order θ where it keeps
// the kernel positive): one sparse factorisation reused, O(N) per kernel
// application. On top of it: the entropic JKO step (Peyré 2015) and the
// debiased Sinkhorn divergence, the W₂² estimate between two densities.
//
// Scalings are kept as logarithms (potentials). The kernel is applied to
// e^{v} through the kernel conjugated by e^{ϑ}: A(e^{v}) = e^{ϑ} T_ϑ(e^{v−ϑ})
// with T_ϑ = (S_ϑ⁻¹ E_ϑ)^L and (S_ϑ)_ij = S_ij e^{ϑ_j − ϑ_i} for both parts
// S = W + θsK and E = W − (1 − θ)sK of a heat step, so only
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
   * factor, as L θ-steps of the heat equation of total time γ/4 with the
   * lumped mass matrix W: A = ((W + θsK)⁻¹(W − (1 − θ)sK))^L, s = γ/(4L),
   * K_ij = ∫ D∇φ_j·∇φ_i. With D = I the cost is |x − y|² (the heat kernel
   * of time t is ∝ exp(−|x−y|²/(4t))); with a matrix D(x), by Varadhan's
   * formula, the squared distance of the metric D⁻¹. A(e^v) approximates
   * ∫ G(x, y) e^{v(y)} dy, nodal values in and out.
   *
   * The squared cost of a displacement z, read off the kernel's tail (where
   * Sinkhorn reads it), is |z|² − |z|⁴ ((2θ − 1)/(2γL) + c h²/(3γ²)) + …:
   * a time term (implicit Euler, θ = 1: relative error |z|²/(2γL)) and a
   * mesh term (the lumped Q1 Laplacian; c = 1 in 1-D, 5/4 and 7/5 averaged
   * over directions in 2-D and 3-D, between 1 and 3/2 in 2-D). θ = 1/2 −
   * c h²/(12 s) cancels both (Crandall's fourth-order θ), which needs
   * s ≤ 2/q − c h²/6 (q = max K_ii/w_i) to keep W − (1 − θ)sK ≥ 0, i.e. the
   * kernel positive; with fewer, longer steps θ is the smallest positive
   * one, 1 − 1/(sq), up to 1 (implicit Euler). `heat_steps` = 0 picks the
   * fewest steps at which the fourth-order θ is positive. All matrices are
   * M-matrices, so the kernel is positive and the triangular solves are
   * free of cancellation (componentwise accurate).
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
    /// θ of the heat steps (see the class documentation).
    double
    theta() const
    {
      return step_theta;
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
    unsigned int                                 steps;
    double                                       step_theta = 1;
    LinearSolverParameters                       solver_parameters;
    Vector                                       lumped_mass;
    dealii::PETScWrappers::MPI::SparseMatrix     implicit_part; // W + θsK
    dealii::PETScWrappers::MPI::SparseMatrix     explicit_part; // W − (1 − θ)sK
    std::array<dealii::PETScWrappers::MPI::SparseMatrix, 2> conjugated_implicit, conjugated_explicit;
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
   * debiased Sinkhorn divergence S_γ with the fourth-order kernel
   * (GibbsKernel with `heat_steps` = 0: the fewest heat steps at which
   * Crandall's θ keeps the kernel positive, L ≈ γ/(4 · 0.8h²) in 1-D and
   * γ/(4 · 0.54h²) in 2-D). Errors: the entropic S_γ − W₂² = O(γ²) (for
   * Gaussians, 0.016 % at γ = 0.04 in the 1-D unit test), the kernel
   * O(h⁴/γ⁴ · |z|⁶ + |z|⁶/(γL)²) relative, in 2-D the anisotropic part of
   * the Q1 mesh term, up to ±|z|²h²/(12γ²) relative. Cost: one
   * factorisation and L solves per kernel application.
   */
  template <int dim>
  double
  wasserstein_squared(const ScalarSpace<dim> &                  space,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      double                                    gamma,
                      const LinearSolverParameters &            linear_solver,
                      const SinkhornControl &                   control);
} // namespace relax
