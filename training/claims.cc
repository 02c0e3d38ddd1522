#include "training/claims.h"

#include "training/models.h"
#include "training/noise.h"

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace relax
{
  namespace
  {
    /// The mean of a stationary series and its standard error by batch
    /// means: n values in `blocks` consecutive blocks, whose means are
    /// nearly independent when a block is much longer than the
    /// correlation time.
    class BatchMeans
    {
    public:
      BatchMeans(const unsigned long n, const unsigned int blocks)
        : n(n)
        , sums(blocks, 0.)
      {}

      void
      add(const double value)
      {
        sums[count * sums.size() / n] += value;
        ++count;
      }

      double
      mean() const
      {
        double total = 0;
        for (const double s : sums)
          total += s;
        return total / count;
      }

      double
      standard_error() const
      {
        const std::size_t m = sums.size();
        double            sum = 0, square = 0;
        for (std::size_t j = 0; j < m; ++j)
          {
            // Blocks differ in length by at most one value.
            const double length = double((j + 1) * n / m - j * n / m);
            const double value  = sums[j] / length;
            sum += value;
            square += value * value;
          }
        const double variance = (square - sum * sum / m) / (m - 1);
        return std::sqrt(std::max(variance, 0.) / m);
      }

    private:
      unsigned long       n;
      unsigned long       count = 0;
      std::vector<double> sums;
    };

    /// SGD w_i ← w_i − η_i ∇_i f_b(w) from w for run.burn_in + run.steps
    /// steps; `observe(w)` after every step past the burn-in.
    void
    stationary_sgd(Model &model, std::vector<double> w, const std::vector<double> &rates,
                   const unsigned int batch_size, const Sampling sampling, const StationaryRun &run,
                   const std::function<void(const std::vector<double> &)> &observe)
    {
      BatchSampler        sampler(model.n_samples(), batch_size, sampling, run.seed);
      std::vector<double> gradient;
      for (unsigned long k = 0; k < run.burn_in + run.steps; ++k)
        {
          model.loss_and_gradient(sampler.next(), w, gradient);
          for (std::size_t i = 0; i < w.size(); ++i)
            w[i] -= rates[i] * gradient[i];
          if (k >= run.burn_in)
            observe(w);
        }
    }

    /// The mean of the centres c̄ (the minimiser of f) and the diagonal of
    /// D, from the per-sample gradients at c̄.
    void
    quadratic_statistics(const QuadraticModel &model, std::vector<double> &minimiser,
                         std::vector<double> &noise_variance)
    {
      const std::size_t  p = model.n_weights();
      const unsigned int N = model.n_samples();
      minimiser.assign(p, 0.);
      for (unsigned int k = 0; k < N; ++k)
        for (std::size_t i = 0; i < p; ++i)
          minimiser[i] += model.centre(k)[i] / N;
      std::unique_ptr<Model>    copy = model.clone();
      const std::vector<double> D    = gradient_covariance(*copy, minimiser);
      noise_variance.resize(p);
      for (std::size_t i = 0; i < p; ++i)
        noise_variance[i] = D[i * p + i];
    }

    /// Per weight, the batch mean of a_i (w_i − c̄_i)² over a stationary
    /// run at rates η_i.
    std::vector<BatchMeans>
    quadratic_temperatures(const QuadraticModel &model, const std::vector<double> &minimiser,
                           const std::vector<double> &rates, const unsigned int batch_size,
                           const Sampling sampling, const StationaryRun &run)
    {
      const std::size_t          p = model.n_weights();
      const std::vector<double> &a = model.curvatures();
      std::vector<BatchMeans>    means(p, BatchMeans(run.steps, run.blocks));
      std::unique_ptr<Model>     copy = model.clone();
      stationary_sgd(*copy, minimiser, rates, batch_size, sampling, run, [&](const std::vector<double> &w) {
        for (std::size_t i = 0; i < p; ++i)
          means[i].add(a[i] * (w[i] - minimiser[i]) * (w[i] - minimiser[i]));
      });
      return means;
    }

    std::string
    number(const double x)
    {
      std::ostringstream out;
      out << x;
      return out.str();
    }
  } // namespace

  std::vector<ClaimFigure>
  two_temperatures_claim(const QuadraticModel &model, const double learning_rate, const unsigned int batch_size,
                         const StationaryRun &run)
  {
    const std::size_t          p = model.n_weights();
    const std::vector<double> &a = model.curvatures();
    std::vector<double>        minimiser, sigma2;
    quadratic_statistics(model, minimiser, sigma2);
    // η' such that the largest per-parameter rate η'/σ_i² is η: the same
    // stability margin as the plain run.
    double smallest = std::numeric_limits<double>::max();
    for (const double s : sigma2)
      smallest = std::min(smallest, s);
    const double rate_prime = learning_rate * smallest;

    std::vector<ClaimFigure> figures;
    for (const bool per_parameter : {false, true})
      {
        std::vector<double> rates(p);
        for (std::size_t i = 0; i < p; ++i)
          rates[i] = per_parameter ? rate_prime / sigma2[i] : learning_rate;
        // Independent batches for the second run.
        StationaryRun sampled = run;
        sampled.seed          = run.seed + per_parameter;
        const std::vector<BatchMeans> T =
          quadratic_temperatures(model, minimiser, rates, batch_size, Sampling::with_replacement, sampled);
        for (std::size_t i = 0; i < p; ++i)
          figures.push_back({"T_" + std::to_string(i + 1) +
                               (per_parameter ? ", rate eta'/sigma_i^2" : ", rate eta"),
                             T[i].mean(),
                             rates[i] * sigma2[i] / (batch_size * (2 - rates[i] * a[i])),
                             T[i].standard_error()});
      }
    return figures;
  }

  std::vector<ClaimFigure>
  loss_slope_claim(Model &model, const std::vector<double> &start, const std::vector<double> &learning_rates,
                   const unsigned int batch_size, const StationaryRun &run, const unsigned int thin,
                   std::vector<std::array<double, 3>> *excess_losses)
  {
    if (learning_rates.size() < 2)
      throw std::invalid_argument("the loss slope needs at least two learning rates");
    const unsigned int N = model.n_samples();
    // The minimiser: full-batch gradient descent to a tight tolerance (a
    // proximal step with t = ∞).
    BatchSampler              full(N, N, Sampling::without_replacement, 0);
    const ProximalParameters  descent{0.5, 1000000, 1e-12};
    const std::vector<double> minimiser =
      proximal_point(model, start, std::numeric_limits<double>::infinity(), descent, full);
    std::vector<double> gradient;
    const double        minimum = model.full_loss_and_gradient(minimiser, gradient);

    // E_i |g_i(w*)|² from the per-sample gradients.
    std::vector<unsigned int> all(N);
    for (unsigned int k = 0; k < N; ++k)
      all[k] = k;
    const std::vector<double> rows = model.sample_gradients(all, minimiser);
    double                    mean_square = 0;
    for (const double g : rows)
      mean_square += g * g / N;
    const double expected_slope = mean_square / (4. * batch_size);

    // The excess loss at each rate, with its standard error.
    const std::size_t   n = learning_rates.size();
    std::vector<double> excess(n), error(n);
    for (std::size_t r = 0; r < n; ++r)
      {
        StationaryRun sampled = run;
        sampled.seed          = run.seed + r;
        BatchMeans    loss((run.steps + thin - 1) / thin, run.blocks);
        unsigned long k = 0;
        stationary_sgd(model, minimiser, std::vector<double>(minimiser.size(), learning_rates[r]), batch_size,
                       Sampling::with_replacement, sampled, [&](const std::vector<double> &w) {
                         if (k++ % thin == 0)
                           loss.add(model.full_loss_and_gradient(w, gradient) - minimum);
                       });
        excess[r] = loss.mean();
        error[r]  = loss.standard_error();
      }

    // Weighted least squares for excess = s η + q η²: the 2 × 2 normal
    // equations, and the standard error of s from their inverse.
    double m11 = 0, m12 = 0, m22 = 0, r1 = 0, r2 = 0;
    for (std::size_t r = 0; r < n; ++r)
      {
        const double eta = learning_rates[r], w = 1 / (error[r] * error[r]);
        m11 += w * eta * eta;
        m12 += w * eta * eta * eta;
        m22 += w * eta * eta * eta * eta;
        r1 += w * eta * excess[r];
        r2 += w * eta * eta * excess[r];
      }
    const double determinant = m11 * m22 - m12 * m12;
    const double slope       = (m22 * r1 - m12 * r2) / determinant;
    const double slope_error = std::sqrt(m22 / determinant);

    if (excess_losses != nullptr)
      for (std::size_t r = 0; r < n; ++r)
        excess_losses->push_back({{learning_rates[r], excess[r], error[r]}});
    return {{"slope dL/deta at 0", slope, expected_slope, slope_error}};
  }

  std::vector<ClaimFigure>
  temperature_claim(const QuadraticModel &model, const std::vector<TemperatureCase> &cases,
                    const StationaryRun &run)
  {
    const std::size_t          p = model.n_weights();
    const unsigned int         N = model.n_samples();
    const std::vector<double> &a = model.curvatures();
    std::vector<double>        minimiser, sigma2;
    quadratic_statistics(model, minimiser, sigma2);
    std::vector<ClaimFigure> figures;
    for (const TemperatureCase &c : cases)
      {
        // Batches of an epoch are not independent: no closed form here.
        if (c.sampling == Sampling::epochs)
          throw std::invalid_argument("the temperature claim needs independent batches, not epochs");
        const double                  eta = c.learning_rate;
        const unsigned int            b   = c.batch_size;
        const std::vector<BatchMeans> T   = quadratic_temperatures(
          model, minimiser, std::vector<double>(p, eta), b, c.sampling, run);
        // a_i Var(w_i) = 2 β⁻¹ D_ii / (2 − η a_i): β⁻¹ per weight, and the
        // average over the weights (their errors combined as independent:
        // the weights' noises are uncorrelated in expectation).
        double measured = 0, variance = 0;
        for (std::size_t i = 0; i < p; ++i)
          {
            const double factor = (2 - eta * a[i]) / (2 * sigma2[i]);
            measured += factor * T[i].mean() / p;
            variance += std::pow(factor * T[i].standard_error() / p, 2);
          }
        const double expected =
          eta / (2. * b) * (c.sampling == Sampling::with_replacement ? 1. : (N - b) / (N - 1.));
        const std::string sampling =
          c.sampling == Sampling::with_replacement ? "with replacement" : "without replacement";
        figures.push_back({"beta^-1, eta " + number(eta) + ", b " + std::to_string(b) + ", " + sampling,
                           measured, expected, std::sqrt(variance)});
      }
    return figures;
  }
} // namespace relax
