#include "solvers/common/fokker_planck_operator.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include "problems/landscape.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <petscmat.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

namespace relax
{
  template <int dim>
  void
  assemble_fokker_planck_operator(const ScalarSpace<dim> &                  space,
                                  const Landscape<dim> &                    landscape,
                                  const double                              beta,
                                  const bool                                identity_diffusion,
                                  dealii::PETScWrappers::MPI::SparseMatrix &matrix)
  {
    using namespace dealii;
    space.reinit(matrix);
    const QGauss<dim>  quadrature(space.fe().degree + 1);
    FEValues<dim>      fe_values(space.fe(), quadrature,
                            update_values | update_gradients | update_quadrature_points |
                              update_JxW_values);
    const unsigned int n = space.fe().n_dofs_per_cell();
    FullMatrix<double> cell_operator(n, n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_operator = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            {
              const Point<dim> &            x = fe_values.quadrature_point(q);
              const SymmetricTensor<2, dim> D =
                (identity_diffusion ? unit_symmetric_tensor<dim>() : landscape.diffusion(x)) / beta;
              const Tensor<1, dim> transport =
                (identity_diffusion ? Tensor<1, dim>() : landscape.diffusion_divergence(x) / beta) -
                landscape.drift(x);
              const double w = fe_values.JxW(q);
              for (unsigned int i = 0; i < n; ++i)
                {
                  const Tensor<1, dim> &grad_v = fe_values.shape_grad(i, q);
                  for (unsigned int j = 0; j < n; ++j)
                    cell_operator(i, j) +=
                      (D * fe_values.shape_grad(j, q) + fe_values.shape_value(j, q) * transport) *
                      grad_v * w;
                }
            }
          cell->get_dof_indices(indices);
          space.constraints().distribute_local_to_global(cell_operator, indices, matrix);
        }
    matrix.compress(VectorOperation::add);
  }

  template <int dim>
  unsigned int
  solve_fokker_planck_steady_state(const ScalarSpace<dim> &                        space,
                                   const Landscape<dim> &                          landscape,
                                   dealii::PETScWrappers::MPI::SparseMatrix &      fp_operator,
                                   const LinearSolverParameters &                  parameters,
                                   dealii::PETScWrappers::MPI::Vector &            owned_rho_ss)
  {
    using namespace dealii;
    const MPI_Comm comm = space.communicator();
    std::pair<double, types::global_dof_index> best{std::numeric_limits<double>::max(), 0};
    std::size_t                                k = 0;
    for (const auto index : space.owned())
      {
        const Point<dim> &x = space.owned_support_points()[k++];
        if (!space.constraints().is_constrained(index))
          best = std::min(best, std::make_pair(landscape.value(x), index));
      }
    const auto all = Utilities::MPI::all_gather(comm, best);
    const types::global_dof_index pinned = std::min_element(all.begin(), all.end())->second;

    // The row is replaced in the operator itself, not in a copy (one
    // matrix less at the peak), and put back after the solve.
    Mat            matrix = static_cast<Mat>(fp_operator);
    const PetscInt row    = pinned;
    const bool     owner  = space.owned().is_element(pinned);
    std::vector<PetscInt>    row_columns;
    std::vector<PetscScalar> row_values;
    if (owner)
      {
        PetscInt           n_entries;
        const PetscInt *   columns;
        const PetscScalar *values;
        MatGetRow(matrix, row, &n_entries, &columns, &values);
        row_columns.assign(columns, columns + n_entries);
        row_values.assign(values, values + n_entries);
        MatRestoreRow(matrix, row, &n_entries, &columns, &values);
      }
    // Zeros in the row, not its removal: the values go back below.
    MatSetOption(matrix, MAT_KEEP_NONZERO_PATTERN, PETSC_TRUE);
    MatZeroRows(matrix, owner ? 1 : 0, &row, 1.0, nullptr, nullptr);
    PETScWrappers::MPI::Vector rhs(space.owned(), comm);
    if (owner)
      rhs(pinned) = 1;
    rhs.compress(VectorOperation::insert);
    owned_rho_ss = 0;
    unsigned int iterations = 0;
    {
      LinearSolver solver(parameters, false, comm);
      solver.set_matrix(matrix);
      iterations = solver.solve(owned_rho_ss, rhs);
    }
    if (owner)
      MatSetValues(matrix, 1, &row, row_columns.size(), row_columns.data(), row_values.data(), INSERT_VALUES);
    MatAssemblyBegin(matrix, MAT_FINAL_ASSEMBLY);
    MatAssemblyEnd(matrix, MAT_FINAL_ASSEMBLY);
    space.constraints().distribute(owned_rho_ss);
    const double total = space.integrals() * owned_rho_ss;
    if (!(std::isfinite(total) && total > 0))
      throw std::runtime_error("the steady-state solve gave a density of mass " +
                               std::to_string(total));
    owned_rho_ss /= total;
    return iterations;
  }

#define RELAX_INSTANTIATE(dim)                                                                 \
  template void assemble_fokker_planck_operator<dim>(const ScalarSpace<dim> &,                 \
                                                     const Landscape<dim> &,                   \
                                                     double,                                   \
                                                     bool,                                     \
                                                     dealii::PETScWrappers::MPI::SparseMatrix &); \
  template unsigned int solve_fokker_planck_steady_state<dim>(                                 \
    const ScalarSpace<dim> &,                                                                  \
    const Landscape<dim> &,                                                                    \
    dealii::PETScWrappers::MPI::SparseMatrix &,                                                \
    const LinearSolverParameters &,                                                            \
    dealii::PETScWrappers::MPI::Vector &);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
