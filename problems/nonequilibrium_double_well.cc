// Chaudhari & Soatto's non-equilibrium double well: a drift −∇Φ + j that is
// not a gradient, whose steady state is nevertheless exp(−Φ)/Z in closed form.
#include <deal.II/base/numbers.h>
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"

#include <algorithm>
#include <cmath>

namespace relax
{
  namespace
  {
    /**
     * Φ(x) = (x₁² − 1)²/4 + x₂²/2, minima (±1, 0) with Φ = 0 and a saddle
     * at 0 with Φ = 1/4; value() returns Φ, so f = Φ. D = I and the drift
     * is
     *
     *   b = −∇Φ + j,   j(x) = λ e^{Φ(x)} e^{−r⁴/4} (−x₂, x₁),  r² = x₁² + x₂².
     *
     * With β = 1 the density ρ = e^{−Φ}/Z has flux
     * J = ρ b − ∇ρ = ρ j = (λ/Z) e^{−r⁴/4} (−x₂, x₁): a radial function
     * times the rotation field, hence divergence free, so e^{−Φ}/Z is
     * stationary on R² for every λ (only for β = 1: for other β,
     * div(e^{−βΦ} j) ≠ 0). The rotation j is the leftover field of
     * SCIENCE.md §4 (b + D∇Φ − β⁻¹ div D with β = 1): it does not change
     * where the density is, only makes it circulate.
     *
     * The drift is bounded on any box: the exponent of j is
     *   Φ − r⁴/4 = 1/4 − x₁²/2 + x₂²/2 − x₁²x₂²/2 − x₂⁴/4
     *            ≤ 1/4 + max_s (s/2 − s²/4) = 1/2   (s = x₂², max at s = 1),
     * with equality at (0, ±1); so |j| ≤ |λ| e^{1/2} r everywhere, and j
     * decays like e^{−x₁²(1+x₂²)/2} along x₁. It is evaluated as one
     * exponential exp(Φ − r⁴/4) so that neither factor overflows.
     *
     * On a box the zero-flux boundary condition asks J·n = 0, which holds
     * only up to (λ/Z) max_∂Ω |x·t| e^{−r⁴/4} (t the boundary's tangent);
     * properties() reports that bound. It is 3e-10 |λ| on the default
     * [−3, 3]² (and would be 1.4e-5 |λ| on [−2.5, 2.5]²), so e^{−Φ}/Z is the
     * box's steady state to that accuracy.
     */
    template <int dim>
    class NonequilibriumDoubleWell : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "rotation",
          "1.5",
          dealii::Patterns::Double(),
          "lambda (dimensionless, any sign; negative turns clockwise) in the "
          "non-gradient part j = lambda exp(Phi - r^4/4) (-x2, x1) of the "
          "drift b = -grad Phi + j. For every lambda the steady state at "
          "beta = 1 is exp(-Phi)/Z; its flux lambda exp(-r^4/4) (-x2, x1)/Z "
          "circulates around the origin. lambda = 0 is the gradient flow of "
          "Phi.");
        declare_box_parameter(
          prm,
          "-3, 3",
          "Must contain the minima (+-1, 0). exp(-Phi)/Z is the zero-flux "
          "steady state on the box up to the boundary flux bound that "
          "properties() reports (3e-10 |lambda| for [-3, 3]^2, "
          "1.4e-5 |lambda| for [-2.5, 2.5]^2).");
      }

      explicit NonequilibriumDoubleWell(dealii::ParameterHandler &prm)
        : lambda(prm.get_double("rotation"))
      {
        if constexpr (dim != 2)
          throw InputError("/dimension",
                           "nonequilibrium-double-well is defined for "
                           "dimension 2 only, not " +
                             std::to_string(dim));
        box = parse_box<dim>(prm.get("box"), "box");
        if (!std::isfinite(lambda))
          throw InputError("rotation", "must be a finite number");
      }

      /// Φ
      double
      value(const dealii::Point<dim> &p) const override
      {
        const double x = p[0], y = p[1];
        return (x * x - 1) * (x * x - 1) / 4 + y * y / 2;
      }

      /// ∇Φ = (x₁(x₁² − 1), x₂)
      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &p) const override
      {
        dealii::Tensor<1, dim> g;
        g[0] = p[0] * (p[0] * p[0] - 1);
        g[1] = p[1];
        return g;
      }

      /// −∇Φ + j
      dealii::Tensor<1, dim>
      drift(const dealii::Point<dim> &p) const override
      {
        dealii::Tensor<1, dim> b = -gradient(p);
        if (lambda != 0)
          {
            const double x = p[0], y = p[1];
            const double r2 = x * x + y * y;
            const double a  = lambda * std::exp(value(p) - r2 * r2 / 4);
            b[0] -= a * y;
            b[1] += a * x;
          }
        return b;
      }

      bool
      drift_is_gradient() const override
      {
        return lambda == 0;
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        return {{"rotation", lambda},
                {"stationary inverse temperature", 1},
                {"partition function on box", partition_function()},
                {"boundary flux bound", boundary_flux_bound()}};
      }

    private:
      double      lambda;
      Domain<dim> box;

      /// Z = ∫_box e^{−Φ} = ∫ e^{−(x₁²−1)²/4} dx₁ · ∫ e^{−x₂²/2} dx₂: the
      /// first by composite Simpson (smooth integrand, error ~1e-15), the
      /// second with erf.
      double
      partition_function() const
      {
        const unsigned int n = 20000; // even
        const double       l = box.lower[0], u = box.upper[0];
        const double       h   = (u - l) / n;
        double             sum = 0;
        for (unsigned int k = 0; k <= n; ++k)
          {
            const double x = l + k * h;
            const double w = (k == 0 || k == n) ? 1 : (k % 2 == 1 ? 4 : 2);
            sum += w * std::exp(-(x * x - 1) * (x * x - 1) / 4);
          }
        const double first = sum * h / 3;
        const double root2 = std::sqrt(2.);
        const double second =
          std::sqrt(2 * dealii::numbers::PI) / 2 *
          (std::erf(box.upper[1] / root2) - std::erf(box.lower[1] / root2));
        return first * second;
      }

      /// Z · max over ∂Ω of |J·n| for ρ = e^{−Φ}/Z, i.e.
      /// |λ| max |x·t| e^{−r⁴/4} over the four edges, sampled at 4001
      /// points per edge (the maximum is smooth along each edge).
      double
      boundary_flux_bound() const
      {
        double             bound = 0;
        const unsigned int n     = 4000;
        for (unsigned int axis = 0; axis < 2; ++axis)
          for (const double fixed : {box.lower[axis], box.upper[axis]})
            {
              const unsigned int other = 1 - axis;
              const double       l = box.lower[other], u = box.upper[other];
              for (unsigned int k = 0; k <= n; ++k)
                {
                  const double s  = l + (u - l) * k / n;
                  const double r2 = fixed * fixed + s * s;
                  // On x_axis = fixed, J·n = ±λ e^{−r⁴/4} × (the other
                  // coordinate).
                  bound =
                    std::max(bound,
                             std::abs(lambda * s) * std::exp(-r2 * r2 / 4));
                }
            }
        return bound;
      }
    };
  } // namespace
} // namespace relax

using relax::NonequilibriumDoubleWell;
RELAX_REGISTER_LANDSCAPE(
  NonequilibriumDoubleWell,
  "nonequilibrium-double-well",
  "Chaudhari & Soatto's non-equilibrium double well (dimension 2 only): "
  "f = Phi = (x1^2 - 1)^2/4 + x2^2/2 (minima (+-1, 0), saddle 0), D = I, "
  "drift b = -grad Phi + j with j = lambda exp(Phi - r^4/4) (-x2, x1), not a "
  "gradient when lambda != 0. For every lambda the steady state at beta = 1 "
  "is exp(-Phi)/Z, with the divergence-free stationary flux "
  "rho b - grad rho = lambda exp(-r^4/4) (-x2, x1)/Z: the density does not "
  "depend on lambda, the circulation does. |j| <= |lambda| e^{1/2} r since "
  "Phi - r^4/4 <= 1/2.")
