// Gradient-noise diagnostics (SCIENCE.md §1): the covariance D(w) of the
// per-sample gradients and its spectrum, its estimate from mini-batches,
// the tail index of the noise, and the autocorrelation and spectrum of a
// trajectory.
#pragma once

#include "training/model.h"

#include <complex>
#include <vector>

namespace relax
{
  class BatchSampler;

  /// Eigenvalues of a symmetric n × n row-major matrix, descending
  /// (LAPACK dsyev).
  std::vector<double>
  symmetric_eigenvalues(std::vector<double> matrix, unsigned int n);

  struct CovarianceSpectrum
  {
    /// The non-zero part of the spectrum of D (at most min(n − 1, p)
    /// eigenvalues), descending.
    std::vector<double> eigenvalues;
    double              trace = 0;
    /// Eigenvalues above `tolerance` · the largest.
    unsigned int rank      = 0;
    double       tolerance = 0;
  };

  /**
   * The spectrum of D = (1/n) Σ_k (g_k − ḡ)(g_k − ḡ)ᵀ over the samples k
   * listed (all N: the exact D(w) of SCIENCE.md §1). From the p × p matrix
   * when p ≤ n, else from the n × n Gram matrix (1/n) G̃ G̃ᵀ of the centred
   * gradients, which has the same non-zero eigenvalues.
   */
  CovarianceSpectrum
  gradient_covariance_spectrum(Model &model, const std::vector<double> &w,
                               const std::vector<unsigned int> &samples, double tolerance);

  /// D(w) (p × p row-major) from all N per-sample gradients.
  std::vector<double>
  gradient_covariance(Model &model, const std::vector<double> &w);

  /// The noise U_m = ∇f_{b,m}(w) − ∇f(w) of M mini-batches from
  /// `sampler` (M × p row-major).
  std::vector<double>
  minibatch_noise(Model &model, const std::vector<double> &w, BatchSampler &sampler, unsigned int n_batches);

  /**
   * The estimate of D(w) that SGD itself sees: b times the sample
   * covariance (denominator M − 1) of M mini-batch gradients (rows of
   * `noise`, M × p). With replacement it is unbiased for D; without
   * replacement its mean is D (N − b)/(N − 1).
   */
  std::vector<double>
  minibatch_covariance(const std::vector<double> &noise, std::size_t p, unsigned int batch_size);

  /**
   * The tail index α of symmetric α-stable samples (Mohammadi et al. 2015,
   * as in SCIENCE.md §1): n = K1·K2 samples in K1 blocks of K2, Y_i the
   * block sums, 1/α̂ = (mean_i log|Y_i| − mean_k log|X_k|)/log K2, with
   * K2 = ⌊√n⌋ (the samples beyond K1·K2 left out). Returned as measured,
   * not clipped to (0, 2] (a Gaussian gives ≈ 2).
   */
  double
  tail_index(const std::vector<double> &samples);

  /// ρ(k) = C(k)/C(0), k = 0..max_lag, of a series (mean removed).
  std::vector<double>
  autocorrelation(const std::vector<double> &series, unsigned int max_lag);

  /// τ = 1 + 2 Σ_{k ≥ 1} ρ(k), summed while ρ(k) > 0 (the initial positive
  /// sequence).
  double
  integrated_autocorrelation_time(const std::vector<double> &rho);

  /// In-place radix-2 FFT (size a power of two).
  void
  fft(std::vector<std::complex<double>> &values);

  /// The periodogram |X(f)|²/n of the mean-removed series at frequencies
  /// j/n, j = 0..n/2, n the largest power of two ≤ the length.
  std::vector<double>
  periodogram(const std::vector<double> &series);
} // namespace relax
