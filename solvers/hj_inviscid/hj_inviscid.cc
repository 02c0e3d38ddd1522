// Solver `hj-inviscid`: the non-viscous Hamilton–Jacobi equation of the
// proximal point method, u_t = −½|∇u|², u(·, 0) = f (SCIENCE.md §3), whose
// viscosity solution is the Hopf–Lax formula (the Moreau envelope of f)
//
//   u(x, t) = min_y { f(y) + |x − y|²/(2t) },  prox(x) = argmin = x − t∇u.
//
// Scheme. At every step the nodal values of u(·, t_n) on the Q_p space are
// computed from that formula with the landscape's own f, not from u(·,
// t_{n−1}) by a semi-Lagrangian step. Both use the exact semigroup, so
// neither has a time error; but a step from u_h(·, t_{n−1}) restricts y to
// the interpolant of the last step, whose error (O(h^{p+1}) where u is
// smooth, O(h) in the cell of a kink) is paid again at every step and grows
// like (T/Δt)·error — fewer steps would be more accurate. Evaluating from f
// pays it once, the result does not depend on Δt at all (tested), and the
// scheme is no more complicated. The time loop still gives the output
// times, diagnostics and checkpoints.
//
// The minimisation at a node x: (1) over the nodes y_j of the space (their
// support points and f(y_j), gathered on every rank, bucketed on a uniform
// grid), within |x − y| ≤ R = c·t·L (L = max_j |∇f(y_j)|: the minimiser
// y* satisfies x − y* = t∇f(y*), also with y* on the boundary of a box),
// buckets visited in order of a lower bound min_bucket f + dist²/(2t) and
// skipped once that bound exceeds the best value (branch and bound: the
// result is the exact nodal minimum); (2) Newton's method on f(y) + |x −
// y|²/(2t) with the landscape's f and ∇f (Hessian by differences of ∇f,
// projected onto the box) from the best node of every basin whose best
// node is within ε_δ = ½(C + 1/t)(δ√d/2)² (doubled) of the nodal minimum
// (C = max|D²f| over the nodes, δ the node spacing). Monotone (u_h ≤ f at
// every node, and larger f gives larger u_h) and consistent; step (1)
// alone is within ε_δ of the minimum, and the basin of the global
// minimiser always has a node within ε_δ, so step (2) finds it: nodal
// values are exact to round-off (to ε_δ = O(δ²) if C underestimates
// sup|D²f|); the field between nodes carries the interpolation error of u.
//
// Domain: on a box, y ranges over the box (the solution with ∇u·n = 0 in
// the viscosity sense, for a convex domain the same as the state
// constraint; the ε → 0 limit of hj-viscous on that box). On a torus,
// distances are taken across the period.
//
// Cost per step: N nodes × (buckets within R + nodes of the visited
// buckets) + Newton solves; about 2√N buckets, so ~N^1.5 (measured on one
// core, 2-D double well: 2 s per step for 66k DoFs, 17 s for 263k).
// Memory: (d + 2)·N doubles on every rank — fine up to ~10⁶ DoFs in 2-D,
// where the time per step, not the all-gather, is the limit.
#include <deal.II/base/function_parser.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/vector_tools.h>

#include "problems/expressions.h"
#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "solvers/common/checkpoint.h"
#include "solvers/common/density_functionals.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/field_output.h"
#include "solvers/common/json.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/common/time_loop.h"
#include "solvers/solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>

namespace relax
{
  namespace
  {
    using namespace dealii;

    void
    declare_hj_inviscid_parameters(ParameterHandler &prm)
    {
      prm.declare_entry(
        "probe points",
        "",
        Patterns::Anything(),
        "Points 'x1, y1; x2, y2; ...' where summary.json reports, "
        "at the final time t: u and ∇u of the finite-element "
        "field, the proximal point x − t∇u from them, and the "
        "value and argmin y of the Hopf–Lax minimisation at the "
        "point itself. Keep them off cell faces when comparing "
        "runs on different numbers of ranks (on a face, ∇u may "
        "come from either cell). On a torus the proximal point "
        "is not wrapped into the box.");
      prm.declare_entry("search radius factor",
                        "1.5",
                        Patterns::Double(1),
                        "c ≥ 1: nodes y are searched within |x − y| ≤ c·t·L + "
                        "2δ, L = max |∇f| over the nodes (the minimiser is "
                        "within t·sup|∇f|), δ the node spacing. Above 1 covers "
                        "sup|∇f| exceeding its nodal maximum. Dimensionless.");
      prm.declare_entry(
        "local refinement",
        "true",
        Patterns::Bool(),
        "After the search over the nodes, minimise f(y) + "
        "|x − y|²/(2t) by Newton's method with the landscape's "
        "f and ∇f from the best node. Without it y is "
        "restricted to the nodes (an O(δ²) error at the nodes).");
      prm.declare_entry("reference solution",
                        "",
                        Patterns::Anything(),
                        "A closed form of u(x, t) (muParser, x, y, z, t); when "
                        "given, diagnostics.csv and summary.json report the L2 "
                        "error and the largest error at the nodes against it.");
      prm.declare_entry("reference constants",
                        "",
                        Patterns::Anything(),
                        "Named constants for the reference, 'a=1, b=2'.");
    }

    /**
     * @brief The Hopf–Lax minimisation min_y { f(y) + |x − y|²/(2t) } over
     * the nodes of the space (the same on every rank), refined by Newton's
     * method on the landscape's f.
     *
     * The nodes are sorted by coordinates before bucketing, so that the
     * search visits them in an order that does not depend on how the mesh
     * is partitioned: 1 and N ranks give the same minimiser, also where two
     * are equally good (on a kink).
     */
    template <int dim>
    class HopfLax
    {
    public:
      struct Result
      {
        double     value;
        Point<dim> argmin;
        /// Nodes compared (the cost of the search).
        unsigned long candidates;
      };

      HopfLax(const Landscape<dim>      &landscape,
              const Domain<dim>         &domain,
              std::vector<Point<dim>>    points,
              const std::vector<double> &values,
              const std::vector<double> &curvatures,
              const double               lipschitz,
              const double               radius_factor,
              const double               node_spacing,
              const bool                 refine)
          : landscape(landscape)
          , box(domain)
          , lipschitz(lipschitz)
          , curvature(*std::max_element(curvatures.begin(), curvatures.end()))
          , radius_factor(radius_factor)
          , node_spacing(node_spacing)
          , refine(refine)
      {
        const std::size_t        n = points.size();
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(),
                  order.end(),
                  [&](const std::size_t a, const std::size_t b) {
                    return std::lexicographical_compare(points[a].begin_raw(),
                                                        points[a].end_raw(),
                                                        points[b].begin_raw(),
                                                        points[b].end_raw());
                  });

        // About 2√N buckets balance the two costs of a query: bounds for
        // every bucket within R, and the nodes of the buckets visited.
        double volume = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            length[d] = box.upper[d] - box.lower[d];
            volume *= length[d];
          }
        const double target = std::max(1.0, 2 * std::sqrt(double(n)));
        const double side   = std::pow(volume / target, 1.0 / dim);
        n_buckets           = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            per_axis[d] = std::max(
              1u,
              static_cast<unsigned int>(std::lround(length[d] / side)));
            width[d] = length[d] / per_axis[d];
            n_buckets *= per_axis[d];
          }
        std::vector<unsigned int> bucket_of(n);
        start.assign(n_buckets + 1, 0);
        for (std::size_t i = 0; i < n; ++i)
          {
            bucket_of[i] = bucket(points[order[i]]);
            ++start[bucket_of[i] + 1];
          }
        std::partial_sum(start.begin(), start.end(), start.begin());
        node_points.resize(n);
        node_values.resize(n);
        node_curvatures.resize(n);
        bucket_min.assign(n_buckets, std::numeric_limits<double>::infinity());
        std::vector<std::size_t> next(start.begin(), start.end() - 1);
        for (std::size_t i = 0; i < n; ++i)
          {
            const std::size_t k = next[bucket_of[i]]++;
            node_points[k]      = points[order[i]];
            node_values[k]      = values[order[i]];
            node_curvatures[k]  = curvatures[order[i]];
            bucket_min[bucket_of[i]] =
              std::min(bucket_min[bucket_of[i]], node_values[k]);
          }
      }

      unsigned int
      n_buckets_total() const
      {
        return n_buckets;
      }

      double
      search_radius(const double t) const
      {
        return radius_factor * t * lipschitz + 2 * node_spacing;
      }

      Result
      minimise(const Point<dim> &x, const double t) const
      {
        std::vector<Point<dim>> seeds;
        Result                  result = search_nodes(x, t, seeds);
        if (refine)
          for (const Point<dim> &seed : seeds)
            {
              const auto [value, argmin] = newton(x, t, seed);
              if (value < result.value)
                {
                  result.value  = value;
                  result.argmin = argmin;
                }
            }
        return result;
      }

      /// x − y, across the period on periodic axes (the shortest image).
      Tensor<1, dim>
      displacement(const Point<dim> &x, const Point<dim> &y) const
      {
        Tensor<1, dim> r = x - y;
        for (unsigned int d = 0; d < dim; ++d)
          if (box.periodic[d])
            r[d] -= length[d] * std::round(r[d] / length[d]);
        return r;
      }

    private:
      unsigned int
      bucket(const Point<dim> &p) const
      {
        unsigned int index = 0;
        for (int d = dim - 1; d >= 0; --d)
          {
            const long i =
              std::lround(std::floor((p[d] - box.lower[d]) / width[d]));
            index =
              index * per_axis[d] + static_cast<unsigned int>(
                                      std::clamp(i, 0L, long(per_axis[d]) - 1));
          }
        return index;
      }

      /// How far above its basin's minimum y* a node y within δ√d/2 of it
      /// can lie: ½ (|D²f| + 1/t) (δ√d/2)², with |D²f| ≤ `bend` (doubled
      /// against its variation over the cell, and the whole doubled again).
      double
      margin(const double bend, const double t) const
      {
        return (2 * bend + 1 / t) * node_spacing * node_spacing * dim / 4;
      }

      /**
       * The exact minimum over the nodes within the search radius; `seeds`
       * gets, in order of value, the nodes within their margin() of that
       * minimum that lie more than 3δ from every earlier seed (at most 8):
       * the basin of the global minimiser has such a node, so Newton's
       * method from every seed finds that minimiser also where the best
       * node lies in another basin (near a kink).
       */
      Result
      search_nodes(const Point<dim>        &x,
                   const double             t,
                   std::vector<Point<dim>> &seeds) const
      {
        const double radius = search_radius(t);
        // Bucket index ranges along each axis, wrapped on periodic ones.
        std::array<std::vector<unsigned int>, dim> ranges;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const long lo = std::lround(
              std::floor((x[d] - radius - box.lower[d]) / width[d]));
            const long hi = std::lround(
              std::floor((x[d] + radius - box.lower[d]) / width[d]));
            const long n = per_axis[d];
            if (box.periodic[d])
              {
                for (long i = lo; i <= hi && i < lo + n; ++i)
                  ranges[d].push_back(
                    static_cast<unsigned int>(((i % n) + n) % n));
              }
            else
              for (long i = std::max(lo, 0L); i <= std::min(hi, n - 1); ++i)
                ranges[d].push_back(static_cast<unsigned int>(i));
          }
        // Lower bounds min f + dist(x, bucket)²/(2t), in increasing order.
        std::vector<std::pair<double, unsigned int>> bounds;
        std::array<unsigned int, dim>                counter{};
        while (true)
          {
            unsigned int index = 0;
            double       gap2  = 0;
            for (int d = dim - 1; d >= 0; --d)
              {
                const unsigned int i = ranges[d][counter[d]];
                index                = index * per_axis[d] + i;
                const double centre  = box.lower[d] + (i + 0.5) * width[d];
                double       r       = x[d] - centre;
                if (box.periodic[d])
                  r -= length[d] * std::round(r / length[d]);
                const double gap = std::max(0.0, std::abs(r) - 0.5 * width[d]);
                gap2 += gap * gap;
              }
            if (start[index + 1] > start[index] && gap2 <= radius * radius)
              bounds.emplace_back(bucket_min[index] + gap2 / (2 * t), index);
            unsigned int d = 0;
            for (; d < dim; ++d)
              if (++counter[d] < ranges[d].size())
                break;
              else
                counter[d] = 0;
            if (d == dim)
              break;
          }
        std::sort(bounds.begin(), bounds.end());

        const double slack = refine ? margin(curvature, t) : 0;
        Result       result{std::numeric_limits<double>::infinity(), x, 0};
        std::vector<std::pair<double, std::size_t>> near;
        for (const auto &[bound, index] : bounds)
          {
            if (bound > result.value + slack)
              break;
            for (std::size_t k = start[index]; k < start[index + 1]; ++k)
              {
                const double r2 = displacement(x, node_points[k]).norm_square();
                if (r2 > radius * radius)
                  continue;
                ++result.candidates;
                const double value = node_values[k] + r2 / (2 * t);
                if (refine &&
                    value <= result.value + margin(node_curvatures[k], t))
                  near.emplace_back(value, k);
                if (value < result.value)
                  {
                    result.value  = value;
                    result.argmin = node_points[k];
                  }
              }
          }
        // Visiting order and ties do not depend on the partition: the
        // nodes are sorted, stable_sort keeps that order among equals.
        std::stable_sort(
          near.begin(),
          near.end(),
          [](const auto &a, const auto &b) { return a.first < b.first; });
        for (const auto &[value, k] : near)
          {
            if (seeds.size() == 8)
              break;
            if (value > result.value + margin(node_curvatures[k], t))
              continue;
            bool apart = true;
            for (const Point<dim> &seed : seeds)
              apart = apart && displacement(seed, node_points[k]).norm() >
                                 3 * node_spacing;
            if (apart)
              seeds.push_back(node_points[k]);
          }
        return result;
      }

      /// y mapped into the box along periodic axes (f is evaluated there).
      Point<dim>
      wrapped(Point<dim> y) const
      {
        for (unsigned int d = 0; d < dim; ++d)
          if (box.periodic[d])
            {
              y[d] = box.lower[d] + std::fmod(y[d] - box.lower[d], length[d]);
              if (y[d] < box.lower[d])
                y[d] += length[d];
            }
        return y;
      }

      /// Newton's method on g(y) = f(y) + |x − y|²/(2t) from the node
      /// `seed`, projected onto the box (coordinates pressed against a face
      /// are held there), with backtracking; a gradient step where the
      /// Hessian is not positive definite. Returns the value and the point
      /// (in the box) where it stopped.
      std::pair<double, Point<dim>>
      newton(const Point<dim> &x, const double t, const Point<dim> &seed) const
      {
        // The image of the seed nearest to x: on a torus y may leave the
        // box, f is evaluated at its wrapped copy.
        Point<dim> y         = x - displacement(x, seed);
        const auto objective = [&](const Point<dim> &z) {
          return landscape.value(wrapped(z)) + (x - z).norm_square() / (2 * t);
        };
        double value = objective(y);
        for (unsigned int iteration = 0; iteration < 50; ++iteration)
          {
            const Tensor<1, dim> g =
              landscape.gradient(wrapped(y)) + (y - x) / t;
            std::array<bool, dim> movable;
            unsigned int          n_free = 0;
            for (unsigned int d = 0; d < dim; ++d)
              {
                movable[d] =
                  box.periodic[d] || !((y[d] <= box.lower[d] && g[d] > 0) ||
                                       (y[d] >= box.upper[d] && g[d] < 0));
                n_free += movable[d];
              }
            if (n_free == 0)
              break;
            // Hessian of g by central differences of ∇f.
            Tensor<2, dim> H;
            for (unsigned int j = 0; j < dim; ++j)
              {
                const double eta   = 1e-5 * std::max(1.0, std::abs(y[j]));
                Point<dim>   plus  = y;
                Point<dim>   minus = y;
                plus[j] += eta;
                minus[j] -= eta;
                const Tensor<1, dim> dg = (landscape.gradient(wrapped(plus)) -
                                           landscape.gradient(wrapped(minus))) /
                                          (2 * eta);
                for (unsigned int i = 0; i < dim; ++i)
                  H[i][j] = dg[i];
              }
            Tensor<1, dim> direction;
            if (!newton_direction(H, g, movable, t, direction))
              for (unsigned int d = 0; d < dim; ++d)
                direction[d] = movable[d] ? -g[d] : 0;
            bool       accepted = false;
            Point<dim> trial;
            double     trial_value = value;
            for (double alpha = 1; alpha > 1e-12; alpha /= 2)
              {
                trial = y + alpha * direction;
                for (unsigned int d = 0; d < dim; ++d)
                  if (!box.periodic[d])
                    trial[d] = std::clamp(trial[d], box.lower[d], box.upper[d]);
                trial_value = objective(trial);
                if (trial_value < value)
                  {
                    accepted = true;
                    break;
                  }
              }
            if (!accepted)
              break;
            const double moved = (trial - y).norm();
            y                  = trial;
            value              = trial_value;
            if (moved <= 1e-14 * (1 + y.norm()))
              break;
          }
        return {value, wrapped(y)};
      }

      /// Solves (H_sym + I/t) d = −g on the free coordinates by Cholesky;
      /// false if that matrix is not positive definite.
      static bool
      newton_direction(const Tensor<2, dim>        &H,
                       const Tensor<1, dim>        &g,
                       const std::array<bool, dim> &movable,
                       const double                 t,
                       Tensor<1, dim>              &direction)
      {
        std::array<unsigned int, dim> map{};
        unsigned int                  m = 0;
        for (unsigned int d = 0; d < dim; ++d)
          if (movable[d])
            map[m++] = d;
        double A[dim][dim], L[dim][dim] = {}, b[dim];
        for (unsigned int i = 0; i < m; ++i)
          {
            b[i] = -g[map[i]];
            for (unsigned int j = 0; j < m; ++j)
              A[i][j] = 0.5 * (H[map[i]][map[j]] + H[map[j]][map[i]]) +
                        (i == j ? 1 / t : 0);
          }
        for (unsigned int i = 0; i < m; ++i)
          for (unsigned int j = 0; j <= i; ++j)
            {
              double s = A[i][j];
              for (unsigned int k = 0; k < j; ++k)
                s -= L[i][k] * L[j][k];
              if (i == j)
                {
                  if (!(s > 0))
                    return false;
                  L[i][i] = std::sqrt(s);
                }
              else
                L[i][j] = s / L[j][j];
            }
        double z[dim];
        for (unsigned int i = 0; i < m; ++i)
          {
            z[i] = b[i];
            for (unsigned int k = 0; k < i; ++k)
              z[i] -= L[i][k] * z[k];
            z[i] /= L[i][i];
          }
        for (int i = int(m) - 1; i >= 0; --i)
          {
            for (unsigned int k = i + 1; k < m; ++k)
              z[i] -= L[k][i] * z[k];
            z[i] /= L[i][i];
          }
        direction = 0;
        for (unsigned int i = 0; i < m; ++i)
          direction[map[i]] = z[i];
        return true;
      }

      const Landscape<dim>         &landscape;
      const Domain<dim>             box;
      const double                  lipschitz;
      const double                  curvature;
      const double                  radius_factor;
      const double                  node_spacing;
      const bool                    refine;
      std::array<double, dim>       length{};
      std::array<double, dim>       width{};
      std::array<unsigned int, dim> per_axis{};
      unsigned int                  n_buckets = 1;
      std::vector<std::size_t>
        start; // nodes of bucket b: [start[b], start[b+1])
      std::vector<Point<dim>> node_points; // by bucket, then by coordinates
      std::vector<double>     node_values;
      std::vector<double>     node_curvatures; // bounds of |D²f| at the nodes
      std::vector<double>     bucket_min;
    };

    /// ∇u, the proximal map x − t∇u, f and u − f from the field u at time t.
    template <int dim>
    class HopfLaxFields : public DataPostprocessor<dim>
    {
    public:
      HopfLaxFields(const Landscape<dim> &landscape, const double time)
          : landscape(landscape)
          , time(time)
      {
      }

      void
      evaluate_scalar_field(
        const DataPostprocessorInputs::Scalar<dim> &inputs,
        std::vector<Vector<double>>                &computed) const override
      {
        for (unsigned int q = 0; q < inputs.evaluation_points.size(); ++q)
          {
            const Point<dim>     &x    = inputs.evaluation_points[q];
            const Tensor<1, dim> &grad = inputs.solution_gradients[q];
            const double          f    = landscape.value(x);
            Vector<double>       &out  = computed[q];
            for (unsigned int d = 0; d < dim; ++d)
              {
                out[d]       = grad[d];
                out[dim + d] = x[d] - time * grad[d];
              }
            out[2 * dim]     = f;
            out[2 * dim + 1] = inputs.solution_values[q] - f;
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names(dim, "grad_u");
        names.insert(names.end(), dim, "proximal_map");
        names.push_back("f");
        names.push_back("u_minus_f");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        using namespace DataComponentInterpretation;
        std::vector<DataComponentInterpretation::DataComponentInterpretation>
          kinds(2 * dim, component_is_part_of_vector);
        kinds.insert(kinds.end(), 2, component_is_scalar);
        return kinds;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_values | update_gradients | update_quadrature_points;
      }

    private:
      const Landscape<dim> &landscape;
      const double          time;
    };

    /// (value, point) ordered by value, ties by coordinates: an argmin that
    /// does not depend on the DoF numbering (and so on the partition).
    template <int dim>
    bool
    before(const std::pair<double, Point<dim>> &a,
           const std::pair<double, Point<dim>> &b)
    {
      if (a.first != b.first)
        return a.first < b.first;
      return std::lexicographical_compare(a.second.begin_raw(),
                                          a.second.end_raw(),
                                          b.second.begin_raw(),
                                          b.second.end_raw());
    }

    template <int dim>
    class HjInviscidProblem : public TimeDependentProblem
    {
    public:
      explicit HjInviscidProblem(RunContext &context);

      void
      run();

      void
      set_initial_condition() override;
      void
      advance(double time, double time_step) override;
      Diagnostics::Row
      diagnostics(double time) override;
      void
      output_fields(FieldOutput &output,
                    double       time,
                    unsigned int index) override;
      void
      save_state(const std::string &prefix) override;
      void
      load_state(const std::string &prefix) override;

    private:
      /// Vectors, the nodes (owned, and gathered from all ranks) and the
      /// Hopf–Lax search on a new space.
      void
      setup_system();
      Json
      probe_summary(double time);

      RunContext                          &context;
      MPI_Comm                             comm;
      MeshParameters                       mesh;
      TimeParameters                       time_parameters;
      double                               radius_factor    = 1.5;
      bool                                 local_refinement = true;
      std::unique_ptr<FunctionParser<dim>> reference;
      std::vector<Point<dim>>              probes;
      std::unique_ptr<Landscape<dim>>      landscape;
      std::unique_ptr<ScalarSpace<dim>>    space;
      std::unique_ptr<HopfLax<dim>>        hopf_lax;

      /// Owned DoFs without constraints, their support points and f there.
      std::vector<types::global_dof_index> nodes;
      std::vector<Point<dim>>              node_points;
      std::vector<double>                  node_f;
      double                               lipschitz = 0;
      double                               curvature = 0;

      PETScWrappers::MPI::Vector u;       // with ghosts
      PETScWrappers::MPI::Vector owned_u; // without
      /// max_i |x_i − y_i|/t at the last step: |∇u| at the nodes (≤ L).
      double       max_slope        = 0;
      double       seconds_in_steps = 0;
      unsigned int steps_this_run   = 0;
      double       candidates       = 0; // nodes compared, summed over steps
    };

    template <int dim>
    HjInviscidProblem<dim>::HjInviscidProblem(RunContext &context)
        : context(context)
        , comm(context.folder.communicator())
    {
      ParameterHandler &prm = context.prm;
      mesh.parse_parameters(prm);
      time_parameters.parse_parameters(prm);
      landscape = create_landscape<dim>(prm);
      space     = std::make_unique<ScalarSpace<dim>>(comm,
                                                 landscape->domain(),
                                                 mesh.degree);

      prm.enter_subsection("hj-inviscid");
      radius_factor    = prm.get_double("search radius factor");
      local_refinement = prm.get_bool("local refinement");
      const auto constants =
        parse_constants(prm.get("reference constants"),
                        "/hj-inviscid/reference constants");
      if (!Utilities::trim(prm.get("reference solution")).empty())
        reference =
          parse_expression<dim>(prm.get("reference solution"), constants, true, "/hj-inviscid/reference solution");
      const std::string probe_text = Utilities::trim(prm.get("probe points"));
      if (!probe_text.empty())
        for (const std::string &point :
             Utilities::split_string_list(probe_text, ';'))
          probes.emplace_back(
            parse_vector<dim>(point, "/hj-inviscid/probe points"));
      prm.leave_subsection();

      const Domain<dim> box = landscape->domain();
      for (const Point<dim> &p : probes)
        for (unsigned int d = 0; d < dim; ++d)
          if (!(p[d] >= box.lower[d] && p[d] <= box.upper[d]))
            throw InputError("/hj-inviscid/probe points",
                             "a point lies outside the landscape's box");
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::setup_system()
    {
      u       = space->ghosted_vector();
      owned_u = space->owned_vector();

      std::map<types::global_dof_index, Point<dim>> points;
      DoFTools::map_dofs_to_support_points(StaticMappingQ1<dim>::mapping,
                                           space->dof_handler(),
                                           points);
      nodes.clear();
      node_points.clear();
      node_f.clear();
      std::vector<double> local; // (x, f, |D²f|) of every owned node, flattened
      double              steepest = 0, bend = 0;
      for (const auto &[index, x] : points)
        if (space->owned().is_element(index) &&
            !space->constraints().is_constrained(index))
          {
            nodes.push_back(index);
            node_points.push_back(x);
            node_f.push_back(landscape->value(x));
            steepest = std::max(steepest, landscape->gradient(x).norm());
            // |D²f| ≤ the largest row sum of |∂_j ∂_i f| (Gershgorin), by
            // central differences of ∇f.
            Tensor<1, dim> row_sums;
            for (unsigned int j = 0; j < dim; ++j)
              {
                const double eta  = 1e-5 * std::max(1.0, std::abs(x[j]));
                Point<dim>   plus = x, minus = x;
                plus[j] += eta;
                minus[j] -= eta;
                const Tensor<1, dim> column =
                  (landscape->gradient(plus) - landscape->gradient(minus)) /
                  (2 * eta);
                for (unsigned int i = 0; i < dim; ++i)
                  row_sums[i] += std::abs(column[i]);
              }
            double row_max = 0;
            for (unsigned int i = 0; i < dim; ++i)
              row_max = std::max(row_max, row_sums[i]);
            bend = std::max(bend, row_max);
            local.insert(local.end(), x.begin_raw(), x.end_raw());
            local.push_back(node_f.back());
            local.push_back(row_max);
          }
      lipschitz = Utilities::MPI::max(steepest, comm);
      curvature = Utilities::MPI::max(bend, comm);

      std::vector<Point<dim>> all_points;
      std::vector<double>     all_values, all_curvatures;
      for (const auto &part : Utilities::MPI::all_gather(comm, local))
        for (std::size_t k = 0; k < part.size(); k += dim + 2)
          {
            Point<dim> x;
            for (unsigned int d = 0; d < dim; ++d)
              x[d] = part[k + d];
            all_points.push_back(x);
            all_values.push_back(part[k + dim]);
            all_curvatures.push_back(part[k + dim + 1]);
          }
      // The node spacing δ, for the margin of the search radius: h/p
      // (Q_p's Gauss–Lobatto support points are unevenly spaced for
      // p ≥ 3, but the margin only needs the size).
      const double node_spacing = space->mesh_size() / mesh.degree;
      hopf_lax                  = std::make_unique<HopfLax<dim>>(*landscape,
                                                space->domain(),
                                                all_points,
                                                all_values,
                                                all_curvatures,
                                                lipschitz,
                                                radius_factor,
                                                node_spacing,
                                                local_refinement);
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::set_initial_condition()
    {
      space->create(mesh.refinement);
      setup_system();
      for (std::size_t k = 0; k < nodes.size(); ++k)
        owned_u(nodes[k]) = node_f[k];
      owned_u.compress(VectorOperation::insert);
      space->constraints().distribute(owned_u);
      u         = owned_u;
      max_slope = lipschitz;
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::advance(const double time, const double time_step)
    {
      // From f, not from the last step: see the top of this file.
      const double t     = time + time_step;
      const auto   start = std::chrono::steady_clock::now();
      double       slope = 0;
      for (std::size_t k = 0; k < nodes.size(); ++k)
        {
          const auto result = hopf_lax->minimise(node_points[k], t);
          owned_u(nodes[k]) = result.value;
          slope             = std::max(
            slope,
            hopf_lax->displacement(node_points[k], result.argmin).norm() / t);
          candidates += result.candidates;
        }
      owned_u.compress(VectorOperation::insert);
      space->constraints().distribute(owned_u);
      if (!std::isfinite(owned_u.l2_norm()))
        throw std::runtime_error("u became NaN or infinite at t = " +
                                 std::to_string(t));
      u         = owned_u;
      max_slope = Utilities::MPI::max(slope, comm);
      seconds_in_steps +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
      ++steps_this_run;
    }

    template <int dim>
    Diagnostics::Row
    HjInviscidProblem<dim>::diagnostics(const double time)
    {
      // min u and where, max u, max (u − f) over the nodes.
      std::pair<double, Point<dim>> lowest{
        std::numeric_limits<double>::infinity(),
        Point<dim>()};
      double highest     = -std::numeric_limits<double>::infinity();
      double above_f     = -std::numeric_limits<double>::infinity();
      double nodal_error = 0;
      if (reference)
        reference->set_time(time);
      for (std::size_t k = 0; k < nodes.size(); ++k)
        {
          const double                        value = owned_u(nodes[k]);
          const std::pair<double, Point<dim>> candidate{value, node_points[k]};
          if (before(candidate, lowest))
            lowest = candidate;
          highest = std::max(highest, value);
          above_f = std::max(above_f, value - node_f[k]);
          if (reference)
            nodal_error =
              std::max(nodal_error,
                       std::abs(value - reference->value(node_points[k])));
        }
      std::vector<double> packed(1 + dim);
      packed[0] = lowest.first;
      for (unsigned int d = 0; d < dim; ++d)
        packed[1 + d] = lowest.second[d];
      for (const auto &part : Utilities::MPI::all_gather(comm, packed))
        {
          std::pair<double, Point<dim>> candidate{part[0], Point<dim>()};
          for (unsigned int d = 0; d < dim; ++d)
            candidate.second[d] = part[1 + d];
          if (before(candidate, lowest))
            lowest = candidate;
        }

      double l2_error = std::numeric_limits<double>::quiet_NaN();
      if (reference)
        {
          Vector<double> cell_errors(space->triangulation().n_active_cells());
          VectorTools::integrate_difference(space->dof_handler(),
                                            u,
                                            *reference,
                                            cell_errors,
                                            QGauss<dim>(space->fe().degree + 2),
                                            VectorTools::L2_norm);
          l2_error = VectorTools::compute_global_error(space->triangulation(),
                                                       cell_errors,
                                                       VectorTools::L2_norm);
          nodal_error = Utilities::MPI::max(nodal_error, comm);
        }
      else
        nodal_error = std::numeric_limits<double>::quiet_NaN();

      const char      *axes = "xyz";
      Diagnostics::Row row  = {{"min u", lowest.first}};
      for (unsigned int d = 0; d < dim; ++d)
        row.emplace_back(std::string("argmin u ") + axes[d], lowest.second[d]);
      row.insert(row.end(),
                 {{"max u", Utilities::MPI::max(highest, comm)},
                  {"max u - f", Utilities::MPI::max(above_f, comm)},
                  {"max slope", max_slope},
                  {"reference L2 error", l2_error},
                  {"reference max nodal error", nodal_error}});
      return row;
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::output_fields(FieldOutput       &output,
                                          const double       time,
                                          const unsigned int index)
    {
      HopfLaxFields<dim> derived(*landscape, time);
      DataOut<dim>       data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(u, "u");
      data_out.add_data_vector(u, derived);
      output.write(data_out, mesh.degree, time, index);
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::save_state(const std::string &prefix)
    {
      save_mesh_and_vectors(space->dof_handler(), {&u}, prefix);
      if (context.folder.is_root())
        write_file_atomically(prefix + ".hj_inviscid",
                              shortest_round_trip(max_slope) + "\n");
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::load_state(const std::string &prefix)
    {
      space->load(prefix);
      setup_system();
      load_vectors(space->dof_handler(), {&owned_u}, prefix);
      space->constraints().distribute(owned_u);
      u = owned_u;
      std::istringstream state(read_file(prefix + ".hj_inviscid"));
      state >> max_slope;
    }

    template <int dim>
    Json
    HjInviscidProblem<dim>::probe_summary(const double time)
    {
      Json   list  = Json::array();
      double worst = 0;
      for (const Point<dim> &x : probes)
        {
          const auto [value, gradient] =
            evaluate_at_point(space->dof_handler(), u, x);
          // The minimisation at the probe itself (every rank does the same).
          const auto exact =
            time > 0 ? hopf_lax->minimise(x, time)
                     : typename HopfLax<dim>::Result{landscape->value(x), x, 0};
          std::vector<double> point(dim), grad(dim), prox(dim), argmin(dim);
          for (unsigned int d = 0; d < dim; ++d)
            {
              point[d]  = x[d];
              grad[d]   = gradient[d];
              prox[d]   = x[d] - time * gradient[d];
              argmin[d] = exact.argmin[d];
            }
          worst = std::max(worst, std::abs(value - exact.value));
          list.push(Json::object()
                      .set("x", point)
                      .set("f", landscape->value(x))
                      .set("u", value)
                      .set("grad u", grad)
                      .set("proximal point", prox)
                      .set("hopf-lax value", exact.value)
                      .set("hopf-lax argmin", argmin));
        }
      return Json::object()
        .set("max |u - hopf-lax value|", worst)
        .set("points", list);
    }

    template <int dim>
    void
    HjInviscidProblem<dim>::run()
    {
      std::ostringstream parameters;
      context.prm.print_parameters(parameters, ParameterHandler::ShortPRM);
      TimeLoop           loop(time_parameters,
                    context.folder,
                    "hj_inviscid",
                    parameters.str());
      const Diagnostics &table = loop.run(*this, context.resume);

      const double steepest = std::max(0.0, table.largest("max slope"));
      const double above_f  = table.largest("max u - f");
      // u(x, t) = min_y f(y) + |x − y|²/(2t) ≤ f(x) (y = x): a value above f
      // means the minimisation went wrong somewhere in the run.
      context.folder.trust().at_most("largest max u - f", above_f, 1e-9,
                                     "the Hopf–Lax minimisation missed y = x: report this run");
      std::vector<double> argmin;
      for (unsigned int d = 0; d < dim; ++d)
        argmin.push_back(table.last(std::string("argmin u ") + "xyz"[d]));

      const double time    = table.last("time");
      Json         summary = Json::object();
      summary.set("solver", "hj-inviscid")
        .set("landscape", landscape_name(context.prm))
        .set("dimension", dim)
        .set("cells", space->triangulation().n_global_active_cells())
        .set("dofs", space->dof_handler().n_dofs())
        .set("h", space->mesh_size())
        .set("degree", mesh.degree)
        .set("steps", loop.n_steps())
        .set("final time", time)
        .set("lipschitz bound", lipschitz)
        .set("curvature bound", curvature)
        .set("largest max slope", steepest)
        .set("largest max u - f", above_f)
        .set("min u", table.last("min u"))
        .set("argmin u", argmin)
        .set("max u", table.last("max u"))
        .set("reference L2 error", table.last("reference L2 error"))
        .set("reference max nodal error",
             table.last("reference max nodal error"))
        .set("probes", probe_summary(time));

      const unsigned long long n_nodes = space->dof_handler().n_dofs();
      context.folder.write(
        "timings.json",
        Json::object()
          .set("dofs", space->dof_handler().n_dofs())
          .set("mpi ranks", Utilities::MPI::n_mpi_processes(comm))
          .set("buckets", hopf_lax->n_buckets_total())
          .set("steps", steps_this_run)
          .set("seconds per step",
               steps_this_run > 0
                 ? Utilities::MPI::max(seconds_in_steps, comm) / steps_this_run
                 : 0.0)
          .set("nodes compared per node and step",
               steps_this_run > 0 ? Utilities::MPI::sum(candidates, comm) /
                                      (double(n_nodes) * steps_this_run)
                                  : 0.0)
          .dump());
      context.folder.finish(summary);
      if (context.folder.is_root())
        std::cout << "  " << n_nodes << " DoFs, " << loop.n_steps()
                  << " steps to t = " << time << ": min u "
                  << table.last("min u") << ", L = " << lipschitz << std::endl;
    }

    template <int dim>
    void
    run_hj_inviscid(RunContext &context)
    {
      HjInviscidProblem<dim> problem(context);
      problem.run();
    }
  } // namespace

  RELAX_REGISTER_SOLVER(
    run_hj_inviscid,
    "hj-inviscid",
    "u_t = −½|∇u|², u(·, 0) = f: the Hopf–Lax formula u(x, t) = "
    "min_y f(y) + |x − y|²/(2t) (the Moreau envelope) at the nodes, "
    "by a search over all nodes and Newton's method on f; ∇u, the "
    "proximal map x − t∇u and u − f as fields; min u and its "
    "argmin every step; proximal points at probe points.",
    &declare_hj_inviscid_parameters,
    true)
} // namespace relax
