"""Entropy-SGD's Langevin estimate of the local-entropy gradient against the
viscous HJ solver's grad u, and the HJ proximal step against the Hopf-Lax
argmin of the inviscid HJ solver, at the same probe points.

Tolerances: the Langevin mean over n = 10^6 steps of size s = 0.005 at
temperature eps = 0.1 has variance about eps/(1/gamma + lambda) <= 0.05 per
coordinate and correlation time tau <= 1/(s/gamma) = 100 steps, a standard
error of sqrt(0.05 * 2 * 100 / 10^6) = 3.2e-3 in <y>, 6.3e-3 in
(x - <y>)/gamma; the discretisation bias of the chain is O(s) in the
variance and smaller in the mean. 0.03 is over four standard errors. The
proximal points are two minimisations of one smooth convex function (the
logistic perceptron): agreement to 1e-6.
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
for i, probe in enumerate(train["probes"]):
    pde = viscous["probes"][i]
    assert probe["x"] == pde["x"]
    for d in range(2):
        a, b = probe["local entropy gradient"][d], pde["grad u"][d]
        ok = abs(a - b) < 0.03
        failures += not ok
        print("%s probe %s: Langevin (x - <y>)/gamma = %.5f, hj-viscous grad u = %.5f "
              "(quadrature %.5f), difference %.2e"
              % ("ok:" if ok else "FAIL:", probe["x"], a, b, pde["gibbs grad"][d], abs(a - b)))
    hl = inviscid["probes"]["points"][i]
    for d in range(2):
        a, b = probe["proximal point"][d], hl["hopf-lax argmin"][d]
        ok = abs(a - b) < 1e-6
        failures += not ok
        print("%s probe %s: proximal step %.8f, hj-inviscid Hopf-Lax argmin %.8f "
              "(from the FE grad u %.6f)" % ("ok:" if ok else "FAIL:", probe["x"], a, b,
                                             hl["proximal point"][d]))
sys.exit(1 if failures else 0)
