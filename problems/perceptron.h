// Teacher–student perceptron data and per-sample losses, shared by the
// perceptron landscape and the training module so that both see exactly
// the same data set and the same gradients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relax
{
  /// The per-sample loss as a function of the margin m = y w·x.
  enum class PerceptronLoss
  {
    /// ℓ(m) = log(1 + e^{−m}): convex, smooth.
    logistic,
    /// ℓ(m) = max(0, 1 − m): convex, kinked at m = 1, ℓ'' = 0 elsewhere.
    hinge,
    /// ℓ(m) = σ(−m)² = (σ(w·x) − (1 + y)/2)²: square loss on a sigmoid
    /// output; not convex.
    sigmoid_square
  };

  /// "logistic" | "hinge" | "sigmoid-square"; throws std::invalid_argument.
  PerceptronLoss
  perceptron_loss_from_string(const std::string &name);

  /// ℓ(m), ℓ'(m), ℓ''(m) of one of the losses above. For the hinge, ℓ' at
  /// the kink m = 1 is taken as 0 (the right derivative) and ℓ'' as 0.
  struct LossDerivatives
  {
    double value;
    double first;
    double second;
  };

  LossDerivatives
  perceptron_loss(PerceptronLoss loss, double margin);

  /**
   * @brief N samples x_k ~ N(0, I_p) with labels y_k = sign(w*·x_k), each
   * flipped with probability `label_noise`, and the generalised linear
   * loss f(w) = (1/N) Σ_k ℓ(y_k w·x_k).
   *
   * The random numbers come from std::mt19937_64(seed), whose output
   * sequence the C++ standard fixes, turned into uniforms and normals here
   * (53-bit uniforms, Box–Muller) rather than by std::normal_distribution,
   * whose algorithm is implementation-defined: the data are the same with
   * every standard library (up to the last bit of libm's log/cos/sin).
   * Order of draws: all N p normals first (x_1, then x_2, ...), then N
   * uniforms for the label flips (drawn even when the noise is 0), so the
   * inputs do not depend on the noise level and the flipped set grows
   * with it.
   *
   * Per sample, with m_k = y_k w·x_k: gradient g_k = ℓ'(m_k) y_k x_k and
   * Hessian H_k = ℓ''(m_k) x_k x_kᵀ (y_k² = 1). Dimension p is arbitrary
   * (vectors are std::vector<double> of size p).
   */
  class PerceptronData
  {
  public:
    PerceptronData(unsigned int               n_samples,
                   std::uint64_t              seed,
                   const std::vector<double> &teacher,
                   double                     label_noise,
                   PerceptronLoss             loss);

    unsigned int
    n_samples() const
    {
      return static_cast<unsigned int>(labels.size());
    }

    unsigned int
    input_dimension() const
    {
      return p;
    }

    /// x_k (p numbers).
    const double *
    input(const unsigned int k) const
    {
      return inputs.data() + std::size_t(k) * p;
    }

    /// y_k = ±1.
    double
    label(const unsigned int k) const
    {
      return labels[k];
    }

    /// How many labels the noise flipped.
    unsigned int
    n_flipped() const
    {
      return flipped;
    }

    PerceptronLoss
    loss_type() const
    {
      return loss;
    }

    /// m_k = y_k w·x_k
    double
    margin(unsigned int k, const std::vector<double> &w) const;

    /// ℓ(m_k)
    double
    sample_loss(unsigned int k, const std::vector<double> &w) const;

    /// g_k = ℓ'(m_k) y_k x_k, written into `gradient` (resized to p).
    void
    sample_gradient(unsigned int               k,
                    const std::vector<double> &w,
                    std::vector<double>       &gradient) const;

    /// f(w) = (1/N) Σ ℓ(m_k)
    double
    mean_loss(const std::vector<double> &w) const;

    /// ∇f(w) = (1/N) Σ g_k
    std::vector<double>
    mean_gradient(const std::vector<double> &w) const;

    /// Mean loss and gradient over the samples listed in `batch` (indices
    /// may repeat), as one SGD step uses them.
    double
    batch_loss_and_gradient(const std::vector<unsigned int> &batch,
                            const std::vector<double>       &w,
                            std::vector<double>             &gradient) const;

    /**
     * The gradient-noise covariance D(w) = (1/N) Σ g_k g_kᵀ − ḡ ḡᵀ
     * (SCIENCE.md §1, p x p row-major) and its row divergence
     * (div D)_i = Σ_j ∂_j D_ij
     *   = (1/N) Σ_k (H_k g_k + tr(H_k) g_k) − (H̄ ḡ + tr(H̄) ḡ),
     * H̄ = (1/N) Σ H_k, from ∂_j(a_i a_j) = (∂_j a_i) a_j + a_i ∂_j a_j with
     * ∂_j g_{k,i} = (H_k)_ij. For the hinge H_k = 0 wherever it exists; the
     * jump of g_k across m_k = 1 (a surface delta in div D) is not
     * represented. Either output may be null.
     */
    void
    gradient_covariance(const std::vector<double> &w,
                        std::vector<double>       *covariance,
                        std::vector<double>       *divergence) const;

  private:
    unsigned int        p;
    PerceptronLoss      loss;
    std::vector<double> inputs;
    std::vector<double> labels;
    unsigned int        flipped = 0;
  };

  /// What the `perceptron` landscape offers besides f and D: its data set,
  /// so that the training path trains on the very samples (and through
  /// the very loss and gradients) that define the landscape.
  class PerceptronDataSource
  {
  public:
    virtual ~PerceptronDataSource() = default;

    virtual const PerceptronData &
    perceptron_data() const = 0;
  };
} // namespace relax
