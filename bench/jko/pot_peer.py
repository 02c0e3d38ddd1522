#!/usr/bin/python3
"""The peer of bench/jko: the same W₂ between two Gaussians and the same
entropic JKO step as bench_jko, with Python Optimal Transport (Debian
python3-pot) on n × n points of [−3, 3]², dense Sinkhorn in the log domain
(the cost matrix held in memory: n⁴ doubles). Prints one JSON object.
Usage: pot_peer.py N GAMMA TAU [JKO_CAP [DIVERGENCE_CAP]]
With a cap, that Sinkhorn loop stops there: the figures per iteration are
then what counts; a divergence cap of 0 leaves the divergence out (the divergence's three loops take about 30 s per
iteration at N = 100)."""
import json
import sys
import time

import numpy as np
import ot
from scipy.special import logsumexp

n, gamma, tau = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
cap = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
divergence_cap = int(sys.argv[5]) if len(sys.argv) > 5 else cap
t = (np.arange(n) + 0.5) * 6 / n - 3
X = np.array([(x, y) for x in t for y in t])
area = (6 / n) ** 2


def density(m, var):
    r = np.exp(-0.5 * ((X[:, 0] - m[0]) ** 2 / var[0] + (X[:, 1] - m[1]) ** 2 / var[1]))
    return r / r.sum()


a = density((-0.2, 0), (0.3, 0.2))
b = density((0.2, 0.1), (0.2, 0.3))
exact = 0.4 ** 2 + 0.1 ** 2 + 2 * (np.sqrt(0.3) - np.sqrt(0.2)) ** 2
start = time.perf_counter()
M = ot.dist(X, X)  # squared Euclidean
setup = time.perf_counter() - start


def entropic(p, q):
    """OT_γ(p, q) with the entropy relative to p ⊗ q, by POT's log-domain
    Sinkhorn; returns the value and the iterations."""
    plan, log = ot.sinkhorn(p, q, M, gamma, method="sinkhorn_log", stopThr=1e-9,
                            numItermax=divergence_cap, log=True)
    mask = plan > 0
    kl = np.sum(plan[mask] * np.log(plan[mask] / np.outer(p, q)[mask]))
    return np.sum(plan * M) + gamma * kl, log["niter"]


start = time.perf_counter()
if divergence_cap > 0:
    cross, n1 = entropic(a, b)
    self_a, n2 = entropic(a, a)
    self_b, n3 = entropic(b, b)
    divergence = cross - 0.5 * (self_a + self_b)
else:
    n1 = n2 = n3 = 0
    divergence = None
divergence_seconds = time.perf_counter() - start

# One entropic JKO step of J = E[|x|²/2] + (1 − γ/(4τ)) ∫ρ log ρ from a
# (blur compensated as in relax), by the same KL-proximal scaling
# iteration in the log domain: φ = log p − LSE(ψ − M/γ), ψ = −κ LSE(φ − M/γ) + log g.
temperature = 1 - gamma / (4 * tau)
sigma = 2 * tau * temperature / gamma
kappa = sigma / (1 + sigma)
f = 0.5 * (X ** 2).sum(axis=1)
log_g = -(2 * tau * f / gamma + sigma) / (1 + sigma) + sigma / (1 + sigma) * np.log(area)
log_p = np.log(a)
K = -M / gamma
psi = np.zeros(len(a))
start = time.perf_counter()
for iteration in range(1, cap + 1):
    lab = logsumexp(K + psi[None, :], axis=1)
    if iteration > 1 and np.abs(np.exp(phi + lab) - a).sum() < 1e-9:
        break
    phi = log_p - lab
    laa = logsumexp(K + phi[:, None], axis=0)
    psi = -kappa * laa + log_g
jko_seconds = time.perf_counter() - start
# The new density and its moments per axis against the exact JKO step from
# those of a (m' = m/(1 + τ), s' the positive root of
# (1 + 1/τ)s'² − (s/τ)s' − 1 = 0), as bench_jko reports them.
q = np.exp(psi + laa)
q /= q.sum()
step_error = 0.0
for axis in range(2):
    m0 = (a * X[:, axis]).sum()
    s0 = np.sqrt((a * X[:, axis] ** 2).sum() - m0 ** 2)
    m1 = (q * X[:, axis]).sum()
    s1 = np.sqrt((q * X[:, axis] ** 2).sum() - m1 ** 2)
    A, B = 1 + 1 / tau, -s0 / tau
    exact_s = (-B + np.sqrt(B * B + 4 * A)) / (2 * A)
    step_error = max(step_error, abs(m1 - m0 / (1 + tau)), abs(s1 - exact_s))
print(json.dumps({"points": len(a), "gamma": gamma, "tau": tau, "cost matrix seconds": setup,
                  "divergence": divergence, "W2 squared exact": exact,
                  "divergence error": None if divergence is None else abs(divergence - exact),
                  "divergence seconds": divergence_seconds, "divergence iterations": n1 + n2 + n3,
                  "JKO step seconds": jko_seconds,
                  "JKO step: largest error of a mean or standard deviation": step_error, "JKO step iterations": iteration - 1,
                  "seconds per divergence iteration": divergence_seconds / max(1, n1 + n2 + n3),
                  "seconds per JKO iteration": jko_seconds / max(1, iteration - 1)}, indent=1))
