// Solver `fokker-planck`: ρ_t = div(−ρ b + β⁻¹ div(D ρ)) with b the
// landscape's drift (−∇f unless it defines another) and a full,
// x-dependent diffusion matrix D (SCIENCE.md §4). The steady state is
// computed directly, as the normalised null vector of the stationary
// operator; the transient runs on the shared time loop; both are compared
// through KL(ρ‖ρ_ss), the free energies and the potential Φ.
#include <deal.II/base/function_parser.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/vector_tools.h>

#include "problems/expressions.h"
#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/named_choice.h"
#include "problems/parameter_parsing.h"
#include "solvers/common/checkpoint.h"
#include "solvers/common/density_functionals.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/field_output.h"
#include "solvers/common/initial_density.h"
#include "solvers/common/fokker_planck_matrix_free.h"
#include "solvers/common/fokker_planck_operator.h"
#include "solvers/common/json.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/common/time_loop.h"
#include "solvers/common/vector_tools.h"
#include "solvers/solver.h"

#include <petscmat.h>

#include <chrono>
#include <cmath>
#include <iostream>

namespace relax
{
  namespace
  {
    using namespace dealii;

    void
    declare_fokker_planck_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("inverse temperature",
                        "1",
                        Patterns::Anything(),
                        "β > 0 in ρ_t = div(−ρ b + β⁻¹ div(Dρ)); or "
                        "'landscape' to take the landscape's own (the "
                        "perceptron's 2b/η from its SGD settings).");
      declare_initial_density_parameters(prm, "gaussian|uniform|expression");
      prm.declare_entry("steady state",
                        "true",
                        Patterns::Bool(),
                        "Compute ρ_ss directly (the null vector of the "
                        "stationary operator, one DoF pinned, normalised), "
                        "with Φ, j and the fluxes; KL(ρ‖ρ_ss) needs it.");
      prm.declare_entry("transient",
                        "true",
                        Patterns::Bool(),
                        "Run the time loop (subsection Time) from ρ(·, 0).");
      prm.declare_entry("damped start steps",
                        "2",
                        Patterns::Integer(0),
                        "Backward Euler steps before Crank–Nicolson "
                        "(Rannacher's damped start).");
      prm.declare_entry("steady state refinement cycles",
                        "0",
                        Patterns::Integer(0),
                        "Adaptive refinement of the mesh on ρ_ss (2-D, 3-D; not with "
                        "matrix-free): this many times, the cells with the largest "
                        "Kelly indicators of ρ_ss are refined and the steady state "
                        "solved again; the transient then runs on the adapted mesh. "
                        "summary.json: `steady state/refinement cycles`.");
      prm.declare_entry("landscape refinement cycles",
                        "0",
                        Patterns::Integer(0),
                        "Before the first solve (2-D, 3-D; not with matrix-free), this many "
                        "times: refine every cell whose cell Péclet number exceeds 1 where "
                        "the Gibbs weight e^{−β(f − min f)} is above e^{−36} (2e-16), that "
                        "is where a density near e^{−βf} lives but the mesh does not resolve "
                        "it. Stops early when no cell needs it.");
      prm.declare_entry("transient refinement interval",
                        "0",
                        Patterns::Integer(0),
                        "Every this many steps of the transient (0: never; 2-D, 3-D; not "
                        "with matrix-free): refine the `refine fraction` of the cells with "
                        "the largest Kelly indicators of ρ, coarsen the `coarsen fraction`, "
                        "carry ρ over (rescaled to its mass before the change; the largest "
                        "correction is reported) and solve ρ_ss again on the new mesh. "
                        "KL increases are measured between steps on one mesh.");
      prm.declare_entry("initial refinement cycles",
                        "3",
                        Patterns::Integer(0),
                        "With `transient refinement interval` > 0: before the first "
                        "step, the mesh is adapted this many times to ρ(·, 0) (the "
                        "same Kelly refinement, ρ(·, 0) interpolated again on each new "
                        "mesh), so that the initial density is resolved too.");
      prm.declare_entry("max refinement level",
                        "12",
                        Patterns::Integer(1),
                        "No adaptive step refines a cell beyond this level (the box's "
                        "coarse cells are level 0, Mesh/refinement is the initial level).");
      prm.declare_entry("refine fraction",
                        "0.3",
                        Patterns::Double(0, 1),
                        "The fraction of the cells refined in each cycle.");
      prm.declare_entry("coarsen fraction",
                        "0",
                        Patterns::Double(0, 1),
                        "The fraction of the cells coarsened in each cycle (never "
                        "below the initial mesh).");
      prm.declare_entry("stabilisation",
                        "automatic",
                        Patterns::Selection("automatic|none|upwind"),
                        "none: the Galerkin Q_p operator (Crank–Nicolson after the "
                        "damped start), accurate where the mesh resolves the drift "
                        "but oscillating, with negative ρ, where the cell Péclet "
                        "number Pe_K = |w|³h/(2p wᵀDw), w = βb − divD, exceeds 1. upwind: "
                        "Kuzmin's discrete upwinding of that operator with the lumped "
                        "mass and backward Euler: ρ ≥ 0, mass kept exactly and "
                        "KL(ρ‖ρ_ss) (nodal) non-increasing at every β, h and Δt, "
                        "first order in h where it adds diffusion and first order "
                        "in time. automatic: with `steady state`, the Galerkin ρ_ss is kept "
                        "unless its negative values exceed 1e-3 of its peak or of its mass "
                        "(then upwind, for the rest of the run); without, upwind when Pe_K "
                        "exceeds 1 on a cell where e^{−β(f − min f)} > e^{−23}. Not with "
                        "matrix-free (automatic means none there).");
      LinearSolverParameters::declare_parameters(prm, "direct", true);
      prm.declare_entry("reference steady state",
                        "",
                        Patterns::Anything(),
                        "A closed form of ρ_ss up to normalisation (muParser, "
                        "x, y, z); when given, summary.json reports the L2 "
                        "error of ρ_ss against it, normalised on the mesh.");
      prm.declare_entry("reference solution",
                        "",
                        Patterns::Anything(),
                        "A closed form of ρ(x, t) (muParser, x, y, z, t), "
                        "normalised; when given, diagnostics.csv reports the "
                        "L2 error and the error of the mean against it.");
      prm.declare_entry("reference constants",
                        "",
                        Patterns::Anything(),
                        "Named constants for the two reference expressions, "
                        "'a=1, b=2'.");
      prm.declare_entry("probe points",
                        "",
                        Patterns::Anything(),
                        "Points 'x1, y1; x2, y2; ...' where summary.json "
                        "reports ρ_ss, Φ, ∇Φ, j and the flux ρ_ss j.");
    }

    /// Fields of the steady state derived from Φ (an FE field): ∇Φ, the
    /// leftover field j = b + D∇Φ − β⁻¹divD, the flux ρ_ss j with
    /// ρ_ss = e^{−β(Φ − Φ_min)}/Z, div j and div(ρ_ss j) = ρ_ss(div j − β∇Φ·j).
    template <int dim>
    class SteadyStateFields : public DataPostprocessor<dim>
    {
    public:
      SteadyStateFields(const Landscape<dim> &landscape, double beta, double scale, double phi_cap)
        : landscape(landscape)
        , beta(beta)
        , scale(scale)
        , phi_cap(phi_cap)
      {}

      void
      evaluate_scalar_field(const DataPostprocessorInputs::Scalar<dim> &inputs,
                            std::vector<Vector<double>> &computed) const override
      {
        const double h = 1e-6;
        for (unsigned int q = 0; q < inputs.evaluation_points.size(); ++q)
          {
            const Point<dim> &           x         = inputs.evaluation_points[q];
            const Tensor<1, dim> &       grad_phi  = inputs.solution_gradients[q];
            const Tensor<2, dim> &       hess_phi  = inputs.solution_hessians[q];
            const SymmetricTensor<2, dim> D        = landscape.diffusion(x);
            const Tensor<1, dim>         divD      = landscape.diffusion_divergence(x);
            const Tensor<1, dim>         j =
              landscape.drift(x) + D * grad_phi - divD / beta;
            double div_b = 0, div_divD = 0;
            for (unsigned int d = 0; d < dim; ++d)
              {
                Point<dim> plus = x, minus = x;
                plus[d] += h;
                minus[d] -= h;
                div_b += (landscape.drift(plus)[d] - landscape.drift(minus)[d]) / (2 * h);
                div_divD += (landscape.diffusion_divergence(plus)[d] -
                             landscape.diffusion_divergence(minus)[d]) / (2 * h);
              }
            double D_hess = 0;
            for (unsigned int a = 0; a < dim; ++a)
              for (unsigned int b = 0; b < dim; ++b)
                D_hess += D[a][b] * hess_phi[a][b];
            const double div_j   = div_b + divD * grad_phi + D_hess - div_divD / beta;
            const double rho_ss  = scale * std::exp(-beta * inputs.solution_values[q]);
            unsigned int c       = 0;
            Vector<double> &out  = computed[q];
            // Where ρ_ss is below 1e-6 of its maximum, near the cap of Φ,
            // the derivatives of Φ are not reliable: say so with NaN.
            if (inputs.solution_values[q] > phi_cap - std::log(100.0) / beta)
              {
                out = std::numeric_limits<double>::quiet_NaN();
                out[out.size() - 1] = landscape.value(x) - inputs.solution_values[q];
                continue;
              }
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = grad_phi[d];
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = j[d];
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = rho_ss * j[d];
            out[c++] = div_j;
            out[c++] = rho_ss * (div_j - beta * (grad_phi * j));
            out[c++] = landscape.value(x) - inputs.solution_values[q];
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names(dim, "grad_Phi");
        names.insert(names.end(), dim, "j");
        names.insert(names.end(), dim, "rho_ss_j");
        names.push_back("div_j");
        names.push_back("div_rho_ss_j");
        names.push_back("f_minus_Phi");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        using namespace DataComponentInterpretation;
        std::vector<DataComponentInterpretation::DataComponentInterpretation> kinds(
          3 * dim, component_is_part_of_vector);
        kinds.insert(kinds.end(), 3, component_is_scalar);
        return kinds;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_values | update_gradients | update_hessians | update_quadrature_points;
      }

    private:
      const Landscape<dim> &landscape;
      const double          beta;
      const double          scale;
      const double          phi_cap;
    };

    template <int dim>
    class FokkerPlanckProblem : public TimeDependentProblem
    {
    public:
      explicit FokkerPlanckProblem(RunContext &context);

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
      void
      assemble_operators();
      void
      solve_steady_state();
      void
      compute_potential();
      void
      write_steady_state_fields();
      Json
      steady_state_summary();
      double
      nodal_kl() const;
      std::function<double(const Point<dim> &)>
      reference_at(double time) const;
      void
      add_trust_checks(const Diagnostics *table);
      void
      adapt_transient_mesh();
      /// ∫|ρ_ss − e^{−βf}/Z| when D = I and the drift is −∇f (then that is
      /// the exact ρ_ss); NaN otherwise.
      double
      gibbs_l1_distance() const;
      /// min ρ / max ρ and ∫min(ρ, 0) of a density (owned entries): the
      /// two figures the trust bounds and `automatic` judge.
      std::pair<double, double>
      negativity(const PETScWrappers::MPI::Vector &owned_density) const;
      bool
      within_positivity_bounds(const PETScWrappers::MPI::Vector &owned_density) const
      {
        const auto [ratio, negative_mass] = negativity(owned_density);
        return ratio >= -negative_bound && negative_mass >= -negative_bound;
      }
      bool
      matrix_free_solves() const
      {
        return linear_solver.method == "matrix-free";
      }

      enum class Stabilisation
      {
        automatic,
        none,
        upwind
      };

      RunContext &                    context;
      MPI_Comm                        comm;
      Stabilisation                   stabilisation = Stabilisation::automatic;
      bool                            upwind        = false; // as chosen for this mesh
      std::vector<double>             peclet;                 // per owned cell
      double                          largest_peclet = 0;
      double                          upwind_diffusion = 0; // Σ d_ij / Σ |A_ii|
      bool                            switched_to_upwind = false;
      MeshParameters                  mesh;
      TimeParameters                  time_parameters;
      LinearSolverParameters          linear_solver;
      double                          beta = 1;
      InitialDensity<dim>             initial_density;
      bool                            with_steady_state = true;
      bool                            with_transient    = true;
      unsigned int                    damped_steps      = 2;
      unsigned int                    refinement_cycles = 0;
      unsigned int                    landscape_cycles  = 0;
      unsigned int                    adapt_interval    = 0;
      unsigned int                    initial_cycles    = 3;
      unsigned int                    max_level         = 12;
      static constexpr double         gibbs_cutoff      = 36.0; // e^{−36} ≈ 2e-16
      // Negative values beyond 1e-3 of the peak or of the mass are an
      // oscillation, not a tail undershoot of the elements: the trust bound
      // and `automatic`'s switch.
      static constexpr double         negative_bound    = 1e-3;
      unsigned int                    adaptations       = 0; // of the transient's mesh
      double                          largest_mass_correction = 0;
      bool                            scheme_fixed      = false;
      double                          refine_fraction   = 0.3;
      double                          coarsen_fraction  = 0;
      std::unique_ptr<FunctionParser<dim>> reference_steady;
      std::unique_ptr<FunctionParser<dim>> reference_solution;
      std::vector<Point<dim>>         probes;
      std::unique_ptr<Landscape<dim>>   landscape;
      std::unique_ptr<ScalarSpace<dim>> space;

      PETScWrappers::MPI::SparseMatrix    fp_operator; // a(ρ, v)
      PETScWrappers::MPI::SparseMatrix    lumped_mass; // with upwind
      PETScWrappers::MPI::Vector          lumped_masses; // its diagonal
      PETScWrappers::MPI::Vector          rho, owned_rho;
      PETScWrappers::MPI::Vector          rho_ss, owned_rho_ss;
      PETScWrappers::MPI::Vector          phi; // with ghosts
      std::vector<double>                 f_at_quadrature;
      double                              phi_shift = 0;
      std::unique_ptr<ThetaStepper>       stepper;
      std::unique_ptr<FokkerPlanckMatrixFree<dim>> matrix_free; // in place of the matrices
      unsigned int                        steps_done      = 0;
      unsigned int                        last_iterations = 0;
      unsigned int                        total_iterations = 0;
      double                              initial_mass    = 0;
      double                              steady_seconds  = 0;
      double                              transient_seconds = 0;
      double                              step_seconds      = 0; // in the solves
      unsigned int                        steps_this_run    = 0;
      unsigned int                        transient_steps   = 0;
    };

    template <int dim>
    FokkerPlanckProblem<dim>::FokkerPlanckProblem(RunContext &context)
      : context(context)
      , comm(context.folder.communicator())
    {
      ParameterHandler &prm = context.prm;
      mesh.parse_parameters(prm);
      time_parameters.parse_parameters(prm);
      landscape = create_landscape<dim>(prm);

      const std::string name = landscape_name(prm);
      prm.enter_subsection("fokker-planck");
      const std::string beta_text = Utilities::trim(prm.get("inverse temperature"));
      if (beta_text == "landscape")
        {
          const auto properties = landscape->properties();
          const auto found      = properties.find("inverse temperature");
          if (found == properties.end())
            throw InputError("/fokker-planck/inverse temperature",
                             "the landscape '" + name +
                               "' has no inverse temperature of its own; give a number");
          beta = found->second;
        }
      else
        {
          const auto numbers = parse_numbers(beta_text, "/fokker-planck/inverse temperature");
          if (numbers.size() != 1 || !(numbers[0] > 0))
            throw InputError("/fokker-planck/inverse temperature",
                             "must be a positive number or 'landscape'");
          beta = numbers[0];
        }
      initial_density.parse_parameters(prm, "/fokker-planck");
      with_steady_state  = prm.get_bool("steady state");
      with_transient     = prm.get_bool("transient");
      damped_steps       = prm.get_integer("damped start steps");
      refinement_cycles  = prm.get_integer("steady state refinement cycles");
      landscape_cycles   = prm.get_integer("landscape refinement cycles");
      adapt_interval     = prm.get_integer("transient refinement interval");
      initial_cycles     = prm.get_integer("initial refinement cycles");
      max_level          = prm.get_integer("max refinement level");
      refine_fraction    = prm.get_double("refine fraction");
      coarsen_fraction   = prm.get_double("coarsen fraction");
      stabilisation = named_choice<Stabilisation>(prm.get("stabilisation"),
                                                  {{"automatic", Stabilisation::automatic},
                                                   {"none", Stabilisation::none},
                                                   {"upwind", Stabilisation::upwind}},
                                                  "stabilisation");
      linear_solver.parse_parameters(prm);
      if (matrix_free_solves() && stabilisation == Stabilisation::upwind)
        throw InputError("/fokker-planck/stabilisation",
                         "upwind changes the assembled matrix: needs `linear solver` direct or iterative, "
                         "not matrix-free");
      if (matrix_free_solves())
        {
          if (dim == 1)
            throw InputError("/fokker-planck/linear solver",
                             "matrix-free is not available in 1-D (use direct)");
          for (unsigned int d = 0; d < dim; ++d)
            if (landscape->domain().periodic[d])
              throw InputError("/fokker-planck/linear solver",
                               "matrix-free is not available for periodic domains (use direct or iterative)");
        }
      space = std::make_unique<ScalarSpace<dim>>(comm, landscape->domain(), mesh.degree, matrix_free_solves());
      const auto constants =
        parse_constants(prm.get("reference constants"), "/fokker-planck/reference constants");
      if (!Utilities::trim(prm.get("reference steady state")).empty())
        reference_steady = parse_expression<dim>(prm.get("reference steady state"), constants, false, "/fokker-planck/reference steady state");
      if (!Utilities::trim(prm.get("reference solution")).empty())
        reference_solution = parse_expression<dim>(prm.get("reference solution"), constants, true, "/fokker-planck/reference solution");
      const std::string probe_text = Utilities::trim(prm.get("probe points"));
      if (!probe_text.empty())
        for (const std::string &point : Utilities::split_string_list(probe_text, ';'))
          probes.emplace_back(parse_vector<dim>(point, "/fokker-planck/probe points"));
      prm.leave_subsection();

      if (!with_transient && !with_steady_state)
        throw InputError("/fokker-planck/transient",
                         "both `steady state` and `transient` are off: nothing to compute");
      for (const auto &[entry, value] : {std::make_pair("landscape refinement cycles", landscape_cycles),
                                         std::make_pair("transient refinement interval", adapt_interval)})
        if (value > 0)
          {
            if (dim == 1)
              throw InputError(std::string("/fokker-planck/") + entry,
                               "adaptive refinement is available in 2-D and 3-D only");
            if (matrix_free_solves())
              throw InputError(std::string("/fokker-planck/") + entry,
                               "adaptive refinement needs `linear solver` direct or iterative, not matrix-free");
          }
      if (adapt_interval > 0 && !with_transient)
        throw InputError("/fokker-planck/transient refinement interval",
                         "adapts the transient's mesh: needs `transient = true`");
      if (refinement_cycles > 0)
        {
          if (dim == 1)
            throw InputError("/fokker-planck/steady state refinement cycles",
                             "adaptive refinement is available in 2-D and 3-D only");
          if (matrix_free_solves())
            throw InputError("/fokker-planck/steady state refinement cycles",
                             "adaptive refinement needs `linear solver` direct or iterative, not matrix-free");
          if (!with_steady_state)
            throw InputError("/fokker-planck/steady state refinement cycles",
                             "the mesh is adapted to ρ_ss: needs `steady state = true`");
        }
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::setup_system()
    {
      rho          = space->ghosted_vector();
      owned_rho    = space->owned_vector();
      rho_ss       = space->ghosted_vector();
      owned_rho_ss = space->owned_vector();
      phi          = space->ghosted_vector();
      peclet         = cell_peclet_numbers(*space, *landscape, beta);
      largest_peclet = Utilities::MPI::max(peclet.empty() ? 0.0 : *std::max_element(peclet.begin(), peclet.end()), comm);
      // The scheme is fixed when the transient starts (a resumed run reads
      // it back), so that the diagnostics' columns never change. Before,
      // `automatic` starts from the Galerkin operator wherever a steady
      // state will judge it (solve_steady_state); without one it decides
      // here, on the Péclet numbers where a density near e^{−βf} lives
      // (above e^{−23} ≈ 1e-10 of its peak).
      if (!scheme_fixed)
        {
          const auto   relevant = peclet_where_gibbs_mass(*space, *landscape, beta, 23.0, peclet);
          const double largest_relevant =
            Utilities::MPI::max(relevant.empty() ? 0.0 : *std::max_element(relevant.begin(), relevant.end()), comm);
          upwind = stabilisation == Stabilisation::upwind ||
                   (stabilisation == Stabilisation::automatic && !with_steady_state && largest_relevant > 1 &&
                    !matrix_free_solves());
          switched_to_upwind = false;
        }
      if (matrix_free_solves())
        matrix_free = std::make_unique<FokkerPlanckMatrixFree<dim>>(*space, *landscape, beta, linear_solver);
      else
        assemble_operators();
      f_at_quadrature = landscape_at_quadrature_points(space->dof_handler(), *landscape);
      stepper.reset(); // made at the first step, after the steady state
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::assemble_operators()
    {
      space->reinit(fp_operator);
      assemble_fokker_planck_operator(*space, *landscape, beta, false, fp_operator);
      upwind_diffusion = 0;
      if (upwind)
        {
          upwind_diffusion = apply_discrete_upwinding(*space, fp_operator);
          assemble_lumped_mass(*space, lumped_mass);
          lumped_masses = space->owned_vector();
          MatGetDiagonal(static_cast<Mat>(lumped_mass), static_cast<const Vec &>(lumped_masses));
        }
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::solve_steady_state()
    {
      const auto start = std::chrono::steady_clock::now();
      // `automatic`: the Galerkin ρ_ss is kept unless it is negative beyond
      // the trust bounds, or so oscillating that its mass is not positive
      // (the solve throws); then the upwind scheme, for the rest of the run.
      const bool may_switch = !scheme_fixed && stabilisation == Stabilisation::automatic && !upwind && !matrix_free;
      bool       rejected   = false;
      try
        {
          total_iterations +=
            matrix_free ? matrix_free->steady_state(owned_rho_ss) :
                          solve_fokker_planck_steady_state(*space, *landscape, fp_operator, linear_solver, owned_rho_ss);
        }
      catch (const std::runtime_error &)
        {
          if (!may_switch)
            throw;
          rejected = true;
        }
      if (may_switch && (rejected || !within_positivity_bounds(owned_rho_ss)))
        {
          upwind             = true;
          switched_to_upwind = true;
          assemble_operators();
          total_iterations +=
            solve_fokker_planck_steady_state(*space, *landscape, fp_operator, linear_solver, owned_rho_ss);
        }
      rho_ss = owned_rho_ss;
      steady_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      compute_potential();
    }

    template <int dim>
    double
    FokkerPlanckProblem<dim>::gibbs_l1_distance() const
    {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      if (!landscape->drift_is_gradient())
        return nan;
      const QGauss<dim>   quadrature(space->fe().degree + 2);
      FEValues<dim>       fe_values(space->fe(), quadrature,
                              update_values | update_quadrature_points | update_JxW_values);
      std::vector<double> values(quadrature.size());
      // Three passes over the same points: min f, then Z, then the distance
      // (e^{−β(f − min f)} never underflows where the mass is).
      double f_min = std::numeric_limits<double>::max();
      bool   identity = true;
      for (const auto &cell : space->dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            for (const unsigned int q : fe_values.quadrature_point_indices())
              {
                const Point<dim> &x = fe_values.quadrature_point(q);
                f_min               = std::min(f_min, landscape->value(x));
                identity            = identity && (landscape->diffusion(x) - unit_symmetric_tensor<dim>()).norm() == 0;
              }
          }
      f_min = Utilities::MPI::min(f_min, comm);
      if (Utilities::MPI::min(identity ? 1 : 0, comm) == 0)
        return nan;
      // Z = ∫e^{−β(f − min f)}, then ∫|ρ_ss − e^{−β(f − min f)}/Z|.
      const auto integrate = [&](const double z) {
        double sum = 0;
        for (const auto &cell : space->dof_handler().active_cell_iterators())
          if (cell->is_locally_owned())
            {
              fe_values.reinit(cell);
              fe_values.get_function_values(rho_ss, values);
              for (const unsigned int q : fe_values.quadrature_point_indices())
                {
                  const double gibbs = std::exp(-beta * (landscape->value(fe_values.quadrature_point(q)) - f_min));
                  sum += (z == 0 ? gibbs : std::abs(values[q] - gibbs / z)) * fe_values.JxW(q);
                }
            }
        return Utilities::MPI::sum(sum, comm);
      };
      return integrate(integrate(0));
    }

    template <int dim>
    std::pair<double, double>
    FokkerPlanckProblem<dim>::negativity(const PETScWrappers::MPI::Vector &owned_density) const
    {
      PETScWrappers::MPI::Vector density = space->ghosted_vector();
      density                            = owned_density;
      const double negative_mass =
        evaluate_density(space->dof_handler(), density, nullptr, *landscape, f_at_quadrature, beta, 0, {}).negative_mass;
      return {global_min(owned_density).value / global_max(owned_density).value, negative_mass};
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::compute_potential()
    {
      // Φ = −β⁻¹ log ρ_ss at the nodes, shifted to min 0. The solve
      // leaves an absolute error of about cond(A)·ε·max ρ_ss, so where ρ_ss
      // is below 1e-8 of its maximum (or negative) its relative accuracy
      // is gone: Φ is capped there at β⁻¹ log 1e8 above its minimum.
      const double largest = global_max(owned_rho_ss).value;
      const double floor   = 1e-8 * largest;
      PETScWrappers::MPI::Vector owned_phi(space->owned(), comm);
      for (const auto index : space->owned())
        owned_phi(index) = -std::log(std::max(static_cast<double>(owned_rho_ss(index)), floor)) / beta;
      owned_phi.compress(VectorOperation::insert);
      phi_shift = global_min(owned_phi).value;
      owned_phi.add(-phi_shift);
      phi = owned_phi;
    }

    template <int dim>
    std::function<double(const Point<dim> &)>
    FokkerPlanckProblem<dim>::reference_at(const double time) const
    {
      if (!reference_solution)
        return {};
      reference_solution->set_time(time);
      return [this](const Point<dim> &x) { return reference_solution->value(x); };
    }

    template <int dim>
    double
    FokkerPlanckProblem<dim>::nodal_kl() const
    {
      // Σ_i m_i ρ_i log(ρ_i/ρ_ss,i) over the unconstrained DoFs, m_i the
      // lumped masses: the KL of the nodal masses, which the upwind step
      // (a Markov transition of them) can only lower.
      double sum = 0;
      for (const auto i : space->owned())
        if (!space->constraints().is_constrained(i))
          {
            const double r = owned_rho(i), r_ss = std::max(double(owned_rho_ss(i)), 1e-300);
            if (r > 0)
              sum += lumped_masses(i) * r * std::log(r / r_ss);
          }
      return Utilities::MPI::sum(sum, comm);
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::set_initial_condition()
    {
      initial_density.interpolate(*space, owned_rho);
      rho = owned_rho;
      if (adapt_interval > 0 && initial_cycles > 0)
        {
          for (unsigned int cycle = 0; cycle < initial_cycles; ++cycle)
            {
              space->refine(rho, refine_fraction, coarsen_fraction, max_level);
              setup_system();
              initial_density.interpolate(*space, owned_rho);
              rho = owned_rho;
            }
          if (with_steady_state)
            solve_steady_state();
        }
      initial_mass = 1;
      steps_done   = 0;
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::advance(const double time, const double time_step)
    {
      // The upwind scheme's guarantees (ρ ≥ 0, KL decreasing) hold for
      // backward Euler only.
      scheme_fixed       = true;
      const double theta = (upwind || steps_done < damped_steps) ? 1.0 : 0.5;
      const auto   start = std::chrono::steady_clock::now();
      if (matrix_free)
        last_iterations = matrix_free->step(owned_rho, time_step, theta);
      else if (!stepper)
        {
          // The stepper keeps M + θΔt A of its own; the operator is not
          // needed again (the steady state is solved), so it goes.
          stepper = std::make_unique<ThetaStepper>(upwind ? lumped_mass : space->mass(), fp_operator,
                                                   linear_solver, false, comm);
          fp_operator.clear();
        }
      if (stepper)
        last_iterations = stepper->step(owned_rho, time_step, theta);
      step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++steps_this_run;
      total_iterations += last_iterations;
      space->constraints().distribute(owned_rho);
      if (!std::isfinite(owned_rho.l2_norm()))
        throw std::runtime_error("the density became NaN or infinite in the step from t = " +
                                 std::to_string(time) +
                                 "; the last good checkpoint, if any, is kept");
      rho = owned_rho;
      ++steps_done;
      if (adapt_interval > 0 && steps_done % adapt_interval == 0)
        adapt_transient_mesh();
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::adapt_transient_mesh()
    {
      const double               mass_before = space->integrals() * owned_rho;
      PETScWrappers::MPI::Vector carried     = rho;
      space->refine(rho, refine_fraction, coarsen_fraction, max_level, {&carried});
      setup_system();
      for (const auto i : space->owned())
        owned_rho(i) = carried(i);
      owned_rho.compress(VectorOperation::insert);
      // Interpolation onto coarsened cells does not keep the mass: put it
      // back, and report by how much.
      const double mass_after = space->integrals() * owned_rho;
      owned_rho *= mass_before / mass_after;
      largest_mass_correction = std::max(largest_mass_correction, std::abs(mass_after / mass_before - 1));
      rho = owned_rho;
      if (with_steady_state)
        solve_steady_state();
      ++adaptations;
    }

    template <int dim>
    Diagnostics::Row
    FokkerPlanckProblem<dim>::diagnostics(const double time)
    {
      const auto figures = evaluate_density(space->dof_handler(), rho,
                                            with_steady_state ? &rho_ss : nullptr,
                                            *landscape, f_at_quadrature, beta, phi_shift, reference_at(time));
      // Where ρ is smallest: the support point of the smallest entry.
      const Extremum smallest = global_min(owned_rho);
      const Point<dim>    location = space->support_point(smallest.index);
      std::vector<double> where(location.begin_raw(), location.end_raw());
      const char *axes = "xyz";
      Diagnostics::Row row = {{"mass", figures.mass},
                              {"mass drift", figures.mass - initial_mass},
                              {"min rho", smallest.value},
                              {"max rho", global_max(owned_rho).value}};
      for (unsigned int d = 0; d < dim; ++d)
        row.emplace_back(std::string("min rho ") + axes[d], where[d]);
      row.insert(row.end(),
                 {{"negative mass", figures.negative_mass},
                  {"entropy", figures.entropy},
                  {"E f", figures.expected_f},
                  {"E Phi", figures.expected_phi},
                  {"free energy f", figures.expected_f - figures.entropy / beta},
                  {"KL", figures.kl}});
      if (upwind && with_steady_state)
        row.emplace_back("KL nodal", nodal_kl());
      for (unsigned int d = 0; d < dim; ++d)
        row.emplace_back(std::string("mean ") + axes[d], figures.mean[d]);
      for (unsigned int a = 0; a < dim; ++a)
        for (unsigned int b = a; b < dim; ++b)
          row.emplace_back(std::string("cov ") + axes[a] + axes[b], figures.covariance[a][b]);
      row.insert(row.end(),
                 {{"reference L2 error", figures.reference_l2_error},
                  {"reference mean error", figures.reference_mean_error},
                  {"linear iterations", double(last_iterations)}});
      if (adapt_interval > 0)
        row.insert(row.end(), {{"mesh", double(adaptations)}, {"dofs", double(space->dof_handler().n_dofs())}});
      return row;
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::output_fields(FieldOutput &output, const double time, const unsigned int index)
    {
      PETScWrappers::MPI::Vector owned_log(space->owned(), comm);
      for (const auto i : space->owned())
        owned_log(i) = std::log(std::max(static_cast<double>(owned_rho(i)), 1e-300));
      owned_log.compress(VectorOperation::insert);
      PETScWrappers::MPI::Vector log_rho(space->owned(), space->relevant(), comm);
      log_rho = owned_log;
      DataOut<dim> data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(rho, "rho");
      data_out.add_data_vector(log_rho, "log_rho");
      output.write(data_out, mesh.degree, time, index);
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::write_steady_state_fields()
    {
      const PETScWrappers::MPI::Vector f = space->landscape_field(*landscape);
      // ρ_ss = scale · e^{−βΦ} with Φ shifted by phi_shift.
      const double scale = std::exp(-beta * phi_shift);
      SteadyStateFields<dim> derived(*landscape, beta, scale, std::log(1e8) / beta);
      DataOut<dim> data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(rho_ss, "rho_ss");
      data_out.add_data_vector(phi, "Phi");
      data_out.add_data_vector(f, "f");
      data_out.add_data_vector(phi, derived);
      FieldOutput output(context.folder, "steady_state");
      output.write(data_out, mesh.degree, 0.0, 0);
    }

    template <int dim>
    Json
    FokkerPlanckProblem<dim>::steady_state_summary()
    {
      const auto figures =
        evaluate_density(space->dof_handler(), rho_ss, &rho_ss, *landscape, f_at_quadrature, beta, phi_shift, {});
      Json summary = Json::object();
      summary.set("mass", figures.mass)
        .set("min", global_min(owned_rho_ss).value)
        .set("max", global_max(owned_rho_ss).value)
        .set("negative mass", figures.negative_mass);

      // Where ρ_ss is largest: its most likely location.
      const Extremum largest = global_max(owned_rho_ss);
      const Point<dim>    location = space->support_point(largest.index);
      std::vector<double> where(location.begin_raw(), location.end_raw());
      summary.set("argmax", where);
      std::vector<double> mean(dim), covariance;
      for (unsigned int a = 0; a < dim; ++a)
        {
          mean[a] = figures.mean[a];
          for (unsigned int b = 0; b < dim; ++b)
            covariance.push_back(figures.covariance[a][b]);
        }
      summary.set("mean", mean).set("covariance", covariance);

      // How far Φ is from f + const where the density lives:
      // sqrt(E_ρss[(Φ − f − c)²]) with c = E_ρss[Φ − f]. Zero when D = I
      // (and b = −∇f), up to the discretisation. Two passes: c is large
      // against the deviation, so E[g²] − c² would cancel. Negative
      // values of ρ_ss (under-resolution) get no weight.
      {
        const QGauss<dim>   quadrature(space->fe().degree + 2);
        FEValues<dim>       fe_values(space->fe(), quadrature,
                                update_values | update_quadrature_points | update_JxW_values);
        std::vector<double> values(quadrature.size());
        const auto          accumulate = [&](const double c) {
          std::vector<double> sums(2, 0.0);
          for (const auto &cell : space->dof_handler().active_cell_iterators())
            if (cell->is_locally_owned())
              {
                fe_values.reinit(cell);
                fe_values.get_function_values(rho_ss, values);
                for (unsigned int q = 0; q < quadrature.size(); ++q)
                  {
                    const double g = -std::log(std::max(values[q], 1e-300)) / beta -
                                     landscape->value(fe_values.quadrature_point(q)) - c;
                    const double w = std::max(values[q], 0.0) * fe_values.JxW(q);
                    sums[0] += w * g;
                    sums[1] += w * g * g;
                  }
              }
          Utilities::MPI::sum(sums, comm, sums);
          return sums;
        };
        const double c = accumulate(0.0)[0] / figures.mass;
        summary.set("Phi minus f deviation", std::sqrt(std::max(0.0, accumulate(c)[1] / figures.mass)));
      }

      if (reference_steady)
        {
          // The closed form, normalised on the mesh as ρ_ss is.
          const auto raw = [this](const Point<dim> &x) { return reference_steady->value(x); };
          const double z = evaluate_density<dim>(space->dof_handler(), rho_ss, nullptr, *landscape, f_at_quadrature, beta, 0, raw).reference_mass;
          const auto normalised = [&](const Point<dim> &x) { return raw(x) / z; };
          const auto   compared =
            evaluate_density<dim>(space->dof_handler(), rho_ss, nullptr, *landscape, f_at_quadrature, beta, 0, normalised);
          const double error = compared.reference_l2_error;
          const double norm =
            evaluate_density<dim>(space->dof_handler(), rho_ss, nullptr, *landscape, f_at_quadrature, beta, 0,
                             [](const Point<dim> &) { return 0.0; }).reference_l2_error;
          summary.set("reference L2 error", error)
            .set("reference relative L2 error", error / norm)
            .set("reference L1 error", compared.reference_l1_error);
        }

      Json probe_list = Json::array();
      for (const Point<dim> &x : probes)
        {
          const auto [value, gradient] = evaluate_at_point(space->dof_handler(), rho_ss, x);
          const Tensor<1, dim> grad_phi = -gradient / (beta * value);
          const Tensor<1, dim> j        = landscape->drift(x) + landscape->diffusion(x) * grad_phi -
                                   landscape->diffusion_divergence(x) / beta;
          std::vector<double> point(dim), grad(dim), leftover(dim), flux(dim);
          for (unsigned int d = 0; d < dim; ++d)
            {
              point[d]    = x[d];
              grad[d]     = grad_phi[d];
              leftover[d] = j[d];
              flux[d]     = value * j[d];
            }
          probe_list.push(Json::object()
                            .set("x", point)
                            .set("rho_ss", value)
                            .set("Phi", -std::log(value) / beta - phi_shift)
                            .set("f", landscape->value(x))
                            .set("grad Phi", grad)
                            .set("j", leftover)
                            .set("flux", flux));
        }
      summary.set("probes", probe_list);
      return summary;
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::save_state(const std::string &prefix)
    {
      save_mesh_and_vectors(space->dof_handler(), {&rho, &rho_ss}, prefix);
      if (context.folder.is_root())
        write_file_atomically(prefix + ".fokker_planck",
                              std::to_string(steps_done) + " " + std::to_string(total_iterations) + " " +
                                std::to_string(adaptations) + " " + shortest_round_trip(largest_mass_correction) +
                                " " + std::to_string(int(upwind)) + "\n");
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::load_state(const std::string &prefix)
    {
      // The scheme chosen when the run started, before the mesh is set up.
      std::istringstream state(read_file(prefix + ".fokker_planck"));
      int                was_upwind = 0;
      state >> steps_done >> total_iterations >> adaptations >> largest_mass_correction >> was_upwind;
      upwind       = was_upwind != 0;
      scheme_fixed = true;
      space->load(prefix, mesh.refinement);
      setup_system();
      load_vectors(space->dof_handler(), {&owned_rho, &owned_rho_ss}, prefix);
      space->constraints().distribute(owned_rho);
      space->constraints().distribute(owned_rho_ss);
      rho    = owned_rho;
      rho_ss = owned_rho_ss;
      if (with_steady_state)
        compute_potential();
      initial_mass = 1;
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::add_trust_checks(const Diagnostics *table)
    {
      // The bounds, documented in the user guide: negative values beyond a
      // tail undershoot of the elements (negative_bound), KL rising by more
      // than its quadrature's round-off, mass lost beyond the solver
      // tolerance, a density narrower than a cell.
      const double kl_bound = 1e-10, mass_bound = 1e-9;
      const std::string oscillation_advice =
        "the discretisation oscillates where the cell Péclet number exceeds 1: set "
        "`stabilisation = upwind` or refine the mesh";
      TrustReport &trust = context.folder.trust();
      trust.note("largest cell Peclet number", largest_peclet);
      trust.note("upwind diffusion fraction", upwind_diffusion);
      if (adapt_interval > 0)
        trust.note("largest relative mass correction at an adaptation", largest_mass_correction);
      double resolution = 0; // the density-weighted Péclet number, its largest
      if (with_steady_state)
        {
          const auto [ratio, negative_mass] = negativity(owned_rho_ss);
          trust.at_least("steady state min rho over max rho", ratio, -negative_bound, oscillation_advice);
          trust.at_least("steady state negative mass", negative_mass, -negative_bound, oscillation_advice);
          resolution = density_weighted_peclet(*space, peclet, rho_ss);
          // With D = I and a gradient drift the exact ρ_ss is e^{−βf}/Z:
          // far from it, the solve could not weigh the wells of f
          // (metastable at this β: they exchange mass at rates below
          // round-off), or the mesh is far from resolving them.
          const double gibbs_distance = gibbs_l1_distance();
          if (!std::isnan(gibbs_distance))
            trust.at_most("steady state L1 distance to e^(-beta f)/Z", gibbs_distance, 0.1,
                          "with D = I and b = −∇f, ρ_ss is e^{−βf}/Z: at this β the wells of f exchange mass "
                          "at rates below round-off (metastable), so no linear solve can weigh them; "
                          "or the mesh is far from resolving them");
        }
      if (table != nullptr)
        {
          const auto smallest = table->column("min rho"), largest = table->column("max rho");
          double     lowest_ratio = std::numeric_limits<double>::infinity();
          for (std::size_t n = 0; n < smallest.size(); ++n)
            lowest_ratio = std::min(lowest_ratio, smallest[n] / largest[n]);
          const double lowest_negative = table->smallest("negative mass");
          const double largest_drift =
            std::max(std::abs(table->largest("mass drift")), std::abs(table->smallest("mass drift")));
          trust.at_least("transient lowest min rho over max rho", lowest_ratio, -negative_bound, oscillation_advice);
          trust.at_least("transient lowest negative mass", lowest_negative, -negative_bound, oscillation_advice);
          trust.at_most("transient largest mass drift", largest_drift, mass_bound,
                        "mass must be conserved: lower `linear solver tolerance`");
          if (with_steady_state)
            {
              // The upwind scheme guarantees the nodal KL's decrease; the
              // Galerkin scheme is judged on the quadrature KL it reports.
              const std::string column = upwind ? "KL nodal" : "KL";
              const double      start  = table->column(column).front();
              trust.at_most("transient largest " + column + " increase",
                            table->largest_increase(column, adapt_interval > 0 ? "mesh" : ""),
                            kl_bound * std::max(1.0, start),
                            "KL(ρ‖ρ_ss) must not increase: set `stabilisation = upwind`, or refine the mesh "
                            "or shorten the time step");
            }
          // Where the transient's density lives now (ρ(0) is the user's
          // choice; where it went is the discretisation's test).
          resolution = std::max(resolution, density_weighted_peclet(*space, peclet, rho));
        }
      trust.at_most("density-weighted cell Peclet number", resolution, 1.0,
                    "the density is narrower than a cell (σ < h/(2p)): raise Mesh/refinement or the degree");
    }

    template <int dim>
    void
    FokkerPlanckProblem<dim>::run()
    {
      Json cycles = Json::array(); // ρ_ss's figures per refinement cycle
      if (!context.resume)
        {
          space->create(mesh.refinement);
          check_diffusion(*landscape, space->triangulation(), "/Landscape");
          for (unsigned int cycle = 0; cycle < landscape_cycles; ++cycle)
            if (space->refine_above(peclet_where_gibbs_mass(*space, *landscape, beta, gibbs_cutoff,
                                                            cell_peclet_numbers(*space, *landscape, beta)),
                                    1.0, max_level) == 0)
              break;
          setup_system();
          if (with_steady_state)
            solve_steady_state();
          for (unsigned int cycle = 0; cycle < refinement_cycles; ++cycle)
            {
              cycles.push(steady_state_summary().set("dofs", space->dof_handler().n_dofs()));
              space->refine(rho_ss, refine_fraction, coarsen_fraction);
              setup_system();
              solve_steady_state();
            }
        }

      Json summary = Json::object();
      summary.set("solver", "fokker-planck")
        .set("landscape", landscape_name(context.prm))
        .set("dimension", dim)
        .set("inverse temperature", beta)
        .set("linear solver", linear_solver.method)
        .set("stabilisation", upwind ? "upwind" : "none")
        .set("stabilisation switched on by the steady state", switched_to_upwind);

      if (with_transient)
        {
          std::ostringstream parameters;
          context.prm.print_parameters(parameters, ParameterHandler::ShortPRM);
          TimeLoop           loop(time_parameters, context.folder, "fokker_planck", parameters.str());
          const auto         transient_start = std::chrono::steady_clock::now();
          const Diagnostics &table = loop.run(*this, context.resume);
          transient_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - transient_start).count();
          transient_steps = steps_this_run;
          add_trust_checks(&table);
          stepper.reset(); // its matrix and preconditioner, before the output below

          // Along the whole run: the largest one-step increase of KL(ρ‖ρ_ss)
          // (a Lyapunov functional: never positive beyond round-off) and of
          // F_f = E[f] − β⁻¹H (which may increase when D is not isotropic).
          const double kl_increase   = table.largest_increase("KL", adapt_interval > 0 ? "mesh" : "");
          const double f_increase    = table.largest_increase("free energy f");
          const double largest_drift = std::max(std::abs(table.largest("mass drift")), std::abs(table.smallest("mass drift")));
          const double lowest        = table.smallest("min rho");
          PETScWrappers::MPI::Vector difference(owned_rho), m_difference(owned_rho);
          difference -= owned_rho_ss;
          if (matrix_free)
            matrix_free->apply(difference, m_difference, 1, 0);
          else
            space->mass().vmult(m_difference, difference);
          Json transient = Json::object();
          transient.set("final time", table.last("time"))
            .set("steps", loop.n_steps())
            .set("largest mass drift", largest_drift)
            .set("lowest min rho", lowest)
            .set("final KL", table.last("KL"))
            .set("largest KL increase", kl_increase)
            .set("largest nodal KL increase",
                 upwind && with_steady_state ? table.largest_increase("KL nodal", adapt_interval > 0 ? "mesh" : "") :
                                               std::numeric_limits<double>::quiet_NaN())
            .set("largest free energy f increase", f_increase)
            .set("final entropy", table.last("entropy"))
            .set("final reference L2 error", table.last("reference L2 error"))
            .set("final reference mean error", table.last("reference mean error"))
            .set("L2 distance to steady state",
                 with_steady_state ? std::sqrt(std::max(0.0, difference * m_difference)) :
                                     std::numeric_limits<double>::quiet_NaN())
            .set("linear iterations", total_iterations);
          if (adapt_interval > 0)
            transient.set("mesh adaptations", adaptations)
              .set("largest relative mass correction at an adaptation", largest_mass_correction);
          summary.set("transient", transient);
        }
      if (!with_transient)
        add_trust_checks(nullptr);
      // The matrix-free levels and their coefficients are not needed for
      // the output: they go before its patches are built.
      matrix_free.reset();
      if (with_steady_state)
        {
          write_steady_state_fields();
          Json steady = steady_state_summary();
          if (refinement_cycles > 0)
            steady.set("refinement cycles", cycles);
          summary.set("steady state", steady);
        }
      summary.set("cells", space->triangulation().n_global_active_cells())
        .set("dofs", space->dof_handler().n_dofs())
        .set("degree", mesh.degree)
        .set("h", GridTools::minimal_cell_diameter(space->triangulation()) / std::sqrt(double(dim)));
      // Timings go to a file of their own: they differ from run to run, and
      // summary.json must not (resumed and distributed runs compare equal).
      context.folder.write("timings.json",
                           Json::object()
                             .set("dofs", space->dof_handler().n_dofs())
                             .set("mpi ranks", Utilities::MPI::n_mpi_processes(comm))
                             .set("linear solver", linear_solver.method)
                             .set("steady state seconds", steady_seconds)
                             .set("transient seconds", transient_seconds)
                             .set("transient steps", transient_steps)
                             .set("seconds per step", transient_steps > 0 ? step_seconds / transient_steps : 0.0)
                             .set("linear iterations", total_iterations)
                             .dump());
      context.folder.finish(summary);
      if (context.folder.is_root())
        std::cout << "  " << space->dof_handler().n_dofs() << " DoFs, β = " << beta
                  << (with_steady_state && !context.resume ? ", steady state solved in " + std::to_string(steady_seconds) + " s" : "")
                  << std::endl;
    }

    template <int dim>
    void
    run_fokker_planck(RunContext &context)
    {
      FokkerPlanckProblem<dim> problem(context);
      problem.run();
    }
  } // namespace

  RELAX_REGISTER_SOLVER(run_fokker_planck,
                        "fokker-planck",
                        "ρ_t = div(−ρ b + β⁻¹ div(Dρ)) with the landscape's drift b "
                        "and matrix D(x): the steady state ρ_ss solved directly, "
                        "Φ = −β⁻¹ log ρ_ss, the leftover field j and the fluxes; "
                        "the transient with KL(ρ‖ρ_ss), free energies and moments "
                        "every step.",
                        &declare_fokker_planck_parameters,
                        true)
} // namespace relax
