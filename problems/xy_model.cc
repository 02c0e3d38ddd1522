// A few XY spins θ_i on a ring or chain: the periodic landscape with a
// continuous symmetry (SCIENCE.md §6).
#include <deal.II/base/numbers.h>
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "problems/spd_check.h"

#include <cmath>
#include <utility>
#include <vector>

namespace relax
{
  namespace
  {
    /**
     * f(θ) = −Σ_bonds J_b cos(θ_i − θ_j) − h Σ_i cos θ_i, each bond counted
     * once (the ½ in SCIENCE.md §6 halves a sum over ordered pairs, which
     * counts every bond twice: the same f).
     *
     * Bonds: chain (0,1), (1,2), ..., (N−2, N−1); the ring adds (N−1, 0).
     * Without a field, f is invariant under θ → θ + s(1, ..., 1): its
     * minima are whole circles. Gauge fixing pins θ_0 = 0 and keeps the
     * other N − 1 angles as coordinates, which makes the minimum isolated.
     * With a field h ≠ 0 the rotation is no symmetry and pinning θ_0 is a
     * constraint that changes the model, not a gauge; it is allowed (a
     * spin held by an anchor) but the two models then differ.
     */
    template <int dim>
    class XYModel : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry("spins",
                          "3",
                          dealii::Patterns::Integer(2, 4),
                          "N, the number of spins (2 to 4). The dimension "
                          "must be N - 1 with gauge fixing, N without.");
        prm.declare_entry("topology",
                          "ring",
                          dealii::Patterns::Selection("ring|chain"),
                          "chain: bonds (1,2), ..., (N-1,N); ring: also "
                          "(N,1), which needs N >= 3.");
        prm.declare_entry(
          "coupling",
          "1",
          dealii::Patterns::Anything(),
          "J: one number for every bond, or one per bond in the order "
          "(1,2), (2,3), ... (and (N,1) last for the ring), in units of f. "
          "J > 0 aligns neighbours (ferromagnet), J < 0 anti-aligns them.");
        prm.declare_entry("field",
                          "0",
                          dealii::Patterns::Double(),
                          "h in -h sum_i cos(theta_i), in units of f: an "
                          "external field along theta = 0 that breaks the "
                          "rotation symmetry.");
        prm.declare_entry("gauge fixing",
                          "true",
                          dealii::Patterns::Bool(),
                          "true: theta_1 = 0 is fixed and the coordinates "
                          "are theta_2, ..., theta_N (d = N - 1); false: "
                          "all N angles are coordinates (d = N) and the "
                          "minima are not isolated when h = 0.");
      }

      explicit XYModel(dealii::ParameterHandler &prm)
        : n_spins(prm.get_integer("spins"))
        , field(prm.get_double("field"))
        , gauge_fixed(prm.get_bool("gauge fixing"))
      {
        const bool ring = prm.get("topology") == "ring";
        if (ring && n_spins < 3)
          throw InputError("topology",
                           "a ring needs at least 3 spins (with 2 it would "
                           "count the one bond twice), but spins = " +
                             std::to_string(n_spins));

        const unsigned int n_angles = gauge_fixed ? n_spins - 1 : n_spins;
        if (n_angles != dim)
          throw InputError("/dimension",
                           "xy-model with " + std::to_string(n_spins) +
                             " spins and " +
                             (gauge_fixed ? "gauge fixing" :
                                            "no gauge fixing") +
                             " has " + std::to_string(n_angles) +
                             " angles, but dimension = " + std::to_string(dim));

        for (unsigned int i = 0; i + 1 < n_spins; ++i)
          bonds.push_back({i, i + 1});
        if (ring)
          bonds.push_back({n_spins - 1, 0});

        const std::vector<double> J =
          parse_numbers(prm.get("coupling"), "coupling");
        if (J.size() == 1)
          couplings.assign(bonds.size(), J[0]);
        else if (J.size() == bonds.size())
          couplings = J;
        else
          throw InputError("coupling",
                           "has " + std::to_string(J.size()) +
                             " numbers, give one for all bonds or one for "
                             "each of the " +
                             std::to_string(bonds.size()) + " bonds of the " +
                             prm.get("topology"));
        for (const double j : couplings)
          if (!std::isfinite(j))
            throw InputError("coupling", "is not finite");
        if (!std::isfinite(field))
          throw InputError("field", "is not finite");
      }

      double
      value(const dealii::Point<dim> &x) const override
      {
        const std::vector<double> theta = angles(x);
        double                    f     = 0;
        for (unsigned int b = 0; b < bonds.size(); ++b)
          f -= couplings[b] *
               std::cos(theta[bonds[b].first] - theta[bonds[b].second]);
        for (const double t : theta)
          f -= field * std::cos(t);
        return f;
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &x) const override
      {
        const std::vector<double> theta = angles(x);
        // ∂f/∂θ_i over all N spins, then the pinned θ_0 dropped.
        std::vector<double> g(n_spins, 0.);
        for (unsigned int b = 0; b < bonds.size(); ++b)
          {
            const auto [i, j] = bonds[b];
            const double s    = couplings[b] * std::sin(theta[i] - theta[j]);
            g[i] += s;
            g[j] -= s;
          }
        for (unsigned int i = 0; i < n_spins; ++i)
          g[i] += field * std::sin(theta[i]);
        dealii::Tensor<1, dim> grad;
        const unsigned int     offset = gauge_fixed ? 1 : 0;
        for (unsigned int k = 0; k < dim; ++k)
          grad[k] = g[k + offset];
        return grad;
      }

      Domain<dim>
      domain() const override
      {
        Domain<dim> torus;
        for (unsigned int k = 0; k < dim; ++k)
          {
            torus.lower[k]    = -dealii::numbers::PI;
            torus.upper[k]    = dealii::numbers::PI;
            torus.periodic[k] = true;
          }
        return torus;
      }

      std::map<std::string, double>
      properties() const override
      {
        return {{"spins", static_cast<double>(n_spins)},
                {"bonds", static_cast<double>(bonds.size())}};
      }

    private:
      /// All N angles, with θ_0 = 0 in front when gauge fixing.
      std::vector<double>
      angles(const dealii::Point<dim> &x) const
      {
        std::vector<double> theta;
        if (gauge_fixed)
          theta.push_back(0.);
        for (unsigned int k = 0; k < dim; ++k)
          theta.push_back(x[k]);
        return theta;
      }

      unsigned int                                       n_spins;
      double                                             field;
      bool                                               gauge_fixed;
      std::vector<std::pair<unsigned int, unsigned int>> bonds;
      std::vector<double>                                couplings;
    };
  } // namespace
} // namespace relax

using relax::XYModel;
RELAX_REGISTER_LANDSCAPE(
  XYModel,
  "xy-model",
  "N = 2..4 XY spins on a ring or chain, f(theta) = -sum_bonds J_b "
  "cos(theta_i - theta_j) - h sum_i cos(theta_i), each bond once, on the "
  "torus [-pi, pi)^d, periodic in every direction. With gauge fixing "
  "theta_1 = 0 and d = N - 1 (the dimension must match). For J > 0, h = 0 "
  "the minima are the aligned states theta_i = const (f = -sum J_b): a "
  "circle without gauge fixing, the single point 0 with it. D = I.")
