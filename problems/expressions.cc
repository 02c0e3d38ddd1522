#include "problems/expressions.h"

#include <deal.II/base/utilities.h>

#include "problems/input_error.h"
#include "problems/parameter_parsing.h"

#include <cmath>
#include <iostream>
#include <sstream>

namespace relax
{
  namespace
  {
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
  } // namespace

  std::map<std::string, double>
  parse_constants(const std::string &text, const std::string &parameter)
  {
    std::map<std::string, double> given;
    if (!dealii::Utilities::trim(text).empty())
      for (const std::string &item : dealii::Utilities::split_string_list(text, ','))
        {
          const std::string::size_type equal = item.find('=');
          if (equal == std::string::npos)
            throw InputError(parameter,
                             "'" + item + "' in '" + text + "' is not of the form name=value");
          const std::string         name  = dealii::Utilities::trim(item.substr(0, equal));
          const std::vector<double> value = parse_numbers(item.substr(equal + 1), parameter);
          if (name.empty() || value.size() != 1)
            throw InputError(parameter,
                             "'" + item + "' in '" + text + "' is not of the form name=value");
          if (name == "x" || name == "y" || name == "z" || name == "t")
            throw InputError(parameter, "'" + name + "' is a variable, not a constant");
          if (given.count(name) != 0)
            throw InputError(parameter, "'" + name + "' is defined twice in '" + text + "'");
          given[name] = value[0];
        }
    std::map<std::string, double> constants{{"pi", dealii::numbers::PI}, {"e", dealii::numbers::E}};
    for (const auto &[name, value] : given)
      constants[name] = value;
    return constants;
  }

  template <int dim>
  std::unique_ptr<dealii::FunctionParser<dim>>
  parse_expression(const std::string &                  expression,
                   const std::map<std::string, double> &constants,
                   const bool                           time_dependent,
                   const std::string &                  parameter,
                   const dealii::Point<dim> &           probe,
                   const double                         h)
  {
    std::map<std::string, double> all = constants;
    const char *const             coordinates[3] = {"x", "y", "z"};
    std::string                   variables;
    for (unsigned int i = 0; i < 3; ++i)
      if (i < dim)
        variables += std::string(i == 0 ? "" : ",") + coordinates[i];
      else
        all[coordinates[i]] = 0.;
    if (time_dependent)
      variables += ",t";

    auto parser = std::make_unique<dealii::FunctionParser<dim>>(1, 0., h);
    parser->set_formula(dealii::AutoDerivativeFunction<dim>::FourthOrder);
    std::ostringstream captured;
    std::streambuf *   cerr_buffer = std::cerr.rdbuf(captured.rdbuf());
    double             value       = 0;
    try
      {
        parser->initialize(variables, expression, all, time_dependent);
        value = parser->value(probe);
      }
    catch (const dealii::ExceptionBase &error)
      {
        std::cerr.rdbuf(cerr_buffer);
        throw InputError(parameter, "'" + expression + "' does not parse: " + one_line(error));
      }
    catch (...)
      {
        std::cerr.rdbuf(cerr_buffer);
        throw;
      }
    std::cerr.rdbuf(cerr_buffer);
    if (!std::isfinite(value))
      {
        std::ostringstream where;
        where << value << " at (" << probe << ")";
        throw InputError(parameter, "'" + expression + "' is " + where.str());
      }
    return parser;
  }

  template std::unique_ptr<dealii::FunctionParser<1>>
  parse_expression<1>(const std::string &, const std::map<std::string, double> &, bool,
                      const std::string &, const dealii::Point<1> &, double);
  template std::unique_ptr<dealii::FunctionParser<2>>
  parse_expression<2>(const std::string &, const std::map<std::string, double> &, bool,
                      const std::string &, const dealii::Point<2> &, double);
  template std::unique_ptr<dealii::FunctionParser<3>>
  parse_expression<3>(const std::string &, const std::map<std::string, double> &, bool,
                      const std::string &, const dealii::Point<3> &, double);
} // namespace relax
