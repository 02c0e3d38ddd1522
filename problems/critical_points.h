// Critical points of a landscape by damped Newton from a grid of seeds.
#pragma once

#include <deal.II/base/point.h>

#include <array>
#include <string>
#include <vector>

namespace relax
{
  template <int dim>
  class Landscape;

  template <int dim>
  struct CriticalPoint
  {
    dealii::Point<dim>    x;
    double                value = 0;
    /// Eigenvalues of the Hessian of f at x, ascending.
    std::array<double, dim> curvatures{};
    /// Number of negative curvatures (0: minimum, dim: maximum).
    unsigned int index = 0;
    /// "minimum", "saddle", "maximum", or "degenerate" (a zero curvature,
    /// e.g. along a continuous symmetry).
    std::string type;
  };

  /// The seeds with index seed_begin, seed_begin + seed_stride, ... of a
  /// uniform grid of `seeds_per_axis`^dim cell centres of the domain (so
  /// that MPI ranks can share them out).
  template <int dim>
  std::vector<dealii::Point<dim>>
  critical_point_seeds(const Landscape<dim> &landscape,
                       unsigned int          seeds_per_axis,
                       unsigned int          seed_begin,
                       unsigned int          seed_stride);

  /// Newton on ∇f = 0 (Hessian by central differences of ∇f) from each
  /// seed; the points where |∇f| < gradient_tolerance inside the domain,
  /// classified, one per converged seed (merge_critical_points removes the
  /// repeats; merging only once, over all seeds, makes the result
  /// independent of how seeds were shared out).
  template <int dim>
  std::vector<CriticalPoint<dim>>
  find_critical_points(const Landscape<dim> &                 landscape,
                       const std::vector<dealii::Point<dim>> &seeds,
                       double                                 gradient_tolerance);

  /// Removes repeats (closer than 1e-6 of the domain's diagonal, across
  /// periodic directions) and sorts by value, then by coordinates.
  template <int dim>
  std::vector<CriticalPoint<dim>>
  merge_critical_points(const Landscape<dim> &          landscape,
                        std::vector<CriticalPoint<dim>> points);
} // namespace relax
