// What the training path shows and writes besides the shared run folder:
// a progress bar on a terminal and trajectories as VTK polylines.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace relax
{
  /**
   * A one-line progress bar on stderr with the rate and the remaining
   * time, redrawn at most ten times a second; silent unless `enabled`
   * (the caller passes "rank 0 and stderr is a terminal").
   */
  class ProgressBar
  {
  public:
    ProgressBar(unsigned long total, const std::string &unit, bool enabled);
    ~ProgressBar();

    void
    update(unsigned long done);

    /// Draws the final state and ends the line.
    void
    finish();

  private:
    unsigned long                         total;
    std::string                           unit;
    bool                                  enabled;
    bool                                  finished = false;
    std::chrono::steady_clock::time_point start, last_draw;
    unsigned long                         done = 0;

    void
    draw();
  };

  /// Whether stderr is a terminal.
  bool
  stderr_is_terminal();

  /**
   * A VTK XML PolyData file (.vtp, ASCII) holding one polyline through
   * `points` (each of 1–3 coordinates, padded with zeros to 3-D), with
   * point data arrays `fields` (name, one value per point).
   */
  std::string
  polyline_vtp(const std::vector<std::vector<double>> &points,
               const std::vector<std::pair<std::string, std::vector<double>>> &fields);
} // namespace relax
