#!/usr/bin/env python3
"""Runs `relax verify --quick` and checks its report: the run completes with
exit code 0, report.json has status `complete` and a row for every claim
the science notes list (SCIENCE.md §2-§8, the list below, written here and
not read from relax), every claim ran and passed, and every plot is a PNG that decodes: signature,
chunk CRCs, IHDR, and IDAT inflating to height * (1 + width * bytes per
pixel) bytes with more than one distinct byte (not a blank image).

Usage: verify_test.py --relax BUILD/relax --work FOLDER
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from png_reader import read_png  # noqa: E402

# Every claim of the issue, by the id relax gives its row.
RAN = [
    "local-entropy-wide-minima",        # §2
    "hopf-lax-proximal-point",          # §3
    "potential-vs-f",                   # §4: Φ = f iff D isotropic
    "stationary-flux-divergence-free",  # §4: div(ρ_ss j) = 0
    "leftover-field-divergence",        # §4: where div j = 0 holds
    "kl-lyapunov",                      # §4-§5: KL Lyapunov for any D
    "closed-orbits-of-j",               # §4: limit cycles of ẋ = j
    "jko-converges-to-fokker-planck",   # §5: JKO -> FP at order 1
    "heat-is-entropy-gradient-flow",    # §5: heat = W2 flow of -H
    "sgd-histogram-is-rho-ss",          # §1/§4: SGD histogram against ρ_ss
    "gradient-noise-tail-index",        # §1: heavy tails
    "two-temperatures",                 # §8
    "loss-slope-in-learning-rate",      # §8: dL/dη at 0 = ¼E|g_i|²
    "temperature-batch-scaling",        # §8: β⁻¹ ∝ η/b, (1 - b/N)
]
# Claims a report may list without running them (none today).
NOT_WIRED = []

failures = []


def check(ok, text):
    print(("ok: " if ok else "FAIL: ") + text)
    if not ok:
        failures.append(text)


def png_problem(path):
    """None if `path` is a PNG that decodes and is not blank, else what is wrong."""
    try:
        width, height, raw = read_png(path)
    except ValueError as error:
        return str(error)
    if width < 400 or height < 300:
        return "too small: %d x %d" % (width, height)
    if len(set(raw)) < 3:
        return "blank image"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relax", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    out = os.path.join(args.work, "verify")
    run = subprocess.run([args.relax, "verify", "--quick", "--output", out], cwd=args.work,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail = run.stdout.splitlines()[-25:]
    print("\n".join(tail))
    check(run.returncode == 0, "relax verify --quick exits with 0 (got %d)" % run.returncode)
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    check(report["status"] == "complete", "report status is complete (%s)" % report["status"])
    check(report["mode"] == "quick", "quick mode recorded")
    rows = {row["id"]: row for row in report["claims"]}
    with open(os.path.join(out, "report.md")) as f:
        markdown = f.read()
    for claim in RAN:
        row = rows.get(claim)
        check(row is not None, "report has claim %s" % claim)
        if row is None:
            continue
        check(row["ran"] and row["pass"], "%s ran and passed: %s (expected %s)"
              % (claim, row["measured"], row["expected"]))
        check(row["source"].startswith("SCIENCE.md §"), "%s names its source" % claim)
        plot = os.path.join(out, row["plot"]) if row["plot"] else None
        problem = png_problem(plot) if plot and os.path.exists(plot) else "missing plot %r" % row["plot"]
        check(problem is None, "%s: plot %s is a valid PNG%s"
              % (claim, row["plot"], "" if problem is None else " (%s)" % problem))
        check('id="%s"' % claim in markdown, "report.md has a section for %s" % claim)
    for claim in NOT_WIRED:
        row = rows.get(claim)
        check(row is not None and not row["ran"] and not row["pass"],
              "report lists %s as not run (not yet wired)" % claim)
    extra = set(rows) - set(RAN) - set(NOT_WIRED)
    check(not extra, "no unexpected rows (%s)" % ", ".join(sorted(extra)))
    check(report["failed"] == 0 and report["not run"] == len(NOT_WIRED),
          "counts: %d passed, %d failed, %d not run" % (report["passed"], report["failed"], report["not run"]))
    print("relax verify --quick took %.0f s" % report["seconds"])
    sys.exit(1 if failures else 0)


main()
