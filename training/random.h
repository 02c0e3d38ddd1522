// Random numbers that are the same on every platform: std::mt19937_64's
// output sequence is fixed by the C++ standard, and the conversions to
// uniforms and normals are done here rather than by the standard
// library's distributions, whose algorithms are implementation-defined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace relax
{
  /// A uniform number in [0, 1): the top 53 bits of one draw.
  inline double
  uniform01(std::mt19937_64 &generator)
  {
    return static_cast<double>(generator() >> 11) * 0x1.0p-53;
  }

  /// A uniform index in {0, ..., n − 1} (n ≤ 2^53; bias below 2^-53 n).
  inline unsigned int
  uniform_index(std::mt19937_64 &generator, const unsigned int n)
  {
    return static_cast<unsigned int>(uniform01(generator) * n);
  }

  /// Fills values[0..n) with standard normals by Box–Muller, both outputs
  /// used: z0 = r cos 2πu, z1 = r sin 2πu, r = sqrt(−2 log v), v = 1 − u'
  /// in (0, 1] so that log v is finite. Two uniforms per pair of normals
  /// (one pair for an odd last value).
  void
  fill_standard_normal(std::mt19937_64 &generator, double *values, std::size_t n);

  /// One standard normal (a Box–Muller pair with the second output
  /// dropped: simple, and the stream stays a function of the call order).
  double
  standard_normal(std::mt19937_64 &generator);

  /**
   * A symmetric α-stable number SαS(1) by Chambers–Mallows–Stuck (1976):
   * V uniform on (−π/2, π/2), W exponential of mean 1,
   * X = sin(αV)/cos(V)^{1/α} · (cos(V − αV)/W)^{(1−α)/α}.
   * α = 2 gives N(0, 2); α = 1 the standard Cauchy.
   */
  double
  symmetric_stable(std::mt19937_64 &generator, double alpha);
} // namespace relax
