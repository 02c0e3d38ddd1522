"""Entropy-SGD's Langevin estimate of the local-entropy gradient against the
viscous HJ solver's grad u, and the HJ proximal step against the Hopf-Lax
argmin of the inviscid HJ solver, at the same probe points.

Tolerances: the train run gives the Monte Carlo standard error of each
Langevin estimate (20 independent chains from x; about 6e-3 with 10^6 steps
in all); agreement within 5 standard errors (a Student t with 19 degrees of
freedom beyond 5: 8e-5 per comparison, 5e-4 for the six) plus 1e-3 for the
chain's O(s) discretisation bias and the grid solver's error (both below
1e-3 here: s = 0.005; hj-viscous's grad u agrees with its own quadrature of
the Gibbs mean to 2e-5). The proximal points are two minimisations of one
smooth convex function (the logistic perceptron): agreement to 1e-6.
"""
import json
import math
import sys


def load(folder):
    with open(folder + "/summary.json") as f:
        return json.load(f)


train, viscous, inviscid = (load(f) for f in sys.argv[1:4])
failures = 0
assert train["probe gamma"] == viscous["final time"] == 0.5, "gamma and t differ"
assert train["probe temperature"] == viscous["viscosity"], "eps differs"
assert inviscid["final time"] == 0.5, "t of hj-inviscid differs from gamma"
for i, probe in enumerate(train["probes"]):
    pde = viscous["probes"][i]
    assert probe["x"] == pde["x"]
    for d in range(2):
        a, b = probe["local entropy gradient"][d], pde["grad u"][d]
        se = probe["local entropy gradient standard error"][d]
        ok = abs(a - b) < 5 * se + 1e-3
        failures += not ok
        print("%s probe %s: Langevin (x - <y>)/gamma = %.5f +- %.5f, hj-viscous grad u = %.5f "
              "(quadrature %.5f), difference %.2e = %.2f standard errors"
              % ("ok:" if ok else "FAIL:", probe["x"], a, se, b, pde["gibbs grad"][d], abs(a - b),
                 abs(a - b) / se))
    hl = inviscid["probes"]["points"][i]
    for d in range(2):
        a, b = probe["proximal point"][d], hl["hopf-lax argmin"][d]
        ok = abs(a - b) < 1e-6
        failures += not ok
        print("%s probe %s: proximal step %.8f, hj-inviscid Hopf-Lax argmin %.8f "
              "(from the FE grad u %.6f)" % ("ok:" if ok else "FAIL:", probe["x"], a, b,
                                             hl["proximal point"][d]))
sys.exit(1 if failures else 0)
