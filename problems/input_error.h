// The one error type for anything a user wrote wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace relax
{
  /**
   * @brief Bad input: names the parameter (its path of subsections, e.g.
   * "Landscape/quadratic/D") and says what is wrong with it. The top level
   * turns it into one line with the file and line of that parameter.
   *
   * Code that reads parameters inside a subsection throws with the path
   * relative to it; whoever entered the subsection prefixes it
   * (see prefixed()). A path that starts with '/' is already absolute.
   */
  class InputError : public std::runtime_error
  {
  public:
    InputError(const std::string &parameter, const std::string &message);

    const std::string &
    parameter() const
    {
      return parameter_path;
    }

    const std::string &
    message() const
    {
      return text;
    }

    /// The same error with "section/" put in front of a relative path.
    InputError
    prefixed(const std::string &section) const;

  private:
    std::string parameter_path;
    std::string text;
  };
} // namespace relax
