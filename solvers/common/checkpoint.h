// Saving and loading a distributed mesh with finite-element vectors on it,
// so that a resumed run continues exactly where the last checkpoint was,
// on any number of ranks.
#pragma once

#include <string>
#include <vector>

namespace dealii
{
  template <int dim, int spacedim>
  class Triangulation;
  template <int dim, int spacedim>
  class DoFHandler;
  namespace PETScWrappers::MPI
  {
    class Vector;
  }
} // namespace dealii

namespace relax
{
  /// Saves the mesh of `dof_handler` and the `vectors` (with ghost
  /// entries, locally relevant) under the path stem `prefix`. Collective.
  template <int dim>
  void
  save_mesh_and_vectors(
    const dealii::DoFHandler<dim, dim> &                     dof_handler,
    const std::vector<const dealii::PETScWrappers::MPI::Vector *> &vectors,
    const std::string &                                      prefix);

  /// Turns `triangulation`, holding the unrefined coarse mesh the saved one
  /// was built from, into the saved mesh. Collective.
  template <int dim>
  void
  load_mesh(dealii::Triangulation<dim, dim> &triangulation,
            const std::string &              prefix);

  /// Fills `vectors` (without ghosts, sized for `dof_handler`, whose DoFs
  /// are distributed on the loaded mesh) with the saved values. Collective.
  template <int dim>
  void
  load_vectors(const dealii::DoFHandler<dim, dim> &                dof_handler,
               const std::vector<dealii::PETScWrappers::MPI::Vector *> &vectors,
               const std::string &                                 prefix);
} // namespace relax
