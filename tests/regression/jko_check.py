#!/usr/bin/env python3
# The system's Python, which has Debian's numpy (python3-numpy), for the
# check scripts.
"""Checks of a `jko` run (SCIENCE.md §5): every claim in summary.json
passes, mass is kept to round-off and the density stays positive; and in
1-D with f = a x²/2 (a = 0: the heat equation) every iterate against the
closed form of the exact JKO step from N(m_k, s_k²): m_{k+1} = m_k/(1 + τa),
s_{k+1} the positive root of (a + 1/τ)s² − (s_k/τ)s − β⁻¹ = 0."""
import math
import sys

from closed_forms import Checks, gaussian_jko_iterates, run_files

summary, rows, p = run_files(sys.argv[1])
check = Checks()
for claim in summary["claims"]:
    check.true("claim: " + claim["claim"], claim["pass"], "(measured %s, expected %s)"
               % (claim["measured"], claim["expected"]))
check.true("mass kept", summary["largest mass drift"] <= 1e-12,
           "(largest drift %.3g)" % summary["largest mass drift"])
check.true("positive", summary["lowest min rho"] > 0, "(lowest %.3g)" % summary["lowest min rho"])

name = p["Landscape/name"]
a = None
if p["dimension"] == "1" and name == "quadratic" and p["Landscape/quadratic/D"] == "1":
    a = float(p["Landscape/quadratic/A"])
elif p["dimension"] == "1" and name == "parsed" and p["Landscape/parsed/f"].strip() == "0":
    a = 0.0
if a is not None:
    beta = float(p["jko/inverse temperature"])
    tau = float(p["Time/time step"])
    exact = gaussian_jko_iterates(float(p["jko/initial mean"]), math.sqrt(float(p["jko/initial covariance"])),
                                  a, beta, tau, len(rows) - 1)
    worst_m = max(abs(row["mean x"] - m) for row, (m, s) in zip(rows, exact))
    worst_s = max(abs(math.sqrt(row["cov xx"]) - s) for row, (m, s) in zip(rows, exact))
    # The entropic step with its first-order blur compensated differs from
    # the exact one by O(γ²/τ) = O(τ) at a fixed blur fraction, the kernel of
    # L heat steps by O(τ/L), the mesh by O(h²): all O(τ) here. Measured
    # (worst step, mean / standard deviation): OU (a = 1, s₀ = 0.5)
    # 0.062τ / 0.091τ at τ = 0.02, h = 1/102 and 0.060τ / 0.096τ at
    # τ = 0.005, h = 1/205; heat (s₀ = 0.4) 0 / 0.245τ at τ = 0.02. The
    # bound C·τ with one C for both τ shows the error falling with τ and h.
    C = 0.12 if a > 0 else 0.3
    check.close("mean against the exact JKO iterates (worst step)", worst_m, 0, C * tau)
    check.close("standard deviation against the exact JKO iterates (worst step)", worst_s, 0, C * tau)
check.exit()
