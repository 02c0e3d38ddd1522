// SCIENCE.md §4: the potential Φ against f, KL(ρ‖ρ_ss) as a Lyapunov
// functional for any D, div(ρ_ss j) = 0 against div j = 0, and the closed
// orbits of ẋ = j; each through fokker-planck runs, against closed forms
// computed here (the Lyapunov equation of Ornstein–Uhlenbeck, the
// rotation of the non-equilibrium double well).
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "solvers/common/run_folder.h"
#include "solvers/verify/verify.h"

#include <array>
#include <cmath>
#include <limits>

namespace relax
{
  namespace verify
  {
    namespace
    {
      using Matrix2 = std::array<std::array<double, 2>, 2>;

      Matrix2
      product(const Matrix2 &a, const Matrix2 &b)
      {
        Matrix2 c{};
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j)
            c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        return c;
      }

      Matrix2
      inverse(const Matrix2 &a)
      {
        const double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        return {{{{a[1][1] / det, -a[0][1] / det}}, {{-a[1][0] / det, a[0][0] / det}}}};
      }

      /// The stationary covariance of dx = −Ax dt + sqrt(2TD) dW: the
      /// symmetric S with AS + SAᵀ = 2TD (three equations, Cramer's rule).
      Matrix2
      lyapunov(const Matrix2 &A, const Matrix2 &D, double T)
      {
        const double m[3][3] = {{2 * A[0][0], 2 * A[0][1], 0},
                                {A[1][0], A[0][0] + A[1][1], A[0][1]},
                                {0, 2 * A[1][0], 2 * A[1][1]}};
        const double r[3]    = {2 * T * D[0][0], 2 * T * D[0][1], 2 * T * D[1][1]};
        auto det3 = [](const double a[3][3]) {
          return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                 a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                 a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
        };
        double s[3];
        for (int k = 0; k < 3; ++k)
          {
            double replaced[3][3];
            for (int i = 0; i < 3; ++i)
              for (int j = 0; j < 3; ++j)
                replaced[i][j] = j == k ? r[i] : m[i][j];
            s[k] = det3(replaced) / det3(m);
          }
        return {{{{s[0], s[1]}}, {{s[1], s[2]}}}};
      }

      std::string
      matrix_text(const Matrix2 &a)
      {
        return format(a[0][0], 6) + ", " + format(a[0][1], 6) + "; " + format(a[1][0], 6) + ", " +
               format(a[1][1], 6);
      }

      /// The relative size of a field: its root mean square over the
      /// output points where it is finite (NaN marks ρ_ss too small).
      double
      rms(const std::vector<double> &values)
      {
        double      sum = 0;
        std::size_t n   = 0;
        for (const double v : values)
          if (std::isfinite(v))
            {
              sum += v * v;
              ++n;
            }
        return n > 0 ? std::sqrt(sum / n) : std::nan("");
      }

      /// The root mean squares over the output points (where finite) of
      /// div(ρ_ss j) = ρ_ss(div j − β∇Φ·j) and of ρ_ss div j: the two
      /// fields fokker-planck writes, from Φ_h's first and second
      /// derivatives (so an O(h) error at least).
      std::pair<double, double>
      divergences(const Fields &fields)
      {
        const auto &rho = fields.values("rho_ss"), &div_j = fields.values("div_j");
        std::vector<double> rho_div_j(rho.size());
        for (std::size_t i = 0; i < rho.size(); ++i)
          rho_div_j[i] = rho[i] * div_j[i];
        return {rms(fields.values("div_rho_ss_j")), rms(rho_div_j)};
      }

      std::string
      fp_steady(const std::string &landscape, const std::string &landscape_settings, int refinement,
                const std::string &beta, const std::string &probes)
      {
        return "set solver = fokker-planck\nset dimension = 2\n"
               "subsection Landscape\n  set name = " + landscape + "\n  subsection " + landscape + "\n" +
               landscape_settings + "  end\nend\n"
               "subsection Mesh\n  set refinement = " + std::to_string(refinement) +
               "\n  set degree = 2\nend\n"
               "subsection fokker-planck\n  set inverse temperature = " + beta +
               "\n  set transient = false\n" + (probes.empty() ? "" : "  set probe points = " + probes + "\n") +
               "end\n";
      }

      /// Φ against f on Ornstein–Uhlenbeck (f = ½xᵀAx) with three D's.
      void
      potential_vs_f(Context &context)
      {
        const double  beta = 2;
        const Matrix2 A{{{{1, 0.5}}, {{0.5, 2}}}};
        struct Case
        {
          std::string name, label;
          Matrix2     D;
        };
        const std::vector<Case> cases = {{"ou_isotropic", "D = I", {{{{1, 0}}, {{0, 1}}}}},
                                         {"ou_commuting", "D = A (anisotropic, AD = DA)", A},
                                         {"ou_noncommuting", "D = diag(1, 0.5) (AD ≠ DA)", {{{{1, 0}}, {{0, 0.5}}}}}};
        const int refinement = context.size(6, 7);
        // Probes along a line through the minimum, not along an eigenvector.
        std::vector<double> s;
        std::string         probes;
        for (double t = -2; t <= 2 + 1e-12; t += 0.2)
          {
            s.push_back(t);
            probes += (probes.empty() ? "" : "; ") + format(t * 0.8, 6) + ", " + format(t * 0.6, 6);
          }

        Plot plot;
        plot.title   = "Phi - f along x = s (0.8, 0.6), Ornstein-Uhlenbeck f = x'Ax/2, beta = 2";
        plot.x_label = "s";
        plot.y_label = "Phi - f";
        std::string measured, expected;
        bool        pass = true;
        for (const Case &c : cases)
          {
            const std::string folder =
              context.run(c.name, fp_steady("quadratic",
                                            "    set A = " + matrix_text(A) + "\n    set D = " + matrix_text(c.D) +
                                              "\n    set box = -4, 4\n",
                                            refinement, format(beta, 6), probes));
            const Tree    summary = context.summary(folder);
            const Matrix2 S       = lyapunov(A, c.D, 1 / beta);
            const Matrix2 Sinv    = inverse(S);
            Matrix2       M;
            for (int i = 0; i < 2; ++i)
              for (int j = 0; j < 2; ++j)
                M[i][j] = Sinv[i][j] / beta - A[i][j];
            const Matrix2 MS = product(M, S), MSMS = product(MS, MS);
            const double  deviation = std::sqrt(0.5 * (MSMS[0][0] + MSMS[1][1]));
            const double  measured_deviation = number(summary, "steady state/Phi minus f deviation");
            // Zero expected: the discretisation error of Q2 (1e-4 at these
            // sizes); otherwise within 2 %.
            const bool ok = deviation == 0 ? measured_deviation < 1e-3 :
                                             std::abs(measured_deviation - deviation) <= 0.02 * deviation;
            pass = pass && ok;
            measured += (measured.empty() ? "" : "; ") + c.label + ": " + format(measured_deviation);
            expected += (expected.empty() ? "" : "; ") + c.label + ": " +
                        (deviation == 0 ? std::string("0 (< 1e-3)") : format(deviation) + " ± 2 %");

            std::vector<double> field, exact;
            std::size_t         n = 0;
            for (const auto &probe : subtree(summary, "steady state/probes"))
              {
                const double x = 0.8 * s[n], y = 0.6 * s[n];
                ++n;
                field.push_back(number(probe.second, "Phi") - number(probe.second, "f"));
                exact.push_back(0.5 * (M[0][0] * x * x + 2 * M[0][1] * x * y + M[1][1] * y * y));
              }
            plot.series.push_back({c.label + ": closed form", {s, exact}, "lines lw 2"});
            plot.series.push_back({c.label + ": fokker-planck", {s, field}, "points pt 7 ps 0.7"});
          }
        ClaimRow row;
        row.id     = "potential-vs-f";
        row.claim  = "Φ = f when D = I; Φ ≠ f for anisotropic D (Φ = ½xᵀD⁻¹Ax when AD = DA, the Lyapunov "
                     "solution when AD ≠ DA)";
        row.source = "SCIENCE.md §4; Chaudhari & Soatto's talk: SGD performs variational inference (potential ≠ loss)";
        row.measured = "sqrt(E_ρss[(Φ − f − c)²]): " + measured;
        row.expected = expected;
        row.pass     = pass;
        row.plot     = context.plot("phi_minus_f", plot);
        row.details  = "fokker-planck steady states (Q2, 2^" + std::to_string(refinement) +
                      " cells per side on [−4, 4]², β = 2) for f = ½xᵀAx, A = [1, 0.5; 0.5, 2]. Closed form: "
                      "ρ_ss = N(0, S) with AS + SA = 2β⁻¹D, so Φ − f = ½xᵀMx with M = β⁻¹S⁻¹ − A, whose "
                      "standard deviation under ρ_ss is sqrt(½ tr (MS)²).";
        context.add(row);

      }

      /// The leftover field j and the flux ρ_ss j around the saddle of f at
      /// 0 (where ρ_ss peaks for β < a), from a steady-state run's fields.
      std::string
      field_j_around_saddle(Context &context, const std::string &folder)
      {
        std::vector<std::array<double, 3>> points;
        for (int i = -6; i <= 6; ++i)
          for (int k = -6; k <= 6; ++k)
            points.push_back({{0.25 * i, 0.25 * k, 0}});
        const auto jx = context.probe(folder, "steady_state", points, "j", 0),
                   jy = context.probe(folder, "steady_state", points, "j", 1),
                   fx = context.probe(folder, "steady_state", points, "rho_ss_j", 0),
                   fy = context.probe(folder, "steady_state", points, "rho_ss_j", 1);
        double largest_j = 0, largest_flux = 0;
        for (std::size_t n = 0; n < points.size(); ++n)
          {
            largest_j    = std::max(largest_j, std::hypot(jx[n], jy[n]));
            largest_flux = std::max(largest_flux, std::hypot(fx[n], fy[n]));
          }
        std::vector<double> x, y, ax, ay, bx, by;
        for (std::size_t n = 0; n < points.size(); ++n)
          {
            x.push_back(points[n][0]);
            y.push_back(points[n][1]);
            ax.push_back(0.22 * jx[n] / largest_j);
            ay.push_back(0.22 * jy[n] / largest_j);
            bx.push_back(0.22 * fx[n] / largest_flux);
            by.push_back(0.22 * fy[n] / largest_flux);
          }
        Plot plot;
        plot.title   = "Leftover field j and flux rho_ss j around the saddle of f (anisotropic saddle, beta = 2)";
        plot.x_label = "x";
        plot.y_label = "y";
        plot.settings.push_back("set size ratio -1");
        plot.series.push_back({"j (max |j| = " + format(largest_j, 3) + ")", {x, y, ax, ay},
                               "vectors head filled lc rgb 'gray40'", "1:2:3:4"});
        plot.series.push_back({"rho_ss j (max " + format(largest_flux, 3) + ")", {x, y, bx, by},
                               "vectors head filled lc rgb 'red'", "1:2:3:4"});
        return context.plot("j_around_saddle", plot);
      }

      /// div(ρ_ss j) = 0 and div j under mesh refinement: on OU with
      /// AD ≠ DA (j linear: div j = tr(β⁻¹DS⁻¹ − A) = 0 by the Lyapunov
      /// equation), on the anisotropic saddle (radial quartic: j ≠ 0,
      /// x-dependent D) and on the non-equilibrium double well (the flux
      /// λe^{−r⁴/4}(−y, x)/Z is divergence free, j itself is not).
      void
      flux_divergence(Context &context)
      {
        struct Problem
        {
          std::string name, label, landscape, settings, beta;
          bool        div_j_vanishes;
        };
        const std::vector<Problem> problems = {
          {"ou", "OU, AD != DA", "quadratic",
           "    set A = 1, 0.5; 0.5, 2\n    set D = 1, 0; 0, 0.5\n    set box = -4, 4\n", "2", true},
          {"anisotropic_saddle", "anisotropic saddle", "anisotropic-saddle", "    set quartic = radial\n", "2", false},
          {"nonequilibrium_double_well", "non-equilibrium double well", "nonequilibrium-double-well",
           "    set rotation = 1.5\n", "1", false}};
        const int           coarsest = context.size(4, 5);
        std::vector<double> h;
        for (int level = 0; level < 3; ++level)
          h.push_back(std::pow(0.5, coarsest + level));

        Plot plot;
        plot.title   = "Divergences of the stationary flux and of j under refinement (RMS over the mesh)";
        plot.x_label = "h (relative to the box)";
        plot.y_label = "RMS";
        plot.log_x = plot.log_y = true;
        std::string flux_text, leftover_text, saddle_j;
        bool        flux_pass = true, leftover_pass = true;
        auto order = [&](const std::vector<double> &e) { return std::log(e[1] / e[2]) / std::log(h[1] / h[2]); };
        for (const Problem &problem : problems)
          {
            std::vector<double> flux, leftover;
            Fields              finest;
            std::string         folder;
            for (int level = 0; level < 3; ++level)
              {
                folder =
                  context.run(problem.name + "_refinement_" + std::to_string(coarsest + level),
                              fp_steady(problem.landscape, problem.settings, coarsest + level, problem.beta, ""));
                finest           = context.fields(folder, "steady_state");
                const auto norms = divergences(finest);
                flux.push_back(norms.first);
                leftover.push_back(norms.second);
              }
            const double flux_order = order(flux), leftover_order = order(leftover);
            // div(ρ_ss j) → 0: at least first order (the derivatives of Φ_h).
            flux_pass = flux_pass && flux_order >= 0.8;
            flux_text += (flux_text.empty() ? "" : "; ") + problem.label + ": " + format(flux, 2) + " (order " +
                         format(flux_order, 2) + ")";
            // div j → 0 likewise on OU; elsewhere it tends to a non-zero
            // limit: the Aitken extrapolation of the three values (the
            // limit of a geometric approach) above half the finest value.
            const double ratio = (leftover[2] - leftover[1]) / (leftover[1] - leftover[0]);
            const double limit = leftover[2] + (leftover[2] - leftover[1]) * ratio / (1 - ratio);
            leftover_pass      = leftover_pass && (problem.div_j_vanishes ? leftover_order >= 0.8 :
                                                                             limit > 0.5 * leftover[2]);
            leftover_text += (leftover_text.empty() ? "" : "; ") + problem.label + ": " + format(leftover, 2) +
                             (problem.div_j_vanishes ? " (order " + format(leftover_order, 2) + ")" :
                                                       " (extrapolated limit " + format(limit, 2) + ")");
            if (problem.name == "anisotropic_saddle")
              saddle_j = field_j_around_saddle(context, folder);
            if (problem.name == "nonequilibrium_double_well")
              {
                // Closed form: div j = λe^{Φ − r⁴/4} ∇Φ·(−y, x) = λe^{Φ − r⁴/4} xy(2 − x²)
                // (∇r⁴ ⟂ (−y, x)), with ρ_ss from the field.
                const auto &rho = finest.values("rho_ss"), &div_j = finest.values("div_j");
                std::vector<double> exact(rho.size());
                for (std::size_t i = 0; i < rho.size(); ++i)
                  {
                    const double x = finest.x[i], y = finest.y[i], r2 = x * x + y * y;
                    const double phi = std::pow(x * x - 1, 2) / 4 + y * y / 2;
                    exact[i]         = std::isfinite(div_j[i]) ?
                                         rho[i] * 1.5 * std::exp(phi - r2 * r2 / 4) * x * y * (2 - x * x) :
                                         std::nan("");
                  }
                const double closed_form = rms(exact);
                leftover_pass = leftover_pass && std::abs(leftover[2] - closed_form) <= 0.1 * closed_form;
                leftover_text += ", closed form " + format(closed_form, 2);
              }
            plot.series.push_back({"div(rho_ss j), " + problem.label, {h, flux}, "linespoints pt 7 lw 2"});
            plot.series.push_back({"rho_ss div j, " + problem.label, {h, leftover}, "linespoints pt 6 dt 2"});
          }
        const std::string png = context.plot("divergences", plot);
        const std::string sizes = "fokker-planck steady states (Q2) at 2^" + std::to_string(coarsest) + ", 2^" +
                                  std::to_string(coarsest + 1) + " and 2^" + std::to_string(coarsest + 2) +
                                  " cells per side; ";

        ClaimRow flux_row;
        flux_row.id       = "stationary-flux-divergence-free";
        flux_row.claim    = "div(ρ_ss j) = 0 for every D (the stationary flux −ρ_ss j is divergence free)";
        flux_row.source   = "SCIENCE.md §4; Chaudhari & Soatto's talk (SGD performs variational inference)";
        flux_row.measured = "RMS of div(ρ_ss j) under refinement: " + flux_text;
        flux_row.expected = "→ 0 as h → 0, order ≥ 0.8 (pointwise from Φ_h's second derivatives)";
        flux_row.pass     = flux_pass;
        flux_row.plot     = png;
        flux_row.details  = sizes + "the field div_rho_ss_j = ρ_ss(div j − β∇Φ_h·j) at the output points (where "
                           "ρ_ss ≥ 1e-6 max ρ_ss), its root mean square. Weakly, div(ρ_ss j) = 0 is the steady "
                           "equation itself; pointwise it holds in the limit.";
        context.add(flux_row);

        ClaimRow leftover_row;
        leftover_row.id       = "leftover-field-divergence";
        leftover_row.claim    = "div j = 0 holds for linear drift with constant D (OU), not in general";
        leftover_row.source   = "SCIENCE.md §4; Chaudhari & Soatto's talk (its assumption div j = 0)";
        leftover_row.measured = "RMS of ρ_ss div j under refinement: " + leftover_text;
        leftover_row.expected = "OU: → 0 at order ≥ 0.8 (tr(β⁻¹DS⁻¹ − A) = 0); the saddle and the well: a "
                               "non-zero limit (extrapolated > half the finest value); the well within 10 % of "
                               "its closed form λe^{Φ−r⁴/4}xy(2 − x²)";
        leftover_row.pass     = leftover_pass;
        leftover_row.plot     = saddle_j;
        leftover_row.details  = sizes + "where div j ≠ 0, div(ρ_ss j) = 0 holds because ρ_ss div j and "
                               "βρ_ss∇Φ·j cancel. The plot: j and the flux ρ_ss j around the saddle of the "
                               "anisotropic saddle (finest run); the refinement study: ![divergences](" + png + ")";
        context.add(leftover_row);
      }

      /// KL(ρ‖ρ_ss) decreases along FP for constant and x-dependent D;
      /// F_f = E_ρ[f] − β⁻¹H, with f in place of Φ, need not.
      void
      lyapunov_functional(Context &context)
      {
        const int         refinement = context.size(4, 5);
        const std::string time = "subsection Time\n  set end time = 2\n  set time step = 0.02\n  set output every = 50\nend\n";
        const std::string ou   = context.run(
          "transient_ou",
          "set solver = fokker-planck\nset dimension = 2\n"
          "subsection Landscape\n  set name = quadratic\n  subsection quadratic\n    set A = 1, 0.5; 0.5, 2\n"
          "    set D = 1, 0; 0, 0.1\n    set box = -4, 4\n  end\nend\n"
          "subsection Mesh\n  set refinement = " + std::to_string(refinement + 1) + "\n  set degree = 2\nend\n" + time +
            "subsection fokker-planck\n  set inverse temperature = 2\n  set initial density = expression\n"
            "  set initial expression = exp(-(x^2 + x*y + 2*y^2))\nend\n");
        const std::string saddle = context.run(
          "transient_anisotropic_saddle",
          "set solver = fokker-planck\nset dimension = 2\n"
          "subsection Landscape\n  set name = anisotropic-saddle\n  subsection anisotropic-saddle\n"
          "    set quartic = radial\n  end\nend\n"
          "subsection Mesh\n  set refinement = " + std::to_string(refinement + 1) + "\n  set degree = 2\nend\n" + time +
            "subsection fokker-planck\n  set inverse temperature = 2\n  set initial mean = 1, 0.5\n"
            "  set initial covariance = 0.1, 0; 0, 0.1\nend\n");

        Plot plot;
        plot.title   = "Along Fokker-Planck trajectories: KL(rho || rho_ss) and F_f - F_f(0)";
        plot.x_label = "t";
        plot.y_label = "KL, F_f - F_f(0)";
        plot.settings.push_back("set yrange [-0.5:0.5]");
        std::string measured;
        bool        pass = true;
        double      f_increase_ou = 0;
        for (const auto &[folder, label] :
             std::vector<std::pair<std::string, std::string>>{{ou, "OU, AD != DA, start e^{-beta f}/Z"},
                                                              {saddle, "anisotropic saddle, D(x)"}})
          {
            const Tree        summary = context.summary(folder);
            const Diagnostics table   = context.diagnostics(folder);
            const double      kl_increase = number(summary, "transient/largest KL increase");
            const double      f_increase  = number(summary, "transient/largest free energy f increase");
            if (folder == ou)
              f_increase_ou = f_increase;
            pass = pass && kl_increase <= 0;
            measured += (measured.empty() ? "" : "; ") + label + ": largest KL step increase " +
                        format(kl_increase, 2) + ", largest F_f step increase " + format(f_increase, 2);
            auto free_energy = table.column("free energy f");
            for (double &value : free_energy)
              value -= table.column("free energy f").front();
            plot.series.push_back({"KL, " + label, {table.column("time"), table.column("KL")}, "lines lw 2"});
            plot.series.push_back({"F_f - F_f(0), " + label, {table.column("time"), free_energy}, "lines dt 2 lw 2"});
          }
        ClaimRow row;
        row.id       = "kl-lyapunov";
        row.claim    = "KL(ρ‖ρ_ss) is a Lyapunov functional of Fokker–Planck for any D; F_f (f in place of Φ) "
                       "need not decrease";
        row.source   = "SCIENCE.md §4–§5; Chaudhari & Soatto's talk (free energy, KL decreasing)";
        row.measured = measured;
        row.expected = "KL increase ≤ 0 at every step; F_f increases (> 1e-3) on OU started at e^{−βf}/Z";
        row.pass     = pass && f_increase_ou > 1e-3;
        row.plot     = context.plot("kl_and_free_energy", plot);
        row.details  = "fokker-planck transients (Q2, Crank–Nicolson Δt = 0.02 to t = 2): OU with f = ½xᵀAx, "
                       "A = [1, 0.5; 0.5, 2], D = diag(1, 0.1), β = 2, started at the minimiser e^{−βf}/Z of F_f "
                       "(so F_f can only go up), and the anisotropic saddle (radial quartic, D = diag(1, 1 + 4y²), "
                       "β = 2) from a Gaussian at (1, 0.5).";
        context.add(row);
      }

      /// ẋ = j on the non-equilibrium double well: j = λe^{Φ − r⁴/4}(−y, x)
      /// is orthogonal to x, so every orbit is a circle |x| = r, closed,
      /// with period ∮dθ/(λe^{Φ − r⁴/4}) (a centre: a continuum of cycles).
      void
      closed_orbits(Context &context)
      {
        const double lambda = 1.5;
        // The solver's leftover field j at probes, against the rotation.
        std::string probes;
        std::vector<std::array<double, 2>> probe_points;
        for (double x = -1.5; x <= 1.5 + 1e-12; x += 0.5)
          for (double y = -1.5; y <= 1.5 + 1e-12; y += 0.5)
            {
              probe_points.push_back({{x, y}});
              probes += (probes.empty() ? "" : "; ") + format(x, 6) + ", " + format(y, 6);
            }
        const std::string folder = context.run(
          "nonequilibrium_double_well_probes",
          fp_steady("nonequilibrium-double-well", "    set rotation = " + format(lambda, 6) + "\n",
                    context.size(6, 7), "1", probes));
        const Tree summary = context.summary(folder);

        dealii::ParameterHandler prm;
        declare_landscape_parameters(prm);
        prm.enter_subsection("Landscape");
        prm.set("name", "nonequilibrium-double-well");
        prm.enter_subsection("nonequilibrium-double-well");
        prm.set("rotation", format(lambda, 17));
        prm.leave_subsection();
        prm.leave_subsection();
        const auto landscape = create_landscape<2>(prm);
        // β = 1, D = I and Φ = f (ρ_ss = e^{−f}/Z, checked by the run's Φ − f
        // deviation): j = b + ∇Φ.
        auto j = [&](const dealii::Point<2> &x) { return landscape->drift(x) + landscape->gradient(x); };
        auto phi = [](double x, double y) { return std::pow(x * x - 1, 2) / 4 + y * y / 2; };

        double worst_j = 0, scale_j = 0;
        std::vector<double> px, py, jx, jy;
        std::size_t         n = 0;
        for (const auto &probe : subtree(summary, "steady state/probes"))
          {
            const dealii::Point<2>     x(probe_points[n][0], probe_points[n][1]);
            ++n;
            const dealii::Tensor<1, 2> exact = j(x);
            const std::vector<double>  field = numbers(probe.second, "j");
            worst_j = std::max(worst_j, std::hypot(field[0] - exact[0], field[1] - exact[1]));
            scale_j = std::max(scale_j, exact.norm());
            px.push_back(x[0]);
            py.push_back(x[1]);
            jx.push_back(field[0]);
            jy.push_back(field[1]);
          }

        Plot plot;
        plot.title   = "Orbits of dx/dt = j on the non-equilibrium double well (lambda = 1.5)";
        plot.x_label = "x";
        plot.y_label = "y";
        plot.settings.push_back("set size ratio -1");
        std::string measured_period, expected_period;
        double      worst_return = 0, worst_radius = 0, worst_period = 0;
        for (const double r : {0.5, 1.0, 1.5})
          {
            // RK4 until the angle has turned once; the crossing of the
            // positive x axis by linear interpolation.
            const double         dt = 1e-3;
            dealii::Point<2>     x(r, 0);
            double               angle = 0, time = 0;
            std::vector<double>  ox{x[0]}, oy{x[1]};
            while (true)
              {
                const dealii::Tensor<1, 2> k1 = j(x), k2 = j(x + 0.5 * dt * k1), k3 = j(x + 0.5 * dt * k2),
                                           k4   = j(x + dt * k3);
                const dealii::Point<2>     next = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
                const double turn = std::atan2(x[0] * next[1] - x[1] * next[0], x[0] * next[0] + x[1] * next[1]);
                worst_radius = std::max(worst_radius, std::abs(next.norm() - r) / r);
                if (angle + turn >= 2 * M_PI)
                  {
                    const double fraction = (2 * M_PI - angle) / turn;
                    const dealii::Point<2> back = x + fraction * (next - x);
                    time += fraction * dt;
                    worst_return = std::max(worst_return, (back - dealii::Point<2>(r, 0)).norm() / r);
                    ox.push_back(back[0]);
                    oy.push_back(back[1]);
                    break;
                  }
                angle += turn;
                time += dt;
                x = next;
                ox.push_back(x[0]);
                oy.push_back(x[1]);
              }
            // The period from the closed form: ∫₀^{2π} dθ / (λ e^{Φ − r⁴/4}).
            double       period = 0;
            const int    m      = 20000;
            for (int k = 0; k < m; ++k)
              {
                const double theta = 2 * M_PI * (k + 0.5) / m;
                period += 2 * M_PI / m /
                          (lambda * std::exp(phi(r * std::cos(theta), r * std::sin(theta)) - std::pow(r, 4) / 4));
              }
            worst_period = std::max(worst_period, std::abs(time - period) / period);
            measured_period += (measured_period.empty() ? "" : ", ") + format(time, 5);
            expected_period += (expected_period.empty() ? "" : ", ") + format(period, 5);
            plot.series.push_back({"orbit from (" + format(r, 2) + ", 0), period " + format(time, 4), {ox, oy}, "lines lw 2"});
          }
        const double arrow = 0.15 / scale_j;
        for (std::size_t k = 0; k < jx.size(); ++k)
          {
            jx[k] *= arrow;
            jy[k] *= arrow;
          }
        plot.series.push_back({"j from fokker-planck (scaled)", {px, py, jx, jy}, "vectors head filled lc rgb 'gray40'", "1:2:3:4"});

        ClaimRow row;
        row.id       = "closed-orbits-of-j";
        row.claim    = "The most likely trajectories ẋ = j(x) are closed orbits (limit cycles) on the "
                       "non-equilibrium double well";
        row.source   = "SCIENCE.md §4; Chaudhari & Soatto's talk (most likely trajectories of SGD are limit cycles)";
        row.measured = "return map |x(T) − x(0)|/r = " + format(worst_return, 2) + ", max ||x| − r|/r = " +
                       format(worst_radius, 2) + ", periods " + measured_period + " (r = 0.5, 1, 1.5); solver's j "
                       "at 49 probes within " + format(worst_j / scale_j, 2) + " of max |j|";
        row.expected = "closed: < 1e-6; periods " + expected_period + " (∮dθ/(λe^{Φ−r⁴/4})) within 1e-5; j within 1e-2";
        row.pass     = worst_return < 1e-6 && worst_radius < 1e-6 && worst_period < 1e-5 && worst_j < 1e-2 * scale_j;
        row.plot     = context.plot("orbits_of_j", plot);
        row.details  = "ẋ = j integrated by RK4 (Δt = 1e-3) with j = b + ∇Φ from the landscape's drift and "
                       "gradient (β = 1, D = I; Φ = f since ρ_ss = e^{−Φ}/Z); the leftover field j = b + D∇Φ_h − "
                       "β⁻¹divD of the fokker-planck steady state at the probes is compared with it. The orbits "
                       "are circles (j ⟂ x): a centre, a continuum of closed orbits rather than an isolated "
                       "limit cycle.";
        context.add(row);
      }

      void
      fokker_planck_claims(Context &context)
      {
        potential_vs_f(context);
        flux_divergence(context);
        lyapunov_functional(context);
        closed_orbits(context);
      }
    } // namespace

    RELAX_REGISTER_CLAIMS(fokker_planck_claims, "fokker-planck", 4,
                          "Φ against f, the Lyapunov functional, the flux and j, SCIENCE.md §4")
  } // namespace verify
} // namespace relax
