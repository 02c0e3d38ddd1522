// The loss landscape interface: every solver sees a problem only through it.
#pragma once

#include <deal.II/base/point.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include <array>
#include <map>
#include <string>

namespace relax
{
  /// The box a landscape lives on, with the directions that wrap around.
  template <int dim>
  struct Domain
  {
    dealii::Point<dim>    lower;
    dealii::Point<dim>    upper;
    std::array<bool, dim> periodic{};

    bool
    is_torus() const;
  };

  /**
   * @brief A loss f on a box in R^dim, with the drift and the (possibly
   * anisotropic, x-dependent) diffusion matrix of SCIENCE.md §1 and §4.
   *
   * A solver never knows a landscape by name: it asks for f, ∇f, the drift
   * (−∇f unless the landscape says otherwise), D(x), its row divergence and
   * the domain.
   */
  template <int dim>
  class Landscape
  {
  public:
    virtual ~Landscape() = default;

    /// f(x)
    virtual double
    value(const dealii::Point<dim> &x) const = 0;

    /// ∇f(x)
    virtual dealii::Tensor<1, dim>
    gradient(const dealii::Point<dim> &x) const = 0;

    /// The deterministic velocity b(x) of dx = b dt + sqrt(2β⁻¹D) dW;
    /// −∇f(x) unless the landscape defines a non-gradient drift.
    virtual dealii::Tensor<1, dim>
    drift(const dealii::Point<dim> &x) const;

    /// True when drift() is −∇f.
    virtual bool
    drift_is_gradient() const;

    /// D(x), symmetric positive definite; the identity by default.
    virtual dealii::SymmetricTensor<2, dim>
    diffusion(const dealii::Point<dim> &x) const;

    /// (divD)_i = Σ_j ∂_j D_ij; zero by default.
    virtual dealii::Tensor<1, dim>
    diffusion_divergence(const dealii::Point<dim> &x) const;

    /// The box (and its periodic directions) the landscape is posed on.
    virtual Domain<dim>
    domain() const = 0;

    /// Scalar facts worth reporting in a run's summary.json (for example
    /// the temperature β⁻¹ the perceptron's SGD settings imply).
    virtual std::map<std::string, double>
    properties() const;
  };
} // namespace relax
