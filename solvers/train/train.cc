// Solver `train`: trains a model (the landscape's perceptron, an MLP, a
// quadratic, or any landscape's f) with SGD, Entropy-SGD, the HJ proximal
// step, Elastic-SGD or Parle, measures the gradient noise along the way,
// and for models with d = dimension ≤ 3 weights writes the histogram of
// its iterates on the landscape's mesh, beside f, for comparison with the
// Fokker–Planck steady state and the HJ solvers (SCIENCE.md §1, §2, §3, §7).
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/numerics/data_out.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "problems/perceptron.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/field_output.h"
#include "solvers/common/json.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/solver.h"
#include "training/claims.h"
#include "training/datasets.h"
#include "training/models.h"
#include "training/noise.h"
#include "training/optimisers.h"
#include "training/report.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

namespace relax
{
  namespace
  {
    using namespace dealii;

    void
    declare_train_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Model");
      prm.declare_entry("model", "quadratic", Patterns::Selection("perceptron|mlp|quadratic|landscape"),
                        "(The default, quadratic, needs no data set and runs with any landscape.) "
                        "perceptron: the perceptron landscape's data and loss (Landscape/name must be "
                        "perceptron; weights in R^dimension); mlp: a multilayer perceptron on `data`; "
                        "quadratic: f_k(w) = sum_i a_i (w_i - c_ki)^2/2 with centres c_k ~ N(0, "
                        "diag(spread^2)) (dimension weights); landscape: the landscape's own f and "
                        "grad f as a model without samples (e.g. the XY-model energy, a model of "
                        "angles; iterates are wrapped on a torus).");
      prm.declare_entry("start", "0", Patterns::Anything(),
                        "Initial weights of perceptron, quadratic and landscape models: dimension "
                        "numbers, or one for all.");
      prm.declare_entry("hidden layers", "32", Patterns::Anything(),
                        "mlp: widths of the hidden layers, e.g. '256' or '64, 64'.");
      prm.declare_entry("activation", "relu", Patterns::Selection("relu|tanh"), "mlp: hidden units.");
      prm.declare_entry("precision", "double", Patterns::Selection("double|single"),
                        "mlp: the floating point of the forward and backward passes (BLAS dgemm or "
                        "sgemm); the optimiser's weights stay in double.");
      prm.declare_entry("data", "gaussian-mixture",
                        Patterns::Selection("teacher-student|gaussian-mixture|two-spirals|idx"),
                        "mlp: teacher-student (x ~ N(0, I_p), labels sign(x_1) flipped with "
                        "probability `label noise`), gaussian-mixture (class c has mean separation "
                        "e_c, unit covariance), two-spirals (2-D, two classes) or idx (MNIST-format "
                        "files on disk).");
      prm.declare_entry("samples", "1000", Patterns::Integer(2), "N for the synthetic data sets.");
      prm.declare_entry("input dimension", "10", Patterns::Integer(1),
                        "p of teacher-student and gaussian-mixture inputs.");
      prm.declare_entry("classes", "3", Patterns::Integer(2), "gaussian-mixture: the number of classes.");
      prm.declare_entry("separation", "3", Patterns::Double(0),
                        "gaussian-mixture: distance of each class mean from 0.");
      prm.declare_entry("label noise", "0.1", Patterns::Double(0, 0.5), "teacher-student: label flips.");
      prm.declare_entry("spiral turns", "1.5", Patterns::Double(0), "two-spirals: turns of each arm.");
      prm.declare_entry("input noise", "0.05", Patterns::Double(0), "two-spirals: N(0, s^2) on x.");
      prm.declare_entry("data seed", "1", Patterns::Integer(0), "Seed of the synthetic data sets.");
      prm.declare_entry("idx images", "", Patterns::Anything(),
                        "idx: the images file (e.g. train-images-idx3-ubyte).");
      prm.declare_entry("idx labels", "", Patterns::Anything(),
                        "idx: the labels file (e.g. train-labels-idx1-ubyte).");
      prm.declare_entry("idx samples", "0", Patterns::Integer(0), "idx: read at most this many (0: all).");
      prm.declare_entry("curvatures", "1", Patterns::Anything(),
                        "quadratic: a_i > 0, dimension numbers or one for all.");
      prm.declare_entry("centre spread", "1", Patterns::Anything(),
                        "quadratic: standard deviation of the centres per coordinate.");
      prm.leave_subsection();

      prm.enter_subsection("Optimiser");
      prm.declare_entry("method", "sgd", Patterns::Selection("sgd|entropy-sgd|hj-proximal|elastic-sgd|parle"),
                        "sgd (momentum optional); entropy-sgd (inner Langevin loop); hj-proximal "
                        "(proximal point by an inner minimisation); elastic-sgd and parle (replicas "
                        "on threads, coupled to their mean).");
      prm.declare_entry("learning rate", "0.1", Patterns::Double(0), "eta > 0 of the outer step.");
      prm.declare_entry("batch size", "32", Patterns::Integer(1),
                        "b in [1, N]; b = N is the full batch (no noise).");
      prm.declare_entry("sampling", "with-replacement",
                        Patterns::Selection("with-replacement|without-replacement|epochs"),
                        "with-replacement: b independent indices; without-replacement: b distinct "
                        "indices, batches independent (the (1 - b/N) temperature of SCIENCE.md §1); "
                        "epochs: a reshuffled permutation cut into batches.");
      prm.declare_entry("momentum", "0", Patterns::Double(0, 1), "sgd: heavy-ball momentum mu in [0, 1).");
      prm.declare_entry("seed", "1", Patterns::Integer(0),
                        "Seed of the batches, the Langevin noise and the MLP initialisation.");
      prm.declare_entry("steps", "1000", Patterns::Integer(1), "Outer steps.");
      prm.declare_entry("report every", "0", Patterns::Integer(0),
                        "A row of diagnostics.csv every this many steps; 0: every ceil(N/b) steps "
                        "(an epoch of SGD).");
      prm.declare_entry("gamma", "0.1", Patterns::Double(0),
                        "entropy-sgd, parle: the scope gamma (the time t of the viscous HJ equation); "
                        "hj-proximal: the time t of the proximal map.");
      prm.declare_entry("scoping", "0", Patterns::Double(0),
                        "gamma (and rho) are divided by 1 + scoping after every step.");
      prm.declare_entry("langevin step", "0.01", Patterns::Double(0), "Inner Langevin step s.");
      prm.declare_entry("langevin temperature", "1e-3", Patterns::Double(0),
                        "epsilon of the inner Langevin loop (the viscosity of the HJ equation).");
      prm.declare_entry("langevin steps", "20", Patterns::Integer(1), "Inner Langevin steps per outer step.");
      prm.declare_entry("langevin averaging", "0.75", Patterns::Double(0, 1),
                        "alpha of the running mean mu <- (1 - alpha) mu + alpha y; 0: plain mean.");
      prm.declare_entry("proximal step", "0.1", Patterns::Double(0),
                        "hj-proximal: gradient-descent step of the inner minimisation.");
      prm.declare_entry("proximal iterations", "100", Patterns::Integer(1),
                        "hj-proximal: at most this many inner steps.");
      prm.declare_entry("proximal tolerance", "1e-10", Patterns::Double(0),
                        "hj-proximal: stop the inner loop when |grad| is below this.");
      prm.declare_entry("replicas", "4", Patterns::Integer(1), "elastic-sgd, parle: n replicas (threads).");
      prm.declare_entry("rho", "1", Patterns::Double(0), "elastic-sgd, parle: the coupling |x - mean|^2/(2 rho).");
      prm.declare_entry("sync every", "1", Patterns::Integer(1),
                        "elastic-sgd, parle: local steps between two updates of the mean.");
      prm.declare_entry("replicas on ranks", "true", Patterns::Bool(),
                        "elastic-sgd, parle under mpirun: spread the replicas over the MPI ranks in "
                        "contiguous blocks (each rank runs its block on threads; the mean is gathered "
                        "over the ranks), the same result bit for bit as on one rank; false: every "
                        "rank runs all replicas.");
      prm.leave_subsection();

      prm.enter_subsection("Claim");
      prm.declare_entry("claim", "none", Patterns::Selection("none|two-temperatures|loss-slope|temperature"),
                        "Instead of training, an experiment of SCIENCE.md §1/§8 whose measured figures "
                        "go to summary.json beside their closed forms (with Monte Carlo standard "
                        "errors). two-temperatures (model quadratic): SGD at `learning rate` and "
                        "`batch size` gives each weight its own temperature T_i = a_i Var(w_i) = "
                        "eta sigma_i^2/(b(2 - eta a_i)); per-parameter rates eta'/sigma_i^2 give one. "
                        "loss-slope (any model): the stationary excess loss E f(w) - f(w*) at each of "
                        "`learning rates`, fitted by s eta + q eta^2; s against E_i|g_i(w*)|^2/(4b). "
                        "temperature (model quadratic): beta^-1 measured at each (`learning rates`, "
                        "`batch sizes`) pair with and without replacement, against eta/(2b) and "
                        "eta/(2b)(N - b)/(N - 1).");
      prm.declare_entry("learning rates", "0.02, 0.04, 0.06, 0.08", Patterns::Anything(),
                        "loss-slope, temperature: the rates eta.");
      prm.declare_entry("batch sizes", "1", Patterns::Anything(),
                        "temperature: b for each rate (or one for all).");
      prm.declare_entry("stationary steps", "400000", Patterns::Integer(100),
                        "SGD steps averaged per run (after the burn-in).");
      prm.declare_entry("burn-in", "10000", Patterns::Integer(0), "SGD steps before averaging.");
      prm.declare_entry("blocks", "100", Patterns::Integer(2),
                        "Batch means over this many blocks give the standard errors (a block must be "
                        "much longer than the correlation time 1/(eta a)).");
      prm.declare_entry("loss every", "10", Patterns::Integer(1),
                        "loss-slope: the full loss every this many steps.");
      prm.leave_subsection();

      prm.enter_subsection("Noise");
      prm.declare_entry("noise every", "0", Patterns::Integer(0),
                        "Noise diagnostics (D(w) spectrum, trace, rank, tail index) in every this-many-th "
                        "row of diagnostics.csv; 0: only at the end.");
      prm.declare_entry("noise batches", "200", Patterns::Integer(3),
                        "M mini-batches for the noise samples of the tail index and the mini-batch "
                        "estimate of D (fewer for large models: M p <= 4e6).");
      prm.declare_entry("covariance samples", "256", Patterns::Integer(2),
                        "D(w)'s spectrum from this many per-sample gradients (all N when N is "
                        "smaller: the exact D; fewer for large models, so that they hold at most "
                        "2e7 numbers).");
      prm.declare_entry("rank tolerance", "1e-3", Patterns::Double(0),
                        "The rank of D counts eigenvalues above this fraction of the largest.");
      prm.declare_entry("trajectory every", "1", Patterns::Integer(1),
                        "Keep every k-th iterate for the trajectory (.vtp), its autocorrelation and "
                        "spectrum.");
      prm.declare_entry("autocorrelation lags", "200", Patterns::Integer(1),
                        "Lags (in kept iterates) of autocorrelation.csv.");
      prm.leave_subsection();

      prm.enter_subsection("Landscape output");
      prm.declare_entry("histogram burn-in", "0", Patterns::Integer(0),
                        "Models with dimension weights: iterates after this many steps go into the "
                        "histogram on the landscape's mesh and the iterate mean and covariance.");
      prm.declare_entry("probe points", "", Patterns::Anything(),
                        "Points 'x1, y1; x2, y2' where summary.json gives, with full-batch gradients: "
                        "the Langevin estimate of the local-entropy gradient (x - <y>)/gamma "
                        "(Entropy-SGD's inner loop, `probe langevin steps` in all over 20 independent "
                        "chains from x, plain means; their spread gives the standard error) and the "
                        "proximal point argmin f(y) + |y - x|^2/(2 gamma) (the hj-proximal inner "
                        "loop), to compare with hj-viscous and hj-inviscid.");
      prm.declare_entry("probe langevin steps", "200000", Patterns::Integer(1),
                        "Langevin steps per probe.");
      prm.declare_entry("probe langevin burn-in", "2000", Patterns::Integer(0),
                        "Langevin steps of each chain before its mean accumulates.");
      prm.leave_subsection();
    }

    std::vector<double>
    numbers_for(const std::string &text, const unsigned int n, const std::string &name)
    {
      const std::vector<double> v = parse_numbers(text, name);
      if (v.size() == 1)
        return std::vector<double>(n, v[0]);
      if (v.size() != n)
        throw InputError(name, "give " + std::to_string(n) + " numbers or one, not " +
                                 std::to_string(v.size()));
      return v;
    }

    /// Everything a model needs alive while it trains.
    struct ModelSetup
    {
      std::unique_ptr<PerceptronData>     own_perceptron;
      ClassificationData                  classification;
      std::unique_ptr<Model>              model;
      std::string                         description;
      /// The model's loss is the landscape's f (fields and minimiser).
      bool loss_is_landscape = false;
    };

    /// The landscape's f and ∇f as a model without samples.
    template <int dim>
    class LandscapeModel : public CopyableModel<LandscapeModel<dim>>
    {
    public:
      LandscapeModel(const Landscape<dim> &landscape, std::vector<double> start)
        : CopyableModel<LandscapeModel<dim>>(dim, 1, std::move(start))
        , landscape(landscape)
      {}
      double
      loss_and_gradient(const std::vector<unsigned int> &, const std::vector<double> &w,
                        std::vector<double> &gradient) override
      {
        Point<dim> x;
        for (unsigned int d = 0; d < dim; ++d)
          x[d] = w[d];
        const Tensor<1, dim> g = landscape.gradient(x);
        gradient.resize(dim);
        for (unsigned int d = 0; d < dim; ++d)
          gradient[d] = g[d];
        return landscape.value(x);
      }

    private:
      const Landscape<dim> &landscape;
    };

    template <int dim>
    ModelSetup
    make_model(ParameterHandler &prm, const Landscape<dim> &landscape)
    {
      ModelSetup        setup;
      const std::string kind  = prm.get("model");
      const std::string where = "/train/Model/";
      if (kind == "perceptron" || kind == "landscape" || kind == "quadratic")
        {
          const std::vector<double> start = numbers_for(prm.get("start"), dim, where + "start");
          if (kind == "perceptron")
            {
              const auto *source = dynamic_cast<const PerceptronDataSource *>(&landscape);
              if (source == nullptr)
                throw InputError("/Landscape/name",
                                 "model perceptron trains on the perceptron landscape's data: set "
                                 "Landscape/name = perceptron");
              setup.model = std::make_unique<PerceptronModel>(source->perceptron_data(), start);
              setup.description       = "perceptron";
              setup.loss_is_landscape = true;
            }
          else if (kind == "landscape")
            {
              setup.model             = std::make_unique<LandscapeModel<dim>>(landscape, start);
              setup.description       = "landscape";
              setup.loss_is_landscape = true;
            }
          else
            {
              const std::vector<double> a = numbers_for(prm.get("curvatures"), dim, where + "curvatures");
              const std::vector<double> s = numbers_for(prm.get("centre spread"), dim, where + "centre spread");
              for (const double x : a)
                if (!(x > 0))
                  throw InputError(where + "curvatures", "must be positive");
              setup.model = std::make_unique<QuadraticModel>(a, s, prm.get_integer("samples"),
                                                             prm.get_integer("data seed"));
              setup.description = "quadratic";
            }
          return setup;
        }

      // The MLP and its data.
      const std::string  data  = prm.get("data");
      const unsigned int N     = prm.get_integer("samples");
      const auto         seed  = static_cast<std::uint64_t>(prm.get_integer("data seed"));
      const unsigned int p     = prm.get_integer("input dimension");
      if (data == "teacher-student")
        {
          std::vector<double> teacher(p, 0.);
          teacher[0]           = 1;
          setup.own_perceptron = std::make_unique<PerceptronData>(N, seed, teacher, prm.get_double("label noise"),
                                                                  PerceptronLoss::logistic);
          setup.classification = classes_from_perceptron(*setup.own_perceptron);
        }
      else if (data == "gaussian-mixture")
        setup.classification =
          gaussian_mixture(N, p, prm.get_integer("classes"), prm.get_double("separation"), seed);
      else if (data == "two-spirals")
        setup.classification = two_spirals(N, prm.get_double("spiral turns"), prm.get_double("input noise"), seed);
      else
        {
          const std::string images = prm.get("idx images"), labels = prm.get("idx labels");
          if (images.empty() || labels.empty())
            throw InputError(where + "idx images", "data idx needs `idx images` and `idx labels`");
          try
            {
              setup.classification = read_idx(images, labels, prm.get_integer("idx samples"));
            }
          catch (const std::runtime_error &error)
            {
              throw InputError(where + "idx images", error.what());
            }
        }
      std::vector<unsigned int> hidden;
      for (const double h : parse_numbers(prm.get("hidden layers"), where + "hidden layers"))
        {
          if (!(h >= 1) || h != std::floor(h))
            throw InputError(where + "hidden layers", "widths must be positive integers");
          hidden.push_back(static_cast<unsigned int>(h));
        }
      auto mlp = std::make_unique<MlpModel>(setup.classification, hidden,
                                            activation_from_string(prm.get("activation")),
                                            precision_from_string(prm.get("precision")));
      std::ostringstream description;
      description << "mlp";
      for (const unsigned int w : mlp->widths())
        description << (&w == &mlp->widths()[0] ? " " : "-") << w;
      description << " " << prm.get("activation") << " on " << data;
      if (prm.get("precision") == "single")
        description << ", single precision";
      setup.description = description.str();
      setup.model       = std::move(mlp);
      return setup;
    }

    /// Counts iterates in the cells of the landscape's uniform mesh.
    template <int dim>
    class IterateHistogram
    {
    public:
      IterateHistogram(const Triangulation<dim> &triangulation, const Domain<dim> &domain, const MPI_Comm comm)
        : domain(domain)
      {
        // Every cell of the uniformly refined box has the same extents;
        // take them from an owned cell (artificial cells of a distributed
        // mesh may be coarser), on every rank.
        h.fill(std::numeric_limits<double>::max());
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned())
            {
              for (unsigned int d = 0; d < dim; ++d)
                h[d] = cell->extent_in_direction(d);
              break;
            }
        std::size_t total = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            h[d]     = Utilities::MPI::min(h[d], comm);
            cells[d] = static_cast<unsigned int>(std::lround((domain.upper[d] - domain.lower[d]) / h[d]));
            total *= cells[d];
          }
        counts.assign(total, 0.);
      }

      void
      add(const std::vector<double> &w)
      {
        std::size_t index = 0;
        for (unsigned int d = dim; d-- > 0;)
          {
            const double i = std::floor((w[d] - domain.lower[d]) / h[d]);
            if (!(i >= 0 && i < cells[d]))
              {
                ++outside;
                return;
              }
            index = index * cells[d] + static_cast<std::size_t>(i);
          }
        counts[index] += 1;
      }

      /// The count of the grid cell that contains x.
      double
      count_at(const Point<dim> &x) const
      {
        std::size_t index = 0;
        for (unsigned int d = dim; d-- > 0;)
          {
            const auto i = static_cast<std::size_t>(std::floor((x[d] - domain.lower[d]) / h[d]));
            index        = index * cells[d] + std::min<std::size_t>(i, cells[d] - 1);
          }
        return counts[index];
      }

      double
      cell_volume() const
      {
        double v = 1;
        for (unsigned int d = 0; d < dim; ++d)
          v *= h[d];
        return v;
      }

      /// The centre of the fullest cell.
      std::vector<double>
      mode() const
      {
        std::size_t index = std::max_element(counts.begin(), counts.end()) - counts.begin();
        std::vector<double> centre(dim);
        for (unsigned int d = 0; d < dim; ++d)
          {
            centre[d] = domain.lower[d] + (index % cells[d] + 0.5) * h[d];
            index /= cells[d];
          }
        return centre;
      }

      /// One line per grid cell: its centre and the fraction of the kept
      /// iterates in it.
      std::string
      csv(const double kept) const
      {
        std::ostringstream out;
        for (unsigned int d = 0; d < dim; ++d)
          out << (d > 0 ? "," : "") << "x" << d + 1;
        out << ",probability\n";
        for (std::size_t index = 0; index < counts.size(); ++index)
          {
            std::size_t rest = index;
            for (unsigned int d = 0; d < dim; ++d)
              {
                out << shortest_round_trip(domain.lower[d] + (rest % cells[d] + 0.5) * h[d]) << ",";
                rest /= cells[d];
              }
            out << shortest_round_trip(kept > 0 ? counts[index] / kept : 0.) << "\n";
          }
        return out.str();
      }

      /// Iterates that fell outside the mesh.
      double outside = 0;

    private:
      Domain<dim>                   domain;
      std::array<double, dim>       h;
      std::array<unsigned int, dim> cells;
      std::vector<double>           counts;
    };

    Json
    as_json(const std::vector<double> &v)
    {
      return Json(v);
    }

    /// The experiment `claim` (Claim subsection entered) on the model:
    /// {"figures": [{name, measured, expected, standard error}, ...]} and,
    /// for loss-slope, "excess loss" at each rate.
    Json
    run_claim(ParameterHandler &prm, const std::string &claim, ModelSetup &setup, const double learning_rate,
              const unsigned int batch_size, const std::uint64_t seed)
    {
      const std::string where = "/train/Claim/";
      StationaryRun     run;
      run.steps   = prm.get_integer("stationary steps");
      run.burn_in = prm.get_integer("burn-in");
      run.blocks  = prm.get_integer("blocks");
      run.seed    = seed;
      if (run.blocks > run.steps)
        throw InputError(where + "blocks", "more blocks than stationary steps");
      const std::vector<double> rates = parse_numbers(prm.get("learning rates"), where + "learning rates");
      for (const double eta : rates)
        if (!(eta > 0))
          throw InputError(where + "learning rates", "must be positive");
      const auto *quadratic = dynamic_cast<const QuadraticModel *>(setup.model.get());
      if (claim != "loss-slope" && quadratic == nullptr)
        throw InputError("/train/Model/model", "claim " + claim + " needs model quadratic (its closed form)");

      std::vector<ClaimFigure>           figures;
      std::vector<std::array<double, 3>> excess_losses;
      if (claim == "two-temperatures")
        figures = two_temperatures_claim(*quadratic, learning_rate, batch_size, run);
      else if (claim == "loss-slope")
        {
          if (rates.size() < 2)
            throw InputError(where + "learning rates", "give at least two rates for the slope");
          std::mt19937_64 generator(seed);
          figures = loss_slope_claim(*setup.model, setup.model->initial_weights(generator), rates, batch_size, run,
                                     prm.get_integer("loss every"), &excess_losses);
        }
      else
        {
          const std::vector<double> b = numbers_for(prm.get("batch sizes"), rates.size(), where + "batch sizes");
          std::vector<TemperatureCase> cases;
          for (const Sampling sampling : {Sampling::with_replacement, Sampling::without_replacement})
            for (std::size_t c = 0; c < rates.size(); ++c)
              {
                if (!(b[c] >= 1 && b[c] <= setup.model->n_samples()) || b[c] != std::floor(b[c]))
                  throw InputError(where + "batch sizes", "must be integers in [1, N]");
                cases.push_back({rates[c], static_cast<unsigned int>(b[c]), sampling});
              }
          figures = temperature_claim(*quadratic, cases, run);
        }
      Json list = Json::array();
      for (const ClaimFigure &figure : figures)
        list.push(Json::object()
                    .set("name", figure.name)
                    .set("measured", figure.measured)
                    .set("expected", figure.expected)
                    .set("standard error", figure.standard_error));
      Json result = Json::object();
      result.set("figures", list);
      if (!excess_losses.empty())
        {
          Json rows = Json::array();
          for (const auto &row : excess_losses)
            rows.push(Json::object()
                        .set("learning rate", row[0])
                        .set("excess loss", row[1])
                        .set("standard error", row[2]));
          result.set("excess loss", rows);
        }
      return result;
    }

    template <int dim>
    void
    run_train(RunContext &context)
    {
      ParameterHandler &prm  = context.prm;
      RunFolder &       run  = context.folder;
      const MPI_Comm    comm = run.communicator();
      MeshParameters    mesh;
      mesh.parse_parameters(prm);
      const std::unique_ptr<Landscape<dim>> landscape = create_landscape<dim>(prm);

      prm.enter_subsection("train");
      prm.enter_subsection("Model");
      ModelSetup setup = make_model<dim>(prm, *landscape);
      prm.leave_subsection();
      Model &model = *setup.model;
      const unsigned int N = model.n_samples();
      const std::size_t  p = model.n_weights();

      prm.enter_subsection("Optimiser");
      const std::string  method        = prm.get("method");
      const double       learning_rate = prm.get_double("learning rate");
      const unsigned int batch_size    = prm.get_integer("batch size");
      const std::string  sampling_name = prm.get("sampling");
      const Sampling     sampling      = sampling_from_string(sampling_name);
      const double       momentum      = prm.get_double("momentum");
      const auto         seed          = static_cast<std::uint64_t>(prm.get_integer("seed"));
      const unsigned long steps        = prm.get_integer("steps");
      unsigned int        report_every = prm.get_integer("report every");
      const double        gamma        = prm.get_double("gamma");
      const double        scoping      = prm.get_double("scoping");
      LangevinParameters  langevin;
      langevin.step        = prm.get_double("langevin step");
      langevin.temperature = prm.get_double("langevin temperature");
      langevin.steps       = prm.get_integer("langevin steps");
      langevin.averaging   = prm.get_double("langevin averaging");
      ProximalParameters proximal;
      proximal.step      = prm.get_double("proximal step");
      proximal.max_steps = prm.get_integer("proximal iterations");
      proximal.tolerance = prm.get_double("proximal tolerance");
      const unsigned int n_replicas = prm.get_integer("replicas");
      const double       rho        = prm.get_double("rho");
      const unsigned int sync_every = prm.get_integer("sync every");
      const bool         replicas_on_ranks = prm.get_bool("replicas on ranks");
      prm.leave_subsection();
      const std::string opt = "/train/Optimiser/";
      if (!(learning_rate > 0))
        throw InputError(opt + "learning rate", "must be positive");
      if (batch_size > N)
        throw InputError(opt + "batch size", std::to_string(batch_size) + " is larger than the " +
                                               std::to_string(N) + " samples");
      if (momentum >= 1)
        throw InputError(opt + "momentum", "must be below 1");
      if ((method != "sgd" && method != "elastic-sgd") && !(gamma > 0))
        throw InputError(opt + "gamma", "must be positive");
      if ((method == "elastic-sgd" || method == "parle") && !(rho > 0))
        throw InputError(opt + "rho", "must be positive");
      if (report_every == 0)
        report_every = (N + batch_size - 1) / batch_size;

      prm.enter_subsection("Claim");
      const std::string claim = prm.get("claim");
      if (claim != "none")
        {
          Json summary = run_claim(prm, claim, setup, learning_rate, batch_size, seed);
          prm.leave_subsection();
          prm.leave_subsection();
          summary.set("solver", "train").set("model", setup.description).set("samples", N).set("claim", claim);
          run.finish(summary);
          return;
        }
      prm.leave_subsection();

      prm.enter_subsection("Noise");
      const unsigned int noise_every        = prm.get_integer("noise every");
      const unsigned int noise_batches      = prm.get_integer("noise batches");
      const unsigned int covariance_samples = prm.get_integer("covariance samples");
      const double       rank_tolerance     = prm.get_double("rank tolerance");
      const unsigned int trajectory_every   = prm.get_integer("trajectory every");
      const unsigned int max_lag            = prm.get_integer("autocorrelation lags");
      prm.leave_subsection();

      prm.enter_subsection("Landscape output");
      const unsigned long     histogram_burn_in = prm.get_integer("histogram burn-in");
      std::vector<Point<dim>> probes;
      const std::string       probe_text = Utilities::trim(prm.get("probe points"));
      if (!probe_text.empty())
        for (const std::string &point : Utilities::split_string_list(probe_text, ';'))
          probes.emplace_back(parse_vector<dim>(point, "/train/Landscape output/probe points"));
      LangevinParameters probe_langevin = langevin;
      probe_langevin.steps              = prm.get_integer("probe langevin steps");
      probe_langevin.burn_in            = prm.get_integer("probe langevin burn-in");
      probe_langevin.averaging          = 0;
      prm.leave_subsection();
      prm.leave_subsection();

      // Models in weight space R^dim live on the landscape's mesh.
      const bool               on_mesh = p == dim;
      const Domain<dim>        domain  = landscape->domain();
      std::unique_ptr<ScalarSpace<dim>>      space;
      std::unique_ptr<IterateHistogram<dim>> histogram;
      if (on_mesh)
        {
          space = std::make_unique<ScalarSpace<dim>>(comm, domain, mesh.degree);
          space->create(mesh.refinement);
          histogram = std::make_unique<IterateHistogram<dim>>(space->triangulation(), domain, comm);
        }
      else if (!probes.empty())
        throw InputError("/train/Landscape output/probe points",
                         "need a model with `dimension` weights");

      // The optimiser.
      std::mt19937_64     generator(seed);
      std::vector<double> w = model.initial_weights(generator);
      BatchSampler        sampler(N, batch_size, sampling, seed + 1000003);
      std::unique_ptr<Optimiser> optimiser;
      if (method == "sgd")
        optimiser = std::make_unique<Sgd>(model, sampler, learning_rate, momentum);
      else if (method == "entropy-sgd")
        optimiser = std::make_unique<EntropySgd>(model, sampler, seed + 2000003, learning_rate, gamma, scoping, langevin);
      else if (method == "hj-proximal")
        optimiser = std::make_unique<HjProximal>(model, sampler, learning_rate, gamma, scoping, proximal);
      else
        optimiser = std::make_unique<Replicas>(model, n_replicas, batch_size, sampling, seed + 3000003,
                                               learning_rate, rho, method == "parle", gamma, scoping,
                                               sync_every, langevin, replicas_on_ranks ? comm : MPI_COMM_SELF);
      if (method == "elastic-sgd" || method == "parle")
        {
          const unsigned int ranks = replicas_on_ranks ? Utilities::MPI::n_mpi_processes(comm) : 1;
          if (Utilities::MPI::this_mpi_process(comm) == 0)
            std::cout << "  " << n_replicas << " replicas on " << ranks << (ranks == 1 ? " rank" : " ranks")
                      << std::endl;
        }
      // β⁻¹ of SCIENCE.md §1 applies to plain SGD.
      const double temperature = method == "sgd" && momentum == 0 && batch_size < N ?
                                   sgd_temperature(learning_rate, batch_size, N, sampling) :
                                   std::numeric_limits<double>::quiet_NaN();

      std::vector<double> periodic_length(dim, 0.);
      if (setup.description == "landscape")
        for (unsigned int d = 0; d < dim; ++d)
          if (domain.periodic[d])
            periodic_length[d] = domain.upper[d] - domain.lower[d];

      Diagnostics          table;
      std::vector<double>  gradient;
      BatchSampler         noise_sampler(N, batch_size, sampling, seed + 4000003);
      unsigned int         reports = 0;
      CovarianceSpectrum   last_spectrum;
      double               last_tail_index = std::numeric_limits<double>::quiet_NaN();
      std::vector<double>  last_minibatch_d;
      std::mt19937_64      subset_generator(seed + 5000003);
      const auto noise_figures = [&](Diagnostics::Row &row) {
        // At most 2·10⁷ numbers of per-sample gradients (160 MB).
        const unsigned int n_covariance =
          std::max<unsigned int>(2, std::min<double>(covariance_samples, 2e7 / p));
        std::vector<unsigned int> subset;
        if (N <= n_covariance)
          for (unsigned int k = 0; k < N; ++k)
            subset.push_back(k);
        else
          {
            BatchSampler pick(N, n_covariance, Sampling::without_replacement, subset_generator());
            subset = pick.next();
          }
        last_spectrum = gradient_covariance_spectrum(model, w, subset, rank_tolerance);
        const unsigned int M = std::max<unsigned int>(3, std::min<double>(noise_batches, 4e6 / p));
        const std::vector<double> noise = minibatch_noise(model, w, noise_sampler, M);
        last_tail_index = batch_size < N ? tail_index(noise) : std::numeric_limits<double>::quiet_NaN();
        if (p <= 3)
          last_minibatch_d = minibatch_covariance(noise, p, batch_size);
        row.emplace_back("D trace", last_spectrum.trace);
        row.emplace_back("D largest eigenvalue", last_spectrum.eigenvalues.empty() ? 0 : last_spectrum.eigenvalues[0]);
        row.emplace_back("D rank", last_spectrum.rank);
        row.emplace_back("tail index", last_tail_index);
      };
      // The time spent in reports (full-batch loss, accuracy, noise), left
      // out of the steps per second.
      double     report_seconds = 0;
      const auto report = [&](const unsigned long step) {
        const auto       report_start = std::chrono::steady_clock::now();
        Diagnostics::Row row;
        const double     loss = model.full_loss_and_gradient(w, gradient);
        double           norm = 0;
        for (const double g : gradient)
          norm += g * g;
        row.emplace_back("step", double(step));
        row.emplace_back("epoch", step * optimiser->gradients_per_step() * batch_size / N);
        row.emplace_back("loss", loss);
        row.emplace_back("accuracy", model.accuracy(w));
        row.emplace_back("grad norm", std::sqrt(norm));
        for (unsigned int i = 0; i < std::min<std::size_t>(p, 3); ++i)
          row.emplace_back("w" + std::to_string(i + 1), w[i]);
        for (const auto &figure : optimiser->state())
          row.push_back(figure);
        if (noise_every > 0 && reports % noise_every == 0)
          noise_figures(row);
        table.add_row(row);
        ++reports;
        report_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - report_start).count();
      };

      // The run.
      std::vector<std::vector<double>> trajectory;
      std::vector<double>              trajectory_step;
      std::vector<double>              mean(p <= 3 ? p : 0, 0.), second(p <= 3 ? p * p : 0, 0.);
      double                           kept = 0;
      const bool                       is_root = Utilities::MPI::this_mpi_process(comm) == 0;
      ProgressBar                      bar(steps, "steps", is_root && stderr_is_terminal());
      const auto                       start_time = std::chrono::steady_clock::now();
      report(0);
      trajectory.push_back(std::vector<double>(w.begin(), w.begin() + std::min<std::size_t>(p, 3)));
      trajectory_step.push_back(0);
      for (unsigned long step = 1; step <= steps; ++step)
        {
          optimiser->step(w);
          for (unsigned int d = 0; d < dim && d < p; ++d)
            if (periodic_length[d] > 0)
              w[d] -= periodic_length[d] * std::floor((w[d] - domain.lower[d]) / periodic_length[d]);
          if (on_mesh && step > histogram_burn_in)
            {
              histogram->add(w);
              kept += 1;
              for (std::size_t i = 0; i < p; ++i)
                {
                  mean[i] += w[i];
                  for (std::size_t j = 0; j < p; ++j)
                    second[i * p + j] += w[i] * w[j];
                }
            }
          if (step % trajectory_every == 0)
            {
              trajectory.push_back(std::vector<double>(w.begin(), w.begin() + std::min<std::size_t>(p, 3)));
              trajectory_step.push_back(double(step));
            }
          if (step % report_every == 0 || step == steps)
            report(step);
          bar.update(step);
          for (const double x : w)
            if (!std::isfinite(x))
              throw std::runtime_error("the weights diverged at step " + std::to_string(step) +
                                       " (learning rate too large?)");
        }
      bar.finish();
      const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count() - report_seconds;
      run.write("diagnostics.csv", table.csv());
      // Timings and the BLAS in a file of their own: summary.json is the
      // same from run to run and host to host.
      run.write("timings.json", Json::object()
                                  .set("seconds", seconds)
                                  .set("steps per second", steps / std::max(seconds, 1e-12))
                                  .set("blas", blas_library())
                                  .dump());

      // The last noise figures, if the table did not have them.
      if (noise_every == 0)
        {
          Diagnostics::Row row;
          noise_figures(row);
        }

      Json summary = Json::object();
      summary.set("solver", "train")
        .set("model", setup.description)
        .set("weights", static_cast<unsigned long>(p))
        .set("samples", N)
        .set("method", method)
        .set("learning rate", learning_rate)
        .set("batch size", batch_size)
        .set("sampling", sampling_name)
        .set("steps", steps)
        .set("final loss", table.last("loss"))
        .set("final accuracy", table.last("accuracy"))
        .set("final grad norm", table.last("grad norm"));
      std::vector<double> final_w(w.begin(), w.begin() + std::min<std::size_t>(p, 3));
      summary.set("final weights", as_json(final_w));
      if (std::isfinite(temperature))
        summary.set("temperature", temperature).set("inverse temperature", 1 / temperature);
      for (const auto &figure : optimiser->state())
        summary.set("final " + figure.first, figure.second);

      Json noise = Json::object();
      noise.set("D trace", last_spectrum.trace)
        .set("D rank", last_spectrum.rank)
        .set("rank tolerance", rank_tolerance)
        .set("D eigenvalues", as_json(std::vector<double>(
                                last_spectrum.eigenvalues.begin(),
                                last_spectrum.eigenvalues.begin() +
                                  std::min<std::size_t>(10, last_spectrum.eigenvalues.size()))))
        .set("tail index", std::isfinite(last_tail_index) ? Json(last_tail_index) : Json());
      if (p <= 3)
        {
          noise.set("D exact", as_json(gradient_covariance(model, w)));
          noise.set("D from mini-batches", as_json(last_minibatch_d));
        }
      summary.set("noise", noise);

      // The trajectory: autocorrelation and spectrum of the kept iterates.
      {
        const std::size_t        q = std::min<std::size_t>(p, 3);
        std::ostringstream       acf, spectrum;
        std::vector<std::vector<double>> rho(q), power(q);
        Json                     tau = Json::array();
        for (std::size_t i = 0; i < q; ++i)
          {
            std::vector<double> series;
            for (const auto &x : trajectory)
              series.push_back(x[i]);
            rho[i]   = autocorrelation(series, max_lag);
            power[i] = periodogram(series);
            tau.push(integrated_autocorrelation_time(rho[i]) * trajectory_every);
          }
        acf << "lag";
        spectrum << "frequency";
        for (std::size_t i = 0; i < q; ++i)
          {
            acf << ",rho_w" << i + 1;
            spectrum << ",power_w" << i + 1;
          }
        acf << "\n";
        spectrum << "\n";
        for (std::size_t k = 0; k < rho[0].size(); ++k)
          {
            acf << k * trajectory_every;
            for (std::size_t i = 0; i < q; ++i)
              acf << "," << shortest_round_trip(rho[i][k]);
            acf << "\n";
          }
        const std::size_t n_fft = power[0].empty() ? 0 : 2 * (power[0].size() - 1);
        for (std::size_t j = 0; j < power[0].size(); ++j)
          {
            spectrum << shortest_round_trip(n_fft > 0 ? double(j) / (n_fft * trajectory_every) : 0.);
            for (std::size_t i = 0; i < q; ++i)
              spectrum << "," << shortest_round_trip(power[i][j]);
            spectrum << "\n";
          }
        run.write("autocorrelation.csv", acf.str());
        run.write("spectrum.csv", spectrum.str());
        summary.set("integrated autocorrelation time", tau);
      }

      if (on_mesh)
        {
          // The trajectory as a polyline, with f along it.
          std::vector<double> loss_along;
          if (setup.loss_is_landscape)
            for (const auto &x : trajectory)
              {
                Point<dim> point;
                for (unsigned int d = 0; d < dim; ++d)
                  point[d] = x[d];
                loss_along.push_back(landscape->value(point));
              }
          std::vector<std::pair<std::string, std::vector<double>>> fields{{"step", trajectory_step}};
          if (setup.loss_is_landscape)
            fields.emplace_back("f", loss_along);
          run.write("trajectory.vtp", polyline_vtp(trajectory, fields));
          run.write("histogram.csv", histogram->csv(kept));

          // The histogram as a density (count / (kept · cell volume)) on
          // the mesh, beside f.
          const PETScWrappers::MPI::Vector f = space->landscape_field(*landscape);
          Vector<double> density(space->triangulation().n_active_cells());
          for (const auto &cell : space->triangulation().active_cell_iterators())
            if (cell->is_locally_owned())
              density[cell->active_cell_index()] =
                kept > 0 ? histogram->count_at(cell->center()) / (kept * histogram->cell_volume()) : 0;
          DataOut<dim> data_out;
          data_out.attach_dof_handler(space->dof_handler());
          data_out.add_data_vector(f, "f");
          data_out.add_data_vector(density, "iterate_density", DataOut<dim>::type_cell_data);
          FieldOutput output(run, "train");
          output.write(data_out, mesh.degree, 0.0, 0);

          std::vector<double> covariance(p * p);
          for (std::size_t i = 0; i < p; ++i)
            mean[i] /= std::max(kept, 1.);
          for (std::size_t i = 0; i < p; ++i)
            for (std::size_t j = 0; j < p; ++j)
              covariance[i * p + j] = second[i * p + j] / std::max(kept, 1.) - mean[i] * mean[j];
          Json iterates = Json::object();
          iterates.set("kept", kept)
            .set("outside the mesh", histogram->outside)
            .set("mean", as_json(mean))
            .set("covariance", as_json(covariance))
            .set("mode", as_json(histogram->mode()))
            .set("cell volume", histogram->cell_volume());
          summary.set("iterates", iterates);

          // The minimiser of f: full-batch gradient descent from the last
          // iterate (a proximal map with t = ∞).
          if (setup.loss_is_landscape && setup.description == "perceptron")
            {
              BatchSampler       full(N, N, Sampling::without_replacement, 0);
              ProximalParameters descent{0.5, 200000, 1e-12};
              summary.set("minimiser of f",
                          as_json(proximal_point(model, w, std::numeric_limits<double>::infinity(), descent, full)));
            }
        }

      // Probes: the same operators as the HJ solvers, from full batches.
      if (!probes.empty())
        {
          BatchSampler    full(N, N, Sampling::without_replacement, 0);
          std::mt19937_64 probe_generator(seed + 6000003);
          Json            list = Json::array();
          for (const Point<dim> &x : probes)
            {
              const std::vector<double> xv(x.begin_raw(), x.end_raw());
              // Independent chains from x, each with its burn-in: their
              // means give the Monte Carlo standard error.
              const unsigned int  n_chains = 20;
              LangevinParameters  chain    = probe_langevin;
              chain.steps                  = chain.burn_in + std::max(1u, (probe_langevin.steps - probe_langevin.burn_in) / n_chains);
              std::vector<double> y_mean(dim, 0.), y_square(dim, 0.);
              for (unsigned int c = 0; c < n_chains; ++c)
                {
                  const std::vector<double> m = langevin_mean(model, xv, gamma, chain, full, probe_generator);
                  for (unsigned int d = 0; d < dim; ++d)
                    {
                      y_mean[d] += m[d] / n_chains;
                      y_square[d] += m[d] * m[d] / n_chains;
                    }
                }
              std::vector<double> standard_error(dim);
              for (unsigned int d = 0; d < dim; ++d)
                standard_error[d] =
                  std::sqrt(std::max(0., y_square[d] - y_mean[d] * y_mean[d]) / (n_chains - 1)) / gamma;
              unsigned int              inner  = 0;
              const std::vector<double> y_prox = proximal_point(model, xv, gamma, proximal, full, &inner);
              std::vector<double>       entropy_gradient(dim), proximal_gradient(dim);
              for (unsigned int d = 0; d < dim; ++d)
                {
                  entropy_gradient[d]  = (xv[d] - y_mean[d]) / gamma;
                  proximal_gradient[d] = (xv[d] - y_prox[d]) / gamma;
                }
              list.push(Json::object()
                          .set("x", xv)
                          .set("langevin mean", y_mean)
                          .set("local entropy gradient", entropy_gradient)
                          .set("local entropy gradient standard error", standard_error)
                          .set("proximal point", y_prox)
                          .set("proximal gradient", proximal_gradient)
                          .set("proximal iterations", inner));
            }
          summary.set("probe gamma", gamma).set("probe temperature", langevin.temperature).set("probes", list);
        }

      run.finish(summary);
      if (is_root)
        std::cout << "  " << setup.description << " (" << p << " weights, " << N << " samples), " << method
                  << ": " << steps << " steps in " << seconds << " s (" << steps / std::max(seconds, 1e-12)
                  << " steps/s); loss " << table.last("loss") << ", accuracy " << table.last("accuracy")
                  << std::endl;
    }
  } // namespace

  RELAX_REGISTER_SOLVER(run_train,
                        "train",
                        "Trains a model (the perceptron landscape's data, an MLP, a quadratic, or the "
                        "landscape's f) with SGD, Entropy-SGD, the HJ proximal step, Elastic-SGD or "
                        "Parle; loss, accuracy and gradient-noise figures (D(w) spectrum, tail index) "
                        "in diagnostics.csv; for dimension weights the histogram of iterates on the "
                        "landscape's mesh and the trajectory (.vtp), and the local-entropy gradient "
                        "and proximal point at probe points.",
                        &declare_train_parameters,
                        false)
} // namespace relax
