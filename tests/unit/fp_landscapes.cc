// Unit tests of the landscapes made for the Fokker–Planck solver: the
// closed-form steady states and fluxes they document, checked against
// formulas written out here and finite differences.
#include <deal.II/base/symmetric_tensor.h>

#include <boost/test/unit_test.hpp>

#include "landscape_test_helpers.h"
#include "problems/input_error.h"
#include "problems/landscape.h"

#include <array>
#include <cmath>
#include <functional>
#include <random>
#include <string>

using relax::InputError;
using relax::Landscape;
using relax::testing::make_landscape;

namespace
{
  using relax::testing::partial;
  using relax::testing::random_point;

  /// The Fokker–Planck flux J = ρ b − β⁻¹(D∇ρ + ρ div D) of a density with
  /// value rho and gradient grad_rho, from what the landscape says.
  template <int dim>
  dealii::Tensor<1, dim>
  flux(const Landscape<dim>         &landscape,
       const dealii::Point<dim>     &x,
       const double                  beta,
       const double                  rho,
       const dealii::Tensor<1, dim> &grad_rho)
  {
    return rho * landscape.drift(x) -
           (landscape.diffusion(x) * grad_rho +
            rho * landscape.diffusion_divergence(x)) /
             beta;
  }

  // The non-equilibrium double well, written out independently.
  double
  double_well_phi(const dealii::Point<2> &x)
  {
    return std::pow(x[0] * x[0] - 1, 2) / 4 + x[1] * x[1] / 2;
  }

  dealii::Tensor<1, 2>
  double_well_grad_phi(const dealii::Point<2> &x)
  {
    return dealii::Tensor<1, 2>({x[0] * x[0] * x[0] - x[0], x[1]});
  }

  /// λ e^{−r⁴/4} (−x₂, x₁): the stationary flux times Z.
  dealii::Tensor<1, 2>
  double_well_stationary_flux(const dealii::Point<2> &x, const double lambda)
  {
    const double r4 = std::pow(x.square(), 2);
    return lambda * std::exp(-r4 / 4) * dealii::Tensor<1, 2>({-x[1], x[0]});
  }

  /// The stationary flux of e^{−βΦ} (unnormalised) for the landscape,
  /// with ∇ρ = −βρ∇Φ.
  dealii::Tensor<1, 2>
  double_well_flux(const Landscape<2>     &landscape,
                   const dealii::Point<2> &x,
                   const double            beta)
  {
    const double rho = std::exp(-beta * double_well_phi(x));
    return flux<2>(landscape,
                   x,
                   beta,
                   rho,
                   -beta * rho * double_well_grad_phi(x));
  }
} // namespace

BOOST_AUTO_TEST_SUITE(fp_landscapes)

BOOST_AUTO_TEST_CASE(nonequilibrium_double_well_stationary_flux)
{
  for (const double lambda : {0., 0.5, 1.5})
    {
      auto landscape =
        make_landscape<2>("nonequilibrium-double-well",
                          "set rotation = " + std::to_string(lambda));
      BOOST_TEST(landscape->drift_is_gradient() == (lambda == 0));
      BOOST_TEST(landscape->properties().at("rotation") == lambda);

      std::mt19937_64 generator(7);
      double max_flux_error = 0, max_divergence = 0, max_divergence_beta2 = 0;
      for (unsigned int n = 0; n < 40; ++n)
        {
          const dealii::Point<2> x =
            random_point(landscape->domain(), generator);
          BOOST_TEST_CONTEXT("lambda = " << lambda << ", x = (" << x << ")")
          {
            // f = Φ and its gradient.
            BOOST_TEST(landscape->value(x) == double_well_phi(x),
                       boost::test_tools::tolerance(1e-14));
            BOOST_TEST(
              (landscape->gradient(x) - double_well_grad_phi(x)).norm() <=
              1e-14 * (1 + x.norm_square() * x.norm()));
            BOOST_TEST(
              (landscape->diffusion(x) == dealii::unit_symmetric_tensor<2>()));
            BOOST_TEST(landscape->diffusion_divergence(x).norm() == 0.);

            // ρ b − ∇ρ for ρ = e^{−Φ} (unnormalised) is ρ j, which is
            // λ e^{−r⁴/4}(−x₂, x₁) in closed form.
            const dealii::Tensor<1, 2> J = double_well_flux(*landscape, x, 1);
            const dealii::Tensor<1, 2> expected =
              double_well_stationary_flux(x, lambda);
            // Rounding: e^{Φ − r⁴/4} is formed from terms up to ~40, so a
            // relative 1e-14 of |J| ≤ 1.2 |λ|, plus ρ|∇Φ| ≲ 1 cancelling.
            const double error = (J - expected).norm();
            max_flux_error     = std::max(max_flux_error, error);
            BOOST_TEST(error <= 1e-13,
                       "flux " << J << ", closed form " << expected);

            // div J by finite differences of the landscape-computed flux.
            double divergence = 0, divergence_beta2 = 0;
            for (unsigned int i = 0; i < 2; ++i)
              {
                divergence += partial<2>(
                  [&](const dealii::Point<2> &y) {
                    return double_well_flux(*landscape, y, 1)[i];
                  },
                  x,
                  i);
                divergence_beta2 += partial<2>(
                  [&](const dealii::Point<2> &y) {
                    return double_well_flux(*landscape, y, 2)[i];
                  },
                  x,
                  i);
              }
            max_divergence = std::max(max_divergence, std::abs(divergence));
            max_divergence_beta2 =
              std::max(max_divergence_beta2, std::abs(divergence_beta2));
            BOOST_TEST(std::abs(divergence) <= 1e-9);

            // The drift: −∇Φ + j with |j| ≤ |λ| e^{1/2} r.
            const dealii::Tensor<1, 2> j =
              landscape->drift(x) + double_well_grad_phi(x);
            const double rounding = 1e-13 * (1 + x.norm_square() * x.norm());
            BOOST_TEST(j.norm() <=
                       lambda * std::exp(0.5) * x.norm() * (1 + 1e-14) +
                         rounding);
            // j is the rotation field: orthogonal to x.
            BOOST_TEST(std::abs(j * x) <= rounding * (1 + x.norm()));
            if (lambda == 0)
              BOOST_TEST(
                (landscape->drift(x) + landscape->gradient(x)).norm() == 0.);
          }
        }
      // e^{−βΦ} with β ≠ 1 is not stationary when λ ≠ 0: the test above
      // would see it.
      if (lambda != 0)
        BOOST_TEST(max_divergence_beta2 > 1e-3 * lambda);
      else
        BOOST_TEST(max_divergence_beta2 <= 1e-9);
      BOOST_TEST_MESSAGE("nonequilibrium-double-well, lambda = "
                         << lambda
                         << ": max |J - closed form| = " << max_flux_error
                         << ", max |div J| (FD) = " << max_divergence
                         << ", and for exp(-2 Phi) " << max_divergence_beta2);
    }
}

BOOST_AUTO_TEST_CASE(nonequilibrium_double_well_drift_bound_and_box)
{
  const double lambda    = 1.5;
  auto         landscape = make_landscape<2>("nonequilibrium-double-well");
  BOOST_TEST(landscape->properties().at("rotation") == lambda);
  BOOST_TEST(!landscape->drift_is_gradient());
  // The bound e^{Φ − r⁴/4} ≤ e^{1/2} is attained at (0, ±1): there
  // ∇Φ = (0, ±1) and j = λ e^{1/2} (∓1, 0).
  for (const double s : {1., -1.})
    {
      const dealii::Point<2> x(0, s);
      const auto             b = landscape->drift(x);
      BOOST_TEST(b[0] == -lambda * std::exp(0.5) * s,
                 boost::test_tools::tolerance(1e-14));
      BOOST_TEST(b[1] == -s, boost::test_tools::tolerance(1e-14));
    }
  // A hand value: at (1, 1) Φ = 1/2, r⁴ = 4, so j = λ e^{−1/2} (−1, 1),
  // ∇Φ = (0, 1).
  {
    const auto b = landscape->drift(dealii::Point<2>(1, 1));
    BOOST_TEST(b[0] == -lambda * std::exp(-0.5),
               boost::test_tools::tolerance(1e-14));
    BOOST_TEST(b[1] == -1 + lambda * std::exp(-0.5),
               boost::test_tools::tolerance(1e-14));
  }

  // Z = ∫_box e^{−Φ} against a 2-D Simpson rule on the landscape's value
  // (h = L/300: error ~h⁴ max|∂⁴e^{−Φ}|/180 · area, below 1e-9 relative).
  for (const double L : {3., 2.5})
    {
      auto               l   = make_landscape<2>("nonequilibrium-double-well",
                                 "set box = " + std::to_string(-L) + ", " +
                                   std::to_string(L));
      const unsigned int n   = 600;
      const double       h   = 2 * L / n;
      double             sum = 0;
      for (unsigned int i = 0; i <= n; ++i)
        for (unsigned int k = 0; k <= n; ++k)
          {
            const auto simpson = [n](const unsigned int m) {
              return (m == 0 || m == n) ? 1. : (m % 2 == 1 ? 4. : 2.);
            };
            const double w = simpson(i) * simpson(k) / 9;
            sum +=
              w * std::exp(-l->value(dealii::Point<2>(-L + i * h, -L + k * h)));
          }
      const auto properties = l->properties();
      BOOST_TEST(properties.at("partition function on box") == sum * h * h,
                 boost::test_tools::tolerance(1e-8));

      // The boundary flux bound: the maximum of |λ| s e^{−(L² + s²)²/4}
      // over s, at s² (L² + s²) = 1.
      const double s2 = (-L * L + std::sqrt(L * L * L * L + 4)) / 2;
      const double bound =
        lambda * std::sqrt(s2) * std::exp(-std::pow(L * L + s2, 2) / 4);
      BOOST_TEST(properties.at("boundary flux bound") == bound,
                 boost::test_tools::tolerance(1e-4));
      BOOST_TEST_MESSAGE("nonequilibrium-double-well on [-"
                         << L << ", " << L << "]^2: Z = " << sum * h * h
                         << ", boundary "
                            "flux bound "
                         << bound);
    }
  // As documented: 3e-10 |λ| on the default box.
  BOOST_TEST(landscape->properties().at("boundary flux bound") <
             3.3e-10 * lambda);

  const auto dimension_error = [](const InputError &e) {
    return e.parameter() == "/dimension";
  };
  BOOST_CHECK_EXCEPTION(make_landscape<1>("nonequilibrium-double-well"),
                        InputError,
                        dimension_error);
  BOOST_CHECK_EXCEPTION(make_landscape<3>("nonequilibrium-double-well"),
                        InputError,
                        dimension_error);
}

namespace
{
  /// The Hessian of f by central differences of the landscape's gradient.
  template <int dim>
  dealii::SymmetricTensor<2, dim>
  hessian(const Landscape<dim> &landscape, const dealii::Point<dim> &x)
  {
    dealii::Tensor<2, dim> H;
    for (unsigned int i = 0; i < dim; ++i)
      for (unsigned int j = 0; j < dim; ++j)
        H[i][j] = partial<dim>(
          [&](const dealii::Point<dim> &y) { return landscape.gradient(y)[i]; },
          x,
          j);
    return dealii::symmetrize(H);
  }

  /// Φ of the separable anisotropic saddle, written out from its
  /// derivation; ρ_ss ∝ e^{−βΦ}.
  double
  separable_phi(const dealii::Point<2> &p,
                const double            c,
                const double            a,
                const double            beta)
  {
    const double x = p[0], y = p[1];
    return x * x + c * x * x * x * x + 2 * c * y * y / a +
           (1 / beta - 1 / a - 2 * c / (a * a)) * std::log(1 + a * y * y);
  }
} // namespace

BOOST_AUTO_TEST_CASE(anisotropic_saddle_critical_points)
{
  for (const std::string quartic : {"separable", "radial"})
    for (const double c : {0.25, 0.5})
      {
        const std::string settings = "set quartic = " + quartic +
                                     "\nset confinement = " + std::to_string(c);
        const double y_m = 1 / std::sqrt(2 * c);
        BOOST_TEST_CONTEXT(quartic << ", c = " << c)
        {
          {
            auto l = make_landscape<2>("anisotropic-saddle", settings);
            BOOST_TEST(l->drift_is_gradient());
            // The saddle: ∇f = 0, Hessian diag(2, −2), indefinite.
            BOOST_TEST(l->gradient(dealii::Point<2>()).norm() == 0.);
            BOOST_TEST(l->value(dealii::Point<2>()) == 0.);
            const auto H  = hessian(*l, dealii::Point<2>());
            const auto ev = dealii::eigenvalues(H);
            BOOST_TEST(ev[0] == 2., boost::test_tools::tolerance(1e-9));
            BOOST_TEST(ev[1] == -2., boost::test_tools::tolerance(1e-9));
            BOOST_TEST(std::abs(H[0][1]) < 1e-9);
            // The minima: ∇f = 0, f = −1/(4c), Hessian diag(2, 4)
            // (separable: ∂xx f = 2) or diag(4, 4) (radial:
            // ∂xx f = 2 + 4c y_m² = 4).
            for (const double s : {1., -1.})
              {
                const dealii::Point<2> m(0, s * y_m);
                BOOST_TEST(l->gradient(m).norm() < 1e-14);
                BOOST_TEST(l->value(m) == -1 / (4 * c),
                           boost::test_tools::tolerance(1e-14));
                const auto Hm = hessian(*l, m);
                BOOST_TEST(Hm[0][0] == (quartic == "radial" ? 4. : 2.),
                           boost::test_tools::tolerance(1e-8));
                BOOST_TEST(Hm[1][1] == 4., boost::test_tools::tolerance(1e-8));
                BOOST_TEST(std::abs(Hm[0][1]) < 1e-8);
              }
            // A hand value away from the axes: at (1, 2),
            // separable q = 1 + 16, radial q = 25.
            BOOST_TEST(l->value(dealii::Point<2>(1, 2)) ==
                         1 - 4 + c * (quartic == "radial" ? 25 : 17),
                       boost::test_tools::tolerance(1e-14));
            // ∇f against finite differences of f (the generic landscape
            // test sees only the default quartic).
            std::mt19937_64 generator(5);
            for (unsigned int n = 0; n < 20; ++n)
              {
                const dealii::Point<2> x = random_point(l->domain(), generator);
                const auto             g = l->gradient(x);
                for (unsigned int i = 0; i < 2; ++i)
                  BOOST_TEST(std::abs(g[i] - partial<2>(
                                               [&](const dealii::Point<2> &y) {
                                                 return l->value(y);
                                               },
                                               x,
                                               i)) <= 1e-8 * (1 + g.norm()));
              }
            const auto props = l->properties();
            BOOST_TEST(props.at("minimum value") == -1 / (4 * c));
            BOOST_TEST(props.at("minimum y") == y_m,
                       boost::test_tools::tolerance(1e-15));
            BOOST_TEST(props.at("barrier height") == 1 / (4 * c));
          }
          {
            // 3-D: + z², the saddle's Hessian diag(2, −2, 2).
            auto       l = make_landscape<3>("anisotropic-saddle", settings);
            const auto ev =
              dealii::eigenvalues(hessian(*l, dealii::Point<3>()));
            BOOST_TEST(ev[0] == 2., boost::test_tools::tolerance(1e-9));
            BOOST_TEST(ev[1] == 2., boost::test_tools::tolerance(1e-9));
            BOOST_TEST(ev[2] == -2., boost::test_tools::tolerance(1e-9));
            BOOST_TEST(l->value(dealii::Point<3>(0, y_m, 0.5)) ==
                         -1 / (4 * c) + 0.25,
                       boost::test_tools::tolerance(1e-14));
          }
        }
      }
  BOOST_CHECK_EXCEPTION(
    make_landscape<1>("anisotropic-saddle"),
    InputError,
    [](const InputError &e) { return e.parameter() == "/dimension"; });
  BOOST_CHECK_EXCEPTION(
    make_landscape<2>("anisotropic-saddle", "set noise growth = 0"),
    InputError,
    [](const InputError &e) {
      return e.parameter() == "/Landscape/anisotropic-saddle/noise growth";
    });
}

BOOST_AUTO_TEST_CASE(anisotropic_saddle_diffusion)
{
  for (const double a : {4., 1.5})
    {
      auto   l             = make_landscape<3>("anisotropic-saddle",
                                 "set noise growth = " + std::to_string(a) +
                                   "\nset box = -2, 2; -3, 2.5; -1, 1");
      double max_condition = 0;
      // A grid through the box, with y = −3 (the largest |y|) on it.
      for (int i = 0; i <= 8; ++i)
        for (int k = 0; k <= 11; ++k)
          for (int m = 0; m <= 4; ++m)
            {
              const dealii::Point<3> x(-2 + 0.5 * i,
                                       -3 + 0.5 * k,
                                       -1 + 0.5 * m);
              const auto             D  = l->diffusion(x);
              const auto             ev = dealii::eigenvalues(D);
              BOOST_TEST(ev[2] > 0);
              // D = diag(1, 1 + a y², 1).
              BOOST_TEST(D[0][0] == 1.);
              BOOST_TEST(D[2][2] == 1.);
              BOOST_TEST(D[1][1] == 1 + a * x[1] * x[1],
                         boost::test_tools::tolerance(1e-15));
              BOOST_TEST(D[0][1] == 0.);
              BOOST_TEST(D[0][2] == 0.);
              BOOST_TEST(D[1][2] == 0.);
              const auto div = l->diffusion_divergence(x);
              BOOST_TEST(div[1] == 2 * a * x[1],
                         boost::test_tools::tolerance(1e-15));
              BOOST_TEST(div[0] == 0.);
              BOOST_TEST(div[2] == 0.);
              max_condition = std::max(max_condition, ev[0] / ev[2]);
            }
      const auto props = l->properties();
      BOOST_TEST(max_condition == 1 + 9 * a,
                 boost::test_tools::tolerance(1e-14));
      BOOST_TEST(props.at("max condition number of D") == 1 + 9 * a,
                 boost::test_tools::tolerance(1e-14));
    }
  // The defaults stay below the documented anisotropy limit of 50: 37.
  auto l = make_landscape<2>("anisotropic-saddle");
  BOOST_TEST(l->properties().at("max condition number of D") == 37.,
             boost::test_tools::tolerance(1e-14));
  BOOST_TEST(l->properties().at("recommended inverse temperature") == 2.);
  BOOST_TEST(l->properties().at("critical inverse temperature") == 4.);
}

BOOST_AUTO_TEST_CASE(anisotropic_saddle_steady_state)
{
  const double c = 0.25, a = 4, y_m = std::sqrt(2.);
  auto         l = make_landscape<2>("anisotropic-saddle");

  // Zero flux (detailed balance) for ρ = e^{−βΦ}, with ∇ρ by finite
  // differences of ρ (not from the derivation of Φ), at every β.
  for (const double beta : {1., 2., 3., 6.})
    {
      const auto rho = [&](const dealii::Point<2> &x) {
        return std::exp(-beta * separable_phi(x, c, a, beta));
      };
      std::mt19937_64 generator(3);
      double          max_relative = 0;
      for (unsigned int n = 0; n < 40; ++n)
        {
          const dealii::Point<2> x = random_point(l->domain(), generator);
          dealii::Tensor<1, 2>   grad;
          for (unsigned int i = 0; i < 2; ++i)
            grad[i] = partial<2>(rho, x, i);
          const double               r = rho(x);
          const dealii::Tensor<1, 2> J = flux<2>(*l, x, beta, r, grad);
          // Relative to the size of either part of the flux.
          const double scale = r * l->drift(x).norm() + 1e-300;
          max_relative       = std::max(max_relative, J.norm() / scale);
          BOOST_TEST(J.norm() <= 1e-7 * scale,
                     "beta = " << beta << ", x = (" << x << "): J = " << J);
        }
      BOOST_TEST_MESSAGE("anisotropic-saddle, beta = "
                         << beta << ": max |J|/(rho |b|) for exp(-beta Phi) = "
                         << max_relative);

      // Where the maximum is: on a 0.05 grid of the box (through 0).
      double           best = -1;
      dealii::Point<2> argmax;
      for (int i = -60; i <= 60; ++i)
        for (int k = -60; k <= 60; ++k)
          {
            const dealii::Point<2> x(0.05 * i, 0.05 * k);
            if (rho(x) > best)
              {
                best   = rho(x);
                argmax = x;
              }
          }
      const double ratio =
        rho(dealii::Point<2>()) / rho(dealii::Point<2>(0, y_m));
      if (beta < a)
        {
          BOOST_TEST(argmax.norm() == 0., "beta = " << beta);
          BOOST_TEST(ratio >= 2);
        }
      else
        {
          // Past the critical β = a the saddle is not the maximum.
          BOOST_TEST(std::abs(argmax[1]) > 0.2, "beta = " << beta);
          BOOST_TEST(argmax[0] == 0.);
        }
      // The ratios the landscape documents (and a finite-volume solution of
      // the stationary equation reproduced): 6.23, 4.31, 2.98.
      if (beta == 1)
        BOOST_TEST(ratio == 6.23, boost::test_tools::tolerance(1e-3));
      if (beta == 2)
        {
          BOOST_TEST(ratio == 4.31, boost::test_tools::tolerance(1e-3));
          BOOST_TEST(l->properties().at(
                       "density ratio saddle/minimum at recommended beta") ==
                       ratio,
                     boost::test_tools::tolerance(1e-13));
        }
      if (beta == 3)
        BOOST_TEST(ratio == 2.98, boost::test_tools::tolerance(2e-3));
    }

  // The radial quartic breaks detailed balance: D⁻¹(∇f + β⁻¹ div D) is
  // not a gradient (its curl, by finite differences, is 8cxy·(1 − 1/D22)
  // ≠ 0), so no density has zero flux; the separable one is curl-free.
  for (const std::string quartic : {"separable", "radial"})
    {
      auto q =
        make_landscape<2>("anisotropic-saddle", "set quartic = " + quartic);
      const double beta = 2;
      const auto   w    = [&](const dealii::Point<2> &x, const unsigned int i) {
        const auto v = q->gradient(x) + q->diffusion_divergence(x) / beta;
        return v[i] / q->diffusion(x)[i][i];
      };
      const dealii::Point<2> x(0.7, -1.1);
      const double           curl =
        partial<2>([&](const dealii::Point<2> &y) { return w(y, 1); }, x, 0) -
        partial<2>([&](const dealii::Point<2> &y) { return w(y, 0); }, x, 1);
      const double expected = quartic == "radial"
                                ? 8 * c * 0.7 * -1.1 * (1 / (1 + a * 1.21) - 1)
                                : 0.;
      BOOST_TEST(std::abs(curl - expected) < 1e-8,
                 quartic << ": curl " << curl << ", expected " << expected);
      if (quartic == "radial")
        BOOST_TEST(std::abs(expected) > 0.1);
      if (quartic == "radial")
        BOOST_TEST(q->properties().count(
                     "density ratio saddle/minimum at recommended beta") == 0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
