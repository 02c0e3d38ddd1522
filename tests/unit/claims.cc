// Unit tests of the claims of SCIENCE.md §1 and §8 (training/claims.h):
// each experiment's measurement against a closed form computed here from
// the model's centres, within 4 standard errors (a normal beyond 4: a false
// alarm rate of 6e-5 per comparison, under 1e-3 for the 12 of this file).
#include <boost/test/unit_test.hpp>

#include "training/claims.h"
#include "training/models.h"

#include <cmath>

using namespace relax;

namespace
{
  /// The population variance of each coordinate of the model's centres:
  /// σ_i² = a_i² Var(c_i) is the per-sample gradient variance D_ii.
  std::vector<double>
  gradient_variances(const QuadraticModel &model)
  {
    const std::size_t   p = model.n_weights();
    const unsigned int  N = model.n_samples();
    std::vector<double> mean(p, 0.), square(p, 0.), sigma2(p);
    for (unsigned int k = 0; k < N; ++k)
      for (std::size_t i = 0; i < p; ++i)
        {
          mean[i] += model.centre(k)[i] / N;
          square[i] += model.centre(k)[i] * model.centre(k)[i] / N;
        }
    for (std::size_t i = 0; i < p; ++i)
      sigma2[i] = std::pow(model.curvatures()[i], 2) * (square[i] - mean[i] * mean[i]);
    return sigma2;
  }

  void
  check_within_four_errors(const ClaimFigure &figure)
  {
    BOOST_TEST_MESSAGE(figure.name << ": measured " << figure.measured << " +- " << figure.standard_error
                                   << ", expected " << figure.expected);
    BOOST_TEST(figure.standard_error > 0);
    BOOST_TEST(std::abs(figure.measured - figure.expected) < 4 * figure.standard_error);
  }
} // namespace

BOOST_AUTO_TEST_SUITE(claims)

BOOST_AUTO_TEST_CASE(two_noise_levels_give_two_temperatures_and_per_parameter_rates_one)
{
  // a = 1 on both weights, centre spreads 1 and 3: σ_2²/σ_1² ≈ 9. At one
  // rate η the temperatures T_i = η σ_i²/(b(2 − η)) differ by that factor;
  // with η_i = η'/σ_i² both are η'/(b(2 − η_i)), equal to O(η).
  const QuadraticModel model({1., 1.}, {1., 3.}, 200, 11);
  const double         eta = 0.1;
  StationaryRun        run;
  run.steps = 400000;
  run.seed  = 3;
  const std::vector<double>      sigma2  = gradient_variances(model);
  const std::vector<ClaimFigure> figures = two_temperatures_claim(model, eta, 1, run);
  BOOST_TEST_REQUIRE(figures.size() == 4u);
  for (const ClaimFigure &figure : figures)
    check_within_four_errors(figure);
  // The closed forms, from the centres.
  for (unsigned int i = 0; i < 2; ++i)
    BOOST_TEST(std::abs(figures[i].expected - eta * sigma2[i] / (2 - eta)) < 1e-12);
  const double eta_prime = eta * std::min(sigma2[0], sigma2[1]);
  for (unsigned int i = 0; i < 2; ++i)
    {
      const double rate = eta_prime / sigma2[i];
      BOOST_TEST(std::abs(figures[2 + i].expected - eta_prime / (2 - rate)) < 1e-12);
    }
  // Two temperatures: at one rate the ratio T_2/T_1 is σ_2²/σ_1² (≈ 9);
  // with per-parameter rates it is 1 to O(η) in closed form, and measured
  // within 4 standard errors of the ratio (errors of the two combined as
  // independent: the weights' noises are uncorrelated in expectation).
  const auto ratio_error = [&](const ClaimFigure &x, const ClaimFigure &y) {
    return y.measured / x.measured *
           std::sqrt(std::pow(x.standard_error / x.measured, 2) + std::pow(y.standard_error / y.measured, 2));
  };
  const double plain_ratio = figures[1].measured / figures[0].measured;
  const double ratio       = figures[3].measured / figures[2].measured;
  BOOST_TEST_MESSAGE("T_2/T_1 at one rate " << plain_ratio << " +- " << ratio_error(figures[0], figures[1])
                                            << " (sigma_2^2/sigma_1^2 = " << sigma2[1] / sigma2[0]
                                            << "), per-parameter rates " << ratio << " +- "
                                            << ratio_error(figures[2], figures[3]));
  BOOST_TEST(std::abs(plain_ratio - sigma2[1] / sigma2[0]) < 4 * ratio_error(figures[0], figures[1]));
  BOOST_TEST(std::abs(figures[3].expected / figures[2].expected - 1) < eta);
  BOOST_TEST(std::abs(ratio - figures[3].expected / figures[2].expected) < 4 * ratio_error(figures[2], figures[3]));
}

BOOST_AUTO_TEST_CASE(converged_loss_grows_with_the_rate_at_a_quarter_of_the_gradient_second_moment)
{
  // dL/dη at 0 = E_i|g_i|²/(4b) with b = 1; at the minimiser c̄ of the
  // quadratic E_i|g_i|² = Σ_i σ_i² (the exact stationary excess loss is
  // Σ_i ησ_i²/(2(2 − ηa_i))). The fit over η ∈ [0.02, 0.08] of the
  // exact η σ²/(2(2 − ηa)) by sη + qη² leaves a cubic bias below 1e-3
  // relative, far under the statistical error.
  const QuadraticModel model({1., 0.5}, {1., 2.}, 100, 21);
  const std::vector<double> sigma2 = gradient_variances(model);
  StationaryRun             run;
  run.steps = 400000;
  run.seed  = 5;
  std::unique_ptr<Model>         copy    = model.clone();
  const std::vector<ClaimFigure> figures = loss_slope_claim(*copy, {0.3, -0.2}, {0.02, 0.04, 0.06, 0.08}, 1, run);
  BOOST_TEST_REQUIRE(figures.size() == 1u);
  BOOST_TEST(std::abs(figures[0].expected / ((sigma2[0] + sigma2[1]) / 4) - 1) < 1e-9);
  check_within_four_errors(figures[0]);
  BOOST_TEST(figures[0].standard_error < 0.05 * figures[0].expected);
}

BOOST_AUTO_TEST_CASE(temperature_is_eta_over_2b_times_the_without_replacement_factor)
{
  // Equal η/b give equal β⁻¹ (linear scaling of the rate with the batch);
  // without replacement β⁻¹ is lower by (N − b)/(N − 1) (≈ 1 − b/N): about
  // ½ at b = N/2.
  const unsigned int                  N = 50;
  const QuadraticModel                model({1., 2.}, {1., 1.}, N, 31);
  const std::vector<TemperatureCase>  cases{{0.1, 5, Sampling::with_replacement},
                                           {0.2, 10, Sampling::with_replacement},
                                           {0.1, 5, Sampling::without_replacement},
                                           {0.1, 25, Sampling::without_replacement}};
  StationaryRun                       run;
  run.steps = 200000;
  run.seed  = 7;
  const std::vector<ClaimFigure> figures = temperature_claim(model, cases, run);
  BOOST_TEST_REQUIRE(figures.size() == cases.size());
  for (std::size_t c = 0; c < cases.size(); ++c)
    {
      check_within_four_errors(figures[c]);
      const TemperatureCase &t      = cases[c];
      const double           factor = t.sampling == Sampling::with_replacement ? 1. : (N - t.batch_size) / (N - 1.);
      BOOST_TEST(std::abs(figures[c].expected - t.learning_rate / (2. * t.batch_size) * factor) < 1e-15);
    }
  // β⁻¹ at b = N/2 without replacement is half of η/(2b), measured.
  BOOST_TEST(std::abs(figures[3].measured / (0.1 / 50) - 25. / 49) < 4 * figures[3].standard_error / (0.1 / 50));
}

BOOST_AUTO_TEST_SUITE_END()
