// Solver `landscape`: the landscape's fields on the mesh, for a first look
// in ParaView, and its critical points.
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>

#include "problems/critical_points.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "solvers/common/discretisation.h"
#include "solvers/common/field_output.h"
#include "solvers/common/json.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/scalar_space.h"
#include "solvers/solver.h"

#include <iostream>

namespace relax
{
  namespace
  {
    using namespace dealii;

    void
    declare_landscape_solver_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("critical point seeds",
                        "16",
                        Patterns::Integer(1, 200),
                        "Newton's method for ∇f = 0 starts from a uniform "
                        "grid of this many points per axis.");
      prm.declare_entry("gradient tolerance",
                        "1e-9",
                        Patterns::Double(0),
                        "A point is critical when |∇f| is below this.");
      prm.declare_entry("critical points listed",
                        "50",
                        Patterns::Integer(0),
                        "At most this many critical points (lowest f first) "
                        "are listed in summary.json; all are counted.");
    }

    /// ∇f, the drift, D's eigen-decomposition, divD and the anisotropy,
    /// evaluated exactly (not interpolated) at the output points.
    template <int dim>
    class LandscapeFields : public DataPostprocessor<dim>
    {
    public:
      explicit LandscapeFields(const Landscape<dim> &landscape)
        : landscape(landscape)
      {}

      void
      evaluate_scalar_field(const DataPostprocessorInputs::Scalar<dim> &inputs,
                            std::vector<Vector<double>> &computed) const override
      {
        for (unsigned int q = 0; q < inputs.evaluation_points.size(); ++q)
          {
            const Point<dim> &x = inputs.evaluation_points[q];
            Vector<double> &  out = computed[q];
            unsigned int      c   = 0;
            const Tensor<1, dim> g = landscape.gradient(x);
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = g[d];
            out[c++] = g.norm();
            const Tensor<1, dim> b = landscape.drift(x);
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = b[d];
            const auto eigen = eigenvectors(landscape.diffusion(x));
            for (unsigned int k = 0; k < dim; ++k)
              out[c++] = eigen[k].first;
            for (unsigned int k = 0; k < dim; ++k)
              for (unsigned int d = 0; d < dim; ++d)
                out[c++] = eigen[k].second[d];
            const Tensor<1, dim> divD = landscape.diffusion_divergence(x);
            for (unsigned int d = 0; d < dim; ++d)
              out[c++] = divD[d];
            out[c++] = eigen[0].first / eigen[dim - 1].first;
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names(dim, "grad_f");
        names.push_back("grad_f_norm");
        names.insert(names.end(), dim, "drift");
        for (unsigned int k = 1; k <= dim; ++k)
          names.push_back("D_eigenvalue_" + std::to_string(k));
        for (unsigned int k = 1; k <= dim; ++k)
          names.insert(names.end(), dim, "D_eigenvector_" + std::to_string(k));
        names.insert(names.end(), dim, "div_D");
        names.push_back("D_anisotropy");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        using namespace DataComponentInterpretation;
        const auto vector = [](auto &list) {
          list.insert(list.end(), dim, component_is_part_of_vector);
        };
        std::vector<DataComponentInterpretation::DataComponentInterpretation> kinds;
        vector(kinds);
        kinds.push_back(component_is_scalar);
        vector(kinds);
        kinds.insert(kinds.end(), dim, component_is_scalar);
        for (unsigned int k = 0; k < dim; ++k)
          vector(kinds);
        vector(kinds);
        kinds.push_back(component_is_scalar);
        return kinds;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_quadrature_points;
      }

    private:
      const Landscape<dim> &landscape;
    };

    template <int dim>
    Json
    critical_point_json(const CriticalPoint<dim> &point)
    {
      std::vector<double> x(dim), curvatures(dim);
      for (unsigned int d = 0; d < dim; ++d)
        {
          x[d]          = point.x[d];
          curvatures[d] = point.curvatures[d];
        }
      return Json::object()
        .set("x", x)
        .set("f", point.value)
        .set("type", point.type)
        .set("index", point.index)
        .set("hessian eigenvalues", curvatures);
    }

    template <int dim>
    void
    run_landscape(RunContext &context)
    {
      ParameterHandler &prm = context.prm;
      MeshParameters    mesh;
      mesh.parse_parameters(prm);
      prm.enter_subsection("landscape");
      const unsigned int seeds_per_axis = prm.get_integer("critical point seeds");
      const double       tolerance      = prm.get_double("gradient tolerance");
      const unsigned int n_listed = prm.get_integer("critical points listed");
      prm.leave_subsection();

      const std::unique_ptr<Landscape<dim>> landscape =
        create_landscape<dim>(prm);
      const Domain<dim> domain = landscape->domain();
      const MPI_Comm    comm   = context.folder.communicator();

      ScalarSpace<dim> space(comm, domain, mesh.degree);
      space.create(mesh.refinement);
      const Triangulation<dim> &triangulation = space.triangulation();
      check_diffusion(*landscape, triangulation, "/Landscape/" + landscape_name(prm));

      // f as a Q_p field (interpolated at the support points).
      const PETScWrappers::MPI::Vector f = space.landscape_field(*landscape);

      LandscapeFields<dim> fields(*landscape);
      DataOut<dim>         data_out;
      data_out.attach_dof_handler(space.dof_handler());
      data_out.add_data_vector(f, "f");
      data_out.add_data_vector(f, fields);
      Vector<float> subdomain(triangulation.n_active_cells());
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          subdomain[cell->active_cell_index()] = cell->subdomain_id();
      data_out.add_data_vector(subdomain, "mpi_rank");
      FieldOutput output(context.folder, "landscape");
      output.write(data_out, mesh.degree, 0.0, 0);

      // Ranges over the mesh vertices (the same set on any number of ranks).
      double f_min = std::numeric_limits<double>::max(), f_max = -f_min;
      double grad_max = 0, anisotropy_max = 1;
      double lambda_min = std::numeric_limits<double>::max(), lambda_max = 0;
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          for (const unsigned int v : cell->vertex_indices())
            {
              const Point<dim> x = cell->vertex(v);
              const double     value = landscape->value(x);
              f_min    = std::min(f_min, value);
              f_max    = std::max(f_max, value);
              grad_max = std::max(grad_max, landscape->gradient(x).norm());
              const auto lambda = eigenvalues(landscape->diffusion(x));
              lambda_max     = std::max(lambda_max, lambda[0]);
              lambda_min     = std::min(lambda_min, lambda[dim - 1]);
              anisotropy_max = std::max(anisotropy_max, lambda[0] / lambda[dim - 1]);
            }
      f_min          = Utilities::MPI::min(f_min, comm);
      f_max          = Utilities::MPI::max(f_max, comm);
      grad_max       = Utilities::MPI::max(grad_max, comm);
      lambda_min     = Utilities::MPI::min(lambda_min, comm);
      lambda_max     = Utilities::MPI::max(lambda_max, comm);
      anisotropy_max = Utilities::MPI::max(anisotropy_max, comm);

      // Critical points: the seeds are shared out over the ranks, the
      // results gathered and merged the same way on every rank count.
      const unsigned int rank    = Utilities::MPI::this_mpi_process(comm);
      const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(comm);
      const auto         local   = find_critical_points(
        *landscape,
        critical_point_seeds(*landscape, seeds_per_axis, rank, n_ranks),
        tolerance);
      // Gather the coordinates; every rank then re-classifies the same
      // list (Newton stops at once on a point that is already critical).
      std::vector<double> local_coordinates;
      for (const auto &p : local)
        for (unsigned int d = 0; d < dim; ++d)
          local_coordinates.push_back(p.x[d]);
      std::vector<Point<dim>> starts;
      for (const auto &part : Utilities::MPI::all_gather(comm, local_coordinates))
        for (unsigned int i = 0; i + dim <= part.size(); i += dim)
          {
            Point<dim> x;
            for (unsigned int d = 0; d < dim; ++d)
              x[d] = part[i + d];
            starts.push_back(x);
          }
      const auto points = merge_critical_points(
        *landscape, find_critical_points(*landscape, starts, tolerance));

      Json list = Json::array();
      std::map<std::string, unsigned int> counts;
      for (unsigned int i = 0; i < points.size(); ++i)
        {
          ++counts[points[i].type];
          if (i < n_listed)
            list.push(critical_point_json(points[i]));
        }
      Json count = Json::object();
      for (const char *type : {"minimum", "saddle", "maximum", "degenerate"})
        count.set(type, counts[type]);

      Json properties = Json::object();
      for (const auto &[name, value] : landscape->properties())
        properties.set(name, value);

      Json summary = Json::object();
      summary.set("solver", "landscape")
        .set("landscape", landscape_name(prm))
        .set("dimension", dim)
        .set("cells", triangulation.n_global_active_cells())
        .set("dofs", space.dof_handler().n_dofs())
        .set("f min", f_min)
        .set("f max", f_max)
        .set("grad f max", grad_max)
        .set("D eigenvalue min", lambda_min)
        .set("D eigenvalue max", lambda_max)
        .set("D anisotropy max", anisotropy_max)
        .set("drift is gradient", landscape->drift_is_gradient())
        .set("landscape properties", properties)
        .set("critical point count", count)
        .set("critical points", list);
      context.folder.finish(summary);
      if (context.folder.is_root())
        std::cout << "  " << triangulation.n_global_active_cells() << " cells, "
                  << space.dof_handler().n_dofs() << " DoFs; f in [" << f_min << ", "
                  << f_max << "]; " << points.size() << " critical points ("
                  << counts["minimum"] << " minima, " << counts["saddle"]
                  << " saddles, " << counts["maximum"] << " maxima, "
                  << counts["degenerate"] << " degenerate)" << std::endl;
    }
  } // namespace

RELAX_REGISTER_SOLVER(run_landscape,
                      "landscape",
                      "f, ∇f, the drift, D's eigenvalues and eigenvectors, "
                      "divD and the anisotropy λ_max/λ_min on the mesh, and "
                      "the critical points of f in summary.json.",
                      &declare_landscape_solver_parameters,
                      false)
} // namespace relax
