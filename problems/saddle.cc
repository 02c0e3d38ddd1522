// f = x² − y² + c (x² + y²)² (+ z²): the simplest landscape with a saddle.
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
     * A saddle at the origin between two minima at (0, ±1/sqrt(2c)).
     *
     * The quadratic x² − y² alone has no minimum, so a density would leave
     * through the boundary in y; the isotropic quartic c r⁴ (r² = x² + y²)
     * confines it without adding critical points besides the two minima:
     * ∂f/∂x = 2x (1 + 2c r²) vanishes only at x = 0, and then
     * ∂f/∂y = 2y (2c y² − 1) at y = 0 or y² = 1/(2c).
     */
    template <int dim>
    class Saddle : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "confinement",
          "0.25",
          dealii::Patterns::Double(0),
          "c > 0 (dimensionless) in f = x^2 - y^2 + c (x^2 + y^2)^2 "
          "(+ z^2 in 3-D). The minima are at y = ±1/sqrt(2c) with "
          "f = -1/(4c), so the barrier at the saddle (0, 0) is 1/(4c) high; "
          "the Hessian at the minima is diag(4, 4) for every c.");
        declare_box_parameter(
          prm,
          "-3, 3",
          "Must contain the minima (0, ±1/sqrt(2c)).");
      }

      explicit Saddle(dealii::ParameterHandler &prm)
        : c(prm.get_double("confinement"))
      {
        if constexpr (dim == 1)
          throw InputError("/dimension",
                           "saddle is defined for dimension 2 or 3, not 1");
        if (!(c > 0))
          throw InputError("confinement",
                           "must be positive (without it f is unbounded "
                           "below along y)");
        box = parse_box<dim>(prm.get("box"), "box");
      }

      double
      value(const dealii::Point<dim> &p) const override
      {
        const double x = p[0], y = p[1];
        const double r2 = x * x + y * y;
        double       f  = x * x - y * y + c * r2 * r2;
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
        g[0] = 2 * x + 4 * c * r2 * x;
        g[1] = -2 * y + 4 * c * r2 * y;
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
        return {{"minimum value", -1 / (4 * c)},
                {"minimum y", 1 / std::sqrt(2 * c)},
                {"barrier height", 1 / (4 * c)}};
      }

    private:
      double      c;
      Domain<dim> box;
    };
  } // namespace
} // namespace relax

using relax::Saddle;
RELAX_REGISTER_LANDSCAPE(
  Saddle,
  "saddle",
  "f = x^2 - y^2 + c (x^2 + y^2)^2, plus z^2 in 3-D (dimension 2 or 3). "
  "Critical points: a saddle at 0 (f = 0, Hessian diag(2, -2[, 2])) and two "
  "minima at (0, ±1/sqrt(2c)[, 0]) with f = -1/(4c) and Hessian "
  "diag(4, 4[, 2]); nothing else. D = I.")
