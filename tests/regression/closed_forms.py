"""Closed forms for the regression check scripts, computed independently of
relax: Gaussians, Lyapunov equations, matrix exponentials; and readers for a
run folder."""
import csv
import json
import math
import os

import numpy as np


def run_files(folder):
    """summary.json, the diagnostics rows (dicts), and the effective
    parameters as {"Section/entry": "value"}."""
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    rows = []
    path = os.path.join(folder, "diagnostics.csv")
    if os.path.exists(path):
        with open(path) as f:
            rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    parameters, sections = {}, []
    with open(os.path.join(folder, "parameters.prm")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line.startswith("subsection "):
                sections.append(line[len("subsection "):].strip())
            elif line == "end":
                sections.pop()
            elif line.startswith("set "):
                name, _, value = line[4:].partition("=")
                parameters["/".join(sections + [name.strip()])] = value.strip()
    return summary, rows, parameters


def ou_problem(p):
    """The OU run's dimension, A, D, β, initial mean and covariance from its
    effective parameters (quadratic landscape, fokker-planck)."""
    d = int(p["dimension"])
    return (d, matrix(p["Landscape/quadratic/A"], d), matrix(p["Landscape/quadratic/D"], d),
            float(p["fokker-planck/inverse temperature"]), vector(p["fokker-planck/initial mean"], d),
            matrix(p["fokker-planck/initial covariance"], d))


def matrix(text, dim):
    """'a, b; c, d' (or one number s: s I) as a dim x dim array."""
    rows = [[float(x) for x in row.split(",")] for row in text.split(";")]
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0] * np.eye(dim)
    return np.array(rows)


def vector(text, dim):
    values = [float(x) for x in text.split(",")]
    return np.array(values * dim if len(values) == 1 else values)


def lyapunov(A, Q):
    """S with A S + S Aᵀ = Q, by the Kronecker form (I⊗A + A⊗I) vec S = vec Q."""
    d = A.shape[0]
    K = np.kron(np.eye(d), A) + np.kron(A, np.eye(d))
    return np.linalg.solve(K, Q.reshape(-1, order="F")).reshape(d, d, order="F")


def expm(M):
    """e^M by scaling and squaring of a 30-term Taylor series."""
    norm = np.linalg.norm(M, 1)
    squarings = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0 else 0
    X = M / 2 ** squarings
    result, term = np.eye(M.shape[0]), np.eye(M.shape[0])
    for k in range(1, 30):
        term = term @ X / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


def gaussian_kl(m, C, m_ref, S):
    """KL(N(m, C) ‖ N(m_ref, S))."""
    d = len(m)
    S_inv = np.linalg.inv(S)
    r = m - m_ref
    return 0.5 * (np.trace(S_inv @ C) + r @ S_inv @ r - d
                  + math.log(np.linalg.det(S) / np.linalg.det(C)))


class Checks:
    """Collects named comparisons; exit code 1 if any failed."""

    def __init__(self):
        self.failed = 0

    def close(self, name, value, expected, tolerance):
        error = float(np.max(np.abs(np.asarray(value, float) - np.asarray(expected, float))))
        ok = error <= tolerance
        print("%s %s: %s, expected %s (error %.3g, tolerance %.3g)"
              % ("ok:" if ok else "FAIL:", name, np.round(value, 8), np.round(expected, 8),
                 error, tolerance))
        self.failed += 0 if ok else 1

    def true(self, name, condition, detail=""):
        print("%s %s %s" % ("ok:" if condition else "FAIL:", name, detail))
        self.failed += 0 if condition else 1

    def exit(self):
        raise SystemExit(1 if self.failed else 0)


# --- Hopf–Lax (hj-inviscid): the landscapes in numpy and a brute-force
# minimisation, independent of relax.

def landscape(p, d):
    """f as a numpy function of points of shape (n, d), and the domain
    (lower, upper, periodic) of the landscape named in the parameters `p`
    (from run_files): quadratic (symmetric A), double-well, sharp-wide,
    saddle, xy-model (one coupling for every bond)."""
    name = p["Landscape/name"]
    q = lambda key: p["Landscape/%s/%s" % (name, key)]

    def box():
        rows = [[float(x) for x in row.split(",")] for row in q("box").split(";")]
        rows = rows * d if len(rows) == 1 else rows
        return (np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                np.zeros(d, bool))

    if name == "quadratic":
        A = matrix(q("A"), d)
        A = (A + A.T) / 2
        return (lambda y: 0.5 * np.einsum("ni,ij,nj->n", y, A, y)), box()
    if name == "double-well":
        H, a = float(q("barrier height")), float(q("well separation"))
        tilt, k = float(q("tilt")), float(q("transverse stiffness"))
        return (lambda y: H * ((y[:, 0] / a) ** 2 - 1) ** 2 + tilt * y[:, 0]
                + 0.5 * k * np.sum(y[:, 1:] ** 2, axis=1)), box()
    if name == "sharp-wide":
        a, hs, ss = float(q("sharp centre")), float(q("sharp depth")), float(q("sharp width"))
        b, hw, sw = float(q("wide centre")), float(q("wide depth")), float(q("wide width"))
        kappa = float(q("confinement"))

        def f(y):
            ya, yb = y.copy(), y.copy()
            ya[:, 0] -= a
            yb[:, 0] -= b
            return (-hs * np.exp(-np.sum(ya ** 2, 1) / (2 * ss ** 2))
                    - hw * np.exp(-np.sum(yb ** 2, 1) / (2 * sw ** 2))
                    + 0.5 * kappa * np.sum(y ** 2, 1))
        return f, box()
    if name == "saddle":
        c = float(q("confinement"))
        return (lambda y: y[:, 0] ** 2 - y[:, 1] ** 2 + c * np.sum(y[:, :2] ** 2, 1) ** 2
                + np.sum(y[:, 2:] ** 2, 1)), box()
    if name == "xy-model":
        n = int(q("spins"))
        J, h = float(q("coupling")), float(q("field"))
        bonds = [(i, i + 1) for i in range(n - 1)] + ([(n - 1, 0)] if q("topology") == "ring" else [])
        gauge = q("gauge fixing") == "true"

        def f(y):
            theta = np.hstack([np.zeros((len(y), 1)), y]) if gauge else y
            return (-J * sum(np.cos(theta[:, i] - theta[:, j]) for i, j in bonds)
                    - h * np.sum(np.cos(theta), 1))
        return f, (-math.pi * np.ones(d), math.pi * np.ones(d), np.ones(d, bool))
    raise ValueError("no numpy form of the landscape " + name)


def hopf_lax(f, x, t, domain, points=None):
    """min_y f(y) + |x − y|²/(2t) over the box (distances across the period
    on periodic axes) by brute force: a uniform grid of `points` per axis,
    then repeated zooming (41 points per axis on ±2 cells) around the best
    grid point of every basin within the grid's error of the minimum.
    Returns (value, [argmins]): all minimisers found within 1e-9 of the
    minimum (two or more on a kink)."""
    lower, upper, periodic = domain
    x = np.asarray(x, float)
    d = len(x)
    points = points or {1: 400001, 2: 2001, 3: 161}[d]
    length = upper - lower

    def g(y):
        r = x - y
        r = np.where(periodic, r - length * np.round(r / length), r)
        return f(y) + np.sum(r ** 2, 1) / (2 * t)

    def grid(lo, hi, n):
        axes = [np.linspace(lo[k], hi[k], n) for k in range(d)]
        return np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], 1)

    y = grid(lower, upper, points)
    values = g(y)
    spacing = np.max(length) / (points - 1)
    # Candidates: grid points near the minimum, one per basin (further than
    # 20 cells from every better one).
    order = np.argsort(values)
    margin = 1e-3 + 10 * spacing ** 2 / t
    seeds = []
    for i in order:
        if values[i] > values[order[0]] + margin or len(seeds) > 20:
            break
        if all(np.max(np.abs(y[i] - s)) > 20 * spacing for s in seeds):
            seeds.append(y[i])
    found = []
    for s in seeds:
        width = 2 * spacing
        best = s
        for _ in range(30):
            lo = np.where(periodic, best - width, np.maximum(best - width, lower))
            hi = np.where(periodic, best + width, np.minimum(best + width, upper))
            z = grid(lo, hi, 41)
            v = g(z)
            best = z[np.argmin(v)]
            width *= 0.25
        found.append((float(g(best[None, :])[0]), best))
    value = min(v for v, _ in found)
    return value, [y for v, y in found if v <= value + 1e-9]


def cole_hopf(f, x, t, eps, spacing=0.004):
    """The whole-space viscous HJ solution u(x, t) = −ε log ∫ G_εt(x − y)
    e^{−f(y)/ε} dy (G_εt the Gaussian of covariance εt I) by the midpoint
    rule on a grid of `spacing` over the window |y − x|_∞ ≤ 10√(εt) + 0.2,
    outside which the Gaussian factor is below e^{−50}; the exponent is
    shifted by its minimum so that nothing underflows."""
    x = np.asarray(x, float)
    d = len(x)
    half = 10 * np.sqrt(eps * t) + 0.2
    axes = [np.arange(x[k] - half, x[k] + half + spacing, spacing) for k in range(d)]
    y = np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], 1)
    E = f(y) / eps + np.sum((x - y) ** 2, 1) / (2 * eps * t)
    m = E.min()
    integral = np.sum(np.exp(m - E)) * spacing ** d / (2 * np.pi * eps * t) ** (d / 2)
    return eps * (m - np.log(integral))


def gaussian_jko_iterates(m, s, a, beta, tau, steps):
    """The exact JKO steps (SCIENCE.md §5) for f = a x²/2 in 1-D from
    N(m, s²): [(m_k, s_k)] for k = 0..steps, m_{k+1} = m_k/(1 + τa), s_{k+1}
    the positive root of (a + 1/τ)s² − (s_k/τ)s − β⁻¹ = 0."""
    iterates = [(m, s)]
    for _ in range(steps):
        m = m / (1 + tau * a)
        A, B, C = a + 1 / tau, -s / tau, -1 / beta
        s = (-B + math.sqrt(B * B - 4 * A * C)) / (2 * A)
        iterates.append((m, s))
    return iterates
