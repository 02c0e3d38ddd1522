#include "solvers/common/run_folder.h"

#include <deal.II/base/mpi.h>

#include "solvers/common/json.h"
#include "solvers/common/version.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace relax
{
  void
  write_file_atomically(const std::string &path, const std::string &content)
  {
    write_file_atomically(path, [&](std::ostream &out) { out << content; });
  }

  void
  write_file_atomically(const std::string &path, const std::function<void(std::ostream &)> &write)
  {
    const std::string partial = path + ".partial";
    {
      std::ofstream out(partial, std::ios::binary);
      write(out);
      out.close();
      if (!out)
        throw std::runtime_error("cannot write '" + partial + "'");
    }
    std::filesystem::rename(partial, path);
  }

  std::string
  read_file(const std::string &path)
  {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw std::runtime_error("cannot read '" + path + "'");
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }

  void
  Diagnostics::add_row(const Row &row)
  {
    if (columns.empty())
      for (const auto &entry : row)
        columns.push_back(entry.first);
    std::vector<double> values(columns.size(),
                               std::numeric_limits<double>::quiet_NaN());
    for (const auto &entry : row)
      {
        std::size_t c = 0;
        while (c < columns.size() && columns[c] != entry.first)
          ++c;
        if (c == columns.size())
          throw std::logic_error("diagnostics column '" + entry.first +
                                 "' was not in the first row");
        values[c] = entry.second;
      }
    rows.push_back(values);
  }

  double
  Diagnostics::last(const std::string &column) const
  {
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (columns[c] == column && !rows.empty())
        return rows.back()[c];
    return std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<double>
  Diagnostics::column(const std::string &name) const
  {
    std::vector<double> values;
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (columns[c] == name)
        for (const auto &row : rows)
          values.push_back(row[c]);
    return values;
  }

  double
  Diagnostics::largest(const std::string &name) const
  {
    const std::vector<double> values = column(name);
    return values.empty() ? std::numeric_limits<double>::quiet_NaN() :
                            *std::max_element(values.begin(), values.end());
  }

  double
  Diagnostics::smallest(const std::string &name) const
  {
    const std::vector<double> values = column(name);
    return values.empty() ? std::numeric_limits<double>::quiet_NaN() :
                            *std::min_element(values.begin(), values.end());
  }

  double
  Diagnostics::largest_increase(const std::string &name, const std::string &segment) const
  {
    const std::vector<double> values   = column(name);
    const std::vector<double> segments = segment.empty() ? std::vector<double>() : column(segment);
    double                    increase = -std::numeric_limits<double>::infinity();
    for (std::size_t n = 1; n < values.size(); ++n)
      if (segments.empty() || segments[n] == segments[n - 1])
        increase = std::max(increase, values[n] - values[n - 1]);
    return increase;
  }

  std::string
  Diagnostics::csv() const
  {
    std::string text;
    for (std::size_t c = 0; c < columns.size(); ++c)
      text += (c == 0 ? "" : ",") + columns[c];
    text += '\n';
    for (const auto &row : rows)
      {
        for (std::size_t c = 0; c < row.size(); ++c)
          text += (c == 0 ? "" : ",") + shortest_round_trip(row[c]);
        text += '\n';
      }
    return text;
  }

  void
  Diagnostics::load_csv(const std::string &text)
  {
    columns.clear();
    rows.clear();
    std::istringstream lines(text);
    std::string        line;
    if (!std::getline(lines, line) || line.empty())
      return;
    std::istringstream header(line);
    for (std::string name; std::getline(header, name, ',');)
      columns.push_back(name);
    while (std::getline(lines, line))
      {
        std::vector<double> row;
        std::istringstream  cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
          row.push_back(std::strtod(cell.c_str(), nullptr));
        rows.push_back(row);
      }
  }

  RunFolder::RunFolder(const std::string &directory, MPI_Comm communicator)
    : folder(directory)
    , comm(communicator)
  {}

  std::string
  RunFolder::path(const std::string &name) const
  {
    return folder + "/" + name;
  }

  bool
  RunFolder::is_root() const
  {
    return dealii::Utilities::MPI::this_mpi_process(comm) == 0;
  }

  void
  RunFolder::write(const std::string &name, const std::string &content) const
  {
    if (is_root())
      write_file_atomically(path(name), content);
  }

  void
  RunFolder::start(const std::string &effective_parameters,
                   const std::string &command_line,
                   const bool         resumed)
  {
    command     = command_line;
    was_resumed = resumed;
    const auto now = std::chrono::system_clock::now();
    start_seconds =
      std::chrono::duration<double>(now.time_since_epoch()).count();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    char              date[64];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
    start_date = date;

    if (is_root())
      {
        std::error_code error;
        std::filesystem::create_directories(folder, error);
        if (error || !std::filesystem::is_directory(folder))
          throw std::runtime_error("cannot create the output directory '" +
                                   folder + "': " + error.message());
        std::filesystem::remove(path("summary.json"));
        write("parameters.prm", effective_parameters);
        write_provenance("running");
      }
    MPI_Barrier(comm);
  }

  void
  RunFolder::finish(Json summary)
  {
    summary.set("trust", trust_report.json());
    write("summary.json", summary.dump());
    if (!is_root())
      return;
    if (trust_report.trusted())
      write_provenance("complete");
    else
      {
        write_provenance("complete, untrusted: " + trust_report.reason());
        for (const std::string &line : trust_report.warnings())
          std::cerr << "relax: warning: untrusted: " << line << std::endl;
      }
  }

  void
  RunFolder::stop(const std::string &status)
  {
    if (is_root() && std::filesystem::is_directory(folder))
      write_provenance(status);
  }

  void
  RunFolder::write_provenance(const std::string &status) const
  {
    char host[256] = "unknown";
    gethostname(host, sizeof(host) - 1);
    const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    Json provenance = Json::object();
    provenance.set("program", "relax")
      .set("version", version())
      .set("git commit", git_commit())
      .set("deal.II", DEAL_II_PACKAGE_VERSION)
      .set("command line", command)
      .set("mpi ranks", dealii::Utilities::MPI::n_mpi_processes(comm))
      .set("host", std::string(host))
      .set("started", start_date)
      .set("resumed", was_resumed)
      .set("wall seconds", std::round((now - start_seconds) * 1000) / 1000)
      .set("status", status);
    write("provenance.json", provenance.dump());
  }
} // namespace relax
