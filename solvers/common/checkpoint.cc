#include "solvers/common/checkpoint.h"

#include <deal.II/base/mpi.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/vector.h>

#include "solvers/common/run_folder.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

// p4est (dim ≥ 2) saves and loads the forest with the vectors attached and
// repartitions on load. In 1-D the mesh is a parallel::shared one that every
// rank holds whole and that is refined uniformly; there the file stores the
// number of refinements and, for each active cell in the (rank-independent)
// order of active cell indices, its DoF values.
namespace relax
{
  namespace
  {
    template <int dim>
    bool
    uses_p4est(const dealii::Triangulation<dim, dim> &triangulation)
    {
      return dynamic_cast<const dealii::parallel::distributed::Triangulation<dim> *>(
               &triangulation) != nullptr;
    }
  } // namespace

  template <int dim>
  void
  save_mesh_and_vectors(
    const dealii::DoFHandler<dim, dim> &                           dof_handler,
    const std::vector<const dealii::PETScWrappers::MPI::Vector *> &vectors,
    const std::string &                                            prefix)
  {
    const auto &triangulation = dof_handler.get_triangulation();
    if constexpr (dim > 1)
      if (uses_p4est(triangulation))
        {
          dealii::parallel::distributed::
            SolutionTransfer<dim, dealii::PETScWrappers::MPI::Vector>
              transfer(dof_handler);
          transfer.prepare_for_serialization(vectors);
          dynamic_cast<const dealii::parallel::distributed::Triangulation<dim> &>(
            triangulation)
            .save(prefix + ".mesh");
          return;
        }

    const MPI_Comm     comm = triangulation.get_communicator();
    const unsigned int per_cell = dof_handler.get_fe().n_dofs_per_cell();
    std::vector<double> local; // cell index, then its values for each vector
    dealii::Vector<double> values(per_cell);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          local.push_back(cell->active_cell_index());
          for (const auto *vector : vectors)
            {
              cell->get_dof_values(*vector, values);
              local.insert(local.end(), values.begin(), values.end());
            }
        }
    const auto gathered = dealii::Utilities::MPI::gather(comm, local, 0);
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      {
        const std::size_t   n_cells = triangulation.n_active_cells();
        const std::size_t   record  = 1 + per_cell * vectors.size();
        std::vector<double> table(n_cells * (record - 1));
        for (const auto &part : gathered)
          for (std::size_t i = 0; i + record <= part.size(); i += record)
            std::copy(part.begin() + i + 1,
                      part.begin() + i + record,
                      table.begin() + std::size_t(part[i]) * (record - 1));
        std::ostringstream out;
        const double header[3] = {double(triangulation.n_levels()),
                                  double(n_cells),
                                  double(record - 1)};
        out.write(reinterpret_cast<const char *>(header), sizeof(header));
        out.write(reinterpret_cast<const char *>(table.data()),
                  table.size() * sizeof(double));
        write_file_atomically(prefix + ".cells", out.str());
      }
    MPI_Barrier(comm);
  }

  template <int dim>
  void
  load_mesh(dealii::Triangulation<dim, dim> &triangulation,
            const std::string &              prefix)
  {
    if constexpr (dim > 1)
      if (uses_p4est(triangulation))
        {
          dynamic_cast<dealii::parallel::distributed::Triangulation<dim> &>(
            triangulation)
            .load(prefix + ".mesh");
          return;
        }
    const std::string content = read_file(prefix + ".cells");
    double            header[3];
    if (content.size() < sizeof(header))
      throw std::runtime_error("damaged checkpoint: " + prefix + ".cells");
    std::memcpy(header, content.data(), sizeof(header));
    triangulation.refine_global(static_cast<unsigned int>(header[0]) - 1);
    if (triangulation.n_active_cells() != static_cast<unsigned int>(header[1]))
      throw std::runtime_error("checkpoint " + prefix +
                               ".cells does not match the coarse mesh");
  }

  template <int dim>
  void
  load_vectors(const dealii::DoFHandler<dim, dim> &                     dof_handler,
               const std::vector<dealii::PETScWrappers::MPI::Vector *> &vectors,
               const std::string &                                      prefix)
  {
    const auto &triangulation = dof_handler.get_triangulation();
    if constexpr (dim > 1)
      if (uses_p4est(triangulation))
        {
          dealii::parallel::distributed::
            SolutionTransfer<dim, dealii::PETScWrappers::MPI::Vector>
              transfer(dof_handler);
          std::vector<dealii::PETScWrappers::MPI::Vector *> targets = vectors;
          transfer.deserialize(targets);
          return;
        }
    const std::string  content  = read_file(prefix + ".cells");
    const unsigned int per_cell = dof_handler.get_fe().n_dofs_per_cell();
    double             header[3];
    std::memcpy(header, content.data(), sizeof(header));
    const std::size_t record = static_cast<std::size_t>(header[2]);
    if (record != per_cell * vectors.size() ||
        content.size() != sizeof(header) + header[1] * record * sizeof(double))
      throw std::runtime_error("checkpoint " + prefix +
                               ".cells does not match the finite element");
    const double *table =
      reinterpret_cast<const double *>(content.data() + sizeof(header));
    dealii::Vector<double> values(per_cell);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        for (std::size_t v = 0; v < vectors.size(); ++v)
          {
            const double *start =
              table + cell->active_cell_index() * record + v * per_cell;
            std::copy(start, start + per_cell, values.begin());
            cell->set_dof_values(values, *vectors[v]);
          }
    for (auto *vector : vectors)
      vector->compress(dealii::VectorOperation::insert);
  }

#define RELAX_INSTANTIATE(dim)                                                   \
  template void save_mesh_and_vectors<dim>(                                      \
    const dealii::DoFHandler<dim, dim> &,                                        \
    const std::vector<const dealii::PETScWrappers::MPI::Vector *> &,             \
    const std::string &);                                                        \
  template void load_mesh<dim>(dealii::Triangulation<dim, dim> &,                \
                               const std::string &);                             \
  template void load_vectors<dim>(const dealii::DoFHandler<dim, dim> &,          \
                                  const std::vector<dealii::PETScWrappers::MPI::Vector *> &, \
                                  const std::string &);
  RELAX_INSTANTIATE(1)
  RELAX_INSTANTIATE(2)
  RELAX_INSTANTIATE(3)
#undef RELAX_INSTANTIATE
} // namespace relax
