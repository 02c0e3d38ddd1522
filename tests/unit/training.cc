// Unit tests of the training path: backpropagation, per-sample gradients,
// the noise estimators, SGD's stationary covariance, the inner loops of
// Entropy-SGD and the HJ proximal step, each against an independent value.
#include <boost/test/unit_test.hpp>

#include "problems/perceptron.h"
#include "training/datasets.h"
#include "training/models.h"
#include "training/noise.h"
#include "training/optimisers.h"
#include "training/random.h"
#include "training/report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>

using namespace relax;

namespace
{
  std::vector<unsigned int>
  all_samples(const unsigned int n)
  {
    std::vector<unsigned int> k(n);
    std::iota(k.begin(), k.end(), 0u);
    return k;
  }

  /// The largest |analytic − central difference| / (1 + |analytic|) over
  /// every weight.
  double
  backprop_error(Model &model, const std::vector<unsigned int> &batch, std::vector<double> w)
  {
    std::vector<double> gradient, unused;
    model.loss_and_gradient(batch, w, gradient);
    double       worst = 0;
    const double h     = 1e-6;
    for (std::size_t i = 0; i < w.size(); ++i)
      {
        const double saved = w[i];
        w[i]               = saved + h;
        const double up    = model.loss_and_gradient(batch, w, unused);
        w[i]               = saved - h;
        const double down  = model.loss_and_gradient(batch, w, unused);
        w[i]               = saved;
        const double fd    = (up - down) / (2 * h);
        worst              = std::max(worst, std::abs(fd - gradient[i]) / (1 + std::abs(gradient[i])));
      }
    return worst;
  }
} // namespace

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(mlp_backpropagation_matches_finite_differences)
{
  const ClassificationData data = gaussian_mixture(40, 5, 3, 2.0, 7);
  for (const Activation activation : {Activation::tanh, Activation::relu})
    {
      MlpModel        model(data, {6, 4}, activation);
      std::mt19937_64 generator(3);
      std::vector<double> w = model.initial_weights(generator);
      // Non-zero biases, so that they are tested too.
      for (double &x : w)
        x += 0.05 * standard_normal(generator);
      const double error = backprop_error(model, {0, 3, 3, 17, 39}, w);
      BOOST_TEST_MESSAGE("MLP " << (activation == Activation::relu ? "relu" : "tanh")
                                << ": backpropagation vs central differences " << error);
      // Central differences with h = 1e-6: error O(h²) + round-off 1e-10/h.
      BOOST_TEST(error < 1e-7);
    }
}

BOOST_AUTO_TEST_CASE(mlp_in_single_precision_matches_double)
{
  // The same passes with sgemm in float: loss and gradient agree with the
  // double ones (checked against finite differences above) to float
  // round-off. A float carries 2^-24 ≈ 6e-8 relative; sums of up to 64
  // products per entry grow it to at most ~64 · 6e-8 ≈ 4e-6 in the worst
  // case, so 1e-5 of the largest gradient entry (and of the loss) bounds it.
  const ClassificationData data = gaussian_mixture(200, 64, 4, 2.0, 9);
  const std::vector<unsigned int> batch{0, 5, 9, 17, 33, 64, 100, 150, 199};
  for (const Activation activation : {Activation::tanh, Activation::relu})
    {
      MlpModel            double_model(data, {32, 16}, activation, Precision::double_);
      MlpModel            single_model(data, {32, 16}, activation, Precision::single);
      std::mt19937_64     generator(4);
      std::vector<double> w = double_model.initial_weights(generator), g64, g32;
      for (double &x : w)
        x += 0.05 * standard_normal(generator);
      const double loss64 = double_model.loss_and_gradient(batch, w, g64);
      const double loss32 = single_model.loss_and_gradient(batch, w, g32);
      double       largest = 0, difference = 0;
      for (std::size_t i = 0; i < w.size(); ++i)
        {
          largest    = std::max(largest, std::abs(g64[i]));
          difference = std::max(difference, std::abs(g64[i] - g32[i]));
        }
      BOOST_TEST_MESSAGE("MLP " << (activation == Activation::relu ? "relu" : "tanh") << " in float: loss "
                                << loss32 << " vs " << loss64 << ", gradient difference " << difference / largest
                                << " of the largest entry");
      BOOST_TEST(std::abs(loss32 - loss64) < 1e-5 * std::abs(loss64));
      BOOST_TEST(difference < 1e-5 * largest);
      BOOST_TEST(single_model.accuracy(w) == double_model.accuracy(w));
    }
}

BOOST_AUTO_TEST_CASE(sum_of_per_sample_gradients_is_the_full_gradient)
{
  const ClassificationData data = two_spirals(30, 1.0, 0.05, 5);
  MlpModel                 mlp(data, {8}, Activation::tanh);
  std::mt19937_64          generator(4);
  const std::vector<double> w = mlp.initial_weights(generator);
  const std::vector<double> G = mlp.sample_gradients(all_samples(30), w);
  std::vector<double>       full;
  mlp.full_loss_and_gradient(w, full);
  double worst = 0;
  for (std::size_t i = 0; i < full.size(); ++i)
    {
      double sum = 0;
      for (unsigned int k = 0; k < 30; ++k)
        sum += G[k * full.size() + i];
      worst = std::max(worst, std::abs(sum / 30 - full[i]));
    }
  BOOST_TEST(worst < 1e-14);

  const PerceptronData perceptron(50, 2, {1, 0.5}, 0.1, PerceptronLoss::logistic);
  PerceptronModel      model(perceptron, {0.3, -0.2});
  const std::vector<double> Gp = model.sample_gradients(all_samples(50), {0.3, -0.2});
  const std::vector<double> exact = perceptron.mean_gradient({0.3, -0.2});
  for (unsigned int i = 0; i < 2; ++i)
    {
      double sum = 0;
      for (unsigned int k = 0; k < 50; ++k)
        sum += Gp[2 * k + i];
      BOOST_TEST(std::abs(sum / 50 - exact[i]) < 1e-15);
    }
}

BOOST_AUTO_TEST_CASE(tail_index_of_symmetric_stable_samples)
{
  for (const double alpha : {1.2, 1.5, 1.8, 2.0})
    {
      std::mt19937_64     generator(11);
      std::vector<double> x(1000000);
      for (double &v : x)
        v = symmetric_stable(generator, alpha);
      const double estimate = tail_index(x);
      BOOST_TEST_MESSAGE("alpha " << alpha << ": estimated " << estimate);
      BOOST_TEST(std::abs(estimate - alpha) < 0.1);
    }
}

BOOST_AUTO_TEST_CASE(minibatch_covariance_is_unbiased_for_D)
{
  // The perceptron's D(w) = Cov_k(g_k) (PerceptronData, the landscape's
  // D) against b × the covariance of M mini-batch gradients. Statistical
  // test: z_m = b (g_m − ∇f)_i (g_m − ∇f)_j has mean D_ij (with
  // replacement) and the standard error s(z)/sqrt(M); each of the three
  // entries must lie within 4.5 standard errors (false alarm below 2e-5
  // for the three under a normal approximation), for two seeds.
  const PerceptronData perceptron(200, 9, {1, -0.5}, 0.1, PerceptronLoss::logistic);
  PerceptronModel      model(perceptron, {0.5, 0.5});
  const std::vector<double> w{1.5, -0.4};
  std::vector<double>       exact;
  perceptron.gradient_covariance(w, &exact, nullptr);
  for (const Sampling sampling : {Sampling::with_replacement, Sampling::without_replacement})
    {
      const unsigned int b = 10, M = 20000;
      BatchSampler       sampler(200, b, sampling, 21);
      const std::vector<double> noise = minibatch_noise(model, w, sampler, M);
      const std::vector<double> D     = minibatch_covariance(noise, 2, b);
      // Without replacement the batch mean has variance D (N − b)/(b(N − 1)).
      const double factor = sampling == Sampling::with_replacement ? 1 : (200. - b) / (200. - 1);
      for (unsigned int i = 0; i < 2; ++i)
        for (unsigned int j = i; j < 2; ++j)
          {
            double sum = 0, square = 0;
            for (unsigned int m = 0; m < M; ++m)
              {
                const double z = b * noise[2 * m + i] * noise[2 * m + j];
                sum += z;
                square += z * z;
              }
            const double mean  = sum / M;
            const double error = std::sqrt((square / M - mean * mean) / M);
            BOOST_TEST_MESSAGE("D_" << i << j << ": mini-batches " << D[2 * i + j] << ", exact "
                                    << exact[2 * i + j] * factor << " (standard error " << error << ")");
            BOOST_TEST(std::abs(D[2 * i + j] - factor * exact[2 * i + j]) < 4.5 * error);
          }
    }
}

BOOST_AUTO_TEST_CASE(sgd_stationary_covariance_on_a_quadratic)
{
  // f_k(w) = a(w − c_k)²/2: SGD is w ← w − ηa(w − c̄_B), an AR(1) process
  // with stationary variance S = η a V / (2 − ηa), V = Var(c̄_B) =
  // σ²/b (with replacement) or σ²(N − b)/(b(N − 1)) (without), σ² the
  // population variance of the centres. D = a²σ², so S = η D/(a b (2 − ηa)):
  // the Lyapunov solution β⁻¹D/a with β⁻¹ = η/(2b) (times ≈ 1 − b/N),
  // up to ηa/2. Time average over 2·10⁶ steps: relative error of about
  // sqrt(2τ/n) < 0.5 % (τ ≈ 1/(ηa) ≤ 20); the tolerance is 3 %.
  const double       a = 1.0;
  const unsigned int N = 100;
  QuadraticModel     model({a}, {1.0}, N, 5);
  double             c_mean = 0, c_square = 0;
  for (unsigned int k = 0; k < N; ++k)
    {
      c_mean += *model.centre(k) / N;
      c_square += *model.centre(k) * *model.centre(k) / N;
    }
  const double sigma2 = c_square - c_mean * c_mean, D = a * a * sigma2;
  for (const Sampling sampling : {Sampling::with_replacement, Sampling::without_replacement})
    for (const double eta : {0.1, 0.05})
      for (const unsigned int b : {5u, 20u})
        {
          BatchSampler        sampler(N, b, sampling, 99);
          Sgd                 sgd(model, sampler, eta, 0);
          std::vector<double> w{c_mean};
          double              sum = 0, square = 0;
          const unsigned long burn = 2000, n = 2000000;
          for (unsigned long k = 0; k < burn + n; ++k)
            {
              sgd.step(w);
              if (k >= burn)
                {
                  sum += w[0];
                  square += w[0] * w[0];
                }
            }
          const double variance = square / n - (sum / n) * (sum / n);
          const double V = sampling == Sampling::with_replacement ? sigma2 / b : sigma2 * (N - b) / (b * (N - 1.));
          const double exact   = eta * a * V / (2 - eta * a);
          const double lyapunov = sgd_temperature(eta, b, N, sampling) * D / a;
          BOOST_TEST_MESSAGE((sampling == Sampling::with_replacement ? "with" : "without")
                             << " replacement, eta " << eta << ", b " << b << ": variance " << variance
                             << ", exact " << exact << ", eta/(2b) D/a (1 - b/N) " << lyapunov);
          BOOST_TEST(std::abs(variance / exact - 1) < 0.03);
          // The continuous model is the first order in η of the exact
          // discrete one: β⁻¹D/a = S (1 − ηa/2), times (N − 1)/N without
          // replacement ((1 − b/N) in place of (N − b)/(N − 1)).
          const double factor = (1 - eta * a / 2) * (sampling == Sampling::with_replacement ? 1 : (N - 1.) / N);
          BOOST_TEST(std::abs(lyapunov / exact - factor) < 1e-12);
        }
}

BOOST_AUTO_TEST_CASE(langevin_mean_and_proximal_point_on_a_quadratic)
{
  // f(y) = a(y − c)²/2 (one sample): the Gibbs measure ∝ exp(−(f(y) +
  // (y − x)²/(2γ))/ε) is Gaussian with mean (ac + x/γ)/(a + 1/γ), which is
  // also the proximal point. The Langevin chain (step s) has an O(s) bias
  // in the variance only: its mean is exact for a quadratic.
  QuadraticModel       model({2.0}, {0.0}, 1, 1);
  const double         c = *model.centre(0), x = 1.3, gamma = 0.5, a = 2.0;
  const double         exact = (a * c + x / gamma) / (a + 1 / gamma);
  BatchSampler         full(1, 1, Sampling::with_replacement, 0);
  std::mt19937_64      generator(17);
  LangevinParameters   langevin;
  langevin.step        = 0.01;
  langevin.temperature = 0.1;
  langevin.steps       = 400000;
  langevin.burn_in     = 1000;
  langevin.averaging   = 0;
  const double mean    = langevin_mean(model, {x}, gamma, langevin, full, generator)[0];
  // Standard error: sqrt(ε/(a + 1/γ) · 2τ/n), τ = 1/(s(a + 1/γ)) = 25.
  const double error = std::sqrt(0.1 / 4 * 50 / 400000.);
  BOOST_TEST_MESSAGE("Langevin mean " << mean << ", exact " << exact << " (standard error " << error << ")");
  BOOST_TEST(std::abs(mean - exact) < 5 * error);

  ProximalParameters proximal{0.1, 10000, 1e-13};
  const double       y = proximal_point(model, {x}, gamma, proximal, full)[0];
  BOOST_TEST(std::abs(y - exact) < 1e-12);
}

BOOST_AUTO_TEST_CASE(hj_proximal_and_elastic_sgd_on_a_quadratic)
{
  // f(w) = (1/N) Σ_k ½ Σ_i a_i (w_i − c_ki)², minimiser c̄ (the mean centre).
  // The HJ proximal step with η = t lands on the proximal point
  // (a_i c̄_i + x_i/t)/(a_i + 1/t), and t is scoped down at every step.
  QuadraticModel model({1.0, 3.0}, {1.0, 0.5}, 40, 3);
  std::vector<double> mean(2, 0.);
  for (unsigned int k = 0; k < 40; ++k)
    for (unsigned int i = 0; i < 2; ++i)
      mean[i] += model.centre(k)[i] / 40;
  BatchSampler        full(40, 40, Sampling::with_replacement, 0);
  const double        t = 0.5;
  HjProximal          proximal(model, full, t, t, 0.25, {0.1, 100000, 1e-13});
  std::vector<double> w{2.0, -1.0};
  const std::vector<double> x = w;
  proximal.step(w);
  for (unsigned int i = 0; i < 2; ++i)
    {
      const double a = model.curvatures()[i];
      BOOST_TEST(std::abs(w[i] - (a * mean[i] + x[i] / t) / (a + 1 / t)) < 1e-12);
    }
  BOOST_TEST(std::abs(proximal.state()[0].second - t / 1.25) < 1e-15);

  // Elastic-SGD with full batches: every replica and their mean converge
  // to the minimiser c̄ (the coupling vanishes there).
  Replicas elastic(model, 3, 40, Sampling::with_replacement, 1, 0.1, 0.5, false, 0, 0, 1, LangevinParameters());
  w = {2.0, -1.0};
  for (int k = 0; k < 2000; ++k)
    elastic.step(w);
  for (unsigned int i = 0; i < 2; ++i)
    BOOST_TEST(std::abs(w[i] - mean[i]) < 1e-12);
}

BOOST_AUTO_TEST_CASE(gram_spectrum_equals_covariance_spectrum)
{
  // p = 38 weights, n = 12 samples: the Gram route against the p × p
  // covariance built here.
  const ClassificationData data = gaussian_mixture(12, 3, 2, 1.0, 3);
  MlpModel                 model(data, {5}, Activation::tanh);
  std::mt19937_64          generator(1);
  const std::vector<double> w = model.initial_weights(generator);
  const std::size_t         p = model.n_weights();
  const CovarianceSpectrum  spectrum = gradient_covariance_spectrum(model, w, all_samples(12), 1e-9);
  const std::vector<double> D = gradient_covariance(model, w);
  const std::vector<double> direct = symmetric_eigenvalues(D, p);
  BOOST_TEST(spectrum.eigenvalues.size() == 12u);
  for (unsigned int i = 0; i < 12; ++i)
    BOOST_TEST(std::abs(spectrum.eigenvalues[i] - direct[i]) < 1e-12 * (1 + direct[0]));
  double trace = 0;
  for (std::size_t i = 0; i < p; ++i)
    trace += D[i * p + i];
  BOOST_TEST(std::abs(spectrum.trace - trace) < 1e-12 * trace);
  // n samples span at most n − 1 directions once centred.
  BOOST_TEST(spectrum.rank <= 11u);
}

BOOST_AUTO_TEST_CASE(training_is_reproducible_bit_for_bit)
{
  const ClassificationData data = gaussian_mixture(200, 4, 3, 2.0, 2);
  const auto               train = [&](const bool replicas) {
    MlpModel            model(data, {8}, Activation::relu);
    std::mt19937_64     generator(5);
    std::vector<double> w = model.initial_weights(generator);
    BatchSampler        sampler(200, 16, Sampling::epochs, 6);
    LangevinParameters  langevin;
    std::unique_ptr<Optimiser> optimiser;
    if (replicas)
      optimiser = std::make_unique<Replicas>(model, 3, 16, Sampling::with_replacement, 7, 0.05, 1.0, true, 0.1, 1e-3, 2, langevin);
    else
      optimiser = std::make_unique<Sgd>(model, sampler, 0.05, 0.9);
    for (int k = 0; k < 50; ++k)
      optimiser->step(w);
    return w;
  };
  for (const bool replicas : {false, true})
    BOOST_TEST((train(replicas) == train(replicas)));
}

BOOST_AUTO_TEST_CASE(idx_files_read_back)
{
  // Three 2 × 3 images and their labels, written here byte by byte.
  const std::string images = "training_test_images.idx", labels = "training_test_labels.idx";
  {
    std::ofstream out(images, std::ios::binary);
    const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3};
    out.write(reinterpret_cast<const char *>(header), sizeof(header));
    for (int i = 0; i < 18; ++i)
      out.put(static_cast<char>(i * 15));
    std::ofstream lab(labels, std::ios::binary);
    const unsigned char label_bytes[] = {0, 0, 8, 1, 0, 0, 0, 3, 4, 0, 9};
    lab.write(reinterpret_cast<const char *>(label_bytes), sizeof(label_bytes));
  }
  const ClassificationData data = read_idx(images, labels, 0);
  BOOST_TEST(data.n_samples == 3u);
  BOOST_TEST(data.dimension == 6u);
  BOOST_TEST(data.n_classes == 10u);
  BOOST_TEST(data.labels[0] == 4u);
  BOOST_TEST(data.labels[2] == 9u);
  BOOST_TEST(data.input(1)[2] == (8 * 15) / 255.);
  BOOST_TEST(read_idx(images, labels, 2).n_samples == 2u);
  // A truncated file is refused.
  {
    std::ofstream out(labels, std::ios::binary);
    const unsigned char label_bytes[] = {0, 0, 8, 1, 0, 0, 0, 3, 4, 0};
    out.write(reinterpret_cast<const char *>(label_bytes), sizeof(label_bytes));
  }
  BOOST_CHECK_THROW(read_idx(images, labels, 0), std::runtime_error);
  std::remove(images.c_str());
  std::remove(labels.c_str());
}

BOOST_AUTO_TEST_CASE(autocorrelation_and_spectrum)
{
  // AR(1) x_{k+1} = φ x_k + e_k: ρ(k) = φ^k, τ = (1 + φ)/(1 − φ).
  std::mt19937_64     generator(8);
  const double        phi = 0.8;
  std::vector<double> x(400000);
  for (std::size_t k = 1; k < x.size(); ++k)
    x[k] = phi * x[k - 1] + standard_normal(generator);
  const std::vector<double> rho = autocorrelation(x, 20);
  for (unsigned int k = 1; k <= 5; ++k)
    BOOST_TEST(std::abs(rho[k] - std::pow(phi, k)) < 0.01);
  BOOST_TEST(std::abs(integrated_autocorrelation_time(rho) - 9.0) < 0.5);

  // A sinusoid of frequency 1/16 puts its power at bin n/16.
  std::vector<double> wave(1024);
  for (std::size_t k = 0; k < wave.size(); ++k)
    wave[k] = std::sin(2 * 3.14159265358979323846 * k / 16.);
  const std::vector<double> power = periodogram(wave);
  const long peak = std::max_element(power.begin(), power.end()) - power.begin();
  BOOST_TEST(peak == 64);
  // Parseval: Σ|X|²/n over all bins = Σ x² (the half spectrum counted twice).
  double total = power[0] + power[512], energy = 0;
  for (std::size_t j = 1; j < 512; ++j)
    total += 2 * power[j];
  for (const double v : wave)
    energy += v * v;
  BOOST_TEST(std::abs(total - energy) < 1e-9 * energy);
}

BOOST_AUTO_TEST_CASE(polyline_is_valid_vtk_xml)
{
  const std::string text = polyline_vtp({{0, 1}, {2, 3}, {4, 5}}, {{"step", {0, 1, 2}}});
  BOOST_TEST(text.find("NumberOfPoints=\"3\"") != std::string::npos);
  BOOST_TEST(text.find("<DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n          3\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
