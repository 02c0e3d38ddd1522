#include "solvers/common/entropic_transport.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include "solvers/common/blas.h"
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
  GibbsKernel<dim>::GibbsKernel(const ScalarSpace<dim> &space, const double gamma)
    : fe_space(space)
    , epsilon(gamma)
  {
    using namespace dealii;
    if (space.fe().degree != 1)
      throw std::logic_error("the Gibbs kernel needs Q1 elements");
    // W: the row sums of the consistent mass.
    lumped_mass = space.owned_vector();
    const QGauss<dim>      quadrature(2);
    FEValues<dim>          fe_values(space.fe(), quadrature, update_values | update_JxW_values);
    const unsigned int     n = space.fe().n_dofs_per_cell();
    dealii::Vector<double> cell_mass(n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_mass = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            for (unsigned int i = 0; i < n; ++i)
              cell_mass(i) += fe_values.shape_value(i, q) * fe_values.JxW(q);
          cell->get_dof_indices(indices);
          space.constraints().distribute_local_to_global(cell_mass, indices, lumped_mass);
        }
    lumped_mass.compress(VectorOperation::add);
  }

  template <int dim>
  GibbsKernel<dim>::~GibbsKernel() = default;

  template <int dim>
  HeatStepKernel<dim>::HeatStepKernel(const ScalarSpace<dim> &      space,
                                      const double                  gamma,
                                      const unsigned int            heat_steps,
                                      const LinearSolverParameters &linear_solver,
                                      const Diffusion &             diffusion)
    : GibbsKernel<dim>(space, gamma)
    , solver_parameters(linear_solver)
  {
    solver_parameters.serial_native_lu = true;
    using namespace dealii;
    const Vector &lumped_mass = this->lumped_mass;
    // The stiffness K, apart from W: the θ-step needs W + θsK and W − (1 − θ)sK.
    space.reinit(implicit_part);
    space.reinit(explicit_part);
    const QGauss<dim>  quadrature(2);
    FEValues<dim>      fe_values(space.fe(), quadrature,
                            update_gradients | update_quadrature_points | update_JxW_values);
    const unsigned int n = space.fe().n_dofs_per_cell();
    FullMatrix<double> cell_matrix(n, n);
    std::vector<types::global_dof_index> indices(n);
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          cell_matrix = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            {
              const SymmetricTensor<2, dim> D =
                diffusion ? diffusion(fe_values.quadrature_point(q)) : unit_symmetric_tensor<dim>();
              for (unsigned int i = 0; i < n; ++i)
                for (unsigned int j = 0; j < n; ++j)
                  cell_matrix(i, j) +=
                    (D * fe_values.shape_grad(j, q)) * fe_values.shape_grad(i, q) * fe_values.JxW(q);
            }
          cell->get_dof_indices(indices);
          space.constraints().distribute_local_to_global(cell_matrix, indices, implicit_part);
        }
    implicit_part.compress(VectorOperation::add);
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
  HeatStepKernel<dim>::~HeatStepKernel() = default;

  template <int dim>
  void
  HeatStepKernel<dim>::absorb(const unsigned int slot, const Vector &log_v)
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
      this->fe_space.communicator());
    {
      ConstEntries v(log_v);
      Entries      theta(potential[slot]);
      for (std::size_t i = 0; i < v.size(); ++i)
        theta[i] = std::max(v[i], top - 600);
    }
    this->fe_space.constraints().distribute(potential[slot]);
    Vector ghosted = this->fe_space.ghosted_vector();
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
  HeatStepKernel<dim>::log_apply(const unsigned int slot, const Vector &log_v, Vector &result)
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
        top = Utilities::MPI::max(top, this->fe_space.communicator());
        double       drift = 0;
        ConstEntries v(log_v), theta(potential[slot]), w(this->lumped_mass);
        for (std::size_t i = 0; i < v.size(); ++i)
          if (w[i] > 0 && v[i] > top - 600)
            drift = std::max(drift, std::abs(v[i] - theta[i]));
        stale = Utilities::MPI::max(drift, this->fe_space.communicator()) > absorption_threshold;
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
            ConstEntries y(work), w(this->lumped_mass);
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
    this->fe_space.constraints().distribute(result);
  }

  template <int dim>
  GridGaussianKernel<dim>::GridGaussianKernel(const ScalarSpace<dim> &space, const double gamma)
    : GibbsKernel<dim>(space, gamma)
  {
    using namespace dealii;
    const MPI_Comm     comm   = space.communicator();
    const Domain<dim> &domain = space.domain();
    const auto         refuse = [](const std::string &why) {
      throw std::invalid_argument("the exact Gibbs kernel needs a uniform grid (Q1 on equal "
                                  "axis-aligned cells): " +
                                  why);
    };
    // Every cell the same box: its extent along each axis, everywhere.
    std::array<double, dim> shortest, longest;
    shortest.fill(std::numeric_limits<double>::max());
    longest.fill(0);
    for (const auto &cell : space.dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        for (unsigned int axis = 0; axis < dim; ++axis)
          {
            // Axis-aligned: the edge from vertex 0 to vertex 2^axis.
            const Tensor<1, dim> edge = cell->vertex(1u << axis) - cell->vertex(0);
            for (unsigned int other = 0; other < dim; ++other)
              if (other != axis && std::abs(edge[other]) > 1e-12 * std::abs(edge[axis]))
                refuse("a cell is not axis-aligned");
            shortest[axis] = std::min(shortest[axis], edge[axis]);
            longest[axis]  = std::max(longest[axis], edge[axis]);
          }
    std::array<double, dim> spacing;
    std::size_t             n_grid = 1;
    for (unsigned int axis = 0; axis < dim; ++axis)
      {
        shortest[axis] = Utilities::MPI::min(shortest[axis], comm);
        longest[axis]  = Utilities::MPI::max(longest[axis], comm);
        if (longest[axis] - shortest[axis] > 1e-10 * longest[axis])
          refuse("the cells differ in size (a refined region or a graded mesh)");
        spacing[axis]          = longest[axis];
        const double intervals = (domain.upper[axis] - domain.lower[axis]) / spacing[axis];
        n_points[axis]         = static_cast<unsigned int>(std::lround(intervals)) + 1;
        n_grid *= n_points[axis];
      }
    if (n_grid != space.dof_handler().n_dofs())
      refuse("the DoFs are not the grid's points");
    // Grid index of each owned DoF from its support point.
    const auto &points = space.owned_support_points();
    owned_grid_index.resize(points.size());
    for (std::size_t i = 0; i < points.size(); ++i)
      {
        std::size_t index = 0;
        for (unsigned int axis = 0; axis < dim; ++axis)
          {
            const double position = (points[i][axis] - domain.lower[axis]) / spacing[axis];
            const long   nearest  = std::lround(position);
            if (std::abs(position - nearest) > 1e-6 || nearest < 0 || nearest >= long(n_points[axis]))
              refuse("a DoF is not at a grid point");
            index = index * n_points[axis] + nearest;
          }
        owned_grid_index[i] = index;
      }
    // Which grid point each entry gathered from all ranks is.
    const int n_ranks = Utilities::MPI::n_mpi_processes(comm);
    owned_counts.resize(n_ranks);
    owned_offsets.resize(n_ranks);
    const int n_owned = owned_grid_index.size();
    MPI_Allgather(&n_owned, 1, MPI_INT, owned_counts.data(), 1, MPI_INT, comm);
    for (int rank = 1; rank < n_ranks; ++rank)
      owned_offsets[rank] = owned_offsets[rank - 1] + owned_counts[rank - 1];
    gathered_grid_index.resize(n_grid);
    MPI_Allgatherv(owned_grid_index.data(), n_owned, MPI_UNSIGNED, gathered_grid_index.data(),
                   owned_counts.data(), owned_offsets.data(), MPI_UNSIGNED, comm);
    std::vector<bool> seen(n_grid, false);
    for (const unsigned int index : gathered_grid_index)
      {
        if (seen[index])
          refuse("two DoFs at one grid point");
        seen[index] = true;
      }
    // The log-kernel of each axis; across a periodic axis the shorter way.
    for (unsigned int axis = 0; axis < dim; ++axis)
      {
        const unsigned int n      = n_points[axis];
        const double       period = domain.upper[axis] - domain.lower[axis];
        log_kernel[axis].resize(std::size_t(n) * n);
        for (unsigned int i = 0; i < n; ++i)
          for (unsigned int j = 0; j < n; ++j)
            {
              double distance = std::abs(double(i) - double(j)) * spacing[axis];
              if (domain.periodic[axis])
                distance = std::min(distance, period - distance);
              log_kernel[axis][std::size_t(i) * n + j] = -distance * distance / gamma;
            }
      }
    for (unsigned int axis = 0; axis < dim; ++axis)
      {
        kernel_matrix[axis] = log_kernel[axis];
        for (double &entry : kernel_matrix[axis])
          entry = std::exp(entry);
      }
    // The lines along the last axis that hold this rank's results.
    const unsigned int last = n_points[dim - 1];
    for (const unsigned int index : owned_grid_index)
      owned_lines.push_back(index / last);
    std::sort(owned_lines.begin(), owned_lines.end());
    owned_lines.erase(std::unique(owned_lines.begin(), owned_lines.end()), owned_lines.end());
    for (const unsigned int index : owned_grid_index)
      owned_line_slot.push_back(
        std::lower_bound(owned_lines.begin(), owned_lines.end(), index / last) - owned_lines.begin());
    {
      ConstEntries w(this->lumped_mass);
      for (std::size_t i = 0; i < w.size(); ++i)
        log_weights.push_back(w[i] > 0 ? std::log(w[i]) : -std::numeric_limits<double>::infinity());
    }
    owned_values.resize(log_weights.size());
    grid.resize(n_grid);
    gathered.resize(n_grid);
  }

  template <int dim>
  GridGaussianKernel<dim>::~GridGaussianKernel() = default;

  namespace
  {
    /// log Σ_j exp(log_k_j + values_j), shifted by the largest term so that
    /// nothing overflows and the largest terms do not underflow.
    double
    log_sum_exp(const double *log_k, const double *values, const unsigned int n)
    {
      double top = -std::numeric_limits<double>::infinity();
      for (unsigned int j = 0; j < n; ++j)
        top = std::max(top, log_k[j] + values[j]);
      if (top == -std::numeric_limits<double>::infinity())
        return top;
      double sum = 0;
      for (unsigned int j = 0; j < n; ++j)
        sum += std::exp(log_k[j] + values[j] - top);
      return top + std::log(sum);
    }

    /// A sum of positive terms at least this large (relative to the line's
    /// largest e^{v}) lost nothing that matters to underflow: a term that
    /// underflowed (below ~1e-308) is 1e-58 of it.
    constexpr double smallest_trusted_sum = 1e-250;
  } // namespace

  template <int dim>
  void
  GridGaussianKernel<dim>::reduce_lines(const unsigned int axis, const std::size_t element_stride, double *results)
  {
    // Line c is grid[line_starts[c] + j · element_stride], j < n. Each is
    // shifted by its largest value, so that e^{v − shift} ≤ 1 with the
    // largest term 1; then the kernel is one matrix product, Y = E K with
    // E_cj = e^{v_j − shift_c} (width × n, column-major), and the results
    // are shift + log Y, packed results[i · width + c].
    const int    n = n_points[axis], width = line_starts.size();
    const double minus_infinity = -std::numeric_limits<double>::infinity();
    shifts.assign(width, minus_infinity);
    exponentials.resize(std::size_t(width) * n);
    products.resize(std::size_t(width) * n);
    for (int c = 0; c < width; ++c)
      for (int j = 0; j < n; ++j)
        shifts[c] = std::max(shifts[c], grid[line_starts[c] + j * element_stride]);
    for (int c = 0; c < width; ++c)
      for (int j = 0; j < n; ++j)
        exponentials[std::size_t(j) * width + c] =
          shifts[c] == minus_infinity ? 0.0 : std::exp(grid[line_starts[c] + j * element_stride] - shifts[c]);
    const double one = 1, zero = 0;
    dgemm_("N", "N", &width, &n, &n, &one, exponentials.data(), &width, kernel_matrix[axis].data(), &n, &zero,
           products.data(), &width);
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < width; ++c)
        {
          const double sum = products[std::size_t(i) * width + c];
          double &     out = results[std::size_t(i) * width + c];
          if (shifts[c] == minus_infinity)
            out = minus_infinity;
          else if (sum >= smallest_trusted_sum)
            out = shifts[c] + std::log(sum);
          else
            {
              // The kernel's weight sits on terms that underflowed: the
              // log-sum-exp itself.
              line_values.resize(n);
              for (int j = 0; j < n; ++j)
                line_values[j] = grid[line_starts[c] + j * element_stride];
              out = log_sum_exp(&log_kernel[axis][std::size_t(i) * n], line_values.data(), n);
              ++n_exact_sums;
            }
        }
  }

  template <int dim>
  void
  GridGaussianKernel<dim>::reduce_axis(const unsigned int axis)
  {
    // Blocks of n · stride values, element j of line c at j · stride + c.
    // Each rank takes the same share of the lines of every block; the
    // shares are packed [block][i][c] and gathered.
    const MPI_Comm     comm   = this->fe_space.communicator();
    const unsigned int n      = n_points[axis];
    std::size_t        stride = 1;
    for (unsigned int later = axis + 1; later < dim; ++later)
      stride *= n_points[later];
    const std::size_t n_blocks = grid.size() / (n * stride);
    const int         n_ranks  = dealii::Utilities::MPI::n_mpi_processes(comm);
    const int         rank     = dealii::Utilities::MPI::this_mpi_process(comm);
    const auto        share    = [&](const int r) {
      return std::make_pair(stride * r / n_ranks, stride * (r + 1) / n_ranks);
    };
    const auto [first, end] = share(rank);
    const std::size_t width = end - first;
    line_results.resize(n_blocks * n * width);
    line_starts.resize(width);
    for (std::size_t block = 0; block < n_blocks; ++block)
      {
        for (std::size_t c = 0; c < width; ++c)
          line_starts[c] = block * n * stride + first + c;
        reduce_lines(axis, stride, &line_results[block * n * width]);
      }
    const double *packed = line_results.data();
    if (n_ranks > 1)
      {
        std::vector<int> counts(n_ranks), offsets(n_ranks);
        for (int r = 0; r < n_ranks; ++r)
          {
            counts[r]  = int(n_blocks * n * (share(r).second - share(r).first));
            offsets[r] = r == 0 ? 0 : offsets[r - 1] + counts[r - 1];
          }
        MPI_Allgatherv(line_results.data(), counts[rank], MPI_DOUBLE, gathered.data(), counts.data(),
                       offsets.data(), MPI_DOUBLE, comm);
        packed = gathered.data();
      }
    // Back into the grid, rank by rank (only this rank's share on one rank).
    for (int r = 0; r < n_ranks; ++r)
      {
        const auto [r_first, r_end] = share(r);
        const std::size_t r_width   = r_end - r_first;
        for (std::size_t block = 0; block < n_blocks; ++block)
          for (unsigned int i = 0; i < n; ++i)
            for (std::size_t c = 0; c < r_width; ++c)
              grid[block * n * stride + i * stride + r_first + c] = packed[(block * n + i) * r_width + c];
        packed += n_blocks * n * r_width;
      }
  }

  template <int dim>
  void
  GridGaussianKernel<dim>::log_apply(unsigned int, const Vector &log_v, Vector &result)
  {
    const MPI_Comm comm = this->fe_space.communicator();
    // log(w e^v) of the owned entries, gathered into the grid; −∞ where
    // w = 0 (constrained DoFs carry nothing).
    {
      ConstEntries v(log_v);
      for (std::size_t i = 0; i < v.size(); ++i)
        owned_values[i] = log_weights[i] + v[i];
      MPI_Allgatherv(owned_values.data(), int(owned_values.size()), MPI_DOUBLE, gathered.data(),
                     owned_counts.data(), owned_offsets.data(), MPI_DOUBLE, comm);
      for (std::size_t k = 0; k < gathered.size(); ++k)
        grid[gathered_grid_index[k]] = gathered[k];
    }
    // All axes but the last on the whole grid; the last (lines contiguous)
    // only on the lines where this rank owns results.
    for (unsigned int axis = 0; axis + 1 < dim; ++axis)
      reduce_axis(axis);
    const unsigned int n = n_points[dim - 1];
    line_starts.resize(owned_lines.size());
    for (std::size_t c = 0; c < owned_lines.size(); ++c)
      line_starts[c] = owned_lines[c] * n;
    line_results.resize(owned_lines.size() * n);
    reduce_lines(dim - 1, 1, line_results.data());
    const double normalise = -0.5 * dim * std::log(dealii::numbers::PI * this->epsilon);
    {
      Entries out(result);
      for (std::size_t i = 0; i < owned_grid_index.size(); ++i)
        {
          const double value =
            line_results[(owned_grid_index[i] % n) * owned_lines.size() + owned_line_slot[i]];
          // Finite, as the heat-step kernel's floor: no −∞ downstream.
          out[i] = std::max(value + normalise, safe_log(0));
        }
    }
    this->fe_space.constraints().distribute(result);
  }

  template <int dim>
  std::unique_ptr<GibbsKernel<dim>>
  make_gibbs_kernel(const ScalarSpace<dim> &      space,
                    const double                  gamma,
                    const KernelMethod            method,
                    const unsigned int            heat_steps,
                    const LinearSolverParameters &linear_solver)
  {
    if (method != KernelMethod::heat_steps)
      try
        {
          return std::make_unique<GridGaussianKernel<dim>>(space, gamma);
        }
      catch (const std::invalid_argument &)
        {
          if (method == KernelMethod::exact)
            throw;
        }
    return std::make_unique<HeatStepKernel<dim>>(space, gamma, heat_steps, linear_solver);
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
                      const SinkhornControl &                   control,
                      const KernelMethod                        method)
  {
    return sinkhorn_divergence(*make_gibbs_kernel(space, gamma, method, 0, linear_solver), rho_0, rho_1, control);
  }

#define RELAX_INSTANTIATE(dim)                                                                   \
  template double wasserstein_squared<dim>(const ScalarSpace<dim> &,                            \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           const dealii::PETScWrappers::MPI::Vector &,           \
                                           double,                                               \
                                           const LinearSolverParameters &,                       \
                                           const SinkhornControl &,                              \
                                           KernelMethod);                                        \
  template class GibbsKernel<dim>;                                                               \
  template class HeatStepKernel<dim>;                                                            \
  template class GridGaussianKernel<dim>;                                                        \
  template std::unique_ptr<GibbsKernel<dim>> make_gibbs_kernel<dim>(const ScalarSpace<dim> &,    \
                                                                    double,                      \
                                                                    KernelMethod,                \
                                                                    unsigned int,                \
                                                                    const LinearSolverParameters &); \
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
