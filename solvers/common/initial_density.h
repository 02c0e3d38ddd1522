// ρ(·, 0) of the density solvers (fokker-planck, jko): its parameters,
// their checks, and its interpolation normalised to unit mass.
#ifndef RELAX_SOLVERS_COMMON_INITIAL_DENSITY_H
#define RELAX_SOLVERS_COMMON_INITIAL_DENSITY_H

#include <deal.II/base/tensor.h>

#include <string>

namespace dealii
{
  class ParameterHandler;
  namespace PETScWrappers
  {
    namespace MPI
    {
      class Vector;
    }
  } // namespace PETScWrappers
} // namespace dealii

namespace relax
{
  template <int dim>
  class ScalarSpace;

  /// `initial density` (one of `kinds`, e.g. "gaussian|uniform|expression"),
  /// `initial mean`, `initial covariance`, `initial expression`, in the
  /// current subsection.
  void
  declare_initial_density_parameters(dealii::ParameterHandler &prm, const std::string &kinds);

  template <int dim>
  class InitialDensity
  {
  public:
    /// Reads and checks them (covariance symmetric positive definite, the
    /// expression parses); `section` ("/jko") names them in errors.
    void
    parse_parameters(dealii::ParameterHandler &prm, const std::string &section);

    /// The density at the nodes, constraints distributed, normalised to unit
    /// mass on the mesh; an InputError when it is negative somewhere or has
    /// no mass there.
    void
    interpolate(const ScalarSpace<dim> &space, dealii::PETScWrappers::MPI::Vector &owned) const;

  private:
    std::string                 section;
    std::string                 kind;
    dealii::Tensor<1, dim>      mean;
    dealii::Tensor<2, dim>      covariance;
    std::string                 expression;
  };
} // namespace relax

#endif
