// Entropic optimal transport on the shared finite-element space. The Gibbs
// kernel exp(−|x − y|²/γ) comes in two kinds: exact, on a uniform grid, as
// log-sum-exps along the grid lines (the kernel is a product over the
// axes); or as heat steps on any mesh (Solomon et al. 2015; here θ-steps
// with Crandall's fourth-order θ where it keeps the kernel positive), one
// sparse factorisation reused, which also gives the kernel of the metric
// D⁻¹ for a matrix D(x). On top of it: the entropic JKO step (Peyré 2015)
// and the debiased Sinkhorn divergence, the W₂² estimate between two
// densities.
//
// Scalings are kept as logarithms (potentials). The heat-step kernel is
// applied to e^{v} through the kernel conjugated by e^{ϑ}:
// A(e^{v}) = e^{ϑ} T_ϑ(e^{v−ϑ}) with T_ϑ = (S_ϑ⁻¹ E_ϑ)^L and
// (S_ϑ)_ij = S_ij e^{ϑ_j − ϑ_i} for both parts S = W + θsK and
// E = W − (1 − θ)sK of a heat step, so only e^{v−ϑ} enters floating point.
// ϑ is the last absorbed potential; when v strays too far from it, ϑ ← v
// and S_ϑ is refactorised (Schmitzer's absorption, carried over to the
// heat-step kernel). Small γ therefore does not underflow.
#pragma once

#include <deal.II/base/point.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include "solvers/common/linear_solver.h"

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace relax
{
  template <int dim>
  class ScalarSpace;

  /**
   * @brief The Gibbs kernel exp(−c(x, y)/γ) on a Q1 space, applied in log
   * form: what the Sinkhorn loops below need. A(e^v) approximates
   * ∫ G(x, y) e^{v(y)} dy, nodal values in and out, with
   * G = (πγ)^{−d/2} exp(−|x − y|²/γ) (the heat kernel of time γ/4) or its
   * analogue for another metric; A 1 ≈ 1 away from the boundary.
   */
  template <int dim>
  class GibbsKernel
  {
  public:
    using Vector = dealii::PETScWrappers::MPI::Vector;

    virtual ~GibbsKernel();

    double
    gamma() const
    {
      return epsilon;
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
    /// result = log A(e^{log_v}) (owned entries, constraints distributed).
    /// `slot` 0 or 1: one per side of a transport plan, for kernels that
    /// keep state per side.
    virtual void
    log_apply(unsigned int slot, const Vector &log_v, Vector &result) = 0;

  protected:
    /// Assembles the lumped mass; throws unless the space is Q1.
    GibbsKernel(const ScalarSpace<dim> &space, double gamma);

    const ScalarSpace<dim> &fe_space;
    const double            epsilon;
    Vector                  lumped_mass;
  };

  /**
   * @brief The Gibbs kernel as L θ-steps of the heat equation of total time
   * γ/4 with the lumped mass matrix W: A = ((W + θsK)⁻¹(W − (1 − θ)sK))^L,
   * s = γ/(4L), K_ij = ∫ D∇φ_j·∇φ_i. With D = I the cost is |x − y|² (the
   * heat kernel of time t is ∝ exp(−|x−y|²/(4t))); with a matrix D(x), by
   * Varadhan's formula, the squared distance of the metric D⁻¹. Any Q1
   * mesh; O(L N log N) per application.
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
  class HeatStepKernel : public GibbsKernel<dim>
  {
  public:
    using Vector    = dealii::PETScWrappers::MPI::Vector;
    using Diffusion = std::function<dealii::SymmetricTensor<2, dim>(const dealii::Point<dim> &)>;

    HeatStepKernel(const ScalarSpace<dim> &      space,
                   double                        gamma,
                   unsigned int                  heat_steps,
                   const LinearSolverParameters &linear_solver,
                   const Diffusion &             diffusion = {});
    ~HeatStepKernel() override;

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

    /// Through the conjugated kernel of `slot`, re-absorbed when log_v has
    /// moved more than `absorption_threshold` from its potential (e^{±100}
    /// keeps far from the limits of doubles while refactorising rarely).
    void
    log_apply(unsigned int slot, const Vector &log_v, Vector &result) override;

    static constexpr double absorption_threshold = 100;

    unsigned int  n_factorisations = 0;
    unsigned long n_solves         = 0;

  private:
    void
    absorb(unsigned int slot, const Vector &log_v);

    unsigned int                                 steps;
    double                                       step_theta = 1;
    LinearSolverParameters                       solver_parameters;
    dealii::PETScWrappers::MPI::SparseMatrix     implicit_part; // W + θsK
    dealii::PETScWrappers::MPI::SparseMatrix     explicit_part; // W − (1 − θ)sK
    std::array<dealii::PETScWrappers::MPI::SparseMatrix, 2> conjugated_implicit, conjugated_explicit;
    std::array<Vector, 2>                        potential;
    std::array<bool, 2>                          absorbed{{false, false}};
    std::array<std::unique_ptr<LinearSolver>, 2> solver;
    Vector                                       work, rhs;
  };

  /**
   * @brief The exact Gibbs kernel (πγ)^{−d/2} exp(−|x − y|²/γ) on a uniform
   * grid: Q1 on equal axis-aligned cells of a box or torus (distances
   * across a periodic axis the shorter way round), summed with the lumped
   * mass as quadrature. The kernel is a product over the axes, so it is
   * applied one axis at a time, along the grid lines: each line shifted by
   * its largest value, then one matrix product (BLAS) with the axis's
   * n × n kernel, and the log-sum-exp itself only where a result sits on
   * terms that underflowed (stable at any γ, no absorption, no
   * factorisation). 2N(n₁ + … + n_d) flops per application (N^{3/2} in
   * 2-D, N^{4/3} in 3-D), the lines split over the ranks. No time or mesh error in
   * the cost: the quadrature of a Gaussian of width √(γ/2) converges
   * spectrally, so on meshes with h ≲ √γ what remains is the entropic
   * error of the scheme. The constructor throws std::invalid_argument,
   * saying why, when the mesh is not such a grid.
   */
  template <int dim>
  class GridGaussianKernel : public GibbsKernel<dim>
  {
  public:
    using Vector = dealii::PETScWrappers::MPI::Vector;

    GridGaussianKernel(const ScalarSpace<dim> &space, double gamma);
    ~GridGaussianKernel() override;

    /// `slot` is unused: the kernel keeps no state.
    void
    log_apply(unsigned int slot, const Vector &log_v, Vector &result) override;

    /// Grid points per axis.
    const std::array<unsigned int, dim> &
    points_per_axis() const
    {
      return n_points;
    }

    /// Results that needed the log-sum-exp itself (see reduce_lines).
    unsigned long n_exact_sums = 0;

  private:
    /// The kernel of `axis` on the lines that start at `line_starts`
    /// (elements `element_stride` apart) into `results`, [i][line].
    void
    reduce_lines(unsigned int axis, std::size_t element_stride, double *results);
    /// Replaces `grid` along `axis` by the kernel of that axis, the lines
    /// split over the ranks.
    void
    reduce_axis(unsigned int axis);

    std::array<unsigned int, dim> n_points{};
    /// −(x_i − x_j)²/γ per axis and its exponential, n × n (symmetric).
    std::array<std::vector<double>, dim> log_kernel, kernel_matrix;
    /// Grid index (row-major, axis 0 slowest) of each owned DoF, and of
    /// each entry of the owned entries gathered from all ranks.
    std::vector<unsigned int> owned_grid_index, gathered_grid_index;
    std::vector<int>          owned_counts, owned_offsets;
    /// The lines along the last axis with owned DoFs, and each owned DoF's
    /// place among them.
    std::vector<std::size_t> owned_lines, owned_line_slot;
    std::vector<std::size_t> line_starts;
    /// log w of the owned DoFs (−∞ where w = 0: constrained DoFs carry
    /// nothing), and log(w e^v) on its way to the grid.
    std::vector<double>      log_weights, owned_values;
    std::vector<double>      grid, gathered, line_values, line_results, shifts, exponentials, products;
  };

  /// Which Gibbs kernel a transport uses.
  enum class KernelMethod
  {
    /// GridGaussianKernel where the mesh is a uniform grid, else heat steps.
    automatic,
    exact,
    heat_steps
  };

  /// The kernel of `method` for D = I (heat steps: `heat_steps` per
  /// application, 0 for the fewest at the fourth-order θ). Throws
  /// std::invalid_argument for `exact` on a mesh that is not a uniform grid.
  template <int dim>
  std::unique_ptr<GibbsKernel<dim>>
  make_gibbs_kernel(const ScalarSpace<dim> &      space,
                    double                        gamma,
                    KernelMethod                  method,
                    unsigned int                  heat_steps,
                    const LinearSolverParameters &linear_solver);

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
   * debiased Sinkhorn divergence S_γ with the kernel of `method`. The
   * entropic error S_γ − W₂² is O(γ²) (for Gaussians, 0.016 % at γ = 0.04
   * in the 1-D unit test). The exact kernel adds only the spectrally small
   * quadrature error (h ≲ √γ); the heat-step kernel, with the fewest steps
   * at which Crandall's θ keeps it positive (L ≈ γ/(4 · 0.8h²) in 1-D and
   * γ/(4 · 0.54h²) in 2-D), adds O(h⁴/γ⁴ · |z|⁶ + |z|⁶/(γL)²) relative to
   * the cost, and in 2-D the anisotropic part of the Q1 mesh term, up to
   * ±|z|²h²/(12γ²) relative.
   */
  template <int dim>
  double
  wasserstein_squared(const ScalarSpace<dim> &                  space,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      double                                    gamma,
                      const LinearSolverParameters &            linear_solver,
                      const SinkhornControl &                   control,
                      KernelMethod                              method = KernelMethod::automatic);
} // namespace relax
