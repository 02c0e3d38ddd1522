#include "training/noise.h"

#include "training/optimisers.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

extern "C" void
dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
       double *work, const int *lwork, int *info);

namespace relax
{
  std::vector<double>
  symmetric_eigenvalues(std::vector<double> matrix, const unsigned int n)
  {
    std::vector<double> eigenvalues(n);
    if (n == 0)
      return eigenvalues;
    const int           size = n, lwork = std::max(1, 3 * size);
    std::vector<double> work(lwork);
    int                 info = 0;
    dsyev_("N", "U", &size, matrix.data(), &size, eigenvalues.data(), work.data(), &lwork, &info);
    if (info != 0)
      throw std::runtime_error("dsyev failed with info = " + std::to_string(info));
    std::sort(eigenvalues.begin(), eigenvalues.end(), std::greater<double>());
    return eigenvalues;
  }

  CovarianceSpectrum
  gradient_covariance_spectrum(Model &model, const std::vector<double> &w,
                               const std::vector<unsigned int> &samples, const double tolerance)
  {
    const std::size_t   p = model.n_weights(), n = samples.size();
    std::vector<double> G = model.sample_gradients(samples, w);
    std::vector<double> mean(p, 0.);
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < p; ++i)
        mean[i] += G[k * p + i] / n;
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < p; ++i)
        G[k * p + i] -= mean[i];

    const bool          small = p <= n;
    const std::size_t   m     = small ? p : n;
    std::vector<double> matrix(m * m, 0.);
    for (std::size_t a = 0; a < m; ++a)
      for (std::size_t b = a; b < m; ++b)
        {
          double sum = 0;
          if (small)
            for (std::size_t k = 0; k < n; ++k)
              sum += G[k * p + a] * G[k * p + b];
          else
            for (std::size_t i = 0; i < p; ++i)
              sum += G[a * p + i] * G[b * p + i];
          matrix[a * m + b] = matrix[b * m + a] = sum / n;
        }
    CovarianceSpectrum result;
    result.eigenvalues = symmetric_eigenvalues(matrix, m);
    result.tolerance   = tolerance;
    for (std::size_t a = 0; a < m; ++a)
      result.trace += matrix[a * m + a];
    const double largest = result.eigenvalues.empty() ? 0 : result.eigenvalues[0];
    for (const double e : result.eigenvalues)
      result.rank += e > tolerance * largest;
    return result;
  }

  std::vector<double>
  gradient_covariance(Model &model, const std::vector<double> &w)
  {
    const std::size_t         p = model.n_weights();
    const unsigned int        N = model.n_samples();
    std::vector<double>       D(p * p, 0.), mean(p, 0.), g;
    for (unsigned int k = 0; k < N; ++k)
      {
        model.loss_and_gradient({k}, w, g);
        for (std::size_t i = 0; i < p; ++i)
          {
            mean[i] += g[i] / N;
            for (std::size_t j = 0; j < p; ++j)
              D[i * p + j] += g[i] * g[j] / N;
          }
      }
    for (std::size_t i = 0; i < p; ++i)
      for (std::size_t j = 0; j < p; ++j)
        D[i * p + j] -= mean[i] * mean[j];
    return D;
  }

  std::vector<double>
  minibatch_noise(Model &model, const std::vector<double> &w, BatchSampler &sampler, const unsigned int n_batches)
  {
    const std::size_t   p = model.n_weights();
    std::vector<double> full, g, noise(n_batches * p);
    model.full_loss_and_gradient(w, full);
    for (unsigned int m = 0; m < n_batches; ++m)
      {
        model.loss_and_gradient(sampler.next(), w, g);
        for (std::size_t i = 0; i < p; ++i)
          noise[m * p + i] = g[i] - full[i];
      }
    return noise;
  }

  std::vector<double>
  minibatch_covariance(const std::vector<double> &noise, const std::size_t p, const unsigned int batch_size)
  {
    const std::size_t   M = noise.size() / p;
    std::vector<double> mean(p, 0.), C(p * p, 0.);
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t i = 0; i < p; ++i)
        mean[i] += noise[m * p + i] / M;
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t i = 0; i < p; ++i)
        for (std::size_t j = 0; j < p; ++j)
          C[i * p + j] += (noise[m * p + i] - mean[i]) * (noise[m * p + j] - mean[j]);
    for (double &c : C)
      c *= double(batch_size) / (M - 1);
    return C;
  }

  double
  tail_index(const std::vector<double> &samples)
  {
    const std::size_t K2 = static_cast<std::size_t>(std::sqrt(double(samples.size())));
    const std::size_t K1 = K2 == 0 ? 0 : samples.size() / K2;
    if (K2 < 2 || K1 < 1)
      throw std::invalid_argument("the tail index needs at least 4 samples");
    double mean_log_x = 0, mean_log_y = 0;
    for (std::size_t i = 0; i < K1; ++i)
      {
        double block = 0;
        for (std::size_t j = 0; j < K2; ++j)
          {
            const double x = samples[i * K2 + j];
            block += x;
            mean_log_x += std::log(std::abs(x));
          }
        mean_log_y += std::log(std::abs(block));
      }
    mean_log_x /= K1 * K2;
    mean_log_y /= K1;
    return std::log(double(K2)) / (mean_log_y - mean_log_x);
  }

  std::vector<double>
  autocorrelation(const std::vector<double> &series, const unsigned int max_lag)
  {
    const std::size_t n    = series.size();
    double            mean = 0;
    for (const double x : series)
      mean += x / n;
    std::vector<double> rho(std::min<std::size_t>(max_lag + 1, n), 0.);
    for (std::size_t k = 0; k < rho.size(); ++k)
      {
        double sum = 0;
        for (std::size_t i = 0; i + k < n; ++i)
          sum += (series[i] - mean) * (series[i + k] - mean);
        rho[k] = sum / n;
      }
    const double c0 = rho.empty() ? 0 : rho[0];
    for (double &r : rho)
      r = c0 > 0 ? r / c0 : 0;
    return rho;
  }

  double
  integrated_autocorrelation_time(const std::vector<double> &rho)
  {
    double tau = 1;
    for (std::size_t k = 1; k < rho.size() && rho[k] > 0; ++k)
      tau += 2 * rho[k];
    return tau;
  }

  void
  fft(std::vector<std::complex<double>> &a)
  {
    const std::size_t n = a.size();
    if (n == 0 || (n & (n - 1)) != 0)
      throw std::invalid_argument("fft: the size must be a power of two");
    for (std::size_t i = 1, j = 0; i < n; ++i)
      {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
          j ^= bit;
        j ^= bit;
        if (i < j)
          std::swap(a[i], a[j]);
      }
    for (std::size_t length = 2; length <= n; length <<= 1)
      {
        const double               angle = -2 * 3.14159265358979323846 / length;
        const std::complex<double> root(std::cos(angle), std::sin(angle));
        for (std::size_t start = 0; start < n; start += length)
          {
            std::complex<double> w(1);
            for (std::size_t k = 0; k < length / 2; ++k)
              {
                const std::complex<double> u = a[start + k], v = a[start + k + length / 2] * w;
                a[start + k]                  = u + v;
                a[start + k + length / 2]     = u - v;
                w *= root;
              }
          }
      }
  }

  std::vector<double>
  periodogram(const std::vector<double> &series)
  {
    std::size_t n = 1;
    while (2 * n <= series.size())
      n *= 2;
    if (series.empty())
      return {};
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i)
      mean += series[i] / n;
    std::vector<std::complex<double>> values(n);
    for (std::size_t i = 0; i < n; ++i)
      values[i] = series[i] - mean;
    fft(values);
    std::vector<double> power(n / 2 + 1);
    for (std::size_t j = 0; j <= n / 2; ++j)
      power[j] = std::norm(values[j]) / n;
    return power;
  }
} // namespace relax
