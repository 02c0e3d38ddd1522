#include "solvers/common/fokker_planck_matrix_free.h"

#include <deal.II/base/config.h>

// Debian's deal.II is built for any x86-64 (no SIMD: VectorizedArray<double>
// holds one double), but the sum-factorisation kernels below are written
// for SIMD lanes. With RELAX_MATRIX_FREE_SIMD (CMake option
// RELAX_NATIVE_SIMD, which also compiles this file alone with -march=native)
// the width macro is raised to the build machine's vectors before
// vectorization.h declares VectorizedArray<double, W> for it. The default
// width stays the library's (fixed in numbers.h, which config.h includes),
// so the library's classes keep their layout; everything matrix-free here
// names its width (Lanes), and deal.II's MatrixFree is instantiated for it
// at the end of this file from the library's .templates.h files.
#ifdef RELAX_MATRIX_FREE_SIMD
#  undef DEAL_II_VECTORIZATION_WIDTH_IN_BITS
#  if defined(__AVX512F__)
#    define DEAL_II_VECTORIZATION_WIDTH_IN_BITS 512
#  elif defined(__AVX2__)
#    define DEAL_II_VECTORIZATION_WIDTH_IN_BITS 256
#  elif defined(__SSE2__)
#    define DEAL_II_VECTORIZATION_WIDTH_IN_BITS 128
#  else
#    define DEAL_II_VECTORIZATION_WIDTH_IN_BITS 0
#  endif
#endif

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/diagonal_matrix.h>
#include <deal.II/lac/la_parallel_vector.h>
#include <deal.II/lac/lapack_full_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/precondition.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/solver_gmres.h>
#include <deal.II/lac/vector_memory.h>
#include <deal.II/matrix_free/fe_evaluation.h>
#include <deal.II/matrix_free/matrix_free.h>
#include <deal.II/matrix_free/operators.h>
#include <deal.II/matrix_free/tools.h>
#include <deal.II/multigrid/mg_base.h>
#include <deal.II/multigrid/mg_constrained_dofs.h>
#include <deal.II/multigrid/mg_matrix.h>
#include <deal.II/multigrid/mg_smoother.h>
#include <deal.II/multigrid/mg_tools.h>
#include <deal.II/multigrid/mg_transfer_matrix_free.h>
#include <deal.II/multigrid/multigrid.h>

#include "problems/landscape.h"
#include "solvers/common/linear_solver.h"
#include "solvers/common/scalar_space.h"

#include <malloc.h>
#include <petscvec.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace relax
{
  namespace
  {
    using namespace dealii;
    using VectorType = LinearAlgebra::distributed::Vector<double>;

    /// Doubles per SIMD vector of the matrix-free kernels.
    constexpr std::size_t simd_doubles =
      DEAL_II_VECTORIZATION_WIDTH_IN_BITS > 0 ? DEAL_II_VECTORIZATION_WIDTH_IN_BITS / 64 : 1;
    using Lanes = VectorizedArray<double, simd_doubles>;

    /// The coarsest level of the V-cycle is the finest with at most this
    /// many DoFs: it is solved by a dense LU (8 MB at this size), so that
    /// no smoother runs on levels where the drift dominates the diffusion.
    constexpr types::global_dof_index largest_coarse_problem = 1100;

    /// τ of the preconditioner (M + τA)⁻¹ of the steady-state solve
    /// A ρ = 0: GMRES on A (M + τA)⁻¹ sees the eigenvalues μ/(1 + τμ) of
    /// M⁻¹A, between λ₁/(1 + τλ₁) and 1/τ, a spread of 1 + 1/(τλ₁), so a
    /// large τ is best once the V-cycle copes with A (the artificial
    /// diffusion below). Measured on bench/fp's problem at 66 049 DoFs:
    /// 31, 21, 20, 19 GMRES iterations for τ = 0.3, 1, 3, 10 (2.7 s, 1.1 s,
    /// 0.7 s, 1.0 s); without the artificial diffusion 156 at τ = 0.1.
    constexpr double steady_state_shift = 3;

    /// The level operators of the V-cycle (not the operator GMRES solves,
    /// so the answer is the same) get the isotropic diffusion
    /// s |b| h/(2p) less the smallest eigenvalue of β⁻¹D where that is
    /// positive, s = artificial_diffusion: where the drift dominates (cell
    /// Péclet number up to ~35 on bench/fp's coarse levels), Chebyshev
    /// smoothing around the diagonal does not contract. Measured at
    /// 66 049 DoFs, τ = 3: 156 (s = 0, τ = 0.1), 51, 20, 21, 25 iterations
    /// for s = 0.25, 0.5, 0.7, 1; the θ-steps are unchanged (8–10). It is
    /// constant on each cell, its largest value at the cell's quadrature
    /// points: one number per cell to store, with the iteration counts of
    /// the values at the points.
    constexpr double artificial_diffusion = 0.5;

    /// GMRES(restart_vectors − 2): each direction is a full vector, 8 B
    /// per DoF. With the V-cycle above the steady state takes 19–20
    /// iterations from 6.6·10⁴ to 10⁶ DoFs with restart 8 as with 18, and
    /// a θ-step 8–11; 10 vectors less are 80 B/DoF less peak memory.
    constexpr unsigned int restart_vectors = 12;

    /// (mass_factor M + operator_factor A) on one level of the mesh, with
    /// its coefficients at the quadrature points.
    template <int dim>
    class SystemOperator : public MatrixFreeOperators::Base<dim, VectorType, Lanes>
    {
    public:
      using Evaluation = FEEvaluation<dim, -1, 0, 1, double, Lanes>;

      /// β⁻¹D and β⁻¹divD − b at the quadrature points of every cell batch,
      /// and the V-cycle's artificial diffusion.
      void
      evaluate_coefficients(const Landscape<dim> &landscape, const double beta, const unsigned int degree)
      {
        const auto &data = *this->get_matrix_free();
        Evaluation  phi(data);
        const unsigned int n_q = phi.n_q_points;
        diffusion.resize(data.n_cell_batches() * n_q);
        transport.resize(data.n_cell_batches() * n_q);
        added_diffusion.resize(data.n_cell_batches());
        for (unsigned int cell = 0; cell < data.n_cell_batches(); ++cell)
          {
            phi.reinit(cell);
            const unsigned int filled = data.n_active_entries_per_cell_batch(cell);
            added_diffusion[cell] = 0;
            for (unsigned int q = 0; q < n_q; ++q)
              {
                const Point<dim, Lanes> points = phi.quadrature_point(q);
                for (unsigned int lane = 0; lane < Lanes::size(); ++lane)
                  {
                    // Empty lanes of the last batch take the first lane's
                    // values: finite, and never scattered.
                    Point<dim> x;
                    for (unsigned int d = 0; d < dim; ++d)
                      x[d] = points[d][lane < filled ? lane : 0];
                    const SymmetricTensor<2, dim> D = landscape.diffusion(x) / beta;
                    const Tensor<1, dim> t = landscape.diffusion_divergence(x) / beta - landscape.drift(x);
                    const double h = data.get_cell_iterator(cell, lane < filled ? lane : 0)->diameter() /
                                     std::sqrt(double(dim)) / degree;
                    const double smallest = eigenvalues(D)[dim - 1];
                    added_diffusion[cell][lane] = std::max(added_diffusion[cell][lane],
                                                           artificial_diffusion * t.norm() * h / 2 - smallest);
                    for (unsigned int a = 0; a < dim; ++a)
                      {
                        transport[cell * n_q + q][a][lane] = t[a];
                        for (unsigned int b = a; b < dim; ++b)
                          diffusion[cell * n_q + q][a][b][lane] = D[a][b];
                      }
                  }
              }
          }
      }

      void
      set_factors(const double mass, const double fokker_planck)
      {
        mass_factor     = mass;
        operator_factor = fokker_planck;
      }

      void
      compute_diagonal() override
      {
        this->inverse_diagonal_entries = std::make_shared<DiagonalMatrix<VectorType>>();
        VectorType &diagonal            = this->inverse_diagonal_entries->get_vector();
        this->data->initialize_dof_vector(diagonal);
        MatrixFreeTools::compute_diagonal(*this->data, diagonal, &SystemOperator::quadrature_kernel, this);
        for (auto &entry : diagonal)
          {
            // A Q_p diagonal entry of M + cA is positive (M's is, and so is
            // A's diffusion part); a zero would be a DoF on no cell.
            if (!(entry > 0))
              throw std::runtime_error("matrix-free operator: non-positive diagonal entry " +
                                       std::to_string(entry));
            entry = 1.0 / entry;
          }
      }

      /// Cell-level action at the quadrature points of the batch `phi` is
      /// on, with this operator's factors (as a level matrix).
      void
      quadrature_kernel(Evaluation &phi) const
      {
        combination_kernel(phi, mass_factor, operator_factor, true);
      }

      /// dst = (mass M + fokker_planck A) src, whatever the factors of this
      /// operator as a level matrix: the finest level also serves as the
      /// outer operator of the Krylov solver (one coefficient table, not two).
      void
      apply_combination(VectorType &dst, const VectorType &src, const double mass, const double fokker_planck) const
      {
        loop_over_cells(dst, src, mass, fokker_planck, false, true);
      }

    private:
      /// dst (+)= (mass M + fokker_planck A) src, cell by cell; with the
      /// V-cycle's artificial diffusion when `as_level_matrix`.
      void
      loop_over_cells(VectorType &       dst,
                      const VectorType & src,
                      const double       mass,
                      const double       fokker_planck,
                      const bool         as_level_matrix,
                      const bool         zero_destination) const
      {
        const std::function<void(const MatrixFree<dim, double, Lanes> &,
                                 VectorType &,
                                 const VectorType &,
                                 const std::pair<unsigned int, unsigned int> &)>
          on_cells = [&](const MatrixFree<dim, double, Lanes> &data,
                         VectorType &                          out,
                         const VectorType &                    in,
                         const std::pair<unsigned int, unsigned int> &cells) {
            Evaluation phi(data);
            for (unsigned int cell = cells.first; cell < cells.second; ++cell)
              {
                phi.reinit(cell);
                phi.read_dof_values(in);
                combination_kernel(phi, mass, fokker_planck, as_level_matrix);
                phi.distribute_local_to_global(out);
              }
          };
        this->data->cell_loop(on_cells, dst, src, zero_destination);
      }

      void
      combination_kernel(Evaluation &  phi,
                         const double  mass,
                         const double  fokker_planck,
                         const bool    as_level_matrix) const
      {
        phi.evaluate(EvaluationFlags::values | EvaluationFlags::gradients);
        const std::size_t offset = std::size_t(phi.get_current_cell_index()) * phi.n_q_points;
        for (unsigned int q = 0; q < phi.n_q_points; ++q)
          {
            const auto value    = phi.get_value(q);
            const auto gradient = phi.get_gradient(q);
            auto flux = diffusion[offset + q] * gradient + value * transport[offset + q];
            if (as_level_matrix)
              flux += added_diffusion[phi.get_current_cell_index()] * gradient;
            phi.submit_gradient(fokker_planck * flux, q);
            phi.submit_value(mass * value, q);
          }
        phi.integrate(EvaluationFlags::values | EvaluationFlags::gradients);
      }

      void
      apply_add(VectorType &dst, const VectorType &src) const override
      {
        loop_over_cells(dst, src, mass_factor, operator_factor, true, false);
      }

      AlignedVector<SymmetricTensor<2, dim, Lanes>> diffusion;
      AlignedVector<Tensor<1, dim, Lanes>>          transport;
      /// The artificial diffusion of the V-cycle (level matrix only), one
      /// value per cell: its largest over the cell's quadrature points.
      AlignedVector<Lanes> added_diffusion;
      double mass_factor     = 1;
      double operator_factor = 0;
    };

    /// The coarsest level solved exactly: the level operator applied to
    /// each unit vector gives its columns, summed over the ranks into one
    /// dense matrix that every rank factorises.
    template <int dim>
    class DenseCoarseSolver : public MGCoarseGridBase<VectorType>
    {
    public:
      void
      factorise(const SystemOperator<dim> &level_operator, const MPI_Comm comm)
      {
        this->comm = comm;
        const types::global_dof_index n = level_operator.m();
        VectorType unit, column;
        level_operator.initialize_dof_vector(unit);
        level_operator.initialize_dof_vector(column);
        owned = unit.locally_owned_elements();
        std::vector<double> entries(n * n, 0.0);
        for (types::global_dof_index j = 0; j < n; ++j)
          {
            unit = 0;
            if (owned.is_element(j))
              unit(j) = 1;
            level_operator.vmult(column, unit);
            for (const auto i : owned)
              entries[i * n + j] = column(i);
          }
        Utilities::MPI::sum(ArrayView<const double>(entries), comm, ArrayView<double>(entries));
        lu.reinit(n);
        for (types::global_dof_index i = 0; i < n; ++i)
          for (types::global_dof_index j = 0; j < n; ++j)
            lu(i, j) = entries[i * n + j];
        lu.compute_lu_factorization();
      }

      void
      operator()(const unsigned int, VectorType &dst, const VectorType &src) const override
      {
        Vector<double> full(lu.m());
        for (const auto i : owned)
          full(i) = src(i);
        Utilities::MPI::sum(ArrayView<const double>(full.begin(), full.size()),
                            comm,
                            ArrayView<double>(full.begin(), full.size()));
        lu.solve(full);
        for (const auto i : owned)
          dst(i) = full(i);
      }

    private:
      MPI_Comm                 comm = MPI_COMM_NULL;
      IndexSet                 owned;
      LAPACKFullMatrix<double> lu;
    };

    /// mass M + fokker_planck A on the finest level, the operator GMRES
    /// sees (the level matrix itself keeps the factors of the V-cycle).
    template <int dim>
    struct Combination
    {
      void
      vmult(VectorType &dst, const VectorType &src) const
      {
        finest.apply_combination(dst, src, mass, fokker_planck);
      }

      const SystemOperator<dim> &finest;
      double                     mass, fokker_planck;
    };

    /// B = A + c m mᵀ on the finest level, m = M 1 (so mᵀρ = ∫ρ): A is
    /// singular (ρ_ss spans its null space), B is not (m is not in the
    /// range of A, the zero-mass vectors), and B ρ_ss = c m for ρ_ss of unit
    /// mass. GMRES on A itself stalled after its restarts on coarse meshes
    /// (4 225 DoFs); on B it converges.
    template <int dim>
    struct MassBordered
    {
      void
      vmult(VectorType &dst, const VectorType &src) const
      {
        finest.apply_combination(dst, src, 0, 1);
        dst.add(c * (m * src), m);
      }

      const SystemOperator<dim> &finest;
      const VectorType &         m;
      double                     c;
    };

    /// CombBLAS, loaded with PETSc's SuperLU_DIST, switches glibc's
    /// mapping of large blocks and the trimming of the heap off when it is
    /// loaded (mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, -1) in
    /// a static initialiser): every block then comes from the heap and
    /// stays there when freed, and the holes between the live vectors
    /// (levels, Krylov directions, the output's patches) are never given
    /// back. Here blocks of 1 MiB and more are mapped on their own again
    /// and unmapped when freed, glibc's smaller blocks as before: at 10⁶
    /// DoFs on bench/fp, 55 MiB less peak resident memory (847 → 792),
    /// at the same solve times. Only for the matrix-free solver: with it
    /// process-wide, MUMPS's factorisations and BoomerAMG's setup, which
    /// allocate and free many such blocks, were up to 40 % slower.
    void
    return_large_blocks_to_the_system()
    {
      mallopt(M_MMAP_MAX, 65536);
      mallopt(M_MMAP_THRESHOLD, 1 << 20);
      mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    }

    void
    copy_owned(const PETScWrappers::MPI::Vector &from, VectorType &to)
    {
      const PetscScalar *values;
      VecGetArrayRead(static_cast<const Vec &>(from), &values);
      for (unsigned int i = 0; i < to.locally_owned_size(); ++i)
        to.local_element(i) = values[i];
      VecRestoreArrayRead(static_cast<const Vec &>(from), &values);
    }

    void
    copy_owned(const VectorType &from, PETScWrappers::MPI::Vector &to)
    {
      PetscScalar *values;
      VecGetArray(static_cast<const Vec &>(to), &values);
      for (unsigned int i = 0; i < from.locally_owned_size(); ++i)
        values[i] = from.local_element(i);
      VecRestoreArray(static_cast<const Vec &>(to), &values);
    }
  } // namespace

  template <int dim>
  struct FokkerPlanckMatrixFree<dim>::Implementation
  {
    using Smoother = PreconditionChebyshev<SystemOperator<dim>, VectorType, DiagonalMatrix<VectorType>>;

    Implementation(const ScalarSpace<dim> &      space,
                   const Landscape<dim> &        landscape,
                   const double                  beta,
                   const LinearSolverParameters &parameters)
      : space(space)
      , parameters(parameters)
    {
      return_large_blocks_to_the_system();
      const DoFHandler<dim> &dofs = space.dof_handler();
      const QGauss<1>        quadrature(space.fe().degree + 1);
      // The quadrature points are needed only to evaluate the
      // coefficients: the MatrixFree data are made again without them (the
      // same cells in the same batches), which saves their storage.
      const auto make_data = [&](const unsigned int level, const bool with_points) {
        typename MatrixFree<dim, double, Lanes>::AdditionalData data;
        data.tasks_parallel_scheme = MatrixFree<dim, double, Lanes>::AdditionalData::none;
        data.mapping_update_flags  = update_gradients | update_JxW_values;
        if (with_points)
          data.mapping_update_flags = data.mapping_update_flags | update_quadrature_points;
        data.mg_level = level;
        return data;
      };
      finest_level = space.triangulation().n_global_levels() - 1;
      coarse_level = 0;
      for (unsigned int level = 0; level <= finest_level; ++level)
        if (dofs.n_dofs(level) <= largest_coarse_problem)
          coarse_level = level;
      mg_constrained.initialize(dofs);
      levels.resize(coarse_level, finest_level);
      for (unsigned int level = coarse_level; level <= finest_level; ++level)
        {
          IndexSet relevant;
          DoFTools::extract_locally_relevant_level_dofs(dofs, level, relevant);
          AffineConstraints<double> none;
          none.reinit(relevant);
          none.close();
          auto matrix_free = std::make_shared<MatrixFree<dim, double, Lanes>>();
          matrix_free->reinit(mapping, dofs, none, quadrature, make_data(level, true));
          levels[level].initialize(matrix_free, mg_constrained, level);
          levels[level].evaluate_coefficients(landscape, beta, space.fe().degree);
          matrix_free->reinit(mapping, dofs, none, quadrature, make_data(level, false));
          levels[level].initialize(matrix_free, mg_constrained, level);
        }
      transfer.initialize_constraints(mg_constrained);
      // The V-cycle's level vectors on the level operators' own layouts
      // (those of the levels below the coarsest used are never made):
      // with the transfer's layouts, each operator application copied its
      // argument into a new vector of its own layout (a finest-level
      // vector allocated and freed per smoothing step).
      std::vector<std::shared_ptr<const Utilities::MPI::Partitioner>> partitioners(finest_level + 1);
      for (unsigned int level = 0; level <= finest_level; ++level)
        if (level >= coarse_level)
          partitioners[level] = levels[level].get_matrix_free()->get_vector_partitioner();
        else
          {
            IndexSet relevant;
            DoFTools::extract_locally_relevant_level_dofs(dofs, level, relevant);
            partitioners[level] = std::make_shared<const Utilities::MPI::Partitioner>(
              dofs.locally_owned_mg_dofs(level), relevant, space.communicator());
          }
      transfer.build(dofs, partitioners);
      levels[finest_level].initialize_dof_vector(solution);
      levels[finest_level].initialize_dof_vector(right_hand_side);
      check_finest_level_numbering();
    }

    /// The vectors of the solver (numbered as the active cells' DoFs)
    /// are used as vectors of the finest level: on a uniformly refined
    /// mesh deal.II numbers both the same way; checked, not assumed.
    void
    check_finest_level_numbering() const
    {
      const DoFHandler<dim> &dofs = space.dof_handler();
      bool same = dofs.locally_owned_dofs() == dofs.locally_owned_mg_dofs(finest_level);
      std::vector<types::global_dof_index> active(space.fe().n_dofs_per_cell()), level(active.size());
      for (const auto &cell : dofs.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            same = same && cell->level() == int(finest_level);
            if (!same)
              break;
            cell->get_dof_indices(active);
            cell->get_mg_dof_indices(level);
            same = active == level;
          }
      if (Utilities::MPI::min(int(same), space.communicator()) == 0)
        throw std::runtime_error("matrix-free: the DoFs of the finest level are not numbered as the active "
                                 "DoFs (a mesh that is not uniformly refined?)");
    }

    /// The levels, their smoothers and the coarse LU for M + c A.
    void
    prepare(const double c)
    {
      if (c == factor)
        return;
      factor = c;
      MGLevelObject<typename Smoother::AdditionalData> smoother_data(coarse_level, finest_level);
      for (unsigned int level = coarse_level; level <= finest_level; ++level)
        {
          levels[level].set_factors(1, c);
          levels[level].compute_diagonal();
          // Power iteration for the largest eigenvalue: the operator is
          // not symmetric (Lanczos assumes it is).
          // A narrow range (λ_max/4, λ_max): the eigenvalues of the
          // drift part are complex, and the wide range of the symmetric
          // case (15–20) made the V-cycle diverge once θΔt|b|h passed the
          // diffusion (measured on bench/fp's problem: 9 GMRES iterations
          // at range 5, degree 3; none converged at 15).
          smoother_data[level].smoothing_range     = 4;
          smoother_data[level].degree              = 4;
          smoother_data[level].eig_cg_n_iterations = 40;
          smoother_data[level].eigenvalue_algorithm =
            Smoother::AdditionalData::EigenvalueAlgorithm::power_iteration;
          smoother_data[level].preconditioner = levels[level].get_matrix_diagonal_inverse();
        }
      smoother.initialize(levels, smoother_data);
      coarse.factorise(levels[coarse_level], space.communicator());
    }

    /// system x = b by GMRES with the V-cycle of M + factor A; x the
    /// initial guess.
    template <typename Operator>
    unsigned int
    solve(const Operator &system, VectorType &x, const VectorType &b)
    {
      const double norm = b.l2_norm();
      if (norm == 0)
        {
          x = 0;
          return 0;
        }
      mg::Matrix<VectorType> level_matrices(levels);
      Multigrid<VectorType>  multigrid(level_matrices, coarse, transfer, smoother, smoother, coarse_level, finest_level);
      PreconditionMG<dim, VectorType, MGTransferMatrixFree<dim, double>> preconditioner(
        space.dof_handler(), multigrid, transfer);
      SolverControl control(500, parameters.tolerance * norm, false, false);
      {
        SolverGMRES<VectorType> gmres(control,
                                      typename SolverGMRES<VectorType>::AdditionalData(restart_vectors, true));
        try
          {
            gmres.solve(system, x, b, preconditioner);
          }
        catch (const SolverControl::NoConvergence &failure)
          {
            throw std::runtime_error("matrix-free GMRES did not converge: residual " +
                                     std::to_string(failure.last_residual) + " after " +
                                     std::to_string(failure.last_step) + " iterations");
          }
      }
      // GMRES's directions go back to deal.II's vector pool, which keeps
      // them; given back to the system here, so that what runs between
      // the solves (diagnostics, output) does not stack on them.
      GrowingVectorMemory<VectorType>::release_unused_memory();
      return control.last_step();
    }

    const ScalarSpace<dim> &          space;
    LinearSolverParameters            parameters;
    MappingQ1<dim>                    mapping;
    unsigned int                      coarse_level = 0, finest_level = 0;
    MGConstrainedDoFs                 mg_constrained;
    MGLevelObject<SystemOperator<dim>> levels;
    MGTransferMatrixFree<dim, double> transfer;
    /// Chebyshev steps on the levels; the smoother's own vectors only
    /// (MGSmootherPrecondition took two more from the pool per level and
    /// V-cycle, reallocated at each change of level).
    mg::SmootherRelaxation<Smoother, VectorType> smoother;
    DenseCoarseSolver<dim>            coarse;
    double                            factor = std::numeric_limits<double>::quiet_NaN();
    VectorType                        solution, right_hand_side;
  };

  template <int dim>
  FokkerPlanckMatrixFree<dim>::FokkerPlanckMatrixFree(const ScalarSpace<dim> &      space,
                                                      const Landscape<dim> &        landscape,
                                                      const double                  beta,
                                                      const LinearSolverParameters &parameters)
    : implementation(std::make_unique<Implementation>(space, landscape, beta, parameters))
  {}

  template <int dim>
  FokkerPlanckMatrixFree<dim>::~FokkerPlanckMatrixFree() = default;

  template <int dim>
  void
  FokkerPlanckMatrixFree<dim>::apply(const PETScWrappers::MPI::Vector &src,
                                     PETScWrappers::MPI::Vector &      dst,
                                     const double                      mass_factor,
                                     const double                      operator_factor) const
  {
    Implementation &self = *implementation;
    copy_owned(src, self.solution);
    self.levels[self.finest_level].apply_combination(self.right_hand_side, self.solution, mass_factor, operator_factor);
    copy_owned(self.right_hand_side, dst);
  }

  template <int dim>
  unsigned int
  FokkerPlanckMatrixFree<dim>::steady_state(PETScWrappers::MPI::Vector &owned_rho_ss)
  {
    Implementation &self = *implementation;
    const double    tau  = steady_state_shift;
    self.prepare(tau);
    const SystemOperator<dim> &finest = self.levels[self.finest_level];
    VectorType &m = self.solution, &residual = self.right_hand_side;
    VectorType  rho;
    finest.initialize_dof_vector(rho);
    rho = 1;
    finest.apply_combination(m, rho, 1, 0);
    const double volume = m.mean_value() * m.size(); // mᵀ1 = ∫1
    // c = 1/(τ|Ω|) puts the eigenvalue of the bordered direction among
    // those of A (M + τA)⁻¹, which reach 1/τ.
    const MassBordered<dim> system{finest, m, 1 / (tau * volume)};
    // From the uniform density ρ₀ = 1/|Ω| (unit mass): B δ = c m − B ρ₀ = −A ρ₀.
    rho = 1 / volume;
    finest.apply_combination(residual, rho, 0, -1);
    rho = 0;
    const unsigned int iterations = self.solve(system, rho, residual);
    rho.add(1 / volume);
    const double mass = m * rho;
    if (!(std::isfinite(mass) && mass > 0))
      throw std::runtime_error("the matrix-free steady state gave a density of mass " +
                               std::to_string(mass));
    rho /= mass;
    copy_owned(rho, owned_rho_ss);
    return iterations;
  }

  template <int dim>
  unsigned int
  FokkerPlanckMatrixFree<dim>::step(PETScWrappers::MPI::Vector &u, const double time_step, const double theta)
  {
    Implementation &self = *implementation;
    self.prepare(theta * time_step);
    copy_owned(u, self.solution);
    self.levels[self.finest_level].apply_combination(self.right_hand_side, self.solution, 1, -(1 - theta) * time_step);
    const unsigned int iterations =
      self.solve(Combination<dim>{self.levels[self.finest_level], 1, theta * time_step}, self.solution, self.right_hand_side);
    copy_owned(self.solution, u);
    return iterations;
  }

} // namespace relax

#if DEAL_II_VECTORIZATION_WIDTH_IN_BITS > 0
#  include <deal.II/matrix_free/dof_info.templates.h>
#  include <deal.II/matrix_free/evaluation_template_factory.templates.h>
// deal.II 9.4's face factory reuses the include guard of the cell factory.
#  undef dealii_matrix_free_evaluation_template_factory_templates_h
#  include <deal.II/matrix_free/evaluation_template_face_factory.templates.h>
#  include <deal.II/matrix_free/evaluation_template_factory_hanging_nodes.templates.h>
#  include <deal.II/matrix_free/mapping_info.templates.h>
#  include <deal.II/matrix_free/matrix_free.templates.h>
#  include <deal.II/matrix_free/shape_info.templates.h>

namespace dealii
{
  template class MatrixFree<2, double, relax::Lanes>;
  template class MatrixFree<3, double, relax::Lanes>;
  // FEEvaluation's kernels, and those referenced by its and
  // MatrixFreeTools::compute_diagonal's general paths (hanging nodes,
  // faces) though never run here.
  template struct internal::FEEvaluationHangingNodesFactory<1, double, relax::Lanes>;
  template struct internal::FEEvaluationHangingNodesFactory<2, double, relax::Lanes>;
  template struct internal::FEEvaluationHangingNodesFactory<3, double, relax::Lanes>;
  template struct internal::FEEvaluationFactory<1, relax::Lanes>;
  template struct internal::FEEvaluationFactory<2, relax::Lanes>;
  template struct internal::FEEvaluationFactory<3, relax::Lanes>;
  template struct internal::FEFaceEvaluationFactory<1, relax::Lanes>;
  template struct internal::FEFaceEvaluationFactory<2, relax::Lanes>;
  template struct internal::FEFaceEvaluationFactory<3, relax::Lanes>;
} // namespace dealii
#endif

namespace relax
{
  // dim 1 only for the solver template: its parameters refuse it (the 1-D
  // mesh has no level hierarchy).
  template class FokkerPlanckMatrixFree<1>;
  template class FokkerPlanckMatrixFree<2>;
  template class FokkerPlanckMatrixFree<3>;
} // namespace relax
