// Solver `heat`: u_t = κ Δu with zero flux on boxes (periodic on tori), from
// a Gaussian, compared at every step with the exact Gaussian solution. It is
// the first user of the shared time loop and of checkpoint/resume.
#include <deal.II/base/function.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/petsc_precondition.h>
#include <deal.II/lac/petsc_solver.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "solvers/common/checkpoint.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/field_output.h"
#include "solvers/common/json.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/common/time_loop.h"
#include "solvers/common/vector_tools.h"
#include "solvers/solver.h"

#include <cmath>
#include <iostream>

namespace relax
{
  namespace
  {
    using namespace dealii;

    void
    declare_heat_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("diffusivity",
                        "0.1",
                        Patterns::Double(0),
                        "κ > 0 in u_t = κ Δu (length² per unit time).");
      prm.declare_entry("initial mean",
                        "0",
                        Patterns::Anything(),
                        "Centre m of the initial Gaussian: one number for "
                        "every coordinate, or one per coordinate.");
      prm.declare_entry("initial standard deviation",
                        "0.2",
                        Patterns::Double(0),
                        "s₀ > 0 of the initial Gaussian N(m, s₀² I) (a "
                        "density of unit mass on R^d). The exact solution is "
                        "N(m, (s₀² + 2κt) I); on a torus, its periodic sum.");
      prm.declare_entry("damped start steps",
                        "2",
                        Patterns::Integer(0),
                        "Crank–Nicolson after this many backward-Euler steps "
                        "(Rannacher's damped start, against the oscillations "
                        "of rough initial data).");
      LinearSolverParameters::declare_parameters(prm, "direct");
    }

    /// The Gaussian N(m, (s₀² + 2κt) I), summed over periodic images.
    template <int dim>
    class ExactHeatSolution : public Function<dim>
    {
    public:
      ExactHeatSolution(const Tensor<1, dim> &mean,
                        const double          s0,
                        const double          kappa,
                        const Domain<dim> &   domain)
        : mean(mean)
        , s0(s0)
        , kappa(kappa)
        , domain(domain)
      {}

      double
      value(const Point<dim> &x, const unsigned int = 0) const override
      {
        const double variance = s0 * s0 + 2 * kappa * this->get_time();
        double       product  = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const double length = domain.upper[d] - domain.lower[d];
            const int    images = domain.periodic[d] ? 3 : 0;
            double       sum    = 0;
            for (int k = -images; k <= images; ++k)
              {
                const double r = x[d] - mean[d] + k * length;
                sum += std::exp(-r * r / (2 * variance));
              }
            product *= sum / std::sqrt(2 * M_PI * variance);
          }
        return product;
      }

    private:
      const Tensor<1, dim> mean;
      const double         s0;
      const double         kappa;
      const Domain<dim>    domain;
    };

    template <int dim>
    class HeatProblem : public TimeDependentProblem
    {
    public:
      explicit HeatProblem(RunContext &context);

      void
      run();

      void
      set_initial_condition() override;
      void
      advance(double time, double time_step) override;
      Diagnostics::Row
      diagnostics(double time) override;
      void
      output_fields(FieldOutput &output, double time, unsigned int index) override;
      void
      save_state(const std::string &prefix) override;
      void
      load_state(const std::string &prefix) override;

    private:
      /// Vectors, the stiffness matrix and the stepper on a new space.
      void
      setup_system();
      double
      l2_error(double time);

      RunContext &                      context;
      MPI_Comm                          comm;
      MeshParameters                    mesh;
      TimeParameters                    time_parameters;
      double                            kappa;
      Tensor<1, dim>                    mean;
      double                            s0;
      unsigned int                      damped_steps;
      LinearSolverParameters            linear_solver;
      std::unique_ptr<Landscape<dim>>   landscape;
      std::unique_ptr<ScalarSpace<dim>> space;

      PETScWrappers::MPI::SparseMatrix stiffness;      // κ ∫∇φ_i·∇φ_j
      PETScWrappers::MPI::Vector       solution;       // with ghosts
      PETScWrappers::MPI::Vector       owned_solution; // without
      std::unique_ptr<ThetaStepper>    stepper;
      unsigned int                     steps_done      = 0;
      unsigned int                     last_iterations = 0;
      double                           initial_mass    = 0;
    };

    template <int dim>
    HeatProblem<dim>::HeatProblem(RunContext &context)
      : context(context)
      , comm(context.folder.communicator())
    {
      ParameterHandler &prm = context.prm;
      mesh.parse_parameters(prm);
      time_parameters.parse_parameters(prm);
      prm.enter_subsection("heat");
      kappa = prm.get_double("diffusivity");
      const std::vector<double> m =
        parse_numbers(prm.get("initial mean"), "/heat/initial mean");
      if (m.size() != 1 && m.size() != dim)
        throw InputError("/heat/initial mean",
                         "give 1 or " + std::to_string(dim) + " numbers");
      for (unsigned int d = 0; d < dim; ++d)
        mean[d] = m.size() == 1 ? m[0] : m[d];
      s0           = prm.get_double("initial standard deviation");
      damped_steps = prm.get_integer("damped start steps");
      linear_solver.parse_parameters(prm);
      prm.leave_subsection();
      if (!(kappa > 0))
        throw InputError("/heat/diffusivity", "must be positive");
      if (!(s0 > 0))
        throw InputError("/heat/initial standard deviation", "must be positive");
      landscape = create_landscape<dim>(prm);
      space     = std::make_unique<ScalarSpace<dim>>(comm, landscape->domain(), mesh.degree);
    }

    template <int dim>
    void
    HeatProblem<dim>::setup_system()
    {
      solution       = space->ghosted_vector();
      owned_solution = space->owned_vector();
      space->assemble_laplace(stiffness, kappa);
      stepper = std::make_unique<ThetaStepper>(space->mass(), stiffness, linear_solver, true, comm);
    }

    template <int dim>
    void
    HeatProblem<dim>::set_initial_condition()
    {
      space->create(mesh.refinement);
      check_diffusion(*landscape, space->triangulation(), "/Landscape");
      setup_system();
      ExactHeatSolution<dim> exact(mean, s0, kappa, space->domain());
      exact.set_time(0);
      VectorTools::interpolate(space->dof_handler(), exact, owned_solution);
      space->constraints().distribute(owned_solution);
      solution     = owned_solution;
      steps_done   = 0;
      initial_mass = space->integrals() * owned_solution;
    }

    template <int dim>
    void
    HeatProblem<dim>::advance(const double, const double time_step)
    {
      // Crank–Nicolson after the damped (backward Euler) start.
      const double theta = steps_done < damped_steps ? 1.0 : 0.5;
      last_iterations    = stepper->step(owned_solution, time_step, theta);
      space->constraints().distribute(owned_solution);
      solution = owned_solution;
      ++steps_done;
    }

    template <int dim>
    double
    HeatProblem<dim>::l2_error(const double time)
    {
      ExactHeatSolution<dim> exact(mean, s0, kappa, space->domain());
      exact.set_time(time);
      Vector<double> cell_errors(space->triangulation().n_active_cells());
      VectorTools::integrate_difference(space->dof_handler(),
                                        solution,
                                        exact,
                                        cell_errors,
                                        QGauss<dim>(space->fe().degree + 2),
                                        VectorTools::L2_norm);
      return VectorTools::compute_global_error(space->triangulation(),
                                               cell_errors,
                                               VectorTools::L2_norm);
    }

    template <int dim>
    Diagnostics::Row
    HeatProblem<dim>::diagnostics(const double time)
    {
      const double total = space->integrals() * owned_solution;
      return {{"mass", total},
              {"mass drift", (total - initial_mass) / initial_mass},
              {"min u", global_min(owned_solution).value},
              {"max u", global_max(owned_solution).value},
              {"L2 error", l2_error(time)},
              {"linear iterations", double(last_iterations)}};
    }

    template <int dim>
    void
    HeatProblem<dim>::output_fields(FieldOutput &output, const double time, const unsigned int index)
    {
      ExactHeatSolution<dim> exact(mean, s0, kappa, space->domain());
      exact.set_time(time);
      PETScWrappers::MPI::Vector error_owned = space->owned_vector();
      VectorTools::interpolate(space->dof_handler(), exact, error_owned);
      error_owned.sadd(-1, 1, owned_solution);
      PETScWrappers::MPI::Vector error = space->ghosted_vector();
      error = error_owned;

      DataOut<dim> data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(solution, "u");
      data_out.add_data_vector(error, "error");
      output.write(data_out, mesh.degree, time, index);
    }

    template <int dim>
    void
    HeatProblem<dim>::save_state(const std::string &prefix)
    {
      save_mesh_and_vectors(space->dof_handler(), {&solution}, prefix);
      if (context.folder.is_root())
        write_file_atomically(prefix + ".heat",
                              std::to_string(steps_done) + " " +
                                shortest_round_trip(initial_mass) + "\n");
    }

    template <int dim>
    void
    HeatProblem<dim>::load_state(const std::string &prefix)
    {
      space->load(prefix);
      setup_system();
      load_vectors(space->dof_handler(), {&owned_solution}, prefix);
      space->constraints().distribute(owned_solution);
      solution = owned_solution;
      std::istringstream state(read_file(prefix + ".heat"));
      state >> steps_done >> initial_mass;
    }

    template <int dim>
    void
    HeatProblem<dim>::run()
    {
      std::ostringstream parameters;
      context.prm.print_parameters(parameters, ParameterHandler::ShortPRM);
      TimeLoop loop(time_parameters, context.folder, "heat", parameters.str());
      const Diagnostics &table = loop.run(*this, context.resume);

      Json summary = Json::object();
      summary.set("solver", "heat")
        .set("dimension", dim)
        .set("cells", space->triangulation().n_global_active_cells())
        .set("dofs", space->dof_handler().n_dofs())
        .set("h", space->mesh_size())
        .set("degree", mesh.degree)
        .set("steps", loop.n_steps())
        .set("final time", table.last("time"))
        .set("mass", table.last("mass"))
        .set("mass drift", table.last("mass drift"))
        .set("min u", table.last("min u"))
        .set("L2 error", table.last("L2 error"));
      // (Already relative to the initial mass.)
      const double largest_drift = std::max(std::abs(table.largest("mass drift")), std::abs(table.smallest("mass drift")));
      context.folder.trust().at_most("largest relative mass drift", largest_drift, 1e-9,
                                     "mass must be conserved: lower `linear solver tolerance`");
      context.folder.finish(summary);
      if (context.folder.is_root())
        std::cout << "  " << space->dof_handler().n_dofs() << " DoFs, " << loop.n_steps()
                  << " steps to t = " << table.last("time")
                  << ": L2 error " << table.last("L2 error") << ", mass drift "
                  << table.last("mass drift") << std::endl;
    }

    template <int dim>
    void
    run_heat(RunContext &context)
    {
      HeatProblem<dim> problem(context);
      problem.run();
    }
  } // namespace

  RELAX_REGISTER_SOLVER(run_heat,
                        "heat",
                        "u_t = κΔu from a Gaussian on the landscape's domain "
                        "(zero flux on boxes, periodic on tori), Crank–Nicolson "
                        "in time, with the L2 error against the exact Gaussian "
                        "solution at every step.",
                        &declare_heat_parameters,
                        true)
} // namespace relax
