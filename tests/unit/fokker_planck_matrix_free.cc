// Unit tests of the matrix-free Fokker–Planck operator
// (solvers/common/fokker_planck_matrix_free): its product with a vector
// equals the assembled sparse matrices' (assemble_fokker_planck_operator,
// the mass matrix) in 2-D and 3-D, for a variable anisotropic D with its
// divergence and a drift that is not a gradient; and one implicit step
// conserves mass.
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include <boost/test/unit_test.hpp>

#include "problems/landscape.h"
#include "solvers/common/fokker_planck_matrix_free.h"
#include "solvers/common/fokker_planck_operator.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <cmath>

namespace
{
  using namespace dealii;

  /// D(x) = I + ½ diag(sin x₀, ...) + 0.3 (e₀e₁ᵀ + e₁e₀ᵀ) cos x₁ (positive
  /// definite on any box), divD its exact divergence, and b = −x + a
  /// rotation (not a gradient): every term of the weak form is exercised.
  template <int dim>
  class Anisotropic : public relax::Landscape<dim>
  {
  public:
    double
    value(const Point<dim> &x) const override
    {
      return 0.5 * x.norm_square();
    }
    Tensor<1, dim>
    gradient(const Point<dim> &x) const override
    {
      return x;
    }
    Tensor<1, dim>
    drift(const Point<dim> &x) const override
    {
      Tensor<1, dim> b = -x;
      b[0] += 1.5 * x[1];
      b[1] -= 1.5 * x[0];
      return b;
    }
    bool
    drift_is_gradient() const override
    {
      return false;
    }
    SymmetricTensor<2, dim>
    diffusion(const Point<dim> &x) const override
    {
      SymmetricTensor<2, dim> D = unit_symmetric_tensor<dim>();
      for (unsigned int d = 0; d < dim; ++d)
        D[d][d] += 0.5 * std::sin(x[d]);
      D[0][1] = 0.3 * std::cos(x[1]);
      return D;
    }
    Tensor<1, dim>
    diffusion_divergence(const Point<dim> &x) const override
    {
      // (divD)_i = Σ_j ∂_j D_ij: ∂_i D_ii + the off-diagonal ∂_1 D_01.
      Tensor<1, dim> divergence;
      for (unsigned int d = 0; d < dim; ++d)
        divergence[d] = 0.5 * std::cos(x[d]);
      divergence[0] += -0.3 * std::sin(x[1]);
      return divergence;
    }
    relax::Domain<dim>
    domain() const override
    {
      relax::Domain<dim> box;
      for (unsigned int d = 0; d < dim; ++d)
        {
          box.lower[d] = -2;
          box.upper[d] = 1 + 0.5 * d;
        }
      return box;
    }
  };

  template <int dim>
  void
  check_against_assembled(const unsigned int refinement)
  {
    const Anisotropic<dim>   landscape;
    const double             beta = 1.7;
    relax::ScalarSpace<dim>  assembled(MPI_COMM_WORLD, landscape.domain(), 2);
    relax::ScalarSpace<dim>  free(MPI_COMM_WORLD, landscape.domain(), 2, true);
    assembled.create(refinement);
    free.create(refinement);
    BOOST_REQUIRE_EQUAL(assembled.dof_handler().n_dofs(), free.dof_handler().n_dofs());

    PETScWrappers::MPI::SparseMatrix A;
    relax::assemble_fokker_planck_operator(assembled, landscape, beta, false, A);
    relax::LinearSolverParameters parameters;
    parameters.method = "matrix-free";
    const relax::FokkerPlanckMatrixFree<dim> operators(free, landscape, beta, parameters);

    // A vector with no structure: the entries of a fixed pseudo-random
    // sequence (the two spaces number their DoFs alike: same mesh, same
    // element, same partition).
    PETScWrappers::MPI::Vector u = free.owned_vector();
    for (const auto i : free.owned())
      u(i) = std::sin(12.9898 * i + 1.0) * 43.7585 - std::floor(std::sin(12.9898 * i + 1.0) * 43.7585);
    u.compress(VectorOperation::insert);

    PETScWrappers::MPI::Vector expected = free.owned_vector(), product = free.owned_vector();
    // 0.7 M + 0.3 A from the sparse matrices against the matrix-free one.
    PETScWrappers::MPI::Vector mass_part = free.owned_vector();
    A.vmult(expected, u);
    assembled.mass().vmult(mass_part, u);
    expected.sadd(0.3, 0.7, mass_part);
    operators.apply(u, product, 0.7, 0.3);
    const double scale = expected.linfty_norm();
    product -= expected;
    BOOST_TEST_MESSAGE(dim << "-D, " << free.dof_handler().n_dofs() << " DoFs: |0.7M + 0.3A|u max "
                           << scale << ", matrix-free minus assembled " << product.linfty_norm());
    BOOST_CHECK(scale > 1e-2);
    BOOST_CHECK_LE(product.linfty_norm(), 1e-12 * scale);
  }
} // namespace

BOOST_AUTO_TEST_SUITE(fokker_planck_matrix_free)

BOOST_AUTO_TEST_CASE(product_equals_assembled_2d)
{
  check_against_assembled<2>(3);
}

BOOST_AUTO_TEST_CASE(product_equals_assembled_3d)
{
  check_against_assembled<3>(2);
}

BOOST_AUTO_TEST_CASE(implicit_step_conserves_mass_2d)
{
  // ∫ of the step's result equals ∫ of its start (the columns of A sum to
  // zero), to the GMRES tolerance; and the step moves ρ.
  const Anisotropic<2>          landscape;
  relax::ScalarSpace<2>         free(MPI_COMM_WORLD, landscape.domain(), 2, true);
  free.create(6);
  relax::LinearSolverParameters parameters;
  parameters.method    = "matrix-free";
  parameters.tolerance = 1e-12;
  relax::FokkerPlanckMatrixFree<2> operators(free, landscape, 1.0, parameters);
  PETScWrappers::MPI::Vector       u = free.owned_vector();
  for (const auto i : free.owned())
    u(i) = 1 + 0.5 * std::cos(0.37 * i);
  u.compress(VectorOperation::insert);
  PETScWrappers::MPI::Vector before(u);
  const double               mass_before = free.integrals() * u;
  const unsigned int         iterations  = operators.step(u, 0.05, 0.5);
  const double               mass_after  = free.integrals() * u;
  before -= u;
  BOOST_TEST_MESSAGE("step: " << iterations << " GMRES iterations, mass " << mass_before << " -> "
                              << mass_after << ", change " << before.l2_norm());
  BOOST_CHECK_LE(std::abs(mass_after - mass_before), 1e-10 * mass_before);
  BOOST_CHECK(before.l2_norm() > 1e-3);
  BOOST_CHECK(iterations > 0 && iterations < 30);
}

BOOST_AUTO_TEST_SUITE_END()
