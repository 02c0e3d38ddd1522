#include "training/optimisers.h"

#include "problems/named_choice.h"
#include "training/random.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace relax
{
  Sampling
  sampling_from_string(const std::string &name)
  {
    return named_choice<Sampling>(name,
                                  {{"with-replacement", Sampling::with_replacement},
                                   {"without-replacement", Sampling::without_replacement},
                                   {"epochs", Sampling::epochs}},
                                  "sampling");
  }

  double
  sgd_temperature(const double learning_rate, const unsigned int batch_size, const unsigned int n_samples,
                  const Sampling sampling)
  {
    double temperature = learning_rate / (2. * batch_size);
    if (sampling != Sampling::with_replacement)
      temperature *= 1 - double(batch_size) / n_samples;
    return temperature;
  }

  BatchSampler::BatchSampler(const unsigned int n_samples, const unsigned int batch_size,
                             const Sampling sampling, const std::uint64_t seed)
    : n(n_samples)
    , size(batch_size)
    , sampling(sampling)
    , generator(seed)
    , permutation(n_samples)
    , batch(batch_size)
  {
    if (batch_size < 1 || batch_size > n_samples)
      throw std::invalid_argument("batch size must be in [1, N]");
    std::iota(permutation.begin(), permutation.end(), 0u);
    position = n; // the first epoch starts with a shuffle
    if (size == n)
      batch = permutation;
  }

  const std::vector<unsigned int> &
  BatchSampler::next()
  {
    if (size == n)
      return batch;
    switch (sampling)
      {
        case Sampling::with_replacement:
          for (unsigned int &k : batch)
            k = uniform_index(generator, n);
          break;
        case Sampling::without_replacement:
          // A partial Fisher–Yates shuffle: the first b entries of a
          // uniformly random permutation.
          for (unsigned int i = 0; i < size; ++i)
            {
              const unsigned int j = i + uniform_index(generator, n - i);
              std::swap(permutation[i], permutation[j]);
              batch[i] = permutation[i];
            }
          break;
        case Sampling::epochs:
          if (position + size > n)
            {
              for (unsigned int i = n - 1; i > 0; --i)
                std::swap(permutation[i], permutation[uniform_index(generator, i + 1)]);
              position = 0;
            }
          for (unsigned int i = 0; i < size; ++i)
            batch[i] = permutation[position + i];
          position += size;
          break;
      }
    return batch;
  }

  std::vector<double>
  langevin_mean(Model &model, const std::vector<double> &x, const double gamma,
                const LangevinParameters &langevin, BatchSampler &sampler, std::mt19937_64 &generator)
  {
    const std::size_t   p = x.size();
    std::vector<double> y = x, mean = x, gradient, noise(p);
    const double        noise_scale = std::sqrt(2 * langevin.step * langevin.temperature);
    unsigned int        averaged    = 0;
    for (unsigned int k = 0; k < langevin.steps; ++k)
      {
        model.loss_and_gradient(sampler.next(), y, gradient);
        fill_standard_normal(generator, noise.data(), p);
        for (std::size_t i = 0; i < p; ++i)
          y[i] += -langevin.step * (gradient[i] + (y[i] - x[i]) / gamma) + noise_scale * noise[i];
        if (k < langevin.burn_in)
          continue;
        ++averaged;
        const double alpha = langevin.averaging > 0 ? langevin.averaging : 1. / averaged;
        for (std::size_t i = 0; i < p; ++i)
          mean[i] += alpha * (y[i] - mean[i]);
      }
    return mean;
  }

  std::vector<double>
  proximal_point(Model &model, const std::vector<double> &x, const double t,
                 const ProximalParameters &proximal, BatchSampler &sampler, unsigned int *steps)
  {
    std::vector<double> y = x, gradient;
    unsigned int        k = 0;
    for (; k < proximal.max_steps; ++k)
      {
        model.loss_and_gradient(sampler.next(), y, gradient);
        double norm = 0;
        for (std::size_t i = 0; i < y.size(); ++i)
          {
            gradient[i] += (y[i] - x[i]) / t;
            norm += gradient[i] * gradient[i];
          }
        if (std::sqrt(norm) < proximal.tolerance)
          break;
        for (std::size_t i = 0; i < y.size(); ++i)
          y[i] -= proximal.step * gradient[i];
      }
    if (steps != nullptr)
      *steps = k;
    return y;
  }

  Sgd::Sgd(Model &model, BatchSampler &sampler, const double learning_rate, const double momentum)
    : model(model)
    , sampler(sampler)
    , learning_rate(learning_rate)
    , momentum(momentum)
  {}

  void
  Sgd::step(std::vector<double> &w)
  {
    model.loss_and_gradient(sampler.next(), w, gradient);
    if (momentum == 0)
      {
        for (std::size_t i = 0; i < w.size(); ++i)
          w[i] -= learning_rate * gradient[i];
        return;
      }
    velocity.resize(w.size(), 0.);
    for (std::size_t i = 0; i < w.size(); ++i)
      {
        velocity[i] = momentum * velocity[i] + gradient[i];
        w[i] -= learning_rate * velocity[i];
      }
  }

  EntropySgd::EntropySgd(Model &model, BatchSampler &sampler, const std::uint64_t seed,
                         const double learning_rate, const double gamma, const double scoping,
                         const LangevinParameters &langevin)
    : model(model)
    , sampler(sampler)
    , generator(seed)
    , learning_rate(learning_rate)
    , gamma(gamma)
    , scoping(scoping)
    , langevin(langevin)
  {}

  void
  EntropySgd::step(std::vector<double> &w)
  {
    const std::vector<double> mean = langevin_mean(model, w, gamma, langevin, sampler, generator);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] -= learning_rate * (w[i] - mean[i]) / gamma;
    gamma /= 1 + scoping;
  }

  HjProximal::HjProximal(Model &model, BatchSampler &sampler, const double learning_rate, const double t,
                         const double scoping, const ProximalParameters &proximal)
    : model(model)
    , sampler(sampler)
    , learning_rate(learning_rate)
    , t(t)
    , scoping(scoping)
    , proximal(proximal)
  {}

  void
  HjProximal::step(std::vector<double> &w)
  {
    const std::vector<double> y = proximal_point(model, w, t, proximal, sampler, &last_steps);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] -= learning_rate * (w[i] - y[i]) / t;
    t /= 1 + scoping;
  }

  struct Replicas::Replica
  {
    std::unique_ptr<Model> model;
    BatchSampler           sampler;
    std::mt19937_64        generator;
    std::vector<double>    x;
    std::vector<double>    gradient;
  };

  Replicas::Replicas(const Model &model, const unsigned int n_replicas, const unsigned int batch_size,
                     const Sampling sampling, const std::uint64_t seed, const double learning_rate,
                     const double rho, const bool parle, const double gamma, const double scoping,
                     const unsigned int sync_every, const LangevinParameters &langevin,
                     const MPI_Comm communicator)
    : comm(communicator)
    , n_replicas(n_replicas)
    , learning_rate(learning_rate)
    , rho(rho)
    , parle(parle)
    , gamma(gamma)
    , scoping(scoping)
    , sync_every(sync_every)
    , langevin(langevin)
  {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int r = 0; r < size; ++r)
      replicas_on_rank.push_back(int((r + 1) * std::size_t(n_replicas) / size - r * std::size_t(n_replicas) / size));
    const auto first = static_cast<unsigned int>(rank * std::size_t(n_replicas) / size);
    // Replica a draws its batches from seed + 2a + 1 and its Langevin
    // noise from seed + 2a + 2: independent streams, fixed per replica
    // wherever it runs.
    for (unsigned int a = first; a < first + replicas_on_rank[rank]; ++a)
      replicas.push_back(std::make_unique<Replica>(
        Replica{model.clone(), BatchSampler(model.n_samples(), batch_size, sampling, seed + 2 * a + 1),
                std::mt19937_64(seed + 2 * a + 2), {}, {}}));
  }

  Replicas::~Replicas() = default;

  void
  Replicas::local_steps(Replica &replica, const std::vector<double> &centre)
  {
    std::vector<double> &x = replica.x;
    for (unsigned int k = 0; k < sync_every; ++k)
      {
        if (parle)
          {
            const std::vector<double> mean =
              langevin_mean(*replica.model, x, gamma, langevin, replica.sampler, replica.generator);
            for (std::size_t i = 0; i < x.size(); ++i)
              replica.gradient[i] = (x[i] - mean[i]) / gamma;
          }
        else
          replica.model->loss_and_gradient(replica.sampler.next(), x, replica.gradient);
        for (std::size_t i = 0; i < x.size(); ++i)
          x[i] -= learning_rate * (replica.gradient[i] + (x[i] - centre[i]) / rho);
      }
  }

  void
  Replicas::gather_replicas()
  {
    const std::size_t   p = all_x.size() / n_replicas;
    std::vector<double> local;
    for (const auto &replica : replicas)
      local.insert(local.end(), replica->x.begin(), replica->x.end());
    std::vector<int> counts, offsets;
    int              offset = 0;
    for (const int n : replicas_on_rank)
      {
        counts.push_back(int(n * p));
        offsets.push_back(offset);
        offset += int(n * p);
      }
    MPI_Allgatherv(local.data(), int(local.size()), MPI_DOUBLE, all_x.data(), counts.data(), offsets.data(),
                   MPI_DOUBLE, comm);
  }

  void
  Replicas::step(std::vector<double> &w)
  {
    const std::size_t p = w.size();
    if (!started)
      {
        for (auto &replica : replicas)
          {
            replica->x = w;
            replica->gradient.resize(p);
          }
        all_x.resize(std::size_t(n_replicas) * p);
        started = true;
      }
    const std::vector<double> centre = w;
    std::vector<std::thread>  threads;
    for (std::size_t a = 1; a < replicas.size(); ++a)
      threads.emplace_back([this, a, &centre] { local_steps(*replicas[a], centre); });
    if (!replicas.empty())
      local_steps(*replicas[0], centre);
    for (auto &thread : threads)
      thread.join();
    gather_replicas();
    for (std::size_t i = 0; i < p; ++i)
      {
        double sum = 0;
        for (unsigned int a = 0; a < n_replicas; ++a)
          sum += all_x[a * p + i];
        w[i] = sum / n_replicas;
      }
    gamma /= 1 + scoping;
    rho /= 1 + scoping;
  }

  double
  Replicas::gradients_per_step() const
  {
    return double(sync_every) * n_replicas * (parle ? langevin.steps : 1);
  }

  std::vector<std::pair<std::string, double>>
  Replicas::state() const
  {
    std::vector<std::pair<std::string, double>> figures{{"rho", rho}};
    if (parle)
      figures.emplace_back("gamma", gamma);
    // The spread of the replicas about their mean.
    double spread = 0;
    if (started)
      {
        const std::size_t p = all_x.size() / n_replicas;
        for (std::size_t i = 0; i < p; ++i)
          {
            double mean = 0;
            for (unsigned int a = 0; a < n_replicas; ++a)
              mean += all_x[a * p + i];
            mean /= n_replicas;
            for (unsigned int a = 0; a < n_replicas; ++a)
              spread += (all_x[a * p + i] - mean) * (all_x[a * p + i] - mean) / n_replicas;
          }
      }
    figures.emplace_back("replica spread", std::sqrt(spread));
    return figures;
  }
} // namespace relax
