"""Viscous HJ against the Cole–Hopf formula u(x, t) = −ε log ∫ G_εt(x − y)
e^{−f(y)/ε} dy on R², by quadrature (closed_forms.cole_hopf; f written there
from the landscapes' documented formulas, independently of relax).

  hj_viscous_quadrature_check.py RUN_FOLDER [TOLERANCE]

Checks u at every probe within TOLERANCE (default 2e-3), and on sharp-wide
the claim of SCIENCE.md §2: the time at which the minimiser of u(·, t) jumps
from the sharp minimum to the wide one."""
import sys

import numpy as np

from closed_forms import Checks, cole_hopf, landscape, run_files

summary, rows, p = run_files(sys.argv[1])
tolerance = float(sys.argv[2]) if len(sys.argv) > 2 else 2e-3
d = summary["dimension"]
f, _ = landscape(p, d)
eps = float(p["hj-viscous/viscosity"])
u = lambda x, t: cole_hopf(f, x, t, eps)

check = Checks()
T = summary["final time"]
for probe in summary["probes"]:
    check.close("u at %s, t = %g" % (probe["x"], T), probe["u"], u(probe["x"], T), tolerance)

if p["Landscape/name"] == "sharp-wide":
    a = float(p["Landscape/sharp-wide/sharp centre"])
    b = float(p["Landscape/sharp-wide/wide centre"])

    def well_minimum(centre, t):
        """min of u(·, t) near a well (on the axis, by symmetry): golden section."""
        lo, hi = centre - 0.5, centre + 0.5
        g = (np.sqrt(5) - 1) / 2
        for _ in range(30):
            c, e = hi - g * (hi - lo), lo + g * (hi - lo)
            if u([c, 0], t) < u([e, 0], t):
                hi = e
            else:
                lo = c
        return u([(lo + hi) / 2, 0], t)

    # The crossover: the time where the two wells' minima of u are equal.
    difference = lambda t: well_minimum(a, t) - well_minimum(b, t)
    lo, hi = 1e-3, T
    check.true("the sharp well is lower at first", difference(lo) < 0)
    check.true("the wide well is lower at the end", difference(hi) > 0)
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if difference(mid) < 0 else (lo, mid)
    crossover = (lo + hi) / 2
    jumps = summary["argmin jumps"]
    check.true("one jump of the argmin", len(jumps) == 1, "(%d)" % len(jumps))
    if jumps:
        # relax sees the jump between two steps; its argmin is over the nodes.
        check.close("crossover time", jumps[0]["time"], crossover, 2 * float(p["Time/time step"]))
        check.true("from the sharp well to the wide one",
                   abs(jumps[0]["from"][0] - a) < 0.1 and abs(jumps[0]["to"][0] - b) < 0.1)
check.exit()
