// What claim groups share: running a solver into a run folder, reading its
// summary.json, diagnostics.csv and fields back, and plotting with gnuplot.
#include <boost/property_tree/json_parser.hpp>

#include "solvers/application.h"
#include "solvers/common/run_folder.h"
#include "solvers/verify/verify.h"

#include <mpi.h>
#include <vtkDataArray.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProbeFilter.h>
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLPUnstructuredGridReader.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relax
{
  namespace verify
  {
    namespace
    {
      std::vector<std::string>
      split_path(const std::string &path)
      {
        std::vector<std::string> parts;
        std::string              part;
        std::istringstream       in(path);
        while (std::getline(in, part, '/'))
          parts.push_back(part);
        return parts;
      }

      bool
      is_index(const std::string &key)
      {
        return !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
      }
    } // namespace

    const Tree &
    subtree(const Tree &tree, const std::string &path)
    {
      const Tree *node = &tree;
      for (const std::string &key : split_path(path))
        {
          if (is_index(key))
            {
              std::size_t n = std::stoul(key);
              auto        child = node->begin();
              for (; child != node->end() && n > 0; ++child, --n)
                ;
              if (child == node->end())
                throw std::runtime_error("summary.json has no '" + path + "'");
              node = &child->second;
            }
          else
            {
              const auto child = node->find(key);
              if (child == node->not_found())
                throw std::runtime_error("summary.json has no '" + path + "'");
              node = &child->second;
            }
        }
      return *node;
    }

    double
    number(const Tree &tree, const std::string &path)
    {
      const std::string text = subtree(tree, path).get_value<std::string>();
      if (text == "null")
        return std::nan("");
      try
        {
          return std::stod(text);
        }
      catch (const std::exception &)
        {
          throw std::runtime_error("summary.json: '" + path + "' is not a number: '" + text + "'");
        }
    }

    std::vector<double>
    numbers(const Tree &tree, const std::string &path)
    {
      std::vector<double> values;
      for (const auto &child : subtree(tree, path))
        values.push_back(std::stod(child.second.get_value<std::string>()));
      return values;
    }

    const std::vector<double> &
    Fields::values(const std::string &name) const
    {
      const auto found = arrays.find(name);
      if (found == arrays.end())
        throw std::runtime_error("the output has no field '" + name + "'");
      return found->second;
    }

    std::string
    format(double value, int digits)
    {
      if (std::isnan(value))
        return "NaN";
      char text[64];
      std::snprintf(text, sizeof(text), "%.*g", digits, value);
      return text;
    }

    std::string
    format(const std::vector<double> &values, int digits)
    {
      std::string text;
      for (std::size_t n = 0; n < values.size(); ++n)
        text += (n > 0 ? ", " : "") + format(values[n], digits);
      return text;
    }

    Context::Context(const std::string &root, bool quick)
      : quick(quick)
      , root(root)
    {}

    void
    Context::begin_group(const std::string &name)
    {
      group = name;
      std::filesystem::create_directories(root + "/" + group);
    }

    std::string
    Context::run(const std::string &run_name, const std::string &parameters) const
    {
      const std::string folder = root + "/" + group + "/" + run_name;
      const std::string file   = folder + ".prm";
      int               rank   = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank == 0)
        write_file_atomically(file, "# Written by relax verify.\n" + parameters +
                                      "set output directory = " + folder + "\n");
      MPI_Barrier(MPI_COMM_WORLD);
      const int code = run_parameter_file(file, {}, false, "relax verify: " + file);
      // Rank 0 writes summary.json after the others may have returned.
      MPI_Barrier(MPI_COMM_WORLD);
      if (code != 0)
        throw std::runtime_error("the run " + file + " did not complete (exit code " +
                                 std::to_string(code) + "; see " + folder + "/provenance.json)");
      return folder;
    }

    Tree
    Context::summary(const std::string &run_folder) const
    {
      Tree tree;
      boost::property_tree::read_json(run_folder + "/summary.json", tree);
      return tree;
    }

    Diagnostics
    Context::diagnostics(const std::string &run_folder) const
    {
      Diagnostics table;
      table.load_csv(read_file(run_folder + "/diagnostics.csv"));
      return table;
    }

    namespace
    {
      /// A reader of the last step of a .pvd record (its last `file=`).
      vtkSmartPointer<vtkXMLPUnstructuredGridReader>
      last_step(const std::string &run_folder, const std::string &record)
      {
        const std::string pvd  = read_file(run_folder + "/" + record + ".pvd");
        const std::size_t last = pvd.rfind("file=\"");
        if (last == std::string::npos)
          throw std::runtime_error(run_folder + "/" + record + ".pvd lists no step");
        const std::size_t start = last + 6;
        const std::string piece = pvd.substr(start, pvd.find('"', start) - start);
        auto              reader = vtkSmartPointer<vtkXMLPUnstructuredGridReader>::New();
        reader->SetFileName((run_folder + "/" + piece).c_str());
        reader->Update();
        if (reader->GetOutput() == nullptr || reader->GetOutput()->GetNumberOfPoints() == 0)
          throw std::runtime_error("could not read " + run_folder + "/" + piece);
        return reader;
      }
    } // namespace

    std::vector<double>
    Context::probe(const std::string &run_folder, const std::string &record,
                   const std::vector<std::array<double, 3>> &points, const std::string &name,
                   unsigned int component) const
    {
      auto reader   = last_step(run_folder, record);
      auto location = vtkSmartPointer<vtkPoints>::New();
      for (const auto &p : points)
        location->InsertNextPoint(p[0], p[1], p[2]);
      auto cloud = vtkSmartPointer<vtkPolyData>::New();
      cloud->SetPoints(location);
      auto filter = vtkSmartPointer<vtkProbeFilter>::New();
      filter->SetInputData(cloud);
      filter->SetSourceConnection(reader->GetOutputPort());
      filter->Update();
      vtkPointData *data  = filter->GetOutput()->GetPointData();
      vtkDataArray *valid = data->GetArray("vtkValidPointMask");
      vtkDataArray *field = data->GetArray(name.c_str());
      if (field == nullptr)
        throw std::runtime_error(run_folder + "/" + record + ".pvd has no field '" + name + "'");
      std::vector<double> values(points.size());
      for (std::size_t i = 0; i < points.size(); ++i)
        values[i] = valid->GetComponent(i, 0) > 0 ? field->GetComponent(i, component) : std::nan("");
      return values;
    }

    Fields
    Context::fields(const std::string &run_folder, const std::string &record) const
    {
      auto                 reader = last_step(run_folder, record);
      vtkUnstructuredGrid *grid   = reader->GetOutput();
      Fields             fields;
      const vtkIdType    n = grid->GetNumberOfPoints();
      for (vtkIdType i = 0; i < n; ++i)
        {
          double p[3];
          grid->GetPoint(i, p);
          fields.x.push_back(p[0]);
          fields.y.push_back(p[1]);
          fields.z.push_back(p[2]);
        }
      vtkPointData *data = grid->GetPointData();
      for (int a = 0; a < data->GetNumberOfArrays(); ++a)
        {
          vtkDataArray *array = data->GetArray(a);
          if (array == nullptr || array->GetName() == nullptr)
            continue;
          const int           components = array->GetNumberOfComponents();
          std::vector<double> values(n * components);
          for (vtkIdType i = 0; i < n; ++i)
            for (int c = 0; c < components; ++c)
              values[i * components + c] = array->GetComponent(i, c);
          fields.arrays[array->GetName()]     = std::move(values);
          fields.components[array->GetName()] = components;
        }
      return fields;
    }

    std::string
    Context::plot(const std::string &name, const Plot &plot) const
    {
      const std::string base = root + "/" + group + "/" + name;
      int               rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank != 0)
        return group + "/" + name + ".png";

      // One data block per series, addressed by `index`.
      std::ostringstream data;
      data.precision(12);
      for (const Series &series : plot.series)
        {
          const std::size_t rows = series.columns.empty() ? 0 : series.columns[0].size();
          for (std::size_t r = 0; r < rows; ++r)
            {
              for (std::size_t c = 0; c < series.columns.size(); ++c)
                data << (c > 0 ? " " : "") << series.columns[c][r];
              data << '\n';
            }
          if (rows == 0)
            data << "NaN NaN NaN NaN\n"; // gnuplot refuses an empty block
          data << "\n\n";
        }
      write_file_atomically(base + ".dat", data.str());

      auto quoted = [](const std::string &text) {
        std::string out = "\"";
        for (const char c : text)
          out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        return out + "\"";
      };
      std::ostringstream script;
      script << "set terminal pngcairo size 900,650 noenhanced font 'sans,11'\n"
             << "set output " << quoted(name + ".png") << "\n"
             << "set title " << quoted(plot.title) << "\n"
             << "set xlabel " << quoted(plot.x_label) << "\n"
             << "set ylabel " << quoted(plot.y_label) << "\n"
             << "set grid\nset key outside bottom center horizontal\n";
      if (plot.log_x)
        script << "set logscale x\n";
      if (plot.log_y)
        script << "set logscale y\n";
      for (const std::string &setting : plot.settings)
        script << setting << '\n';
      script << "plot ";
      for (std::size_t s = 0; s < plot.series.size(); ++s)
        script << (s > 0 ? ", \\\n     " : "") << quoted(name + ".dat") << " index " << s
               << " using " << plot.series[s].using_columns << " with " << plot.series[s].style
               << " title " << quoted(plot.series[s].title);
      script << '\n';
      write_file_atomically(base + ".gp", script.str());

      // gnuplot runs in the group's folder so that the script is portable.
      std::filesystem::remove(base + ".png");
      const std::string command = "cd '" + root + "/" + group + "' && gnuplot '" + name +
                                  ".gp' > '" + name + ".gnuplot.log' 2>&1";
      if (std::system(command.c_str()) != 0 || !std::filesystem::exists(base + ".png"))
        throw std::runtime_error("gnuplot failed on " + base + ".gp (see " + base + ".gnuplot.log)");
      std::filesystem::remove(base + ".gnuplot.log");
      return group + "/" + name + ".png";
    }

    void
    Context::add(const ClaimRow &row)
    {
      claim_rows.push_back(row);
    }

    void
    Context::not_wired(const std::string &id, const std::string &claim, const std::string &source,
                       const std::string &expected, const std::string &what_is_missing)
    {
      ClaimRow row;
      row.id       = id;
      row.claim    = claim;
      row.source   = source;
      row.measured = "not run (not yet wired)";
      row.expected = expected;
      row.ran      = false;
      row.pass     = false;
      row.details  = what_is_missing;
      claim_rows.push_back(row);
    }
  } // namespace verify
} // namespace relax
