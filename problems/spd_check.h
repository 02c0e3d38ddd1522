// Checking a user's diffusion matrix before any solver sees it.
#pragma once

#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include "problems/input_error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>

namespace relax
{
  /// A number in its shortest readable form, for error messages.
  inline std::string
  format_number(const double x)
  {
    std::ostringstream out;
    out << x;
    return out.str();
  }

  /**
   * The matrix as a SymmetricTensor if it is symmetric (to a relative
   * 1e-12, so that "0.1" typed twice is symmetric) and positive definite;
   * otherwise throws InputError(parameter, ...) saying which entries differ
   * or what the eigenvalues are. `where` is appended to the message, e.g.
   * " at the box centre (0, 0)".
   */
  template <int dim>
  dealii::SymmetricTensor<2, dim>
  checked_spd_matrix(const dealii::Tensor<2, dim> &matrix,
                     const std::string            &parameter,
                     const std::string            &where = "")
  {
    double scale = 0;
    for (unsigned int i = 0; i < dim; ++i)
      for (unsigned int j = 0; j < dim; ++j)
        {
          if (!std::isfinite(matrix[i][j]))
            throw InputError(parameter,
                             "D" + std::to_string(i + 1) +
                               std::to_string(j + 1) + " = " +
                               format_number(matrix[i][j]) + " is not finite" +
                               where);
          scale = std::max(scale, std::abs(matrix[i][j]));
        }
    for (unsigned int i = 0; i < dim; ++i)
      for (unsigned int j = i + 1; j < dim; ++j)
        if (std::abs(matrix[i][j] - matrix[j][i]) > 1e-12 * scale)
          throw InputError(parameter,
                           "is not symmetric: D" + std::to_string(i + 1) +
                             std::to_string(j + 1) + " = " +
                             format_number(matrix[i][j]) + " but D" +
                             std::to_string(j + 1) + std::to_string(i + 1) +
                             " = " + format_number(matrix[j][i]) + where);
    const dealii::SymmetricTensor<2, dim> symmetric =
      dealii::symmetrize(matrix);
    // eigenvalues() sorts in descending order; the last one decides.
    const std::array<double, dim> lambda = dealii::eigenvalues(symmetric);
    if (!(lambda[dim - 1] > 0))
      {
        std::string list;
        for (unsigned int i = 0; i < dim; ++i)
          list += (i == 0 ? "" : ", ") + format_number(lambda[i]);
        throw InputError(parameter,
                         "is not positive definite: its eigenvalues are " +
                           list + where);
      }
    return symmetric;
  }
} // namespace relax
