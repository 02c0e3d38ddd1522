// What an optimiser of the training path sees of a model: N samples, a
// weight vector, and the mean loss and gradient over a mini-batch.
#pragma once

#include <cstddef>
#include <memory>
#include <random>
#include <vector>

namespace relax
{
  class Model
  {
  public:
    /// p weights, N samples, and the weights a run starts from unless
    /// the model overrides initial_weights (zeros when `start` is empty).
    Model(std::size_t n_weights, unsigned int n_samples, std::vector<double> start = {});
    virtual ~Model() = default;

    std::size_t
    n_weights() const
    {
      return weights;
    }

    /// N: the samples a mini-batch draws from (1 for a model without
    /// data, whose gradient is exact).
    unsigned int
    n_samples() const
    {
      return samples;
    }

    /// The mean loss over the samples listed in `batch` (indices may
    /// repeat) at weights w, and its gradient (resized to n_weights()).
    /// Not const: a model may keep work space.
    virtual double
    loss_and_gradient(const std::vector<unsigned int> &batch,
                      const std::vector<double> &      w,
                      std::vector<double> &            gradient) = 0;

    /// Fraction of samples classified correctly; NaN for a model that is
    /// not a classifier.
    virtual double
    accuracy(const std::vector<double> &w);

    /// Weights to start from: the `start` of the constructor, or drawn
    /// from `generator` where a model's initialisation is random.
    virtual std::vector<double>
    initial_weights(std::mt19937_64 &generator) const;

    /// An independent copy with its own work space, for a replica on
    /// another thread (the data are shared, read-only).
    virtual std::unique_ptr<Model>
    clone() const = 0;

    /// f(w) and ∇f(w) over all samples (in chunks, so that work space
    /// stays bounded).
    double
    full_loss_and_gradient(const std::vector<double> &w, std::vector<double> &gradient);

    /// The per-sample gradients g_k, k in `samples`, as rows of a
    /// samples.size() × n_weights() row-major matrix.
    std::vector<double>
    sample_gradients(const std::vector<unsigned int> &samples, const std::vector<double> &w);

  protected:
    std::size_t         weights;
    unsigned int        samples;
    std::vector<double> start;
  };

  /// Model's clone() for a model class `Derived` that copies as it is
  /// (its work space included): class M : public CopyableModel<M>.
  template <typename Derived>
  class CopyableModel : public Model
  {
  public:
    using Model::Model;

    std::unique_ptr<Model>
    clone() const override
    {
      return std::make_unique<Derived>(static_cast<const Derived &>(*this));
    }
  };
} // namespace relax
