// Unit tests of the entropic transport on the mesh
// (solvers/common/entropic_transport): W₂ between Gaussians against the
// closed form |m₁ − m₂|² + tr(S₁ + S₂ − 2(S₁^{½} S₂ S₁^{½})^{½}) and the
// debiased Sinkhorn divergence against its own closed form for Gaussians, in
// 1-D and 2-D: the accuracy and the measured orders in h and γ.
#include <deal.II/base/function.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>
#include <deal.II/numerics/vector_tools.h>

#include <boost/test/unit_test.hpp>

#include "problems/landscape.h"
#include "solvers/common/entropic_transport.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <array>
#include <cmath>
#include <iomanip>
#include <utility>
#include <vector>

namespace
{
  using namespace dealii;

  template <int dim>
  relax::Domain<dim>
  box(const double half_width)
  {
    relax::Domain<dim> domain;
    for (unsigned int d = 0; d < dim; ++d)
      {
        domain.lower[d] = -half_width;
        domain.upper[d] = half_width;
      }
    return domain;
  }

  /// N(m, S) at the nodes (not normalised: the transport normalises).
  template <int dim>
  PETScWrappers::MPI::Vector
  gaussian(const relax::ScalarSpace<dim> &space, const Tensor<1, dim> &m, const Tensor<2, dim> &S)
  {
    PETScWrappers::MPI::Vector rho      = space.owned_vector();
    const Tensor<2, dim>       inverse  = invert(S);
    VectorTools::interpolate(space.dof_handler(),
                             ScalarFunctionFromFunctionObject<dim>([&](const Point<dim> &x) {
                               const Tensor<1, dim> r = x - Point<dim>(m);
                               return std::exp(-0.5 * (r * (inverse * r)));
                             }),
                             rho);
    space.constraints().distribute(rho);
    return rho;
  }

  /// √S of a symmetric positive definite 2×2 (or 1×1) matrix, by its
  /// eigen-decomposition.
  template <int dim>
  Tensor<2, dim>
  square_root(const Tensor<2, dim> &S)
  {
    const auto     pairs = eigenvectors(symmetrize(S));
    Tensor<2, dim> root;
    for (const auto &[lambda, v] : pairs)
      root += std::sqrt(lambda) * outer_product(v, v);
    return root;
  }

  template <int dim>
  double
  gaussian_w2_squared(const Tensor<1, dim> &m1, const Tensor<2, dim> &S1,
                      const Tensor<1, dim> &m2, const Tensor<2, dim> &S2)
  {
    const Tensor<2, dim> r1 = square_root(S1);
    return (m1 - m2).norm_square() + trace(S1 + S2 - 2 * square_root<dim>(r1 * S2 * r1));
  }

  /// OT_γ between N(m1, S1) and N(m2, S2), cost |x − y|², entropy relative
  /// to the product measure, in closed form (Janati, Muzellec, Peyré, Cuturi
  /// 2020, balanced case): |m1 − m2|² + tr S1 + tr S2 − tr D + dσ²(1 −
  /// log 2σ²) + σ² log det(D + σ²I), D = (4 S1^{½} S2 S1^{½} + σ⁴I)^{½},
  /// σ² = γ/2.
  template <int dim>
  double
  gaussian_entropic_cost(const Tensor<1, dim> &m1, const Tensor<2, dim> &S1,
                         const Tensor<1, dim> &m2, const Tensor<2, dim> &S2, const double gamma)
  {
    const double         sigma2 = gamma / 2;
    const Tensor<2, dim> r1     = square_root(S1);
    const Tensor<2, dim> D = square_root<dim>(4 * (r1 * S2 * r1) + sigma2 * sigma2 * unit_symmetric_tensor<dim>());
    return (m1 - m2).norm_square() + trace(S1) + trace(S2) - trace(D) +
           dim * sigma2 * (1 - std::log(2 * sigma2)) +
           sigma2 * std::log(determinant(D + sigma2 * Tensor<2, dim>(unit_symmetric_tensor<dim>())));
  }

  /// The debiased Sinkhorn divergence of two Gaussians, in closed form.
  template <int dim>
  double
  gaussian_sinkhorn_divergence(const Tensor<1, dim> &m1, const Tensor<2, dim> &S1,
                               const Tensor<1, dim> &m2, const Tensor<2, dim> &S2, const double gamma)
  {
    return gaussian_entropic_cost(m1, S1, m2, S2, gamma) -
           0.5 * (gaussian_entropic_cost(m1, S1, m1, S1, gamma) + gaussian_entropic_cost(m2, S2, m2, S2, gamma));
  }

  /// wasserstein_squared between N(m1, S1) and N(m2, S2) on a uniform mesh
  /// of [−half_width, half_width]^dim.
  template <int dim>
  double
  w2_estimate(const unsigned int refinement, const double half_width, const double gamma,
              const Tensor<1, dim> &m1, const Tensor<2, dim> &S1, const Tensor<1, dim> &m2,
              const Tensor<2, dim> &S2, const relax::KernelMethod method = relax::KernelMethod::heat_steps)
  {
    relax::ScalarSpace<dim> space(MPI_COMM_WORLD, box<dim>(half_width), 1);
    space.create(refinement);
    relax::LinearSolverParameters solver;
    relax::SinkhornControl        control;
    control.tolerance = 1e-11;
    return relax::wasserstein_squared(space, gaussian(space, m1, S1), gaussian(space, m2, S2), gamma,
                                      solver, control, method);
  }

  /// The estimate at each (refinement, γ) against the closed forms of the
  /// Sinkhorn divergence S_γ (the discretisation error) and of W₂² (all of
  /// it); returns the relative errors {against S_γ, against W₂²} per run.
  template <int dim>
  std::vector<std::array<double, 2>>
  w2_errors(const std::vector<std::pair<unsigned int, double>> &runs, const double half_width,
            const Tensor<1, dim> &m1, const Tensor<2, dim> &S1, const Tensor<1, dim> &m2,
            const Tensor<2, dim> &S2)
  {
    const double                       exact = gaussian_w2_squared(m1, S1, m2, S2);
    std::vector<std::array<double, 2>> errors;
    for (const auto &[refinement, gamma] : runs)
      {
        const double estimate = w2_estimate<dim>(refinement, half_width, gamma, m1, S1, m2, S2);
        const double entropic = gaussian_sinkhorn_divergence(m1, S1, m2, S2, gamma);
        errors.push_back({{std::abs(estimate - entropic) / entropic, std::abs(estimate - exact) / exact}});
        BOOST_TEST_MESSAGE(dim << "-D W2^2, refinement " << refinement << ", gamma " << gamma << ": "
                               << estimate << "; closed forms S_gamma " << entropic << ", W2^2 " << exact
                               << "; relative errors " << errors.back()[0] << ", " << errors.back()[1]);
      }
    return errors;
  }

  double
  order(const double coarse_error, const double fine_error, const double ratio)
  {
    return std::log(coarse_error / fine_error) / std::log(ratio);
  }

  /// Two Gaussians N(m1, S1), N(m2, S2), the pairs the W₂ tests share.
  template <int dim>
  struct GaussianPair
  {
    Tensor<1, dim> m1, m2;
    Tensor<2, dim> S1, S2;
  };

  GaussianPair<1>
  gaussians_1d()
  {
    GaussianPair<1> g;
    g.m1[0]    = -0.2;
    g.m2[0]    = 0.15;
    g.S1[0][0] = 0.16;
    g.S2[0][0] = 0.3;
    return g;
  }

  GaussianPair<2>
  gaussians_2d()
  {
    GaussianPair<2> g;
    g.m1[0]    = -0.1;
    g.m1[1]    = 0.05;
    g.m2[0]    = 0.1;
    g.m2[1]    = -0.05;
    g.S1[0][0] = 0.2;
    g.S1[1][1] = 0.12;
    g.S1[0][1] = g.S1[1][0] = 0.03;
    g.S2[0][0] = 0.15;
    g.S2[1][1] = 0.2;
    g.S2[0][1] = g.S2[1][0] = -0.02;
    return g;
  }
} // namespace

BOOST_AUTO_TEST_CASE(wasserstein_between_gaussians_1d)
{
  const auto [m1, m2, S1, S2] = gaussians_1d();
  // h = 1/32, 1/64, 1/128 at γ = 0.04, and γ = 0.08 at h = 1/32.
  const auto e = w2_errors<1>({{8, 0.04}, {9, 0.04}, {10, 0.04}, {8, 0.08}}, 4, m1, S1, m2, S2);
  // The kernel's error in h: Crandall's θ cancels the O(h²/γ²) mesh term
  // and the O(1/(γL)) time term of the squared cost, and L ∝ γ/h²: what
  // remains is O(h⁴) (measured 1.5 %, 0.12 %, 0.008 %: orders 3.6, 3.9).
  for (unsigned int n = 0; n < 2; ++n)
    BOOST_TEST(order(e[n][0], e[n + 1][0], 2) >= 3);
  // All of it, against W₂², as γ halves and h falls fourfold (h/γ halves):
  // the entropic S_γ − W₂² = O(γ²) (0.06 %, 0.016 % here) and the kernel
  // term: order 2 or more (measured 0.18 % → 0.024 %, order 2.9).
  BOOST_TEST(order(e[3][1], e[2][1], 2) >= 2);
  BOOST_TEST(e[2][1] <= 5e-4);
}

BOOST_AUTO_TEST_CASE(wasserstein_between_gaussians_2d)
{
  const auto [m1, m2, S1, S2] = gaussians_2d();
  // h = 1/8, 1/16 at γ = 0.16, then γ = 0.08 at h = 1/16.
  const auto e = w2_errors<2>({{5, 0.16}, {6, 0.16}, {6, 0.08}}, 2, m1, S1, m2, S2);
  // In 2-D the Q1 mesh term of the squared cost depends on the direction
  // (a factor 1 to 3/2); Crandall's θ cancels its mean, the rest is
  // O(h²/γ²) (measured 0.26 % → 0.084 %, order 1.6; 0.043 % at h = 1/32).
  BOOST_TEST(order(e[0][0], e[1][0], 2) >= 1);
  // All of it as γ halves at h = 1/16: the entropic part falls as γ²
  // (0.94 % → 0.24 %), the kernel's grows as h/γ doubles (0.08 % →
  // 0.34 %): measured 1.0 % → 0.59 % (order 0.8).
  BOOST_TEST(order(e[1][1], e[2][1], 2) >= 0.5);
  BOOST_TEST(e[2][1] <= 0.01);
}

namespace
{
  /// The exact kernel against the sum itself, in long double: log Σ_j w_j
  /// e^{v_j} exp(−|x_i − x_j|²/γ) (πγ)^{−d/2}, the weights the trapezoid
  /// rule's (h^d, halved per axis at a box's faces; on a torus h^d at the
  /// lower copy of each periodic face and 0 at the upper one), the
  /// distance the shorter way round a periodic axis. v spans ±2000, so
  /// most sums underflow in a plain product and the kernel must fall back
  /// on its log-sum-exp; returns the largest error relative to 1 + |value|.
  template <int dim>
  double
  grid_kernel_error(const unsigned int refinement, const bool periodic, const double gamma)
  {
    relax::Domain<dim> domain = box<dim>(1);
    domain.periodic.fill(periodic);
    relax::ScalarSpace<dim> space(MPI_COMM_WORLD, domain, 1);
    space.create(refinement);
    relax::GridGaussianKernel<dim> kernel(space, gamma);

    PETScWrappers::MPI::Vector log_v = space.owned_vector(), result = space.owned_vector();
    const auto                 potential = [](const Point<dim> &x) {
      double v = 0;
      for (unsigned int d = 0; d < dim; ++d)
        v += 1000 * std::sin(2.5 * x[d] + d) + 900 * x[d] * x[d];
      return v;
    };
    VectorTools::interpolate(space.dof_handler(), ScalarFunctionFromFunctionObject<dim>(potential), log_v);
    space.constraints().distribute(log_v);
    kernel.log_apply(0, log_v, result);

    const std::vector<Point<dim>> &points = space.owned_support_points();
    // (A torus's coarse mesh has two cells per periodic axis.)
    const double h = 2.0 / (std::round(std::pow(double(points.size()), 1.0 / dim)) - 1);
    const auto weight = [&](const Point<dim> &x) {
      double w = 1;
      for (unsigned int d = 0; d < dim; ++d)
        {
          const bool lower = std::abs(x[d] + 1) < 1e-9, upper = std::abs(x[d] - 1) < 1e-9;
          w *= periodic ? (upper ? 0.0 : h) : (lower || upper ? h / 2 : h);
        }
      return w;
    };
    double worst = 0;
    for (std::size_t i = 0; i < points.size(); ++i)
      {
        if (space.constraints().is_constrained(space.owned().nth_index_in_set(i)))
          continue;
        long double top = -1e300L;
        std::vector<long double> terms;
        for (const Point<dim> &y : points)
          {
            if (weight(y) == 0)
              continue;
            double distance2 = 0;
            for (unsigned int d = 0; d < dim; ++d)
              {
                double r = std::abs(points[i][d] - y[d]);
                if (periodic)
                  r = std::min(r, 2 - r);
                distance2 += r * r;
              }
            terms.push_back(std::log(static_cast<long double>(weight(y))) + potential(y) - distance2 / gamma);
            top = std::max(top, terms.back());
          }
        long double sum = 0;
        for (const long double t : terms)
          sum += std::exp(t - top);
        const double exact = static_cast<double>(top + std::log(sum)) - 0.5 * dim * std::log(numbers::PI * gamma);
        worst = std::max(worst, std::abs(result(space.owned().nth_index_in_set(i)) - exact) / (1 + std::abs(exact)));
      }
    BOOST_TEST_MESSAGE(dim << "-D exact kernel" << (periodic ? " on the torus" : "") << ", " << points.size()
                           << " nodes: largest relative error " << worst << ", " << kernel.n_exact_sums
                           << " sums by log-sum-exp");
    BOOST_TEST(kernel.n_exact_sums > 0);
    return worst;
  }
} // namespace

BOOST_AUTO_TEST_CASE(grid_gaussian_kernel_against_the_sum)
{
  BOOST_TEST(grid_kernel_error<1>(6, false, 0.002) <= 1e-13);
  BOOST_TEST(grid_kernel_error<1>(6, true, 0.001) <= 1e-13);
  BOOST_TEST(grid_kernel_error<2>(4, false, 0.002) <= 1e-13);
  BOOST_TEST(grid_kernel_error<2>(4, true, 0.001) <= 1e-13);
  BOOST_TEST(grid_kernel_error<3>(3, false, 0.005) <= 1e-13);
}

BOOST_AUTO_TEST_CASE(wasserstein_exact_kernel_between_gaussians)
{
  // The exact kernel leaves only the entropic error, which the closed form
  // of S_γ contains, and the quadrature, spectrally small once h ≲ √(γ/2):
  // the estimate matches S_γ to the Sinkhorn tolerance.
  const auto [a1, a2, A1, A2] = gaussians_1d();
  const double gamma_1d   = 0.02;
  const double estimate_1d = w2_estimate<1>(7, 4, gamma_1d, a1, A1, a2, A2, relax::KernelMethod::exact);
  const double entropic_1d = gaussian_sinkhorn_divergence(a1, A1, a2, A2, gamma_1d);
  BOOST_TEST_MESSAGE("1-D exact kernel: " << std::setprecision(10) << estimate_1d << " against S_gamma " << entropic_1d);
  BOOST_TEST(std::abs(estimate_1d - entropic_1d) <= 1e-7 * entropic_1d);

  const auto [m1, m2, S1, S2] = gaussians_2d();
  // h = 3/32 against the kernel's width √(γ/2) = 0.2: against the heat
  // steps' 0.59 % at h = 1/16 (above), and 4 times fewer nodes.
  const double gamma    = 0.08;
  const double estimate = w2_estimate<2>(6, 3, gamma, m1, S1, m2, S2, relax::KernelMethod::exact);
  const double entropic = gaussian_sinkhorn_divergence(m1, S1, m2, S2, gamma);
  BOOST_TEST_MESSAGE("2-D exact kernel: " << std::setprecision(10) << estimate << " against S_gamma " << entropic << ", W2^2 "
                                          << gaussian_w2_squared(m1, S1, m2, S2));
  BOOST_TEST(std::abs(estimate - entropic) <= 1e-7 * entropic);
}

BOOST_AUTO_TEST_CASE(wasserstein_exact_kernel_on_the_torus)
{
  // A bump on the torus [−1, 1) and the same bump moved by 0.6 across the
  // periodic face: the debiased divergence of a translation is |m|²
  // exactly, so W₂² = 0.36, the way round; the box's distance would give
  // 1.4² = 1.96. The bump (σ = 0.05) is narrow enough that no pair of its
  // points is more than half the period apart after the move, where the
  // torus would offer a shorter way (with σ = 0.1, 2 % of the mass is, and
  // the divergence is 0.3577, as a dense Sinkhorn on the same points gives).
  relax::Domain<1> domain = box<1>(1);
  domain.periodic[0]      = true;
  relax::ScalarSpace<1> space(MPI_COMM_WORLD, domain, 1);
  space.create(8);
  const auto bump = [&](const double centre) {
    PETScWrappers::MPI::Vector rho = space.owned_vector();
    VectorTools::interpolate(space.dof_handler(),
                             ScalarFunctionFromFunctionObject<1>([&](const Point<1> &x) {
                               // Periodic: the distance to the centre the shorter way.
                               double r = std::abs(x[0] - centre);
                               r        = std::min(r, 2 - r);
                               return std::exp(-0.5 * r * r / 0.0025);
                             }),
                             rho);
    space.constraints().distribute(rho);
    return rho;
  };
  relax::LinearSolverParameters solver;
  relax::SinkhornControl        control;
  control.tolerance     = 1e-11;
  const double estimate = relax::wasserstein_squared(space, bump(0.7), bump(-0.7), 0.01, solver, control,
                                                     relax::KernelMethod::exact);
  BOOST_TEST_MESSAGE("torus translation: W2^2 " << std::setprecision(10) << estimate << " against 0.36");
  BOOST_TEST(std::abs(estimate - 0.36) <= 1e-6);
}

BOOST_AUTO_TEST_CASE(wasserstein_heat_steps_3d)
{
  // The heat-step kernel in 3-D, where Crandall's θ uses the direction
  // average c = 7/5 of the lumped Q1 mesh term: against the closed form of
  // S_γ, measured 0.67 % and 0.041 % at h = 5/16 and 5/32 (order 4.0, as
  // in 1-D: the θ cancels the O(h²) term). γ = 0.32 keeps the kernel (width 0.4) off the
  // box's faces, whose reflection a larger γ would add.
  Tensor<1, 3> m1, m2;
  Tensor<2, 3> S1, S2;
  m1[0]    = -0.1;
  m2[0]    = 0.1;
  m2[2]    = 0.1;
  S1[0][0] = 0.2;
  S1[1][1] = 0.15;
  S1[2][2] = 0.12;
  S2[0][0] = 0.15;
  S2[1][1] = 0.2;
  S2[2][2] = 0.15;
  S2[0][1] = S2[1][0] = 0.02;
  const auto e = w2_errors<3>({{4, 0.32}, {5, 0.32}}, 2.5, m1, S1, m2, S2);
  BOOST_TEST(order(e[0][0], e[1][0], 2) >= 3);
  BOOST_TEST(e[1][0] <= 1e-3);
}
