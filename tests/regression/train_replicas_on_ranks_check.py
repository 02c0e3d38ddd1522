"""Parle with replicas on 2 MPI ranks against the same run on one rank
(replicas on threads), which run_test.py has made: the 2-rank run must
spread the replicas (2 per rank, said on stdout) and give the same
numbers bit for bit: diagnostics.csv byte for byte, summary.json equal in
every figure (provenance.json says the rank counts). No tolerance: the arithmetic is the same
operations in the same order on both sides (OPENBLAS_NUM_THREADS=1 on
both)."""
import json
import os
import subprocess
import sys

one_rank = sys.argv[1]
prm = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_replicas_on_ranks.prm")
two_ranks = one_rank + "-2-ranks"
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
done = subprocess.run(["mpirun", "--oversubscribe", "-np", "2", os.environ["RELAX"], prm,
                       "--set", "output directory=" + two_ranks],
                      capture_output=True, text=True, env=env, timeout=600)
sys.stdout.write(done.stdout + done.stderr)
failures = 0


def check(ok, text):
    global failures
    print(("ok: " if ok else "FAIL: ") + text)
    failures += not ok


check(done.returncode == 0, "the 2-rank run exits 0")
check("4 replicas on 2 ranks" in done.stdout, "the 2-rank run spreads the replicas over the ranks")
with open(os.path.join(one_rank, "diagnostics.csv")) as a, open(os.path.join(two_ranks, "diagnostics.csv")) as b:
    rows_a, rows_b = a.read(), b.read()
check(rows_a == rows_b, "diagnostics.csv identical on 1 and 2 ranks (%d rows)" % (rows_a.count("\n") - 1))
with open(os.path.join(one_rank, "summary.json")) as a, open(os.path.join(two_ranks, "summary.json")) as b:
    summary_a, summary_b = json.load(a), json.load(b)
ranks = []
for folder in (one_rank, two_ranks):
    with open(os.path.join(folder, "provenance.json")) as f:
        ranks.append(json.load(f)["mpi ranks"])
check(ranks == [1, 2], "mpi ranks %s" % (ranks,))
check(summary_a == summary_b, "summary.json identical on 1 and 2 ranks (final loss %r, replica spread %r)"
      % (summary_a.get("final loss"), summary_a.get("final replica spread")))
sys.exit(1 if failures else 0)
