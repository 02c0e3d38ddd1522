// Fields as a ParaView time series: per rank .vtu pieces, a .pvtu record per
// output step, and a .pvd record of physical times, every file renamed into
// place only when complete.
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
    /// `<series_name>_NNNNN.<rank>.vtu` inside the run folder.
    FieldOutput(const RunFolder &folder, const std::string &series_name);

    /// Writes the patches of `data_out` (already built) as output number
    /// `index` at physical time `time`, and updates the .pvd record.
    /// Collective over the folder's communicator.
    template <int dim>
    void
    write(dealii::DataOut<dim, dim> &data_out, double time, unsigned int index);

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
    std::vector<std::pair<double, std::string>> times_and_names;
  };
} // namespace relax
