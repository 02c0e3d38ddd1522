#include "training/model.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace relax
{
  Model::Model(const std::size_t n_weights, const unsigned int n_samples, std::vector<double> start)
    : weights(n_weights)
    , samples(n_samples)
    , start(start.empty() ? std::vector<double>(n_weights, 0.) : std::move(start))
  {
    if (this->start.size() != n_weights)
      throw std::invalid_argument("the start has " + std::to_string(this->start.size()) + " weights, not " +
                                  std::to_string(n_weights));
  }

  std::vector<double>
  Model::initial_weights(std::mt19937_64 &) const
  {
    return start;
  }

  double
  Model::accuracy(const std::vector<double> &)
  {
    return std::numeric_limits<double>::quiet_NaN();
  }

  double
  Model::full_loss_and_gradient(const std::vector<double> &w, std::vector<double> &gradient)
  {
    const unsigned int        N     = n_samples();
    const unsigned int        chunk = 1024;
    std::vector<double>       part;
    std::vector<unsigned int> batch;
    gradient.assign(n_weights(), 0.);
    double loss = 0;
    for (unsigned int start = 0; start < N; start += chunk)
      {
        const unsigned int end = std::min(N, start + chunk);
        batch.resize(end - start);
        for (unsigned int k = start; k < end; ++k)
          batch[k - start] = k;
        const double weight = double(end - start) / N;
        loss += weight * loss_and_gradient(batch, w, part);
        for (std::size_t i = 0; i < gradient.size(); ++i)
          gradient[i] += weight * part[i];
      }
    return loss;
  }

  std::vector<double>
  Model::sample_gradients(const std::vector<unsigned int> &samples, const std::vector<double> &w)
  {
    const std::size_t   p = n_weights();
    std::vector<double> rows(samples.size() * p), g;
    for (std::size_t s = 0; s < samples.size(); ++s)
      {
        loss_and_gradient({samples[s]}, w, g);
        std::copy(g.begin(), g.end(), rows.begin() + s * p);
      }
    return rows;
  }
} // namespace relax
