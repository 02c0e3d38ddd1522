// Reading a parameter file: where each entry stands (for error messages)
// and the translation of every parse failure into one line.
#pragma once

#include <map>
#include <string>

namespace dealii
{
  class ParameterHandler;
}

namespace relax
{
  class InputError;

  /**
   * @brief The lines of a .prm file and the parameter path each one sets,
   * so that an error found long after parsing (a D(x) that is not positive
   * definite, an expression that does not parse) can name the file and the
   * line where the user wrote the offending value.
   */
  class ParameterSource
  {
  public:
    /// Reads `filename`; throws InputError naming the file if it cannot.
    explicit ParameterSource(const std::string &filename);

    const std::string &
    filename() const
    {
      return file;
    }

    /// The line (1-based) of entry or subsection `path` ("A/B/name"), or of
    /// its nearest enclosing subsection that the file mentions; 0 if none.
    unsigned int
    line_of(const std::string &path) const;

    /// The path of the entry set on `line`, or "" if that line sets none.
    std::string
    path_on_line(unsigned int line) const;

    /// "file:line: path: message" (the line omitted when unknown).
    std::string
    describe(const InputError &error) const;

    /// Parses the file into `prm` (declared beforehand). Every failure,
    /// including those deal.II reports, becomes an InputError whose text
    /// names the file, the line and the parameter.
    void
    parse_into(dealii::ParameterHandler &prm) const;

  private:
    std::string                         file;
    std::map<std::string, unsigned int> lines_by_path;
    std::map<unsigned int, std::string> paths_by_line;
  };

  /// Turns "/A/B" or "A/B" into "A/B".
  std::string
  absolute_path(const std::string &path);
} // namespace relax
