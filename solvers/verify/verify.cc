// `relax verify`: the claim groups in order, and the report.
#include "solvers/verify/verify.h"

#include "solvers/common/json.h"
#include "solvers/common/run_folder.h"
#include "solvers/common/version.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace relax
{
  namespace verify
  {
    namespace
    {
      std::vector<ClaimGroup> &
      groups()
      {
        static std::vector<ClaimGroup> all;
        return all;
      }

      /// A table cell: no line breaks, no column separators.
      std::string
      cell(std::string text)
      {
        for (char &c : text)
          if (c == '\n')
            c = ' ';
        std::string out;
        for (const char c : text)
          out += c == '|' ? std::string("\\|") : std::string(1, c);
        return out;
      }

      std::string
      verdict(const ClaimRow &row)
      {
        return !row.ran ? "NOT RUN" : row.pass ? "pass" : "FAIL";
      }

      /// report.json and report.md, both with `status` (running while
      /// groups remain, so a report cut short never reads as complete).
      void
      write_report(const std::string &root, const std::vector<ClaimRow> &rows,
                   const std::string &status, bool quick, double seconds)
      {
        unsigned int passed = 0, failed = 0, not_run = 0;
        for (const ClaimRow &row : rows)
          (!row.ran ? not_run : row.pass ? passed : failed) += 1;

        Json claims = Json::array();
        for (const ClaimRow &row : rows)
          claims.push(Json::object()
                        .set("id", row.id)
                        .set("claim", row.claim)
                        .set("source", row.source)
                        .set("measured", row.measured)
                        .set("expected", row.expected)
                        .set("ran", row.ran)
                        .set("pass", row.pass)
                        .set("plot", row.plot)
                        .set("details", row.details));
        Json report = Json::object()
                        .set("status", status)
                        .set("mode", quick ? "quick" : "full")
                        .set("version", version())
                        .set("git commit", git_commit())
                        .set("seconds", seconds)
                        .set("passed", passed)
                        .set("failed", failed)
                        .set("not run", not_run)
                        .set("claims", claims);
        write_file_atomically(root + "/report.json", report.dump() + "\n");

        std::string md = "# relax verify: the claims of the science notes\n\n";
        md += "Status: **" + status + "** (" + std::string(quick ? "--quick" : "full") +
              " sizes, " + format(seconds, 3) + " s; relax " + version() + ", git " + git_commit() +
              "). " + std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " +
              std::to_string(not_run) + " not run (not yet wired).\n\n";
        md += "Each claim runs small problems through the solvers (their run folders are "
              "beside this report) and compares a measured figure with an independent one: "
              "a closed form, a brute-force computation, or a measured order.\n\n";
        md += "| claim | source | measured | expected | pass | plot |\n|---|---|---|---|---|---|\n";
        for (const ClaimRow &row : rows)
          md += "| [" + cell(row.claim) + "](#" + row.id + ") | " + cell(row.source) + " | " +
                cell(row.measured) + " | " + cell(row.expected) + " | " + verdict(row) + " | " +
                (row.plot.empty() ? std::string() : "[png](" + row.plot + ")") + " |\n";
        for (const ClaimRow &row : rows)
          {
            md += "\n<a id=\"" + row.id + "\"></a>\n## " + row.claim + "\n\n";
            md += "- source: " + row.source + "\n- measured: " + row.measured +
                  "\n- expected: " + row.expected + "\n- result: " + verdict(row) + "\n\n";
            if (!row.details.empty())
              md += row.details + "\n\n";
            if (!row.plot.empty())
              md += "![" + row.id + "](" + row.plot + ")\n";
          }
        write_file_atomically(root + "/report.md", md);
      }

      const char *usage =
        "Usage: relax verify [--quick] [--output DIR]\n"
        "Runs the claims of the science notes on small problems and writes\n"
        "DIR/report.md and DIR/report.json (DIR: output/verify), each claim's\n"
        "run folders and its plot (gnuplot, pngcairo) under DIR/<group>/.\n"
        "Exit code 0 when every claim that ran passed, 1 otherwise.\n";
    } // namespace

    bool
    register_group(const ClaimGroup &group)
    {
      groups().push_back(group);
      return true;
    }
  } // namespace verify

  int
  run_verify(const std::vector<std::string> &arguments, const std::string &)
  {
    using namespace verify;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    bool        quick = false;
    std::string root  = "output/verify";
    for (std::size_t i = 0; i < arguments.size(); ++i)
      {
        if (arguments[i] == "--quick")
          quick = true;
        else if (arguments[i] == "--output" && i + 1 < arguments.size())
          root = arguments[++i];
        else if (arguments[i] == "--help" || arguments[i] == "-h")
          {
            if (rank == 0)
              std::cout << usage;
            return 0;
          }
        else
          {
            if (rank == 0)
              std::cerr << "relax: error: verify: unknown argument '" << arguments[i]
                        << "' (relax verify --help shows the usage)" << std::endl;
            return 2;
          }
      }
    if (std::system("command -v gnuplot > /dev/null 2>&1") != 0)
      {
        if (rank == 0)
          std::cerr << "relax: error: verify draws its plots with gnuplot, which is not "
                       "installed (apt-get install gnuplot-nox; scripts/setup does it)"
                    << std::endl;
        return 2;
      }

    std::filesystem::create_directories(root);
    auto ordered = groups();
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const ClaimGroup &a, const ClaimGroup &b) { return a.section < b.section; });
    const auto start   = std::chrono::steady_clock::now();
    auto       elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };

    Context context(root, quick);
    for (std::size_t g = 0; g < ordered.size(); ++g)
      {
        const ClaimGroup &group = ordered[g];
        if (rank == 0)
          {
            write_report(root, context.rows(),
                         "running: " + std::to_string(g) + " of " + std::to_string(ordered.size()) +
                           " groups done",
                         quick, elapsed());
            std::cout << "relax verify: " << group.name << " (" << group.description << ")"
                      << std::endl;
          }
        const double group_start = elapsed();
        context.begin_group(group.name);
        try
          {
            group.run(context);
          }
        catch (const std::exception &error)
          {
            // The group's other claims are not lost: a row says what broke.
            ClaimRow row;
            row.id       = group.name + "-error";
            row.claim    = group.description + ": the computation stopped";
            row.source   = "SCIENCE.md §" + format(group.section, 2);
            row.measured = std::string("error: ") + error.what();
            row.expected = "completes";
            row.pass     = false;
            context.add(row);
          }
        if (rank == 0)
          std::cout << "relax verify: " << group.name << " took " << format(elapsed() - group_start, 3)
                    << " s" << std::endl;
      }

    bool all_passed = true;
    for (const ClaimRow &row : context.rows())
      all_passed = all_passed && (!row.ran || row.pass);
    if (rank == 0)
      {
        write_report(root, context.rows(), "complete", quick, elapsed());
        std::cout << "\nrelax verify (" << (quick ? "quick" : "full") << ", "
                  << format(elapsed(), 3) << " s):\n";
        for (const ClaimRow &row : context.rows())
          std::cout << "  " << (!row.ran ? "NOT RUN" : row.pass ? "pass   " : "FAIL   ") << "  "
                    << row.id << ": " << row.measured << "  (expected " << row.expected << ")\n";
        std::cout << "Report: " << root << "/report.md, " << root << "/report.json" << std::endl;
      }
    return all_passed ? 0 : 1;
  }
} // namespace relax
