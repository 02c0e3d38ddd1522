#include "solvers/common/initial_density.h"

#include <deal.II/base/function.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/numerics/vector_tools.h>

#include <limits>

#include "problems/expressions.h"
#include "problems/input_error.h"
#include "problems/parameter_parsing.h"
#include "solvers/common/scalar_space.h"
#include "solvers/common/vector_tools.h"

#include <cmath>

namespace relax
{
  void
  declare_initial_density_parameters(dealii::ParameterHandler &prm, const std::string &kinds)
  {
    using dealii::Patterns::Anything;
    prm.declare_entry("initial density",
                      "gaussian",
                      dealii::Patterns::Selection(kinds),
                      "ρ(·, 0), normalised to unit mass on the mesh: the "
                      "Gaussian N(initial mean, initial covariance) (on a torus "
                      "wrapped: x − mean to its nearest periodic image), the "
                      "uniform density (where offered), or `initial expression`.");
    prm.declare_entry("initial mean",
                      "0",
                      Anything(),
                      "Mean of the initial Gaussian: one number for every "
                      "coordinate or one per coordinate.");
    prm.declare_entry("initial covariance",
                      "0.1",
                      Anything(),
                      "Covariance of the initial Gaussian: a number s² "
                      "(s² I) or a matrix 'c11, c12; c21, c22'.");
    prm.declare_entry("initial expression",
                      "exp(-(x^2 + y^2 + z^2))",
                      Anything(),
                      "ρ(·, 0) up to normalisation as a muParser expression "
                      "of x, y, z (with `initial density = expression`).");
  }

  template <int dim>
  void
  InitialDensity<dim>::parse_parameters(dealii::ParameterHandler &prm, const std::string &section_name)
  {
    section          = section_name;
    kind             = prm.get("initial density");
    const auto means = parse_numbers(prm.get("initial mean"), section + "/initial mean");
    if (means.size() != 1 && means.size() != dim)
      throw InputError(section + "/initial mean", "give 1 or " + std::to_string(dim) + " numbers");
    for (unsigned int d = 0; d < dim; ++d)
      mean[d] = means.size() == 1 ? means[0] : means[d];
    covariance = parse_matrix<dim>(prm.get("initial covariance"), section + "/initial covariance");
    expression = prm.get("initial expression");
    if (kind == "gaussian")
      {
        const bool symmetric = (covariance - transpose(covariance)).norm() <= 1e-12 * covariance.norm();
        if (!symmetric || !(eigenvalues(dealii::symmetrize(covariance))[dim - 1] > 0))
          throw InputError(section + "/initial covariance", "must be symmetric positive definite");
      }
    else if (kind == "expression")
      parse_expression<dim>(expression, parse_constants("", section + "/initial expression"), false,
                            section + "/initial expression");
  }

  template <int dim>
  void
  InitialDensity<dim>::interpolate(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::Vector &owned) const
  {
    using namespace dealii;
    if (kind == "gaussian")
      {
        // On a torus, x − mean is taken to the nearest periodic image:
        // without it the Gaussian jumps across the periodic faces, and the
        // Q_p interpolant of the jump oscillates (negative mass −2e-3 at
        // t = 0 on params/fp_xy3.prm).
        const Tensor<2, dim> inverse = invert(covariance);
        const Domain<dim> &  box     = space.domain();
        VectorTools::interpolate(space.dof_handler(),
                                 ScalarFunctionFromFunctionObject<dim>([&](const Point<dim> &x) {
                                   Tensor<1, dim> r = x - Point<dim>(mean);
                                   for (unsigned int d = 0; d < dim; ++d)
                                     if (box.periodic[d])
                                       {
                                         const double period = box.upper[d] - box.lower[d];
                                         r[d] -= period * std::round(r[d] / period);
                                       }
                                   return std::exp(-0.5 * (r * (inverse * r)));
                                 }),
                                 owned);
      }
    else if (kind == "uniform")
      owned = 1;
    else
      {
        const auto function = parse_expression<dim>(expression, parse_constants("", section + "/initial expression"),
                                                     false, section + "/initial expression");
        VectorTools::interpolate(space.dof_handler(), *function, owned);
      }
    // The user's expression is judged at the free nodes: the values at
    // hanging nodes are the constraints' (Q2 interpolation from the
    // coarser neighbour), which may dip below zero in a steep tail.
    double lowest = std::numeric_limits<double>::max();
    for (const auto i : space.owned())
      if (!space.constraints().is_constrained(i))
        lowest = std::min(lowest, double(owned(i)));
    lowest = dealii::Utilities::MPI::min(lowest, space.communicator());
    space.constraints().distribute(owned);
    const double total = space.integrals() * owned;
    if (!(total > 0) || !(lowest >= 0))
      throw InputError(section + "/initial density",
                       "the initial density must be non-negative with positive mass on the "
                       "mesh (its mass there is " + std::to_string(total) + ")");
    owned /= total;
  }

  template class InitialDensity<1>;
  template class InitialDensity<2>;
  template class InitialDensity<3>;
} // namespace relax
