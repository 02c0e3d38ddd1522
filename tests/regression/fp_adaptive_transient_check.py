"""fp_adaptive_transient_check.py RUN_FOLDER: the OU transient on a mesh
adapted every few steps. From N(m₀, C₀) the mean is e^{−At}m₀ and the
covariance S + e^{−At}(C₀ − S)e^{−Aᵀt}, A S + S Aᵀ = 2β⁻¹D (SCIENCE.md §4);
each row of diagnostics.csv is compared with them, and the mesh must
really have changed (the DoFs column takes several values)."""
import sys

import numpy as np

from closed_forms import Checks, expm, lyapunov, ou_problem, run_files

summary, rows, p = run_files(sys.argv[1])
d, A, D, beta, m0, C0 = ou_problem(p)
tolerance = float(sys.argv[2])
S = lyapunov(A, 2 / beta * D)
check = Checks()
worst_mean = worst_cov = 0.0
axes = "xyz"[:d]
for row in rows:
    E = expm(-A * row["time"])
    mean = E @ m0
    cov = S + E @ (C0 - S) @ E.T
    mean_h = np.array([row["mean " + a] for a in axes])
    cov_h = np.array([[row["cov " + min(a, b) + max(a, b)] for b in axes] for a in axes])
    worst_mean = max(worst_mean, np.max(np.abs(mean_h - mean)))
    worst_cov = max(worst_cov, np.max(np.abs(cov_h - cov)))
check.close("largest mean error over the run", worst_mean, 0.0, tolerance)
check.close("largest covariance error over the run", worst_cov, 0.0, tolerance)
sizes = sorted(set(row["dofs"] for row in rows))
check.true("the mesh changed", len(sizes) >= 3, "DoFs %s" % sizes)
check.exit()
