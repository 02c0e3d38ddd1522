#include "problems/landscape_registry.h"

#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/named_registry.h"


namespace relax
{
  namespace
  {
    const LandscapeRegistration &
    find_registration(const std::string &name)
    {
      if (const auto *entry = find_in_registry<LandscapeRegistration>(name))
        return *entry;
      throw InputError("/Landscape/name",
                       "unknown landscape '" + name + "' (known: " +
                         registry_names<LandscapeRegistration>(", ") + ")");
    }

    template <int dim>
    std::unique_ptr<Landscape<dim>>
    call_factory(const LandscapeRegistration &entry,
                 dealii::ParameterHandler &   prm)
    {
      if constexpr (dim == 1)
        return entry.create_1d(prm);
      else if constexpr (dim == 2)
        return entry.create_2d(prm);
      else
        return entry.create_3d(prm);
    }
  } // namespace

  bool
  register_landscape(const LandscapeRegistration &registration)
  {
    return add_to_registry(registration);
  }

  const std::vector<LandscapeRegistration> &
  registered_landscapes()
  {
    return registry_entries<LandscapeRegistration>();
  }

  void
  declare_landscape_parameters(dealii::ParameterHandler &prm)
  {
    const std::string names = registry_names<LandscapeRegistration>("|");
    std::string       descriptions;
    for (const auto &entry : registered_landscapes())
      descriptions += "\n  " + entry.name + ": " + entry.description;
    prm.enter_subsection("Landscape");
    prm.declare_entry("name",
                      "saddle",
                      dealii::Patterns::Selection(names),
                      "The loss landscape f (with its drift and diffusion "
                      "matrix D). Its parameters are in the subsection of "
                      "the same name." +
                        descriptions);
    for (const auto &entry : registered_landscapes())
      {
        prm.enter_subsection(entry.name);
        entry.declare_parameters(prm);
        prm.leave_subsection();
      }
    prm.leave_subsection();
  }

  std::string
  landscape_name(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Landscape");
    const std::string name = prm.get("name");
    prm.leave_subsection();
    return name;
  }

  template <int dim>
  std::unique_ptr<Landscape<dim>>
  create_landscape(dealii::ParameterHandler &prm)
  {
    const std::string                  name  = landscape_name(prm);
    const LandscapeRegistration &      entry = find_registration(name);
    std::unique_ptr<Landscape<dim>>    landscape;
    prm.enter_subsection("Landscape");
    prm.enter_subsection(name);
    try
      {
        landscape = call_factory<dim>(entry, prm);
      }
    catch (const InputError &error)
      {
        prm.leave_subsection();
        prm.leave_subsection();
        throw error.prefixed("/Landscape/" + name);
      }
    prm.leave_subsection();
    prm.leave_subsection();
    return landscape;
  }

  template std::unique_ptr<Landscape<1>>
  create_landscape<1>(dealii::ParameterHandler &);
  template std::unique_ptr<Landscape<2>>
  create_landscape<2>(dealii::ParameterHandler &);
  template std::unique_ptr<Landscape<3>>
  create_landscape<3>(dealii::ParameterHandler &);
} // namespace relax
