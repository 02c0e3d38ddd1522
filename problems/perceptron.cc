// The teacher–student perceptron: a landscape whose diffusion matrix is
// the gradient-noise covariance of SGD on real (synthetic) data.
#include "problems/perceptron.h"

#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/named_choice.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "problems/spd_check.h"
#include "training/random.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace relax
{
  namespace
  {
    /// σ(z) = 1/(1 + e^{−z}) without overflow for either sign of z.
    double
    sigmoid(const double z)
    {
      if (z >= 0)
        return 1 / (1 + std::exp(-z));
      const double e = std::exp(z);
      return e / (1 + e);
    }

  } // namespace

  PerceptronLoss
  perceptron_loss_from_string(const std::string &name)
  {
    return named_choice<PerceptronLoss>(name,
                                        {{"logistic", PerceptronLoss::logistic},
                                         {"hinge", PerceptronLoss::hinge},
                                         {"sigmoid-square", PerceptronLoss::sigmoid_square}},
                                        "perceptron loss");
  }

  LossDerivatives
  perceptron_loss(const PerceptronLoss loss, const double m)
  {
    switch (loss)
      {
          case PerceptronLoss::logistic: {
            // log(1 + e^{−m}) = max(−m, 0) + log1p(e^{−|m|}), exact for
            // large |m| of either sign.
            const double value =
              std::max(-m, 0.) + std::log1p(std::exp(-std::abs(m)));
            return {value, -sigmoid(-m), sigmoid(m) * sigmoid(-m)};
          }
        case PerceptronLoss::hinge:
          if (m < 1)
            return {1 - m, -1, 0};
          return {0, 0, 0};
          case PerceptronLoss::sigmoid_square: {
            // ℓ = a², a = σ(−m), b = σ(m), a' = −ab, b' = ab:
            // ℓ' = −2a²b, ℓ'' = 4a²b² − 2a³b.
            const double a = sigmoid(-m), b = sigmoid(m);
            return {a * a, -2 * a * a * b, 2 * a * a * b * (2 * b - a)};
          }
      }
    throw std::logic_error("unhandled perceptron loss");
  }

  PerceptronData::PerceptronData(const unsigned int         n_samples,
                                 const std::uint64_t        seed,
                                 const std::vector<double> &teacher,
                                 const double               label_noise,
                                 const PerceptronLoss       loss)
    : p(static_cast<unsigned int>(teacher.size()))
    , loss(loss)
    , inputs(std::size_t(n_samples) * teacher.size())
    , labels(n_samples)
  {
    std::mt19937_64 generator(seed);
    fill_standard_normal(generator, inputs.data(), inputs.size());
    for (unsigned int k = 0; k < n_samples; ++k)
      {
        double product = 0;
        for (unsigned int i = 0; i < p; ++i)
          product += teacher[i] * input(k)[i];
        labels[k]       = product >= 0 ? 1. : -1.;
        const bool flip = uniform01(generator) < label_noise;
        if (flip)
          {
            labels[k] = -labels[k];
            ++flipped;
          }
      }
  }

  double
  PerceptronData::margin(const unsigned int         k,
                         const std::vector<double> &w) const
  {
    const double *x       = input(k);
    double        product = 0;
    for (unsigned int i = 0; i < p; ++i)
      product += w[i] * x[i];
    return labels[k] * product;
  }

  double
  PerceptronData::sample_loss(const unsigned int         k,
                              const std::vector<double> &w) const
  {
    return perceptron_loss(loss, margin(k, w)).value;
  }

  void
  PerceptronData::sample_gradient(const unsigned int         k,
                                  const std::vector<double> &w,
                                  std::vector<double>       &gradient) const
  {
    const double factor = perceptron_loss(loss, margin(k, w)).first * labels[k];
    const double *x     = input(k);
    gradient.resize(p);
    for (unsigned int i = 0; i < p; ++i)
      gradient[i] = factor * x[i];
  }

  double
  PerceptronData::mean_loss(const std::vector<double> &w) const
  {
    double sum = 0;
    for (unsigned int k = 0; k < n_samples(); ++k)
      sum += sample_loss(k, w);
    return sum / n_samples();
  }

  std::vector<double>
  PerceptronData::mean_gradient(const std::vector<double> &w) const
  {
    std::vector<unsigned int> all(n_samples());
    for (unsigned int k = 0; k < n_samples(); ++k)
      all[k] = k;
    std::vector<double> gradient;
    batch_loss_and_gradient(all, w, gradient);
    return gradient;
  }

  double
  PerceptronData::batch_loss_and_gradient(
    const std::vector<unsigned int> &batch,
    const std::vector<double>       &w,
    std::vector<double>             &gradient) const
  {
    gradient.assign(p, 0.);
    double sum = 0;
    for (const unsigned int k : batch)
      {
        const LossDerivatives l      = perceptron_loss(loss, margin(k, w));
        const double          factor = l.first * labels[k];
        const double         *x      = input(k);
        sum += l.value;
        for (unsigned int i = 0; i < p; ++i)
          gradient[i] += factor * x[i];
      }
    for (double &g : gradient)
      g /= batch.size();
    return sum / batch.size();
  }

  void
  PerceptronData::gradient_covariance(const std::vector<double> &w,
                                      std::vector<double>       *covariance,
                                      std::vector<double> *divergence) const
  {
    const unsigned int  N = n_samples();
    std::vector<double> mean_g(p, 0.), second(p * p, 0.);
    // Σ_k (H_k g_k + tr(H_k) g_k) and H̄ = (1/N) Σ_k ℓ''_k x_k x_kᵀ.
    std::vector<double> hg(p, 0.), mean_h(p * p, 0.);
    std::vector<double> g(p);
    for (unsigned int k = 0; k < N; ++k)
      {
        const LossDerivatives l = perceptron_loss(loss, margin(k, w));
        const double         *x = input(k);
        for (unsigned int i = 0; i < p; ++i)
          g[i] = l.first * labels[k] * x[i];
        for (unsigned int i = 0; i < p; ++i)
          {
            mean_g[i] += g[i];
            for (unsigned int j = 0; j < p; ++j)
              second[i * p + j] += g[i] * g[j];
          }
        if (divergence != nullptr && l.second != 0)
          {
            // H_k g_k = ℓ'' x (x·g), tr H_k = ℓ'' |x|².
            double x_dot_g = 0, x_square = 0;
            for (unsigned int i = 0; i < p; ++i)
              {
                x_dot_g += x[i] * g[i];
                x_square += x[i] * x[i];
              }
            for (unsigned int i = 0; i < p; ++i)
              {
                hg[i] += l.second * (x[i] * x_dot_g + x_square * g[i]);
                for (unsigned int j = 0; j < p; ++j)
                  mean_h[i * p + j] += l.second * x[i] * x[j];
              }
          }
      }
    for (unsigned int i = 0; i < p; ++i)
      mean_g[i] /= N;
    if (covariance != nullptr)
      {
        covariance->resize(p * p);
        for (unsigned int i = 0; i < p; ++i)
          for (unsigned int j = 0; j < p; ++j)
            (*covariance)[i * p + j] =
              second[i * p + j] / N - mean_g[i] * mean_g[j];
      }
    if (divergence != nullptr)
      {
        divergence->assign(p, 0.);
        double trace = 0;
        for (unsigned int i = 0; i < p; ++i)
          trace += mean_h[i * p + i] / N;
        for (unsigned int i = 0; i < p; ++i)
          {
            double h_mean_g = 0;
            for (unsigned int j = 0; j < p; ++j)
              h_mean_g += mean_h[i * p + j] / N * mean_g[j];
            (*divergence)[i] = hg[i] / N - h_mean_g - trace * mean_g[i];
          }
      }
  }

  namespace
  {
    /**
     * The perceptron as a landscape on weight space R^p, p = dim: f is the
     * mean loss, D(w) the covariance of the per-sample gradients (plus a
     * small floor), and β = 2b/η the inverse temperature of SGD with
     * learning rate η and batch size b (SCIENCE.md §1), so that a
     * Fokker–Planck solution at that β models SGD on these data.
     */
    template <int dim>
    class Perceptron : public Landscape<dim>, public PerceptronDataSource
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry("samples",
                          "100",
                          dealii::Patterns::Integer(2),
                          "N >= 2: the number of training samples.");
        prm.declare_entry("seed",
                          "1",
                          dealii::Patterns::Integer(0),
                          "Seed of the std::mt19937_64 that draws the "
                          "inputs and label flips (the same data on every "
                          "platform).");
        prm.declare_entry("label noise",
                          "0.1",
                          dealii::Patterns::Double(0, 0.5),
                          "Probability in [0, 0.5] that a label is flipped. "
                          "With 0 the data are separable and the logistic "
                          "loss has no minimiser (f decreases to 0 as "
                          "|w| grows along the teacher).");
        prm.declare_entry("loss",
                          "logistic",
                          dealii::Patterns::Selection(
                            "logistic|hinge|sigmoid-square"),
                          "Per-sample loss of the margin m = y w.x: "
                          "logistic log(1 + exp(-m)); hinge max(0, 1 - m) "
                          "(kinked: D jumps across m = 1 and div D misses "
                          "the jump); sigmoid-square (sigmoid(w.x) - "
                          "(1 + y)/2)^2 = sigmoid(-m)^2, not convex.");
        prm.declare_entry("teacher",
                          "1",
                          dealii::Patterns::Anything(),
                          "w*: dim numbers, or one number s for s e_1. Only "
                          "its direction matters (labels are sign(w*.x)).");
        prm.declare_entry("learning rate",
                          "0.5",
                          dealii::Patterns::Double(0),
                          "eta > 0 of the SGD being modelled; sets the "
                          "temperature with the batch size.");
        prm.declare_entry("batch size",
                          "5",
                          dealii::Patterns::Integer(1),
                          "b >= 1 of the SGD being modelled (b < N without "
                          "replacement).");
        prm.declare_entry(
          "sampling",
          "with-replacement",
          dealii::Patterns::Selection("with-replacement|without-replacement"),
          "How mini-batches are drawn: the temperature is eta/(2b), times "
          "(1 - b/N) without replacement.");
        prm.declare_entry(
          "diffusion floor",
          "1e-6",
          dealii::Patterns::Double(0),
          "delta >= 0: D(w) = Cov_k(g_k) + delta s I with s = tr D(0)/p, the "
          "mean eigenvalue of the gradient covariance at w = 0 (so delta is "
          "relative). The covariance is singular when N - 1 < p and can "
          "vanish (hinge with all margins >= 1) or become tiny (large |w|); "
          "the floor keeps D positive definite. 0 turns it off.");
        declare_box_parameter(
          prm,
          "-6, 6",
          "Should contain the minimiser of f: for the defaults "
          "(logistic, 10 % noise, 100 samples) it is at w = 2.5 e_1 (p "
          "= 1), (3.1, -0.4) (p = 2), (4.0, -0.1, -0.1) (p = 3). The "
          "sigmoid-square loss saturates: its minimisers lie at |w| of "
          "10 to 40 on nearly flat ground, beyond any default box.");
      }

      explicit Perceptron(dealii::ParameterHandler &prm)
        : data(prm.get_integer("samples"),
               static_cast<std::uint64_t>(prm.get_integer("seed")),
               teacher(prm.get("teacher")),
               prm.get_double("label noise"),
               perceptron_loss_from_string(prm.get("loss")))
        , learning_rate(prm.get_double("learning rate"))
        , batch_size(prm.get_integer("batch size"))
        , without_replacement(prm.get("sampling") == "without-replacement")
        , box(parse_box<dim>(prm.get("box"), "box"))
      {
        const unsigned int N = data.n_samples();
        if (!(learning_rate > 0))
          throw InputError("learning rate", "must be positive");
        if (batch_size > N)
          throw InputError("batch size",
                           std::to_string(batch_size) + " is larger than the " +
                             std::to_string(N) + " samples");
        if (without_replacement && batch_size == N)
          throw InputError("batch size",
                           "equals the number of samples with sampling "
                           "without replacement: full-batch gradient "
                           "descent has no noise (zero temperature)");

        // β⁻¹ = η/(2b) (1 − b/N without replacement), SCIENCE.md §1.
        temperature = learning_rate / (2. * batch_size);
        if (without_replacement)
          temperature *= 1 - static_cast<double>(batch_size) / N;

        const double delta = prm.get_double("diffusion floor");
        if (!(delta >= 0))
          throw InputError("diffusion floor", "must not be negative");
        std::vector<double> d0;
        data.gradient_covariance(std::vector<double>(dim, 0.), &d0, nullptr);
        double trace = 0;
        for (unsigned int i = 0; i < dim; ++i)
          trace += d0[i * dim + i];
        // A zero covariance at w = 0 (degenerate data) leaves no scale:
        // take delta as absolute then.
        floor = delta * (trace > 0 ? trace / dim : 1.);
      }

      double
      value(const dealii::Point<dim> &w) const override
      {
        return data.mean_loss(to_vector(w));
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &w) const override
      {
        return to_tensor(data.mean_gradient(to_vector(w)));
      }

      dealii::SymmetricTensor<2, dim>
      diffusion(const dealii::Point<dim> &w) const override
      {
        std::vector<double> covariance;
        data.gradient_covariance(to_vector(w), &covariance, nullptr);
        dealii::SymmetricTensor<2, dim> D;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = i; j < dim; ++j)
            D[i][j] = covariance[i * dim + j];
        for (unsigned int i = 0; i < dim; ++i)
          D[i][i] += floor;
        return D;
      }

      dealii::Tensor<1, dim>
      diffusion_divergence(const dealii::Point<dim> &w) const override
      {
        std::vector<double> divergence;
        data.gradient_covariance(to_vector(w), nullptr, &divergence);
        return to_tensor(divergence);
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        return {{"inverse temperature", 1 / temperature},
                {"temperature", temperature},
                {"samples", static_cast<double>(data.n_samples())},
                {"flipped labels", static_cast<double>(data.n_flipped())},
                {"diffusion floor", floor}};
      }

      const PerceptronData &
      perceptron_data() const override
      {
        return data;
      }

    private:
      static std::vector<double>
      teacher(const std::string &text)
      {
        const std::vector<double> numbers = parse_numbers(text, "teacher");
        std::vector<double>       w(dim, 0.);
        if (numbers.size() == 1)
          w[0] = numbers[0];
        else if (numbers.size() == dim)
          w = numbers;
        else
          throw InputError("teacher",
                           "'" + text + "' has " +
                             std::to_string(numbers.size()) +
                             " entries, give " + std::to_string(dim) +
                             " or one (a multiple of e_1)");
        double norm = 0;
        for (const double x : w)
          norm += x * x;
        if (!(norm > 0) || !std::isfinite(norm))
          throw InputError("teacher",
                           "must be a finite non-zero vector (the labels "
                           "are sign(w*.x))");
        return w;
      }

      static std::vector<double>
      to_vector(const dealii::Point<dim> &w)
      {
        std::vector<double> v(dim);
        for (unsigned int i = 0; i < dim; ++i)
          v[i] = w[i];
        return v;
      }

      static dealii::Tensor<1, dim>
      to_tensor(const std::vector<double> &v)
      {
        dealii::Tensor<1, dim> t;
        for (unsigned int i = 0; i < dim; ++i)
          t[i] = v[i];
        return t;
      }

      PerceptronData data;
      double         learning_rate;
      unsigned int   batch_size;
      bool           without_replacement;
      Domain<dim>    box;
      double         temperature = 0;
      double         floor       = 0;
    };
  } // namespace
} // namespace relax

using relax::Perceptron;
RELAX_REGISTER_LANDSCAPE(
  Perceptron,
  "perceptron",
  "Teacher-student perceptron in weight space R^p (p = dimension): N inputs "
  "x_k ~ N(0, I) (std::mt19937_64(seed), Box-Muller), labels sign(w*.x_k) "
  "flipped with probability 'label noise', f(w) = mean_k loss(y_k w.x_k) "
  "(logistic, hinge or sigmoid-square). D(w) is the covariance of the "
  "per-sample gradients (SCIENCE.md §1) plus a small relative floor, div D "
  "analytic from the per-sample Hessians. Properties: the SGD inverse "
  "temperature 2b/eta (divided by 1 - b/N without replacement).")
