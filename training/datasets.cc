#include "training/datasets.h"

#include "problems/perceptron.h"
#include "training/random.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace relax
{
  ClassificationData
  classes_from_perceptron(const PerceptronData &data)
  {
    ClassificationData result;
    result.n_samples = data.n_samples();
    result.dimension = data.input_dimension();
    result.n_classes = 2;
    result.inputs.assign(data.input(0), data.input(0) + std::size_t(result.n_samples) * result.dimension);
    result.labels.resize(result.n_samples);
    for (unsigned int k = 0; k < result.n_samples; ++k)
      result.labels[k] = data.label(k) > 0 ? 1 : 0;
    return result;
  }

  ClassificationData
  gaussian_mixture(const unsigned int  n_samples,
                   const unsigned int  dimension,
                   const unsigned int  n_classes,
                   const double        separation,
                   const std::uint64_t seed)
  {
    ClassificationData result;
    result.n_samples = n_samples;
    result.dimension = dimension;
    result.n_classes = n_classes;
    result.inputs.resize(std::size_t(n_samples) * dimension);
    result.labels.resize(n_samples);
    std::mt19937_64 generator(seed);
    for (unsigned int k = 0; k < n_samples; ++k)
      {
        const unsigned int c = uniform_index(generator, n_classes);
        result.labels[k]     = c;
        double *x            = result.inputs.data() + std::size_t(k) * dimension;
        fill_standard_normal(generator, x, dimension);
        const double sign = (c / dimension) % 2 == 0 ? 1. : -1.;
        x[c % dimension] += sign * separation;
      }
    return result;
  }

  ClassificationData
  two_spirals(const unsigned int n_samples, const double turns, const double noise, const std::uint64_t seed)
  {
    ClassificationData result;
    result.n_samples = n_samples;
    result.dimension = 2;
    result.n_classes = 2;
    result.inputs.resize(2 * std::size_t(n_samples));
    result.labels.resize(n_samples);
    std::mt19937_64 generator(seed);
    const double    pi = 3.14159265358979323846;
    for (unsigned int k = 0; k < n_samples; ++k)
      {
        const unsigned int c = k % 2;
        // t in (0, 1]: the radius grows with the angle; the second spiral
        // is the first turned by π.
        const double t     = std::sqrt(uniform01(generator)) * (1 - 1e-3) + 1e-3;
        const double angle = 2 * pi * turns * t + c * pi;
        double       e[2];
        fill_standard_normal(generator, e, 2);
        result.inputs[2 * k]     = t * std::cos(angle) + noise * e[0];
        result.inputs[2 * k + 1] = t * std::sin(angle) + noise * e[1];
        result.labels[k]         = c;
      }
    return result;
  }

  namespace
  {
    std::vector<unsigned char>
    read_bytes(const std::string &file)
    {
      std::ifstream in(file, std::ios::binary);
      if (!in)
        throw std::runtime_error("cannot open IDX file '" + file + "'");
      return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
    }

    std::uint32_t
    big_endian(const std::vector<unsigned char> &bytes, const std::size_t at)
    {
      return (std::uint32_t(bytes[at]) << 24) | (std::uint32_t(bytes[at + 1]) << 16) |
             (std::uint32_t(bytes[at + 2]) << 8) | std::uint32_t(bytes[at + 3]);
    }

    /// The dimensions of an IDX file of unsigned bytes with `rank`
    /// dimensions, after checking magic and length.
    std::vector<std::uint32_t>
    idx_header(const std::vector<unsigned char> &bytes, const unsigned int rank, const std::string &file)
    {
      const std::uint32_t magic = 0x00000800u + rank;
      if (bytes.size() < 4 + 4 * rank || big_endian(bytes, 0) != magic)
        throw std::runtime_error("'" + file + "' is not an IDX file of unsigned bytes with " +
                                 std::to_string(rank) + " dimension(s) (magic number)");
      std::vector<std::uint32_t> dims(rank);
      std::size_t                total = 1;
      for (unsigned int i = 0; i < rank; ++i)
        {
          dims[i] = big_endian(bytes, 4 + 4 * i);
          total *= dims[i];
        }
      if (bytes.size() != 4 + 4 * rank + total)
        throw std::runtime_error("'" + file + "' has " + std::to_string(bytes.size()) +
                                 " bytes, its header announces " +
                                 std::to_string(4 + 4 * rank + total));
      return dims;
    }
  } // namespace

  ClassificationData
  read_idx(const std::string &images_file, const std::string &labels_file, const unsigned int max_samples)
  {
    const std::vector<unsigned char>  images      = read_bytes(images_file);
    const std::vector<unsigned char>  labels      = read_bytes(labels_file);
    const std::vector<std::uint32_t>  image_dims  = idx_header(images, 3, images_file);
    const std::vector<std::uint32_t>  label_dims  = idx_header(labels, 1, labels_file);
    if (image_dims[0] != label_dims[0])
      throw std::runtime_error("'" + images_file + "' holds " + std::to_string(image_dims[0]) +
                               " images but '" + labels_file + "' " +
                               std::to_string(label_dims[0]) + " labels");
    ClassificationData result;
    result.n_samples = max_samples > 0 && max_samples < image_dims[0] ? max_samples : image_dims[0];
    result.dimension = image_dims[1] * image_dims[2];
    result.inputs.resize(std::size_t(result.n_samples) * result.dimension);
    result.labels.resize(result.n_samples);
    const std::size_t image_start = 16, label_start = 8;
    for (std::size_t i = 0; i < result.inputs.size(); ++i)
      result.inputs[i] = images[image_start + i] / 255.;
    for (unsigned int k = 0; k < result.n_samples; ++k)
      {
        result.labels[k]  = labels[label_start + k];
        result.n_classes = std::max(result.n_classes, result.labels[k] + 1);
      }
    return result;
  }
} // namespace relax
