// Reads a run's .pvd series back with the VTK library, as ParaView would,
// and checks the point-data arrays of one of its steps.
//
// Usage: vtk_check FILE.pvd STEP NAME:COMPONENTS[:MIN:MAX:TOLERANCE] ...
//        vtk_check --compare A.pvd B.pvd STEP TOLERANCE ABSOLUTE_TOLERANCE
//   STEP is an index into the series or "last". Each NAME must be a point
//   array with COMPONENTS components (a vector field in 1-D or 2-D is
//   written with 3); with MIN:MAX:TOLERANCE, the range of its first
//   component (of the magnitude, for vectors) must be within TOLERANCE of
//   [MIN, MAX]. Prints the series length, the points and every array's
//   range; exits 1 on the first failed check.
//   --compare: the two series have the same times, and at STEP the same
//   arrays with values that agree within TOLERANCE times the array's
//   largest magnitude plus ABSOLUTE_TOLERANCE at every point, matched by coordinates, so
//   that runs on different numbers of ranks can be compared. The array
//   "mpi_rank" is left out, and an array log_X beside X is compared only
//   where X is at least 1e-8 of its largest value (below, X is round-off).
#include <vtkCell.h>
#include <vtkDataArray.h>
#include <vtkIdList.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLPUnstructuredGridReader.h>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <map>
#include <iostream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace
{
  using Series = std::vector<std::pair<double, std::string>>;

  /// The (time, file) records of a .pvd file; empty if unreadable.
  Series
  read_series(const std::string &pvd)
  {
    std::ifstream     in(pvd);
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str();
    Series            series;
    const std::regex  dataset("timestep=\"([^\"]*)\"[^>]*file=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(content.begin(), content.end(), dataset);
         it != std::sregex_iterator();
         ++it)
      series.emplace_back(std::stod((*it)[1]), (*it)[2]);
    return series;
  }

  vtkSmartPointer<vtkUnstructuredGrid>
  read_step(const std::string &pvd, const Series &series, const std::size_t step)
  {
    const std::string folder = pvd.substr(0, pvd.find_last_of('/') + 1);
    auto reader = vtkSmartPointer<vtkXMLPUnstructuredGridReader>::New();
    reader->SetFileName((folder + series.at(step).second).c_str());
    reader->Update();
    return reader->GetOutput();
  }

  /// Point coordinates rounded to 1e-9, as a key.
  std::string
  key(const double *x)
  {
    char text[96];
    std::snprintf(text, sizeof(text), "%.9f %.9f %.9f", x[0] + 0.0, x[1] + 0.0, x[2] + 0.0);
    return text;
  }

  int
  compare(const std::string &a,
          const std::string &b,
          const std::string &step_text,
          const double       tolerance,
          const double       absolute_tolerance)
  {
    const Series series_a = read_series(a), series_b = read_series(b);
    if (series_a.empty() || series_a.size() != series_b.size())
      {
        std::cerr << "FAIL: the series have " << series_a.size() << " and "
                  << series_b.size() << " steps\n";
        return 1;
      }
    for (std::size_t i = 0; i < series_a.size(); ++i)
      if (series_a[i].first != series_b[i].first)
        {
          std::cerr << "FAIL: step " << i << " is at t = " << series_a[i].first
                    << " and " << series_b[i].first << "\n";
          return 1;
        }
    const std::size_t step = step_text == "last" ? series_a.size() - 1 : std::stoul(step_text);
    const auto grid_a = read_step(a, series_a, step), grid_b = read_step(b, series_b, step);
    vtkPointData *data_a = grid_a->GetPointData(), *data_b = grid_b->GetPointData();
    // deal.II writes every cell with points of its own, and a derived
    // field (a gradient) may differ between the cells that share a point;
    // so points are matched within cells, and cells by their centres.
    const auto centre = [](vtkUnstructuredGrid *grid, vtkIdType cell) {
      vtkIdList *ids = grid->GetCell(cell)->GetPointIds();
      double     sum[3] = {0, 0, 0};
      for (vtkIdType k = 0; k < ids->GetNumberOfIds(); ++k)
        for (int d = 0; d < 3; ++d)
          sum[d] += grid->GetPoint(ids->GetId(k))[d] / ids->GetNumberOfIds();
      return key(sum);
    };
    std::map<std::string, vtkIdType> cells_b;
    for (vtkIdType c = 0; c < grid_b->GetNumberOfCells(); ++c)
      cells_b[centre(grid_b, c)] = c;
    std::vector<std::pair<vtkIdType, vtkIdType>> pairs; // point in A, point in B
    for (vtkIdType c = 0; c < grid_a->GetNumberOfCells(); ++c)
      {
        const auto found = cells_b.find(centre(grid_a, c));
        if (found == cells_b.end())
          {
            std::cerr << "FAIL: cell at " << centre(grid_a, c) << " of " << a
                      << " is not in " << b << "\n";
            return 1;
          }
        vtkSmartPointer<vtkIdList> ids_a = vtkSmartPointer<vtkIdList>::New(),
                                   ids_b = vtkSmartPointer<vtkIdList>::New();
        grid_a->GetCellPoints(c, ids_a);
        grid_b->GetCellPoints(found->second, ids_b);
        for (vtkIdType k = 0; k < ids_a->GetNumberOfIds(); ++k)
          {
            if (key(grid_a->GetPoint(ids_a->GetId(k))) != key(grid_b->GetPoint(ids_b->GetId(k))))
              {
                std::cerr << "FAIL: the points of the cell at " << centre(grid_a, c)
                          << " are not in the same order\n";
                return 1;
              }
            pairs.emplace_back(ids_a->GetId(k), ids_b->GetId(k));
          }
      }
    std::size_t n_compared = 0;
    for (int i = 0; i < data_a->GetNumberOfArrays(); ++i)
      {
        vtkDataArray *array_a = data_a->GetArray(i);
        const std::string name = array_a->GetName();
        if (name == "mpi_rank")
          continue;
        vtkDataArray *array_b = data_b->GetArray(name.c_str());
        if (array_b == nullptr || array_b->GetNumberOfComponents() != array_a->GetNumberOfComponents())
          {
            std::cerr << "FAIL: array '" << name << "' differs in kind\n";
            return 1;
          }
        double scale = 0;
        for (int c = 0; c < array_a->GetNumberOfComponents(); ++c)
          {
            double range[2];
            array_a->GetRange(range, c);
            scale = std::max({scale, std::abs(range[0]), std::abs(range[1])});
          }
        // log_X is compared only where X is at least 1e-8 of its largest
        // value: the solves stop at a residual of about 1e-12 of the
        // largest value, so below that X is round-off, and its logarithm
        // is round-off magnified (1.5e-3 between two runs at X ≈ 1e-25,
        // with AVX-512 against AVX2 kernels or on 1 against 2 ranks).
        vtkDataArray *of_log = name.rfind("log_", 0) == 0 ? data_a->GetArray(name.substr(4).c_str()) : nullptr;
        double        floor  = -std::numeric_limits<double>::infinity();
        if (of_log != nullptr)
          {
            double range[2];
            of_log->GetRange(range, 0);
            floor = 1e-8 * std::max(std::abs(range[0]), std::abs(range[1]));
          }
        double      worst = 0;
        std::string worst_point;
        std::size_t n_skipped = 0;
        for (const auto &[p, q] : pairs)
          for (int c = 0; c < array_a->GetNumberOfComponents(); ++c)
            {
              if (of_log != nullptr && of_log->GetComponent(p, 0) < floor)
                {
                  ++n_skipped;
                  continue;
                }
              const double difference =
                std::abs(array_a->GetComponent(p, c) - array_b->GetComponent(q, c));
              if (difference > worst)
                {
                  worst       = difference;
                  worst_point = key(grid_a->GetPoint(p)) + ": " +
                                std::to_string(array_a->GetComponent(p, c)) + " and " +
                                std::to_string(array_b->GetComponent(q, c));
                }
            }
        std::cout << "  " << name << ": largest difference " << worst << " (scale " << scale
                  << ")" << (worst > 0 ? " at " + worst_point : "")
                  << (n_skipped > 0 ? ", " + std::to_string(n_skipped) + " points below 1e-8 of the largest " +
                                        name.substr(4) + " left out" :
                                      "")
                  << "\n";
        if (worst > tolerance * scale + absolute_tolerance)
          {
            std::cerr << "FAIL: '" << name << "' differs by " << worst << "\n";
            return 1;
          }
        ++n_compared;
      }
    std::cout << "ok: " << n_compared << " arrays agree at " << grid_a->GetNumberOfPoints()
              << " points\n";
    return n_compared > 0 ? 0 : 1;
  }
} // namespace

int
main(int argc, char **argv)
{
  if (argc == 7 && std::string(argv[1]) == "--compare")
    return compare(argv[2], argv[3], argv[4], std::stod(argv[5]), std::stod(argv[6]));
  if (argc < 3)
    {
      std::cerr << "usage: vtk_check FILE.pvd STEP NAME:COMPONENTS[:MIN:MAX:TOL]...\n";
      return 2;
    }
  const std::string pvd = argv[1];
  std::ifstream     in(pvd);
  if (!in)
    {
      std::cerr << "vtk_check: cannot read " << pvd << "\n";
      return 1;
    }
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();

  // The .pvd record: <DataSet timestep="t" ... file="name.pvtu"/>
  std::vector<std::pair<double, std::string>> series;
  const std::regex dataset("timestep=\"([^\"]*)\"[^>]*file=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(content.begin(), content.end(), dataset);
       it != std::sregex_iterator();
       ++it)
    series.emplace_back(std::stod((*it)[1]), (*it)[2]);
  std::cout << pvd << ": " << series.size() << " steps\n";
  if (series.empty())
    return 1;
  for (std::size_t i = 1; i < series.size(); ++i)
    if (!(series[i].first > series[i - 1].first))
      {
        std::cerr << "times are not increasing at step " << i << "\n";
        return 1;
      }

  const std::string step_text = argv[2];
  const std::size_t step =
    step_text == "last" ? series.size() - 1 : std::stoul(step_text);
  if (step >= series.size())
    {
      std::cerr << "no step " << step << "\n";
      return 1;
    }
  const std::string folder = pvd.substr(0, pvd.find_last_of('/') + 1);
  const std::string file   = folder + series[step].second;

  auto reader = vtkSmartPointer<vtkXMLPUnstructuredGridReader>::New();
  reader->SetFileName(file.c_str());
  reader->Update();
  vtkUnstructuredGrid *grid = reader->GetOutput();
  if (grid == nullptr || grid->GetNumberOfPoints() == 0)
    {
      std::cerr << "vtk_check: " << file << " has no points\n";
      return 1;
    }
  vtkPointData *data = grid->GetPointData();
  std::cout << file << ": " << grid->GetNumberOfPoints() << " points, "
            << grid->GetNumberOfCells() << " cells, t = " << series[step].first
            << "\n";
  for (int a = 0; a < data->GetNumberOfArrays(); ++a)
    {
      vtkDataArray *array = data->GetArray(a);
      double        range[2];
      array->GetRange(range, array->GetNumberOfComponents() > 1 ? -1 : 0);
      std::cout << "  " << array->GetName() << " (" << array->GetNumberOfComponents()
                << "): [" << range[0] << ", " << range[1] << "]\n";
    }

  for (int i = 3; i < argc; ++i)
    {
      std::vector<std::string> fields;
      std::stringstream        spec(argv[i]);
      for (std::string field; std::getline(spec, field, ':');)
        fields.push_back(field);
      vtkDataArray *array = data->GetArray(fields[0].c_str());
      if (array == nullptr)
        {
          std::cerr << "FAIL: no array '" << fields[0] << "'\n";
          return 1;
        }
      if (array->GetNumberOfComponents() != std::stoi(fields.at(1)))
        {
          std::cerr << "FAIL: '" << fields[0] << "' has "
                    << array->GetNumberOfComponents() << " components, expected "
                    << fields[1] << "\n";
          return 1;
        }
      if (fields.size() == 5)
        {
          double range[2];
          array->GetRange(range, array->GetNumberOfComponents() > 1 ? -1 : 0);
          const double low = std::stod(fields[2]), high = std::stod(fields[3]),
                       tolerance = std::stod(fields[4]);
          if (!(std::abs(range[0] - low) <= tolerance &&
                std::abs(range[1] - high) <= tolerance))
            {
              std::cerr << "FAIL: '" << fields[0] << "' ranges over [" << range[0]
                        << ", " << range[1] << "], expected [" << low << ", "
                        << high << "] within " << tolerance << "\n";
              return 1;
            }
        }
      std::cout << "ok: " << argv[i] << "\n";
    }
  return 0;
}
