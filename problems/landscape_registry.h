// Landscapes register themselves by name; solvers create them from the
// parameter file without knowing any of them.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace relax
{
  template <int dim>
  class Landscape;

  /// What one landscape file registers (see RELAX_REGISTER_LANDSCAPE).
  struct LandscapeRegistration
  {
    std::string name;
    std::string description;
    void (*declare_parameters)(dealii::ParameterHandler &);
    std::unique_ptr<Landscape<1>> (*create_1d)(dealii::ParameterHandler &);
    std::unique_ptr<Landscape<2>> (*create_2d)(dealii::ParameterHandler &);
    std::unique_ptr<Landscape<3>> (*create_3d)(dealii::ParameterHandler &);
  };

  /// Adds a landscape; returns true so that it can initialise a static.
  bool
  register_landscape(const LandscapeRegistration &registration);

  /// Every registered landscape, sorted by name.
  const std::vector<LandscapeRegistration> &
  registered_landscapes();

  /// Declares subsection "Landscape": `name` (a selection of every
  /// registered landscape) and one subsection per landscape.
  void
  declare_landscape_parameters(dealii::ParameterHandler &prm);

  /// The landscape named in "Landscape/name", built from its subsection.
  /// Throws InputError with the full parameter path on bad values.
  template <int dim>
  std::unique_ptr<Landscape<dim>>
  create_landscape(dealii::ParameterHandler &prm);

  /// The landscape's name as set in the file.
  std::string
  landscape_name(dealii::ParameterHandler &prm);

  namespace internal
  {
    template <template <int> class LandscapeType, int dim>
    std::unique_ptr<Landscape<dim>>
    construct_landscape(dealii::ParameterHandler &prm)
    {
      return std::make_unique<LandscapeType<dim>>(prm);
    }
  } // namespace internal
} // namespace relax

/**
 * Registers the class template `Class<dim>` (derived from Landscape<dim>,
 * with `static void declare_parameters(ParameterHandler &)` and a
 * constructor from the ParameterHandler entered in its subsection) under
 * `name`, for dim = 1, 2, 3. A landscape that does not exist in some
 * dimension throws InputError("/dimension", ...) from its constructor.
 */
#define RELAX_REGISTER_LANDSCAPE(Class, name, description)                \
  namespace                                                               \
  {                                                                       \
    const bool Class##_is_registered = relax::register_landscape(         \
      {name,                                                              \
       description,                                                       \
       &Class<2>::declare_parameters,                                     \
       &relax::internal::construct_landscape<Class, 1>,                   \
       &relax::internal::construct_landscape<Class, 2>,                   \
       &relax::internal::construct_landscape<Class, 3>});                 \
  }
