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
