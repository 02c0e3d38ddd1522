"""GMRES iterations of `linear solver = matrix-free` flat under refinement:
the run at refinement r and the same at r + 2 (16 times the DoFs). Per
implicit step (diagnostics.csv, rows after the initial one), the finer run may need
at most 25 % + 1 more iterations than the coarser; an iteration count that
grew with the condition number of the operator, O(h⁻²), would need 4 times
as many per halving of h without a multigrid (2 times with CG on the
square root)."""
import sys

from closed_forms import Checks, run_files

coarse_folder, fine_folder = sys.argv[1], sys.argv[2]
check = Checks()
counts = {}
for label, folder in (("coarse", coarse_folder), ("fine", fine_folder)):
    summary, rows, p = run_files(folder)
    steps = [row["linear iterations"] for row in rows[1:]]
    counts[label] = (sum(steps) / len(steps), summary["transient"]["linear iterations"], summary["dofs"])
    print("%s: %d DoFs, %.2f iterations per step, %d in all"
          % (label, counts[label][2], counts[label][0], counts[label][1]))
check.true("16 times the DoFs", counts["fine"][2] > 15 * counts["coarse"][2])
check.true("iterations per step flat", counts["fine"][0] <= 1.25 * counts["coarse"][0] + 1,
           "(%.2f -> %.2f)" % (counts["coarse"][0], counts["fine"][0]))
check.true("each step iterates", min(counts["coarse"][0], counts["fine"][0]) >= 1)
check.exit()
