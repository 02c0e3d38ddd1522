// A landscape typed into the parameter file: f and D as muParser
// expressions.
#include <deal.II/base/exceptions.h>
#include <deal.II/base/function_parser.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/expressions.h"
#include "problems/parameter_parsing.h"
#include "problems/spd_check.h"

#include <iostream>
#include <memory>
#include <sstream>

namespace relax
{
  namespace
  {
    const char *const D_entry_names[3][3] = {{"D11", "D12", "D13"},
                                             {"D12", "D22", "D23"},
                                             {"D13", "D23", "D33"}};

    /**
     * f and the entries of D as expressions of x, y, z. Derivatives are
     * those of dealii::FunctionParser (AutoDerivativeFunction), with the
     * fourth-order central formula
     *   f'(x) ≈ (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / (12h),
     * whose error is h⁴ |f⁽⁵⁾| / 30 (truncation) + about 1.5 u |f| / h
     * (rounding, u = 1.1e-16). For the default h = 1e-3 and f varying on a
     * length L ≥ 0.1 this is below 1e-9 |f|/L: good enough to make
     * ∇f and div D indistinguishable from the exact ones in a finite
     * element discretisation, at 4 evaluations per partial derivative.
     */
    template <int dim>
    class Parsed : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "f",
          "(x^2 - 1)^2 + y^2 + z^2",
          dealii::Patterns::Anything(),
          "The loss f as a muParser expression of x, y, z (e.g. "
          "'a*x^2 + sin(y)'; functions sin, exp, log, sqrt, abs, ..., "
          "operators + - * / ^, 'c ? u : v'). In dimension 1 only x is a "
          "coordinate and y = z = 0; in 2-D z = 0: an expression written "
          "for 3-D is evaluated on the slice. pi is predefined.");
        prm.declare_entry("constants",
                          "",
                          dealii::Patterns::Anything(),
                          "Named numbers usable in every expression: "
                          "'a=1, b=2.5'.");
        for (const std::string entry : {"D11", "D22", "D33"})
          prm.declare_entry(entry,
                            "1",
                            dealii::Patterns::Anything(),
                            "Diagonal entry of the diffusion matrix D(x) "
                            "(an expression like f). D must be symmetric "
                            "positive definite everywhere on the box; only "
                            "the entries within the dimension are used.");
        for (const std::string entry : {"D12", "D13", "D23"})
          prm.declare_entry(entry,
                            "0",
                            dealii::Patterns::Anything(),
                            "Off-diagonal entry of D(x) (Dij = Dji), an "
                            "expression like f; only the entries within "
                            "the dimension are used.");
        prm.declare_entry(
          "finite difference step",
          "1e-3",
          dealii::Patterns::Double(0),
          "h > 0 (length) of the fourth-order central differences that "
          "give grad f and div D: error h^4 |f^(5)|/30 + 1.5e-16 |f|/h, "
          "about 1e-13 relative for smooth f varying on lengths of order 1 "
          "at h = 1e-3. Make it smaller than the shortest length on which "
          "f or D varies.");
        declare_box_parameter(
          prm,
          "-2, 2",
          "");
      }

      explicit Parsed(dealii::ParameterHandler &prm)
        : box(parse_box<dim>(prm.get("box"), "box"))
      {
        const double h = prm.get_double("finite difference step");
        if (!(h > 0))
          throw InputError("finite difference step", "must be positive");

        const std::map<std::string, double> constants =
          parse_constants(prm.get("constants"), "constants");

        dealii::Point<dim> centre;
        for (unsigned int i = 0; i < dim; ++i)
          centre[i] = 0.5 * (box.lower[i] + box.upper[i]);

        f = parse_expression<dim>(prm.get("f"), constants, false, "f", centre, h);
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = i; j < dim; ++j)
            D[i][j] = parse_expression<dim>(prm.get(D_entry_names[i][j]), constants, false, D_entry_names[i][j], centre, h);

        // The solvers check D on the whole mesh; a D that fails already at
        // the centre is reported here, with the name of an entry.
        std::ostringstream where;
        where << " at the box centre (" << centre << ")";
        const dealii::SymmetricTensor<2, dim> D_centre = diffusion(centre);
        checked_spd_matrix(dealii::Tensor<2, dim>(D_centre),
                           "D11",
                           where.str());
      }

      double
      value(const dealii::Point<dim> &x) const override
      {
        return f->value(x);
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &x) const override
      {
        return f->gradient(x);
      }

      dealii::SymmetricTensor<2, dim>
      diffusion(const dealii::Point<dim> &x) const override
      {
        dealii::SymmetricTensor<2, dim> result;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = i; j < dim; ++j)
            result[i][j] = D[i][j]->value(x);
        return result;
      }

      dealii::Tensor<1, dim>
      diffusion_divergence(const dealii::Point<dim> &x) const override
      {
        dealii::Tensor<1, dim> divergence;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = 0; j < dim; ++j)
            {
              const auto &entry = i <= j ? D[i][j] : D[j][i];
              divergence[i] += entry->gradient(x)[j];
            }
        return divergence;
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

    private:
      Domain<dim>                                  box;
      std::unique_ptr<dealii::FunctionParser<dim>> f;
      /// The upper triangle i <= j.
      std::unique_ptr<dealii::FunctionParser<dim>> D[dim][dim];
    };
  } // namespace
} // namespace relax

using relax::Parsed;
RELAX_REGISTER_LANDSCAPE(
  Parsed,
  "parsed",
  "f and the diffusion matrix D(x) typed as muParser expressions of x, y, z "
  "(coordinates beyond the dimension are 0), any dimension, with named "
  "constants. grad f and div D by fourth-order central differences of "
  "step h (error h^4 |f^(5)|/30 + 1.5e-16 |f|/h). Default: the double "
  "well (x^2 - 1)^2 + y^2 + z^2 with D = I.")
