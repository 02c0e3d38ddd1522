#include "solvers/common/field_output.h"

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/mpi.h>
#include <deal.II/numerics/data_out.h>

#include "solvers/common/run_folder.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace relax
{
  FieldOutput::FieldOutput(const RunFolder &folder, const std::string &series_name)
    : folder(folder)
    , series_name(series_name)
  {}

  template <int dim>
  void
  FieldOutput::write(dealii::DataOut<dim, dim> &data_out,
                     const double               time,
                     const unsigned int         index)
  {
    const MPI_Comm     comm = folder.communicator();
    const unsigned int rank = dealii::Utilities::MPI::this_mpi_process(comm);
    const unsigned int n_ranks = dealii::Utilities::MPI::n_mpi_processes(comm);
    char               stem[512];
    std::snprintf(stem, sizeof(stem), "%s_%05u", series_name.c_str(), index);

    dealii::DataOutBase::VtkFlags flags(time, index);
    flags.compression_level = dealii::DataOutBase::VtkFlags::ZlibCompressionLevel::best_speed;
    data_out.set_flags(flags);

    const std::string piece = std::string(stem) + "." + std::to_string(rank) + ".vtu";
    // Straight to the file: at 10⁶ DoFs a copy of the compressed piece in
    // memory would add tens of MB to the peak of a run.
    write_file_atomically(folder.path(piece), [&](std::ostream &out) { data_out.write_vtu(out); });
    MPI_Barrier(comm);

    times_and_names.emplace_back(time, std::string(stem) + ".pvtu");
    if (rank == 0)
      {
        std::vector<std::string> pieces;
        for (unsigned int r = 0; r < n_ranks; ++r)
          pieces.push_back(std::string(stem) + "." + std::to_string(r) + ".vtu");
        std::ostringstream record;
        data_out.write_pvtu_record(record, pieces);
        folder.write(std::string(stem) + ".pvtu", record.str());

        std::ostringstream series;
        dealii::DataOutBase::write_pvd_record(series, times_and_names);
        folder.write(series_name + ".pvd", series.str());
      }
    MPI_Barrier(comm);
  }

  std::string
  FieldOutput::save() const
  {
    std::string text;
    char        time[40];
    for (const auto &[t, name] : times_and_names)
      {
        std::snprintf(time, sizeof(time), "%.17g", t);
        text += std::string(time) + " " + name + "\n";
      }
    return text;
  }

  void
  FieldOutput::load(const std::string &text)
  {
    times_and_names.clear();
    std::istringstream lines(text);
    double             t;
    std::string        name;
    while (lines >> t >> name)
      times_and_names.emplace_back(t, name);
  }

  template void
  FieldOutput::write<1>(dealii::DataOut<1, 1> &, double, unsigned int);
  template void
  FieldOutput::write<2>(dealii::DataOut<2, 2> &, double, unsigned int);
  template void
  FieldOutput::write<3>(dealii::DataOut<3, 3> &, double, unsigned int);
} // namespace relax
