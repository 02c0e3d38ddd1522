// Unit tests of the discrete upwinding of the Fokker–Planck operator: the
// algebraic properties its guarantees rest on (off-diagonal entries ≤ 0,
// columns summing to zero, a symmetric correction with zero row sums) and
// the guarantees themselves (a backward Euler step maps ρ ≥ 0 to ρ ≥ 0 and
// keeps the nodal mass; the nodal KL to the discrete ρ_ss falls), checked
// on a box with a full D(x) and on a periodic torus at cell Péclet
// numbers far above 1.
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include <boost/test/unit_test.hpp>

#include "landscape_test_helpers.h"
#include "solvers/common/fokker_planck_operator.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <petscmat.h>

#include <algorithm>
#include <cmath>
#include <string>

using namespace dealii;

namespace
{
  /// max |A_ij| over the owned rows.
  double
  largest_entry(Mat matrix)
  {
    PetscReal norm = 0;
    MatNorm(matrix, NORM_INFINITY, &norm); // ≥ max |A_ij|, ≤ row length times it
    return norm;
  }

  template <int dim>
  void
  check_upwinding(const std::string &landscape_name, const std::string &settings, const double beta,
                  const unsigned int refinement, const unsigned int degree)
  {
    const auto landscape = relax::testing::make_landscape<dim>(landscape_name, settings);
    relax::ScalarSpace<dim> space(MPI_COMM_WORLD, landscape->domain(), degree);
    space.create(refinement);

    std::vector<double> peclet = relax::cell_peclet_numbers(space, *landscape, beta);
    const double        largest_peclet = *std::max_element(peclet.begin(), peclet.end());
    BOOST_TEST_MESSAGE(landscape_name << ", " << space.dof_handler().n_dofs() << " DoFs, largest cell Péclet number "
                                      << largest_peclet);
    BOOST_CHECK_GT(largest_peclet, 5.0); // the regime where Galerkin oscillates

    PETScWrappers::MPI::SparseMatrix galerkin, upwinded;
    relax::assemble_fokker_planck_operator(space, *landscape, beta, false, galerkin);
    relax::assemble_fokker_planck_operator(space, *landscape, beta, false, upwinded);
    const double added = relax::apply_discrete_upwinding(space, upwinded);
    BOOST_TEST_MESSAGE("  diffusion added: " << added << " of the operator's");
    BOOST_CHECK_GT(added, 1e-3);
    const double scale = largest_entry(static_cast<Mat>(galerkin));

    // Off-diagonal entries of unconstrained rows ≤ 0 (beyond round-off).
    double   largest_off_diagonal = -1;
    PetscInt first, last;
    MatGetOwnershipRange(static_cast<Mat>(upwinded), &first, &last);
    for (PetscInt i = first; i < last; ++i)
      if (!space.constraints().is_constrained(i))
        {
          PetscInt           n;
          const PetscInt *   columns;
          const PetscScalar *values;
          MatGetRow(static_cast<Mat>(upwinded), i, &n, &columns, &values);
          for (PetscInt k = 0; k < n; ++k)
            if (columns[k] != i)
              largest_off_diagonal = std::max(largest_off_diagonal, double(values[k]));
          MatRestoreRow(static_cast<Mat>(upwinded), i, &n, &columns, &values);
        }
    BOOST_CHECK_LE(largest_off_diagonal, 1e-14 * scale);

    // The correction C = upwinded − Galerkin: symmetric, zero row sums.
    Mat correction;
    MatDuplicate(static_cast<Mat>(upwinded), MAT_COPY_VALUES, &correction);
    MatAXPY(correction, -1.0, static_cast<Mat>(galerkin), SAME_NONZERO_PATTERN);
    PetscBool symmetric = PETSC_FALSE;
    MatIsSymmetric(correction, 1e-13 * scale, &symmetric);
    BOOST_CHECK(symmetric == PETSC_TRUE);
    PETScWrappers::MPI::Vector ones = space.owned_vector(), sums = space.owned_vector();
    ones.add(1.0);
    MatMult(correction, static_cast<const Vec &>(ones), static_cast<const Vec &>(sums));
    BOOST_CHECK_LE(sums.linfty_norm(), 1e-13 * scale);
    MatDestroy(&correction);

    // Columns of unconstrained DoFs sum to zero: mass is conserved.
    MatMultTranspose(static_cast<Mat>(upwinded), static_cast<const Vec &>(ones), static_cast<const Vec &>(sums));
    double column_sum = 0;
    for (const auto j : space.owned())
      if (!space.constraints().is_constrained(j))
        column_sum = std::max(column_sum, std::abs(double(sums(j))));
    BOOST_CHECK_LE(column_sum, 1e-12 * scale);

    // The steady state of the upwinded operator: non-negative everywhere.
    relax::LinearSolverParameters direct;
    PETScWrappers::MPI::Vector    rho_ss = space.owned_vector();
    relax::solve_fokker_planck_steady_state(space, *landscape, upwinded, direct, rho_ss);
    const double rho_ss_max = rho_ss.linfty_norm();
    double       rho_ss_min = rho_ss_max;
    for (const auto i : space.owned())
      rho_ss_min = std::min(rho_ss_min, double(rho_ss(i)));
    BOOST_TEST_MESSAGE("  ρ_ss min / max " << rho_ss_min / rho_ss_max);
    BOOST_CHECK_GE(rho_ss_min, -1e-12 * rho_ss_max);

    // Backward Euler steps with the lumped mass from a density that is
    // zero on most nodes (the hardest start for positivity): ρ ≥ 0, the
    // nodal mass m·ρ kept, the nodal KL(ρ‖ρ_ss) falling at every step.
    PETScWrappers::MPI::SparseMatrix lumped;
    relax::assemble_lumped_mass(space, lumped);
    PETScWrappers::MPI::Vector masses = space.owned_vector();
    MatGetDiagonal(static_cast<Mat>(lumped), static_cast<const Vec &>(masses));
    PETScWrappers::MPI::Vector rho = space.owned_vector();
    for (const auto i : space.owned())
      rho(i) = (i % 7 == 0 && !space.constraints().is_constrained(i)) ? 1.0 + (i % 3) : 0.0;
    rho.compress(VectorOperation::insert);
    const auto nodal_kl = [&](const PETScWrappers::MPI::Vector &r) {
      double sum = 0;
      for (const auto i : space.owned())
        if (!space.constraints().is_constrained(i) && r(i) > 0)
          sum += masses(i) * r(i) * std::log(r(i) / std::max(double(rho_ss(i)), 1e-300));
      return sum;
    };
    const auto nodal_mass = [&](const PETScWrappers::MPI::Vector &r) {
      double sum = 0;
      for (const auto i : space.owned())
        if (!space.constraints().is_constrained(i))
          sum += masses(i) * r(i);
      return sum;
    };
    // ρ_ss with unit nodal mass, so that KL compares two densities of
    // one mass.
    const double rho_mass = nodal_mass(rho);
    rho_ss *= rho_mass / nodal_mass(rho_ss);
    relax::ThetaStepper stepper(lumped, upwinded, direct, false, MPI_COMM_WORLD);
    double              kl_before = nodal_kl(rho), largest_rise = -1, lowest = 0, drift = 0;
    for (unsigned int step = 0; step < 10; ++step)
      {
        stepper.step(rho, 0.02, 1.0);
        const double kl = nodal_kl(rho);
        largest_rise    = std::max(largest_rise, kl - kl_before);
        kl_before       = kl;
        for (const auto i : space.owned())
          if (!space.constraints().is_constrained(i))
            lowest = std::min(lowest, double(rho(i)));
        drift = std::max(drift, std::abs(nodal_mass(rho) - rho_mass));
      }
    BOOST_TEST_MESSAGE("  10 steps: lowest ρ " << lowest << ", largest KL rise " << largest_rise
                                              << ", mass drift " << drift);
    BOOST_CHECK_GE(lowest, -1e-14 * rho.linfty_norm());
    BOOST_CHECK_LE(largest_rise, 1e-12 * std::max(1.0, kl_before));
    BOOST_CHECK_LE(drift, 1e-12 * rho_mass);
  }
} // namespace

BOOST_AUTO_TEST_SUITE(fokker_planck_upwind)

// A full, x-dependent D(x) on a box, Q2 (whose operator has positive
// off-diagonal entries even without drift) at β = 500.
BOOST_AUTO_TEST_CASE(anisotropic_box_q2)
{
  check_upwinding<2>("anisotropic-saddle", "", 500, 3, 2);
}

// The XY torus (periodic constraints: constrained rows left as they are),
// Q1 at β = 300.
BOOST_AUTO_TEST_CASE(periodic_torus_q1)
{
  check_upwinding<2>("xy-model", "", 300, 4, 1);
}

BOOST_AUTO_TEST_SUITE_END()
