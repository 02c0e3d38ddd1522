// Reading lists and matrices of numbers from parameter strings, with errors
// that name the parameter.
#pragma once

#include <deal.II/base/tensor.h>

#include "problems/landscape.h"

#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace relax
{
  /// "1, 2.5, -3" -> {1, 2.5, -3}; throws InputError(parameter, ...) on
  /// anything that is not a number.
  std::vector<double>
  parse_numbers(const std::string &text, const std::string &parameter);

  /// "a11, a12; a21, a22" (rows separated by ';') as a dim x dim matrix; a
  /// single number s means s times the identity.
  template <int dim>
  dealii::Tensor<2, dim>
  parse_matrix(const std::string &text, const std::string &parameter);

  /// Declares the entry "box" (read with parse_box) with default
  /// `default_box`; `advice` says what the box should contain.
  void
  declare_box_parameter(dealii::ParameterHandler &prm,
                        const std::string &       default_box,
                        const std::string &       advice);

  /// "x0, x1, ..." as a point with exactly dim coordinates.
  template <int dim>
  dealii::Tensor<1, dim>
  parse_vector(const std::string &text, const std::string &parameter);

  /// A box (no periodic directions) from "lower, upper" (the same interval
  /// on every axis) or "l1, u1; l2, u2; ..." (one interval per axis, rows
  /// separated by ';'); throws InputError(parameter, ...) unless
  /// lower < upper on every axis.
  template <int dim>
  Domain<dim>
  parse_box(const std::string &text, const std::string &parameter);
} // namespace relax
