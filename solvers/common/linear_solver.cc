#include "solvers/common/linear_solver.h"

#include <deal.II/base/parameter_handler.h>
#include <deal.II/lac/petsc_matrix_base.h>
#include <deal.II/lac/petsc_vector.h>

#include <petscksp.h>

#include <stdexcept>

namespace relax
{
  struct LinearSolver::Implementation
  {
    KSP ksp = nullptr;
    /// The sequential copy of the matrix for PETSc's own LU.
    Mat serial = nullptr;
  };

  void
  LinearSolverParameters::declare_parameters(dealii::ParameterHandler &prm,
                                             const std::string &default_method)
  {
    prm.declare_entry("linear solver",
                      default_method,
                      dealii::Patterns::Selection("direct|iterative"),
                      "direct: a MUMPS LU factorisation, computed once and "
                      "reused while the matrix stays the same (fixed time "
                      "step); iterative: CG (symmetric) or GMRES with "
                      "BoomerAMG, to the tolerance below.");
    prm.declare_entry("linear solver tolerance",
                      "1e-12",
                      dealii::Patterns::Double(0),
                      "Iterative solves stop when the residual is below this "
                      "fraction of the right-hand side (it bounds the mass "
                      "error per step).");
  }

  void
  LinearSolverParameters::parse_parameters(dealii::ParameterHandler &prm)
  {
    method    = prm.get("linear solver");
    tolerance = prm.get_double("linear solver tolerance");
  }

  LinearSolver::LinearSolver(const LinearSolverParameters &parameters,
                             const bool                    symmetric,
                             MPI_Comm                      comm)
    : parameters(parameters)
    , symmetric(symmetric)
    , comm(comm)
    , implementation(std::make_unique<Implementation>())
  {}

  LinearSolver::~LinearSolver()
  {
    if (implementation->ksp != nullptr)
      KSPDestroy(&implementation->ksp);
    if (implementation->serial != nullptr)
      MatDestroy(&implementation->serial);
  }

  void
  LinearSolver::set_matrix(const dealii::PETScWrappers::MatrixBase &matrix)
  {
    set_matrix(static_cast<Mat>(matrix));
  }

  void
  LinearSolver::set_matrix(Mat A)
  {
    if (implementation->ksp != nullptr)
      KSPDestroy(&implementation->ksp);
    if (implementation->serial != nullptr)
      MatDestroy(&implementation->serial);
    int ranks = 1;
    MPI_Comm_size(comm, &ranks);
    const bool native = parameters.method == "direct" && parameters.serial_native_lu && ranks == 1;
    if (native)
      {
        MatConvert(A, MATSEQAIJ, MAT_INITIAL_MATRIX, &implementation->serial);
        A = implementation->serial;
      }
    KSP &ksp = implementation->ksp;
    KSPCreate(comm, &ksp);
    KSPSetOperators(ksp, A, A);
    PC pc;
    KSPGetPC(ksp, &pc);
    if (parameters.method == "direct")
      {
        KSPSetType(ksp, KSPPREONLY);
        PCSetType(pc, PCLU);
        if (native)
          {
            PCFactorSetMatSolverType(pc, MATSOLVERPETSC);
            PCFactorSetMatOrderingType(pc, MATORDERINGND);
          }
        else
          PCFactorSetMatSolverType(pc, MATSOLVERMUMPS);
      }
    else
      {
        if (symmetric)
          {
            KSPSetType(ksp, KSPCG);
            KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED);
          }
        else
          {
            KSPSetType(ksp, KSPGMRES);
            KSPGMRESSetRestart(ksp, 100);
            KSPSetPCSide(ksp, PC_RIGHT);
          }
        PCSetType(pc, PCHYPRE);
        PCHYPRESetType(pc, "boomeramg");
        KSPSetTolerances(ksp, parameters.tolerance, 1e-300, PETSC_DEFAULT, 2000);
        KSPSetInitialGuessNonzero(ksp, PETSC_TRUE);
      }
    const PetscErrorCode error = KSPSetUp(ksp);
    if (error != 0)
      throw std::runtime_error("the " + parameters.method +
                               " linear solver could not be set up (PETSc "
                               "error " + std::to_string(error) + ")");
  }

  unsigned int
  LinearSolver::solve(dealii::PETScWrappers::MPI::Vector &      x,
                      const dealii::PETScWrappers::MPI::Vector &b)
  {
    KSP &ksp = implementation->ksp;
    if (ksp == nullptr)
      throw std::logic_error("LinearSolver::solve before set_matrix");
    KSPSolve(ksp, static_cast<const Vec &>(b), static_cast<const Vec &>(x));
    KSPConvergedReason reason;
    KSPGetConvergedReason(ksp, &reason);
    if (reason < 0)
      throw std::runtime_error(
        "the " + parameters.method + " linear solver failed (" +
        KSPConvergedReasons[reason] +
        "); the last good checkpoint, if any, is kept");
    PetscInt iterations = 0;
    KSPGetIterationNumber(ksp, &iterations);
    return parameters.method == "direct" ? 1 : iterations;
  }
  ThetaStepper::ThetaStepper(const dealii::PETScWrappers::MatrixBase &mass,
                             const dealii::PETScWrappers::MatrixBase &operator_matrix,
                             const LinearSolverParameters &           parameters,
                             const bool                               symmetric,
                             MPI_Comm                                 comm)
    : mass(mass)
    , operator_matrix(operator_matrix)
    , solver(parameters, symmetric, comm)
  {}

  ThetaStepper::~ThetaStepper()
  {
    if (system != nullptr)
      MatDestroy(&system);
  }

  unsigned int
  ThetaStepper::step(dealii::PETScWrappers::MPI::Vector &u,
                     const double                        time_step,
                     const double                        theta)
  {
    const double factor = theta * time_step;
    if (factor != system_factor)
      {
        if (system != nullptr)
          MatDestroy(&system);
        MatDuplicate(static_cast<Mat>(mass), MAT_COPY_VALUES, &system);
        MatAXPY(system, factor, static_cast<Mat>(operator_matrix), SUBSET_NONZERO_PATTERN);
        solver.set_matrix(system);
        system_factor = factor;
      }
    dealii::PETScWrappers::MPI::Vector rhs(u), tmp(u);
    mass.vmult(rhs, u);
    if (theta < 1)
      {
        operator_matrix.vmult(tmp, u);
        rhs.add(-(1 - theta) * time_step, tmp);
      }
    return solver.solve(u, rhs);
  }
} // namespace relax
