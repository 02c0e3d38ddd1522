// Reads a run's .pvd series back with the VTK library, as ParaView would,
// and checks the point-data arrays of one of its steps.
//
// Usage: vtk_check FILE.pvd STEP NAME:COMPONENTS[:MIN:MAX:TOLERANCE] ...
//   STEP is an index into the series or "last". Each NAME must be a point
//   array with COMPONENTS components (a vector field in 1-D or 2-D is
//   written with 3); with MIN:MAX:TOLERANCE, the range of its first
//   component (of the magnitude, for vectors) must be within TOLERANCE of
//   [MIN, MAX]. Prints the series length, the points and every array's
//   range; exits 1 on the first failed check.
#include <vtkDataArray.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLPUnstructuredGridReader.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

int
main(int argc, char **argv)
{
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
