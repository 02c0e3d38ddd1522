// SCIENCE.md §1 and §8: SGD against its diffusion model. The iterate
// histogram of the train solver against the Fokker–Planck steady state for
// D(w) of the same data (the bridge), the tail index of the gradient noise,
// and the stationary claims of §8 (two temperatures, the loss slope in η,
// the temperature η/(2b) with its (1 − b/N) factor).
#include "solvers/common/run_folder.h"
#include "solvers/verify/verify.h"
#include "training/noise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace relax
{
  namespace verify
  {
    namespace
    {
      /// Chambers–Mallows–Stuck: a standard symmetric α-stable sample.
      double
      symmetric_stable(std::mt19937_64 &generator, double alpha)
      {
        std::uniform_real_distribution<double> angle(-M_PI / 2, M_PI / 2);
        std::exponential_distribution<double>  exponential(1.0);
        const double                           v = angle(generator), w = exponential(generator);
        return std::sin(alpha * v) / std::pow(std::cos(v), 1 / alpha) *
               std::pow(std::cos(v - alpha * v) / w, (1 - alpha) / alpha);
      }

      /// histogram.csv of a train run: cell centres and fractions.
      void
      read_histogram(const std::string &folder, std::vector<std::array<double, 3>> &centres,
                     std::vector<double> &fraction)
      {
        std::istringstream in(read_file(folder + "/histogram.csv"));
        std::string        line;
        std::getline(in, line); // header
        while (std::getline(in, line))
          {
            std::vector<double> values;
            std::istringstream  fields(line);
            std::string         field;
            while (std::getline(fields, field, ','))
              values.push_back(std::stod(field));
            if (values.size() < 2)
              continue;
            std::array<double, 3> centre{{0, 0, 0}};
            for (std::size_t d = 0; d + 1 < values.size(); ++d)
              centre[d] = values[d];
            centres.push_back(centre);
            fraction.push_back(values.back());
          }
      }

      /// Scales non-negative finite weights to sum 1 (NaN and negative: 0).
      std::vector<double>
      normalised(std::vector<double> q)
      {
        double sum = 0;
        for (double &v : q)
          {
            v = std::isfinite(v) && v > 0 ? v : 0;
            sum += v;
          }
        for (double &v : q)
          v /= sum;
        return q;
      }

      double
      total_variation(const std::vector<double> &p, const std::vector<double> &q)
      {
        double sum = 0;
        for (std::size_t i = 0; i < p.size(); ++i)
          sum += std::abs(p[i] - q[i]);
        return sum / 2;
      }

      /// Marginal of a cell distribution along axis `d`: the distinct
      /// centre coordinates and the summed mass of each.
      std::pair<std::vector<double>, std::vector<double>>
      marginal(const std::vector<std::array<double, 3>> &centres, const std::vector<double> &p, int d, double h)
      {
        std::map<long, double> mass;
        std::map<long, double> where;
        for (std::size_t i = 0; i < p.size(); ++i)
          {
            const long key = std::lround(centres[i][d] / h * 2);
            mass[key] += p[i] / h;
            where[key] = centres[i][d];
          }
        std::vector<double> x, m;
        for (const auto &[key, value] : mass)
          {
            x.push_back(where[key]);
            m.push_back(value);
          }
        return {x, m};
      }

      void
      bridge(Context &context, double &tail_index_of_sgd)
      {
        const int          refinement = context.size(5, 6);
        const std::string  steps      = context.size<std::string>("1000000", "3000000");
        const std::string  common =
          "set dimension = 2\n"
          "subsection Landscape\n  set name = perceptron\n  subsection perceptron\n    set samples = 100\n"
          "    set learning rate = 1\n    set batch size = 2\n    set box = 0.5, 6; -3, 2.5\n  end\nend\n"
          "subsection Mesh\n  set refinement = " + std::to_string(refinement) + "\n  set degree = 2\nend\n"
          "subsection fokker-planck\n  set inverse temperature = landscape\n  set transient = false\nend\n";
        const std::string sgd = context.run(
          "sgd_perceptron",
          "set solver = train\n" + common +
            "subsection train\n  subsection Model\n    set model = perceptron\n    set start = 3, -0.5\n  end\n"
            "  subsection Optimiser\n    set method = sgd\n    set learning rate = 1\n    set batch size = 2\n"
            "    set steps = " + steps + "\n    set report every = 100000\n  end\n"
            "  subsection Noise\n    set trajectory every = 1000\n    set noise batches = 20000\n  end\n"
            "  subsection Landscape output\n    set histogram burn-in = 10000\n  end\nend\n");
        const std::string fp = context.run("fokker_planck_perceptron", "set solver = fokker-planck\n" + common);
        const Tree        train_summary = context.summary(sgd), fp_summary = context.summary(fp);
        tail_index_of_sgd                = number(train_summary, "noise/tail index");

        std::vector<std::array<double, 3>> centres;
        std::vector<double>                p;
        read_histogram(sgd, centres, p);
        p = normalised(p);
        const std::vector<double> q = normalised(context.probe(fp, "steady_state", centres, "rho_ss"));
        // The steady state for an isotropic constant D = dI of the same mean
        // eigenvalue d (of D at the end of training): e^{−βf/d}.
        const std::vector<double> f    = context.probe(fp, "steady_state", centres, "f");
        const std::vector<double> D    = numbers(train_summary, "noise/D exact");
        const double              d    = (D[0] + D[3]) / 2;
        const double              beta = number(fp_summary, "inverse temperature");
        double                    f_min = INFINITY;
        for (const double v : f)
          if (std::isfinite(v))
            f_min = std::min(f_min, v);
        std::vector<double> gibbs(f.size());
        for (std::size_t i = 0; i < f.size(); ++i)
          gibbs[i] = std::exp(-beta * (f[i] - f_min) / d);
        gibbs = normalised(gibbs);

        const double tv = total_variation(p, q), tv_gibbs = total_variation(p, gibbs);
        const std::vector<double> mean_sgd = numbers(train_summary, "iterates/mean"),
                                  mean_fp  = numbers(fp_summary, "steady state/mean");
        const double mean_gap = std::hypot(mean_sgd[0] - mean_fp[0], mean_sgd[1] - mean_fp[1]);
        const double h        = std::sqrt(number(train_summary, "iterates/cell volume"));

        std::vector<std::string> pngs;
        for (const int axis : {0, 1})
          {
            Plot plot;
            plot.title   = std::string("SGD iterates against rho_ss: marginal in w") + (axis == 0 ? "1" : "2") +
                         " (perceptron, eta = 1, b = 2, beta = 2b/eta = 4)";
            plot.x_label = axis == 0 ? "w1" : "w2";
            plot.y_label = "density";
            const auto hist = marginal(centres, p, axis, h), ss = marginal(centres, q, axis, h),
                       iso = marginal(centres, gibbs, axis, h);
            plot.series.push_back({"SGD histogram", {hist.first, hist.second}, "histeps lw 2"});
            plot.series.push_back({"Fokker-Planck rho_ss with D(w)", {ss.first, ss.second}, "lines lw 2"});
            plot.series.push_back({"exp(-beta f/d), isotropic D = dI", {iso.first, iso.second}, "lines dt 2 lw 2"});
            pngs.push_back(context.plot(std::string("sgd_histogram_w") + (axis == 0 ? "1" : "2"), plot));
          }

        ClaimRow row;
        row.id       = "sgd-histogram-is-rho-ss";
        row.claim    = "SGD's iterates are distributed as the steady state of dx = −∇f dt + sqrt(2β⁻¹D(x)) dW, "
                       "β⁻¹ = η/(2b), with the anisotropic D(x) of the data (not as e^{−βf} of an isotropic D)";
        row.source   = "SCIENCE.md §1, §4, §6 (perceptron); Chaudhari & Soatto's talk (continuous-time SGD, non-isotropic noise)";
        row.measured = "total variation to ρ_ss " + format(tv) + " (to e^{−βf/d}: " + format(tv_gibbs) +
                       "); mean gap " + format(mean_gap);
        row.expected = "TV < 0.15 (η = 1 is not small) and below the isotropic one; mean within 0.05";
        row.pass     = tv < 0.15 && tv < tv_gibbs && mean_gap < 0.05;
        row.plot     = pngs[0];
        row.details  = "train (plain SGD, " + steps + " steps, with replacement) on the 2-weight perceptron "
                      "(N = 100 teacher–student samples) against fokker-planck with D(w) from the same data at "
                      "β = 2b/η, both on " + std::to_string(1 << refinement) + "² cells of [0.5, 6] × [−3, 2.5]; "
                      "ρ_ss at the histogram's cell centres (VTK probe). The w2 marginal: ![w2](" + pngs[1] + ")";
        context.add(row);
      }

      void
      heavy_tails(Context &context, double tail_index_of_sgd)
      {
        // The estimator on samples of known α.
        std::mt19937_64     generator(20190131);
        std::vector<double> alphas = {1.2, 1.5, 1.8, 2.0}, estimates;
        double              worst  = 0;
        for (const double alpha : alphas)
          {
            std::vector<double> samples(context.size(200000, 1000000));
            for (double &x : samples)
              x = symmetric_stable(generator, alpha);
            estimates.push_back(tail_index(samples));
            worst = std::max(worst, std::abs(estimates.back() - alpha));
          }
        Plot plot;
        plot.title   = "Tail index estimates (Mohammadi et al. 2015)";
        plot.x_label = "alpha of the samples";
        plot.y_label = "estimated alpha";
        plot.settings.push_back("set xrange [1:2.2]");
        plot.settings.push_back("set yrange [1:2.2]");
        plot.series.push_back({"y = x", {{1, 2.2}, {1, 2.2}}, "lines dt 2"});
        plot.series.push_back({"symmetric alpha-stable samples (Chambers-Mallows-Stuck)", {alphas, estimates},
                               "points pt 7 ps 1.5"});
        plot.series.push_back({"SGD noise, perceptron (b = 2, finite variance): alpha-hat = " +
                                 format(tail_index_of_sgd),
                               {{2.0}, {tail_index_of_sgd}}, "points pt 9 ps 2"});
        ClaimRow row;
        row.id     = "gradient-noise-tail-index";
        row.claim  = "The gradient noise of SGD is heavy-tailed by the tail-index estimator (α̂ < 2), and the "
                     "estimator recovers α of α-stable samples (Gaussian: 2)";
        row.source = "SCIENCE.md §1; Şimşekli's talk: a tail-index analysis of stochastic gradient noise (Şimşekli, Sagun & "
                     "Gürbüzbalaban 2019; estimator of Mohammadi et al. 2015)";
        row.measured = "SGD noise on the perceptron α̂ = " + format(tail_index_of_sgd) + "; α̂ = " +
                       format(estimates) + " for α-stable samples with α = " + format(alphas);
        row.expected = "SGD noise α̂ < 1.9; samples within 0.05 of α";
        row.pass     = worst <= 0.05 && tail_index_of_sgd < 1.9;
        row.plot     = context.plot("tail_index", plot);
        row.details  = "tail_index (training/noise.h, K2 = ⌊√n⌋) on " +
                      format(double(context.size(200000, 1000000)), 2) +
                      " Chambers–Mallows–Stuck samples per α, and the train run's `noise/tail index`: the noise "
                      "U = ∇f_b − ∇f of 20000 mini-batches (b = 2) at the last iterate of the SGD run of the "
                      "histogram claim. The perceptron's per-sample gradients are bounded, so U has finite "
                      "variance and its tail index is 2 asymptotically: what the estimator sees at this sample "
                      "size is the strong kurtosis of U (most samples are classified well and contribute "
                      "little, a few contribute much), which it cannot tell from α < 2 — the heavy tails of "
                      "Şimşekli et al. are measured the same way.";
        context.add(row);
      }

      /// A train run with a `Claim` (training/claims.h): every figure must
      /// lie within 4 Monte Carlo standard errors of its closed form (a
      /// normal beyond 4: 6e-5 per figure); the plot shows each figure
      /// with its error bar beside its closed form.
      void
      training_claim(Context &context, const std::string &id, const std::string &run_name,
                     const std::string &claim, const std::string &source, const std::string &model_and_claim,
                     const std::string &landscape = "")
      {
        const std::string folder = context.run(
          run_name, "set solver = train\nset dimension = 2\n" + landscape +
                      "subsection train\n  subsection Model\n    " + model_and_claim + "  end\nend\n");
        const Tree  summary = context.summary(folder);
        const Tree &figures = subtree(summary, "figures");
        std::vector<double> index, measured_values, errors, expected_values;
        std::string         measured, expected;
        double              worst = 0;
        for (const auto &entry : figures)
          {
            const Tree &      figure = entry.second;
            const std::string name   = figure.get<std::string>("name");
            const double      m = number(figure, "measured"), e = number(figure, "expected"),
                         se = number(figure, "standard error");
            const double deviation = se > 0 ? std::abs(m - e) / se : std::numeric_limits<double>::infinity();
            worst                  = std::max(worst, deviation);
            index.push_back(index.size() + 1);
            measured_values.push_back(m);
            errors.push_back(se);
            expected_values.push_back(e);
            measured += (measured.empty() ? "" : "; ") + name + " " + format(m) + " ± " + format(se, 2);
            expected += (expected.empty() ? "" : "; ") + format(e);
          }
        Plot plot;
        plot.title   = "SGD stationary figures against their closed forms (" + id + ")";
        plot.x_label = "figure (in the order of the report)";
        plot.y_label = "value";
        plot.log_y   = true;
        plot.settings.push_back("set xrange [0:" + std::to_string(index.size() + 1) + "]");
        plot.series.push_back({"measured, ± 1 standard error", {index, measured_values, errors}, "yerrorbars pt 7",
                               "1:2:3"});
        plot.series.push_back({"closed form", {index, expected_values}, "points pt 6 ps 2"});
        ClaimRow row;
        row.id       = id;
        row.claim    = claim;
        row.source   = source;
        row.measured = measured + " (largest deviation " + format(worst, 2) + " standard errors)";
        row.expected = expected + ", each within 4 standard errors";
        row.pass     = !index.empty() && worst < 4;
        row.plot     = context.plot(id, plot);
        row.details  = "train with `Claim/claim` as in params/" + run_name +
                      ".prm (training/claims.h states the closed forms); standard errors by batch means.";
        context.add(row);
      }

      void
      sgd_claims(Context &context)
      {
        double tail_index_of_sgd = std::nan("");
        bridge(context, tail_index_of_sgd);
        heavy_tails(context, tail_index_of_sgd);

        // SCIENCE.md §1 and §8: the train solver's stationary experiments
        // (training/claims.h), each the shipped params/train_claim_*.prm.
        training_claim(context, "two-temperatures", "train_claim_two_temperatures",
                       "Two parameters with different gradient noise σ_x ≠ σ_y have two temperatures (not Gibbs); "
                       "per-parameter rates η_i = η'/σ_i² restore one temperature (Gibbs)",
                       "SCIENCE.md §8; McAllester's TTIC 31230 notes (Langevin dynamics, RMSProp)",
                       "set model = quadratic\n    set samples = 200\n    set curvatures = 1\n"
                       "    set centre spread = 1, 3\n  end\n  subsection Optimiser\n    set learning rate = 0.1\n"
                       "    set batch size = 1\n  end\n  subsection Claim\n    set claim = two-temperatures\n"
                       "    set stationary steps = 400000\n");
        training_claim(context, "loss-slope-in-learning-rate", "train_claim_loss_slope",
                       "The converged loss grows with the learning rate at the slope dL(η)/dη at η = 0 = ¼ E_i|g_i|² "
                       "(per sample in the batch: divided by b)",
                       "SCIENCE.md §8; McAllester's TTIC 31230 notes",
                       "set model = perceptron\n    set start = 3, -0.5\n  end\n  subsection Optimiser\n"
                       "    set batch size = 1\n  end\n  subsection Claim\n    set claim = loss-slope\n"
                       "    set learning rates = 0.05, 0.1, 0.15, 0.2\n    set stationary steps = 1000000\n"
                       "    set burn-in = 20000\n",
                       "subsection Landscape\n  set name = perceptron\n  subsection perceptron\n"
                       "    set samples = 100\n    set box = 0.5, 6; -3, 2.5\n  end\nend\n");
        training_claim(context, "temperature-batch-scaling", "train_claim_temperature",
                       "β⁻¹ = η/(2b): equal η/b give equal temperatures (the learning rate scales linearly with "
                       "the batch), and sampling without replacement lowers it by (1 − b/N)",
                       "SCIENCE.md §1, §8; McAllester's TTIC 31230 notes (batch size and learning rate)",
                       "set model = quadratic\n    set samples = 50\n    set curvatures = 1, 2\n"
                       "    set centre spread = 1\n  end\n  subsection Claim\n    set claim = temperature\n"
                       "    set learning rates = 0.05, 0.1, 0.2, 0.1\n    set batch sizes = 2, 4, 8, 25\n"
                       "    set stationary steps = 200000\n");
      }
    } // namespace

    RELAX_REGISTER_CLAIMS(sgd_claims, "sgd", 8, "SGD against its diffusion model, SCIENCE.md §1, §8")
  } // namespace verify
} // namespace relax
