"""Renders the standard view of a small run of every solver with
scripts/paraview/render.py and checks each PNG: it exists, has the size asked
for, and is a picture rather than a blank window (many distinct colours, a
good part of it differing from the background).

Exits with 77 (ctest's skip) and says why when pvpython is not available
(scripts/paraview/setup installs it).

Usage: render_test.py --relax BUILD/relax --work FOLDER
"""

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from png_reader import read_png  # noqa: E402

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PVPYTHON = os.path.join(SOURCE, "scripts", "paraview", "pvpython")
RENDER = os.path.join(SOURCE, "scripts", "paraview", "render.py")
SIZE = (480, 360)

# (run name, parameter file, overrides): every solver, and 1-D, 2-D and 3-D.
RUNS = [
    ("landscape_2d", "landscape_saddle.prm", ["Mesh/refinement=4"]),
    ("landscape_3d", "landscape_xy3.prm", ["Mesh/refinement=3"]),
    ("landscape_1d", "landscape_parsed.prm", ["dimension=1", "Mesh/refinement=5"]),
    ("heat", "heat_gaussian.prm", ["Mesh/refinement=4"]),
    ("fokker_planck", "fp_nonequilibrium.prm", ["Mesh/refinement=4"]),
    ("hj_viscous", "hj_viscous_saddle.prm", ["Mesh/refinement=4"]),
    ("hj_inviscid", "hj_inviscid_sharp_wide.prm", ["Mesh/refinement=4"]),
]

# A blank or failed render is one or two colours; a colour-mapped field with
# a colour bar and a title has hundreds.
MIN_COLOURS = 64
# The share of pixels unlike the background: a field covers a good part of a
# 2-D or 3-D view (more than half in 2-D, a sixth for the slice of a 3-D
# box); a line plot on a white chart covers little, but more than its axes.
MIN_COVERED = {"line plot": 0.02, "field": 0.1}


def check_png(path, kind):
    """A list of what is wrong with the picture at `path` (empty: fine)."""
    if not os.path.exists(path):
        return ["no PNG written"]
    width, height, rows = read_png(path, pixels=True)
    problems = []
    if (width, height) != SIZE:
        problems.append("size %dx%d, asked for %dx%d" % (width, height, SIZE[0], SIZE[1]))
    pixels = [p for row in rows for p in row]
    colours = len(set(pixels))
    background = rows[0][0]
    covered = sum(p != background for p in pixels) / len(pixels)
    if colours < MIN_COLOURS:
        problems.append("%d distinct colours (< %d): blank?" % (colours, MIN_COLOURS))
    if covered < MIN_COVERED[kind]:
        problems.append("%.3f of the pixels differ from the background (< %g)" % (covered, MIN_COVERED[kind]))
    print("  %s: %dx%d, %d colours, %.3f unlike the background" % (path, width, height,
                                                                  colours, covered))
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relax", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    available = subprocess.run([PVPYTHON, "--check"], stderr=subprocess.PIPE, text=True)
    if available.returncode != 0:
        print("SKIPPED: " + available.stderr.strip())
        return 77

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    folders, commands = [], []
    for name, prm, overrides in RUNS:
        folders.append(os.path.join(args.work, name))
        commands.append([args.relax, os.path.join(SOURCE, "params", prm), "--set", "output directory=" + folders[-1]])
        for setting in overrides:
            commands[-1] += ["--set", setting]
    # Two runs at a time (the test asks ctest for two processors).
    for first in range(0, len(commands), 2):
        batch = [(c, subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
                 for c in commands[first:first + 2]]
        for command, run in batch:
            output = run.communicate()[0]
            if run.returncode != 0:
                print(" ".join(command) + "\n" + output)
                return 1

    # A solver render.py has no view for renders the first array of its
    # first .pvd: a copy of the heat run that names another solver.
    generic = os.path.join(args.work, "unknown_solver")
    shutil.copytree(os.path.join(args.work, "heat"), generic)
    prm = os.path.join(generic, "parameters.prm")
    with open(prm) as file:
        lines = ["set solver = not-a-solver\n" if line.split()[:2] == ["set", "solver"] else line
                 for line in file]
    with open(prm, "w") as file:
        file.writelines(lines)
    folders.append(generic)

    # One pvpython for every run (it starts slowly), and one --out.
    out = os.path.join(args.work, "heat_view.png")
    size = ["--size", str(SIZE[0]), str(SIZE[1])]
    for command in ([PVPYTHON, RENDER] + folders + size, [PVPYTHON, RENDER, folders[3], "--out", out] + size):
        render = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print("\n".join(line for line in render.stdout.splitlines() if line.startswith("render.py")))
        if render.returncode != 0:
            print(" ".join(command) + " failed:\n" + render.stdout)
            return 1

    failures = 0
    pictures = [(os.path.join(f, "standard_view.png"), n) for f, n in zip(folders, [r[0] for r in RUNS] + ["unknown"])]
    for path, name in pictures + [(out, "heat")]:
        problems = check_png(path, "line plot" if name.endswith("_1d") else "field")
        for problem in problems:
            print("FAIL %s: %s" % (path, problem))
        failures += len(problems)
    print("%d PNGs checked, %d problems" % (len(pictures) + 1, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
