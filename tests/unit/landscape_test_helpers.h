// Building a landscape from a few lines of a parameter file, as a user would.
#pragma once

#include <deal.II/base/parameter_handler.h>

#include "problems/landscape.h"
#include "problems/landscape_registry.h"

#include <memory>
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
} // namespace relax::testing
