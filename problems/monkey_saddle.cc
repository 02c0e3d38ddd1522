// f = x³ − 3xy² + c (x² + y²)² (+ z²): a degenerate saddle with three
// descending valleys.
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
     * In polar coordinates f = r³ cos 3φ + c r⁴: the monkey saddle
     * x³ − 3xy² = Re (x + iy)³ has three valleys (cos 3φ = −1) and three
     * ridges; the quartic closes the valleys into minima at r = 3/(4c),
     * φ = π/3, π, 5π/3, with f = −r³/4 there. ∂f/∂φ = −3 r³ sin 3φ and
     * ∂f/∂r = r² (3 cos 3φ + 4c r) vanish nowhere else but at the origin,
     * where the Hessian is zero (a degenerate critical point: no
     * quadratic model of f exists there, which is the point of this
     * example).
     */
    template <int dim>
    class MonkeySaddle : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "confinement",
          "0.5",
          dealii::Patterns::Double(0),
          "c > 0 (dimensionless) in f = x^3 - 3 x y^2 + c (x^2 + y^2)^2 "
          "(+ z^2 in 3-D). The three minima are at radius 3/(4c) (1.5 for "
          "the default) with f = -27/(256 c^3).");
        declare_box_parameter(
          prm,
          "-2.5, 2.5",
          "Should contain the three minima at radius 3/(4c).");
      }

      explicit MonkeySaddle(dealii::ParameterHandler &prm)
        : c(prm.get_double("confinement"))
      {
        if constexpr (dim == 1)
          throw InputError(
            "/dimension",
            "monkey-saddle is defined for dimension 2 or 3, not 1");
        if (!(c > 0))
          throw InputError("confinement",
                           "must be positive (without it f is unbounded "
                           "below)");
        box = parse_box<dim>(prm.get("box"), "box");
      }

      double
      value(const dealii::Point<dim> &p) const override
      {
        const double x = p[0], y = p[1];
        const double r2 = x * x + y * y;
        double       f  = x * x * x - 3 * x * y * y + c * r2 * r2;
        if constexpr (dim == 3)
          f += p[2] * p[2];
        return f;
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &p) const override
      {
        const double           x = p[0], y = p[1];
        const double           r2 = x * x + y * y;
        dealii::Tensor<1, dim> g;
        g[0] = 3 * x * x - 3 * y * y + 4 * c * r2 * x;
        g[1] = -6 * x * y + 4 * c * r2 * y;
        if constexpr (dim == 3)
          g[2] = 2 * p[2];
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
        const double r = 3 / (4 * c);
        return {{"minimum radius", r}, {"minimum value", -r * r * r / 4}};
      }

    private:
      double      c;
      Domain<dim> box;
    };
  } // namespace
} // namespace relax

using relax::MonkeySaddle;
RELAX_REGISTER_LANDSCAPE(
  MonkeySaddle,
  "monkey-saddle",
  "f = x^3 - 3 x y^2 + c (x^2 + y^2)^2, plus z^2 in 3-D (dimension 2 or 3). "
  "Critical points: a degenerate saddle at 0 (zero Hessian, three valleys "
  "descending from it) and three minima at radius 3/(4c), angles 60, 180 "
  "and 300 degrees, with f = -27/(256 c^3); nothing else. D = I.")
