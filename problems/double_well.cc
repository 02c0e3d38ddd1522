// f = H ((x₁/a)² − 1)² + t x₁ + (k/2) Σ_{i>1} x_i²: two wells along x₁.
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"

namespace relax
{
  namespace
  {
    /**
     * The double well written so that its two user parameters mean what
     * their names say: for tilt 0 the minima are at x₁ = ±a exactly and the
     * barrier at the saddle x = 0 is exactly H above them (Kramers' rate
     * ∝ exp(−βH)). The tilt makes the wells unequal (the left one lower for
     * t > 0), the transverse term keeps the other directions confined.
     */
    template <int dim>
    class DoubleWell : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry("barrier height",
                          "1",
                          dealii::Patterns::Double(0),
                          "H > 0: f at the saddle x = 0 minus f at the "
                          "minima (for tilt 0), in units of f.");
        prm.declare_entry("well separation",
                          "1",
                          dealii::Patterns::Double(0),
                          "a > 0: the minima are at x1 = ±a (for tilt 0); "
                          "the curvature there is 8H/a^2.");
        prm.declare_entry(
          "tilt",
          "0",
          dealii::Patterns::Double(),
          "t in the term t x1 (units of f per unit length): makes the well "
          "at x1 < 0 lower for t > 0. Keep |t| < 8H/(3 sqrt(3) a) or the "
          "upper well disappears.");
        prm.declare_entry("transverse stiffness",
                          "1",
                          dealii::Patterns::Double(0),
                          "k > 0 in (k/2) (x2^2 + x3^2): the curvature "
                          "across the wells.");
        declare_box_parameter(
          prm,
          "-2, 2",
          "Should contain both minima x1 = ±a.");
      }

      explicit DoubleWell(dealii::ParameterHandler &prm)
        : height(prm.get_double("barrier height"))
        , separation(prm.get_double("well separation"))
        , tilt(prm.get_double("tilt"))
        , stiffness(prm.get_double("transverse stiffness"))
      {
        if (!(height > 0))
          throw InputError("barrier height", "must be positive");
        if (!(separation > 0))
          throw InputError("well separation", "must be positive");
        if (!(stiffness > 0))
          throw InputError("transverse stiffness",
                           "must be positive (the transverse directions "
                           "would not be confined)");
        box = parse_box<dim>(prm.get("box"), "box");
      }

      double
      value(const dealii::Point<dim> &p) const override
      {
        const double s = p[0] * p[0] / (separation * separation) - 1;
        double       f = height * s * s + tilt * p[0];
        for (unsigned int i = 1; i < dim; ++i)
          f += 0.5 * stiffness * p[i] * p[i];
        return f;
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &p) const override
      {
        const double           s = p[0] * p[0] / (separation * separation) - 1;
        dealii::Tensor<1, dim> g;
        g[0] = 4 * height * s * p[0] / (separation * separation) + tilt;
        for (unsigned int i = 1; i < dim; ++i)
          g[i] = stiffness * p[i];
        return g;
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        return {{"barrier height", height},
                {"well curvature", 8 * height / (separation * separation)},
                {"saddle curvature", -4 * height / (separation * separation)}};
      }

    private:
      double      height;
      double      separation;
      double      tilt;
      double      stiffness;
      Domain<dim> box;
    };
  } // namespace
} // namespace relax

using relax::DoubleWell;
RELAX_REGISTER_LANDSCAPE(
  DoubleWell,
  "double-well",
  "f = H ((x1/a)^2 - 1)^2 + t x1 + (k/2) (x2^2 + x3^2), any dimension. "
  "For tilt t = 0: minima at x1 = ±a (other coordinates 0) with f = 0 and "
  "curvature 8H/a^2 along x1, k across; a saddle (a maximum in 1-D) at 0 "
  "with f = H and curvature -4H/a^2 along x1. D = I.")
