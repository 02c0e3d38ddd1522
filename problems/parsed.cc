// A landscape typed into the parameter file: f and D as muParser
// expressions.
#include <deal.II/base/exceptions.h>
#include <deal.II/base/function_parser.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
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

    /// "a=1, b=-2.5" as a map; the coordinates and pi may not be redefined
    /// (pi is provided).
    std::map<std::string, double>
    parse_constants(const std::string &text)
    {
      std::map<std::string, double> constants;
      if (dealii::Utilities::trim(text).empty())
        return constants;
      for (const std::string &item :
           dealii::Utilities::split_string_list(text, ','))
        {
          const std::string::size_type equal = item.find('=');
          if (equal == std::string::npos)
            throw InputError("constants",
                             "'" + item + "' in '" + text +
                               "' is not of the form name=value");
          const std::string name =
            dealii::Utilities::trim(item.substr(0, equal));
          const std::vector<double> value =
            parse_numbers(item.substr(equal + 1), "constants");
          if (name.empty() || value.size() != 1)
            throw InputError("constants",
                             "'" + item + "' in '" + text +
                               "' is not of the form name=value");
          if (name == "x" || name == "y" || name == "z")
            throw InputError("constants",
                             "'" + name + "' is a coordinate, not a constant");
          if (constants.count(name) != 0)
            throw InputError("constants",
                             "'" + name + "' is defined twice in '" + text +
                               "'");
          constants[name] = value[0];
        }
      return constants;
    }

    /// The text deal.II gives for an exception, on one line. For a parse
    /// error only muParser's own words are kept: deal.II 9.4 prefixes them
    /// with "Parsing Error at Column <n>", where n is muParser's error
    /// code, not a column, which would mislead.
    std::string
    one_line(const dealii::ExceptionBase &error)
    {
      std::ostringstream out;
      error.print_info(out);
      std::string text = out.str();
      for (char &c : text)
        if (c == '\n')
          c = ' ';
      const std::string said  = "The parser said: ";
      const std::size_t where = text.find(said);
      if (where != std::string::npos)
        {
          text = dealii::Utilities::trim(text.substr(where + said.size()));
          if (!text.empty() && text.back() == '.')
            text.pop_back();
          // muParser counts characters from 0.
          if (text.find("position") != std::string::npos)
            text += " (counting from 0)";
        }
      return dealii::Utilities::trim(text);
    }

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

        std::map<std::string, double> constants =
          parse_constants(prm.get("constants"));
        if (constants.count("pi") == 0)
          constants["pi"] = dealii::numbers::PI;
        // The coordinates beyond the dimension are constants 0, so that one
        // expression serves every dimension.
        const char *const coordinates[3] = {"x", "y", "z"};
        for (unsigned int i = dim; i < 3; ++i)
          constants[coordinates[i]] = 0.;

        dealii::Point<dim> centre;
        for (unsigned int i = 0; i < dim; ++i)
          centre[i] = 0.5 * (box.lower[i] + box.upper[i]);

        f = make_parser("f", prm.get("f"), constants, h, centre);
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = i; j < dim; ++j)
            D[i][j] = make_parser(D_entry_names[i][j],
                                  prm.get(D_entry_names[i][j]),
                                  constants,
                                  h,
                                  centre);

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
      /**
       * A parser for `expression`, evaluated once at `centre` so that a
       * syntax error (which deal.II only finds at the first evaluation)
       * becomes an InputError naming the parameter. muParser's own
       * diagnostics, which deal.II 9.4 prints to std::cerr, are captured
       * and kept out of the output.
       */
      static std::unique_ptr<dealii::FunctionParser<dim>>
      make_parser(const std::string                   &parameter,
                  const std::string                   &expression,
                  const std::map<std::string, double> &constants,
                  const double                         h,
                  const dealii::Point<dim>            &centre)
      {
        auto parser = std::make_unique<dealii::FunctionParser<dim>>(1, 0., h);
        parser->set_formula(dealii::AutoDerivativeFunction<dim>::FourthOrder);
        std::ostringstream captured;
        std::streambuf    *cerr_buffer = std::cerr.rdbuf(captured.rdbuf());
        double             value       = 0;
        try
          {
            parser->initialize(
              dealii::FunctionParser<dim>::default_variable_names(),
              expression,
              constants);
            value = parser->value(centre);
          }
        catch (const dealii::ExceptionBase &error)
          {
            std::cerr.rdbuf(cerr_buffer);
            throw InputError(parameter,
                             "'" + expression +
                               "' does not parse: " + one_line(error));
          }
        catch (...)
          {
            std::cerr.rdbuf(cerr_buffer);
            throw;
          }
        std::cerr.rdbuf(cerr_buffer);
        if (!std::isfinite(value))
          throw InputError(parameter,
                           "'" + expression + "' is " + format_number(value) +
                             " at the box centre");
        return parser;
      }

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
