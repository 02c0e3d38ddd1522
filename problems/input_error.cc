#include "problems/input_error.h"

namespace relax
{
  InputError::InputError(const std::string &parameter,
                         const std::string &message)
    : std::runtime_error(parameter + ": " + message)
    , parameter_path(parameter)
    , text(message)
  {}

  InputError
  InputError::prefixed(const std::string &section) const
  {
    if (!parameter_path.empty() && parameter_path[0] == '/')
      return *this;
    return InputError(section + "/" + parameter_path, text);
  }
} // namespace relax
