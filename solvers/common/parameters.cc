#include "solvers/common/parameters.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include "problems/input_error.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace relax
{
  namespace
  {
    std::string
    join_path(const std::vector<std::string> &sections, const std::string &name)
    {
      std::string path;
      for (const std::string &section : sections)
        path += section + "/";
      return path + name;
    }

    /// deal.II's exception text, without its boilerplate, on one line.
    std::string
    one_line(const dealii::ExceptionBase &exception)
    {
      std::ostringstream text;
      exception.print_info(text);
      std::string              line;
      std::istringstream       words(text.str());
      for (std::string word; words >> word;)
        line += (line.empty() ? "" : " ") + word;
      return line;
    }

    bool
    starts_with(const std::string &text, const std::string &prefix)
    {
      return text.compare(0, prefix.size(), prefix) == 0;
    }

    /// The text between `open` and `close` after position `from`.
    std::string
    between(const std::string &text,
            const std::string &open,
            const std::string &close,
            std::size_t        from = 0)
    {
      const std::size_t begin = text.find(open, from);
      if (begin == std::string::npos)
        return "";
      const std::size_t end = text.find(close, begin + open.size());
      if (end == std::string::npos)
        return "";
      return text.substr(begin + open.size(), end - begin - open.size());
    }
  } // namespace

  std::string
  absolute_path(const std::string &path)
  {
    return (!path.empty() && path[0] == '/') ? path.substr(1) : path;
  }

  ParameterSource::ParameterSource(const std::string &filename)
    : file(filename)
  {
    std::ifstream input(filename);
    if (!input)
      throw InputError("/", "cannot open parameter file '" + filename + "'");
    const bool is_json =
      filename.size() >= 5 && filename.substr(filename.size() - 5) == ".json";
    if (is_json)
      return; // deal.II's JSON reader reports no lines; nothing to map.

    // Mirror deal.II's .prm grammar: '#' comments, '\' continuations,
    // "subsection NAME", "end", "set NAME = VALUE".
    std::vector<std::string> sections;
    std::string              line;
    unsigned int             number = 0;
    while (std::getline(input, line))
      {
        const unsigned int first_line = ++number;
        while (!line.empty() && line.back() == '\\')
          {
            std::string next;
            if (!std::getline(input, next))
              break;
            ++number;
            line.pop_back();
            line += next;
          }
        const std::size_t comment = line.find('#');
        if (comment != std::string::npos)
          line.erase(comment);
        line = dealii::Utilities::trim(line);
        if (starts_with(line, "subsection ") || starts_with(line, "subsection\t"))
          {
            sections.push_back(dealii::Utilities::trim(line.substr(10)));
            const std::string path = join_path(sections, "");
            lines_by_path[path.substr(0, path.size() - 1)] = first_line;
            paths_by_line[first_line] = path.substr(0, path.size() - 1);
          }
        else if (line == "end" || line == "END")
          {
            if (!sections.empty())
              sections.pop_back();
          }
        else if (starts_with(line, "set ") || starts_with(line, "set\t"))
          {
            const std::size_t equals = line.find('=');
            const std::string name   = dealii::Utilities::trim(
              line.substr(3, equals == std::string::npos ? std::string::npos :
                                                             equals - 3));
            const std::string path          = join_path(sections, name);
            lines_by_path[path]             = first_line;
            paths_by_line[first_line]       = path;
          }
      }
  }

  unsigned int
  ParameterSource::line_of(const std::string &path) const
  {
    std::string candidate = absolute_path(path);
    while (!candidate.empty())
      {
        const auto found = lines_by_path.find(candidate);
        if (found != lines_by_path.end())
          return found->second;
        const std::size_t slash = candidate.rfind('/');
        candidate = slash == std::string::npos ? "" : candidate.substr(0, slash);
      }
    return 0;
  }

  std::string
  ParameterSource::path_on_line(const unsigned int line) const
  {
    const auto found = paths_by_line.find(line);
    return found == paths_by_line.end() ? "" : found->second;
  }

  std::string
  ParameterSource::describe(const InputError &error) const
  {
    const std::string  path = absolute_path(error.parameter());
    const unsigned int line = line_of(path);
    std::string        where = file;
    if (line > 0)
      where += ":" + std::to_string(line);
    if (path.empty())
      return where + ": " + error.message();
    return where + ": " + path + ": " + error.message();
  }

  void
  ParameterSource::parse_into(dealii::ParameterHandler &prm) const
  {
    try
      {
        prm.parse_input(file, "", false, false);
      }
    catch (const dealii::ExceptionBase &exception)
      {
        const std::string text = one_line(exception);
        // deal.II writes "Line <N> of file <FILE>: ..." (sometimes without
        // the closing '>'); keep N, drop the rest of the preamble.
        const std::string  line_text = between(text, "Line <", ">");
        const unsigned int line =
          line_text.empty() ? 0 : std::stoul(line_text);
        std::string detail = text;
        const std::size_t colon = text.find(": ", text.find(file));
        if (line > 0 && colon != std::string::npos)
          detail = text.substr(colon + 2);

        const std::string path = path_on_line(line);
        const std::string undeclared = between(detail, "ask for entry <", ">");
        if (path.empty() && !undeclared.empty())
          throw InputError("", "unknown parameter '" + undeclared +
                                 "' (see relax --print-parameters for the "
                                 "declared ones)");
        if (path.empty())
          throw InputError("", (line > 0 ? "line " + std::to_string(line) + ": " : "") + detail);
        if (detail.find("does not match the given pattern") !=
            std::string::npos)
          {
            const std::string value =
              dealii::Utilities::trim(between(detail, "The entry value", "for the entry named"));
            const std::string pattern = dealii::Utilities::trim(
              detail.substr(detail.find("pattern:") + 8));
            throw InputError(path,
                             "value '" + value +
                               "' is not allowed; expected " + pattern);
          }
        if (detail.find("No entry with name") != std::string::npos)
          throw InputError(path,
                           "unknown parameter (see relax --print-parameters "
                           "for the declared ones)");
        if (detail.find("no such subsection") != std::string::npos)
          throw InputError(path,
                           "unknown subsection (see relax --print-parameters "
                           "for the declared ones)");
        throw InputError(path, detail);
      }
  }
} // namespace relax
