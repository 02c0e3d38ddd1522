// `relax verify`: runs small problems through the solvers and checks the
// claims of SCIENCE.md §1–§8 against independent figures (closed forms,
// brute force, measured orders), one row per claim, with a plot each.
// Claims are grouped in files (claims_*.cc) that register themselves, like
// solvers and landscapes.
#pragma once

#include <boost/property_tree/ptree.hpp>

#include <array>
#include <map>
#include <string>
#include <vector>

namespace relax
{
  class Diagnostics;

  namespace verify
  {
    /// One row of the report.
    struct ClaimRow
    {
      std::string id;       ///< short, unique: the anchor in report.md
      std::string claim;    ///< what is claimed, in one sentence
      std::string source;   ///< SCIENCE.md section and the talk or paper
      std::string measured; ///< the figure(s) measured, with units
      std::string expected; ///< the independent figure and the tolerance
      bool        ran  = true;  ///< false: not computed yet (not wired)
      bool        pass = false;
      std::string plot;    ///< PNG path relative to the report's folder
      std::string details; ///< how it was measured (the report's section)
    };

    /// A curve or a point set of a plot: `columns` are the data columns
    /// (equal length), drawn with gnuplot's `using` and `with`.
    struct Series
    {
      std::string                      title;
      std::vector<std::vector<double>> columns;
      std::string                      style = "linespoints"; ///< gnuplot `with`
      std::string                      using_columns = "1:2";
    };

    struct Plot
    {
      std::string              title, x_label, y_label;
      bool                     log_x = false, log_y = false;
      std::vector<std::string> settings; ///< extra gnuplot commands
      std::vector<Series>      series;
    };

    using Tree = boost::property_tree::ptree;

    /// The number at `path` ("a/b/0/c": keys, and indices into arrays) of a
    /// JSON tree; throws naming the path when absent or not a number.
    double
    number(const Tree &tree, const std::string &path);
    /// The numbers of the array at `path`.
    std::vector<double>
    numbers(const Tree &tree, const std::string &path);
    /// The subtree at `path`.
    const Tree &
    subtree(const Tree &tree, const std::string &path);

    /// Fields of one output step, read back with VTK from the .pvtu of
    /// the last step of a .pvd record (rank pieces and cells' shared
    /// points included as written).
    struct Fields
    {
      std::vector<double> x, y, z; ///< point coordinates
      /// Each point array: n_points × components values, point-major.
      std::map<std::string, std::vector<double>>  arrays;
      std::map<std::string, unsigned int>         components;

      /// The array `name`; throws naming it when absent.
      const std::vector<double> &
      values(const std::string &name) const;
    };

    /// What a claim group works with: where it writes, the size (quick or
    /// full), running a solver, reading its results, plotting, adding rows.
    class Context
    {
    public:
      Context(const std::string &root, bool quick);

      bool quick;

      /// `quick_value` under --quick, else `full_value`.
      template <typename T>
      T
      size(const T &quick_value, const T &full_value) const
      {
        return quick ? quick_value : full_value;
      }

      /// Starts a group: its runs and plots go to <root>/<group>/.
      void
      begin_group(const std::string &group);

      /// Writes `parameters` (a .prm, without `output directory`) to
      /// <root>/<group>/<run>.prm and runs it in this process as `relax`
      /// would, into the run folder <root>/<group>/<run>/; returns that
      /// folder. Throws when the run does not complete.
      std::string
      run(const std::string &run_name, const std::string &parameters) const;

      Tree
      summary(const std::string &run_folder) const;
      Diagnostics
      diagnostics(const std::string &run_folder) const;
      /// The last step of `<run_folder>/<record>.pvd`.
      Fields
      fields(const std::string &run_folder, const std::string &record) const;

      /// Component `component` of the point field `name` of the last step
      /// of `<run_folder>/<record>.pvd` interpolated at `points` (x, y, z
      /// each), NaN outside the mesh.
      std::vector<double>
      probe(const std::string &run_folder, const std::string &record,
            const std::vector<std::array<double, 3>> &points, const std::string &name,
            unsigned int component = 0) const;

      /// Draws `plot` with gnuplot (pngcairo) to <root>/<group>/<name>.png,
      /// beside its data (.dat) and script (.gp); returns the PNG's path
      /// relative to the root.
      std::string
      plot(const std::string &name, const Plot &plot) const;

      void
      add(const ClaimRow &row);
      /// A claim whose experiment is not computed yet: listed, not run.
      void
      not_wired(const std::string &id, const std::string &claim, const std::string &source,
                const std::string &expected, const std::string &what_is_missing);

      const std::vector<ClaimRow> &
      rows() const
      {
        return claim_rows;
      }

      const std::string &
      root_folder() const
      {
        return root;
      }

    private:
      std::string           root;
      std::string           group;
      std::vector<ClaimRow> claim_rows;
    };

    struct ClaimGroup
    {
      std::string name;      ///< the folder under output/verify
      double      section;   ///< SCIENCE.md section (orders the report)
      std::string description;
      void (*run)(Context &);
    };

    bool
    register_group(const ClaimGroup &group);

    /// A number as text with `digits` significant digits.
    std::string
    format(double value, int digits = 3);
    /// Numbers separated by ", ".
    std::string
    format(const std::vector<double> &values, int digits = 3);
  } // namespace verify

  /// `relax verify [--quick] [--output DIR]`: the exit code (0 when every
  /// claim that ran passed, 1 when one failed, 2 bad usage).
  int
  run_verify(const std::vector<std::string> &arguments, const std::string &command_line);
} // namespace relax

#define RELAX_REGISTER_CLAIMS(function, name, section, description) \
  namespace                                                          \
  {                                                                  \
    const bool function##_is_registered =                            \
      ::relax::verify::register_group({name, section, description, &function}); \
  }
