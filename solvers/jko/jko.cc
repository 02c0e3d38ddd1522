// Solver `jko`: the Jordan–Kinderlehrer–Otto scheme
// ρ_{k+1} = argmin_ρ J(ρ) + W₂²(ρ, ρ_k)/(2τ), J(ρ) = E_ρ[f] − β⁻¹H(ρ)
// (SCIENCE.md §5), by entropic JKO steps with the Gibbs kernel on the mesh,
// exact or as heat steps (solvers/common/entropic_transport), on the same
// Q1 space as the Fokker–Planck solver. Beside the iterates it advances the
// Fokker–Planck equation on the same mesh, twice: with D = I (of which JKO
// is the W₂ gradient flow) and with the landscape's D(x) (whose KL to its
// own ρ_ss is a Lyapunov functional), and checks the claims of §5 in
// summary.json.
#include <deal.II/base/function_parser.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include "problems/expressions.h"
#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "solvers/common/checkpoint.h"
#include "solvers/common/density_functionals.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/initial_density.h"
#include "solvers/common/entropic_transport.h"
#include "solvers/common/field_output.h"
#include "solvers/common/fokker_planck_operator.h"
#include "solvers/common/json.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/common/time_loop.h"
#include "solvers/common/vector_tools.h"
#include "solvers/solver.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

namespace relax
{
  namespace
  {
    using namespace dealii;
    using PVector = PETScWrappers::MPI::Vector;

    void
    declare_jko_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("inverse temperature",
                        "1",
                        Patterns::Double(0),
                        "β > 0 in J(ρ) = E_ρ[f] − β⁻¹H(ρ).");
      declare_initial_density_parameters(prm, "gaussian|expression");
      prm.declare_entry("entropic blur fraction",
                        "0.25",
                        Patterns::Double(0),
                        "c in γ = 4cτ/β, the entropic parameter of each step: the "
                        "entropic JKO step behaves, to first order in γ, as the "
                        "exact step with the temperature raised by γ/(4τ) = cβ⁻¹ "
                        "(the entropic blur). With `compensate entropic blur` the "
                        "step uses β⁻¹ − γ/(4τ), so c < 1 there; what remains is "
                        "O(γ²/τ), first order in τ.");
      prm.declare_entry("compensate entropic blur",
                        "true",
                        Patterns::Bool(),
                        "Run each step with the temperature β⁻¹ − γ/(4τ), so that "
                        "the entropic blur does not show to first order.");
      prm.declare_entry("Gibbs kernel",
                        "automatic",
                        Patterns::Selection("automatic|exact|heat steps"),
                        "exact: the kernel exp(−|x − y|²/γ) itself, applied one axis "
                        "at a time as log-sum-exps along the grid lines (a uniform "
                        "grid: Q1 on equal cells of the box or torus); no error in "
                        "the cost, N(n₁ + … + n_d) exponentials per application. "
                        "heat steps: `heat steps per kernel` θ-steps of the heat "
                        "equation, any mesh; errors in the cost as given there. "
                        "automatic: exact where the mesh allows it. The anisotropic "
                        "JKO's kernel is always heat steps (the metric D⁻¹).");
      prm.declare_entry("heat steps per kernel",
                        "10",
                        Patterns::Integer(0),
                        "L, with `Gibbs kernel = heat steps` and for the anisotropic "
                        "JKO: the Gibbs kernel is L heat θ-steps of time γ/(4L), θ the "
                        "most accurate that keeps the kernel positive (summary.json: "
                        "kernel theta). The squared cost of a displacement d is "
                        "underestimated by the relative amount ≈ d²((2θ − 1)/(2γL) + "
                        "h²/(3γ²)) (1-D; 2-D: h² × 1 to 1.5); the error of a JKO step "
                        "grows as 1/(γL) at a fixed L. 0: the fewest steps at which "
                        "θ = 1/2 − h²/(12γ/(4L)) cancels both terms (L ≈ γ/(3h²) in "
                        "1-D, γ/(2h²) in 2-D): the error then falls as O(γ² + h²).");
      prm.declare_entry("Sinkhorn tolerance",
                        "1e-9",
                        Patterns::Double(0),
                        "Stop when the L1 error of the first marginal, relative to the mass, is below this.");
      prm.declare_entry("max Sinkhorn iterations",
                        "5000",
                        Patterns::Integer(1),
                        "The cap of Sinkhorn iterations per transport problem: "
                        "reaching it stops the run with a message.");
      prm.declare_entry("step distance",
                        "true",
                        Patterns::Bool(),
                        "Report W₂(ρ_k, ρ_{k−1}) every step, as the square root of "
                        "the debiased Sinkhorn divergence (three more transport "
                        "problems per step).");
      prm.declare_entry("Fokker-Planck substeps",
                        "4",
                        Patterns::Integer(1),
                        "Crank–Nicolson steps (after two backward-Euler steps) of "
                        "the Fokker–Planck comparison per JKO step.");
      prm.declare_entry("convergence time steps",
                        "",
                        Patterns::Anything(),
                        "Time steps 'τ1, τ2, ...' (decreasing) of extra JKO runs "
                        "to `Time/end time`: summary.json reports the L2 distance "
                        "to the Fokker–Planck solution (D = I, same mesh, time step "
                        "min τ / substeps) at the end and the measured orders "
                        "in τ (the claim: 1). Empty: none.");
      prm.declare_entry("anisotropic JKO",
                        "false",
                        Patterns::Bool(),
                        "Also run JKO steps of β⁻¹KL(ρ‖ρ_ss), ρ_ss the Fokker–Planck "
                        "steady state with the landscape's D, in the transport "
                        "metric weighted by D⁻¹ (the Gibbs kernel as heat steps "
                        "with the tensor D, by Varadhan's formula): the gradient "
                        "part of the anisotropic Fokker–Planck flow. diagnostics.csv "
                        "and summary.json report its KL and its L2 distance to "
                        "the Fokker–Planck trajectory (the rotational part).");
      LinearSolverParameters::declare_parameters(prm, "direct");
    }

    template <int dim>
    class JkoProblem : public TimeDependentProblem
    {
    public:
      explicit JkoProblem(RunContext &context);

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
      double
      entropic_parameter(double tau) const;
      double
      step_temperature(double tau) const;
      std::unique_ptr<GibbsKernel<dim>> &
      kernel_for(double tau);
      /// ‖u − v‖ in L2 (the mass matrix).
      double
      l2_distance(const PVector &u, const PVector &v) const;
      /// The FP solution (D = I) at `end` from ρ_0 with `steps` steps.
      PVector
      fokker_planck_at(double end, unsigned int steps);
      /// The extra runs of `convergence time steps`; `orders` gets the
      /// measured orders in τ.
      Json
      convergence_study(std::vector<double> &orders);

      RunContext &                      context;
      MPI_Comm                          comm;
      MeshParameters                    mesh;
      TimeParameters                    time_parameters;
      LinearSolverParameters            linear_solver;
      double                            beta = 1;
      InitialDensity<dim>               initial_density;
      double                            blur_fraction = 0.25;
      bool                              compensate    = true;
      KernelMethod                      kernel_method = KernelMethod::automatic;
      unsigned int                      heat_steps    = 10;
      SinkhornControl                   sinkhorn;
      bool                              with_step_distance = true;
      unsigned int                      fp_substeps        = 4;
      std::vector<double>               study_steps;
      bool                              with_anisotropic_jko = false;
      std::unique_ptr<Landscape<dim>>   landscape;
      std::unique_ptr<ScalarSpace<dim>> space;

      PVector f_nodal; // f at the nodes (owned)
      std::vector<double> f_at_quadrature;
      PETScWrappers::MPI::SparseMatrix fp_isotropic, fp_landscape;
      std::unique_ptr<ThetaStepper>    stepper_isotropic, stepper_landscape;
      PVector rho_ss_isotropic, rho_ss_landscape;     // ghosted
      PVector rho, rho_previous, fp_rho, fp_aniso_rho; // owned
      PVector log_a, log_b;
      // The D⁻¹-weighted JKO of β⁻¹KL(ρ‖ρ_ss) (`anisotropic JKO`).
      PVector                           phi_nodal; // Φ = −β⁻¹ log ρ_ss
      PVector                           rho_D, log_a_D, log_b_D;
      std::unique_ptr<GibbsKernel<dim>> kernel_D;
      double                            kernel_D_tau = -1;
      SinkhornReport                    last_report_D;
      std::unique_ptr<GibbsKernel<dim>> kernel;
      double                            kernel_tau = -1;
      unsigned int                      steps_done = 0;
      SinkhornReport                    last_report;
      unsigned int                      last_distance_iterations = 0;
      unsigned long                     total_sinkhorn_iterations = 0;
      double                            sinkhorn_seconds          = 0;
    };

    template <int dim>
    JkoProblem<dim>::JkoProblem(RunContext &context)
      : context(context)
      , comm(context.folder.communicator())
    {
      ParameterHandler &prm = context.prm;
      mesh.parse_parameters(prm);
      time_parameters.parse_parameters(prm);
      landscape = create_landscape<dim>(prm);
      prm.enter_subsection("jko");
      beta         = prm.get_double("inverse temperature");
      initial_density.parse_parameters(prm, "/jko");
      blur_fraction      = prm.get_double("entropic blur fraction");
      compensate         = prm.get_bool("compensate entropic blur");
      {
        const std::string method = prm.get("Gibbs kernel");
        kernel_method            = method == "exact"      ? KernelMethod::exact :
                                   method == "heat steps" ? KernelMethod::heat_steps :
                                                            KernelMethod::automatic;
      }
      heat_steps         = prm.get_integer("heat steps per kernel");
      sinkhorn.tolerance = prm.get_double("Sinkhorn tolerance");
      sinkhorn.max_iterations = prm.get_integer("max Sinkhorn iterations");
      with_step_distance = prm.get_bool("step distance");
      with_anisotropic_jko = prm.get_bool("anisotropic JKO");
      fp_substeps        = prm.get_integer("Fokker-Planck substeps");
      const std::string study = Utilities::trim(prm.get("convergence time steps"));
      if (!study.empty())
        study_steps = parse_numbers(study, "/jko/convergence time steps");
      linear_solver.parse_parameters(prm);
      prm.leave_subsection();

      if (!(beta > 0))
        throw InputError("/jko/inverse temperature", "must be positive");
      if (!(blur_fraction > 0))
        throw InputError("/jko/entropic blur fraction", "must be positive");
      if (compensate && !(blur_fraction < 1))
        throw InputError("/jko/entropic blur fraction",
                         "must be below 1 with `compensate entropic blur` (the step's "
                         "temperature β⁻¹(1 − c) must stay positive)");
      if (!(sinkhorn.tolerance > 0))
        throw InputError("/jko/Sinkhorn tolerance", "must be positive");
      if (mesh.degree != 1)
        throw InputError("/Mesh/degree",
                         "the jko solver needs degree 1 (Q1 with a lumped mass: the "
                         "quadrature of the exact kernel, and what keeps the heat-step "
                         "kernel positive)");
      if (study_steps.size() == 1)
        throw InputError("/jko/convergence time steps", "give at least two time steps, or none");
      for (std::size_t n = 0; n < study_steps.size(); ++n)
        if (!(study_steps[n] > 0) || (n > 0 && !(study_steps[n] < study_steps[n - 1])))
          throw InputError("/jko/convergence time steps", "must be positive and decreasing");
      space = std::make_unique<ScalarSpace<dim>>(comm, landscape->domain(), mesh.degree);
    }

    template <int dim>
    double
    JkoProblem<dim>::entropic_parameter(const double tau) const
    {
      return 4 * blur_fraction * tau / beta;
    }

    template <int dim>
    double
    JkoProblem<dim>::step_temperature(const double tau) const
    {
      return 1 / beta - (compensate ? entropic_parameter(tau) / (4 * tau) : 0.0);
    }

    template <int dim>
    std::unique_ptr<GibbsKernel<dim>> &
    JkoProblem<dim>::kernel_for(const double tau)
    {
      if (!kernel || kernel_tau != tau)
        {
          kernel = make_gibbs_kernel(*space, entropic_parameter(tau), kernel_method, heat_steps, linear_solver);
          kernel_tau = tau;
        }
      return kernel;
    }

    template <int dim>
    void
    JkoProblem<dim>::setup_system()
    {
      f_nodal         = space->landscape_nodal(*landscape);
      f_at_quadrature = landscape_at_quadrature_points(space->dof_handler(), *landscape);
      // Fokker–Planck with D = I (the W₂ gradient flow of J) and with the
      // landscape's D, and their steady states.
      PVector owned_ss = space->owned_vector();
      assemble_fokker_planck_operator(*space, *landscape, beta, true, fp_isotropic);
      solve_fokker_planck_steady_state(*space, *landscape, fp_isotropic, linear_solver, owned_ss);
      rho_ss_isotropic = space->ghosted_vector();
      rho_ss_isotropic = owned_ss;
      assemble_fokker_planck_operator(*space, *landscape, beta, false, fp_landscape);
      solve_fokker_planck_steady_state(*space, *landscape, fp_landscape, linear_solver, owned_ss);
      rho_ss_landscape = space->ghosted_vector();
      rho_ss_landscape = owned_ss;
      stepper_isotropic = std::make_unique<ThetaStepper>(space->mass(), fp_isotropic, linear_solver, false, comm);
      stepper_landscape = std::make_unique<ThetaStepper>(space->mass(), fp_landscape, linear_solver, false, comm);
      rho          = space->owned_vector();
      rho_previous = space->owned_vector();
      fp_rho       = space->owned_vector();
      fp_aniso_rho = space->owned_vector();
      log_a        = space->owned_vector();
      log_b        = space->owned_vector();
      rho_D        = space->owned_vector();
      log_a_D      = space->owned_vector();
      log_b_D      = space->owned_vector();
      phi_nodal    = space->owned_vector();
      for (const auto i : space->owned())
        phi_nodal(i) = -std::log(std::max(static_cast<double>(owned_ss(i)), 1e-300)) / beta;
      phi_nodal.compress(VectorOperation::insert);
      space->constraints().distribute(phi_nodal);
    }

    template <int dim>
    void
    JkoProblem<dim>::set_initial_condition()
    {
      space->create(mesh.refinement);
      check_diffusion(*landscape, space->triangulation(), "/Landscape");
      setup_system();
      initial_density.interpolate(*space, rho);
      fp_rho       = rho;
      fp_aniso_rho = rho;
      rho_previous = rho;
      rho_D        = rho;
      steps_done   = 0;
    }

    template <int dim>
    void
    JkoProblem<dim>::advance(const double time, const double tau)
    {
      rho_previous = rho;
      const auto start = std::chrono::steady_clock::now();
      PVector    next  = space->owned_vector();
      try
        {
          last_report = entropic_jko_step(*kernel_for(tau), rho, f_nodal, tau, step_temperature(tau), sinkhorn, log_a, log_b, next);
        }
      catch (const std::runtime_error &error)
        {
          throw std::runtime_error(std::string(error.what()) + " (step from t = " + std::to_string(time) + ")");
        }
      rho = next;
      total_sinkhorn_iterations += last_report.iterations;
      if (with_anisotropic_jko)
        {
          if (!kernel_D || kernel_D_tau != tau)
            {
              // The heat kernel of div(D∇) is ∝ (det D(x) det D(y))^{−1/4}
              // e^{−d²/γ}, d the D⁻¹-distance. That factor is no error to
              // compensate: it offsets the volume of the metric in the
              // entropy of the plan, so that to first order in γ the blur
              // is β⁻¹ → β⁻¹ + γ/(4τ) as with D = I (the Schrödinger
              // problem with the heat kernel as reference). Measured
              // (tests/regression/jko_variable_D_1d.prm): the distance to
              // FP with D(x) falls linearly in τ; with (c/(2β)) log det D
              // subtracted from Φ it stays at 0.0155 (∝ c).
              kernel_D = std::make_unique<HeatStepKernel<dim>>(
                *space, entropic_parameter(tau), heat_steps, linear_solver,
                [this](const Point<dim> &x) { return landscape->diffusion(x); });
              kernel_D_tau = tau;
            }
          last_report_D = entropic_jko_step(*kernel_D, rho_D, phi_nodal, tau, step_temperature(tau), sinkhorn, log_a_D, log_b_D, next);
          rho_D = next;
          total_sinkhorn_iterations += last_report_D.iterations;
        }
      if (with_step_distance)
        last_distance_iterations = 0;
      sinkhorn_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // The Fokker–Planck comparisons over the same interval.
      const double dt = tau / fp_substeps;
      for (unsigned int n = 0; n < fp_substeps; ++n)
        {
          const double theta = steps_done == 0 && n < 2 ? 1.0 : 0.5;
          stepper_isotropic->step(fp_rho, dt, theta);
          stepper_landscape->step(fp_aniso_rho, dt, theta);
        }
      space->constraints().distribute(fp_rho);
      space->constraints().distribute(fp_aniso_rho);
      ++steps_done;
    }

    template <int dim>
    double
    JkoProblem<dim>::l2_distance(const PVector &u, const PVector &v) const
    {
      PVector difference(u), m_difference(u);
      difference -= v;
      space->mass().vmult(m_difference, difference);
      return std::sqrt(std::max(0.0, difference * m_difference));
    }

    template <int dim>
    Diagnostics::Row
    JkoProblem<dim>::diagnostics(const double)
    {
      PVector ghosted = space->ghosted_vector();
      ghosted         = rho;
      const auto figures =
        evaluate_density(space->dof_handler(), ghosted, &rho_ss_isotropic, *landscape, f_at_quadrature, beta, 0, {});
      ghosted = fp_aniso_rho;
      const auto fp_figures =
        evaluate_density(space->dof_handler(), ghosted, &rho_ss_landscape, *landscape, f_at_quadrature, beta, 0, {});
      double step_w2 = 0;
      if (with_step_distance && steps_done > 0)
        {
          // A diagnostic: a marginal error of 1e-6 leaves W₂² within about
          // 1e-6 of its own size, far below the entropic and kernel errors.
          SinkhornControl loose = sinkhorn;
          loose.tolerance       = std::max(sinkhorn.tolerance, 1e-6);
          step_w2 = std::sqrt(std::max(0.0, sinkhorn_divergence(*kernel, rho_previous, rho, loose, &last_distance_iterations)));
        }
      Diagnostics::Row row = {{"mass", space->integrals() * rho},
                              {"min rho", global_min(rho).value},
                              {"J", figures.expected_f - figures.entropy / beta},
                              {"entropy", figures.entropy},
                              {"E f", figures.expected_f},
                              {"KL", figures.kl},
                              {"W2 step", with_step_distance ? step_w2 : std::numeric_limits<double>::quiet_NaN()},
                              {"L2 distance to FP", l2_distance(rho, fp_rho)},
                              {"FP KL", [&] {
                                 ghosted = fp_rho;
                                 return evaluate_density(space->dof_handler(), ghosted, &rho_ss_isotropic, *landscape, f_at_quadrature, beta, 0, {}).kl;
                               }()},
                              {"anisotropic FP KL", fp_figures.kl}};
      if (with_anisotropic_jko)
        {
          ghosted = rho_D;
          row.insert(row.end(),
                     {{"D-JKO KL", evaluate_density(space->dof_handler(), ghosted, &rho_ss_landscape, *landscape, f_at_quadrature, beta, 0, {}).kl},
                      {"D-JKO L2 distance to anisotropic FP", l2_distance(rho_D, fp_aniso_rho)},
                      {"D-JKO Sinkhorn iterations", double(last_report_D.iterations)}});
        }
      const char *axes = "xyz";
      for (unsigned int d = 0; d < dim; ++d)
        row.emplace_back(std::string("mean ") + axes[d], figures.mean[d]);
      for (unsigned int a = 0; a < dim; ++a)
        for (unsigned int b = a; b < dim; ++b)
          row.emplace_back(std::string("cov ") + axes[a] + axes[b], figures.covariance[a][b]);
      row.insert(row.end(),
                 {{"Sinkhorn iterations", double(last_report.iterations)},
                  {"marginal error", last_report.marginal_error},
                  {"mass defect", last_report.mass_defect},
                  {"W2 Sinkhorn iterations", double(last_distance_iterations)}});
      return row;
    }

    template <int dim>
    void
    JkoProblem<dim>::output_fields(FieldOutput &output, const double time, const unsigned int index)
    {
      PVector owned_log = space->owned_vector(), owned_difference(rho);
      for (const auto i : space->owned())
        owned_log(i) = std::log(std::max(static_cast<double>(rho(i)), 1e-300));
      owned_log.compress(VectorOperation::insert);
      owned_difference -= fp_rho;
      PVector g_rho = space->ghosted_vector(), g_log = space->ghosted_vector(),
              g_fp = space->ghosted_vector(), g_difference = space->ghosted_vector();
      g_rho        = rho;
      g_log        = owned_log;
      g_fp         = fp_rho;
      g_difference = owned_difference;
      DataOut<dim> data_out;
      data_out.attach_dof_handler(space->dof_handler());
      data_out.add_data_vector(g_rho, "rho");
      data_out.add_data_vector(g_log, "log_rho");
      data_out.add_data_vector(g_fp, "rho_fp");
      data_out.add_data_vector(g_difference, "rho_minus_fp");
      output.write(data_out, 1, time, index);
    }

    template <int dim>
    void
    JkoProblem<dim>::save_state(const std::string &prefix)
    {
      std::vector<PVector> ghosted(9, space->ghosted_vector());
      const PVector *owned[9] = {&rho, &fp_rho, &fp_aniso_rho, &log_a, &log_b, &rho_previous, &rho_D, &log_a_D, &log_b_D};
      std::vector<const PVector *> pointers;
      for (unsigned int n = 0; n < 9; ++n)
        {
          ghosted[n] = *owned[n];
          pointers.push_back(&ghosted[n]);
        }
      save_mesh_and_vectors(space->dof_handler(), pointers, prefix);
      if (context.folder.is_root())
        write_file_atomically(prefix + ".jko", std::to_string(steps_done) + " " + std::to_string(total_sinkhorn_iterations) + "\n");
    }

    template <int dim>
    void
    JkoProblem<dim>::load_state(const std::string &prefix)
    {
      space->load(prefix);
      setup_system();
      load_vectors(space->dof_handler(), {&rho, &fp_rho, &fp_aniso_rho, &log_a, &log_b, &rho_previous, &rho_D, &log_a_D, &log_b_D}, prefix);
      for (PVector *v : {&rho, &fp_rho, &fp_aniso_rho, &log_a, &log_b, &rho_previous, &rho_D, &log_a_D, &log_b_D})
        space->constraints().distribute(*v);
      std::istringstream state(read_file(prefix + ".jko"));
      state >> steps_done >> total_sinkhorn_iterations;
    }

    template <int dim>
    PVector
    JkoProblem<dim>::fokker_planck_at(const double end, const unsigned int steps)
    {
      PVector u = space->owned_vector();
      initial_density.interpolate(*space, u);
      ThetaStepper stepper(space->mass(), fp_isotropic, linear_solver, false, comm);
      for (unsigned int n = 0; n < steps; ++n)
        stepper.step(u, end / steps, n < 2 ? 1.0 : 0.5);
      space->constraints().distribute(u);
      return u;
    }

    template <int dim>
    Json
    JkoProblem<dim>::convergence_study(std::vector<double> &orders)
    {
      // JKO runs to the end time with each τ, against one FP solution with
      // the smallest τ / substeps.
      const double end       = time_parameters.end_time;
      const double tau_min   = study_steps.back();
      const auto   fp_steps  = static_cast<unsigned int>(std::llround(end / tau_min)) * fp_substeps;
      const PVector reference = fokker_planck_at(end, fp_steps);
      Json         rows      = Json::array();
      std::vector<double> errors;
      for (const double tau : study_steps)
        {
          const auto n = static_cast<unsigned int>(std::llround(end / tau));
          if (std::abs(n * tau - end) > 1e-9 * end)
            throw InputError("/jko/convergence time steps",
                             "each must divide Time/end time into whole steps");
          PVector u = space->owned_vector(), next = space->owned_vector();
          PVector la = space->owned_vector(), lb = space->owned_vector();
          initial_density.interpolate(*space, u);
          const auto study_kernel = make_gibbs_kernel(*space, entropic_parameter(tau), kernel_method, heat_steps, linear_solver);
          unsigned long iterations = 0;
          for (unsigned int k = 0; k < n; ++k)
            {
              iterations += entropic_jko_step(*study_kernel, u, f_nodal, tau, step_temperature(tau), sinkhorn, la, lb, next).iterations;
              u = next;
            }
          errors.push_back(l2_distance(u, reference));
          rows.push(Json::object()
                      .set("tau", tau)
                      .set("gamma", entropic_parameter(tau))
                      .set("L2 distance to FP", errors.back())
                      .set("Sinkhorn iterations per step", double(iterations) / n));
        }
      orders.clear();
      for (std::size_t n = 1; n < errors.size(); ++n)
        orders.push_back(std::log(errors[n - 1] / errors[n]) / std::log(study_steps[n - 1] / study_steps[n]));
      return Json::object().set("runs", rows).set("orders", orders);
    }

    template <int dim>
    void
    JkoProblem<dim>::run()
    {
      std::ostringstream parameters;
      context.prm.print_parameters(parameters, ParameterHandler::ShortPRM);
      TimeLoop           loop(time_parameters, context.folder, "jko", parameters.str());
      const Diagnostics &table = loop.run(*this, context.resume);

      const double tau   = time_parameters.time_step;
      const double gamma = entropic_parameter(tau);
      const auto * heat_step_kernel = dynamic_cast<const HeatStepKernel<dim> *>(kernel.get());
      const bool   heat  = global_max(f_nodal).value == 0 && global_min(f_nodal).value == 0;
      const auto   J = table.column("J"), mass = table.column("mass");
      const double J_increase = table.largest_increase("J"), kl_increase = table.largest_increase("anisotropic FP KL");
      const double lowest     = table.smallest("min rho");
      double       mass_drift = 0;
      for (std::size_t n = 0; n < mass.size(); ++n)
        mass_drift = std::max(mass_drift, std::abs(mass[n] - mass[0]));

      Json claims = Json::array();
      // Monotonicity, beyond round-off of the quadrature (relative 1e-12).
      const double J_scale = std::max(1.0, std::abs(J[0]));
      claims.push(Json::object()
                    .set("claim", "J(ρ_k) = E[f] − β⁻¹H never increases along the JKO iterates")
                    .set("measured", J_increase)
                    .set("expected", "<= 0 (1e-12 relative)")
                    .set("pass", J_increase <= 1e-12 * J_scale));
      claims.push(Json::object()
                    .set("claim", "KL(ρ‖ρ_ss) never increases along the Fokker–Planck trajectory with the landscape's D(x)")
                    .set("measured", kl_increase)
                    .set("expected", "<= 0 (1e-12)")
                    .set("pass", kl_increase <= 1e-12));
      Json summary = Json::object();
      if (with_anisotropic_jko)
        {
          const double increase  = table.largest_increase("D-JKO KL");
          const double largest   = std::max(0.0, table.largest("D-JKO L2 distance to anisotropic FP"));
          const double largest_I = std::max(0.0, table.largest("L2 distance to FP"));
          claims.push(Json::object()
                        .set("claim", "KL(ρ‖ρ_ss) never increases along the JKO iterates of β⁻¹KL(ρ‖ρ_ss) in the D⁻¹-weighted metric")
                        .set("measured", increase)
                        .set("expected", "<= 0 (1e-12)")
                        .set("pass", increase <= 1e-12));
          summary.set("anisotropic JKO",
                      Json::object()
                        .set("largest L2 distance to anisotropic FP", largest)
                        .set("final L2 distance to anisotropic FP", table.last("D-JKO L2 distance to anisotropic FP"))
                        .set("largest L2 distance of the D = I JKO to FP (D = I), for scale", largest_I)
                        .set("final KL", table.last("D-JKO KL")));
        }
      if (!study_steps.empty())
        {
          std::vector<double> orders;
          summary.set("convergence", convergence_study(orders));
          bool within = true;
          for (const double order : orders)
            within = within && std::abs(order - 1) <= 0.3;
          claims.push(Json::object()
                        .set("claim",
                             heat ? "the heat equation is the W₂ gradient flow of −H: JKO iterates (f = 0) "
                                    "approach the heat solution with error O(τ)" :
                                    "Fokker–Planck with D = I is the W₂ gradient flow of J: the distance "
                                    "from the JKO iterates to the FP solution at the end time falls "
                                    "linearly in τ")
                        .set("measured", orders)
                        .set("expected", "order 1 ± 0.3 between consecutive τ")
                        .set("pass", within));
        }
      summary.set("solver", "jko")
        .set("landscape", landscape_name(context.prm))
        .set("dimension", dim)
        .set("inverse temperature", beta)
        .set("tau", tau)
        .set("gamma", gamma)
        .set("entropic blur: temperature added to first order, gamma/(4 tau)", gamma / (4 * tau))
        .set("entropic blur: relative to 1/beta", gamma * beta / (4 * tau))
        .set("compensated", compensate)
        .set("step temperature", step_temperature(tau))
        .set("kernel standard deviation sqrt(gamma/2)", std::sqrt(gamma / 2))
        .set("h", space->mesh_size())
        .set("Gibbs kernel", !kernel ? "none" : heat_step_kernel ? "heat steps" : "exact")
        .set("heat steps per kernel", heat_step_kernel ? heat_step_kernel->heat_steps() : 0u)
        .set("kernel theta", heat_step_kernel ? heat_step_kernel->theta() : 1.0)
        .set("heat equation", heat)
        .set("steps", loop.n_steps())
        .set("final time", table.last("time"))
        .set("largest mass drift", mass_drift)
        .set("lowest min rho", lowest)
        .set("final J", table.last("J"))
        .set("final KL", table.last("KL"))
        .set("final L2 distance to FP", table.last("L2 distance to FP"))
        .set("final mean", [&] {
          std::vector<double> m;
          const char *axes = "xyz";
          for (unsigned int d = 0; d < dim; ++d)
            m.push_back(table.last(std::string("mean ") + axes[d]));
          return m;
        }())
        .set("final covariance", [&] {
          std::vector<double> c;
          const char *axes = "xyz";
          for (unsigned int a = 0; a < dim; ++a)
            for (unsigned int b = 0; b < dim; ++b)
              c.push_back(table.last(std::string("cov ") + axes[std::min(a, b)] + axes[std::max(a, b)]));
          return c;
        }())
        .set("dofs", space->dof_handler().n_dofs())
        .set("claims", claims);
      // The two Lyapunov functionals, over the whole run, are the run's
      // trust checks (the same bounds as the claims above).
      TrustReport &trust = context.folder.trust();
      trust.at_most("largest J increase", J_increase, 1e-12 * J_scale,
                    "J must not increase along JKO iterates: tighten `Sinkhorn tolerance` or refine the mesh");
      trust.at_most("largest Fokker-Planck KL increase", kl_increase, 1e-12,
                    "the Fokker–Planck reference oscillates: refine the mesh or shorten the time step");
      context.folder.write("timings.json",
                           Json::object()
                             .set("dofs", space->dof_handler().n_dofs())
                             .set("Sinkhorn iterations", double(total_sinkhorn_iterations))
                             .set("JKO seconds", sinkhorn_seconds)
                             .dump());
      context.folder.finish(summary);
      const double h = space->mesh_size(); // collective: on every rank
      if (context.folder.is_root())
        std::cout << "  " << space->dof_handler().n_dofs() << " DoFs, τ = " << tau << ", γ = " << gamma
                  << " (blur γ/(4τ) = " << gamma / (4 * tau) << (compensate ? ", compensated" : "")
                  << "), kernel width " << std::sqrt(gamma / 2) << " = "
                  << std::sqrt(gamma / 2) / h << " h, "
                  << (heat_step_kernel ? "as heat steps" : "exact") << "; "
                  << total_sinkhorn_iterations << " Sinkhorn iterations" << std::endl;
    }

    template <int dim>
    void
    run_jko(RunContext &context)
    {
      JkoProblem<dim> problem(context);
      problem.run();
    }
  } // namespace

  RELAX_REGISTER_SOLVER(run_jko,
                        "jko",
                        "JKO steps ρ_{k+1} = argmin J(ρ) + W₂²(ρ, ρ_k)/(2τ), "
                        "J = E_ρ[f] − β⁻¹H(ρ), by entropic transport with the Gibbs "
                        "kernel on the mesh (exact on uniform grids, or heat steps); compared with the "
                        "Fokker–Planck solution on the same mesh, with the claims "
                        "of the W₂ gradient-flow picture checked in summary.json.",
                        &declare_jko_parameters,
                        true)
} // namespace relax
