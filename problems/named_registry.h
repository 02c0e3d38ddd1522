// The one registry mechanism behind landscapes and solvers: entries with a
// `name`, registered by static initialisers, kept sorted by name.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace relax
{
  /// All entries of type Entry registered so far (sorted by name).
  template <typename Entry>
  std::vector<Entry> &
  registry_entries()
  {
    // A function-local static: ready whenever the first static initialiser
    // registers, whatever the order of the translation units.
    static std::vector<Entry> entries;
    return entries;
  }

  /// Adds `entry`; returns true so that it can initialise a static.
  template <typename Entry>
  bool
  add_to_registry(const Entry &entry)
  {
    auto &entries = registry_entries<Entry>();
    entries.push_back(entry);
    std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
      return a.name < b.name;
    });
    return true;
  }

  /// The entry called `name`, or nullptr.
  template <typename Entry>
  const Entry *
  find_in_registry(const std::string &name)
  {
    for (const Entry &entry : registry_entries<Entry>())
      if (entry.name == name)
        return &entry;
    return nullptr;
  }

  /// The names, joined by `separator`.
  template <typename Entry>
  std::string
  registry_names(const std::string &separator)
  {
    std::string names;
    for (const Entry &entry : registry_entries<Entry>())
      names += (names.empty() ? "" : separator) + entry.name;
    return names;
  }
} // namespace relax
