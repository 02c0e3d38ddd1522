#include "solvers/common/field_output.h"

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/mpi.h>
#include <deal.II/grid/tria.h>
#include <deal.II/numerics/data_out.h>

#include "solvers/common/run_folder.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace relax
{
  FieldOutput::FieldOutput(const RunFolder &  folder,
                           const std::string &series_name,
                           const unsigned int cells_per_piece)
    : folder(folder)
    , series_name(series_name)
    , cells_per_piece(std::max(cells_per_piece, 1u))
  {}

  namespace
  {
    template <int dim>
    using CellIterator = typename dealii::Triangulation<dim, dim>::cell_iterator;

    /// The locally owned active cell after `cell` (or the first one when
    /// `cell` is end()), in active-cell order; end() after the last.
    template <int dim>
    CellIterator<dim>
    next_owned_cell(const dealii::Triangulation<dim, dim> &tria, const CellIterator<dim> &cell)
    {
      auto next = cell == tria.end() ? tria.begin_active()
                                     : std::next(typename dealii::Triangulation<dim, dim>::active_cell_iterator(cell));
      while (next != tria.end() && !next->is_locally_owned())
        ++next;
      return next;
    }
  } // namespace

  template <int dim>
  void
  FieldOutput::write(dealii::DataOut<dim, dim> &data_out,
                     const unsigned int         subdivisions,
                     const double               time,
                     const unsigned int         index)
  {
    const MPI_Comm     comm = folder.communicator();
    const unsigned int rank = dealii::Utilities::MPI::this_mpi_process(comm);
    const unsigned int n_ranks = dealii::Utilities::MPI::n_mpi_processes(comm);
    char               stem[512];
    std::snprintf(stem, sizeof(stem), "%s_%05u", series_name.c_str(), index);
    const auto piece_name = [&](const unsigned int owner, const unsigned int k) {
      return std::string(stem) + "." + std::to_string(owner) + (k > 0 ? "." + std::to_string(k) : "") + ".vtu";
    };

    dealii::DataOutBase::VtkFlags flags(time, index);
    flags.compression_level = dealii::DataOutBase::VtkFlags::ZlibCompressionLevel::best_speed;
    data_out.set_flags(flags);

    // The first owned cell of each piece, then end(): found on the first
    // call of the cell selection, which is the only place that is given the
    // triangulation.
    std::vector<CellIterator<dim>> piece_starts;
    unsigned int                   piece = 0;
    data_out.set_cell_selection(
      [&](const dealii::Triangulation<dim, dim> &tria) {
        if (piece_starts.empty())
          {
            unsigned int counted = 0;
            for (auto cell = next_owned_cell<dim>(tria, tria.end()); cell != tria.end();
                 cell      = next_owned_cell<dim>(tria, cell))
              if (counted++ % cells_per_piece == 0)
                piece_starts.push_back(cell);
            if (piece_starts.empty())
              piece_starts.push_back(tria.end());
            piece_starts.push_back(tria.end());
          }
        return piece_starts[piece];
      },
      [&](const dealii::Triangulation<dim, dim> &tria, const CellIterator<dim> &cell) {
        const auto next = next_owned_cell<dim>(tria, cell);
        return next == piece_starts[piece + 1] ? tria.end() : next;
      });
    do
      {
        data_out.build_patches(subdivisions);
        // Straight to the file: at 10⁶ DoFs a copy of the compressed piece
        // in memory would add tens of MB to the peak of a run.
        write_file_atomically(folder.path(piece_name(rank, piece)),
                              [&](std::ostream &out) { data_out.write_vtu(out); });
        ++piece;
      }
    while (piece + 1 < piece_starts.size());
    const std::vector<unsigned int> pieces_of_rank = dealii::Utilities::MPI::gather(comm, piece, 0);

    times_and_names.emplace_back(time, std::string(stem) + ".pvtu");
    if (rank == 0)
      {
        std::vector<std::string> pieces;
        for (unsigned int r = 0; r < n_ranks; ++r)
          for (unsigned int k = 0; k < pieces_of_rank[r]; ++k)
            pieces.push_back(piece_name(r, k));
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
  FieldOutput::write<1>(dealii::DataOut<1, 1> &, unsigned int, double, unsigned int);
  template void
  FieldOutput::write<2>(dealii::DataOut<2, 2> &, unsigned int, double, unsigned int);
  template void
  FieldOutput::write<3>(dealii::DataOut<3, 3> &, unsigned int, double, unsigned int);
} // namespace relax
