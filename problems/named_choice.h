// One way to turn the name of a choice (a parameter's value) into its enum.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

namespace relax
{
  /// The value paired with `name` in `choices`; std::invalid_argument
  /// "unknown <what> '<name>'" when there is none.
  template <typename T>
  T
  named_choice(const std::string                                &name,
               std::initializer_list<std::pair<const char *, T>> choices,
               const std::string                                &what)
  {
    for (const auto &choice : choices)
      if (name == choice.first)
        return choice.second;
    throw std::invalid_argument("unknown " + what + " '" + name + "'");
  }
} // namespace relax
