// PETSc linear solves, chosen in the parameter file: a MUMPS LU
// factorisation kept while the matrix does not change, or a Krylov method
// with BoomerAMG.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>

typedef struct _p_Mat *Mat; // PETSc's matrix handle

namespace dealii
{
  class ParameterHandler;
  namespace PETScWrappers
  {
    class MatrixBase;
    namespace MPI
    {
      class Vector;
    }
  } // namespace PETScWrappers
} // namespace dealii

namespace relax
{
  /// Entries `linear solver` and `linear solver tolerance` of the
  /// subsection the caller entered.
  struct LinearSolverParameters
  {
    std::string method    = "direct";
    double      tolerance = 1e-12;
    /// With `direct`: PETSc's own sparse LU (nested-dissection ordering,
    /// no pivoting) in place of MUMPS. Its triangular solves cost a
    /// fraction of MUMPS's per call, which is what counts when one
    /// factorisation serves thousands of solves (the heat-step Gibbs
    /// kernel). On several ranks every rank gathers the matrix and solves
    /// with its own serial copy (PETSc's PCREDUNDANT): the same factors as
    /// on one rank, but no parallel speed-up. Not a parameter.
    bool serial_native_lu = false;

    /// `with_matrix_free` offers `matrix-free` too (a solver that has its
    /// own matrix-free operators; LinearSolver itself refuses it).
    static void
    declare_parameters(dealii::ParameterHandler &prm,
                       const std::string &       default_method,
                       bool                      with_matrix_free = false);
    void
    parse_parameters(dealii::ParameterHandler &prm);
  };

  /// Solves A x = b for one matrix A at a time.
  class LinearSolver
  {
  public:
    /// `symmetric` picks CG (else GMRES, right-preconditioned so that the
    /// tolerance bounds the true residual) for the iterative method.
    LinearSolver(const LinearSolverParameters &parameters,
                 bool                          symmetric,
                 MPI_Comm                      comm);
    ~LinearSolver();

    /// Factorises (direct) or builds the preconditioner (iterative) for
    /// `matrix`; solves use it until the next call.
    void
    set_matrix(const dealii::PETScWrappers::MatrixBase &matrix);
    void
    set_matrix(Mat matrix);

    /// Solves with `x` as the initial guess; returns the number of Krylov
    /// iterations (1 for a direct solve). Throws std::runtime_error with
    /// PETSc's reason when the solve fails.
    unsigned int
    solve(dealii::PETScWrappers::MPI::Vector &      x,
          const dealii::PETScWrappers::MPI::Vector &b);

    const std::string &
    method() const
    {
      return parameters.method;
    }

  private:
    /// Throws when KSPSetUp returned `error` ≠ 0.
    void
    check_setup(int error) const;

    LinearSolverParameters          parameters;
    bool                   symmetric;
    MPI_Comm               comm;
    struct Implementation;
    std::unique_ptr<Implementation> implementation;
  };
} // namespace relax

namespace relax
{
  /**
   * @brief The θ-scheme for M u' + A u = 0 with constant M and A:
   * (M + θΔt A) u¹ = (M − (1−θ)Δt A) u⁰, 0 < θ ≤ 1.
   *
   * Only M and the system matrix S = M + θΔt A are kept (S on M's
   * sparsity pattern): the right-hand side is ((1 + k) M − k S) u⁰ with
   * k = (1−θ)/θ, and a new θΔt turns S into r S + (1 − r) M,
   * r = θΔt_new/θΔt_old, so A is read only by the constructor and the
   * caller may release it. S and its factorisation (or preconditioner)
   * change only when θΔt does.
   */
  class ThetaStepper
  {
  public:
    ThetaStepper(const dealii::PETScWrappers::MatrixBase &mass,
                 const dealii::PETScWrappers::MatrixBase &operator_matrix,
                 const LinearSolverParameters &           parameters,
                 bool                                     symmetric,
                 MPI_Comm                                 comm);
    ~ThetaStepper();

    /// Advances `u` (without ghosts) by `time_step`; returns the linear
    /// iterations.
    unsigned int
    step(dealii::PETScWrappers::MPI::Vector &u, double time_step, double theta);

  private:
    const dealii::PETScWrappers::MatrixBase &mass;
    LinearSolver                             solver;
    Mat                                      system = nullptr;
    double system_factor = 1; // S = M + system_factor · A
    bool   solver_ready  = false;
  };
} // namespace relax
