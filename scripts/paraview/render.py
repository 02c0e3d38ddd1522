"""Renders the standard view of relax run folders to PNG, off-screen.

Usage (through the wrapper, which finds pvpython and a display):
  scripts/paraview/pvpython scripts/paraview/render.py RUN_FOLDER [--out PNG]
  scripts/paraview/pvpython scripts/paraview/render.py RUN_FOLDER... [--size W H]

Each run folder gets <RUN_FOLDER>/standard_view.png unless --out names the
file (one run folder only).  Several folders in one call share one pvpython
start, which takes longer than most renders.

The solver (from the run's parameters.prm) picks its standard view in
STANDARD_VIEWS: which .pvd to open, the field to colour by, and an optional
vector field drawn as arrows.  The last output step is shown: 2-D from above,
1-D as a line plot, 3-D as a slice through the middle in the box's outline.
A solver without an entry, or a run whose files do not match its entry,
still renders: the first point array of the last step of its first .pvd.
"""

import argparse
import math
import os
import sys

from paraview import simple as pv


class View:
    """One solver's standard view.

    series: the .pvd file's name without extension.
    field: the point array coloured.
    arrows: a vector point array drawn as arrows scaled by length, or None.
    arrows_from_points: the arrows go from each point x to arrows(x)
        (a map such as the proximal map) instead of along arrows(x).
    isolines: draw isolines of the field (2-D and 3-D views).
    """

    def __init__(self, series, field, arrows=None, arrows_from_points=False, isolines=False):
        self.series = series
        self.field = field
        self.arrows = arrows
        self.arrows_from_points = arrows_from_points
        self.isolines = isolines


# The first entry whose .pvd exists and holds the field is used.
STANDARD_VIEWS = {
    "landscape": [View("landscape", "f", arrows="grad_f", isolines=True)],
    "heat": [View("heat", "u")],
    # The steady density with the probability flux ρ_ss j (zero for a
    # gradient drift with D = I, circulating for a non-equilibrium one);
    # runs without a steady state show the density at the end time.
    "fokker-planck": [View("steady_state", "rho_ss", arrows="rho_ss_j"),
                      View("fokker_planck", "rho")],
    "hj-viscous": [View("hj_viscous", "u", arrows="grad_u")],
    # Arrows from x to its proximal point.
    "hj-inviscid": [View("hj_inviscid", "u", arrows="proximal_map", arrows_from_points=True)],
}

DEFAULT_SIZE = (1200, 900)
ARROWS = 400             # at most this many arrows
ARROW_LENGTH = 1 / 12    # the longest arrow, as a fraction of the domain's width
ISOLINES = 12            # isolines at this many quantiles of the field's values


def read_parameter(run_folder, name):
    """The value of top-level `set NAME = value` in the run's parameters.prm."""
    path = os.path.join(run_folder, "parameters.prm")
    if not os.path.exists(path):
        return None
    with open(path) as file:
        for line in file:
            words = line.split("#")[0].split("=", 1)
            if len(words) == 2 and words[0].split() == ["set", name]:
                return words[1].strip()
    return None


def last_time(reader):
    times = reader.TimestepValues
    if isinstance(times, (int, float)):
        return float(times)
    return float(times[-1]) if len(times) > 0 else 0.0


def open_series(run_folder, series, time=None):
    """The reader of <series>.pvd updated to its last step (or `time`)."""
    reader = pv.PVDReader(FileName=os.path.join(run_folder, series + ".pvd"))
    t = last_time(reader) if time is None else time
    reader.UpdatePipeline(t)
    return reader, t


def point_arrays(reader):
    return [reader.PointData.GetArray(i).GetName()
            for i in range(reader.PointData.GetNumberOfArrays())]


def choose_view(run_folder, solver):
    """(View, reader, time): the solver's standard view, else the generic one."""
    for view in STANDARD_VIEWS.get(solver, []):
        if os.path.exists(os.path.join(run_folder, view.series + ".pvd")):
            reader, time = open_series(run_folder, view.series)
            arrays = point_arrays(reader)
            if view.field in arrays:
                arrows = view.arrows if view.arrows in arrays else None
                return View(view.series, view.field, arrows, view.arrows_from_points, view.isolines), reader, time
            pv.Delete(reader)
    # Generic: the solver's own series if present, else the first .pvd.
    candidates = sorted(f[:-4] for f in os.listdir(run_folder) if f.endswith(".pvd"))
    if not candidates:
        raise SystemExit("render.py: %s holds no .pvd file" % run_folder)
    own = (solver or "").replace("-", "_")
    series = own if own in candidates else candidates[0]
    reader, time = open_series(run_folder, series)
    arrays = [a for a in point_arrays(reader) if a != "mpi_rank"] or point_arrays(reader)
    if not arrays:
        raise SystemExit("render.py: %s.pvd in %s holds no point array" % (series, run_folder))
    return View(series, arrays[0]), reader, time


def colour_by(display, view, field):
    pv.ColorBy(display, ("POINTS", field))
    display.RescaleTransferFunctionToDataRange(True, False)
    lut = pv.GetColorTransferFunction(field)
    lut.ApplyPreset("Viridis (matplotlib)", True)
    display.SetScalarBarVisibility(view, True)
    bar = pv.GetScalarBar(lut, view)
    bar.Title = field
    bar.ComponentTitle = ""
    bar.TitleFontSize = 20
    bar.LabelFontSize = 18
    bar.ScalarBarLength = 0.6


def add_title(view, text):
    title = pv.Text(Text=text)
    display = pv.Show(title, view)
    display.WindowLocation = "Upper Center"
    display.FontSize = 24


def add_isolines(render_view, source, field):
    """Isolines at quantiles of the field's point values rather than at equal
    steps: a landscape's growth at the box's edge would otherwise leave its
    wells and saddles without a line."""
    import numpy
    from paraview import servermanager
    from vtkmodules.util.numpy_support import vtk_to_numpy
    values = vtk_to_numpy(servermanager.Fetch(source).GetPointData().GetArray(field))
    levels = numpy.unique(numpy.quantile(values, numpy.linspace(0, 1, ISOLINES + 2)[1:-1]))
    contour = pv.Contour(Input=source)
    contour.ContourBy = ["POINTS", field]
    contour.Isosurfaces = [float(v) for v in levels]
    display = pv.Show(contour, render_view)
    display.ColorArrayName = ["POINTS", ""]  # one solid colour
    display.AmbientColor = display.DiffuseColor = [0.0, 0.0, 0.0]
    display.LineWidth = 1.5


def add_arrows(render_view, reader, spec, bounds, time):
    """Arrows of the vector field spec.arrows, the longest ARROW_LENGTH wide."""
    source, array = reader, spec.arrows
    if spec.arrows_from_points:
        source = pv.Calculator(Input=reader)
        source.ResultArrayName = "step_to_" + spec.arrows
        source.Function = spec.arrows + "-coords"
        array = source.ResultArrayName
    source.UpdatePipeline(time)
    largest = source.PointData[array].GetRange(-1)[1]
    if not largest > 0:
        return  # a zero field: nothing to draw
    width = max(bounds[1] - bounds[0], bounds[3] - bounds[2], bounds[5] - bounds[4])
    glyph = pv.Glyph(Input=source, GlyphType="Arrow")
    glyph.OrientationArray = ["POINTS", array]
    glyph.ScaleArray = ["POINTS", array]
    glyph.VectorScaleMode = "Scale by Magnitude"
    glyph.ScaleFactor = ARROW_LENGTH * width / largest
    glyph.GlyphMode = "Uniform Spatial Distribution (Bounds Based)"
    glyph.MaximumNumberOfSamplePoints = ARROWS
    display = pv.Show(glyph, render_view)
    display.ColorArrayName = ["POINTS", ""]  # one solid colour
    display.AmbientColor = display.DiffuseColor = [1.0, 1.0, 1.0]


def render_2d_or_3d(reader, spec, bounds, dimension, size, time, title):
    view = pv.CreateView("RenderView")
    view.ViewSize = list(size)
    view.ViewTime = time
    view.OrientationAxesVisibility = 0
    centre = [(bounds[2 * i] + bounds[2 * i + 1]) / 2 for i in range(3)]
    if dimension == 3:
        # A slice normal to z through the middle, in the box's outline.
        shown = pv.Slice(Input=reader)
        shown.SliceType = "Plane"
        shown.SliceType.Origin = centre
        shown.SliceType.Normal = [0, 0, 1]
        outline = pv.Show(pv.Outline(Input=reader), view)
        outline.AmbientColor = outline.DiffuseColor = [1.0, 1.0, 1.0]
    else:
        shown = reader
    display = pv.Show(shown, view)
    display.SetRepresentationType("Surface")
    colour_by(display, view, spec.field)
    if spec.isolines:
        add_isolines(view, shown, spec.field)
    if spec.arrows:
        add_arrows(view, shown, spec, bounds, time)
    add_title(view, title)
    view.CameraFocalPoint = centre
    if dimension == 3:
        diagonal = math.dist(bounds[0::2], bounds[1::2])
        view.CameraPosition = [centre[0] + 0.9 * diagonal, centre[1] - 1.3 * diagonal,
                               centre[2] + 0.9 * diagonal]
        view.CameraViewUp = [0, 0, 1]
        view.ResetCamera()
    else:
        # From above, the whole box with margins for the title and the bar.
        view.InteractionMode = "2D"
        view.CameraParallelProjection = 1
        view.CameraPosition = [centre[0], centre[1], 10]
        view.CameraViewUp = [0, 1, 0]
        width, height = bounds[1] - bounds[0], bounds[3] - bounds[2]
        view.CameraParallelScale = 0.6 * max(height, 1.3 * width * size[1] / size[0])
    return view


def render_1d(reader, spec, bounds, size, time, title):
    """The field along x, sampled on the mesh's interval."""
    line = pv.PlotOverLine(Input=reader)
    line.Point1 = [bounds[0], 0, 0]
    line.Point2 = [bounds[1], 0, 0]
    line.Resolution = 2000
    view = pv.CreateView("XYChartView")
    view.ViewSize = list(size)
    view.ViewTime = time
    view.ChartTitle = title
    view.ChartTitleFontSize = 24
    view.LeftAxisTitle = spec.field
    view.BottomAxisTitle = "x"
    view.ShowLegend = 0
    display = pv.Show(line, view)
    display.UseIndexForXAxis = 0
    display.XArrayName = "Points_X"
    display.SeriesVisibility = [spec.field]
    display.SeriesLineThickness = [spec.field, "3"]
    return view


def render(run_folder, out, size):
    solver = read_parameter(run_folder, "solver")
    spec, reader, time = choose_view(run_folder, solver)
    pv.GetTimeKeeper().Time = time  # what Fetch and new views see
    reader.UpdatePipeline(time)
    bounds = reader.GetDataInformation().GetBounds()
    dimension = int(read_parameter(run_folder, "dimension")
                    or sum(bounds[2 * i + 1] > bounds[2 * i] for i in range(3)))
    name = os.path.basename(os.path.normpath(run_folder))
    title = "%s (%s): %s at t = %g" % (name, solver or spec.series, spec.field, time)
    if dimension == 1:
        view = render_1d(reader, spec, bounds, size, time, title)
    else:
        view = render_2d_or_3d(reader, spec, bounds, dimension, size, time, title)
    pv.SaveScreenshot(out, view, ImageResolution=list(size))
    pv.ResetSession()
    print("render.py: %s: %s of %s.pvd at t = %g -> %s" % (run_folder, spec.field, spec.series, time, out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_folders", nargs="+", metavar="RUN_FOLDER")
    parser.add_argument("--out", help="the PNG (default RUN_FOLDER/standard_view.png)")
    parser.add_argument("--size", nargs=2, type=int, default=DEFAULT_SIZE, metavar=("W", "H"))
    args = parser.parse_args()
    if args.out and len(args.run_folders) > 1:
        parser.error("--out names one PNG: give one run folder")
    for run_folder in args.run_folders:
        if not os.path.isdir(run_folder):
            raise SystemExit("render.py: %s: no such run folder" % run_folder)
        render(run_folder, args.out or os.path.join(run_folder, "standard_view.png"), args.size)


if __name__ == "__main__":
    main()
