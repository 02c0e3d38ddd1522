// muParser expressions typed in parameter files: named constants, and
// functions of x, y, z (and t) whose errors name the parameter.
#pragma once

#include <deal.II/base/function_parser.h>

#include <map>
#include <memory>
#include <string>

namespace relax
{
  /// "a=1, b=-2.5" as a map, with pi and e predefined (a file may not
  /// redefine the coordinates x, y, z or t). Errors name `parameter`.
  std::map<std::string, double>
  parse_constants(const std::string &text, const std::string &parameter);

  /**
   * The expression as a function of x, y, z (those beyond the dimension
   * read as 0, so that one expression serves every dimension) and, with
   * `time_dependent`, t. It is evaluated once at `probe`: a parse error, or
   * a value that is not finite there, becomes one InputError naming
   * `parameter` with muParser's own words (deal.II prints them to
   * std::cerr too; that is kept out of the output). `h` is the step of the
   * fourth-order differences behind gradient().
   */
  template <int dim>
  std::unique_ptr<dealii::FunctionParser<dim>>
  parse_expression(const std::string &                  expression,
                   const std::map<std::string, double> &constants,
                   bool                                 time_dependent,
                   const std::string &                  parameter,
                   const dealii::Point<dim> &           probe = dealii::Point<dim>(),
                   double                               h     = 1e-8);
} // namespace relax
