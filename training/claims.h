// The claims of SCIENCE.md §1 and §8 about SGD's stationary state, each as
// an experiment that runs SGD and returns what it measured beside the
// closed form: two temperatures from two gradient-noise levels (and one
// again with per-parameter rates η_i = η'/σ_i²), the slope of the
// converged loss in η at η = 0, and the temperature η/(2b) with its
// (1 − b/N) factor without replacement.
#pragma once

#include "training/optimisers.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace relax
{
  class Model;
  class QuadraticModel;

  /// One measured figure of a claim beside its closed-form value.
  struct ClaimFigure
  {
    std::string name;
    double      measured = 0;
    double      expected = 0;
    /// The Monte Carlo standard error of `measured` (batch means over
    /// blocks much longer than the correlation time).
    double standard_error = 0;
  };

  /// The length of a stationary SGD run.
  struct StationaryRun
  {
    unsigned long burn_in = 10000;
    unsigned long steps   = 1000000;
    /// Batch means over this many blocks give the standard errors.
    unsigned int  blocks = 100;
    std::uint64_t seed   = 1;
  };

  /**
   * §8, 1-D Langevin: SGD on a QuadraticModel f_k(w) = ½ Σ_i a_i (w_i −
   * c_{k,i})² (batch b, with replacement) is, per weight, w_i ← w_i −
   * η_i a_i (w_i − c̄_i) + η_i ξ_i with Var ξ_i = σ_i²/b, σ_i² = D_ii the
   * per-sample gradient variance. Its stationary law is ∝ exp(−f/T_i)
   * along w_i with T_i = a_i Var(w_i) = η_i σ_i² / (b (2 − η_i a_i))
   * exactly: two temperatures when σ_x ≠ σ_y at one rate η, and one
   * temperature η'/(2b) (to O(η)) with per-parameter rates η_i = η'/σ_i².
   * Figures: "T_i, rate eta" and "T_i, rate eta'/sigma_i^2" for each
   * weight i = 1.., measured a_i·mean (w_i − c̄_i)² against the closed form.
   */
  std::vector<ClaimFigure>
  two_temperatures_claim(const QuadraticModel &model, double learning_rate, unsigned int batch_size,
                         const StationaryRun &run);

  /**
   * §8, converged loss against the learning rate: E[f(w)] − f(w*) over
   * SGD's stationary state (batch b, with replacement) is
   * η E_i|g_i(w*)|²/(4b) + O(η²) near a minimiser w* (the Lyapunov
   * equation A Σ + Σ A = (η/b) D traced against A/2, with tr D =
   * E_i|g_i|² at w*). w* by full-batch gradient descent from `start`;
   * then SGD from w* at each rate, f every `thin` steps; the slope at 0 is
   * the linear coefficient of a least-squares fit s η + q η² (weighted by
   * the standard errors). One figure, "slope dL/deta at 0" (expected
   * E_i|g_i|²/(4b)); the excess loss at each rate {η, mean, standard
   * error} in `excess_losses` if given.
   */
  std::vector<ClaimFigure>
  loss_slope_claim(Model &                             model,
                   const std::vector<double> &         start,
                   const std::vector<double> &         learning_rates,
                   unsigned int                        batch_size,
                   const StationaryRun &               run,
                   unsigned int                        thin          = 10,
                   std::vector<std::array<double, 3>> *excess_losses = nullptr);

  /// One (η, b, sampling) of temperature_claim.
  struct TemperatureCase
  {
    double       learning_rate;
    unsigned int batch_size;
    Sampling     sampling;
  };

  /**
   * §1 and §8, β⁻¹ = η/(2b), times (1 − b/N) without replacement: on a
   * QuadraticModel, β⁻¹ measured per weight as a_i (2 − η a_i) Var(w_i) /
   * (2 D_ii) (the exact discrete stationary variance solved for β⁻¹),
   * averaged over the weights, against η/(2b) with replacement and
   * η/(2b) (N − b)/(N − 1) without (the exact variance of a batch mean
   * without replacement; sgd_temperature's 1 − b/N is the same to
   * O(1/N)). Equal η/b give equal β⁻¹: the linear scaling of the rate
   * with the batch. One figure per case, "beta^-1, eta .., b .., <sampling>".
   */
  std::vector<ClaimFigure>
  temperature_claim(const QuadraticModel &model, const std::vector<TemperatureCase> &cases,
                    const StationaryRun &run);
} // namespace relax
