#include "training/random.h"

#include <cmath>

namespace relax
{
  void
  fill_standard_normal(std::mt19937_64 &generator, double *values, const std::size_t n)
  {
    for (std::size_t i = 0; i < n; i += 2)
      {
        const double v     = 1 - uniform01(generator);
        const double u     = uniform01(generator);
        const double r     = std::sqrt(-2 * std::log(v));
        const double angle = 2 * 3.14159265358979323846 * u;
        values[i]          = r * std::cos(angle);
        if (i + 1 < n)
          values[i + 1] = r * std::sin(angle);
      }
  }

  double
  standard_normal(std::mt19937_64 &generator)
  {
    double value;
    fill_standard_normal(generator, &value, 1);
    return value;
  }

  double
  symmetric_stable(std::mt19937_64 &generator, const double alpha)
  {
    const double pi = 3.14159265358979323846;
    const double v  = pi * (uniform01(generator) - 0.5);
    const double w  = -std::log(1 - uniform01(generator));
    if (alpha == 1)
      return std::tan(v);
    return std::sin(alpha * v) / std::pow(std::cos(v), 1 / alpha) *
           std::pow(std::cos(v - alpha * v) / w, (1 - alpha) / alpha);
  }
} // namespace relax
