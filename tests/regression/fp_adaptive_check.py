#!/usr/bin/python3
"""fp_adaptive_check.py RUN_FOLDER: the steady state on the adapted mesh.
Its L2 error against the closed form must fall at every refinement cycle
and end below the error on the coarsest uniform Q1 mesh with at least as
many DoFs (run here with $RELAX, no cycles): adaptivity must buy accuracy
per DoF, not only accuracy."""
import os
import subprocess
import sys

from closed_forms import Checks, run_files

folder = sys.argv[1]
summary, _, p = run_files(folder)
steady = summary["steady state"]
cycles = steady["refinement cycles"] + [dict(steady, dofs=summary["dofs"])]
errors = [c["reference relative L2 error"] for c in cycles]
dofs = [c["dofs"] for c in cycles]
check = Checks()
for n in range(1, len(errors)):
    check.true("error falls in cycle %d (%d -> %d DoFs)" % (n, dofs[n - 1], dofs[n]),
               errors[n] < errors[n - 1], "%.3g -> %.3g" % (errors[n - 1], errors[n]))

# The uniform Q1 mesh with at least as many DoFs as the adapted one.
refinement = int(p["Mesh/refinement"])
while (2 ** refinement + 1) ** 2 < dofs[-1]:
    refinement += 1
out = os.path.join(os.path.dirname(os.path.abspath(folder)), "uniform")
done = subprocess.run([os.environ["RELAX"], os.path.join(folder, "parameters.prm"),
                       "--set", "output directory=" + out,
                       "--set", "Mesh/refinement=%d" % refinement,
                       "--set", "fokker-planck/steady state refinement cycles=0"],
                      capture_output=True, text=True)
if done.returncode != 0:
    sys.exit("relax failed: " + done.stderr)
uniform = run_files(out)[0]
check.true("adapted mesh more accurate than the uniform one with more DoFs",
           errors[-1] < uniform["steady state"]["reference relative L2 error"] and uniform["dofs"] >= dofs[-1],
           "%.3g at %d DoFs against %.3g at %d" % (errors[-1], dofs[-1],
                                                  uniform["steady state"]["reference relative L2 error"],
                                                  uniform["dofs"]))
check.exit()
