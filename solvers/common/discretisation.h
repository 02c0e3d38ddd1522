// The mesh every solver uses: a box (with its periodic directions) from the
// landscape, distributed over MPI ranks, uniformly refined.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>

namespace dealii
{
  class ParameterHandler;
  template <int dim, int spacedim>
  class Triangulation;
  template <int dim, int spacedim>
  class DoFHandler;
  template <typename number>
  class AffineConstraints;
} // namespace dealii

namespace relax
{
  template <int dim>
  struct Domain;
  template <int dim>
  class Landscape;

  /// Subsection "Mesh".
  struct MeshParameters
  {
    unsigned int refinement = 5;
    unsigned int degree     = 1;

    static void
    declare_parameters(dealii::ParameterHandler &prm);
    void
    parse_parameters(dealii::ParameterHandler &prm);
  };

  /**
   * An empty triangulation for `comm`: parallel::distributed (p4est) for
   * dim ≥ 2; parallel::shared for dim = 1, which p4est does not provide.
   * Both partition the cells, so solvers see one interface. With
   * `multigrid_levels` (dim ≥ 2), p4est keeps the level hierarchy that a
   * geometric multigrid needs.
   */
  template <int dim>
  std::unique_ptr<dealii::Triangulation<dim, dim>>
  make_triangulation(MPI_Comm comm, bool multigrid_levels = false);

  /// Fills `triangulation` with the box of `domain`, cells as close to
  /// cubes as the box allows, faces coloured 2i / 2i+1 on the lower / upper
  /// side of axis i, periodic directions identified, then refined
  /// `refinement` times.
  template <int dim>
  void
  build_mesh(dealii::Triangulation<dim, dim> &triangulation,
             const Domain<dim> &              domain,
             unsigned int                     refinement);

  /// Adds the periodic identifications of `domain` to `constraints`.
  template <int dim>
  void
  add_periodicity_constraints(const dealii::DoFHandler<dim, dim> &dof_handler,
                              const Domain<dim> &                 domain,
                              dealii::AffineConstraints<double> & constraints);

  /// Checks that D(x) is symmetric positive definite (and finite) at every
  /// vertex and cell centre of the mesh. Collective; on failure every rank
  /// throws the same InputError(parameter, "... at x = (...)").
  template <int dim>
  void
  check_diffusion(const Landscape<dim> &                 landscape,
                  const dealii::Triangulation<dim, dim> &triangulation,
                  const std::string &                    parameter);
} // namespace relax
