// Functionals of a probability density on the mesh, by quadrature: mass,
// entropy, expectations, free energies, KL divergence, moments. One place
// for them, shared by every solver that evolves a density.
#pragma once

#include <deal.II/base/point.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include <functional>
#include <vector>

namespace dealii
{
  template <int dim, int spacedim>
  class DoFHandler;
  namespace PETScWrappers::MPI
  {
    class Vector;
  }
} // namespace dealii

namespace relax
{
  template <int dim>
  class Landscape;

  template <int dim>
  struct DensityFigures
  {
    double mass = 0;
    /// H(ρ) = −∫ρ log ρ over {ρ > 0}.
    double entropy = 0;
    /// E_ρ[f]
    double expected_f = 0;
    /// E_ρ[Φ], Φ = −β⁻¹ log ρ_ss − shift (NaN without ρ_ss).
    double expected_phi = 0;
    /// KL(ρ‖ρ_ss) = ∫ρ log(ρ/ρ_ss) over {ρ > 0} (NaN without ρ_ss).
    double kl = 0;
    /// ∫ min(ρ, 0): how much of ρ is negative.
    double negative_mass = 0;
    dealii::Tensor<1, dim>          mean;
    dealii::SymmetricTensor<2, dim> covariance;
    /// ‖ρ − reference‖_L2 and |mean − reference mean| (NaN without one).
    double reference_l2_error   = 0;
    /// ‖ρ − reference‖_L1 (NaN without one).
    double reference_l1_error   = 0;
    double reference_mean_error = 0;
    /// ∫ reference (NaN without one).
    double reference_mass = 0;
  };

  /**
   * The figures of `rho` (with ghost entries). `rho_ss` (may be null) gives
   * Φ and KL; `phi_shift` is subtracted from −β⁻¹ log ρ_ss; `reference`
   * (may be empty) is a density to compare with. `f_values`, if not
   * empty, holds f at the quadrature points of the locally owned cells in
   * order (see landscape_at_quadrature_points), so that an expensive f is
   * evaluated once per run, not once per step. Values ρ ≤ 0 contribute
   * nothing to the entropy and KL terms; where ρ_ss ≤ 1e-300, it is taken
   * as 1e-300. Collective.
   */
  template <int dim>
  DensityFigures<dim>
  evaluate_density(
    const dealii::DoFHandler<dim, dim> &                     dof_handler,
    const dealii::PETScWrappers::MPI::Vector &               rho,
    const dealii::PETScWrappers::MPI::Vector *               rho_ss,
    const Landscape<dim> &                                   landscape,
    const std::vector<double> &                              f_values,
    double                                                   beta,
    double                                                   phi_shift,
    const std::function<double(const dealii::Point<dim> &)> &reference);

  /// f at the quadrature points evaluate_density uses, cell by cell.
  template <int dim>
  std::vector<double>
  landscape_at_quadrature_points(const dealii::DoFHandler<dim, dim> &dof_handler,
                                 const Landscape<dim> &              landscape);

  /// The value and gradient of a finite-element field at a point, on any
  /// number of ranks (the rank owning the cell evaluates). Collective.
  template <int dim>
  std::pair<double, dealii::Tensor<1, dim>>
  evaluate_at_point(const dealii::DoFHandler<dim, dim> &       dof_handler,
                    const dealii::PETScWrappers::MPI::Vector &field,
                    const dealii::Point<dim> &                 point);
} // namespace relax
