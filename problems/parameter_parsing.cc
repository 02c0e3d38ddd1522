#include "problems/parameter_parsing.h"

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include "problems/input_error.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace relax
{
  void
  declare_box_parameter(dealii::ParameterHandler &prm,
                        const std::string &       default_box,
                        const std::string &       advice)
  {
    prm.declare_entry("box",
                      default_box,
                      dealii::Patterns::Anything(),
                      "The domain: 'lower, upper' for every axis, or "
                      "'l1, u1; l2, u2; ...' per axis." +
                        (advice.empty() ? "" : " " + advice));
  }

  std::vector<double>
  parse_numbers(const std::string &text, const std::string &parameter)
  {
    std::vector<double> numbers;
    if (dealii::Utilities::trim(text).empty())
      return numbers;
    for (const std::string &item :
         dealii::Utilities::split_string_list(text, ','))
      {
        const std::string word = dealii::Utilities::trim(item);
        char *            end  = nullptr;
        const double      x    = std::strtod(word.c_str(), &end);
        if (word.empty() || end != word.c_str() + word.size())
          throw InputError(parameter,
                           "'" + word + "' in '" + text +
                             "' is not a number");
        numbers.push_back(x);
      }
    return numbers;
  }

  template <int dim>
  dealii::Tensor<2, dim>
  parse_matrix(const std::string &text, const std::string &parameter)
  {
    const std::vector<std::string> rows =
      dealii::Utilities::split_string_list(text, ';');
    dealii::Tensor<2, dim> matrix;
    if (rows.size() == 1)
      {
        const std::vector<double> only = parse_numbers(rows[0], parameter);
        if (only.size() == 1)
          {
            for (unsigned int i = 0; i < dim; ++i)
              matrix[i][i] = only[0];
            return matrix;
          }
      }
    if (rows.size() != dim)
      throw InputError(parameter,
                       "'" + text + "' has " + std::to_string(rows.size()) +
                         " rows, the dimension is " + std::to_string(dim) +
                         " (write rows separated by ';', entries by ',')");
    for (unsigned int i = 0; i < dim; ++i)
      {
        const std::vector<double> row = parse_numbers(rows[i], parameter);
        if (row.size() != dim)
          throw InputError(parameter,
                           "row " + std::to_string(i + 1) + " of '" + text +
                             "' has " + std::to_string(row.size()) +
                             " entries, the dimension is " +
                             std::to_string(dim));
        for (unsigned int j = 0; j < dim; ++j)
          matrix[i][j] = row[j];
      }
    return matrix;
  }

  template <int dim>
  dealii::Tensor<1, dim>
  parse_vector(const std::string &text, const std::string &parameter)
  {
    const std::vector<double> numbers = parse_numbers(text, parameter);
    if (numbers.size() != dim)
      throw InputError(parameter,
                       "'" + text + "' has " +
                         std::to_string(numbers.size()) +
                         " entries, the dimension is " + std::to_string(dim));
    dealii::Tensor<1, dim> vector;
    for (unsigned int i = 0; i < dim; ++i)
      vector[i] = numbers[i];
    return vector;
  }

  template <int dim>
  Domain<dim>
  parse_box(const std::string &text, const std::string &parameter)
  {
    const std::vector<std::string> rows =
      dealii::Utilities::split_string_list(text, ';');
    if (rows.size() != 1 && rows.size() != dim)
      throw InputError(parameter,
                       "'" + text + "' has " + std::to_string(rows.size()) +
                         " intervals, give one for every axis or one for " +
                         "all " + std::to_string(dim) +
                         " (write 'lower, upper' or 'l1, u1; l2, u2; ...')");
    Domain<dim> box;
    for (unsigned int i = 0; i < dim; ++i)
      {
        const std::string &row = rows[rows.size() == 1 ? 0 : i];
        const std::vector<double> bounds = parse_numbers(row, parameter);
        if (bounds.size() != 2)
          throw InputError(parameter,
                           "'" + row + "' in '" + text + "' has " +
                             std::to_string(bounds.size()) +
                             " numbers, an interval is 'lower, upper'");
        // std::to_string would print 2.000000; the shortest form reads
        // better in an error message.
        std::ostringstream lower, upper;
        lower << bounds[0];
        upper << bounds[1];
        if (!std::isfinite(bounds[0]) || !std::isfinite(bounds[1]))
          throw InputError(parameter,
                           "the interval '" + row + "' is not finite");
        if (!(bounds[0] < bounds[1]))
          throw InputError(parameter,
                           "degenerate domain: lower " + lower.str() +
                             " >= upper " + upper.str() + " on axis " +
                             std::to_string(i + 1));
        box.lower[i]    = bounds[0];
        box.upper[i]    = bounds[1];
        box.periodic[i] = false;
      }
    return box;
  }

  template dealii::Tensor<2, 1>
  parse_matrix<1>(const std::string &, const std::string &);
  template dealii::Tensor<2, 2>
  parse_matrix<2>(const std::string &, const std::string &);
  template dealii::Tensor<2, 3>
  parse_matrix<3>(const std::string &, const std::string &);
  template dealii::Tensor<1, 1>
  parse_vector<1>(const std::string &, const std::string &);
  template dealii::Tensor<1, 2>
  parse_vector<2>(const std::string &, const std::string &);
  template dealii::Tensor<1, 3>
  parse_vector<3>(const std::string &, const std::string &);
  template Domain<1>
  parse_box<1>(const std::string &, const std::string &);
  template Domain<2>
  parse_box<2>(const std::string &, const std::string &);
  template Domain<3>
  parse_box<3>(const std::string &, const std::string &);
} // namespace relax
