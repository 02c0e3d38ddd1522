// Unit tests of the entropic transport on the mesh
// (solvers/common/entropic_transport): W₂ between Gaussians against the
// closed form |m₁ − m₂|² + tr(S₁ + S₂ − 2(S₁^{½} S₂ S₁^{½})^{½}), in 1-D and
// 2-D, at the accuracy measured so far.
#include <deal.II/base/function.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>
#include <deal.II/numerics/vector_tools.h>

#include <boost/test/unit_test.hpp>

#include "problems/landscape.h"
#include "solvers/common/entropic_transport.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <cmath>

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

  template <int dim>
  double
  w2_error(const unsigned int refinement, const double half_width, const double gamma,
           const unsigned int heat_steps, const Tensor<1, dim> &m1, const Tensor<2, dim> &S1,
           const Tensor<1, dim> &m2, const Tensor<2, dim> &S2, double &estimate)
  {
    relax::ScalarSpace<dim> space(MPI_COMM_WORLD, box<dim>(half_width), 1);
    space.create(refinement);
    relax::LinearSolverParameters solver;
    relax::SinkhornControl        control;
    control.tolerance = 1e-10;
    estimate          = relax::wasserstein_squared(space, gaussian(space, m1, S1), gaussian(space, m2, S2),
                                          gamma, heat_steps, solver, control);
    return std::abs(estimate - gaussian_w2_squared(m1, S1, m2, S2));
  }
} // namespace

BOOST_AUTO_TEST_CASE(wasserstein_between_gaussians_1d)
{
  Tensor<1, 1> m1, m2;
  Tensor<2, 1> S1, S2;
  m1[0]    = -0.2;
  m2[0]    = 0.15;
  S1[0][0] = 0.16;
  S2[0][0] = 0.3;
  const double exact = gaussian_w2_squared(m1, S1, m2, S2);
  double       estimate;
  const double error = w2_error<1>(9, 4, 0.04, 50, m1, S1, m2, S2, estimate);
  BOOST_TEST_MESSAGE("1-D W2^2: exact " << exact << ", (gamma 0.04, L 50, h 1/64) " << estimate
                                        << " error " << error);
  // Measured 1.4 %; 1.2 % at γ = 0.02, L = 200, h = 1/128: falling only
  // slowly (the L-step kernel's error at displacements of several √γ is
  // what limits it; README, jko).
  BOOST_TEST(error <= 0.02 * exact);
}

BOOST_AUTO_TEST_CASE(wasserstein_between_gaussians_2d)
{
  Tensor<1, 2> m1, m2;
  Tensor<2, 2> S1, S2;
  m1[0]    = -0.1;
  m1[1]    = 0.05;
  m2[0]    = 0.1;
  m2[1]    = -0.05;
  S1[0][0] = 0.2;
  S1[1][1] = 0.12;
  S1[0][1] = S1[1][0] = 0.03;
  S2[0][0] = 0.15;
  S2[1][1] = 0.2;
  S2[0][1] = S2[1][0] = -0.02;
  const double exact = gaussian_w2_squared(m1, S1, m2, S2);
  double       estimate;
  const double error = w2_error<2>(5, 2.5, 0.08, 25, m1, S1, m2, S2, estimate);
  BOOST_TEST_MESSAGE("2-D W2^2: exact " << exact << ", (gamma 0.08, L 25, h 5/32) " << estimate
                                        << " error " << error);
  // Measured 9.4 % (11 % at γ = 0.04, L = 100, h = 5/64): the 2-D estimate
  // is only rough so far (README, jko).
  BOOST_TEST(error <= 0.12 * exact);
}
