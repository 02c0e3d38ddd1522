// The shared pieces every solver relies on: JSON, diagnostics tables,
// parameter-file line mapping and error text, critical points.
#include <deal.II/base/function_lib.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include "landscape_test_helpers.h"
#include "problems/critical_points.h"
#include "problems/input_error.h"
#include "solvers/common/field_output.h"
#include "solvers/common/json.h"
#include "solvers/common/parameters.h"
#include "solvers/common/run_folder.h"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <limits>

namespace
{
  /// Writes `text` to a fresh file in the temporary folder; returns its path.
  std::string
  temporary_file(const std::string &name, const std::string &text)
  {
    const std::string path =
      (std::filesystem::temp_directory_path() / ("relax_unit_" + name)).string();
    std::ofstream(path) << text;
    return path;
  }
} // namespace

BOOST_AUTO_TEST_SUITE(infrastructure)

BOOST_AUTO_TEST_CASE(json_numbers_round_trip)
{
  // Every double must read back exactly; the text is the shortest that does.
  for (const double x : {0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, -12345.678, M_PI})
    BOOST_TEST(std::strtod(relax::shortest_round_trip(x).c_str(), nullptr) == x);
  BOOST_TEST(relax::shortest_round_trip(0.1) == "0.1");
  BOOST_TEST(relax::shortest_round_trip(0.029) == "0.029");

  relax::Json object = relax::Json::object();
  object.set("a", 1).set("b", "x\"y").set("c", std::numeric_limits<double>::quiet_NaN());
  object.set("a", 2); // replaces, keeps the place
  BOOST_TEST(object.dump() == "{\n  \"a\": 2,\n  \"b\": \"x\\\"y\",\n  \"c\": null\n}\n");
}

BOOST_AUTO_TEST_CASE(diagnostics_csv_round_trip)
{
  relax::Diagnostics table;
  table.add_row({{"time", 0.0}, {"mass", 1.0}});
  table.add_row({{"time", 0.1}, {"mass", 1.0 - 1e-15}});
  BOOST_TEST(table.csv() == "time,mass\n0,1\n0.1,0.999999999999999\n");
  relax::Diagnostics copy;
  copy.load_csv(table.csv());
  BOOST_TEST(copy.csv() == table.csv());
  BOOST_TEST(copy.last("mass") == 1.0 - 1e-15);
  BOOST_CHECK_THROW(table.add_row({{"energy", 1.0}}), std::logic_error);
}

BOOST_AUTO_TEST_CASE(atomic_write_leaves_no_partial_file)
{
  const std::string path = temporary_file("atomic.txt", "old");
  relax::write_file_atomically(path, "new content");
  BOOST_TEST(relax::read_file(path) == "new content");
  BOOST_TEST(!std::filesystem::exists(path + ".partial"));
}

BOOST_AUTO_TEST_CASE(field_output_pieces_partition_the_mesh)
{
  // 10 × 10 Q2 cells in pieces of at most 30 cells: 4 pieces (30, 30, 30,
  // 10) whose 2 × 2 sub-cells add up to the 400 of the whole mesh.
  using namespace dealii;
  Triangulation<2> mesh;
  GridGenerator::subdivided_hyper_cube(mesh, 10);
  DoFHandler<2> dofs(mesh);
  dofs.distribute_dofs(FE_Q<2>(2));
  Vector<double> field(dofs.n_dofs());
  VectorTools::interpolate(dofs, Functions::SquareFunction<2>(), field);
  const std::filesystem::path directory = std::filesystem::temp_directory_path() / "relax_unit_pieces";
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  relax::RunFolder       folder(directory.string(), MPI_COMM_SELF);
  relax::FieldOutput     output(folder, "pieces", 30);
  DataOut<2>             data_out;
  data_out.attach_dof_handler(dofs);
  data_out.add_data_vector(field, "u");
  output.write(data_out, 2, 0.5, 0);

  const std::string record = relax::read_file((directory / "pieces_00000.pvtu").string());
  const std::regex  source("Source=\"([^\"]+)\"");
  unsigned int      pieces = 0, cells = 0;
  for (auto match = std::sregex_iterator(record.begin(), record.end(), source); match != std::sregex_iterator();
       ++match, ++pieces)
    {
      const std::string piece = relax::read_file((directory / (*match)[1].str()).string());
      std::smatch       count;
      BOOST_REQUIRE(std::regex_search(piece, count, std::regex("NumberOfCells=\"([0-9]+)\"")));
      const unsigned int piece_cells = std::stoul(count[1].str());
      BOOST_TEST(piece_cells <= 30u * 4u);
      cells += piece_cells;
    }
  BOOST_TEST(pieces == 4u);
  BOOST_TEST(cells == 400u);
  BOOST_TEST(relax::read_file((directory / "pieces.pvd").string()).find("pieces_00000.pvtu") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parameter_lines_and_messages)
{
  const std::string path = temporary_file("lines.prm",
                                          "# comment\n"
                                          "set solver = landscape\n"
                                          "subsection Landscape\n"
                                          "  set name = \\\n"
                                          "    quadratic\n"
                                          "  subsection quadratic\n"
                                          "    set D = 1, 0.5; 0.3, 1 # asymmetric\n"
                                          "  end\n"
                                          "end\n");
  const relax::ParameterSource source(path);
  BOOST_TEST(source.line_of("solver") == 2u);
  BOOST_TEST(source.line_of("/Landscape/name") == 4u); // a continued line
  BOOST_TEST(source.line_of("Landscape/quadratic/D") == 7u);
  // An entry the file does not set: its nearest enclosing subsection.
  BOOST_TEST(source.line_of("Landscape/quadratic/A") == 6u);
  BOOST_TEST(source.line_of("Mesh/refinement") == 0u);
  BOOST_TEST(source.path_on_line(7) == "Landscape/quadratic/D");

  // The error from building the landscape names file, line and parameter.
  dealii::ParameterHandler prm;
  relax::declare_landscape_parameters(prm);
  prm.declare_entry("solver", "landscape", dealii::Patterns::Anything());
  source.parse_into(prm);
  try
    {
      relax::create_landscape<2>(prm);
      BOOST_ERROR("an asymmetric D was accepted");
    }
  catch (const relax::InputError &error)
    {
      BOOST_TEST(source.describe(error) ==
                 path + ":7: Landscape/quadratic/D: is not symmetric: D12 = 0.5 but D21 = 0.3");
    }
}

BOOST_AUTO_TEST_CASE(parse_errors_name_file_line_and_entry)
{
  const std::string path = temporary_file("bad.prm",
                                          "subsection Landscape\n"
                                          "  set name = quadratic\n"
                                          "  subsection quadratic\n"
                                          "    set colour = blue\n"
                                          "  end\n"
                                          "end\n");
  const relax::ParameterSource source(path);
  dealii::ParameterHandler     prm;
  relax::declare_landscape_parameters(prm);
  try
    {
      source.parse_into(prm);
      BOOST_ERROR("an unknown entry was accepted");
    }
  catch (const relax::InputError &error)
    {
      BOOST_TEST(error.parameter() == "Landscape/quadratic/colour");
      BOOST_TEST(source.describe(error).rfind(path + ":4: Landscape/quadratic/colour: unknown parameter", 0) == 0u);
    }
  BOOST_CHECK_EXCEPTION(relax::ParameterSource("/nonexistent/x.prm"),
                        relax::InputError,
                        [](const relax::InputError &e) {
                          return std::string(e.what()).find("cannot open parameter file") !=
                                 std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(critical_points_of_an_anisotropic_quadratic)
{
  // f = ½ xᵀAx with A = [[2, 1], [1, -3]]: one saddle at 0, f = 0, with the
  // eigenvalues of A, (-1 ± √29)/2, as curvatures.
  const auto landscape =
    relax::testing::make_landscape<2>("quadratic", "set A = 2, 1; 1, -3\nset box = -1, 1.5");
  const auto points = relax::merge_critical_points(
    *landscape,
    relax::find_critical_points(*landscape,
                                relax::critical_point_seeds(*landscape, 5, 0, 1),
                                1e-10));
  BOOST_REQUIRE(points.size() == 1u);
  BOOST_TEST(points[0].type == "saddle");
  BOOST_TEST(points[0].index == 1u);
  BOOST_TEST(points[0].x.norm() < 1e-10);
  BOOST_TEST(points[0].curvatures[0] == (-1 - std::sqrt(29.0)) / 2, boost::test_tools::tolerance(1e-7));
  BOOST_TEST(points[0].curvatures[1] == (-1 + std::sqrt(29.0)) / 2, boost::test_tools::tolerance(1e-7));

  // Seeds shared out over "ranks" give, once merged, the same points.
  std::vector<relax::CriticalPoint<2>> shared;
  for (unsigned int rank = 0; rank < 3; ++rank)
    for (const auto &p : relax::find_critical_points(
           *landscape, relax::critical_point_seeds(*landscape, 5, rank, 3), 1e-10))
      shared.push_back(p);
  const auto merged = relax::merge_critical_points(*landscape, shared);
  BOOST_REQUIRE(merged.size() == 1u);
  BOOST_TEST(merged[0].x.distance(points[0].x) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
