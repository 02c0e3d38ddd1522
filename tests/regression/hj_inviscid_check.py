"""hj-inviscid against a brute-force Hopf–Lax minimisation in numpy
(closed_forms.hopf_lax: a fine grid over the whole box, then zooming into
every basin near the minimum), at the probe points of the run:

  u(x, t) = min_y f(y) + |x − y|²/(2t),  prox(x) = argmin_y = x − t∇u.

- `hopf-lax value` (relax's minimisation at the probe, Newton on f from the
  best nodes) equals the brute-force minimum to 1e-12, and `hopf-lax
  argmin` is one of its minimisers to 1e-6 (on a kink there are two; either
  is right);
- the finite-element u at the probe is within its interpolation error:
  2 h^(p+1)/min(t, 1) where u is smooth (|D²u| ≤ 1/t: u is
  semiconcave), 2 L h in the cell of a kink (the slope jumps by at most 2L,
  L = max|∇f| at the nodes);
- the proximal point x − t∇u_h from the finite-element gradient is within
  2h of the minimiser (t|∇u_h − ∇u| ≤ t·h·|D²u| ≤ h for Q1), skipped on
  kinks, where ∇u does not exist;
- f at the probes agrees with the numpy landscape (so the comparison is
  with the same f);
- min u and max u never increase in time (u(x, ·) is non-increasing).
"""
import sys

import numpy as np

from closed_forms import Checks, hopf_lax, landscape, run_files

summary, rows, p = run_files(sys.argv[1])
d = int(p["dimension"])
f, domain = landscape(p, d)
lower, upper, periodic = domain
length = upper - lower
t = summary["final time"]
h = summary["h"]
degree = summary["degree"]
L = summary["lipschitz bound"]
check = Checks()


def distance(a, b):
    r = np.asarray(a, float) - np.asarray(b, float)
    return float(np.max(np.abs(np.where(periodic, r - length * np.round(r / length), r))))


for probe in summary["probes"]["points"]:
    x = np.array(probe["x"])
    check.close("f at %s" % x, probe["f"], f(x[None, :])[0], 1e-12)
    value, argmins = hopf_lax(f, x, t, domain)
    kink = len(argmins) > 1
    where = "%s%s" % (x, " (a kink: minimisers %s)" % np.round(argmins, 6).tolist() if kink else "")
    check.close("Hopf-Lax value at " + where, probe["hopf-lax value"], value, 1e-12)
    nearest = min(distance(probe["hopf-lax argmin"], y) for y in argmins)
    check.true("Hopf-Lax argmin at %s is a minimiser" % x, nearest <= 1e-6,
               "(%s, distance %.2g)" % (np.round(probe["hopf-lax argmin"], 8).tolist(), nearest))
    bound = 2 * L * h if kink else 2 * h ** (degree + 1) / min(t, 1)
    check.close("finite-element u at %s" % x, probe["u"], value, bound)
    if not kink:
        gap = distance(probe["proximal point"], argmins[0])
        check.true("proximal point x - t grad u_h at %s" % x, gap <= 2 * h,
                   "(%s, minimiser %s, distance %.3g, tolerance %.3g)"
                   % (np.round(probe["proximal point"], 6).tolist(),
                      np.round(argmins[0], 6).tolist(), gap, 2 * h))

minima = [row["min u"] for row in rows]
maxima = [row["max u"] for row in rows]
scale = 1e-12 * (1 + max(abs(v) for v in minima + maxima))
check.true("min u non-increasing in time",
           all(b <= a + scale for a, b in zip(minima, minima[1:])))
check.true("max u non-increasing in time",
           all(b <= a + scale for a, b in zip(maxima, maxima[1:])))
check.exit()
