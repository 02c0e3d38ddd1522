// Building a landscape from a few lines of a parameter file, as a user would.
#pragma once

#include <deal.II/base/parameter_handler.h>

#include "problems/landscape.h"
#include "problems/landscape_registry.h"

#include <functional>
#include <memory>
#include <random>
#include <string>

namespace relax::testing
{
  /// The landscape `name` with the `set` lines in `settings` applied inside
  /// its subsection, e.g. make_landscape<2>("quadratic", "set A = 1,0;0,2").
  template <int dim>
  std::unique_ptr<Landscape<dim>>
  make_landscape(const std::string &name, const std::string &settings = "")
  {
    dealii::ParameterHandler prm;
    declare_landscape_parameters(prm);
    prm.parse_input_from_string("subsection Landscape\n set name = " + name +
                                "\n subsection " + name + "\n" + settings +
                                "\n end\nend\n");
    return create_landscape<dim>(prm);
  }

  /// A point uniformly in the box (seeded: reproducible).
  template <int dim>
  dealii::Point<dim>
  random_point(const Domain<dim> &domain, std::mt19937_64 &generator)
  {
    std::uniform_real_distribution<double> unit(0., 1.);
    dealii::Point<dim>                     x;
    for (unsigned int i = 0; i < dim; ++i)
      x[i] = domain.lower[i] + unit(generator) * (domain.upper[i] - domain.lower[i]);
    return x;
  }

  /// Fourth-order central difference of a scalar function along e_i:
  /// error h⁴|g⁽⁵⁾|/30 + ~2e-16|g|/h, about 1e-12 for h = 1e-4.
  template <int dim>
  double
  partial(const std::function<double(const dealii::Point<dim> &)> &g,
          const dealii::Point<dim> &                               x,
          const unsigned int                                       i,
          const double                                             h = 1e-4)
  {
    dealii::Point<dim> p1 = x, p2 = x, m1 = x, m2 = x;
    p1[i] += h;
    p2[i] += 2 * h;
    m1[i] -= h;
    m2[i] -= 2 * h;
    return (g(m2) - 8 * g(m1) + 8 * g(p1) - g(p2)) / (12 * h);
  }
} // namespace relax::testing
