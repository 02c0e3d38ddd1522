"""GMRES iterations of `linear solver = matrix-free` flat under refinement:
the run at refinement r and the same at r + 2 (16 times the DoFs). Per
implicit step (diagnostics.csv, rows after the initial one), the finer run may need
at most 25 % + 1 more iterations than the coarser; an iteration count that
grew with the condition number of the operator, O(h⁻²), would need 4 times
as many per halving of h without a multigrid (2 times with CG on the
square root). The steady state's iterations (the run's total less the
steps') likewise, and its covariance against S of A S + S Aᵀ = 2β⁻¹D."""
import sys

import numpy as np

from closed_forms import Checks, lyapunov, matrix, run_files

coarse_folder, fine_folder = sys.argv[1], sys.argv[2]
check = Checks()
counts = {}
for label, folder in (("coarse", coarse_folder), ("fine", fine_folder)):
    summary, rows, p = run_files(folder)
    steps = [row["linear iterations"] for row in rows[1:]]
    counts[label] = (sum(steps) / len(steps), summary["transient"]["linear iterations"], summary["dofs"],
                     summary["transient"]["linear iterations"] - sum(steps))
    print("%s: %d DoFs, %.2f iterations per step, %d for the steady state, %d in all"
          % (label, counts[label][2], counts[label][0], counts[label][3], counts[label][1]))
    d = int(p["dimension"])
    S = lyapunov(matrix(p["Landscape/quadratic/A"], d),
                 2 / float(p["fokker-planck/inverse temperature"]) * matrix(p["Landscape/quadratic/D"], d))
    check.close("%s steady covariance" % label,
                np.array(summary["steady state"]["covariance"]).reshape(d, d), S, 2e-5)
check.true("16 times the DoFs", counts["fine"][2] > 15 * counts["coarse"][2])
check.true("iterations per step flat", counts["fine"][0] <= 1.25 * counts["coarse"][0] + 1,
           "(%.2f -> %.2f)" % (counts["coarse"][0], counts["fine"][0]))
check.true("steady-state iterations flat", counts["fine"][3] <= 1.25 * counts["coarse"][3] + 1,
           "(%d -> %d)" % (counts["coarse"][3], counts["fine"][3]))
check.true("each step iterates", min(counts["coarse"][0], counts["fine"][0]) >= 1)
check.exit()
