// bench/jko: times relax's entropic transport on a 2-D Q1 mesh of
// [−3, 3]²: one entropic JKO step (f = |x|²/2, β = 1, from a Gaussian) and
// the W₂² estimate between two Gaussians (wasserstein_squared: its own
// number of heat steps, the fewest for the fourth-order θ), with the
// number of Sinkhorn iterations, so that the cost per iteration can be
// compared across sizes and with a dense Sinkhorn (bench/jko/pot_peer.py).
// The first JKO step is compared with the exact (non-entropic) JKO step,
// which keeps the Gaussian and acts on each axis alone (SCIENCE.md §5):
// m' = m/(1 + τ), s' the positive root of (1 + 1/τ)s'² − (s/τ)s' − 1 = 0.
// Prints one JSON object. Usage: bench_jko REFINEMENT GAMMA L TAU [jko|kernel]
// with L the heat steps per kernel application, or `exact` for the exact
// kernel on the grid (GridGaussianKernel)
// (`jko`: the JKO steps only, for large meshes; `kernel`: the kernel's
// factorisation and the cost of one Sinkhorn iteration only, i.e. its two
// kernel applications (one per side of the plan, potentials absorbed), for
// meshes where a cold JKO step would take hours).
#include <deal.II/base/function.h>
#include <deal.II/base/mpi.h>
#include <deal.II/numerics/vector_tools.h>

#include "problems/landscape.h"
#include "solvers/common/entropic_transport.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <chrono>
#include <cmath>
#include <array>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

using namespace dealii;

namespace
{
  PETScWrappers::MPI::Vector
  nodal(const relax::ScalarSpace<2> &space, const std::function<double(const Point<2> &)> &g)
  {
    PETScWrappers::MPI::Vector v = space.owned_vector();
    VectorTools::interpolate(space.dof_handler(), ScalarFunctionFromFunctionObject<2>(g), v);
    space.constraints().distribute(v);
    return v;
  }

  double
  seconds_since(const std::chrono::steady_clock::time_point start)
  {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
} // namespace

int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  const std::string mode = argc == 6 ? argv[5] : "";
  if ((argc != 5 && argc != 6) || !(mode.empty() || mode == "jko" || mode == "kernel"))
    {
      std::cerr << "usage: bench_jko REFINEMENT GAMMA L|exact TAU [jko|kernel]\n";
      return 2;
    }
  const bool with_w2 = argc == 5;
  const unsigned int refinement = std::stoi(argv[1]);
  const double       gamma      = std::stod(argv[2]);
  const bool         exact      = std::string(argv[3]) == "exact";
  const unsigned int L          = exact ? 0 : std::stoi(argv[3]);
  const double       tau        = std::stod(argv[4]);

  relax::Domain<2> box;
  box.lower = Point<2>(-3, -3);
  box.upper = Point<2>(3, 3);
  relax::ScalarSpace<2> space(MPI_COMM_WORLD, box, 1);
  space.create(refinement);
  relax::LinearSolverParameters solver;
  relax::SinkhornControl        control;
  control.tolerance = 1e-9;
  const auto make_kernel = [&]() -> std::unique_ptr<relax::GibbsKernel<2>> {
    if (exact)
      return std::make_unique<relax::GridGaussianKernel<2>>(space, gamma);
    return std::make_unique<relax::HeatStepKernel<2>>(space, gamma, L, solver);
  };
  // The heat-step kernel's counts; zero for the exact kernel, and its
  // count of sums that needed the log-sum-exp itself.
  const auto heat_steps = [](const relax::GibbsKernel<2> &k) {
    return dynamic_cast<const relax::HeatStepKernel<2> *>(&k);
  };
  const auto exact_sums = [](const relax::GibbsKernel<2> &k) {
    const auto *grid = dynamic_cast<const relax::GridGaussianKernel<2> *>(&k);
    return grid ? grid->n_exact_sums : 0ul;
  };

  // The W₂ pair of pot_peer.py: N((−0.2, 0), diag(0.3, 0.2)) and
  // N((0.2, 0.1), diag(0.2, 0.3)).
  const auto rho_0 = nodal(space, [](const Point<2> &x) {
    return std::exp(-0.5 * ((x[0] + 0.2) * (x[0] + 0.2) / 0.3 + x[1] * x[1] / 0.2));
  });
  const auto rho_1 = nodal(space, [](const Point<2> &x) {
    return std::exp(-0.5 * ((x[0] - 0.2) * (x[0] - 0.2) / 0.2 + (x[1] - 0.1) * (x[1] - 0.1) / 0.3));
  });

  if (mode == "kernel")
    {
      auto                  start = std::chrono::steady_clock::now();
      const auto            owned = make_kernel();
      auto &                kernel = *owned;
      const auto *          heat   = heat_steps(kernel);
      PETScWrappers::MPI::Vector log_v = space.owned_vector(), result = space.owned_vector();
      log_v = 0;
      // The first application of each side factorises its conjugated kernel.
      kernel.log_apply(0, log_v, result);
      kernel.log_apply(1, log_v, result);
      const double setup_seconds = seconds_since(start);
      const unsigned int repetitions = 5;
      start = std::chrono::steady_clock::now();
      for (unsigned int r = 0; r < repetitions; ++r)
        {
          kernel.log_apply(0, log_v, result);
          kernel.log_apply(1, log_v, result);
        }
      std::printf("{\"nodes\": %u, \"gamma\": %g, \"heat steps\": %u, \"kernel theta\": %.4g,\n"
                  " \"kernel setup and factorisations seconds\": %.4g, \"factorisations\": %u,\n"
                  " \"seconds per Sinkhorn iteration (two kernel applications)\": %.4g,"
                  " \"sums by log-sum-exp\": %lu}\n",
                  static_cast<unsigned int>(space.dof_handler().n_dofs()), gamma, heat ? heat->heat_steps() : 0u,
                  heat ? heat->theta() : 1.0, setup_seconds, heat ? heat->n_factorisations : 0u,
                  seconds_since(start) / repetitions, exact_sums(kernel));
      return 0;
    }

  auto         start         = std::chrono::steady_clock::now();
  double       setup_seconds = 0, divergence = 0, divergence_seconds = 0, w2 = 0, w2_seconds = 0;
  unsigned int w2_iterations = 0;
  if (with_w2)
    {
      const auto kernel  = make_kernel();
      setup_seconds      = seconds_since(start);
      start              = std::chrono::steady_clock::now();
      divergence         = relax::sinkhorn_divergence(*kernel, rho_0, rho_1, control, &w2_iterations);
      divergence_seconds = seconds_since(start);
      start              = std::chrono::steady_clock::now();
      w2                 = relax::wasserstein_squared(space, rho_0, rho_1, gamma, solver, control,
                                      exact ? relax::KernelMethod::exact : relax::KernelMethod::heat_steps);
      w2_seconds         = seconds_since(start);
    }

  // One JKO step of J = E[|x|²/2] + H⁻ from rho_0 (blur compensated:
  // temperature 1 − γ/(4τ)), cold start, then a warm-started second step.
  const auto f = nodal(space, [](const Point<2> &x) { return 0.5 * x.norm_square(); });
  const auto                 owned_jko_kernel = make_kernel();
  auto &                     jko_kernel       = *owned_jko_kernel;
  const auto *               jko_heat         = heat_steps(jko_kernel);
  PETScWrappers::MPI::Vector a = space.owned_vector(), b = space.owned_vector(), next = space.owned_vector();
  PETScWrappers::MPI::Vector rho(rho_0);
  rho /= jko_kernel.weights() * rho;
  start = std::chrono::steady_clock::now();
  const auto first = relax::entropic_jko_step(jko_kernel, rho, f, tau, 1 - gamma / (4 * tau), control, a, b, next);
  const double first_seconds = seconds_since(start);
  // Mean and standard deviation per axis of the first step against the
  // exact JKO step from the (discrete) moments of rho_0.
  const auto x_coordinate = nodal(space, [](const Point<2> &x) { return x[0]; });
  const auto y_coordinate = nodal(space, [](const Point<2> &x) { return x[1]; });
  const auto moments      = [&](const PETScWrappers::MPI::Vector &density, const PETScWrappers::MPI::Vector &c) {
    PETScWrappers::MPI::Vector weighted(density), squares(density);
    weighted.scale(jko_kernel.weights());
    const double mass = jko_kernel.weights() * density;
    const double mean = (weighted * c) / mass;
    squares           = c;
    squares.scale(c);
    return std::array<double, 2>{{mean, std::sqrt((weighted * squares) / mass - mean * mean)}};
  };
  double step_error = 0;
  for (const auto *c : {&x_coordinate, &y_coordinate})
    {
      const auto   before = moments(rho, *c), after = moments(next, *c);
      const double m = before[0] / (1 + tau);
      const double A = 1 + 1 / tau, B = -before[1] / tau;
      const double s = (-B + std::sqrt(B * B + 4 * A)) / (2 * A);
      step_error     = std::max({step_error, std::abs(after[0] - m), std::abs(after[1] - s)});
    }
  rho   = next;
  const unsigned long solves_before = jko_heat ? jko_heat->n_solves : 0;
  const unsigned int factorisations_before = jko_heat ? jko_heat->n_factorisations : 0;
  start = std::chrono::steady_clock::now();
  const auto second = relax::entropic_jko_step(jko_kernel, rho, f, tau, 1 - gamma / (4 * tau), control, a, b, next);
  const double second_seconds = seconds_since(start);

  std::printf("{\"nodes\": %u, \"gamma\": %g, \"heat steps\": %u, \"tau\": %g,\n"
              " \"kernel setup seconds\": %.4g,\n"
              " \"divergence\": %.10g, \"divergence seconds\": %.4g, \"divergence iterations\": %u,\n"
              " \"W2 squared (wasserstein_squared)\": %.10g, \"W2 squared exact\": %.10g, \"W2 seconds\": %.4g,\n"
              " \"first JKO step seconds\": %.4g, \"first JKO step iterations\": %u,\n"
              " \"first JKO step: largest error of a mean or standard deviation\": %.3g,\n"
              " \"kernel theta\": %.4g,\n"
              " \"JKO step seconds\": %.4g, \"JKO step iterations\": %u, \"JKO step factorisations\": %u,"
              " \"JKO step solves\": %lu, \"sums by log-sum-exp\": %lu}\n",
              static_cast<unsigned int>(space.dof_handler().n_dofs()), gamma, L, tau, setup_seconds,
              divergence, divergence_seconds, w2_iterations, w2,
              0.4 * 0.4 + 0.1 * 0.1 + 2 * std::pow(std::sqrt(0.3) - std::sqrt(0.2), 2), w2_seconds, first_seconds,
              first.iterations, step_error, jko_heat ? jko_heat->theta() : 1.0, second_seconds, second.iterations,
              jko_heat ? jko_heat->n_factorisations - factorisations_before : 0u,
              jko_heat ? jko_heat->n_solves - solves_before : 0ul, exact_sums(jko_kernel));
  return 0;
}
