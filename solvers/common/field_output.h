// Fields as a ParaView time series: .vtu pieces of at most
// FieldOutput::cells_per_piece cells of each rank, a .pvtu record per output
// step, and a .pvd record of physical times, every file renamed into place
// only when complete.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dealii
{
  template <int dim, int spacedim>
  class DataOut;
}

namespace relax
{
  class RunFolder;

  class FieldOutput
  {
  public:
    /// Files are named `<series_name>.pvd`, `<series_name>_NNNNN.pvtu` and
    /// `<series_name>_NNNNN.<rank>.vtu` inside the run folder, with
    /// `<series_name>_NNNNN.<rank>.<k>.vtu` for a rank's pieces k ≥ 1, each
    /// of at most `cells_per_piece` cells: only one piece's patches are held
    /// in memory at a time (at 10⁶ Q2 DoFs those of the whole mesh would
    /// add ~150 B per DoF to the peak of a run).
    FieldOutput(const RunFolder &  folder,
                const std::string &series_name,
                unsigned int       cells_per_piece = 1u << 15);

    /// Builds the patches of `data_out` (its DoF handler and data vectors
    /// attached) with `subdivisions` per cell, piece by piece over the
    /// locally owned cells, writes them as output number `index` at physical
    /// time `time`, and updates the .pvd record. Collective over the
    /// folder's communicator.
    template <int dim>
    void
    write(dealii::DataOut<dim, dim> &data_out, unsigned int subdivisions, double time, unsigned int index);

    /// The (time, .pvtu name) records so far.
    const std::vector<std::pair<double, std::string>> &
    records() const
    {
      return times_and_names;
    }

    /// Text form of records(), for checkpoints, and its inverse.
    std::string
    save() const;
    void
    load(const std::string &text);

  private:
    const RunFolder &                            folder;
    std::string                                  series_name;
    unsigned int                                 cells_per_piece;
    std::vector<std::pair<double, std::string>> times_and_names;
  };
} // namespace relax
