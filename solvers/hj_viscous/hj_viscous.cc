// Solver `hj-viscous`: the viscous Hamilton–Jacobi equation of local
// entropy, u_t = −½|∇u|² + (ε/2)Δu, u(·,0) = f, up to t = γ (SCIENCE.md §2),
// by two independent routes that check each other:
//  - `newton`: Crank–Nicolson on the nonlinear weak form, Newton's method
//    with the exact Jacobian and a backtracking line search;
//  - `cole-hopf`: v = exp(−(u − min f)/ε) solves the heat equation
//    v_t = (ε/2)Δv; u = min f − ε log v. Shifting by min f keeps v = 1 at
//    the minimum, so v does not underflow where it matters; where
//    f − min f > 690 ε it does, and u is capped there (reported).
// Boundary: periodic on tori. On boxes the natural condition ∇u·n = 0 (for
// both routes: ∇v·n = 0 is the same condition); it differs from the
// whole-space solution near the boundary, and tests/regression measure how
// far inside that is felt.
#include <deal.II/base/function_parser.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/timer.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
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
    declare_hj_viscous_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("method",
                        "newton",
                        Patterns::Selection("newton|cole-hopf"),
                        "newton: Crank–Nicolson on u with Newton's method; "
                        "cole-hopf: the heat equation for v = exp(−(u − min f)/ε).");
      prm.declare_entry("viscosity",
                        "0.1",
                        Patterns::Double(0),
                        "ε > 0 in u_t = −½|∇u|² + (ε/2)Δu (the temperature β⁻¹ "
                        "of local entropy; same units as f).");
      prm.declare_entry("damped start steps",
                        "2",
                        Patterns::Integer(0),
                        "Backward Euler steps before Crank–Nicolson.");
      prm.declare_entry("newton tolerance",
                        "1e-10",
                        Patterns::Double(0),
                        "Newton stops when the residual is below this fraction "
                        "of |M uⁿ|/Δt.");
      prm.declare_entry("newton iterations",
                        "25",
                        Patterns::Integer(1),
                        "At most this many Newton iterations per step; more is "
                        "an error that names the step.");
      LinearSolverParameters::declare_parameters(prm, "direct");
      prm.declare_entry("probe points",
                        "",
                        Patterns::Anything(),
                        "Points 'x1, y1; x2, y2; ...' where diagnostics.csv and "
                        "summary.json give u, the optimal control ∇u, and the "
                        "local-entropy gradient (x − ⟨y⟩)/t with ⟨y⟩ the mean of "
                        "the Gibbs measure ∝ exp(−f(y)/ε − |x − y|²/(2εt)) by "
                        "quadrature on the mesh.");
      prm.declare_entry("reference solution",
                        "",
                        Patterns::Anything(),
                        "A closed form of u(x, t) (muParser, x, y, z, t); when "
                        "given, the L2 error against it over the cells at least "
                        "`error margin` from the boundary, and at the probes.");
      prm.declare_entry("reference constants",
                        "",
                        Patterns::Anything(),
                        "Named constants for the reference, 'a=1, b=2'.");
      prm.declare_entry("error margin",
                        "0",
                        Patterns::Double(0),
                        "The L2 error leaves out cells whose centre is closer "
                        "than this to a boundary that is not periodic.");
    }

    /// ∇u and u − f from u.
    template <int dim>
    class ControlFields : public DataPostprocessor<dim>
    {
    public:
      explicit ControlFields(const Landscape<dim> &landscape)
        : landscape(landscape)
      {}

      void
      evaluate_scalar_field(const DataPostprocessorInputs::Scalar<dim> &inputs,
                            std::vector<Vector<double>> &computed) const override
      {
        for (unsigned int q = 0; q < inputs.evaluation_points.size(); ++q)
          {
            for (unsigned int d = 0; d < dim; ++d)
              computed[q][d] = inputs.solution_gradients[q][d];
            computed[q][dim] =
              inputs.solution_values[q] - landscape.value(inputs.evaluation_points[q]);
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names(dim, "grad_u");
        names.push_back("u_minus_f");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        std::vector<DataComponentInterpretation::DataComponentInterpretation> kinds(
          dim, DataComponentInterpretation::component_is_part_of_vector);
        kinds.push_back(DataComponentInterpretation::component_is_scalar);
        return kinds;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_values | update_gradients | update_quadrature_points;
      }

    private:
      const Landscape<dim> &landscape;
    };

    template <int dim>
    class HJViscousProblem : public TimeDependentProblem
    {
    public:
      explicit HJViscousProblem(RunContext &context);

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
      void
      setup_system();
      /// u (with ghosts) from the state: the state itself (newton), or
      /// m − ε log v (cole-hopf).
      void
      update_u();
      void
      newton_step(double time, double time_step, double theta);
      /// N(w)_i = ∫ ½|∇w|² φ_i + (ε/2)∇w·∇φ_i, and with `jacobian` its
      /// derivative scaled by `jacobian_factor` plus M/Δt.
      void
      assemble_nonlinear(const PETScWrappers::MPI::Vector &w,
                         PETScWrappers::MPI::Vector &      residual_part,
                         PETScWrappers::MPI::SparseMatrix *jacobian,
                         double                            jacobian_factor,
                         double                            time_step);
      /// The mean ⟨y⟩ of the Gibbs measure ∝ exp(−f(y)/ε − |x−y|²/(2εt)).
      Point<dim>
      gibbs_mean(const Point<dim> &x, double time) const;
      double
      interior_l2_error(double time) const;

      RunContext &                      context;
      MPI_Comm                          comm;
      MeshParameters                    mesh;
      TimeParameters                    time_parameters;
      LinearSolverParameters            linear_solver;
      std::string                       method;
      double                            epsilon;
      unsigned int                      damped_steps;
      double                            newton_tolerance;
      unsigned int                      newton_iterations;
      double                            error_margin;
      std::vector<Point<dim>>           probes;
      std::unique_ptr<FunctionParser<dim>> reference;
      std::unique_ptr<Landscape<dim>>   landscape;
      std::unique_ptr<ScalarSpace<dim>> space;

      PETScWrappers::MPI::SparseMatrix diffusion; // (ε/2)∫∇φ_i·∇φ_j
      PETScWrappers::MPI::Vector       state;     // owned: u (newton) or v
      PETScWrappers::MPI::Vector       u;         // with ghosts
      std::unique_ptr<ThetaStepper>    stepper;   // cole-hopf
      // newton: one Jacobian matrix and solver for the whole run, so that
      // the factorisation's analysis (its pattern) is done once.
      PETScWrappers::MPI::SparseMatrix jacobian;
      std::unique_ptr<LinearSolver>    jacobian_solver;
      std::vector<double>              f_at_quadrature;
      double                           f_min          = 0;
      unsigned int                     steps_done     = 0;
      unsigned int                     last_iterations = 0;
      unsigned int                     total_newton    = 0;
      unsigned int                     capped_nodes    = 0; // v underflowed: 0 ≤ v < 1e-300
      unsigned int                     negative_nodes  = 0; // v < 0: the heat step oscillated
      double                           lowest_v        = 0; // v = 1 where f is lowest
      // Wall time of the steps of this process's run (not resumed ones).
      double       step_seconds = 0;
      unsigned int timed_steps  = 0;
    };

    template <int dim>
    HJViscousProblem<dim>::HJViscousProblem(RunContext &context)
      : context(context)
      , comm(context.folder.communicator())
    {
      ParameterHandler &prm = context.prm;
      mesh.parse_parameters(prm);
      time_parameters.parse_parameters(prm);
      landscape = create_landscape<dim>(prm);
      space     = std::make_unique<ScalarSpace<dim>>(comm, landscape->domain(), mesh.degree);
      prm.enter_subsection("hj-viscous");
      method            = prm.get("method");
      epsilon           = prm.get_double("viscosity");
      damped_steps      = prm.get_integer("damped start steps");
      newton_tolerance  = prm.get_double("newton tolerance");
      newton_iterations = prm.get_integer("newton iterations");
      error_margin      = prm.get_double("error margin");
      linear_solver.parse_parameters(prm);
      const std::string probe_text = Utilities::trim(prm.get("probe points"));
      if (!probe_text.empty())
        for (const std::string &point : Utilities::split_string_list(probe_text, ';'))
          probes.emplace_back(parse_vector<dim>(point, "/hj-viscous/probe points"));
      const std::string expression = Utilities::trim(prm.get("reference solution"));
      if (!expression.empty())
        {
          reference = parse_expression<dim>(expression,
                                            parse_constants(prm.get("reference constants"),
                                                            "/hj-viscous/reference constants"),
                                            true,
                                            "/hj-viscous/reference solution");
        }
      prm.leave_subsection();
      if (!(epsilon > 0))
        throw InputError("/hj-viscous/viscosity", "must be positive");
    }

    template <int dim>
    void
    HJViscousProblem<dim>::setup_system()
    {
      state = space->owned_vector();
      u     = space->ghosted_vector();
      space->assemble_laplace(diffusion, epsilon / 2);
      if (method == "cole-hopf")
        stepper = std::make_unique<ThetaStepper>(space->mass(), diffusion, linear_solver, true, comm);
      else
        {
          space->reinit(jacobian);
          jacobian_solver = std::make_unique<LinearSolver>(linear_solver, false, comm);
        }
      f_at_quadrature = landscape_at_quadrature_points(space->dof_handler(), *landscape);
    }

    template <int dim>
    void
    HJViscousProblem<dim>::update_u()
    {
      if (method == "newton")
        {
          u = state;
          return;
        }
      // u = m − ε log v; v below 1e-300 (f − m > 690ε) has underflowed.
      PETScWrappers::MPI::Vector owned_u = space->owned_vector();
      // Negative v is told apart from underflow: it is not a value too
      // small to represent but a heat step that oscillated.
      unsigned int               capped = 0, negative = 0;
      lowest_v = std::numeric_limits<double>::max();
      for (const auto i : space->owned())
        {
          const double v = state(i);
          lowest_v = std::min(lowest_v, v);
          capped += (v >= 0 && v < 1e-300) ? 1 : 0;
          negative += v < 0 ? 1 : 0;
          owned_u(i) = f_min - epsilon * std::log(std::max(v, 1e-300));
        }
      owned_u.compress(VectorOperation::insert);
      capped_nodes   = Utilities::MPI::sum(capped, comm);
      lowest_v       = Utilities::MPI::min(lowest_v, comm);
      negative_nodes = Utilities::MPI::sum(negative, comm);
      u            = owned_u;
    }

    template <int dim>
    void
    HJViscousProblem<dim>::set_initial_condition()
    {
      space->create(mesh.refinement);
      setup_system();
      const PETScWrappers::MPI::Vector f = space->landscape_nodal(*landscape);
      f_min = global_min(f).value;
      if (method == "newton")
        state = f;
      else
        {
          for (const auto i : space->owned())
            state(i) = std::exp(-(f(i) - f_min) / epsilon);
          state.compress(VectorOperation::insert);
        }
      space->constraints().distribute(state);
      update_u();
      steps_done = 0;
    }

    template <int dim>
    void
    HJViscousProblem<dim>::assemble_nonlinear(const PETScWrappers::MPI::Vector &w,
                                              PETScWrappers::MPI::Vector &      residual_part,
                                              PETScWrappers::MPI::SparseMatrix *jacobian,
                                              const double                      jacobian_factor,
                                              const double                      time_step)
    {
      const auto &       fe = space->fe();
      const QGauss<dim>  quadrature(fe.degree + 1);
      FEValues<dim>      fe_values(fe, quadrature,
                              update_values | update_gradients | update_JxW_values);
      const unsigned int n = fe.n_dofs_per_cell();
      Vector<double>     cell_residual(n);
      FullMatrix<double> cell_matrix(n, n);
      std::vector<Tensor<1, dim>>          gradients(quadrature.size());
      std::vector<types::global_dof_index> indices(n);
      // φ_j, ∇φ_j and ∇w·∇φ_j at one quadrature point.
      std::vector<double>         phi(n), transported(n);
      std::vector<Tensor<1, dim>> grad_phi(n);
      residual_part = 0;
      if (jacobian)
        *jacobian = 0;
      for (const auto &cell : space->dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            fe_values.get_function_gradients(w, gradients);
            cell_residual = 0;
            cell_matrix   = 0;
            for (const unsigned int q : fe_values.quadrature_point_indices())
              {
                const double JxW = fe_values.JxW(q);
                for (unsigned int j = 0; j < n; ++j)
                  {
                    phi[j]          = fe_values.shape_value(j, q);
                    grad_phi[j]     = fe_values.shape_grad(j, q);
                    transported[j]  = gradients[q] * grad_phi[j];
                  }
                for (unsigned int i = 0; i < n; ++i)
                  {
                    cell_residual(i) +=
                      (0.5 * gradients[q].norm_square() * phi[i] + epsilon / 2 * transported[i]) * JxW;
                    if (jacobian)
                      for (unsigned int j = 0; j < n; ++j)
                        cell_matrix(i, j) += (phi[i] * phi[j] / time_step +
                                              jacobian_factor * (transported[j] * phi[i] +
                                                                 epsilon / 2 * (grad_phi[j] * grad_phi[i]))) *
                                             JxW;
                  }
              }
            cell->get_dof_indices(indices);
            if (jacobian)
              space->constraints().distribute_local_to_global(cell_matrix, cell_residual, indices,
                                                              *jacobian, residual_part);
            else
              space->constraints().distribute_local_to_global(cell_residual, indices, residual_part);
          }
      residual_part.compress(VectorOperation::add);
      if (jacobian)
        jacobian->compress(VectorOperation::add);
    }

    template <int dim>
    void
    HJViscousProblem<dim>::newton_step(const double time, const double time_step, const double theta)
    {
      // R(w) = M(w − uⁿ)/Δt + θ N(w) + (1 − θ) N(uⁿ) = 0.
      PETScWrappers::MPI::Vector old_part = space->owned_vector();
      assemble_nonlinear(u, old_part, nullptr, 0, time_step);
      PETScWrappers::MPI::Vector fixed = space->owned_vector(), scratch = space->owned_vector();
      space->mass().vmult(fixed, state);
      const double scale = fixed.l2_norm() / time_step;
      fixed /= -time_step;
      fixed.add(1 - theta, old_part); // −M uⁿ/Δt + (1−θ)N(uⁿ)

      PETScWrappers::MPI::Vector w = state, w_ghosted = space->ghosted_vector();
      const auto residual = [&](const PETScWrappers::MPI::Vector &iterate,
                                PETScWrappers::MPI::SparseMatrix *matrix) {
        w_ghosted = iterate;
        PETScWrappers::MPI::Vector result = space->owned_vector();
        assemble_nonlinear(w_ghosted, result, matrix, theta, time_step);
        result *= theta;
        space->mass().vmult(scratch, iterate);
        result.add(1.0 / time_step, scratch);
        result += fixed;
        // Rows of constrained DoFs carry no equation.
        for (const auto &line : space->constraints().get_lines())
          if (space->owned().is_element(line.index))
            result(line.index) = 0;
        result.compress(VectorOperation::insert);
        return result;
      };

      PETScWrappers::MPI::Vector r = residual(w, &jacobian);
      double                     norm = r.l2_norm();
      unsigned int               iteration = 0;
      for (; iteration < newton_iterations && norm > newton_tolerance * scale; ++iteration)
        {
          PETScWrappers::MPI::Vector update = space->owned_vector();
          r *= -1;
          jacobian_solver->set_matrix(jacobian);
          jacobian_solver->solve(update, r);
          space->constraints().set_zero(update);
          // Backtracking: halve the step until the residual falls.
          double step = 1;
          for (unsigned int halving = 0; halving < 12; ++halving, step /= 2)
            {
              PETScWrappers::MPI::Vector trial = w;
              trial.add(step, update);
              space->constraints().distribute(trial);
              const PETScWrappers::MPI::Vector trial_residual = residual(trial, nullptr);
              if (trial_residual.l2_norm() < (1 - 1e-4 * step) * norm || halving == 11)
                {
                  w    = trial;
                  break;
                }
            }
          r    = residual(w, &jacobian);
          norm = r.l2_norm();
        }
      if (!(norm <= newton_tolerance * scale))
        throw std::runtime_error("Newton's method did not converge in the step from t = " +
                                 std::to_string(time) + " (residual " + std::to_string(norm / scale) +
                                 " of |M u|/Δt after " + std::to_string(iteration) +
                                 " iterations); try a smaller time step");
      state           = w;
      last_iterations = iteration;
      total_newton += iteration;
    }

    template <int dim>
    void
    HJViscousProblem<dim>::advance(const double time, const double time_step)
    {
      const double theta = steps_done < damped_steps ? 1.0 : 0.5;
      const Timer  timer(comm);
      if (method == "newton")
        newton_step(time, time_step, theta);
      else
        last_iterations = stepper->step(state, time_step, theta);
      space->constraints().distribute(state);
      if (!std::isfinite(state.l2_norm()))
        throw std::runtime_error("the solution became NaN or infinite in the step from t = " +
                                 std::to_string(time));
      update_u();
      ++steps_done;
      step_seconds += timer.wall_time();
      ++timed_steps;
    }

    template <int dim>
    Point<dim>
    HJViscousProblem<dim>::gibbs_mean(const Point<dim> &x, const double time) const
    {
      // exp(−E) with E = f(y)/ε + |x−y|²/(2εt), shifted by the smallest E
      // (over all ranks) so that nothing underflows where the mass is.
      const auto &      fe = space->fe();
      const QGauss<dim> quadrature(fe.degree + 2);
      FEValues<dim>     fe_values(fe, quadrature, update_quadrature_points | update_JxW_values);
      const auto        exponent = [&](const Point<dim> &y, const double f) {
        return f / epsilon + (x - y).norm_square() / (2 * epsilon * time);
      };
      double      smallest = std::numeric_limits<double>::max();
      std::size_t k        = 0;
      for (const auto &cell : space->dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            for (unsigned int q = 0; q < quadrature.size(); ++q)
              smallest = std::min(smallest, exponent(fe_values.quadrature_point(q), f_at_quadrature[k++]));
          }
      smallest = Utilities::MPI::min(smallest, comm);
      std::vector<double> sums(dim + 1, 0.0);
      k = 0;
      for (const auto &cell : space->dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            for (unsigned int q = 0; q < quadrature.size(); ++q)
              {
                const Point<dim> &y = fe_values.quadrature_point(q);
                const double      w =
                  std::exp(smallest - exponent(y, f_at_quadrature[k++])) * fe_values.JxW(q);
                sums[0] += w;
                for (unsigned int d = 0; d < dim; ++d)
                  sums[1 + d] += w * y[d];
              }
          }
      Utilities::MPI::sum(sums, comm, sums);
      Point<dim> mean;
      for (unsigned int d = 0; d < dim; ++d)
        mean[d] = sums[1 + d] / sums[0];
      return mean;
    }

    template <int dim>
    double
    HJViscousProblem<dim>::interior_l2_error(const double time) const
    {
      reference->set_time(time);
      const auto &      fe = space->fe();
      const QGauss<dim> quadrature(fe.degree + 2);
      FEValues<dim>     fe_values(fe, quadrature,
                              update_values | update_quadrature_points | update_JxW_values);
      std::vector<double> values(quadrature.size());
      const Domain<dim> & box = space->domain();
      double              sum = 0;
      for (const auto &cell : space->dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            const Point<dim> c      = cell->center();
            bool             inside = true;
            for (unsigned int d = 0; d < dim; ++d)
              if (!box.periodic[d])
                inside &= c[d] - box.lower[d] >= error_margin && box.upper[d] - c[d] >= error_margin;
            if (!inside)
              continue;
            fe_values.reinit(cell);
            fe_values.get_function_values(u, values);
            for (unsigned int q = 0; q < quadrature.size(); ++q)
              {
                const double e = values[q] - reference->value(fe_values.quadrature_point(q));
                sum += e * e * fe_values.JxW(q);
              }
          }
      return std::sqrt(Utilities::MPI::sum(sum, comm));
    }

    template <int dim>
    Diagnostics::Row
    HJViscousProblem<dim>::diagnostics(const double time)
    {
      PETScWrappers::MPI::Vector owned_u = space->owned_vector();
      owned_u                            = u;
      const Extremum   smallest          = global_min(owned_u);
      const Point<dim> where             = space->support_point(smallest.index);
      const char *     axes              = "xyz";
      Diagnostics::Row row               = {{"min u", smallest.value}};
      for (unsigned int d = 0; d < dim; ++d)
        row.emplace_back(std::string("argmin u ") + axes[d], where[d]);
      if (reference)
        row.emplace_back("reference L2 error", interior_l2_error(time));
      for (unsigned int p = 0; p < probes.size(); ++p)
        {
          const std::string name          = "probe " + std::to_string(p + 1) + " ";
          const auto [value, gradient]    = evaluate_at_point(space->dof_handler(), u, probes[p]);
          row.emplace_back(name + "u", value);
          if (reference)
            {
              reference->set_time(time);
              row.emplace_back(name + "error", value - reference->value(probes[p]));
            }
          const Point<dim> mean = time > 0 ? gibbs_mean(probes[p], time) : probes[p];
          for (unsigned int d = 0; d < dim; ++d)
            row.emplace_back(name + "grad u " + axes[d], gradient[d]);
          for (unsigned int d = 0; d < dim; ++d)
            row.emplace_back(name + "gibbs grad " + axes[d],
                             time > 0 ? (probes[p][d] - mean[d]) / time :
                                        std::numeric_limits<double>::quiet_NaN());
        }
      row.emplace_back("capped nodes", double(capped_nodes));
      row.emplace_back("negative v nodes", double(negative_nodes));
      row.emplace_back("min v", method == "newton" ? std::numeric_limits<double>::quiet_NaN() : lowest_v);
      row.emplace_back("iterations", double(last_iterations));
      return row;
    }

    template <int dim>
    void
    HJViscousProblem<dim>::output_fields(FieldOutput &output, const double time, const unsigned int index)
    {
      ControlFields<dim> control(*landscape);
      DataOut<dim>       data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(u, "u");
      data_out.add_data_vector(u, control);
      output.write(data_out, mesh.degree, time, index);
    }

    template <int dim>
    void
    HJViscousProblem<dim>::save_state(const std::string &prefix)
    {
      PETScWrappers::MPI::Vector ghosted = space->ghosted_vector();
      ghosted                            = state;
      save_mesh_and_vectors(space->dof_handler(), {&ghosted}, prefix);
      if (context.folder.is_root())
        write_file_atomically(prefix + ".hj_viscous",
                              std::to_string(steps_done) + " " + shortest_round_trip(f_min) + " " +
                                std::to_string(total_newton) + "\n");
    }

    template <int dim>
    void
    HJViscousProblem<dim>::load_state(const std::string &prefix)
    {
      space->load(prefix);
      setup_system();
      load_vectors(space->dof_handler(), {&state}, prefix);
      space->constraints().distribute(state);
      std::istringstream saved(read_file(prefix + ".hj_viscous"));
      saved >> steps_done >> f_min >> total_newton;
      update_u();
    }

    template <int dim>
    void
    HJViscousProblem<dim>::run()
    {
      std::ostringstream parameters;
      context.prm.print_parameters(parameters, ParameterHandler::ShortPRM);
      TimeLoop           loop(time_parameters, context.folder, "hj_viscous", parameters.str());
      const Diagnostics &table = loop.run(*this, context.resume);

      // Where the minimiser of u(·, t) jumps (from sharp to wide minima,
      // SCIENCE.md §2): consecutive steps whose argmin is more than a
      // tenth of the box's diagonal apart.
      const char *                     axes = "xyz";
      std::vector<std::vector<double>> argmin(dim);
      for (unsigned int d = 0; d < dim; ++d)
        argmin[d] = table.column(std::string("argmin u ") + axes[d]);
      const auto   times    = table.column("time");
      const double diagonal = space->domain().lower.distance(space->domain().upper);
      Json         jumps    = Json::array();
      for (std::size_t n = 1; n < times.size(); ++n)
        {
          double distance2 = 0;
          for (unsigned int d = 0; d < dim; ++d)
            distance2 += std::pow(argmin[d][n] - argmin[d][n - 1], 2);
          if (std::sqrt(distance2) > 0.1 * diagonal)
            {
              std::vector<double> from(dim), to(dim);
              for (unsigned int d = 0; d < dim; ++d)
                {
                  from[d] = argmin[d][n - 1];
                  to[d]   = argmin[d][n];
                }
              jumps.push(Json::object()
                           .set("time", 0.5 * (times[n - 1] + times[n]))
                           .set("from", from)
                           .set("to", to));
            }
        }
      std::vector<double> final_argmin(dim);
      for (unsigned int d = 0; d < dim; ++d)
        final_argmin[d] = argmin[d].back();

      Json probe_list = Json::array();
      for (unsigned int p = 0; p < probes.size(); ++p)
        {
          const std::string   name = "probe " + std::to_string(p + 1) + " ";
          std::vector<double> x(dim), grad(dim), gibbs(dim);
          for (unsigned int d = 0; d < dim; ++d)
            {
              x[d]     = probes[p][d];
              grad[d]  = table.last(name + "grad u " + axes[d]);
              gibbs[d] = table.last(name + "gibbs grad " + axes[d]);
            }
          Json probe = Json::object().set("x", x).set("u", table.last(name + "u")).set("grad u", grad)
                         .set("gibbs grad", gibbs);
          if (reference)
            probe.set("error", table.last(name + "error"))
              .set("abs error", std::abs(table.last(name + "error")));
          probe_list.push(probe);
        }

      Json summary = Json::object();
      summary.set("solver", "hj-viscous")
        .set("method", method)
        .set("landscape", landscape_name(context.prm))
        .set("dimension", dim)
        .set("viscosity", epsilon)
        .set("final time", table.last("time"))
        .set("steps", loop.n_steps())
        .set("min u", table.last("min u"))
        .set("argmin u", final_argmin)
        .set("argmin jumps", jumps)
        .set("probes", probe_list)
        .set("capped nodes", table.largest("capped nodes"))
        .set("negative v nodes", table.largest("negative v nodes"))
        .set("cells", space->triangulation().n_global_active_cells())
        .set("dofs", space->dof_handler().n_dofs())
        .set("degree", mesh.degree)
        .set("h", space->mesh_size());
      if (reference)
        summary.set("reference L2 error", table.last("reference L2 error"));
      if (method == "newton")
        summary.set("newton iterations", total_newton);
      // Timings go to a file of their own: they differ from run to run, and
      // summary.json must not (resumed and distributed runs compare equal).
      context.folder.write("timings.json",
                           Json::object()
                             .set("dofs", space->dof_handler().n_dofs())
                             .set("mpi ranks", Utilities::MPI::n_mpi_processes(comm))
                             .set("method", method)
                             .set("linear solver", linear_solver.method)
                             .set("timed steps", timed_steps)
                             .set("seconds per step", timed_steps > 0 ? step_seconds / timed_steps : 0.0)
                             .set("newton iterations per step",
                                  method == "newton" && timed_steps > 0 ?
                                    double(total_newton) / timed_steps : 0.0)
                             .dump());
      // Over the whole run, not its last step: a node capped early leaves
      // its error in u for every later time.
      TrustReport &trust = context.folder.trust();
      trust.at_most("largest capped nodes in a step", table.largest("capped nodes"), 0,
                    "v = exp(−(u − min f)/ε) underflowed where f − min f > 690ε: use `method = newton`, "
                    "a larger ε or a smaller box");
      trust.at_most("largest negative v nodes in a step", table.largest("negative v nodes"), 0,
                    "the heat step of Cole–Hopf oscillated (v < 0): refine the mesh or shorten the time step");
      context.folder.finish(summary);
      if (context.folder.is_root())
        std::cout << "  " << space->dof_handler().n_dofs() << " DoFs, " << method << ", ε = " << epsilon
                  << ", t = " << table.last("time") << ": min u = " << table.last("min u") << std::endl;
    }

    template <int dim>
    void
    run_hj_viscous(RunContext &context)
    {
      HJViscousProblem<dim> problem(context);
      problem.run();
    }
  } // namespace

  RELAX_REGISTER_SOLVER(run_hj_viscous,
                        "hj-viscous",
                        "u_t = −½|∇u|² + (ε/2)Δu from u = f (local entropy): "
                        "Newton on Crank–Nicolson, or Cole–Hopf through the heat "
                        "equation; u, the optimal control ∇u, u − f, the argmin "
                        "of u over time, and the local-entropy gradient at probes.",
                        &declare_hj_viscous_parameters,
                        true)
} // namespace relax
