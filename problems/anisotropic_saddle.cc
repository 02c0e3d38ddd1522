// A saddle of f where the stationary density is largest, because the noise
// grows along the unstable direction towards the minima (SCIENCE.md §4).
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
     * f = x² − y² + c q(x, y) (+ z² in 3-D) with the quartic
     * q = x⁴ + y⁴ ("separable", the default) or q = (x² + y²)² ("radial",
     * the f of the landscape `saddle`). Either way the critical points are
     * the saddle 0 (f = 0, Hessian diag(2, −2[, 2])) and the minima
     * (0, ±y_m[, 0]), y_m = 1/sqrt(2c), f = −1/(4c); drift −∇f.
     *
     * The diffusion matrix D = diag(1, 1 + a y²[, 1]) is the identity at
     * the saddle and grows along the unstable direction y towards the
     * minima, (div D) = (0, 2ay[, 0]). In the Itô picture particles drift
     * down the noise: the effective velocity −∇f − β⁻¹ div D has
     * y-component 2y(1 − a/β) near 0, which pulls mass into the saddle when
     * β < a.
     *
     * With the separable quartic, f and D split into x-, y- (and z-) parts,
     * the stationary flux vanishes (detailed balance, leftover field j = 0)
     * and ρ_ss = e^{−βΦ}/Z in closed form, with the β-dependent potential
     *
     *   Φ = x² + c x⁴ + 2c y²/a + (1/β − 1/a − 2c/a²) ln(1 + a y²) (+ z²),
     *
     * from Φ_y = (f_y + β⁻¹ ∂_y D_22)/D_22. As a function of s = y²,
     * dΦ/ds = 2c/a + k a/(1 + a s) with k = 1/β − 1/a − 2c/a², whose
     * smallest value over s ≥ 0 is min(2c/a, a/β − 1) (at s = 0 when k < 0,
     * as s → ∞ when k ≥ 0); so for β < a, Φ increases with |x| and |y| and
     * its only minimum — the maximum of ρ_ss — is the saddle point of f.
     * For β > a the saddle is a saddle of Φ too. The ratio
     *
     *   ρ_ss(0)/ρ_ss(0, ±y_m) = exp(β/a + (1 − β/a − 2cβ/a²) ln(1 + a/(2c)))
     *
     * is 6.23, 4.31, 2.98 at β = 1, 2, 3 for the defaults (c = 1/4, a = 4),
     * against e^{−β} for D = I.
     *
     * With the radial quartic the x- and y-parts couple, the stationary
     * flux does not vanish (j ≠ 0) and ρ_ss has no closed form. A
     * finite-volume solution of the stationary Fokker–Planck equation
     * (Scharfetter–Gummel fluxes, 100² and 200² cells on [−3, 3]²) put the
     * maximum in the cell next to 0 and gave ρ_ss(0)/ρ_ss(0, ±y_m) = 5.44,
     * 3.62, 2.47 at β = 1, 2, 3 for the defaults, with a stationary flux of
     * up to 7% of max ρ|∇f| at β = 2. (The same scheme reproduced the
     * separable closed form to 5e-4 on 100² cells.)
     *
     * cond D(x) = 1 + a y², at most 1 + 9a = 37 on the default box.
     */
    template <int dim>
    class AnisotropicSaddle : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "confinement",
          "0.25",
          dealii::Patterns::Double(0),
          "c > 0 (dimensionless) in f = x^2 - y^2 + c q(x, y) (+ z^2 in "
          "3-D). The minima are at (0, +-1/sqrt(2c)) with f = -1/(4c), so the "
          "barrier at the saddle (0, 0) is 1/(4c) high.");
        prm.declare_entry(
          "noise growth",
          "4",
          dealii::Patterns::Double(0),
          "a > 0 (dimensionless) in D = diag(1, 1 + a y^2[, 1]): how fast "
          "the noise along the unstable direction y grows away from the "
          "saddle. The density is largest at the saddle of f for beta < a "
          "(exactly, for the separable quartic); the recommended inverse "
          "temperature is a/2. The condition number of D is 1 + a y^2.");
        prm.declare_entry(
          "quartic",
          "separable",
          dealii::Patterns::Selection("separable|radial"),
          "The confining quartic q: separable q = x^4 + y^4 (detailed "
          "balance, closed-form steady state exp(-beta Phi)/Z); radial "
          "q = (x^2 + y^2)^2 as in the landscape saddle (non-zero "
          "stationary flux, steady state known only numerically).");
        declare_box_parameter(
          prm,
          "-3, 3",
          "Must contain the minima (0, +-1/sqrt(2c)); the largest condition "
          "number of D on the box is 1 + a max(y^2).");
      }

      explicit AnisotropicSaddle(dealii::ParameterHandler &prm)
        : c(prm.get_double("confinement"))
        , a(prm.get_double("noise growth"))
        , radial(prm.get("quartic") == "radial")
      {
        if constexpr (dim == 1)
          throw InputError("/dimension",
                           "anisotropic-saddle is defined for dimension 2 "
                           "or 3, not 1");
        if (!(c > 0))
          throw InputError("confinement",
                           "must be positive (without it f is unbounded "
                           "below along y)");
        if (!(a > 0) || !std::isfinite(a))
          throw InputError("noise growth",
                           "must be positive and finite (a = 0 is D = I, "
                           "where the density is largest at the minima)");
        box = parse_box<dim>(prm.get("box"), "box");
      }

      double
      value(const dealii::Point<dim> &p) const override
      {
        const double x = p[0], y = p[1];
        const double q = radial ? (x * x + y * y) * (x * x + y * y)
                                : x * x * x * x + y * y * y * y;
        double       f = x * x - y * y + c * q;
        if constexpr (dim == 3)
          f += p[2] * p[2];
        return f;
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &p) const override
      {
        const double           x = p[0], y = p[1];
        const double           sx = radial ? x * x + y * y : x * x;
        const double           sy = radial ? x * x + y * y : y * y;
        dealii::Tensor<1, dim> g;
        g[0] = 2 * x + 4 * c * sx * x;
        g[1] = -2 * y + 4 * c * sy * y;
        if constexpr (dim == 3)
          g[2] = 2 * p[2];
        return g;
      }

      dealii::SymmetricTensor<2, dim>
      diffusion(const dealii::Point<dim> &p) const override
      {
        dealii::SymmetricTensor<2, dim> D =
          dealii::unit_symmetric_tensor<dim>();
        D[1][1] += a * p[1] * p[1];
        return D;
      }

      dealii::Tensor<1, dim>
      diffusion_divergence(const dealii::Point<dim> &p) const override
      {
        dealii::Tensor<1, dim> div;
        div[1] = 2 * a * p[1];
        return div;
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        const double y_max =
          std::max(std::abs(box.lower[1]), std::abs(box.upper[1]));
        std::map<std::string, double> facts = {
          {"minimum value", -1 / (4 * c)},
          {"minimum y", 1 / std::sqrt(2 * c)},
          {"barrier height", 1 / (4 * c)},
          {"recommended inverse temperature", a / 2},
          {"critical inverse temperature", a},
          {"max condition number of D", 1 + a * y_max * y_max}};
        if (!radial)
          {
            // ρ_ss(0)/ρ_ss(0, ±y_m) = exp(β(Φ(0, y_m) − Φ(0))) at β = a/2.
            const double beta = a / 2;
            facts["density ratio saddle/minimum at recommended beta"] =
              std::exp(beta / a + (1 - beta / a - 2 * c * beta / (a * a)) *
                                    std::log(1 + a / (2 * c)));
          }
        return facts;
      }

    private:
      double      c;
      double      a;
      bool        radial;
      Domain<dim> box;
    };
  } // namespace
} // namespace relax

using relax::AnisotropicSaddle;
RELAX_REGISTER_LANDSCAPE(
  AnisotropicSaddle,
  "anisotropic-saddle",
  "f = x^2 - y^2 + c q, q = x^4 + y^4 (separable, default) or (x^2 + y^2)^2 "
  "(radial), plus z^2 in 3-D (dimension 2 or 3): a saddle at 0 between "
  "minima (0, +-1/sqrt(2c)), drift -grad f, and D = diag(1, 1 + a y^2[, 1]), "
  "small along the unstable direction at the saddle and growing towards "
  "the minima (condition number 1 + a y^2, 37 on the default box). For "
  "beta < a the stationary density is largest at the saddle of f, not at "
  "its minima; recommended beta = a/2. Separable: detailed balance, "
  "rho_ss = exp(-beta Phi)/Z with Phi = x^2 + c x^4 + 2c y^2/a + "
  "(1/beta - 1/a - 2c/a^2) ln(1 + a y^2) (+ z^2); defaults (c = 1/4, a = 4) "
  "give rho_ss(0)/rho_ss(minimum) = 6.23, 4.31, 2.98 at beta = 1, 2, 3. "
  "Radial: non-zero stationary flux; a finite-volume solution on [-3, 3]^2 "
  "put the maximum at 0 (within one 0.06 cell) with ratios 5.44, 3.62, 2.47 "
  "at beta = 1, 2, 3.")
