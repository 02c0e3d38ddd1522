"""ε → 0: the viscous solution approaches the inviscid one (SCIENCE.md §2–3).

  hj_viscous_vanishing_viscosity_check.py RUN_FOLDER

Reruns the hj-viscous run of RUN_FOLDER (parameters.prm) at ε/2, ε/4, ε/8,
and once as hj-inviscid with the same probes and mesh ($RELAX is the
binary). Laplace's method on the Cole–Hopf integral gives, at a point x
whose Hopf–Lax minimisers y* (one, or several on a kink) are
non-degenerate,

  u_ε(x, t) = u_0(x, t) + ε C(x) + O(ε²),
  C(x) = ½ log det(I + t D²f(y*)) − log m          (m minimisers),

with D²f by central differences of the numpy landscape. Checks: hj-inviscid
equals the brute-force Hopf–Lax value; u_ε − u_0 falls at order 1 in ε at
the probes off kinks (the finest pair within 0.1); (u_ε − u_0)/ε at the
smallest ε is within 0.03 of C(x) at every probe, the kink included."""
import math
import os
import subprocess
import sys

import numpy as np

from closed_forms import Checks, hopf_lax, landscape, run_files

folder = sys.argv[1]
summary, rows, p = run_files(folder)
d = summary["dimension"]
t = summary["final time"]
epsilon = float(p["hj-viscous/viscosity"])
probes = [q["x"] for q in summary["probes"]]
f, domain = landscape(p, d)
relax = os.environ["RELAX"]
parameters = os.path.join(folder, "parameters.prm")


def run(name, *settings):
    out = os.path.join(os.path.dirname(os.path.abspath(folder)), name)
    command = [relax, parameters, "--set", "output directory=" + out]
    for s in settings:
        command += ["--set", s]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("relax failed: " + done.stderr)
    return run_files(out)[0]


check = Checks()
probe_text = "; ".join(", ".join(repr(c) for c in x) for x in probes)
inviscid = run("inviscid", "solver=hj-inviscid", "hj-inviscid/probe points=" + probe_text)
u0 = np.array([q["u"] for q in inviscid["probes"]["points"]])

constants, on_kink = [], []
for x, value in zip(probes, u0):
    brute, minimisers = hopf_lax(f, x, t, domain)
    check.close("hj-inviscid at %s against brute force" % x, value, brute, 1e-8)
    c = -math.log(len(minimisers))
    for y in minimisers:
        step = 1e-4
        hessian = np.zeros((d, d))
        for i in range(d):
            for j in range(d):
                e_i, e_j = np.eye(d)[i] * step, np.eye(d)[j] * step
                hessian[i, j] = (f((y + e_i + e_j)[None]) - f((y + e_i - e_j)[None])
                                 - f((y - e_i + e_j)[None]) + f((y - e_i - e_j)[None]))[0] / (4 * step * step)
        # Each minimiser contributes exp(−u_0/ε) det(I + tD²f)^{−1/2}.
        c_y = 0.5 * math.log(np.linalg.det(np.eye(d) + t * hessian))
        c = c + c_y / len(minimisers)  # equal determinants by symmetry here
    constants.append(c)
    on_kink.append(len(minimisers) > 1)

epsilons = [epsilon / 2 ** k for k in range(4)]
differences = [np.array([q["u"] for q in summary["probes"]]) - u0]
for e in epsilons[1:]:
    variant = run("viscosity-%g" % e, "hj-viscous/viscosity=%r" % e)
    differences.append(np.array([q["u"] for q in variant["probes"]]) - u0)
differences = np.array(differences)
print("ε            " + "  ".join("u_ε − u_0 at %-10s" % x for x in probes))
for e, row in zip(epsilons, differences):
    print("%-12.5g " % e + "  ".join("%-24.6g" % v for v in row))

for k, x in enumerate(probes):
    if not on_kink[k]:
        orders = np.log2(differences[:-1, k] / differences[1:, k])
        check.close("order in ε at %s (%s)" % (x, np.round(orders, 3)), orders[-1], 1.0, 0.1)
    check.close("(u_ε − u_0)/ε at %s, ε = %g, against C(x)%s"
                % (x, epsilons[-1], " on the kink" if on_kink[k] else ""),
                differences[-1, k] / epsilons[-1], constants[k], 0.03)
check.exit()
