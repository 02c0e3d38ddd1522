#include "training/models.h"

#include "problems/named_choice.h"
#include "problems/perceptron.h"
#include "solvers/common/blas.h"
#include "training/random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace relax
{
  namespace
  {
    /// The BLAS general matrix product of each precision.
    template <typename Scalar>
    struct Gemm;
    template <>
    struct Gemm<double>
    {
      static constexpr auto product = &dgemm_;
    };
    template <>
    struct Gemm<float>
    {
      static constexpr auto product = &sgemm_;
    };

    /// C = alpha op(A) op(B) + beta C for row-major matrices (C is m × n):
    /// the column-major product Cᵀ = op(B)ᵀ op(A)ᵀ, so no matrix is copied
    /// or transposed in memory.
    template <typename Scalar>
    void
    gemm_row_major(const bool transpose_a, const bool transpose_b, const int m, const int n, const int k,
                   const Scalar alpha, const Scalar *a, const int lda, const Scalar *b, const int ldb,
                   const Scalar beta, Scalar *c, const int ldc)
    {
      const char ta = transpose_a ? 'T' : 'N', tb = transpose_b ? 'T' : 'N';
      Gemm<Scalar>::product(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
    }

    /// sum[j] = Σ_s rows[s][j] over the B rows of a B × n matrix. The
    /// restrict pointers tell the compiler the arrays do not overlap, so
    /// that it vectorises without run-time alias checks.
    template <typename Scalar>
    void
    sum_rows(const Scalar *__restrict rows, const int B, const int n, Scalar *__restrict sum)
    {
      std::fill(sum, sum + n, Scalar(0));
      for (int s = 0; s < B; ++s)
        for (int j = 0; j < n; ++j)
          sum[j] += rows[std::size_t(s) * n + j];
    }

    /// δ ← δ ⊙ σ'(z) from the activation a = σ(z) itself: 1[a > 0] for
    /// ReLU, 1 − a² for tanh.
    template <typename Scalar>
    void
    multiply_by_activation_derivative(const Scalar *__restrict a, Scalar *__restrict delta, const std::size_t n,
                                      const Activation activation)
    {
      if (activation == Activation::relu)
        for (std::size_t i = 0; i < n; ++i)
          delta[i] = a[i] > 0 ? delta[i] : Scalar(0);
      else
        for (std::size_t i = 0; i < n; ++i)
          delta[i] *= 1 - a[i] * a[i];
    }

  } // namespace

  // ---------------------------------------------------------------- perceptron

  PerceptronModel::PerceptronModel(const PerceptronData &data, std::vector<double> start)
    : CopyableModel(data.input_dimension(), data.n_samples(), std::move(start))
    , data(data)
  {}

  double
  PerceptronModel::loss_and_gradient(const std::vector<unsigned int> &batch,
                                     const std::vector<double> &      w,
                                     std::vector<double> &            gradient)
  {
    return data.batch_loss_and_gradient(batch, w, gradient);
  }

  double
  PerceptronModel::accuracy(const std::vector<double> &w)
  {
    unsigned int correct = 0;
    for (unsigned int k = 0; k < data.n_samples(); ++k)
      correct += data.margin(k, w) > 0;
    return double(correct) / data.n_samples();
  }

  // ----------------------------------------------------------------- quadratic

  QuadraticModel::QuadraticModel(std::vector<double> curvatures,
                                 std::vector<double> centre_spread,
                                 const unsigned int  n_samples,
                                 const std::uint64_t seed)
    : CopyableModel(curvatures.size(), n_samples)
    , curvature(std::move(curvatures))
    , centres(std::size_t(n_samples) * curvature.size())
  {
    if (centre_spread.size() != curvature.size())
      throw std::invalid_argument("quadratic: one spread per curvature");
    std::mt19937_64 generator(seed);
    fill_standard_normal(generator, centres.data(), centres.size());
    for (std::size_t i = 0; i < centres.size(); ++i)
      centres[i] *= centre_spread[i % curvature.size()];
  }

  double
  QuadraticModel::loss_and_gradient(const std::vector<unsigned int> &batch,
                                    const std::vector<double> &      w,
                                    std::vector<double> &            gradient)
  {
    const std::size_t p = curvature.size();
    gradient.assign(p, 0.);
    double loss = 0;
    for (const unsigned int k : batch)
      for (std::size_t i = 0; i < p; ++i)
        {
          const double r = w[i] - centre(k)[i];
          loss += 0.5 * curvature[i] * r * r;
          gradient[i] += curvature[i] * r;
        }
    for (double &g : gradient)
      g /= batch.size();
    return loss / batch.size();
  }

  // ----------------------------------------------------------------------- MLP

  Activation
  activation_from_string(const std::string &name)
  {
    return named_choice<Activation>(name, {{"relu", Activation::relu}, {"tanh", Activation::tanh}}, "activation");
  }

  Precision
  precision_from_string(const std::string &name)
  {
    return named_choice<Precision>(name, {{"single", Precision::single}, {"double", Precision::double_}},
                                   "precision");
  }

  MlpModel::MlpModel(const ClassificationData &data, std::vector<unsigned int> hidden, const Activation activation,
                     const Precision precision)
    : CopyableModel(0, data.n_samples)
    , data(data)
    , activation(activation)
    , precision(precision)
  {
    width.push_back(data.dimension);
    for (const unsigned int h : hidden)
      width.push_back(h);
    width.push_back(data.n_classes);
    weights = weight_offset(width.size() - 1);
    work_double.activations.resize(width.size());
    work_single.activations.resize(width.size());
    if (precision == Precision::single)
      inputs_single.assign(data.inputs.begin(), data.inputs.end());
  }

  std::size_t
  MlpModel::weight_offset(const unsigned int layer) const
  {
    std::size_t offset = 0;
    for (unsigned int l = 0; l < layer; ++l)
      offset += std::size_t(width[l + 1]) * width[l] + width[l + 1];
    return offset;
  }

  template <>
  MlpModel::Workspace<double> &
  MlpModel::workspace<double>()
  {
    return work_double;
  }

  template <>
  MlpModel::Workspace<float> &
  MlpModel::workspace<float>()
  {
    return work_single;
  }

  template <>
  const double *
  MlpModel::input<double>(const unsigned int k) const
  {
    return data.input(k);
  }

  template <>
  const float *
  MlpModel::input<float>(const unsigned int k) const
  {
    return inputs_single.data() + std::size_t(k) * width[0];
  }

  template <typename Scalar>
  void
  MlpModel::forward(const std::vector<unsigned int> &batch, const Scalar *w, Workspace<Scalar> &work) const
  {
    const int B = static_cast<int>(batch.size());
    std::vector<std::vector<Scalar>> &activations = work.activations;
    activations[0].resize(std::size_t(B) * width[0]);
    for (int s = 0; s < B; ++s)
      std::copy(input<Scalar>(batch[s]), input<Scalar>(batch[s]) + width[0],
                activations[0].begin() + std::size_t(s) * width[0]);
    const unsigned int n_layers = width.size() - 1;
    for (unsigned int l = 0; l < n_layers; ++l)
      {
        const int     n_in = width[l], n_out = width[l + 1];
        const Scalar *W    = w + weight_offset(l);
        const Scalar *b    = W + std::size_t(n_out) * n_in;
        std::vector<Scalar> &z = activations[l + 1];
        z.resize(std::size_t(B) * n_out);
        // Z = 1 bᵀ + A Wᵀ: the bias rows first, then one product.
        for (int s = 0; s < B; ++s)
          std::copy(b, b + n_out, z.begin() + std::size_t(s) * n_out);
        gemm_row_major(false, true, B, n_out, n_in, Scalar(1), activations[l].data(), n_in, W, n_in, Scalar(1),
                       z.data(), n_out);
        if (l + 1 < n_layers)
          {
            if (activation == Activation::relu)
              for (Scalar &v : z)
                v = v > 0 ? v : 0;
            else
              for (Scalar &v : z)
                v = std::tanh(v);
          }
      }
  }

  template <typename Scalar>
  double
  MlpModel::backpropagate(const std::vector<unsigned int> &batch, const Scalar *w, Scalar *gradient,
                          Workspace<Scalar> &work) const
  {
    forward(batch, w, work);
    const int                               B        = static_cast<int>(batch.size());
    const unsigned int                      n_layers = width.size() - 1;
    const int                               C        = width.back();
    const std::vector<std::vector<Scalar>> &activations = work.activations;
    std::vector<Scalar>                    &delta = work.delta, &delta_previous = work.delta_previous;

    // Softmax cross-entropy, shifted by the largest logit: loss_s =
    // log Σ_c e^{z_c − m} − (z_y − m); δ = (softmax − onehot)/B. The loss
    // is summed in double whatever the precision.
    double loss = 0;
    delta.resize(std::size_t(B) * C);
    for (int s = 0; s < B; ++s)
      {
        const Scalar *z     = activations[n_layers].data() + std::size_t(s) * C;
        Scalar       *d     = delta.data() + std::size_t(s) * C;
        const Scalar  m     = *std::max_element(z, z + C);
        Scalar        total = 0;
        for (int c = 0; c < C; ++c)
          total += d[c] = std::exp(z[c] - m);
        const unsigned int y = data.labels[batch[s]];
        loss += std::log(double(total)) - double(z[y] - m);
        for (int c = 0; c < C; ++c)
          d[c] = (d[c] / total - (unsigned(c) == y ? Scalar(1) : Scalar(0))) / Scalar(B);
      }

    for (unsigned int l = n_layers; l-- > 0;)
      {
        const int     n_in = width[l], n_out = width[l + 1];
        const Scalar *W    = w + weight_offset(l);
        Scalar       *dW   = gradient + weight_offset(l);
        Scalar       *db   = dW + std::size_t(n_out) * n_in;
        // dW = δᵀ A_l, db = Σ_s δ_s.
        gemm_row_major(true, false, n_out, n_in, B, Scalar(1), delta.data(), n_out, activations[l].data(), n_in,
                       Scalar(0), dW, n_in);
        sum_rows(delta.data(), B, n_out, db);
        if (l == 0)
          break;
        // δ_{l−1} = (δ W) ⊙ σ'(z_l).
        delta_previous.resize(std::size_t(B) * n_in);
        gemm_row_major(false, false, B, n_in, n_out, Scalar(1), delta.data(), n_out, W, n_in, Scalar(0),
                       delta_previous.data(), n_in);
        multiply_by_activation_derivative(activations[l].data(), delta_previous.data(), delta_previous.size(),
                                          activation);
        std::swap(delta, delta_previous);
      }
    return loss / B;
  }

  template <typename Scalar>
  unsigned int
  MlpModel::correct(const std::vector<unsigned int> &batch, const Scalar *w, Workspace<Scalar> &work) const
  {
    forward(batch, w, work);
    const unsigned int C     = width.back();
    unsigned int       count = 0;
    for (std::size_t s = 0; s < batch.size(); ++s)
      {
        const Scalar *z = work.activations.back().data() + s * C;
        count += unsigned(std::max_element(z, z + C) - z) == data.labels[batch[s]];
      }
    return count;
  }

  double
  MlpModel::loss_and_gradient(const std::vector<unsigned int> &batch,
                              const std::vector<double> &      w,
                              std::vector<double> &            gradient)
  {
    gradient.resize(n_weights());
    if (precision == Precision::double_)
      return backpropagate(batch, w.data(), gradient.data(), work_double);
    work_single.w.assign(w.begin(), w.end());
    work_single.gradient.resize(w.size());
    const double loss = backpropagate(batch, work_single.w.data(), work_single.gradient.data(), work_single);
    std::copy(work_single.gradient.begin(), work_single.gradient.end(), gradient.begin());
    return loss;
  }

  double
  MlpModel::accuracy(const std::vector<double> &w)
  {
    const unsigned int        N = data.n_samples, chunk = 1024;
    unsigned int              count = 0;
    std::vector<unsigned int> batch;
    if (precision == Precision::single)
      work_single.w.assign(w.begin(), w.end());
    for (unsigned int start = 0; start < N; start += chunk)
      {
        batch.clear();
        for (unsigned int k = start; k < std::min(N, start + chunk); ++k)
          batch.push_back(k);
        count += precision == Precision::double_ ? correct(batch, w.data(), work_double) :
                                                   correct(batch, work_single.w.data(), work_single);
      }
    return double(count) / N;
  }

  std::vector<double>
  MlpModel::initial_weights(std::mt19937_64 &generator) const
  {
    std::vector<double> w(n_weights(), 0.);
    const double        gain = activation == Activation::relu ? 2. : 1.;
    for (unsigned int l = 0; l + 1 < width.size(); ++l)
      {
        double           *W     = w.data() + weight_offset(l);
        const std::size_t count = std::size_t(width[l + 1]) * width[l];
        fill_standard_normal(generator, W, count);
        const double scale = std::sqrt(gain / width[l]);
        for (std::size_t i = 0; i < count; ++i)
          W[i] *= scale;
      }
    return w;
  }

} // namespace relax

#include <dlfcn.h>
#include <cstdlib>

namespace relax
{
  std::string
  blas_library()
  {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&dgemm_), &info) != 0 && info.dli_fname != nullptr)
      {
        char resolved[4096];
        if (realpath(info.dli_fname, resolved) != nullptr)
          return resolved;
        return info.dli_fname;
      }
    return "unknown";
  }
} // namespace relax
