// The folder a run writes: parameters, provenance, diagnostics, summary and
// fields, each file written whole under a temporary name and then renamed,
// so that a crashed run never leaves a file that looks complete.
#pragma once

#include <mpi.h>

#include "solvers/common/trust.h"

#include <string>
#include <utility>
#include <functional>
#include <ostream>
#include <vector>

namespace relax
{
  class Json;

  /// Writes `content` to `path` through "path.partial" and a rename.
  void
  write_file_atomically(const std::string &path, const std::string &content);
  /// The same with the content streamed by `write` (no copy of it in
  /// memory: large field output).
  void
  write_file_atomically(const std::string &path, const std::function<void(std::ostream &)> &write);

  /// The whole content of a file; throws std::runtime_error naming it.
  std::string
  read_file(const std::string &path);

  /**
   * @brief One row per step, named columns fixed by the first row; written
   * as diagnostics.csv. Kept whole in memory so that a checkpoint can store
   * it and a resumed run continues the same table.
   */
  class Diagnostics
  {
  public:
    using Row = std::vector<std::pair<std::string, double>>;

    void
    add_row(const Row &row);

    std::size_t
    n_rows() const
    {
      return rows.size();
    }

    /// The value of `column` in the last row (NaN if absent).
    double
    last(const std::string &column) const;

    /// Every value of `column`, in row order (empty if there is none).
    std::vector<double>
    column(const std::string &name) const;

    /// The largest (smallest) value of `column` over all rows: a figure
    /// over the whole run, not its last step (NaN without rows).
    double
    largest(const std::string &column) const;
    double
    smallest(const std::string &column) const;

    /// max_n (x_n − x_{n−1}) of `column`: its largest one-step increase
    /// (−∞ with fewer than two rows). With `segment`, only between rows
    /// whose values of that column are equal (e.g. rows on one mesh).
    double
    largest_increase(const std::string &column, const std::string &segment = "") const;

    /// The whole table as CSV (header line, then one line per row).
    std::string
    csv() const;

    /// Replaces the table by one read back from csv().
    void
    load_csv(const std::string &text);

  private:
    std::vector<std::string>         columns;
    std::vector<std::vector<double>> rows;
  };

  /**
   * @brief A run's output folder. Only rank 0 writes the small files; every
   * rank may ask for paths.
   */
  class RunFolder
  {
  public:
    RunFolder(const std::string &directory, MPI_Comm communicator);

    const std::string &
    directory() const
    {
      return folder;
    }

    std::string
    path(const std::string &name) const;

    MPI_Comm
    communicator() const
    {
      return comm;
    }

    bool
    is_root() const;

    /// Rank 0 writes `name` in the folder atomically; others do nothing.
    void
    write(const std::string &name, const std::string &content) const;

    /// Creates the folder; writes parameters.prm and provenance.json
    /// ("status": "running"); removes a summary.json left by an earlier
    /// run so that an unfinished run never looks complete.
    void
    start(const std::string &effective_parameters,
          const std::string &command_line,
          bool               resumed);

    /// The run's trust figures: each solver adds its checks before
    /// finish().
    TrustReport &
    trust()
    {
      return trust_report;
    }
    bool
    trusted() const
    {
      return trust_report.trusted();
    }

    /// Writes summary.json with the `trust` block and marks provenance.json
    /// "complete", or "complete, untrusted: <reason>" with one warning line
    /// per failed check on stderr.
    void
    finish(Json summary);

    /// Marks provenance.json with why the run did not complete (e.g.
    /// "failed: ..." or "interrupted: ...").
    void
    stop(const std::string &status);

  private:
    void
    write_provenance(const std::string &status) const;

    std::string folder;
    MPI_Comm    comm;
    std::string command;
    std::string start_date;
    bool        was_resumed = false;
    double      start_seconds = 0;
    TrustReport trust_report;
  };
} // namespace relax
