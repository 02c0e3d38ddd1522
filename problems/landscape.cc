#include "problems/landscape.h"

namespace relax
{
  template <int dim>
  bool
  Domain<dim>::is_torus() const
  {
    for (const bool p : periodic)
      if (!p)
        return false;
    return true;
  }

  template <int dim>
  dealii::Tensor<1, dim>
  Landscape<dim>::drift(const dealii::Point<dim> &x) const
  {
    return -gradient(x);
  }

  template <int dim>
  bool
  Landscape<dim>::drift_is_gradient() const
  {
    return true;
  }

  template <int dim>
  dealii::SymmetricTensor<2, dim>
  Landscape<dim>::diffusion(const dealii::Point<dim> &) const
  {
    return dealii::unit_symmetric_tensor<dim>();
  }

  template <int dim>
  dealii::Tensor<1, dim>
  Landscape<dim>::diffusion_divergence(const dealii::Point<dim> &) const
  {
    return dealii::Tensor<1, dim>();
  }

  template <int dim>
  std::map<std::string, double>
  Landscape<dim>::properties() const
  {
    return {};
  }

  template struct Domain<1>;
  template struct Domain<2>;
  template struct Domain<3>;
  template class Landscape<1>;
  template class Landscape<2>;
  template class Landscape<3>;
} // namespace relax
