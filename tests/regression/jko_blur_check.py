#!/usr/bin/env python3
# The system's Python, which has Debian's numpy (python3-numpy), for the
# check scripts.
"""At a fixed τ, the entropic JKO iterates approach the exact JKO iterates
(SCIENCE.md §5, 1-D Gaussian closed form, f = a x²/2) as the entropic blur
and the mesh size fall together. Arguments: the run folders, the blur
fraction and h halved from one to the next. The error of the worst step in
the standard deviation should fall with order 2: the blur compensated to
first order leaves O(γ²/τ), the lumped Q1 mesh O(h²). The mean moves
under the linear drift by exactly 1/(1 + τ) per step with any symmetric
kernel: it must stay within 1e-6 (measured 7e-8)."""
import math
import sys

from closed_forms import Checks, gaussian_jko_iterates, run_files

check = Checks()
errors, blurs, sizes = [], [], []
for folder in sys.argv[1:]:
    summary, rows, p = run_files(folder)
    a = float(p["Landscape/quadratic/A"])
    beta = float(p["jko/inverse temperature"])
    tau = float(p["Time/time step"])
    exact = gaussian_jko_iterates(float(p["jko/initial mean"]), math.sqrt(float(p["jko/initial covariance"])),
                                  a, beta, tau, len(rows) - 1)
    # From step 1: the initial row is the interpolation of N(m₀, s₀²), not a step.
    worst_m = max(abs(row["mean x"] - m) for row, (m, s) in list(zip(rows, exact))[1:])
    worst_s = max(abs(math.sqrt(row["cov xx"]) - s) for row, (m, s) in list(zip(rows, exact))[1:])
    errors.append((worst_m, worst_s))
    blurs.append(float(p["jko/entropic blur fraction"]))
    sizes.append(summary["h"])
    print("blur fraction %g, h %.4g, gamma %.4g, theta %.3f: worst error of the mean %.3g, of the "
          "standard deviation %.3g" % (blurs[-1], sizes[-1], summary["gamma"], summary["kernel theta"],
                                       worst_m, worst_s))
for n in range(len(errors)):
    check.true("mean against the exact JKO iterates, run %d" % n, errors[n][0] <= 1e-6,
               "(worst step %.3g)" % errors[n][0])
for n in range(1, len(errors)):
    order = math.log(errors[n - 1][1] / errors[n][1]) / math.log(blurs[n - 1] / blurs[n])
    check.close("order in (blur, h) of the standard deviation, runs %d-%d" % (n - 1, n), order, 2, 0.5)
check.exit()
