#include "solvers/common/fokker_planck_operator.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/symmetric_tensor.h>
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

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

namespace relax
{
  namespace
  {
    /// The columns and values of row `row` of an assembled AIJ matrix.
    void
    copy_row(Mat matrix, const PetscInt row, std::vector<PetscInt> &columns, std::vector<PetscScalar> &values)
    {
      PetscInt           n_entries;
      const PetscInt *   entry_columns;
      const PetscScalar *entry_values;
      MatGetRow(matrix, row, &n_entries, &entry_columns, &entry_values);
      columns.assign(entry_columns, entry_columns + n_entries);
      values.assign(entry_values, entry_values + n_entries);
      MatRestoreRow(matrix, row, &n_entries, &entry_columns, &entry_values);
    }
  } // namespace

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
  double
  apply_discrete_upwinding(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::SparseMatrix &matrix)
  {
    using namespace dealii;
    Mat operator_matrix = static_cast<Mat>(matrix);
    // A_ji for the owned rows i: the rows of the transpose (on several
    // ranks row j may live elsewhere).
    Mat transpose;
    MatTranspose(operator_matrix, MAT_INITIAL_MATRIX, &transpose);
    PetscInt first, last;
    MatGetOwnershipRange(operator_matrix, &first, &last);
    // The corrected rows are gathered first and written after: an AIJ
    // matrix cannot be read by rows while values are being set.
    std::vector<std::vector<PetscInt>>    columns(last - first);
    std::vector<std::vector<PetscScalar>> values(last - first);
    double                                sums[2] = {0, 0}; // Σ d_ij, Σ |A_ii|
    for (PetscInt i = first; i < last; ++i)
      {
        if (space.constraints().is_constrained(i))
          continue; // its row is the constraint's diagonal: left as it is
        auto &row_columns = columns[i - first];
        auto &row_values  = values[i - first];
        copy_row(operator_matrix, i, row_columns, row_values);

        PetscInt           n_transposed;
        const PetscInt *   transposed_columns;
        const PetscScalar *transposed_values;
        MatGetRow(transpose, i, &n_transposed, &transposed_columns, &transposed_values);
        // Both rows are sorted by column: walk them together.
        PetscInt    t        = 0;
        std::size_t diagonal = row_columns.size();
        double      added    = 0;
        for (std::size_t k = 0; k < row_columns.size(); ++k)
          {
            const PetscInt j = row_columns[k];
            if (j == i)
              {
                diagonal = k;
                continue;
              }
            while (t < n_transposed && transposed_columns[t] < j)
              ++t;
            const double a_ji = (t < n_transposed && transposed_columns[t] == j) ? transposed_values[t] : 0.0;
            const double d    = std::max({0.0, double(row_values[k]), a_ji});
            if (d > 0)
              {
                row_values[k] -= d;
                added += d;
              }
          }
        MatRestoreRow(transpose, i, &n_transposed, &transposed_columns, &transposed_values);
        if (diagonal == row_columns.size())
          throw std::logic_error("apply_discrete_upwinding: a row without its diagonal entry");
        sums[0] += added;
        sums[1] += std::abs(row_values[diagonal]);
        row_values[diagonal] += added;
      }
    MatDestroy(&transpose);
    for (PetscInt i = first; i < last; ++i)
      if (!columns[i - first].empty())
        MatSetValues(operator_matrix, 1, &i, columns[i - first].size(), columns[i - first].data(),
                     values[i - first].data(), INSERT_VALUES);
    MatAssemblyBegin(operator_matrix, MAT_FINAL_ASSEMBLY);
    MatAssemblyEnd(operator_matrix, MAT_FINAL_ASSEMBLY);
    Utilities::MPI::sum(ArrayView<const double>(sums, 2), space.communicator(), ArrayView<double>(sums, 2));
    return sums[1] > 0 ? sums[0] / sums[1] : 0.0;
  }

  template <int dim>
  void
  assemble_lumped_mass(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::SparseMatrix &matrix)
  {
    space.reinit(matrix);
    dealii::PETScWrappers::MPI::Vector row_sums(space.owned(), space.communicator());
    MatGetRowSum(static_cast<Mat>(space.mass()), static_cast<const Vec &>(row_sums));
    MatDiagonalSet(static_cast<Mat>(matrix), static_cast<const Vec &>(row_sums), INSERT_VALUES);
  }

  template <int dim>
  std::vector<double>
  cell_peclet_numbers(const ScalarSpace<dim> &space, const Landscape<dim> &landscape, const double beta)
  {
    using namespace dealii;
    const unsigned int  degree = space.fe().degree;
    const QGauss<dim>   quadrature(degree + 1);
    FEValues<dim>       fe_values(space.fe(), quadrature, update_quadrature_points);
    std::vector<double> peclet;
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          const double h       = cell->minimum_vertex_distance();
          double       largest = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            {
              // Along the streamline e = w/|w|, w = βb − divD: the
              // diffusion that competes with the drift is eᵀDe, so
              // Pe = |w| h / (2p eᵀDe) = |w|³ h / (2p wᵀDw).
              const Point<dim> &            x         = fe_values.quadrature_point(q);
              const SymmetricTensor<2, dim> D         = landscape.diffusion(x);
              const Tensor<1, dim>          transport = beta * landscape.drift(x) - landscape.diffusion_divergence(x);
              const double                  along     = transport * (D * transport);
              if (along > 0)
                largest = std::max(largest, std::pow(transport.norm(), 3) * h / (2 * degree * along));
            }
          peclet.push_back(largest);
        }
    return peclet;
  }

  template <int dim>
  std::vector<double>
  peclet_where_gibbs_mass(const ScalarSpace<dim> &space, const Landscape<dim> &landscape, const double beta,
                          const double cutoff, std::vector<double> indicators)
  {
    using namespace dealii;
    const QGauss<dim>   quadrature(space.fe().degree + 1);
    FEValues<dim>       fe_values(space.fe(), quadrature, update_quadrature_points);
    std::vector<double> lowest_f; // per owned cell
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          double lowest = std::numeric_limits<double>::max();
          for (const unsigned int q : fe_values.quadrature_point_indices())
            lowest = std::min(lowest, landscape.value(fe_values.quadrature_point(q)));
          lowest_f.push_back(lowest);
        }
    const double f_min = Utilities::MPI::min(
      lowest_f.empty() ? std::numeric_limits<double>::max() : *std::min_element(lowest_f.begin(), lowest_f.end()),
      space.communicator());
    for (std::size_t k = 0; k < indicators.size(); ++k)
      if (beta * (lowest_f[k] - f_min) > cutoff)
        indicators[k] = 0;
    return indicators;
  }

  template <int dim>
  double
  density_weighted_peclet(const ScalarSpace<dim> &                  space,
                          const std::vector<double> &               peclet,
                          const dealii::PETScWrappers::MPI::Vector &density)
  {
    using namespace dealii;
    const QGauss<dim>   quadrature(space.fe().degree + 1);
    FEValues<dim>       fe_values(space.fe(), quadrature, update_values | update_JxW_values);
    std::vector<double> values(quadrature.size());
    double              sums[2] = {0, 0}; // Σ Pe_K ∫_K|ρ|, ∫|ρ|
    std::size_t         k       = 0;
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(density, values);
          double cell_mass = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            cell_mass += std::abs(values[q]) * fe_values.JxW(q);
          sums[0] += peclet.at(k++) * cell_mass;
          sums[1] += cell_mass;
        }
    Utilities::MPI::sum(ArrayView<const double>(sums, 2), space.communicator(), ArrayView<double>(sums, 2));
    return sums[1] > 0 ? sums[0] / sums[1] : std::numeric_limits<double>::quiet_NaN();
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
      copy_row(matrix, row, row_columns, row_values);
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
      throw std::runtime_error("the steady-state solve gave a density of mass " + std::to_string(total) +
                               ": the discretisation oscillates (try `stabilisation = upwind`), or at "
                               "this β the wells of the landscape exchange mass at rates below round-off "
                               "(metastable), so no linear solve can weigh them");
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
    dealii::PETScWrappers::MPI::Vector &);                                                    \
  template double apply_discrete_upwinding<dim>(const ScalarSpace<dim> &,                \
                                                      dealii::PETScWrappers::MPI::SparseMatrix &); \
  template void assemble_lumped_mass<dim>(const ScalarSpace<dim> &,                            \
                                          dealii::PETScWrappers::MPI::SparseMatrix &);         \
  template std::vector<double> cell_peclet_numbers<dim>(const ScalarSpace<dim> &,              \
                                                        const Landscape<dim> &,                \
                                                        double);                               \
  template std::vector<double> peclet_where_gibbs_mass<dim>(const ScalarSpace<dim> &,          \
                                                            const Landscape<dim> &,            \
                                                            double,                            \
                                                            double,                            \
                                                            std::vector<double>);              \
  template double density_weighted_peclet<dim>(const ScalarSpace<dim> &,                       \
                                               const std::vector<double> &,                    \
                                               const dealii::PETScWrappers::MPI::Vector &);

  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
