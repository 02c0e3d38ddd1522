#!/usr/bin/env python3
"""Runs `relax` on one tests/regression/*.prm and checks what its `# TEST`
lines ask for. Each check compares a figure with a value written in the .prm
next to the reason it holds (a closed form, an independent computation, or
a verified earlier run), at a stated tolerance.

  # TEST ranks: N                     run under mpirun -np N
  # TEST args: ARG ...                extra command-line arguments (quoted
                                      as in a shell)
  # TEST file: NAME                   run NAME in place of this file
  # TEST summary: KEY = VALUE +- TOL  summary.json figure (KEY a path a/b/0/c)
  # TEST at most: KEY <= VALUE        summary figure bounded above
  # TEST at least: KEY >= VALUE       summary figure bounded below
  # TEST check: SCRIPT.py [ARG...]     python3 SCRIPT.py RUN_FOLDER [ALSO...]
                                      [ARG...] exits 0 (closed forms computed
                                      independently); ALSO the run folders
                                      of the also-run tags, in order; $RELAX
                                      is the binary, for scripts that run
                                      variants of the run themselves
  # TEST also-run: LABEL ARG ...       run the same file again with ARGs
                                      (e.g. --set solver=fokker-planck),
                                      for a check script that compares two
                                      solvers on one problem
  # TEST vtk: FILE.pvd STEP SPEC ...  vtk_check on a .pvd of the run folder
  # TEST compare-ranks: N             summary and fields on N ranks equal
                                      those on 1
                                      (to 1e-7 relative and 1e-10 absolute:
                                      the linear solvers stop at 1e-12 of
                                      the residual, AMG differs with the
                                      partition, and figures such as a
                                      mass drift are round-off)
  # TEST resume-after: K              stop after K steps, --resume, and end
                                      as an uninterrupted run (diagnostics)
  # TEST convergence: PATH [=] v1 v2 ... ; KEY ; ORDER +- TOL [; SIZE]
                                      rerun with --set PATH=v_i; the orders
                                      log(e_i/e_i+1)/log(h_i/h_i+1) of
                                      summary KEY against summary "h" (or
                                      against v_i when SIZE is "value"):
                                      the finest pair's within TOL of
                                      ORDER, no other below ORDER - TOL
  # TEST expect-error: TEXT           exit code 2, one line on stderr that
                                      names the file, contains TEXT, and no
                                      summary.json is left behind
  # TEST error-line: N                ... and names line N of the file
  # TEST expect-failure: TEXT         exit code 1 (a run that failed), TEXT
                                      on stderr, no summary.json
  # TEST compare-variant: PATH=VALUE ; KEY ; TOL
                                      the run again with --set PATH=VALUE:
                                      every number under summary KEY
                                      (other than the method's own figures)
                                      agrees within TOL (the variant may be
                                      untrusted, exit 4, elsewhere)
  # TEST resume-mismatch: PATH=VALUE  after a run, --resume --set PATH=VALUE
                                      must be refused (exit 2)
  # TEST untrusted: TEXT              the run completes but fails a trust
                                      check: exit code 4 (for every run of
                                      the file), provenance status
                                      "complete, untrusted: ..." containing
                                      TEXT, a warning on stderr naming it,
                                      and summary trust/trusted false.
                                      Without this tag every run must exit
                                      0 with status "complete".
"""
import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys

failures = []

# The exit code every complete run of the file must give: 0, or 4 for a
# file tagged `untrusted`.
COMPLETE_CODE = 0

# The system's Python, which has Debian's numpy (python3-numpy), for the
# check scripts.
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def tags(prm):
    result = []
    with open(prm) as f:
        for line in f:
            line = line.strip()
            if line.startswith("# TEST "):
                key, _, value = line[len("# TEST "):].partition(":")
                result.append((key.strip(), value.strip()))
    return result


def run(relax, prm, workdir, ranks=1, args=(), expect_code="complete"):
    if expect_code == "complete":
        expect_code = COMPLETE_CODE
    os.makedirs(workdir, exist_ok=True)
    command = [relax, prm] + list(args)
    if ranks > 1:
        command = ["mpirun", "--oversubscribe", "-np", str(ranks)] + command
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")
    print("$ (cd %s && %s)" % (workdir, " ".join(command)))
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=1200)
    sys.stdout.write(done.stdout)
    sys.stdout.write(done.stderr)
    if expect_code is not None and done.returncode != expect_code:
        fail("exit code %d, expected %d" % (done.returncode, expect_code))
    return done


def split_arguments(text):
    """Shell-like words: --set "Optimiser/learning rate=0.1" keeps its spaces."""
    import shlex
    return shlex.split(text)


def folder(workdir, prm):
    return os.path.join(workdir, "output", os.path.splitext(os.path.basename(prm))[0])


def load_summary(path):
    try:
        with open(os.path.join(path, "summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        fail("no readable summary.json in %s (%s)" % (path, error))
        return {}


def lookup(summary, key):
    value = summary
    for part in key.split("/"):
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(key)
    return value


def check_value(name, value, expected, tolerance):
    ok = isinstance(value, (int, float)) and abs(value - expected) <= tolerance
    print("%s %s = %r, expected %r +- %g" % ("ok:" if ok else "FAIL:", name, value,
                                              expected, tolerance))
    if not ok:
        failures.append(name)


def numbers(value, prefix=""):
    """Every number in a JSON value, by path."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: value}
    out = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(numbers(v, prefix + "/" + k if prefix else k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(numbers(v, "%s/%d" % (prefix, i)))
    return out


def same_numbers(a, b, what, relative=1e-9, absolute=1e-12):
    na, nb = numbers(a), numbers(b)
    if set(na) != set(nb):
        fail("%s: different keys %s" % (what, sorted(set(na) ^ set(nb))))
        return
    worst = 0.0
    for key in na:
        difference = abs(na[key] - nb[key])
        if difference > absolute + relative * max(abs(na[key]), abs(nb[key])):
            fail("%s: %s is %r and %r" % (what, key, na[key], nb[key]))
        worst = max(worst, difference)
    print("%s: %d numbers agree (largest difference %.3g)" % (what, len(na), worst))


def read_csv(path):
    with open(path) as f:
        lines = f.read().split("\n")
    header = lines[0].split(",")
    rows = [[float(x) for x in line.split(",")] for line in lines[1:] if line]
    return header, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relax", required=True)
    parser.add_argument("--vtk-check", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("prm")
    options = parser.parse_args()
    options.relax = os.path.abspath(options.relax)
    options.vtk_check = os.path.abspath(options.vtk_check)
    prm = os.path.abspath(options.prm)
    work = options.work
    shutil.rmtree(work, ignore_errors=True)

    test = tags(prm)
    settings = dict(test)
    ranks = int(settings.get("ranks", "1"))
    args = shlex.split(settings.get("args", ""))

    if "file" in settings:
        prm = os.path.join(os.path.dirname(prm), settings["file"])
    if "expect-error" in settings:
        done = run(options.relax, prm, work, ranks, args, expect_code=2)
        lines = [l for l in done.stderr.split("\n") if l.strip()]
        message = lines[0] if lines else ""
        if len(lines) != 1:
            fail("expected one line on stderr, got %d" % len(lines))
        if settings["expect-error"] not in message:
            fail("stderr does not contain %r" % settings["expect-error"])
        if "error-line" in settings:
            where = "%s:%s:" % (prm, settings["error-line"])
            if where not in message:
                fail("stderr does not name %r" % where)
        if os.path.exists(os.path.join(folder(work, prm), "summary.json")):
            fail("a failed run left a summary.json")
        return

    if "expect-failure" in settings:
        done = run(options.relax, prm, work, ranks, args, expect_code=1)
        if settings["expect-failure"] not in done.stderr:
            fail("stderr does not contain %r" % settings["expect-failure"])
        if os.path.exists(os.path.join(folder(work, prm), "summary.json")):
            fail("a failed run left a summary.json")
        with open(os.path.join(folder(work, prm), "provenance.json")) as f:
            status = json.load(f)["status"]
        if not status.startswith("failed: "):
            fail("provenance.json says %r, not failed" % status)
        return

    global COMPLETE_CODE
    COMPLETE_CODE = 4 if "untrusted" in settings else 0
    done = run(options.relax, prm, work, ranks, args)
    run_folder = folder(work, prm)
    summary = load_summary(run_folder)
    with open(os.path.join(run_folder, "provenance.json")) as f:
        status = json.load(f)["status"]
    if "untrusted" in settings:
        text = settings["untrusted"]
        ok = (status.startswith("complete, untrusted: ") and text in status
              and ("relax: warning: untrusted: " + text) in done.stderr
              and summary.get("trust", {}).get("trusted") is False)
        print("%s untrusted as expected: %s" % ("ok:" if ok else "FAIL:", status))
        if not ok:
            failures.append("untrusted")
    elif status != "complete":
        fail("provenance.json says %r, not complete" % status)
    also = []
    for key, value in test:
        if key == "also-run":
            label, *extra = value.split(" ", 1)
            extra_args = [] if not extra else split_arguments(extra[0])
            other = os.path.join(work, "also-" + label)
            run(options.relax, prm, other, ranks, args + extra_args)
            also.append(folder(other, prm))

    for key, value in test:
        if key == "summary":
            name, _, rest = value.rpartition("=")
            expected, _, tolerance = rest.partition("+-")
            name = name.strip()
            try:
                check_value(name, lookup(summary, name), float(expected),
                            float(tolerance))
            except (KeyError, IndexError, ValueError):
                fail("summary.json has no %r" % name)
        elif key in ("at most", "at least"):
            name, _, bound = value.rpartition("<=" if key == "at most" else ">=")
            name = name.strip()
            try:
                figure = lookup(summary, name)
                ok = figure <= float(bound) if key == "at most" else figure >= float(bound)
                print("%s %s = %r, %s %s" % ("ok:" if ok else "FAIL:", name, figure,
                                             "<=" if key == "at most" else ">=", bound.strip()))
                if not ok:
                    failures.append(name)
            except (KeyError, IndexError, TypeError, ValueError):
                fail("summary.json has no number %r" % name)
        elif key == "check":
            words = value.split()
            script = os.path.join(os.path.dirname(os.path.abspath(options.prm)), words[0])
            # RELAX names the binary for scripts that run further variants.
            checked = subprocess.run([SYSTEM_PYTHON, script, run_folder] + also + words[1:],
                                     capture_output=True, text=True,
                                     env=dict(os.environ, RELAX=options.relax,
                                              OMPI_ALLOW_RUN_AS_ROOT="1",
                                              OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1"))
            sys.stdout.write(checked.stdout + checked.stderr)
            if checked.returncode != 0:
                fail("check " + value)
        elif key == "vtk":
            words = value.split()
            command = [options.vtk_check, os.path.join(run_folder, words[0])] + words[1:]
            checked = subprocess.run(command, capture_output=True, text=True)
            sys.stdout.write(checked.stdout + checked.stderr)
            if checked.returncode != 0:
                fail("vtk_check " + value)
        elif key == "compare-ranks":
            other = os.path.join(work, "ranks")
            run(options.relax, prm, other, int(value), args)
            same_numbers(summary, load_summary(folder(other, prm)),
                         "summary on 1 and %s ranks" % value, relative=1e-7,
                         absolute=1e-10)
            diagnostics = os.path.join(run_folder, "diagnostics.csv")
            if os.path.exists(diagnostics):
                header_a, rows_a = read_csv(diagnostics)
                header_b, rows_b = read_csv(os.path.join(folder(other, prm), "diagnostics.csv"))
                # Iteration counts of AMG depend on the partition.
                keep = [i for i, name in enumerate(header_a) if name != "linear iterations"]
                same_numbers([[r[i] for i in keep] for r in rows_a],
                             [[r[i] for i in keep] for r in rows_b],
                             "diagnostics on 1 and %s ranks" % value, relative=1e-7,
                             absolute=1e-10)
            # The fields, point by point (32-bit floats in the files).
            for name in sorted(os.listdir(run_folder)):
                if name.endswith(".pvd"):
                    command = [options.vtk_check, "--compare",
                               os.path.join(run_folder, name),
                               os.path.join(folder(other, prm), name), "last", "1e-6",
                               "1e-10"]
                    checked = subprocess.run(command, capture_output=True, text=True)
                    sys.stdout.write(checked.stdout + checked.stderr)
                    if checked.returncode != 0:
                        fail("fields of %s on 1 and %s ranks differ" % (name, value))
        elif key == "resume-after":
            other = os.path.join(work, "resumed")
            run(options.relax, prm, other, ranks,
                args + ["--set", "Time/stop after steps=" + value], expect_code=3)
            if os.path.exists(os.path.join(folder(other, prm), "summary.json")):
                fail("the interrupted run left a summary.json")
            run(options.relax, prm, other, ranks, args + ["--resume"])
            header_a, rows_a = read_csv(os.path.join(run_folder, "diagnostics.csv"))
            header_b, rows_b = read_csv(os.path.join(folder(other, prm), "diagnostics.csv"))
            if header_a != header_b or len(rows_a) != len(rows_b):
                fail("resumed diagnostics have another shape")
            else:
                same_numbers(rows_a, rows_b, "diagnostics, uninterrupted and resumed",
                             relative=1e-9)
            same_numbers(summary, load_summary(folder(other, prm)),
                         "summary, uninterrupted and resumed", relative=1e-9)
        elif key == "compare-variant":
            setting, key_name, tolerance = [x.strip() for x in value.split(";")]
            other = os.path.join(work, "variant")
            # The variant is another method on the same problem, compared
            # on the figures under KEY only: it may be untrusted elsewhere
            # (e.g. Cole–Hopf's v below round-off far from the probes),
            # which is printed, not failed.
            done_variant = run(options.relax, prm, other, ranks, args + ["--set", setting], expect_code=None)
            if done_variant.returncode not in (0, 4):
                fail("the variant run exited with %d" % done_variant.returncode)
            elif done_variant.returncode == 4:
                print("note: the variant run is untrusted (its figures under %s are compared all the same)" % value.split(";")[1].strip())
            variant = load_summary(folder(other, prm))
            try:
                a, b = numbers(lookup(summary, key_name)), numbers(lookup(variant, key_name))
            except (KeyError, IndexError):
                fail("summary.json has no %r" % key_name)
                continue
            # Differences from the reference are the methods' own errors.
            keep = [k for k in a if "error" not in k]
            worst = max(abs(a[k] - b[k]) for k in keep)
            ok = worst <= float(tolerance) and set(a) == set(b)
            print("%s %s with %s: %d numbers agree within %.3g (largest difference %.3g)"
                  % ("ok:" if ok else "FAIL:", key_name, setting, len(keep), float(tolerance), worst))
            if not ok:
                failures.append("compare-variant")
        elif key == "resume-mismatch":
            done = run(options.relax, prm, work, ranks,
                       args + ["--resume", "--set", value], expect_code=2)
            if "--resume" not in done.stderr:
                fail("the refusal does not mention --resume")
        elif key == "convergence":
            fields = [x.strip() for x in value.split(";")]
            setting, key_name, order_text = fields[:3]
            against_value = len(fields) > 3 and fields[3] == "value"
            if "=" in setting:  # a path with spaces: "Time/time step = 0.1 0.05"
                path, _, rest = setting.partition("=")
                path, values = path.strip(), rest.split()
            else:
                path, *values = setting.split()
            expected, _, tolerance = order_text.partition("+-")
            results = []
            for v in values:
                other = os.path.join(work, "convergence-" + v)
                run(options.relax, prm, other, ranks, args + ["--set", path + "=" + v])
                s = load_summary(folder(other, prm))
                results.append((float(v) if against_value else s["h"],
                                lookup(s, key_name)))
            if any(not (e > 0) for _, e in results):
                fail("a %s of zero or less in %s" % (key_name, results))
                return
            print("%-12s %-14s %s" % ("h", key_name, "order"))
            for i, (h, e) in enumerate(results):
                order = "" if i == 0 else "%.3f" % (
                    math.log(results[i - 1][1] / e) / math.log(results[i - 1][0] / h))
                print("%-12.5g %-14.5g %s" % (h, e, order))
            # The finest pair measures the order; coarser pairs, still
            # pre-asymptotic, must not fall below it.
            for i in range(1, len(results)):
                order = math.log(results[i - 1][1] / results[i][1]) / math.log(
                    results[i - 1][0] / results[i][0])
                if i == len(results) - 1:
                    check_value("order on the finest meshes", order,
                                float(expected), float(tolerance))
                elif order < float(expected) - float(tolerance):
                    fail("order %.3f on the coarser meshes %d is below %s - %s"
                         % (order, i, expected, tolerance))


if __name__ == "__main__":
    main()
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
