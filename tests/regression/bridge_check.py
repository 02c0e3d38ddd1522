"""The bridge between SGD and the Fokker-Planck equation (SCIENCE.md §1, §4).

Arguments: pairs of run folders (train, fokker-planck), one pair per
learning rate, largest first. For each pair: the histogram of SGD iterates
(histogram.csv, the fraction of iterates per cell) against the mass of the
steady state rho_ss of the Fokker-Planck equation with D(w) from the same
data and beta = 2b/eta, per cell (rho_ss at the cell centre, from the
fokker-planck run's VTK output, times the cell volume, normalised over the
cells); total variation 1/2 sum |p - q| and KL(p || q). Then: the gap must
shrink as eta decreases; at the largest eta the mean and covariance of the
iterates must agree with those of rho_ss; the histogram must be closer to
rho_ss ~ exp(-beta Phi) than to exp(-beta f/d), the steady state for an
isotropic D = d I of the same mean eigenvalue (the anisotropy and variation
of D make them differ), in total variation and in the mean; and the most likely location of SGD
(the fullest cell of the histogram smoothed over a few cells, as rho_ss is
flat at its top) must sit nearer the argmax of rho_ss (the minimiser of Phi)
than the minimiser of f.

Options (after the folders): --tv-max X --kl-max X --mean-tol X
--smoothing-cells X.
"""
import json
import math
import os
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import vtk
from vtk.util.numpy_support import numpy_to_vtk, vtk_to_numpy


def load(folder):
    with open(os.path.join(folder, "summary.json")) as f:
        return json.load(f)


def steady_state_reader(folder):
    pvd = ElementTree.parse(os.path.join(folder, "steady_state.pvd"))
    last = pvd.getroot().findall(".//DataSet")[-1].get("file")
    reader = vtk.vtkXMLPUnstructuredGridReader()
    reader.SetFileName(os.path.join(folder, last))
    reader.Update()
    return reader


def field_at(reader, points, name):
    cloud = vtk.vtkPolyData()
    pts = vtk.vtkPoints()
    pts.SetData(numpy_to_vtk(np.ascontiguousarray(points), deep=True))
    cloud.SetPoints(pts)
    probe = vtk.vtkProbeFilter()
    probe.SetInputData(cloud)
    probe.SetSourceConnection(reader.GetOutputPort())
    probe.Update()
    out = probe.GetOutput()
    valid = vtk_to_numpy(out.GetPointData().GetArray("vtkValidPointMask"))
    values = vtk_to_numpy(out.GetPointData().GetArray(name))
    return np.where(valid > 0, values, np.nan)


def compare(train_folder, fp_folder):
    train, fp = load(train_folder), load(fp_folder)
    table = np.loadtxt(os.path.join(train_folder, "histogram.csv"), delimiter=",", skiprows=1)
    centres, p = table[:, :-1], table[:, -1]
    p = p / p.sum()
    points = np.zeros((len(p), 3))
    points[:, : centres.shape[1]] = centres
    reader = steady_state_reader(fp_folder)
    q = np.maximum(np.nan_to_num(field_at(reader, points, "rho_ss")), 0.0)
    q = q / q.sum()
    # The steady state for an isotropic constant D = d I with d the mean
    # eigenvalue of D at the end of training (near the minimiser):
    # exp(-beta f / d). What anisotropy and variation of D change is the
    # difference between it and rho_ss.
    f = field_at(reader, points, "f")
    D = np.array(train["noise"]["D exact"])
    d = np.trace(D.reshape(2, 2)) / 2
    gibbs = np.exp(-fp["inverse temperature"] * (f - np.nanmin(f)) / d)
    gibbs = np.nan_to_num(gibbs) / np.nansum(gibbs)
    tv = 0.5 * np.abs(p - q).sum()
    mask = p > 0
    kl = float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], 1e-300))))
    # The same temperature on both sides: beta = 2b/eta (/(1 - b/N)).
    assert abs(train["inverse temperature"] - fp["inverse temperature"]) < 1e-9 * fp["inverse temperature"], \
        "train's beta %r differs from fokker-planck's %r" % (train["inverse temperature"], fp["inverse temperature"])
    return train, fp, tv, kl, 0.5 * np.abs(p - gibbs).sum(), centres, p, q, gibbs


def smoothed_mode(centres, p, cells):
    """The centre of the fullest cell of p smoothed by a Gaussian of `cells`
    cells' width (p on a uniform grid, x fastest)."""
    xs, ys = np.unique(centres[:, 0]), np.unique(centres[:, 1])
    grid = p.reshape(len(ys), len(xs))
    k = np.arange(-4 * cells, 4 * cells + 1)
    kernel = np.exp(-0.5 * (k / cells) ** 2)
    kernel /= kernel.sum()
    smooth = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, grid)
    smooth = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 0, smooth)
    j, i = np.unravel_index(np.argmax(smooth), smooth.shape)
    return np.array([xs[i], ys[j]])


folders, options = [], {}
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a.startswith("--"):
        options[a[2:]] = float(args.pop(0))
    else:
        folders.append(a)
tv_max = options.get("tv-max", 0.1)
kl_max = options.get("kl-max", 0.05)
mean_tol = options.get("mean-tol", 0.05)

failures = []


def check(ok, text):
    print(("ok: " if ok else "FAIL: ") + text)
    if not ok:
        failures.append(text)


results = []
for train_folder, fp_folder in zip(folders[0::2], folders[1::2]):
    train, fp, tv, kl, tv_gibbs, centres, p, q, gibbs = compare(train_folder, fp_folder)
    eta = train["learning rate"]
    print("eta %g, b %d (beta %g): TV %.4f, KL %.4f; TV to exp(-beta f/d) %.4f (SGD %d iterates kept)"
          % (eta, train["batch size"], fp["inverse temperature"], tv, kl, tv_gibbs,
             train["iterates"]["kept"]))
    results.append((eta, tv, kl, train, fp, tv_gibbs, centres, p, q, gibbs))

eta, tv, kl, train, fp, tv_gibbs, centres, p, q, gibbs = results[0]
check(tv < tv_max, "total variation %.4f < %g" % (tv, tv_max))
check(kl < kl_max, "KL %.4f < %g" % (kl, kl_max))
steady = fp["steady state"]
mean_sgd, mean_fp = np.array(train["iterates"]["mean"]), np.array(steady["mean"])
check(np.abs(mean_sgd - mean_fp).max() < mean_tol,
      "iterate mean %s vs rho_ss mean %s" % (mean_sgd, mean_fp))
cov_sgd, cov_fp = np.array(train["iterates"]["covariance"]), np.array(steady["covariance"])
check(np.abs(cov_sgd - cov_fp).max() < 0.25 * np.abs(cov_fp).max(),
      "iterate covariance %s vs rho_ss covariance %s (within 25 %% of the largest entry)"
      % (cov_sgd, cov_fp))
check(tv < tv_gibbs, "the histogram is closer to rho_ss (TV %.4f) than to exp(-beta f/d) (TV %.4f)"
      % (tv, tv_gibbs))
mean_gibbs = (gibbs[:, None] * centres).sum(axis=0)
check(np.linalg.norm(mean_sgd - mean_fp) < np.linalg.norm(mean_sgd - mean_gibbs),
      "the iterate mean is nearer that of rho_ss (%.4f) than that of exp(-beta f/d) %s (%.4f)"
      % (np.linalg.norm(mean_sgd - mean_fp), mean_gibbs, np.linalg.norm(mean_sgd - mean_gibbs)))
cells = options.get("smoothing-cells", 3)
mode = smoothed_mode(centres, p, cells)
mode_ss = smoothed_mode(centres, q, cells)
minimiser = np.array(train["minimiser of f"])
h = math.sqrt(train["iterates"]["cell volume"])
print("SGD's most likely location %s, argmax rho_ss (min Phi) %s (%s smoothed like SGD's), "
      "minimiser of f %s" % (mode, np.array(steady["argmax"]), mode_ss, minimiser))
check(np.linalg.norm(mode - mode_ss) < np.linalg.norm(mode - minimiser),
      "the mode of SGD is nearer the minimiser of Phi (%.3f) than that of f (%.3f)"
      % (np.linalg.norm(mode - mode_ss), np.linalg.norm(mode - minimiser)))
check(np.linalg.norm(mode_ss - minimiser) > h,
      "the minimiser of Phi is %.3f from that of f (more than a cell, %.3f)"
      % (np.linalg.norm(mode_ss - minimiser), h))
for (eta_a, tv_a, *_), (eta_b, tv_b, *_) in zip(results, results[1:]):
    check(eta_b < eta_a and tv_b < tv_a,
          "TV shrinks from %.4f (eta %g) to %.4f (eta %g)" % (tv_a, eta_a, tv_b, eta_b))
sys.exit(1 if failures else 0)
