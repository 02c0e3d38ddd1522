// The models the training path trains: the perceptron of the landscape
// (through PerceptronData, its one implementation of loss and gradients),
// a quadratic with sampled centres (SGD's noise in closed form), and a
// multilayer perceptron with analytic backpropagation on BLAS.
#pragma once

#include "training/datasets.h"
#include "training/model.h"

#include <string>

namespace relax
{
  class PerceptronData;

  /// The teacher–student perceptron, w in R^p, loss and per-sample
  /// gradients from PerceptronData (the same as the landscape's f and D).
  class PerceptronModel : public CopyableModel<PerceptronModel>
  {
  public:
    /// `data` must outlive the model; starts from `start`.
    PerceptronModel(const PerceptronData &data, std::vector<double> start);

    double
    loss_and_gradient(const std::vector<unsigned int> &batch,
                      const std::vector<double> &      w,
                      std::vector<double> &            gradient) override;
    /// Sign agreement with the (possibly flipped) labels.
    double
    accuracy(const std::vector<double> &w) override;

  private:
    const PerceptronData &data;
  };

  /**
   * f_k(w) = ½ Σ_i a_i (w_i − c_{k,i})², f = (1/N) Σ f_k, with centres
   * c_k ~ N(0, diag(s²)) from a seed: ∇f_k = A(w − c_k), so the gradient
   * noise is A(c̄ − c_batch) and D = A Cov(c) A exactly, independent of w.
   * SGD on it is a linear recursion whose stationary covariance is known
   * in closed form (the test of β⁻¹ = η/(2b)).
   */
  class QuadraticModel : public CopyableModel<QuadraticModel>
  {
  public:
    /// Starts from w = 0.
    QuadraticModel(std::vector<double> curvatures,
                   std::vector<double> centre_spread,
                   unsigned int        n_samples,
                   std::uint64_t       seed);

    double
    loss_and_gradient(const std::vector<unsigned int> &batch,
                      const std::vector<double> &      w,
                      std::vector<double> &            gradient) override;

    /// c_k (n_weights() numbers).
    const double *
    centre(unsigned int k) const
    {
      return centres.data() + std::size_t(k) * curvature.size();
    }
    const std::vector<double> &
    curvatures() const
    {
      return curvature;
    }

  private:
    std::vector<double> curvature;
    std::vector<double> centres;
  };

  enum class Activation
  {
    relu,
    tanh
  };

  Activation
  activation_from_string(const std::string &name);

  /// The floating-point type of the MLP's passes (BLAS dgemm or sgemm).
  enum class Precision
  {
    single,
    double_
  };

  Precision
  precision_from_string(const std::string &name);

  /**
   * A multilayer perceptron p → h_1 → ... → C with ReLU or tanh hidden
   * units and a softmax cross-entropy loss. Weights are one vector, layer
   * by layer: W_l (n_out × n_in, row-major), then b_l. Forward and
   * backward passes are matrix products of the whole batch (BLAS dgemm,
   * or sgemm in single precision: the weights are rounded to float for
   * the passes, the gradient returned in double, and the optimiser's
   * update stays in double).
   */
  class MlpModel : public CopyableModel<MlpModel>
  {
  public:
    /// `data` must outlive the model. `hidden`: the widths h_1, ...
    MlpModel(const ClassificationData &data, std::vector<unsigned int> hidden, Activation activation,
             Precision precision = Precision::double_);

    double
    loss_and_gradient(const std::vector<unsigned int> &batch,
                      const std::vector<double> &      w,
                      std::vector<double> &            gradient) override;
    double
    accuracy(const std::vector<double> &w) override;
    /// Weights N(0, g/n_in) with g = 2 for ReLU (He), 1 for tanh
    /// (LeCun); biases 0.
    std::vector<double>
    initial_weights(std::mt19937_64 &generator) const override;

    /// Layer widths p, h_1, ..., C.
    const std::vector<unsigned int> &
    widths() const
    {
      return width;
    }

  private:
    /// The activations of each layer (B × width[l]; the last the logits)
    /// and the back-propagated errors, in the passes' precision.
    template <typename Scalar>
    struct Workspace
    {
      std::vector<std::vector<Scalar>> activations;
      std::vector<Scalar>              delta, delta_previous;
      /// The weights and gradient (single precision only: rounded copies).
      std::vector<Scalar> w, gradient;
    };

    template <typename Scalar>
    Workspace<Scalar> &
    workspace();

    /// Input row k in the passes' precision.
    template <typename Scalar>
    const Scalar *
    input(unsigned int k) const;

    /// The forward pass of `batch`: fills activations[l].
    template <typename Scalar>
    void
    forward(const std::vector<unsigned int> &batch, const Scalar *w, Workspace<Scalar> &work) const;

    /// Mean loss and its gradient (n_weights() numbers) over `batch`.
    template <typename Scalar>
    double
    backpropagate(const std::vector<unsigned int> &batch, const Scalar *w, Scalar *gradient,
                  Workspace<Scalar> &work) const;

    /// The number of samples of `batch` whose largest logit is their label.
    template <typename Scalar>
    unsigned int
    correct(const std::vector<unsigned int> &batch, const Scalar *w, Workspace<Scalar> &work) const;

    std::size_t
    weight_offset(unsigned int layer) const;

    const ClassificationData &data;
    std::vector<unsigned int> width;
    Activation                activation;
    Precision                 precision;
    /// The inputs rounded to float (single precision only).
    std::vector<float>        inputs_single;
    Workspace<double>         work_double;
    Workspace<float>          work_single;
  };
} // namespace relax

namespace relax
{
  /// The file of the BLAS library that provides dgemm_ at run time
  /// (e.g. .../openblas-pthread/libblas.so.3).
  std::string
  blas_library();
} // namespace relax
