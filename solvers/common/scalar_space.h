// The scalar finite-element space every solver works in: the distributed
// mesh of the landscape's box, continuous Q_p elements, periodic
// constraints, the sparsity pattern, the mass matrix and ∫φ_i, and the
// checkpoint of the mesh. One place for what heat, Fokker–Planck and the
// Hamilton–Jacobi solvers share.
#pragma once

#include <deal.II/base/index_set.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include "problems/landscape.h"

#include <memory>
#include <stdexcept>
#include <vector>

namespace relax
{
  template <int dim>
  class ScalarSpace
  {
  public:
    /// With `matrix_free` (dim ≥ 2), the mesh keeps its multigrid levels,
    /// the DoFs are numbered on every level too, and no sparsity pattern
    /// or mass matrix is made (reinit() and mass() are not available).
    ScalarSpace(MPI_Comm comm, const Domain<dim> &domain, unsigned int degree, bool matrix_free = false);

    /// A uniformly refined mesh of the box, and everything on it.
    void
    create(unsigned int refinement);

    /// The mesh saved under `prefix` (save_mesh_and_vectors), and
    /// everything on it. `refinement`: that of the create() the saved mesh
    /// started from, below which refine() never coarsens.
    void
    load(const std::string &prefix, unsigned int refinement = 0);
    /// Refines the fraction `refine_fraction` of the cells with the
    /// largest Kelly indicators of `field` (ghosted), coarsens the fraction
    /// `coarsen_fraction` with the smallest (never below the mesh that
    /// create() made), and sets everything up again: vectors and matrices
    /// of the old mesh are invalid after it. 2-D and 3-D (p4est), not with
    /// `matrix_free`.
    ///
    /// `transferred` (ghosted vectors of the old mesh) come back as ghosted
    /// vectors of the new one, interpolated (exact where cells were only
    /// refined: the spaces are nested), constraints distributed. Cells at
    /// `max_level` are not refined further.
    void
    refine(const dealii::PETScWrappers::MPI::Vector &              field,
           double                                                  refine_fraction,
           double                                                  coarsen_fraction,
           unsigned int                                            max_level   = 30,
           const std::vector<dealii::PETScWrappers::MPI::Vector *> &transferred = {});

    /// Refines every locally owned cell whose entry of `indicators` (one
    /// per locally owned active cell, in iterator order) exceeds
    /// `threshold`, up to `max_level`; returns the number of cells refined
    /// (all ranks). Vectors of the old mesh are invalid after it. 2-D and 3-D.
    unsigned long
    refine_above(const std::vector<double> &indicators, double threshold, unsigned int max_level);

    MPI_Comm
    communicator() const
    {
      return comm;
    }
    const Domain<dim> &
    domain() const
    {
      return box;
    }
    const dealii::Triangulation<dim> &
    triangulation() const
    {
      return *mesh;
    }
    const dealii::DoFHandler<dim> &
    dof_handler() const
    {
      return dofs;
    }
    const dealii::FE_Q<dim> &
    fe() const
    {
      return element;
    }
    const dealii::IndexSet &
    owned() const
    {
      return owned_dofs;
    }
    const dealii::IndexSet &
    relevant() const
    {
      return relevant_dofs;
    }
    const dealii::AffineConstraints<double> &
    constraints() const
    {
      return constraint_set;
    }
    /// M_ij = ∫φ_i φ_j (with the constraints condensed).
    const dealii::PETScWrappers::MPI::SparseMatrix &
    mass() const
    {
      if (matrix_free)
        throw std::logic_error("ScalarSpace: no mass matrix in a matrix-free space");
      return mass_matrix;
    }
    /// ∫φ_i over all DoFs, constrained ones included, so that the integral
    /// of a field u (with its constrained values set) is integrals · u.
    const dealii::PETScWrappers::MPI::Vector &
    integrals() const
    {
      return basis_integrals;
    }

    /// A zero matrix on the space's sparsity pattern.
    void
    reinit(dealii::PETScWrappers::MPI::SparseMatrix &matrix) const;
    /// `matrix` (with the space's pattern) = c ∫∇φ_i·∇φ_j, constraints
    /// condensed.
    void
    assemble_laplace(dealii::PETScWrappers::MPI::SparseMatrix &matrix, double c) const;

    /// A vector of owned entries (without ghosts), zero.
    dealii::PETScWrappers::MPI::Vector
    owned_vector() const;
    /// A vector with ghost entries (read-only in assembly and output).
    dealii::PETScWrappers::MPI::Vector
    ghosted_vector() const;

    /// The cell size h (the shortest edge).
    double
    mesh_size() const;

    /// The support points of the owned DoFs, in the order of owned().
    const std::vector<dealii::Point<dim>> &
    owned_support_points() const
    {
      return owned_points;
    }

    /// The support point of global DoF `index`, on every rank. Collective.
    dealii::Point<dim>
    support_point(dealii::types::global_dof_index index) const;

    /// The landscape's f interpolated at the support points (owned
    /// entries, constraints distributed).
    dealii::PETScWrappers::MPI::Vector
    landscape_nodal(const Landscape<dim> &landscape) const;
    /// The landscape's f interpolated at the support points, with ghost
    /// entries: the f beside a solver's fields in its output.
    dealii::PETScWrappers::MPI::Vector
    landscape_field(const Landscape<dim> &landscape) const;

  private:
    void
    setup();
    /// Executes the refinement and coarsening flags, sets everything up
    /// again and carries `transferred` over (see refine()).
    void
    adapt(const std::vector<dealii::PETScWrappers::MPI::Vector *> &transferred);

    MPI_Comm                                     comm;
    bool                                         matrix_free;
    unsigned int                                 coarsest_level = 0;
    Domain<dim>                                  box;
    dealii::FE_Q<dim>                            element;
    std::unique_ptr<dealii::Triangulation<dim>>  mesh;
    dealii::DoFHandler<dim>                      dofs;
    dealii::IndexSet                             owned_dofs, relevant_dofs;
    dealii::AffineConstraints<double>            constraint_set;
    dealii::PETScWrappers::MPI::SparseMatrix     mass_matrix;
    dealii::PETScWrappers::MPI::Vector           basis_integrals;
    std::vector<dealii::Point<dim>>              owned_points;
  };
} // namespace relax
