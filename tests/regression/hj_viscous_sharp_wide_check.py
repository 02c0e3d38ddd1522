"""Local entropy on sharp-wide (SCIENCE.md §2), against the Cole–Hopf
formula u(x, t) = −ε log ∫ G_εt(x − y) e^{−f(y)/ε} dy evaluated by
quadrature on a grid of spacing 0.004 over the window |y − x| ≤ 10√(εt) +
0.2, outside which the Gaussian kernel is below e^{−50}: u at the probes,
and the time at which the minimiser of u(·, t) jumps from the sharp minimum
to the wide one. f is written here from its documented formula,
independently of relax."""
import sys

import numpy as np

from closed_forms import Checks, run_files

summary, rows, p = run_files(sys.argv[1])
q = lambda name: float(p["Landscape/sharp-wide/" + name])
hs, a, ss = q("sharp depth"), q("sharp centre"), q("sharp width")
hw, b, sw = q("wide depth"), q("wide centre"), q("wide width")
k = q("confinement")
eps = float(p["hj-viscous/viscosity"])

def f(Y1, Y2):
    return (-hs * np.exp(-((Y1 - a) ** 2 + Y2 ** 2) / (2 * ss ** 2))
            - hw * np.exp(-((Y1 - b) ** 2 + Y2 ** 2) / (2 * sw ** 2))
            + 0.5 * k * (Y1 ** 2 + Y2 ** 2))

def u(x, y, t):
    half = 10 * np.sqrt(eps * t) + 0.2
    step = 0.004
    s1 = np.arange(x - half, x + half + step, step)
    s2 = np.arange(y - half, y + half + step, step)
    Y1, Y2 = np.meshgrid(s1, s2, indexing="ij")
    E = f(Y1, Y2) / eps + ((x - Y1) ** 2 + (y - Y2) ** 2) / (2 * eps * t)
    m = E.min()
    return eps * (m - np.log(np.sum(np.exp(m - E)) * step * step / (2 * np.pi * eps * t)))

def well_minimum(centre, t):
    """min of u(·, t) near a well (on the axis, by symmetry): golden section."""
    lo, hi = centre - 0.5, centre + 0.5
    g = (np.sqrt(5) - 1) / 2
    for _ in range(30):
        c, d = hi - g * (hi - lo), lo + g * (hi - lo)
        if u(c, 0, t) < u(d, 0, t):
            hi = d
        else:
            lo = c
    return u((lo + hi) / 2, 0, t)

check = Checks()
T = summary["final time"]
for probe in summary["probes"]:
    x, y = probe["x"]
    # Q2 with h = 6/128 resolves the sharp well (width 0.1) to ~1e-3 in u.
    check.close("u at (%g, %g), t = %g" % (x, y, T), probe["u"], u(x, y, T), 2e-3)

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
