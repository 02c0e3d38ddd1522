// SCIENCE.md §2 (local entropy moves the minimiser to wide minima) and §3
// (Hopf–Lax is the proximal point), on the 1-D sharp-wide landscape: the
// hj-viscous and hj-inviscid solvers against quadrature of the Cole–Hopf
// formula and a brute-force minimisation, both computed here from f alone.
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/point.h>

#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "solvers/common/run_folder.h"
#include "solvers/verify/verify.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace relax
{
  namespace verify
  {
    namespace
    {
      /// f of the default 1-D sharp-wide landscape as a function of x.
      std::unique_ptr<Landscape<1>>
      sharp_wide()
      {
        dealii::ParameterHandler prm;
        declare_landscape_parameters(prm);
        prm.enter_subsection("Landscape");
        prm.set("name", "sharp-wide");
        prm.leave_subsection();
        return create_landscape<1>(prm);
      }

      /// Samples of f on [a, b] with spacing `h`.
      struct Samples
      {
        std::vector<double> y, f;
        Samples(const Landscape<1> &landscape, double a, double b, double h)
        {
          const auto n = static_cast<unsigned int>(std::lround((b - a) / h));
          for (unsigned int k = 0; k <= n; ++k)
            {
              y.push_back(a + k * (b - a) / n);
              f.push_back(landscape.value(dealii::Point<1>(y.back())));
            }
        }
      };

      /// argmin over the x grid of u(x, t) = −ε log ∫ G_{εt}(x − y)
      /// e^{−f(y)/ε} dy, the Cole–Hopf formula on R by the trapezoidal rule
      /// (log-sum-exp: no underflow; the constants do not move the argmin).
      double
      cole_hopf_argmin(const Samples &s, const std::vector<double> &x, double epsilon, double t)
      {
        double best = std::numeric_limits<double>::max(), where = 0;
        // The kernel below e^{−50} of its peak adds nothing at double
        // precision against the terms near x: sum over |x − y| < 10 sqrt(εt).
        const double        window = 10 * std::sqrt(epsilon * t);
        std::vector<double> exponent;
        for (const double xi : x)
          {
            double top = -std::numeric_limits<double>::max();
            exponent.clear();
            for (std::size_t k = 0; k < s.y.size(); ++k)
              if (std::abs(xi - s.y[k]) < window)
                {
                  exponent.push_back(-std::pow(xi - s.y[k], 2) / (2 * epsilon * t) - s.f[k] / epsilon);
                  top = std::max(top, exponent.back());
                }
            double sum = 0;
            for (const double e : exponent)
              sum += std::exp(e - top);
            const double u = -epsilon * (top + std::log(sum));
            if (u < best)
              {
                best  = u;
                where = xi;
              }
          }
        return where;
      }

      void
      local_entropy(Context &context)
      {
        const auto   landscape = sharp_wide();
        const double dt = 0.005, end = 0.4;
        const int    refinement = context.size(8, 10);
        // Gibbs masses ∫e^{−f/ε} of the wells in 1-D: the wide one (depth
        // 0.9, width 0.5) outweighs the sharp one (depth 1, width 0.1) when
        // e^{0.1/ε} < 5 or so: ε = 0.1 switches, ε = 0.03 does not.
        const std::vector<double> viscosities = {0.1, 0.03};
        const Samples             samples(*landscape, -3, 3, 1e-3);
        std::vector<double>       x_grid;
        for (double x = -2; x <= 2 + 1e-12; x += 2e-3)
          x_grid.push_back(x);

        Plot plot;
        plot.title   = "argmin of u(., t), local entropy of sharp-wide (1-D)";
        plot.x_label = "t";
        plot.y_label = "argmin_x u(x, t)";
        plot.settings.push_back("set yrange [-1.5:1.5]");
        std::vector<std::string> measured, expected;
        bool                     pass = true;
        for (const double epsilon : viscosities)
          {
            const std::string name   = "hj_viscous_eps_" + format(epsilon, 2);
            const std::string folder = context.run(
              name,
              "set solver = hj-viscous\nset dimension = 1\n"
              "subsection Landscape\n  set name = sharp-wide\nend\n"
              "subsection Mesh\n  set refinement = " + std::to_string(refinement) +
                "\n  set degree = 2\nend\n"
                "subsection Time\n  set end time = " + format(end, 6) + "\n  set time step = " +
                format(dt, 6) + "\n  set output every = 20\nend\n"
                "subsection hj-viscous\n  set method = cole-hopf\n  set viscosity = " +
                format(epsilon, 6) + "\nend\n");
            const Tree        summary = context.summary(folder);
            const Diagnostics table   = context.diagnostics(folder);
            const auto        times = table.column("time"), argmin = table.column("argmin u x");

            // The quadrature's argmin at the solver's own times: its jump
            // (the argmin changes well) is the expected crossover.
            std::vector<double> quadrature;
            double              expected_jump = std::nan("");
            for (std::size_t n = 0; n < times.size(); ++n)
              {
                quadrature.push_back(times[n] > 0 ? cole_hopf_argmin(samples, x_grid, epsilon, times[n]) :
                                                    -1.0);
                if (n > 0 && std::isnan(expected_jump) && quadrature[n] * quadrature[n - 1] < 0)
                  expected_jump = 0.5 * (times[n] + times[n - 1]);
              }
            const Tree &jumps         = subtree(summary, "argmin jumps");
            const double measured_jump = jumps.empty() ? std::nan("") : number(jumps, "0/time");
            bool         agrees;
            if (std::isnan(expected_jump))
              {
                agrees = jumps.empty() && std::abs(argmin.back() - quadrature.back()) < 0.05;
                measured.push_back("ε = " + format(epsilon, 2) + ": " +
                                   (jumps.empty() ? "no jump, argmin stays at " + format(argmin.back(), 3) :
                                                    "jump at t = " + format(measured_jump, 3)));
                expected.push_back("ε = " + format(epsilon, 2) + ": no jump (stays at " +
                                   format(quadrature.back(), 3) + ")");
              }
            else
              {
                agrees = jumps.size() == 1 && std::abs(measured_jump - expected_jump) <= 1.5 * dt;
                measured.push_back("ε = " + format(epsilon, 2) + ": jump sharp → wide at t = " +
                                   format(measured_jump, 3));
                expected.push_back("ε = " + format(epsilon, 2) + ": at t = " + format(expected_jump, 3) +
                                   " ± " + format(1.5 * dt, 2));
              }
            pass = pass && agrees;
            const std::string colour = epsilon > 0.05 ? " lc rgb 'dark-red'" : " lc rgb 'blue'";
            plot.series.push_back({"hj-viscous, ε = " + format(epsilon, 2), {times, argmin}, "lines lw 2" + colour});
            plot.series.push_back({"Cole-Hopf quadrature, ε = " + format(epsilon, 2), {times, quadrature},
                                   "points pt 6 ps 0.8" + colour});
          }
        ClaimRow row;
        row.id     = "local-entropy-wide-minima";
        row.claim  = "Local entropy (viscous HJ) moves the minimiser of u(·, t) from the sharp to the wide "
                     "minimum where the wide well carries more Gibbs mass, and not otherwise";
        row.source = "SCIENCE.md §2; Chaudhari's talk: local entropy (Chaudhari et al., ICLR '17; Deep Relaxation: PDEs for optimizing deep neural networks)";
        for (std::size_t n = 0; n < measured.size(); ++n)
          {
            row.measured += (n > 0 ? "; " : "") + measured[n];
            row.expected += (n > 0 ? "; " : "") + expected[n];
          }
        row.pass    = pass;
        row.plot    = context.plot("argmin_u", plot);
        row.details = "hj-viscous (Cole–Hopf route, Q2, 2^" + std::to_string(refinement) +
                      " cells on [−3, 3], Δt = " + format(dt, 2) +
                      ") on sharp-wide in 1-D: sharp well depth 1, width 0.1 at −1; wide well depth 0.9, "
                      "width 0.5 at 1. Expected: the argmin over x of u(x, t) = −ε log ∫ G_εt(x − y) "
                      "e^{−f(y)/ε} dy by the trapezoidal rule on R (y spacing 1e-3, x spacing 2e-3) at the "
                      "solver's times; the jump time is the midpoint of the two steps around it.";
        context.add(row);
      }

      void
      hopf_lax(Context &context)
      {
        const auto   landscape = sharp_wide();
        const double t          = 1;
        const int    refinement = context.size(7, 9);
        const Samples samples(*landscape, -3, 3, 1e-4);

        // Brute force: argmin_y f(y) + |x − y|²/(2t) over the samples.
        auto proximal = [&](double x) {
          double best = std::numeric_limits<double>::max(), where = 0;
          for (std::size_t k = 0; k < samples.y.size(); ++k)
            {
              const double value = samples.f[k] + std::pow(x - samples.y[k], 2) / (2 * t);
              if (value < best)
                {
                  best  = value;
                  where = samples.y[k];
                }
            }
          return std::make_pair(where, best);
        };
        // Probes on a grid, kept off the kink of u (where the proximal
        // point jumps between the wells and ∇u is not defined).
        std::vector<double> probes;
        std::string         probe_text;
        for (double x = -2.45; x <= 2.45 + 1e-12; x += 0.1)
          {
            if (std::abs(proximal(x - 0.03).first - proximal(x + 0.03).first) > 0.2)
              continue;
            probes.push_back(x);
            probe_text += (probe_text.empty() ? "" : "; ") + format(x, 6);
          }
        const std::string folder = context.run(
          "hj_inviscid_t_1",
          "set solver = hj-inviscid\nset dimension = 1\n"
          "subsection Landscape\n  set name = sharp-wide\nend\n"
          "subsection Mesh\n  set refinement = " + std::to_string(refinement) +
            "\n  set degree = 2\nend\n"
            "subsection Time\n  set end time = 1\n  set time step = 0.25\n  set output every = 4\nend\n"
            "subsection hj-inviscid\n  set probe points = " + probe_text + "\nend\n");
        const Tree summary = context.summary(folder);
        const Tree &points = subtree(summary, "probes/points");

        double              worst_point = 0, worst_value = 0, worst_field = 0;
        std::vector<double> x, field_prox, brute_prox, field_u, brute_u, f_values;
        std::size_t         n = 0;
        for (const auto &probe : points)
          {
            const double xi = probes.at(n++);
            const auto   exact = proximal(xi);
            x.push_back(xi);
            field_prox.push_back(numbers(probe.second, "proximal point").at(0));
            field_u.push_back(number(probe.second, "u"));
            brute_prox.push_back(exact.first);
            brute_u.push_back(exact.second);
            f_values.push_back(landscape->value(dealii::Point<1>(xi)));
            worst_point = std::max(worst_point, std::abs(field_prox.back() - exact.first));
            worst_value = std::max(worst_value, std::abs(number(probe.second, "hopf-lax value") - exact.second));
            worst_field = std::max(worst_field, std::abs(field_u.back() - exact.second));
          }
        const double h = 6.0 / std::pow(2.0, refinement);

        Plot plot;
        plot.title   = "Hopf-Lax: the proximal map x - t grad u at t = 1 (sharp-wide, 1-D)";
        plot.x_label = "x";
        plot.y_label = "proximal point, u, f";
        plot.series.push_back({"brute force argmin_y f(y) + |x - y|^2/(2t)", {x, brute_prox}, "lines lw 2"});
        plot.series.push_back({"hj-inviscid: x - t grad u_h", {x, field_prox}, "points pt 7 ps 0.8"});
        plot.series.push_back({"u(x, t) (hj-inviscid)", {x, field_u}, "linespoints pt 6 ps 0.6"});
        plot.series.push_back({"f", {x, f_values}, "lines dt 2"});

        ClaimRow row;
        row.id     = "hopf-lax-proximal-point";
        row.claim  = "The non-viscous HJ solution is the Hopf–Lax formula, and x − t∇u(x, t) is the proximal "
                     "point argmin_y f(y) + |x − y|²/(2t)";
        row.source = "SCIENCE.md §3; Chaudhari's talk: proximal point iteration and the non-viscous HJ equation (Deep Relaxation)";
        row.measured = "max |x − t∇u_h − prox(x)| = " + format(worst_point) + ", max |u_h − min_y(...)| = " +
                       format(worst_field) + ", pointwise Hopf–Lax " + format(worst_value) + " at " +
                       std::to_string(x.size()) + " points";
        // Away from the kink u is smooth: Q2 interpolates it to O(h³) and
        // its gradient to O(h²).
        row.expected = "proximal point within h² = " + format(h * h) + ", field within h³ = " + format(h * h * h) +
                       ", pointwise within 1e-6";
        row.pass = x.size() >= 30 && worst_point <= h * h && worst_field <= h * h * h && worst_value <= 1e-6;
        row.plot     = context.plot("proximal_map", plot);
        row.details  = "hj-inviscid (Q2, 2^" + std::to_string(refinement) +
                      " cells on [−3, 3], t = 1) against a brute-force minimisation over 6·10⁴ samples of "
                      "f here (points within 0.03 of the kink of u, where the proximal point jumps between the "
                      "wells, left out).";
        context.add(row);
      }

      void
      hamilton_jacobi(Context &context)
      {
        local_entropy(context);
        hopf_lax(context);
      }
    } // namespace

    RELAX_REGISTER_CLAIMS(hamilton_jacobi, "hamilton-jacobi", 2, "local entropy and Hopf–Lax, SCIENCE.md §2–§3")
  } // namespace verify
} // namespace relax
