"""The figures of a train run with a `Claim` (SCIENCE.md §1, §8): each
measured value must lie within 4 of its Monte Carlo standard errors of the
closed form the run states beside it (a normal beyond 4: 6e-5 per figure).
The closed forms themselves are tested against values computed from the
model's data in tests/unit/claims.cc; this checks the shipped parameter
files measure them."""
import json
import os
import sys

folder = sys.argv[1]
with open(os.path.join(folder, "summary.json")) as f:
    summary = json.load(f)
failures = 0
print("claim %s on %s" % (summary["claim"], summary["model"]))
for figure in summary["figures"]:
    m, e, se = figure["measured"], figure["expected"], figure["standard error"]
    deviation = abs(m - e) / se if se > 0 else float("inf")
    ok = se > 0 and deviation < 4
    failures += not ok
    print("%s %s: measured %.6g +- %.2g, expected %.6g (%.2f standard errors)"
          % ("ok:" if ok else "FAIL:", figure["name"], m, se, e, deviation))
sys.exit(1 if failures else 0)
