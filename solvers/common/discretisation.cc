#include "solvers/common/discretisation.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/distributed/shared_tria.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/lac/affine_constraints.h>

#include "problems/input_error.h"
#include "problems/landscape.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relax
{
  void
  MeshParameters::declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Mesh");
    prm.declare_entry("refinement",
                      "5",
                      dealii::Patterns::Integer(0, 14),
                      "Number of uniform refinements of the coarse mesh "
                      "(each halves the cell size h). The coarse mesh has "
                      "cells as close to cubes as the landscape's box allows.");
    prm.declare_entry("degree",
                      "1",
                      dealii::Patterns::Integer(1, 4),
                      "Polynomial degree p of the continuous Q_p elements.");
    prm.leave_subsection();
  }

  void
  MeshParameters::parse_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Mesh");
    refinement = prm.get_integer("refinement");
    degree     = prm.get_integer("degree");
    prm.leave_subsection();
  }

  template <int dim>
  std::unique_ptr<dealii::Triangulation<dim, dim>>
  make_triangulation(MPI_Comm comm, const bool multigrid_levels)
  {
    if constexpr (dim == 1)
      return std::make_unique<dealii::parallel::shared::Triangulation<dim>>(
        comm,
        dealii::Triangulation<dim>::none,
        false,
        dealii::parallel::shared::Triangulation<dim>::partition_zorder);
    else
      return std::make_unique<dealii::parallel::distributed::Triangulation<dim>>(
        comm,
        multigrid_levels ? dealii::Triangulation<dim>::limit_level_difference_at_vertices :
                           dealii::Triangulation<dim>::none,
        multigrid_levels ?
          dealii::parallel::distributed::Triangulation<dim>::construct_multigrid_hierarchy :
          dealii::parallel::distributed::Triangulation<dim>::default_setting);
  }

  template <int dim>
  void
  build_mesh(dealii::Triangulation<dim, dim> &triangulation,
             const Domain<dim> &              domain,
             const unsigned int               refinement)
  {
    double shortest = std::numeric_limits<double>::max();
    for (unsigned int d = 0; d < dim; ++d)
      shortest = std::min(shortest, domain.upper[d] - domain.lower[d]);
    if (!(shortest > 0))
      throw InputError("/Landscape", "the domain is degenerate (an edge of "
                                     "length " + std::to_string(shortest) + ")");
    std::vector<unsigned int> repetitions(dim);
    for (unsigned int d = 0; d < dim; ++d)
      repetitions[d] = std::max(
        1u,
        static_cast<unsigned int>(
          std::lround((domain.upper[d] - domain.lower[d]) / shortest)));
    // Periodic directions need at least two coarse cells so that a cell is
    // never its own periodic neighbour.
    for (unsigned int d = 0; d < dim; ++d)
      if (domain.periodic[d])
        repetitions[d] = std::max(repetitions[d], 2u);

    dealii::GridGenerator::subdivided_hyper_rectangle(
      triangulation, repetitions, domain.lower, domain.upper, true);

    std::vector<dealii::GridTools::PeriodicFacePair<
      typename dealii::Triangulation<dim, dim>::cell_iterator>>
      periodic_faces;
    for (unsigned int d = 0; d < dim; ++d)
      if (domain.periodic[d])
        dealii::GridTools::collect_periodic_faces(
          triangulation, 2 * d, 2 * d + 1, d, periodic_faces);
    if (!periodic_faces.empty())
      triangulation.add_periodicity(periodic_faces);
    triangulation.refine_global(refinement);
  }

  template <int dim>
  void
  add_periodicity_constraints(const dealii::DoFHandler<dim, dim> &dof_handler,
                              const Domain<dim> &                 domain,
                              dealii::AffineConstraints<double> & constraints)
  {
    for (unsigned int d = 0; d < dim; ++d)
      if (domain.periodic[d])
        dealii::DoFTools::make_periodicity_constraints(
          dof_handler, 2 * d, 2 * d + 1, d, constraints);
  }

  template <int dim>
  void
  check_diffusion(const Landscape<dim> &                 landscape,
                  const dealii::Triangulation<dim, dim> &triangulation,
                  const std::string &                    parameter)
  {
    // The first failing point on this rank: its coordinates and the
    // eigenvalues of D there; NaN marks "none".
    std::vector<double> failure;
    const auto          check = [&](const dealii::Point<dim> &x) {
      if (!failure.empty())
        return;
      const dealii::SymmetricTensor<2, dim> D = landscape.diffusion(x);
      const std::array<double, dim> lambda    = dealii::eigenvalues(D);
      bool                          good      = true;
      for (const double l : lambda)
        good &= std::isfinite(l) && l > 0;
      if (!good)
        {
          for (unsigned int d = 0; d < dim; ++d)
            failure.push_back(x[d]);
          for (const double l : lambda)
            failure.push_back(l);
        }
    };
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          check(cell->center());
          for (const unsigned int v : cell->vertex_indices())
            check(cell->vertex(v));
        }

    const MPI_Comm comm = triangulation.get_communicator();
    const std::vector<std::vector<double>> all =
      dealii::Utilities::MPI::all_gather(comm, failure);
    for (const auto &f : all)
      if (!f.empty())
        {
          char text[256];
          std::string where = "(";
          for (unsigned int d = 0; d < dim; ++d)
            {
              std::snprintf(text, sizeof(text), "%s%.6g", d ? ", " : "", f[d]);
              where += text;
            }
          std::string eigen;
          for (unsigned int d = 0; d < dim; ++d)
            {
              std::snprintf(text, sizeof(text), "%s%.6g", d ? ", " : "", f[dim + d]);
              eigen += text;
            }
          throw InputError(parameter,
                           "D(x) is not symmetric positive definite at x = " +
                             where + "): eigenvalues " + eigen);
        }
  }

#define RELAX_INSTANTIATE(dim)                                              \
  template std::unique_ptr<dealii::Triangulation<dim, dim>>                 \
  make_triangulation<dim>(MPI_Comm, bool);                                      \
  template void build_mesh<dim>(dealii::Triangulation<dim, dim> &,          \
                                const Domain<dim> &,                        \
                                unsigned int);                              \
  template void add_periodicity_constraints<dim>(                           \
    const dealii::DoFHandler<dim, dim> &,                                   \
    const Domain<dim> &,                                                    \
    dealii::AffineConstraints<double> &);                                   \
  template void check_diffusion<dim>(const Landscape<dim> &,                \
                                     const dealii::Triangulation<dim, dim> &, \
                                     const std::string &);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
