#include "solvers/common/scalar_space.h"

#include <deal.II/base/function.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/error_estimator.h>
#include <deal.II/numerics/vector_tools.h>

#include <malloc.h>

#include "solvers/common/checkpoint.h"
#include "solvers/common/discretisation.h"

namespace relax
{
  template <int dim>
  ScalarSpace<dim>::ScalarSpace(MPI_Comm comm, const Domain<dim> &domain, const unsigned int degree, const bool matrix_free)
    : comm(comm)
    , matrix_free(matrix_free)
    , box(domain)
    , element(degree)
  {}

  template <int dim>
  void
  ScalarSpace<dim>::create(const unsigned int refinement)
  {
    dofs.clear();
    mesh = make_triangulation<dim>(comm, matrix_free);
    build_mesh(*mesh, box, refinement);
    coarsest_level = mesh->n_global_levels() - 1;
    setup();
  }

  template <int dim>
  void
  ScalarSpace<dim>::refine(const dealii::PETScWrappers::MPI::Vector &               field,
                           const double                                             refine_fraction,
                           const double                                             coarsen_fraction,
                           const unsigned int                                       max_level,
                           const std::vector<dealii::PETScWrappers::MPI::Vector *> &transferred)
  {
    using namespace dealii;
    if constexpr (dim == 1)
      throw std::logic_error("ScalarSpace::refine: adaptive meshes are 2-D and 3-D only");
    else
      {
        if (matrix_free)
          throw std::logic_error("ScalarSpace::refine: not with matrix-free multigrid levels");
        Vector<float> indicators(mesh->n_active_cells());
        KellyErrorEstimator<dim>::estimate(dofs, QGauss<dim - 1>(element.degree + 1), {}, field, indicators);
        auto &distributed = dynamic_cast<parallel::distributed::Triangulation<dim> &>(*mesh);
        parallel::distributed::GridRefinement::refine_and_coarsen_fixed_number(distributed, indicators,
                                                                               refine_fraction, coarsen_fraction);
        for (const auto &cell : mesh->active_cell_iterators())
          if (cell->is_locally_owned())
            {
              if (cell->level() <= int(coarsest_level))
                cell->clear_coarsen_flag();
              if (cell->level() >= int(max_level))
                cell->clear_refine_flag();
            }
        adapt(transferred);
      }
  }

  template <int dim>
  unsigned long
  ScalarSpace<dim>::refine_above(const std::vector<double> &indicators, const double threshold,
                                 const unsigned int max_level)
  {
    using namespace dealii;
    if (dim == 1)
      throw std::logic_error("ScalarSpace::refine_above: adaptive meshes are 2-D and 3-D only");
    unsigned long flagged = 0;
    std::size_t   k       = 0;
    for (const auto &cell : mesh->active_cell_iterators())
      if (cell->is_locally_owned())
        if (indicators.at(k++) > threshold && cell->level() < int(max_level))
          {
            cell->set_refine_flag();
            ++flagged;
          }
    flagged = Utilities::MPI::sum(flagged, comm);
    if (flagged > 0)
      adapt({});
    return flagged;
  }

  template <int dim>
  void
  ScalarSpace<dim>::adapt(const std::vector<dealii::PETScWrappers::MPI::Vector *> &transferred)
  {
    using namespace dealii;
    if constexpr (dim == 1)
      throw std::logic_error("ScalarSpace::adapt: adaptive meshes are 2-D and 3-D only");
    else
      {
        std::vector<const PETScWrappers::MPI::Vector *> old_vectors(transferred.begin(), transferred.end());
        parallel::distributed::SolutionTransfer<dim, PETScWrappers::MPI::Vector> transfer(dofs);
        mesh->prepare_coarsening_and_refinement();
        if (!transferred.empty())
          transfer.prepare_for_coarsening_and_refinement(old_vectors);
        mesh->execute_coarsening_and_refinement();
        setup();
        if (transferred.empty())
          return;
        std::vector<PETScWrappers::MPI::Vector>   owned(transferred.size(), owned_vector());
        std::vector<PETScWrappers::MPI::Vector *> targets;
        for (auto &vector : owned)
          targets.push_back(&vector);
        transfer.interpolate(targets);
        for (std::size_t k = 0; k < transferred.size(); ++k)
          {
            constraint_set.distribute(owned[k]);
            *transferred[k] = ghosted_vector();
            *transferred[k] = owned[k];
          }
      }
  }

  template <int dim>
  void
  ScalarSpace<dim>::load(const std::string &prefix, const unsigned int refinement)
  {
    dofs.clear();
    mesh = make_triangulation<dim>(comm, matrix_free);
    build_mesh(*mesh, box, 0);
    load_mesh(*mesh, prefix);
    coarsest_level = refinement;
    setup();
  }

  template <int dim>
  void
  ScalarSpace<dim>::setup()
  {
    using namespace dealii;
    dofs.reinit(*mesh);
    dofs.distribute_dofs(element);
    if (matrix_free)
      dofs.distribute_mg_dofs();
    owned_dofs = dofs.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dofs, relevant_dofs);
    constraint_set.clear();
    constraint_set.reinit(relevant_dofs);
    // Hanging nodes first: the periodic constraints may then refer to them.
    DoFTools::make_hanging_node_constraints(dofs, constraint_set);
    add_periodicity_constraints(dofs, box, constraint_set);
    constraint_set.close();

    if (!matrix_free)
    {
      // The pattern lives only until the mass matrix is made: every other
      // matrix of the space copies the mass matrix's pattern (reinit).
      DynamicSparsityPattern pattern(relevant_dofs);
      DoFTools::make_sparsity_pattern(dofs, pattern, constraint_set, false);
      SparsityTools::distribute_sparsity_pattern(pattern, owned_dofs, comm, relevant_dofs);
      mass_matrix.reinit(owned_dofs, owned_dofs, pattern, comm);
    }
    // The pattern's many small rows went back to the heap, not to the
    // system: hand the free pages back so that they do not stay in the
    // peak memory of the run.
    malloc_trim(0);
    basis_integrals.reinit(owned_dofs, comm);
    const QGauss<dim>  quadrature(element.degree + 1);
    FEValues<dim>      fe_values(element, quadrature, update_values | update_JxW_values);
    const unsigned int n = element.n_dofs_per_cell();
    FullMatrix<double> cell_mass(n, n);
    Vector<double>     cell_integrals(n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_mass      = 0;
          cell_integrals = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            for (unsigned int i = 0; i < n; ++i)
              {
                cell_integrals(i) += fe_values.shape_value(i, q) * fe_values.JxW(q);
                if (!matrix_free)
                  for (unsigned int j = 0; j < n; ++j)
                    cell_mass(i, j) +=
                      fe_values.shape_value(i, q) * fe_values.shape_value(j, q) * fe_values.JxW(q);
              }
          cell->get_dof_indices(indices);
          if (!matrix_free)
            constraint_set.distribute_local_to_global(cell_mass, indices, mass_matrix);
          basis_integrals.add(indices, cell_integrals);
        }
    if (!matrix_free)
      mass_matrix.compress(VectorOperation::add);
    basis_integrals.compress(VectorOperation::add);

    // Support points of the owned DoFs, once, cell by cell (a map of all
    // DoFs to their points would cost more than the points themselves);
    // every owned DoF lies on an owned cell.
    owned_points.resize(owned_dofs.n_elements());
    const Quadrature<dim> support(element.get_unit_support_points());
    FEValues<dim>         support_values(element, support, update_quadrature_points);
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          support_values.reinit(cell);
          cell->get_dof_indices(indices);
          for (unsigned int i = 0; i < n; ++i)
            if (owned_dofs.is_element(indices[i]))
              owned_points[owned_dofs.index_within_set(indices[i])] = support_values.quadrature_point(i);
        }
  }

  template <int dim>
  void
  ScalarSpace<dim>::reinit(dealii::PETScWrappers::MPI::SparseMatrix &matrix) const
  {
    // The mass matrix's sparsity pattern (a copy of it: PETSc's AIJ
    // matrices cannot share their index arrays).
    if (matrix_free)
      throw std::logic_error("ScalarSpace: no sparsity pattern in a matrix-free space");
    matrix.reinit(mass_matrix);
  }

  template <int dim>
  void
  ScalarSpace<dim>::assemble_laplace(dealii::PETScWrappers::MPI::SparseMatrix &matrix,
                                     const double                              c) const
  {
    using namespace dealii;
    reinit(matrix);
    const QGauss<dim>  quadrature(element.degree + 1);
    FEValues<dim>      fe_values(element, quadrature, update_gradients | update_JxW_values);
    const unsigned int n = element.n_dofs_per_cell();
    FullMatrix<double> cell_matrix(n, n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_matrix = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            for (unsigned int i = 0; i < n; ++i)
              for (unsigned int j = 0; j < n; ++j)
                cell_matrix(i, j) +=
                  c * fe_values.shape_grad(i, q) * fe_values.shape_grad(j, q) * fe_values.JxW(q);
          cell->get_dof_indices(indices);
          constraint_set.distribute_local_to_global(cell_matrix, indices, matrix);
        }
    matrix.compress(VectorOperation::add);
  }

  template <int dim>
  dealii::PETScWrappers::MPI::Vector
  ScalarSpace<dim>::owned_vector() const
  {
    return dealii::PETScWrappers::MPI::Vector(owned_dofs, comm);
  }

  template <int dim>
  dealii::PETScWrappers::MPI::Vector
  ScalarSpace<dim>::ghosted_vector() const
  {
    return dealii::PETScWrappers::MPI::Vector(owned_dofs, relevant_dofs, comm);
  }

  template <int dim>
  double
  ScalarSpace<dim>::mesh_size() const
  {
    return dealii::GridTools::minimal_cell_diameter(*mesh) / std::sqrt(double(dim));
  }

  template <int dim>
  dealii::Point<dim>
  ScalarSpace<dim>::support_point(const dealii::types::global_dof_index index) const
  {
    using namespace dealii;
    std::vector<double> where(dim, 0.0);
    if (owned_dofs.is_element(index))
      for (unsigned int d = 0; d < dim; ++d)
        where[d] = owned_points[owned_dofs.index_within_set(index)][d];
    Utilities::MPI::sum(where, comm, where);
    Point<dim> x;
    for (unsigned int d = 0; d < dim; ++d)
      x[d] = where[d];
    return x;
  }

  template <int dim>
  dealii::PETScWrappers::MPI::Vector
  ScalarSpace<dim>::landscape_nodal(const Landscape<dim> &landscape) const
  {
    using namespace dealii;
    PETScWrappers::MPI::Vector owned = owned_vector();
    VectorTools::interpolate(dofs,
                             ScalarFunctionFromFunctionObject<dim>(
                               [&](const Point<dim> &x) { return landscape.value(x); }),
                             owned);
    constraint_set.distribute(owned);
    return owned;
  }

  template <int dim>
  dealii::PETScWrappers::MPI::Vector
  ScalarSpace<dim>::landscape_field(const Landscape<dim> &landscape) const
  {
    dealii::PETScWrappers::MPI::Vector field = ghosted_vector();
    field                                    = landscape_nodal(landscape);
    return field;
  }

  template class ScalarSpace<1>;
  template class ScalarSpace<2>;
  template class ScalarSpace<3>;
} // namespace relax
