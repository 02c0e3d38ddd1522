#include "training/report.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace relax
{
  ProgressBar::ProgressBar(const unsigned long total, const std::string &unit, const bool enabled)
    : total(total)
    , unit(unit)
    , enabled(enabled)
    , start(std::chrono::steady_clock::now())
    , last_draw(start)
  {}

  ProgressBar::~ProgressBar()
  {
    // A run that threw leaves the bar's line open: end it.
    if (enabled && !finished)
      std::fputc('\n', stderr);
  }

  void
  ProgressBar::update(const unsigned long now_done)
  {
    done = now_done;
    if (!enabled)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw < std::chrono::milliseconds(100))
      return;
    last_draw = now;
    draw();
  }

  void
  ProgressBar::finish()
  {
    if (!enabled || finished)
      return;
    done = total;
    draw();
    std::fputc('\n', stderr);
    finished = true;
  }

  void
  ProgressBar::draw()
  {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate      = seconds > 0 ? done / seconds : 0;
    const double remaining = rate > 0 ? (total - done) / rate : 0;
    const int    width     = 30;
    const int    filled    = total > 0 ? int(width * double(done) / total) : width;
    std::string  bar(filled, '=');
    bar.resize(width, ' ');
    const long left = static_cast<long>(remaining + 0.5);
    std::fprintf(stderr, "\r  [%s] %3.0f%% %lu/%lu %s, %.0f %s/s, %ld:%02ld:%02ld left ", bar.c_str(),
                 total > 0 ? 100.0 * done / total : 100.0, done, total, unit.c_str(), rate, unit.c_str(),
                 left / 3600, (left / 60) % 60, left % 60);
    std::fflush(stderr);
  }

  bool
  stderr_is_terminal()
  {
    return isatty(fileno(stderr)) == 1;
  }

  std::string
  polyline_vtp(const std::vector<std::vector<double>> &points,
               const std::vector<std::pair<std::string, std::vector<double>>> &fields)
  {
    std::ostringstream out;
    out.precision(17);
    const std::size_t n = points.size();
    out << "<?xml version=\"1.0\"?>\n"
        << "<VTKFile type=\"PolyData\" version=\"0.1\" byte_order=\"LittleEndian\">\n"
        << "  <PolyData>\n"
        << "    <Piece NumberOfPoints=\"" << n << "\" NumberOfVerts=\"0\" NumberOfLines=\""
        << (n > 0 ? 1 : 0) << "\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n"
        << "      <PointData>\n";
    for (const auto &[name, values] : fields)
      {
        out << "        <DataArray type=\"Float64\" Name=\"" << name << "\" format=\"ascii\">\n";
        for (const double v : values)
          out << "          " << v << "\n";
        out << "        </DataArray>\n";
      }
    out << "      </PointData>\n"
        << "      <Points>\n"
        << "        <DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n";
    for (const auto &p : points)
      out << "          " << (p.size() > 0 ? p[0] : 0.) << " " << (p.size() > 1 ? p[1] : 0.) << " "
          << (p.size() > 2 ? p[2] : 0.) << "\n";
    out << "        </DataArray>\n"
        << "      </Points>\n"
        << "      <Lines>\n"
        << "        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n";
    for (std::size_t i = 0; i < n; ++i)
      out << "          " << i << "\n";
    out << "        </DataArray>\n"
        << "        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n";
    if (n > 0)
      out << "          " << n << "\n";
    out << "        </DataArray>\n"
        << "      </Lines>\n"
        << "    </Piece>\n"
        << "  </PolyData>\n"
        << "</VTKFile>\n";
    return out.str();
  }
} // namespace relax
