// A deep narrow well beside a shallower wide one: the landscape on which
// local entropy (SCIENCE.md §2) should move from the sharp to the wide
// minimum as the smoothing time grows.
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"

#include <cmath>

namespace relax
{
  namespace
  {
    /**
     * f(x) = −h_s exp(−|x − a|²/(2σ_s²)) − h_w exp(−|x − b|²/(2σ_w²))
     *        + (κ/2) |x|²,
     * a = (a₁, 0, 0), b = (b₁, 0, 0).
     *
     * Gibbs masses ∫ e^{−f/ε} of the two basins (split at the barrier on the
     * x₁ axis, x₁ ≈ −0.65), computed by quadrature for the defaults:
     *
     *   ε       wide/sharp   d=1     d=2     d=3
     *   0.02                 0.037   0.19    1.0
     *   0.05                 0.72    3.8     20
     *   0.1                  1.9     10      37
     *   0.2                  3.1     6.9     4.0
     *   0.5                  2.7     2.3     1.9
     *
     * So for ε in [0.1, 0.5] the wide well carries more mass in every
     * dimension although the sharp one is deeper (f ≈ −0.95 against
     * −0.85): the local-entropy minimiser should switch from sharp to wide
     * as t grows. Below the crossover (ε ≈ 0.06 in 1-D, 0.03 in 2-D, 0.02
     * in 3-D; Laplace: the ratio is ≈ e^{(h_w − h_s)/ε}
     * (σ_w² h_s / (σ_s² h_w))^{d/2}) the sharp well wins for every t: the
     * no-switch regime.
     */
    template <int dim>
    class SharpWide : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry("sharp centre",
                          "-1",
                          dealii::Patterns::Double(),
                          "a1: the sharp well is centred at (a1, 0, 0).");
        prm.declare_entry("sharp depth",
                          "1",
                          dealii::Patterns::Double(0),
                          "h_s > 0: depth of the sharp Gaussian well, in "
                          "units of f.");
        prm.declare_entry("sharp width",
                          "0.1",
                          dealii::Patterns::Double(0),
                          "sigma_s > 0: standard deviation of the sharp "
                          "Gaussian well (length). A mesh must resolve it: "
                          "cells well below sigma_s near a1.");
        prm.declare_entry("wide centre",
                          "1",
                          dealii::Patterns::Double(),
                          "b1: the wide well is centred at (b1, 0, 0).");
        prm.declare_entry("wide depth",
                          "0.9",
                          dealii::Patterns::Double(0),
                          "h_w > 0: depth of the wide Gaussian well, in "
                          "units of f (less than h_s for the interesting "
                          "case).");
        prm.declare_entry("wide width",
                          "0.5",
                          dealii::Patterns::Double(0),
                          "sigma_w > 0: standard deviation of the wide "
                          "Gaussian well (length).");
        prm.declare_entry(
          "confinement",
          "0.1",
          dealii::Patterns::Double(0),
          "kappa >= 0 in (kappa/2)|x|^2: a weak bowl so that every point "
          "drains into one of the wells (without it f -> 0 far away and the "
          "flat background outweighs both wells at high temperature).");
        declare_box_parameter(
          prm,
          "-3, 3",
          "Should contain both wells with a few widths to spare.");
      }

      explicit SharpWide(dealii::ParameterHandler &prm)
        : sharp_centre(prm.get_double("sharp centre"))
        , sharp_depth(prm.get_double("sharp depth"))
        , sharp_width(prm.get_double("sharp width"))
        , wide_centre(prm.get_double("wide centre"))
        , wide_depth(prm.get_double("wide depth"))
        , wide_width(prm.get_double("wide width"))
        , confinement(prm.get_double("confinement"))
      {
        if (!(sharp_depth > 0))
          throw InputError("sharp depth", "must be positive");
        if (!(wide_depth > 0))
          throw InputError("wide depth", "must be positive");
        if (!(sharp_width > 0))
          throw InputError("sharp width", "must be positive");
        if (!(wide_width > 0))
          throw InputError("wide width", "must be positive");
        if (!(confinement >= 0))
          throw InputError("confinement", "must not be negative");
        box = parse_box<dim>(prm.get("box"), "box");
      }

      double
      value(const dealii::Point<dim> &x) const override
      {
        return -sharp_depth * well(x, sharp_centre, sharp_width) -
               wide_depth * well(x, wide_centre, wide_width) +
               0.5 * confinement * x.square();
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &x) const override
      {
        // ∇(−h e^{−|x−c|²/(2σ²)}) = h e^{...} (x − c)/σ²
        dealii::Tensor<1, dim> s = x, w = x;
        s[0] -= sharp_centre;
        w[0] -= wide_centre;
        return sharp_depth * well(x, sharp_centre, sharp_width) /
                 (sharp_width * sharp_width) * s +
               wide_depth * well(x, wide_centre, wide_width) /
                 (wide_width * wide_width) * w +
               confinement * dealii::Tensor<1, dim>(x);
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        dealii::Point<dim> a, b;
        a[0] = sharp_centre;
        b[0] = wide_centre;
        return {{"f at sharp centre", value(a)},
                {"f at wide centre", value(b)}};
      }

    private:
      /// exp(−|x − (centre, 0, 0)|²/(2σ²))
      static double
      well(const dealii::Point<dim> &x, const double centre, const double sigma)
      {
        dealii::Point<dim> c;
        c[0] = centre;
        return std::exp(-(x - c).norm_square() / (2 * sigma * sigma));
      }

      double      sharp_centre;
      double      sharp_depth;
      double      sharp_width;
      double      wide_centre;
      double      wide_depth;
      double      wide_width;
      double      confinement;
      Domain<dim> box;
    };
  } // namespace
} // namespace relax

using relax::SharpWide;
RELAX_REGISTER_LANDSCAPE(
  SharpWide,
  "sharp-wide",
  "f = -h_s exp(-|x-a|^2/(2 s_s^2)) - h_w exp(-|x-b|^2/(2 s_w^2)) "
  "+ (kappa/2)|x|^2 with a = (a1,0,0), b = (b1,0,0), any dimension. "
  "Defaults: a sharp deep well at x1 = -1 (f = -0.95, width 0.1) and a wide "
  "shallower one at x1 = 1 (f = -0.85, width 0.5), barrier near x1 = -0.65. "
  "For temperatures eps in [0.1, 0.5] the wide basin has the larger Gibbs "
  "mass in dimensions 1-3 (1-D: 1.9 to 3.1 times the sharp one), below "
  "eps = 0.06 (1-D), 0.03 (2-D), 0.02 (3-D) the sharp one does: the regimes "
  "where local entropy does and does not switch to the wide minimum. D = I.")
