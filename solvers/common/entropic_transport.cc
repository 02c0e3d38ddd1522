#include "solvers/common/entropic_transport.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include "solvers/common/scalar_space.h"

#include <petscmat.h>
#include <petscvec.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace relax
{
  namespace
  {
    using dealii::PETScWrappers::MPI::Vector;

    /// The owned entries of a PETSc vector as an array: read-write for
    /// `Entries`, read-only for `ConstEntries`.
    template <typename Value>
    class OwnedEntries
    {
      static constexpr bool read_only = std::is_const_v<Value>;
      using VectorReference           = std::conditional_t<read_only, const Vector &, Vector &>;

    public:
      explicit OwnedEntries(VectorReference v)
        : vec(static_cast<Vec>(const_cast<Vector &>(v)))
      {
        if constexpr (read_only)
          VecGetArrayRead(vec, &data);
        else
          VecGetArray(vec, &data);
        PetscInt n;
        VecGetLocalSize(vec, &n);
        count = n;
      }
      ~OwnedEntries()
      {
        if constexpr (read_only)
          VecRestoreArrayRead(vec, &data);
        else
          VecRestoreArray(vec, &data);
      }
      Value &operator[](std::size_t i) const
      {
        return data[i];
      }
      std::size_t
      size() const
      {
        return count;
      }

    private:
      Vec         vec;
      Value *     data;
      std::size_t count;
    };
    using Entries      = OwnedEntries<double>;
    using ConstEntries = OwnedEntries<const double>;

    /// result_i = combine(x_i, y_i) over the owned entries (`result` may
    /// not be `x` or `y`).
    template <typename Combine>
    void
    set_entrywise(Vector &result, const Vector &x, const Vector &y, Combine combine)
    {
      ConstEntries xs(x), ys(y);
      Entries      out(result);
      for (std::size_t i = 0; i < xs.size(); ++i)
        out[i] = combine(xs[i], ys[i]);
    }

    double
    safe_log(const double x)
    {
      return std::log(std::max(x, 1e-300));
    }
  } // namespace

  template <int dim>
  GibbsKernel<dim>::GibbsKernel(const ScalarSpace<dim> &      space,
                                const double                  gamma,
                                const unsigned int            heat_steps,
                                const LinearSolverParameters &linear_solver,
                                const Diffusion &             diffusion)
    : fe_space(space)
    , epsilon(gamma)
    , solver_parameters(linear_solver)
  {
    solver_parameters.serial_native_lu = true;
    using namespace dealii;
    if (space.fe().degree != 1)
      throw std::logic_error("GibbsKernel needs Q1 elements (a positive kernel)");
    // The lumped mass W (row sums of the consistent mass) and the stiffness
    // K, assembled apart: the θ-step needs W + θsK and W − (1 − θ)sK.
    space.reinit(implicit_part);
    space.reinit(explicit_part);
    lumped_mass = space.owned_vector();
    const QGauss<dim>  quadrature(2);
    FEValues<dim>      fe_values(space.fe(), quadrature,
                            update_values | update_gradients | update_quadrature_points |
                              update_JxW_values);
    const unsigned int n = space.fe().n_dofs_per_cell();
    FullMatrix<double> cell_matrix(n, n);
    dealii::Vector<double> cell_mass(n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_matrix = 0;
          cell_mass   = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            {
              const SymmetricTensor<2, dim> D =
                diffusion ? diffusion(fe_values.quadrature_point(q)) : unit_symmetric_tensor<dim>();
              for (unsigned int i = 0; i < n; ++i)
                {
                  cell_mass(i) += fe_values.shape_value(i, q) * fe_values.JxW(q);
                  for (unsigned int j = 0; j < n; ++j)
                    cell_matrix(i, j) +=
                      (D * fe_values.shape_grad(j, q)) * fe_values.shape_grad(i, q) * fe_values.JxW(q);
                }
            }
          cell->get_dof_indices(indices);
          space.constraints().distribute_local_to_global(cell_matrix, cell_mass, indices, implicit_part, lumped_mass);
        }
    implicit_part.compress(VectorOperation::add);
    lumped_mass.compress(VectorOperation::add);
    // Largest K_ii/w_i (the explicit part's diagonal w_i − (1 − θ)s K_ii
    // must stay ≥ 0) and largest off-diagonal K_ij/K_ii: an entry > 0 (an
    // anisotropic D on square Q1 cells with λ_max/λ_min > 2, for one)
    // would make the kernel change sign, and its logarithm meaningless.
    double stiffest = 0, largest = 0;
    {
      Mat      B = static_cast<Mat>(implicit_part);
      PetscInt first, last;
      MatGetOwnershipRange(B, &first, &last);
      ConstEntries w(lumped_mass);
      for (PetscInt row = first; row < last; ++row)
        {
          PetscInt           n;
          const PetscInt *   columns;
          const PetscScalar *entries;
          MatGetRow(B, row, &n, &columns, &entries);
          double diagonal = 0;
          for (PetscInt k = 0; k < n; ++k)
            if (columns[k] == row)
              diagonal = std::abs(entries[k]);
          if (w[row - first] > 0)
            stiffest = std::max(stiffest, diagonal / w[row - first]);
          // Relative to the diagonal, beyond round-off of zero entries.
          for (PetscInt k = 0; k < n; ++k)
            if (columns[k] != row && diagonal > 0)
              largest = std::max(largest, entries[k] / diagonal - 1e-12);
          MatRestoreRow(B, row, &n, &columns, &entries);
        }
    }
    stiffest = Utilities::MPI::max(stiffest, space.communicator());
    if (Utilities::MPI::max(largest, space.communicator()) > 0)
      throw std::runtime_error("the heat-step Gibbs kernel is not positive on this mesh (the "
                               "diffusion matrix is too anisotropic for Q1 squares: "
                               "positive off-diagonal entries)");
    // Total time γ/4 in L steps of s = γ/(4L): the heat kernel of time t is
    // ∝ exp(−|x − y|²/(4t)). θ: see the class documentation.
    const double h2    = std::pow(space.mesh_size(), 2);
    const double c     = dim == 1 ? 1.0 : dim == 2 ? 1.25 : 1.4;
    // The longest step at which the fourth-order θ is positive; with a large
    // D (stiffer than the mesh term assumes) none is: then steps of 1/(2q).
    const double longest = std::max(2 / stiffest - c * h2 / 6, 0.5 / stiffest);
    steps = heat_steps > 0 ? heat_steps : static_cast<unsigned int>(std::ceil(gamma / (4 * longest)));
    const double s     = gamma / (4.0 * steps);
    const double fourth_order = 0.5 - c * h2 / (12 * s);
    const double positive     = 1 - 1 / (s * stiffest);
    // Not 0: explicit steps alone would give the kernel a bounded support.
    step_theta                = std::clamp(std::max(fourth_order, positive), 0.1, 1.0);
    // W − (1 − θ)sK and W + θsK from K.
    MatCopy(static_cast<Mat>(implicit_part), static_cast<Mat>(explicit_part), SAME_NONZERO_PATTERN);
    explicit_part *= -(1 - step_theta) * s;
    implicit_part *= step_theta * s;
    {
      Vector diagonal = space.owned_vector();
      diagonal        = lumped_mass;
      // Constrained rows carry nothing (w = 0): keep them invertible.
      {
        Entries d(diagonal);
        for (std::size_t i = 0; i < d.size(); ++i)
          if (d[i] == 0)
            d[i] = 1;
      }
      MatDiagonalSet(static_cast<Mat>(implicit_part), static_cast<Vec>(diagonal), ADD_VALUES);
      MatDiagonalSet(static_cast<Mat>(explicit_part), static_cast<Vec>(lumped_mass), ADD_VALUES);
    }
    work = space.owned_vector();
    rhs  = space.owned_vector();
    for (unsigned int slot = 0; slot < 2; ++slot)
      {
        space.reinit(conjugated_implicit[slot]);
        space.reinit(conjugated_explicit[slot]);
        potential[slot] = space.owned_vector();
        solver[slot]    = std::make_unique<LinearSolver>(solver_parameters, false, space.communicator());
      }
  }

  template <int dim>
  GibbsKernel<dim>::~GibbsKernel() = default;

  template <int dim>
  void
  GibbsKernel<dim>::absorb(const unsigned int slot, const Vector &log_v)
  {
    using namespace dealii;
    // θ = log_v, floored 600 below its maximum: below, e^{v−θ} underflows
    // harmlessly, and the conjugation factors stay finite.
    const double top = Utilities::MPI::max(
      [&] {
        ConstEntries v(log_v);
        double       m = -std::numeric_limits<double>::max();
        for (std::size_t i = 0; i < v.size(); ++i)
          m = std::max(m, v[i]);
        return m;
      }(),
      fe_space.communicator());
    {
      ConstEntries v(log_v);
      Entries      theta(potential[slot]);
      for (std::size_t i = 0; i < v.size(); ++i)
        theta[i] = std::max(v[i], top - 600);
    }
    fe_space.constraints().distribute(potential[slot]);
    Vector ghosted = fe_space.ghosted_vector();
    ghosted        = potential[slot];
    // (S_θ)_ij = S_ij e^{θ_j − θ_i}, row by row, for both parts of the step.
    const auto conjugate = [&](const dealii::PETScWrappers::MPI::SparseMatrix &from,
                               dealii::PETScWrappers::MPI::SparseMatrix &      to) {
      Mat      B = static_cast<Mat>(from), S = static_cast<Mat>(to);
      PetscInt first, last;
      MatGetOwnershipRange(B, &first, &last);
      std::vector<double> values;
      for (PetscInt row = first; row < last; ++row)
        {
          PetscInt           n;
          const PetscInt *   columns;
          const PetscScalar *entries;
          MatGetRow(B, row, &n, &columns, &entries);
          values.resize(n);
          const double theta_i = ghosted(row);
          for (PetscInt k = 0; k < n; ++k)
            values[k] = entries[k] * std::exp(std::clamp(ghosted(columns[k]) - theta_i, -700.0, 700.0));
          MatSetValues(S, 1, &row, n, columns, values.data(), INSERT_VALUES);
          MatRestoreRow(B, row, &n, &columns, &entries);
        }
      MatAssemblyBegin(S, MAT_FINAL_ASSEMBLY);
      MatAssemblyEnd(S, MAT_FINAL_ASSEMBLY);
    };
    conjugate(implicit_part, conjugated_implicit[slot]);
    if (step_theta < 1)
      conjugate(explicit_part, conjugated_explicit[slot]);
    Mat S = static_cast<Mat>(conjugated_implicit[slot]);
    solver[slot]->set_matrix(S);
    absorbed[slot] = true;
    ++n_factorisations;
  }

  template <int dim>
  void
  GibbsKernel<dim>::log_apply(const unsigned int slot, const Vector &log_v, Vector &result)
  {
    using namespace dealii;
    // Re-absorb when e^{v−θ} would leave [e^{−t}, e^{t}] where it matters.
    bool stale = !absorbed[slot];
    if (!stale)
      {
        double top = -std::numeric_limits<double>::max();
        {
          ConstEntries v(log_v);
          for (std::size_t i = 0; i < v.size(); ++i)
            top = std::max(top, v[i]);
        }
        top = Utilities::MPI::max(top, fe_space.communicator());
        double       drift = 0;
        ConstEntries v(log_v), theta(potential[slot]), w(lumped_mass);
        for (std::size_t i = 0; i < v.size(); ++i)
          if (w[i] > 0 && v[i] > top - 600)
            drift = std::max(drift, std::abs(v[i] - theta[i]));
        stale = Utilities::MPI::max(drift, fe_space.communicator()) > absorption_threshold;
      }
    if (stale)
      absorb(slot, log_v);

    {
      ConstEntries v(log_v), theta(potential[slot]);
      Entries      y(work);
      for (std::size_t i = 0; i < v.size(); ++i)
        y[i] = std::exp(v[i] - theta[i]);
    }
    for (unsigned int step = 0; step < steps; ++step)
      {
        if (step_theta < 1)
          conjugated_explicit[slot].vmult(rhs, work);
        else
          {
            ConstEntries y(work), w(lumped_mass);
            Entries      r(rhs);
            for (std::size_t i = 0; i < y.size(); ++i)
              r[i] = w[i] * y[i];
          }
        solver[slot]->solve(work, rhs);
        ++n_solves;
      }
    {
      ConstEntries y(work), theta(potential[slot]);
      Entries      out(result);
      for (std::size_t i = 0; i < y.size(); ++i)
        out[i] = theta[i] + safe_log(y[i]);
    }
    fe_space.constraints().distribute(result);
  }

  namespace
  {
    /// Σ_i w_i g(i) over the owned entries, summed over ranks.
    template <typename Function>
    double
    weighted_sum(const Vector &weights, MPI_Comm comm, const Function &g)
    {
      ConstEntries w(weights);
      double       sum = 0;
      for (std::size_t i = 0; i < w.size(); ++i)
        if (w[i] > 0)
          sum += w[i] * g(i);
      return dealii::Utilities::MPI::sum(sum, comm);
    }

    [[noreturn]] void
    cap_reached(const std::string &what, const SinkhornControl &control, const double error)
    {
      std::ostringstream message;
      message << what << ": the Sinkhorn iteration reached its cap of " << control.max_iterations
              << " iterations with marginal error " << error << " (tolerance " << control.tolerance
              << "); raise `max Sinkhorn iterations`, loosen `Sinkhorn tolerance`, or raise the "
                 "entropic parameter";
      throw std::runtime_error(message.str());
    }
  } // namespace

  template <int dim>
  SinkhornReport
  entropic_jko_step(GibbsKernel<dim> &                        kernel,
                    const dealii::PETScWrappers::MPI::Vector &rho_k,
                    const dealii::PETScWrappers::MPI::Vector &potential,
                    const double                              tau,
                    const double                              temperature,
                    const SinkhornControl &                   control,
                    dealii::PETScWrappers::MPI::Vector &      log_a,
                    dealii::PETScWrappers::MPI::Vector &      log_b,
                    dealii::PETScWrappers::MPI::Vector &      rho_next)
  {
    const ScalarSpace<dim> &space = kernel.space();
    const MPI_Comm          comm  = space.communicator();
    const double            gamma = kernel.gamma();
    const double            sigma = 2 * tau * temperature / gamma;
    const double            kappa = sigma / (1 + sigma);
    Vector log_rho = space.owned_vector(), log_g = space.owned_vector();
    Vector log_Ab = space.owned_vector(), log_Aa = space.owned_vector();
    {
      ConstEntries rho(rho_k), V(potential);
      Entries      lr(log_rho), lg(log_g);
      for (std::size_t i = 0; i < rho.size(); ++i)
        {
          lr[i] = safe_log(rho[i]);
          lg[i] = -(2 * tau * V[i] / gamma + sigma) / (1 + sigma);
        }
    }
    const double   mass = kernel.weights() * rho_k;
    SinkhornReport report;
    for (unsigned int n = 0;; ++n)
      {
        kernel.log_apply(1, log_b, log_Ab);
        if (n > 0)
          {
            ConstEntries la(log_a), lab(log_Ab), rho(rho_k);
            report.marginal_error = weighted_sum(kernel.weights(), comm, [&](std::size_t i) {
              return std::abs(std::exp(la[i] + lab[i]) - rho[i]);
            }) / mass;
            report.iterations = n;
            if (report.marginal_error <= control.tolerance)
              break;
            if (n >= control.max_iterations)
              cap_reached("JKO step", control, report.marginal_error);
          }
        set_entrywise(log_a, log_rho, log_Ab, [](double lr, double lab) { return lr - lab; });
        kernel.log_apply(0, log_a, log_Aa);
        set_entrywise(log_b, log_Aa, log_g, [kappa](double laa, double lg) { return -kappa * laa + lg; });
        space.constraints().distribute(log_b);
      }
    set_entrywise(rho_next, log_b, log_Aa, [](double lb, double laa) { return std::exp(lb + laa); });
    space.constraints().distribute(rho_next);
    const double new_mass = kernel.weights() * rho_next;
    report.mass_defect    = (new_mass - mass) / mass;
    rho_next *= mass / new_mass;
    return report;
  }

  namespace
  {
    /// OT_γ(α, β) + const between unit-mass densities, by Sinkhorn in log
    /// form: ⟨α, γ log(a/ρ₀)⟩ + ⟨β, γ log(b/ρ₁)⟩ at convergence (the dual
    /// value; the constant is the same for every pair and cancels in S_γ).
    /// With ρ₀ = ρ₁ (`symmetric`), the averaged symmetric iteration.
    template <int dim>
    double
    entropic_cost(GibbsKernel<dim> &     kernel,
                  const Vector &         rho_0,
                  const Vector &         rho_1,
                  const bool             symmetric,
                  const SinkhornControl &control,
                  unsigned int &         iterations)
    {
      const ScalarSpace<dim> &space = kernel.space();
      const MPI_Comm          comm  = space.communicator();
      Vector log_rho0 = space.owned_vector(), log_rho1 = space.owned_vector();
      Vector log_a = space.owned_vector(), log_b = space.owned_vector();
      Vector log_Ab = space.owned_vector(), log_Aa = space.owned_vector();
      {
        ConstEntries r0(rho_0), r1(rho_1);
        Entries      l0(log_rho0), l1(log_rho1);
        for (std::size_t i = 0; i < r0.size(); ++i)
          {
            l0[i] = safe_log(r0[i]);
            l1[i] = safe_log(r1[i]);
          }
      }
      double error = 0;
      for (unsigned int n = 0;; ++n)
        {
          kernel.log_apply(1, log_b, log_Ab);
          if (n > 0)
            {
              ConstEntries la(log_a), lab(log_Ab), rho(rho_0);
              error = weighted_sum(kernel.weights(), comm, [&](std::size_t i) {
                return std::abs(std::exp(la[i] + lab[i]) - rho[i]);
              });
              if (error <= control.tolerance)
                {
                  iterations += n;
                  break;
                }
              if (n >= control.max_iterations)
                cap_reached("Sinkhorn divergence", control, error);
            }
          if (symmetric)
            {
              // a ← sqrt(a ρ / A a): a = b throughout.
              ConstEntries l0(log_rho0), lab(log_Ab);
              Entries      la(log_a), lb(log_b);
              for (std::size_t i = 0; i < l0.size(); ++i)
                {
                  la[i] = n == 0 ? l0[i] - lab[i] : 0.5 * (la[i] + l0[i] - lab[i]);
                  lb[i] = la[i];
                }
              space.constraints().distribute(log_a);
              space.constraints().distribute(log_b);
              continue;
            }
          set_entrywise(log_a, log_rho0, log_Ab, [](double l0, double lab) { return l0 - lab; });
          kernel.log_apply(0, log_a, log_Aa);
          set_entrywise(log_b, log_rho1, log_Aa, [](double l1, double laa) { return l1 - laa; });
          space.constraints().distribute(log_b);
        }
      ConstEntries la(log_a), lb(log_b), l0(log_rho0), l1(log_rho1), r0(rho_0), r1(rho_1);
      return kernel.gamma() * weighted_sum(kernel.weights(), comm, [&](std::size_t i) {
               return (r0[i] > 0 ? r0[i] * (la[i] - l0[i]) : 0.0) +
                      (r1[i] > 0 ? r1[i] * (lb[i] - l1[i]) : 0.0);
             });
    }
  } // namespace

  template <int dim>
  double
  sinkhorn_divergence(GibbsKernel<dim> &                        kernel,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      const SinkhornControl &                   control,
                      unsigned int *                            iterations)
  {
    Vector alpha(rho_0), beta(rho_1);
    alpha /= kernel.weights() * rho_0;
    beta /= kernel.weights() * rho_1;
    unsigned int count = 0;
    const double cross = entropic_cost(kernel, alpha, beta, false, control, count);
    const double self0 = entropic_cost(kernel, alpha, alpha, true, control, count);
    const double self1 = entropic_cost(kernel, beta, beta, true, control, count);
    if (iterations != nullptr)
      *iterations = count;
    return cross - 0.5 * (self0 + self1);
  }

  template <int dim>
  double
  wasserstein_squared(const ScalarSpace<dim> &                  space,
                      const dealii::PETScWrappers::MPI::Vector &rho_0,
                      const dealii::PETScWrappers::MPI::Vector &rho_1,
                      const double                              gamma,
                      const LinearSolverParameters &            linear_solver,
                      const SinkhornControl &                   control)
  {
    GibbsKernel<dim> kernel(space, gamma, 0, linear_solver);
    return sinkhorn_divergence(kernel, rho_0, rho_1, control);
  }

#define RELAX_INSTANTIATE(dim)                                                                   \
  template double wasserstein_squared<dim>(const ScalarSpace<dim> &,                            \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           double,                                               \
                                           const LinearSolverParameters &,                       \
                                           const SinkhornControl &);                             \
  template class GibbsKernel<dim>;                                                               \
  template SinkhornReport entropic_jko_step<dim>(GibbsKernel<dim> &,                             \
                                                 const dealii::PETScWrappers::MPI::Vector &,     \
                                                 const dealii::PETScWrappers::MPI::Vector &,     \
                                                 double,                                         \
                                                 double,                                         \
                                                 const SinkhornControl &,                        \
                                                 dealii::PETScWrappers::MPI::Vector &,           \
                                                 dealii::PETScWrappers::MPI::Vector &,           \
                                                 dealii::PETScWrappers::MPI::Vector &);          \
  template double sinkhorn_divergence<dim>(GibbsKernel<dim> &,                                   \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           const SinkhornControl &,                              \
                                           unsigned int *);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
