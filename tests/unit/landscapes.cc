// Unit tests of the landscapes: every f, ∇f, D and div D against an
// independent computation (finite differences, hand values, brute force).
#include <deal.II/base/numbers.h>
#include <deal.II/base/symmetric_tensor.h>

#include <boost/test/unit_test.hpp>

#include "landscape_test_helpers.h"
#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "problems/perceptron.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

using relax::InputError;
using relax::Landscape;
using relax::testing::make_landscape;

namespace
{
  constexpr double pi = dealii::numbers::PI;

  using relax::testing::partial;
  using relax::testing::random_point;

  /// The largest errors found by check_landscape, for the log.
  struct Errors
  {
    double gradient       = 0;
    double divergence     = 0;
    double min_eigenvalue = std::numeric_limits<double>::max();
  };

  /**
   * The consistency of one landscape at 20 random points of its box:
   * ∇f against finite differences of f, div D against finite differences
   * of D, D positive definite, drift = −∇f when it says so.
   */
  template <int dim>
  Errors
  check_landscape(const Landscape<dim> &landscape, const std::string &name)
  {
    Errors                   errors;
    const relax::Domain<dim> domain = landscape.domain();
    for (unsigned int i = 0; i < dim; ++i)
      BOOST_TEST(domain.lower[i] < domain.upper[i]);

    std::mt19937_64 generator(20240601);
    for (unsigned int n = 0; n < 20; ++n)
      {
        const dealii::Point<dim> x = random_point(domain, generator);
        BOOST_TEST_CONTEXT(name << " in " << dim << "-D at x = (" << x << ")")
        {
          BOOST_TEST(std::isfinite(landscape.value(x)));

          // ∇f
          const dealii::Tensor<1, dim> g = landscape.gradient(x);
          for (unsigned int i = 0; i < dim; ++i)
            {
              const double fd = partial<dim>(
                [&](const dealii::Point<dim> &y) { return landscape.value(y); },
                x,
                i);
              const double error = std::abs(g[i] - fd);
              errors.gradient =
                std::max(errors.gradient, error / (1 + g.norm()));
              BOOST_TEST(error <= 1e-7 * (1 + g.norm()),
                         "d f/d x" << i << " = " << g[i] << " but FD " << fd);
            }

          // D symmetric positive definite (symmetric by type).
          const dealii::SymmetricTensor<2, dim> D      = landscape.diffusion(x);
          const std::array<double, dim>         lambda = dealii::eigenvalues(D);
          BOOST_TEST(lambda[dim - 1] > 0,
                     "D has eigenvalue " << lambda[dim - 1]);
          errors.min_eigenvalue =
            std::min(errors.min_eigenvalue, lambda[dim - 1]);

          // div D
          const dealii::Tensor<1, dim> div = landscape.diffusion_divergence(x);
          double                       D_scale = 1;
          for (unsigned int i = 0; i < dim; ++i)
            D_scale = std::max(D_scale, std::abs(lambda[i]));
          for (unsigned int i = 0; i < dim; ++i)
            {
              double fd = 0;
              for (unsigned int j = 0; j < dim; ++j)
                fd += partial<dim>(
                  [&](const dealii::Point<dim> &y) {
                    return landscape.diffusion(y)[i][j];
                  },
                  x,
                  j);
              const double error = std::abs(div[i] - fd);
              errors.divergence  = std::max(errors.divergence, error / D_scale);
              BOOST_TEST(error <= 1e-7 * D_scale,
                         "(div D)_" << i << " = " << div[i] << " but FD "
                                    << fd);
            }

          // drift
          if (landscape.drift_is_gradient())
            {
              const dealii::Tensor<1, dim> b = landscape.drift(x);
              BOOST_TEST((b + g).norm() <= 1e-14 * (1 + g.norm()));
            }
        }
      }
    BOOST_TEST_MESSAGE(name
                       << " " << dim
                       << "-D: max |grad - FD|/(1+|grad|) = " << errors.gradient
                       << ", max |divD - FD|/max(1,|D|) = " << errors.divergence
                       << ", min eig D = " << errors.min_eigenvalue);
    return errors;
  }

  /// Checks the landscape if it exists in this dimension; says whether it
  /// does (an InputError for "/dimension" means it does not).
  template <int dim>
  bool
  check_if_defined(const std::string &name, const std::string &settings = "")
  {
    std::unique_ptr<Landscape<dim>> landscape;
    try
      {
        landscape = make_landscape<dim>(name, settings);
      }
    catch (const InputError &error)
      {
        BOOST_TEST(error.parameter() == "/dimension",
                   name << " in " << dim << "-D: " << error.what());
        return false;
      }
    check_landscape(*landscape, name);
    return true;
  }

  bool
  has_substring(const std::string &text, const std::string &part)
  {
    return text.find(part) != std::string::npos;
  }
} // namespace

BOOST_AUTO_TEST_SUITE(landscapes)

BOOST_AUTO_TEST_CASE(every_landscape_is_consistent)
{
  // Which dimensions each landscape must exist in with its defaults.
  const std::map<std::string, std::set<int>> expected = {
    {"saddle", {2, 3}},
    {"monkey-saddle", {2, 3}},
    {"double-well", {1, 2, 3}},
    {"sharp-wide", {1, 2, 3}},
    {"quadratic", {1, 2, 3}},
    {"xy-model", {2}}, // 3 spins with gauge fixing
    {"perceptron", {1, 2, 3}},
    {"parsed", {1, 2, 3}}};
  std::set<std::string> seen;
  for (const auto &entry : relax::registered_landscapes())
    {
      std::set<int> defined;
      if (check_if_defined<1>(entry.name))
        defined.insert(1);
      if (check_if_defined<2>(entry.name))
        defined.insert(2);
      if (check_if_defined<3>(entry.name))
        defined.insert(3);
      BOOST_TEST(!defined.empty(), entry.name << " exists in no dimension");
      seen.insert(entry.name);
      const auto e = expected.find(entry.name);
      if (e != expected.end())
        BOOST_TEST(defined == e->second,
                   entry.name << " is defined in the wrong dimensions");
    }
  for (const auto &e : expected)
    BOOST_TEST(seen.count(e.first) == 1, e.first << " is not registered");
}

BOOST_AUTO_TEST_CASE(non_default_settings_are_consistent)
{
  // The settings the defaults do not reach: non-symmetric A with a full D,
  // x-dependent parsed D, the other perceptron losses, xy-model in every
  // dimension, tilted double well.
  BOOST_TEST(
    check_if_defined<2>("quadratic",
                        "set A = 1, 2; -1, 3\nset D = 2, 0.5; 0.5, 1"));
  BOOST_TEST(check_if_defined<3>(
    "quadratic",
    "set A = 1, 2, 0; -1, 3, 0; 0, 1, 1\nset D = 2, 0.5, 0; "
    "0.5, 1, 0.1; 0, 0.1, 1"));
  BOOST_TEST(check_if_defined<2>(
    "parsed",
    "set f = a*x^4 - x*y + sin(b*y)\nset constants = a=0.5, b=2\n"
    "set D11 = 1 + x^2\nset D12 = 0.3*sin(x*y)\nset D22 = 2 + cos(y)"));
  BOOST_TEST(check_if_defined<3>(
    "parsed",
    "set f = exp(-x^2-y^2-z^2) + x*y*z\nset D11 = 1 + x^2\nset D12 = "
    "0.1*y\nset D13 = 0.1*z*x\nset D22 = 2\nset D23 = 0.2*sin(z)\nset D33 "
    "= 1 + y^2"));
  for (const std::string loss : {"sigmoid-square", "logistic"})
    {
      BOOST_TEST(check_if_defined<2>("perceptron", "set loss = " + loss));
      BOOST_TEST(check_if_defined<3>("perceptron",
                                     "set loss = " + loss +
                                       "\nset samples = 3\nset seed = 7"
                                       "\nset batch size = 2"));
    }
  BOOST_TEST(check_if_defined<1>("xy-model",
                                 "set spins = 2\nset topology = chain\n"
                                 "set field = 0.3"));
  BOOST_TEST(check_if_defined<3>("xy-model",
                                 "set spins = 3\nset gauge fixing = false\n"
                                 "set coupling = 1, -0.5, 2\nset field = 0.4"));
  BOOST_TEST(
    check_if_defined<3>("xy-model", "set spins = 4\nset topology = chain"));
  BOOST_TEST(check_if_defined<2>("double-well",
                                 "set tilt = 0.3\nset well separation = 1.5\n"
                                 "set transverse stiffness = 3"));
  BOOST_TEST(check_if_defined<3>("saddle", "set confinement = 2"));
}

BOOST_AUTO_TEST_CASE(documented_critical_points)
{
  // saddle: minima at (0, ±1/sqrt(2c)) with f = −1/(4c), saddle at 0.
  {
    const double c = 0.4;
    auto         f = make_landscape<3>("saddle", "set confinement = 0.4");
    const dealii::Point<3> minimum(0, 1 / std::sqrt(2 * c), 0);
    BOOST_TEST(f->gradient(minimum).norm() < 1e-14);
    BOOST_TEST(f->value(minimum) == -1 / (4 * c),
               boost::test_tools::tolerance(1e-14));
    BOOST_TEST(f->value(dealii::Point<3>()) == 0.);
  }
  // monkey-saddle: three minima at radius 3/(4c), f = −27/(256c³).
  {
    const double c = 0.5, r = 3 / (4 * c);
    auto         f = make_landscape<2>("monkey-saddle");
    for (const double angle : {pi / 3, pi, 5 * pi / 3})
      {
        const dealii::Point<2> minimum(r * std::cos(angle),
                                       r * std::sin(angle));
        BOOST_TEST(f->gradient(minimum).norm() < 1e-13);
        BOOST_TEST(f->value(minimum) == -27 / (256 * c * c * c),
                   boost::test_tools::tolerance(1e-13));
      }
  }
  // double-well: minima at ±a with f = 0, barrier H at 0.
  {
    auto f = make_landscape<2>("double-well",
                               "set barrier height = 2.5\n"
                               "set well separation = 1.5");
    BOOST_TEST(f->gradient(dealii::Point<2>(1.5, 0)).norm() < 1e-14);
    BOOST_TEST(f->gradient(dealii::Point<2>(-1.5, 0)).norm() < 1e-14);
    BOOST_TEST(std::abs(f->value(dealii::Point<2>(1.5, 0))) < 1e-14);
    BOOST_TEST(f->value(dealii::Point<2>()) == 2.5);
  }
}

BOOST_AUTO_TEST_CASE(sharp_wide_gibbs_masses)
{
  // The documented claim: with the defaults the sharp well is deeper, yet
  // for eps in [0.1, 0.5] the wide basin holds more of ∫ e^{−f/eps}; at
  // eps = 0.02 the sharp one does (1-D, midpoint rule on 60000 cells).
  auto f = make_landscape<1>("sharp-wide");
  BOOST_TEST(f->value(dealii::Point<1>(-1)) <
             f->value(dealii::Point<1>(1)) - 0.05);
  // The barrier between the basins: the maximum of f on (−1, 1).
  double barrier = 0, highest = -1e300;
  for (double x = -1; x < 1; x += 1e-4)
    if (f->value(dealii::Point<1>(x)) > highest)
      {
        highest = f->value(dealii::Point<1>(x));
        barrier = x;
      }
  BOOST_TEST(barrier == -0.65, boost::test_tools::tolerance(0.02));
  const auto ratio = [&](const double eps) {
    double       sharp = 0, wide = 0;
    const double h = 6. / 60000;
    for (unsigned int i = 0; i < 60000; ++i)
      {
        const double x = -3 + (i + 0.5) * h;
        const double w = std::exp(-(f->value(dealii::Point<1>(x)) + 1) / eps);
        (x < barrier ? sharp : wide) += w * h;
      }
    return wide / sharp;
  };
  BOOST_TEST_MESSAGE("sharp-wide 1-D mass ratio wide/sharp: eps 0.02: "
                     << ratio(0.02) << ", 0.1: " << ratio(0.1)
                     << ", 0.5: " << ratio(0.5));
  BOOST_TEST(ratio(0.02) < 0.1);
  BOOST_TEST(ratio(0.1) > 1.5);
  BOOST_TEST(ratio(0.2) > 2.5);
  BOOST_TEST(ratio(0.5) > 2);
}

BOOST_AUTO_TEST_CASE(xy_model)
{
  const std::string settings = "set spins = 3\nset topology = ring\n"
                               "set coupling = 1, 0.5, -0.3\nset field = 0.7\n";
  auto              free =
    make_landscape<3>("xy-model", settings + "set gauge fixing = false");
  auto fixed =
    make_landscape<2>("xy-model", settings + "set gauge fixing = true");

  // Hand value: bonds (0,1), (1,2), (2,0).
  {
    const double t0 = 0.3, t1 = -1.2, t2 = 2.5;
    const double hand = -1 * std::cos(t0 - t1) - 0.5 * std::cos(t1 - t2) +
                        0.3 * std::cos(t2 - t0) -
                        0.7 * (std::cos(t0) + std::cos(t1) + std::cos(t2));
    BOOST_TEST(free->value(dealii::Point<3>(t0, t1, t2)) == hand,
               boost::test_tools::tolerance(1e-14));
  }

  std::mt19937_64        generator(5);
  const relax::Domain<3> torus = free->domain();
  for (unsigned int i = 0; i < 3; ++i)
    {
      BOOST_TEST(torus.periodic[i]);
      BOOST_TEST(torus.lower[i] == -pi);
      BOOST_TEST(torus.upper[i] == pi);
    }
  BOOST_TEST(fixed->domain().is_torus());

  auto no_field = make_landscape<3>(
    "xy-model",
    "set spins = 3\nset gauge fixing = false\nset coupling = 1, 2, 3");
  double max_change_without_field = 0, max_change_with_field = 0;
  for (unsigned int n = 0; n < 20; ++n)
    {
      const dealii::Point<3> x = random_point(torus, generator);
      // Periodicity in every direction.
      for (unsigned int i = 0; i < 3; ++i)
        {
          dealii::Point<3> shifted = x;
          shifted[i] += 2 * pi;
          BOOST_TEST(free->value(shifted) == free->value(x),
                     boost::test_tools::tolerance(1e-13));
        }
      // Rotation θ → θ + s(1,1,1): invariant without a field only.
      const double           s       = 0.1 + n * 0.2;
      const dealii::Point<3> rotated = x + s * dealii::Point<3>(1, 1, 1);
      max_change_without_field =
        std::max(max_change_without_field,
                 std::abs(no_field->value(rotated) - no_field->value(x)));
      max_change_with_field =
        std::max(max_change_with_field,
                 std::abs(free->value(rotated) - free->value(x)));
      // Gauge fixing = the free model with θ_0 = 0 inserted.
      const dealii::Point<2> y(x[1], x[2]);
      const dealii::Point<3> y0(0, x[1], x[2]);
      BOOST_TEST(fixed->value(y) == free->value(y0),
                 boost::test_tools::tolerance(1e-14));
      BOOST_TEST(fixed->gradient(y)[0] == free->gradient(y0)[1],
                 boost::test_tools::tolerance(1e-12));
      BOOST_TEST(fixed->gradient(y)[1] == free->gradient(y0)[2],
                 boost::test_tools::tolerance(1e-12));
    }
  BOOST_TEST(max_change_without_field < 1e-13);
  BOOST_TEST(max_change_with_field > 0.1);

  // The rotation is a zero mode of the Hessian-free model: the gradient is
  // orthogonal to (1, 1, 1) without a field.
  const dealii::Point<3> x(0.4, -2.0, 1.1);
  const auto             g = no_field->gradient(x);
  BOOST_TEST(std::abs(g[0] + g[1] + g[2]) < 1e-14);

  // Errors.
  BOOST_CHECK_EXCEPTION(
    make_landscape<2>("xy-model", "set spins = 4\nset gauge fixing = true"),
    InputError,
    [](const InputError &e) {
      return e.parameter() == "/dimension" &&
             e.message() ==
               "xy-model with 4 spins and gauge fixing has 3 angles, but "
               "dimension = 2";
    });
  BOOST_CHECK_EXCEPTION(
    make_landscape<2>("xy-model", "set spins = 2\nset gauge fixing = false"),
    InputError,
    [](const InputError &e) {
      return e.parameter() == "/Landscape/xy-model/topology";
    });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("xy-model", "set coupling = 1, 2"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() ==
                                   "/Landscape/xy-model/coupling" &&
                                 has_substring(e.message(), "3 bonds");
                        });
}

namespace
{
  /// The test's own per-sample loss, written from the definitions (output
  /// z = w·x, label y = ±1), not from the margin form the code uses.
  double
  reference_loss(const std::string &loss, const double z, const double y)
  {
    if (loss == "logistic")
      return std::log(1 + std::exp(-y * z));
    if (loss == "hinge")
      return std::max(0., 1 - y * z);
    const double s = 1 / (1 + std::exp(-z));
    return (s - (1 + y) / 2) * (s - (1 + y) / 2);
  }
} // namespace

BOOST_AUTO_TEST_CASE(perceptron_data_are_portable)
{
  // The first inputs from mt19937_64 and Box–Muller, recomputed here.
  std::mt19937_64 generator(42);
  const double u1 = static_cast<double>(generator() >> 11) / 9007199254740992.;
  const double u2 = static_cast<double>(generator() >> 11) / 9007199254740992.;
  const double r  = std::sqrt(-2 * std::log(1 - u1));
  relax::PerceptronData data(
    5000, 42, {0.3, -1, 0.2}, 0.2, relax::PerceptronLoss::logistic);
  BOOST_TEST(data.input(0)[0] == r * std::cos(2 * pi * u2),
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(data.input(0)[1] == r * std::sin(2 * pi * u2),
             boost::test_tools::tolerance(1e-15));

  // Moments of the 15000 normals and the flip rate.
  double mean = 0, square = 0;
  for (unsigned int k = 0; k < 5000; ++k)
    for (unsigned int i = 0; i < 3; ++i)
      {
        mean += data.input(k)[i] / 15000;
        square += data.input(k)[i] * data.input(k)[i] / 15000;
      }
  BOOST_TEST(std::abs(mean) < 4 / std::sqrt(15000.));
  BOOST_TEST(std::abs(square - 1) < 4 * std::sqrt(2 / 15000.));
  BOOST_TEST(std::abs(data.n_flipped() / 5000. - 0.2) <
             4 * std::sqrt(0.2 * 0.8 / 5000));
  // Labels: sign(w*.x) unless flipped.
  unsigned int disagree = 0;
  for (unsigned int k = 0; k < 5000; ++k)
    {
      const double *x = data.input(k);
      if ((0.3 * x[0] - x[1] + 0.2 * x[2] >= 0 ? 1. : -1.) != data.label(k))
        ++disagree;
    }
  BOOST_TEST(disagree == data.n_flipped());
}

BOOST_AUTO_TEST_CASE(perceptron_diffusion_is_gradient_covariance)
{
  for (const std::string loss : {"logistic", "hinge", "sigmoid-square"})
    {
      const unsigned int N         = 40;
      auto               landscape = make_landscape<2>(
        "perceptron",
        "set samples = 40\nset seed = 3\nset label noise = 0.15\n"
                      "set teacher = 1, 0.5\nset loss = " +
          loss);
      // The same data, read through the shared class.
      const relax::PerceptronData data(
        40, 3, {1, 0.5}, 0.15, relax::perceptron_loss_from_string(loss));
      const double floor = landscape->properties().at("diffusion floor");
      BOOST_TEST(floor > 0);
      BOOST_TEST(floor < 1e-5);

      double max_f_error = 0, max_D_error = 0;
      for (const dealii::Point<2> w : {dealii::Point<2>(0.3, -0.2),
                                       dealii::Point<2>(1.5, 0.4),
                                       dealii::Point<2>(-2, 1),
                                       dealii::Point<2>(0.05, 3)})
        {
          // Per-sample losses and their gradients by central differences.
          std::vector<dealii::Tensor<1, 2>> g(N);
          double                            f         = 0;
          bool                              near_kink = false;
          for (unsigned int k = 0; k < N; ++k)
            {
              const double *x       = data.input(k);
              const double  y       = data.label(k);
              const auto    loss_at = [&](const dealii::Point<2> &v) {
                return reference_loss(loss, v[0] * x[0] + v[1] * x[1], y);
              };
              f += loss_at(w) / N;
              if (std::abs(y * (w[0] * x[0] + w[1] * x[1]) - 1) < 1e-3)
                near_kink = true;
              for (unsigned int i = 0; i < 2; ++i)
                g[k][i] = partial<2>(loss_at, w, i, 1e-5);
            }
          if (loss == "hinge" && near_kink)
            continue;
          max_f_error =
            std::max(max_f_error, std::abs(landscape->value(w) - f));
          BOOST_TEST(landscape->value(w) == f,
                     boost::test_tools::tolerance(1e-13));

          dealii::Tensor<1, 2> mean;
          for (const auto &gk : g)
            mean += gk / N;
          dealii::Tensor<2, 2> covariance;
          for (const auto &gk : g)
            covariance += dealii::outer_product(gk - mean, gk - mean) / N;
          const auto D = landscape->diffusion(w);
          for (unsigned int i = 0; i < 2; ++i)
            for (unsigned int j = 0; j < 2; ++j)
              {
                const double expected = covariance[i][j] + (i == j ? floor : 0);
                max_D_error =
                  std::max(max_D_error, std::abs(D[i][j] - expected));
                BOOST_TEST(std::abs(D[i][j] - expected) < 1e-9,
                           loss << " D" << i << j << " = " << D[i][j]
                                << ", brute force " << expected);
              }
          // The mean gradient too.
          BOOST_TEST((landscape->gradient(w) - mean).norm() < 1e-9);
          if (loss == "hinge")
            BOOST_TEST(landscape->diffusion_divergence(w).norm() == 0.);
        }
      BOOST_TEST_MESSAGE("perceptron "
                         << loss << ": max |f - mean loss| = " << max_f_error
                         << ", max |D - brute force| = " << max_D_error);
    }
}

BOOST_AUTO_TEST_CASE(perceptron_temperature)
{
  auto with = make_landscape<2>(
    "perceptron",
    "set learning rate = 0.3\nset batch size = 8\nset samples = 50");
  BOOST_TEST(with->properties().at("inverse temperature") == 2 * 8 / 0.3,
             boost::test_tools::tolerance(1e-14));
  BOOST_TEST(with->properties().at("temperature") == 0.3 / 16,
             boost::test_tools::tolerance(1e-14));
  BOOST_TEST(with->properties().at("samples") == 50.);
  auto without = make_landscape<2>(
    "perceptron",
    "set learning rate = 0.3\nset batch size = 8\nset samples = 50\n"
    "set sampling = without-replacement");
  BOOST_TEST(without->properties().at("inverse temperature") ==
               2 * 8 / 0.3 / (1 - 8. / 50),
             boost::test_tools::tolerance(1e-14));
  BOOST_CHECK_EXCEPTION(
    make_landscape<2>("perceptron",
                      "set batch size = 50\nset samples = 50\n"
                      "set sampling = without-replacement"),
    InputError,
    [](const InputError &e) {
      return e.parameter() == "/Landscape/perceptron/batch size";
    });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("perceptron",
                                          "set teacher = 1, 2, 3"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() ==
                                 "/Landscape/perceptron/teacher";
                        });
}

BOOST_AUTO_TEST_CASE(quadratic)
{
  // A non-symmetric A: drift −Ax is not −∇f, f uses the symmetric part.
  auto q = make_landscape<2>("quadratic", "set A = 1, 2; -1, 3");
  BOOST_TEST(!q->drift_is_gradient());
  const dealii::Point<2> x(0.7, -1.3);
  const auto             b = q->drift(x);
  BOOST_TEST(b[0] == -(1 * 0.7 + 2 * -1.3),
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(b[1] == -(-1 * 0.7 + 3 * -1.3),
             boost::test_tools::tolerance(1e-15));
  // A_s = [[1, 0.5], [0.5, 3]]
  BOOST_TEST(q->value(x) == 0.5 * (0.49 + 2 * 0.5 * 0.7 * -1.3 + 3 * 1.69),
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(q->gradient(x)[0] == 0.7 + 0.5 * -1.3,
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(
    make_landscape<2>("quadratic", "set A = 1, 2; 2, 3")->drift_is_gradient());

  auto d =
    make_landscape<3>("quadratic", "set D = 2, 0.5, 0; 0.5, 1, 0; 0, 0, 3");
  BOOST_TEST(d->diffusion(dealii::Point<3>())[0][1] == 0.5);
  BOOST_TEST(d->diffusion_divergence(dealii::Point<3>(1, 2, 3)).norm() == 0.);

  BOOST_CHECK_EXCEPTION(make_landscape<2>("quadratic",
                                          "set D = 1, 0.5; 0.3, 1"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/quadratic/D" &&
                                 e.message() ==
                                   "is not symmetric: D12 = 0.5 but D21 = 0.3";
                        });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("quadratic", "set D = 1, 2; 2, 1"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/quadratic/D" &&
                                 has_substring(e.message(),
                                               "not positive definite") &&
                                 has_substring(e.message(), "3, -1");
                        });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("quadratic", "set A = 1, 2, 3"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/quadratic/A";
                        });
}

BOOST_AUTO_TEST_CASE(parsed)
{
  {
    auto f = make_landscape<2>("parsed",
                               "set f = a*x^2 + b*sin(y)\n"
                               "set constants = a=2, b=3");
    BOOST_TEST(f->value(dealii::Point<2>(0.5, 1)) ==
                 2 * 0.25 + 3 * std::sin(1.),
               boost::test_tools::tolerance(1e-15));
  }
  {
    // In 1-D y and z are 0; pi is defined.
    auto f = make_landscape<1>("parsed", "set f = x^3 + y + cos(pi*z) + pi");
    BOOST_TEST(f->value(dealii::Point<1>(2)) == 8 + 1 + pi,
               boost::test_tools::tolerance(1e-15));
  }
  {
    auto f =
      make_landscape<3>("parsed",
                        "set f = c*x*y*z - exp(z)\nset constants = c=-1.5");
    BOOST_TEST(f->value(dealii::Point<3>(1, 2, 0.5)) ==
                 -1.5 * 1 * 2 * 0.5 - std::exp(0.5),
               boost::test_tools::tolerance(1e-15));
  }

  // Gradient accuracy against the analytic gradient at the stated level:
  // h⁴ |f⁽⁵⁾|/30 + 1.5e-16 |f|/h per partial derivative.
  {
    const double h = 1e-2;
    auto         f =
      make_landscape<3>("parsed",
                        "set f = exp(a*x)*sin(y) + z^3\nset constants = a=0.7\n"
                        "set finite difference step = 0.01\nset box = -1, 1");
    std::mt19937_64 generator(11);
    double          max_error = 0, max_bound = 0;
    for (unsigned int n = 0; n < 20; ++n)
      {
        const dealii::Point<3> x = random_point(f->domain(), generator);
        const double           e = std::exp(0.7 * x[0]), s = std::sin(x[1]),
                     c = std::cos(x[1]);
        const dealii::Tensor<1, 3> exact({0.7 * e * s, e * c, 3 * x[2] * x[2]});
        // Fifth derivatives along each axis (z³ has none).
        const double fifth[3] = {std::pow(0.7, 5) * e * std::abs(s),
                                 e * std::abs(c) + 0.,
                                 0};
        for (unsigned int i = 0; i < 3; ++i)
          {
            // The fifth derivative varies over the ±2h stencil: allow e^{0.7·2h}.
            const double bound = std::pow(h, 4) * (fifth[i] * 1.1 + 1e-3) / 30 +
                                 1.5e-16 * (std::abs(f->value(x)) + 1) / h;
            const double error = std::abs(f->gradient(x)[i] - exact[i]);
            max_error          = std::max(max_error, error);
            max_bound          = std::max(max_bound, bound);
            BOOST_TEST(error <= 2 * bound,
                       "d/dx" << i << " error " << error << " bound " << bound);
          }
      }
    BOOST_TEST_MESSAGE("parsed, h = 0.01: max gradient error "
                       << max_error << ", bound " << max_bound);
  }
  {
    // Default step 1e-3: near machine precision for O(1) functions.
    auto f = make_landscape<2>("parsed", "set f = sin(x)*cos(y)");
    const dealii::Point<2> x(0.3, -0.8);
    BOOST_TEST(std::abs(f->gradient(x)[0] - std::cos(0.3) * std::cos(-0.8)) <
               1e-12);
    BOOST_TEST(std::abs(f->gradient(x)[1] + std::sin(0.3) * std::sin(-0.8)) <
               1e-12);
  }
  {
    // div D of an x-dependent D, analytically:
    // (div D)_1 = ∂x D11 + ∂y D12 = 2x + 0.1x,
    // (div D)_2 = ∂x D12 + ∂y D22 = 0.1y + 2y.
    auto                   f = make_landscape<2>("parsed",
                               "set D11 = 1 + x^2\nset D12 = 0.1*x*y\n"
                                                 "set D22 = 2 + y^2");
    const dealii::Point<2> x(0.6, -0.4);
    const auto             div = f->diffusion_divergence(x);
    BOOST_TEST(std::abs(div[0] - (2 * 0.6 + 0.1 * 0.6)) < 1e-11);
    BOOST_TEST(std::abs(div[1] - (0.1 * -0.4 + 2 * -0.4)) < 1e-11);
    BOOST_TEST(f->diffusion(x)[1][0] == 0.1 * 0.6 * -0.4,
               boost::test_tools::tolerance(1e-15));
  }

  // Errors name the parameter and carry muParser's position.
  BOOST_CHECK_EXCEPTION(
    make_landscape<2>("parsed", "set f = x^^2"),
    InputError,
    [](const InputError &e) {
      BOOST_TEST_MESSAGE("parsed, bad f: " << e.what());
      return e.parameter() == "/Landscape/parsed/f" &&
             has_substring(e.message(), "'x^^2' does not parse") &&
             has_substring(e.message(), "position 2 (counting from 0)") &&
             !has_substring(e.message(), "Column");
    });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("parsed", "set D12 = 0.1*w"),
                        InputError,
                        [](const InputError &e) {
                          BOOST_TEST_MESSAGE("parsed, bad D12: " << e.what());
                          return e.parameter() == "/Landscape/parsed/D12" &&
                                 has_substring(e.message(), "does not parse");
                        });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("parsed", "set constants = a=1, b"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/parsed/constants";
                        });
  BOOST_CHECK_EXCEPTION(make_landscape<2>("parsed", "set D11 = -1"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/parsed/D11" &&
                                 has_substring(e.message(),
                                               "not positive definite");
                        });
  // In 1-D an expression using only x is fine, D12 is not read.
  BOOST_CHECK_NO_THROW(make_landscape<1>("parsed", "set D12 = nonsense("));
}

BOOST_AUTO_TEST_CASE(parse_box)
{
  const auto same = relax::parse_box<2>("-1, 2.5", "box");
  BOOST_TEST(same.lower[1] == -1.);
  BOOST_TEST(same.upper[1] == 2.5);
  BOOST_TEST(!same.periodic[0]);
  const auto each = relax::parse_box<3>("0, 1; -2, 3; 4, 5", "box");
  BOOST_TEST(each.lower[1] == -2.);
  BOOST_TEST(each.upper[2] == 5.);

  BOOST_CHECK_EXCEPTION(relax::parse_box<2>("2, 1", "box"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "box" &&
                                 e.message() == "degenerate domain: lower 2 "
                                                ">= upper 1 on axis 1";
                        });
  BOOST_CHECK_EXCEPTION(relax::parse_box<2>("0, 1; 3, 3", "box"),
                        InputError,
                        [](const InputError &e) {
                          return e.message() == "degenerate domain: lower 3 "
                                                ">= upper 3 on axis 2";
                        });
  BOOST_CHECK_THROW(relax::parse_box<3>("0, 1; 0, 1", "box"), InputError);
  BOOST_CHECK_THROW(relax::parse_box<1>("0, 1, 2", "box"), InputError);
  BOOST_CHECK_THROW(relax::parse_box<1>("0, one", "box"), InputError);
  // Through a landscape: the full parameter path.
  BOOST_CHECK_EXCEPTION(make_landscape<2>("saddle", "set box = 1, -1"),
                        InputError,
                        [](const InputError &e) {
                          return e.parameter() == "/Landscape/saddle/box";
                        });
}

BOOST_AUTO_TEST_SUITE_END()
