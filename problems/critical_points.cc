#include "problems/critical_points.h"

#include <deal.II/base/symmetric_tensor.h>

#include "problems/landscape.h"

#include <algorithm>
#include <cmath>

namespace relax
{
  namespace
  {
    template <int dim>
    double
    diagonal(const Domain<dim> &domain)
    {
      return domain.lower.distance(domain.upper);
    }

    /// x moved into the box along periodic directions.
    template <int dim>
    dealii::Point<dim>
    wrap(dealii::Point<dim> x, const Domain<dim> &domain)
    {
      for (unsigned int d = 0; d < dim; ++d)
        if (domain.periodic[d])
          {
            const double length = domain.upper[d] - domain.lower[d];
            x[d] = domain.lower[d] +
                   std::fmod(std::fmod(x[d] - domain.lower[d], length) + length,
                             length);
          }
      return x;
    }

    template <int dim>
    bool
    inside(const dealii::Point<dim> &x, const Domain<dim> &domain)
    {
      for (unsigned int d = 0; d < dim; ++d)
        if (x[d] < domain.lower[d] || x[d] > domain.upper[d])
          return false;
      return true;
    }

    template <int dim>
    double
    periodic_distance(const dealii::Point<dim> &a,
                      const dealii::Point<dim> &b,
                      const Domain<dim> &       domain)
    {
      double sum = 0;
      for (unsigned int d = 0; d < dim; ++d)
        {
          double delta = std::abs(a[d] - b[d]);
          if (domain.periodic[d])
            delta = std::min(delta, domain.upper[d] - domain.lower[d] - delta);
          sum += delta * delta;
        }
      return std::sqrt(sum);
    }

    template <int dim>
    dealii::SymmetricTensor<2, dim>
    hessian(const Landscape<dim> &landscape, const dealii::Point<dim> &x, const double h)
    {
      dealii::Tensor<2, dim> H;
      for (unsigned int j = 0; j < dim; ++j)
        {
          dealii::Point<dim> plus = x, minus = x;
          plus[j] += h;
          minus[j] -= h;
          const dealii::Tensor<1, dim> difference =
            landscape.gradient(plus) - landscape.gradient(minus);
          for (unsigned int i = 0; i < dim; ++i)
            H[i][j] = difference[i] / (2 * h);
        }
      return dealii::symmetrize(H);
    }
  } // namespace

  template <int dim>
  std::vector<dealii::Point<dim>>
  critical_point_seeds(const Landscape<dim> &landscape,
                       const unsigned int    seeds_per_axis,
                       const unsigned int    seed_begin,
                       const unsigned int    seed_stride)
  {
    const Domain<dim> domain = landscape.domain();
    unsigned int      n_seeds = 1;
    for (unsigned int d = 0; d < dim; ++d)
      n_seeds *= seeds_per_axis;
    std::vector<dealii::Point<dim>> seeds;
    for (unsigned int s = seed_begin; s < n_seeds; s += seed_stride)
      {
        dealii::Point<dim> x;
        unsigned int       rest = s;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const unsigned int k = rest % seeds_per_axis;
            rest /= seeds_per_axis;
            x[d] = domain.lower[d] + (k + 0.5) / seeds_per_axis *
                                       (domain.upper[d] - domain.lower[d]);
          }
        seeds.push_back(x);
      }
    return seeds;
  }

  template <int dim>
  std::vector<CriticalPoint<dim>>
  find_critical_points(const Landscape<dim> &                 landscape,
                       const std::vector<dealii::Point<dim>> &seeds,
                       const double                           gradient_tolerance)
  {
    const Domain<dim> domain = landscape.domain();
    const double      size   = diagonal(domain);
    const double      h      = 1e-5 * size;
    std::vector<CriticalPoint<dim>> found;
    for (const dealii::Point<dim> &seed : seeds)
      {
        dealii::Point<dim> x         = seed;
        bool               converged = false;
        for (unsigned int iteration = 0; iteration < 60 && !converged; ++iteration)
          {
            const dealii::Tensor<1, dim> g = landscape.gradient(x);
            if (!std::isfinite(g.norm()))
              break;
            if (g.norm() < gradient_tolerance)
              {
                converged = true;
                break;
              }
            // Newton step on the non-singular part of the Hessian, so that
            // flat directions (continuous symmetries) do not blow it up.
            const auto eigen = dealii::eigenvectors(hessian(landscape, x, h));
            double     largest = 0;
            for (const auto &e : eigen)
              largest = std::max(largest, std::abs(e.first));
            dealii::Tensor<1, dim> step;
            for (const auto &e : eigen)
              if (std::abs(e.first) > 1e-10 * largest)
                step -= (g * e.second) / e.first * e.second;
            if (step.norm() > 0.1 * size)
              step *= 0.1 * size / step.norm();
            x = wrap(dealii::Point<dim>(x + step), domain);
            if (!inside(x, domain))
              break;
          }
        if (!converged)
          continue;

        CriticalPoint<dim> point;
        point.x     = x;
        point.value = landscape.value(x);
        const std::array<double, dim> lambda =
          dealii::eigenvalues(hessian(landscape, x, h));
        double largest = 1;
        for (const double l : lambda)
          largest = std::max(largest, std::abs(l));
        bool degenerate = false;
        for (unsigned int d = 0; d < dim; ++d)
          {
            point.curvatures[d] = lambda[dim - 1 - d]; // ascending
            degenerate |= std::abs(lambda[d]) < 1e-6 * largest;
            point.index += lambda[d] < 0 ? 1 : 0;
          }
        point.type = degenerate              ? "degenerate" :
                     point.index == 0        ? "minimum" :
                     point.index == dim      ? "maximum" :
                                               "saddle";
        found.push_back(point);
      }
    return found;
  }

  template <int dim>
  std::vector<CriticalPoint<dim>>
  merge_critical_points(const Landscape<dim> &          landscape,
                        std::vector<CriticalPoint<dim>> points)
  {
    const Domain<dim> domain = landscape.domain();
    const double      tolerance = 1e-6 * diagonal(domain);
    std::sort(points.begin(), points.end(), [](const auto &a, const auto &b) {
      if (a.value != b.value)
        return a.value < b.value;
      for (unsigned int d = 0; d < dim; ++d)
        if (a.x[d] != b.x[d])
          return a.x[d] < b.x[d];
      return false;
    });
    std::vector<CriticalPoint<dim>> unique;
    for (const auto &p : points)
      {
        bool repeat = false;
        for (const auto &q : unique)
          repeat |= periodic_distance(p.x, q.x, domain) < tolerance;
        if (!repeat)
          unique.push_back(p);
      }
    return unique;
  }

#define RELAX_INSTANTIATE(dim)                                                \
  template struct CriticalPoint<dim>;                                         \
  template std::vector<dealii::Point<dim>> critical_point_seeds<dim>(         \
    const Landscape<dim> &, unsigned int, unsigned int, unsigned int);        \
  template std::vector<CriticalPoint<dim>> find_critical_points<dim>(         \
    const Landscape<dim> &, const std::vector<dealii::Point<dim>> &, double); \
  template std::vector<CriticalPoint<dim>> merge_critical_points<dim>(        \
    const Landscape<dim> &, std::vector<CriticalPoint<dim>>);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
