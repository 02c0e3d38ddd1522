#include "solvers/common/density_functionals.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/lac/petsc_vector.h>

#include "problems/landscape.h"

#include <cmath>
#include <limits>

namespace relax
{
  template <int dim>
  DensityFigures<dim>
  evaluate_density(
    const dealii::DoFHandler<dim, dim> &                     dof_handler,
    const dealii::PETScWrappers::MPI::Vector &               rho,
    const dealii::PETScWrappers::MPI::Vector *               rho_ss,
    const Landscape<dim> &                                   landscape,
    const std::vector<double> &                              f_values,
    const double                                             beta,
    const double                                             phi_shift,
    const std::function<double(const dealii::Point<dim> &)> &reference)
  {
    using namespace dealii;
    const auto &            fe = dof_handler.get_fe();
    const QGauss<dim>       quadrature(fe.degree + 2);
    FEValues<dim>           fe_values(fe, quadrature,
                            update_values | update_quadrature_points | update_JxW_values);
    const unsigned int      n_q = quadrature.size();
    std::vector<double>     values(n_q), values_ss(n_q);
    const double            tiny = 1e-300;

    // Sums: mass, entropy, E f, E Φ, KL, negative mass, first moments,
    // second moments, reference error² and |error|, reference mass and
    // first moments.
    const unsigned int n_first = dim, n_second = dim * dim;
    std::size_t        next_f  = 0;
    std::vector<double> sums(6 + n_first + n_second + 2 + 1 + n_first, 0.0);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(rho, values);
          if (rho_ss != nullptr)
            fe_values.get_function_values(*rho_ss, values_ss);
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const Point<dim> &x  = fe_values.quadrature_point(q);
              const double      w  = fe_values.JxW(q);
              const double      r  = values[q];
              unsigned int      k  = 0;
              sums[k++] += r * w;
              sums[k++] += r > 0 ? -r * std::log(r) * w : 0;
              sums[k++] += r * (f_values.empty() ? landscape.value(x) : f_values[next_f++]) * w;
              if (rho_ss != nullptr)
                {
                  const double r_ss = std::max(values_ss[q], tiny);
                  const double phi  = -std::log(r_ss) / beta - phi_shift;
                  sums[k++] += r * phi * w;
                  sums[k++] += r > 0 ? r * std::log(r / r_ss) * w : 0;
                }
              else
                k += 2;
              sums[k++] += std::min(r, 0.0) * w;
              for (unsigned int i = 0; i < dim; ++i)
                sums[k++] += r * x[i] * w;
              for (unsigned int i = 0; i < dim; ++i)
                for (unsigned int j = 0; j < dim; ++j)
                  sums[k++] += r * x[i] * x[j] * w;
              if (reference)
                {
                  const double exact = reference(x);
                  sums[k++] += (r - exact) * (r - exact) * w;
                  sums[k++] += std::abs(r - exact) * w;
                  sums[k++] += exact * w;
                  for (unsigned int i = 0; i < dim; ++i)
                    sums[k++] += exact * x[i] * w;
                }
            }
        }
    Utilities::MPI::sum(sums, dof_handler.get_communicator(), sums);

    DensityFigures<dim> figures;
    const double        nan = std::numeric_limits<double>::quiet_NaN();
    unsigned int        k   = 0;
    figures.mass            = sums[k++];
    figures.entropy         = sums[k++];
    figures.expected_f      = sums[k++];
    figures.expected_phi    = rho_ss ? sums[k] : nan;
    ++k;
    figures.kl = rho_ss ? sums[k] : nan;
    ++k;
    figures.negative_mass = sums[k++];
    for (unsigned int i = 0; i < dim; ++i)
      figures.mean[i] = sums[k++] / figures.mass;
    for (unsigned int i = 0; i < dim; ++i)
      for (unsigned int j = 0; j < dim; ++j, ++k)
        if (j >= i)
          figures.covariance[i][j] =
            sums[k] / figures.mass - figures.mean[i] * figures.mean[j];
    if (reference)
      {
        figures.reference_l2_error = std::sqrt(sums[k++]);
        figures.reference_l1_error = sums[k++];
        const double reference_mass = sums[k++];
        figures.reference_mass      = reference_mass;
        double       distance2      = 0;
        for (unsigned int i = 0; i < dim; ++i)
          {
            const double d = sums[k++] / reference_mass - figures.mean[i];
            distance2 += d * d;
          }
        figures.reference_mean_error = std::sqrt(distance2);
      }
    else
      figures.reference_l2_error = figures.reference_l1_error = figures.reference_mean_error =
        figures.reference_mass   = nan;
    return figures;
  }

  template <int dim>
  std::vector<double>
  landscape_at_quadrature_points(const dealii::DoFHandler<dim, dim> &dof_handler,
                                 const Landscape<dim> &              landscape)
  {
    using namespace dealii;
    const QGauss<dim>   quadrature(dof_handler.get_fe().degree + 2);
    FEValues<dim>       fe_values(dof_handler.get_fe(), quadrature, update_quadrature_points);
    std::vector<double> values;
    // Exactly the size needed: it is kept all run, and push_back alone
    // could leave it up to twice that.
    std::size_t n_owned_cells = 0;
    for (const auto &cell : dof_handler.active_cell_iterators())
      n_owned_cells += cell->is_locally_owned() ? 1 : 0;
    values.reserve(n_owned_cells * quadrature.size());
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          for (const Point<dim> &x : fe_values.get_quadrature_points())
            values.push_back(landscape.value(x));
        }
    return values;
  }

  template <int dim>
  std::pair<double, dealii::Tensor<1, dim>>
  evaluate_at_point(const dealii::DoFHandler<dim, dim> &       dof_handler,
                    const dealii::PETScWrappers::MPI::Vector &field,
                    const dealii::Point<dim> &                 point)
  {
    using namespace dealii;
    // value, gradient, and 1 on the rank that evaluated.
    std::vector<double> local(dim + 2, 0.0);
    try
      {
        // Search the triangulation (artificial cells of a distributed mesh
        // have no DoFs), then evaluate on the owner's DoF cell.
        const auto found = GridTools::find_active_cell_around_point(
          StaticMappingQ1<dim>::mapping, dof_handler.get_triangulation(), point);
        if (found.first.state() == IteratorState::valid && found.first->is_locally_owned())
          {
            const typename DoFHandler<dim>::active_cell_iterator cell(
              &dof_handler.get_triangulation(), found.first->level(), found.first->index(), &dof_handler);
            const Quadrature<dim> at_point(GeometryInfo<dim>::project_to_unit_cell(found.second));
            FEValues<dim> fe_values(dof_handler.get_fe(), at_point, update_values | update_gradients);
            fe_values.reinit(cell);
            std::vector<double>         value(1);
            std::vector<Tensor<1, dim>> gradient(1);
            fe_values.get_function_values(field, value);
            fe_values.get_function_gradients(field, gradient);
            local[0] = value[0];
            for (unsigned int d = 0; d < dim; ++d)
              local[1 + d] = gradient[0][d];
            local[dim + 1] = 1;
          }
      }
    catch (const std::exception &)
      {
        // Not in this rank's part of the mesh.
      }
    std::vector<double> total(dim + 2);
    Utilities::MPI::sum(local, dof_handler.get_communicator(), total);
    if (total[dim + 1] == 0)
      throw std::runtime_error("a probe point lies outside the domain");
    Tensor<1, dim> gradient;
    for (unsigned int d = 0; d < dim; ++d)
      gradient[d] = total[1 + d] / total[dim + 1];
    return {total[0] / total[dim + 1], gradient};
  }

#define RELAX_INSTANTIATE(dim)                                                 \
  template struct DensityFigures<dim>;                                         \
  template DensityFigures<dim> evaluate_density<dim>(                          \
    const dealii::DoFHandler<dim, dim> &,                                      \
    const dealii::PETScWrappers::MPI::Vector &,                                \
    const dealii::PETScWrappers::MPI::Vector *,                                \
    const Landscape<dim> &,                                                    \
    const std::vector<double> &,                                               \
    double,                                                                    \
    double,                                                                    \
    const std::function<double(const dealii::Point<dim> &)> &);               \
  template std::vector<double> landscape_at_quadrature_points<dim>(            \
    const dealii::DoFHandler<dim, dim> &, const Landscape<dim> &);            \
  template std::pair<double, dealii::Tensor<1, dim>> evaluate_at_point<dim>(   \
    const dealii::DoFHandler<dim, dim> &,                                      \
    const dealii::PETScWrappers::MPI::Vector &,                                \
    const dealii::Point<dim> &);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
