// Classification data sets for the multilayer perceptron: synthetic ones
// drawn from a seed, and MNIST-format IDX files a user has on disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relax
{
  class PerceptronData;

  /// N inputs in R^p (row-major N × p) with labels in {0, ..., C − 1}.
  struct ClassificationData
  {
    unsigned int              n_samples = 0;
    unsigned int              dimension = 0;
    unsigned int              n_classes = 0;
    std::vector<double>       inputs;
    std::vector<unsigned int> labels;

    const double *
    input(const unsigned int k) const
    {
      return inputs.data() + std::size_t(k) * dimension;
    }
  };

  /// The teacher–student inputs and labels of a perceptron data set, as
  /// two classes (label −1 → 0, +1 → 1): the same samples the landscape
  /// uses.
  ClassificationData
  classes_from_perceptron(const PerceptronData &data);

  /// C classes in R^p: class c (drawn uniformly per sample) has mean
  /// `separation` · e_c (c < p; classes beyond p sit on −e_{c−p}, ...)
  /// and covariance I. Draw order: for each sample one uniform for the
  /// class, then p normals.
  ClassificationData
  gaussian_mixture(unsigned int  n_samples,
                   unsigned int  dimension,
                   unsigned int  n_classes,
                   double        separation,
                   std::uint64_t seed);

  /// Two interleaved spirals in R^2 (classes 0 and 1): radius r = t,
  /// angle t·turns·2π/… , plus N(0, noise²) on each coordinate; samples
  /// alternate between the classes.
  ClassificationData
  two_spirals(unsigned int n_samples, double turns, double noise, std::uint64_t seed);

  /**
   * An MNIST-format pair of IDX files: images (magic 0x00000803, unsigned
   * bytes, N × rows × columns) and labels (magic 0x00000801, N unsigned
   * bytes). Pixels are scaled to [0, 1]; at most `max_samples` are read
   * (0: all). Throws std::runtime_error naming the file on a malformed
   * one. C is the largest label + 1.
   */
  ClassificationData
  read_idx(const std::string &images_file,
           const std::string &labels_file,
           unsigned int       max_samples);
} // namespace relax
