#!/usr/bin/env python3
"""Draws every picture of docs/plotting.md from real runs, with dynlib.plot and the `dynlib`
command line: `make docs-images` (PYTHONPATH=<build>/python, DYNLIB_CLI=<build>/dynlib).

Usage: docs_images.py OUT_DIR [--page PAGE.md] [NAME...]   (no NAME: all of them)
Each picture is a function below named after its file (OUT_DIR/NAME.png). With --page, the block
between `<!-- picture: NAME -->` and `<!-- end picture -->` in PAGE.md is rewritten to the
function's source and its image, so what the page shows is exactly what drew the picture.
"""
import inspect
import os
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dynlib  # noqa: E402
from dynlib.analysis import FixedPoint, basin_axis, basin_known, sweep  # noqa: E402
from dynlib.plot import (  # noqa: E402
    basin_plot, bifurcation_diagram, cobweb, export, fig, phase, series, theme, utils,
    vectorfield)

DPI = 80


def lorenz_overview(out):
    """The command line: `dynlib run URI --plot FILE` draws this picture (kind `overview`)."""
    subprocess.run([os.environ.get("DYNLIB_CLI", "dynlib"), "plot", "builtin://ode/lorenz",
                    "-T", "40", "--kind", "overview", "--size", "12", "5", "--dpi", str(DPI),
                    "-o", out, "-q"], check=True)


def series_and_phase(out):
    sim = dynlib.setup("builtin://ode/vanderpol")
    sim.run(T=40)
    res = sim.results()
    ax = fig.grid(rows=1, cols=2, size=(10, 3.6))
    series.line(res, y="x", ax=ax[0, 0], title="series.line(res, y='x')")
    phase.xy(res, x="x", y="y", ax=ax[0, 1], title="phase.xy(res, x='x', y='y')")
    export.savefig(ax.figure, out, dpi=DPI)


def lorenz_xyz(out):
    sim = dynlib.setup("builtin://ode/lorenz")
    sim.run(T=60)
    ax = phase.xyz(sim.results(), x="x", y="y", z="z", lw=0.4,
                   title="phase.xyz: the Lorenz attractor")
    export.savefig(ax.figure, out, dpi=DPI)


def logistic_bifurcation(out):
    sim = dynlib.setup("builtin://map/logistic")
    res = sweep.traj_sweep(sim, param="r", values=np.linspace(2.8, 4.0, 1200),
                           record_vars=["x"], N=600, transient=500)
    ax = bifurcation_diagram(res.bifurcation("x").tail(80), title="bifurcation_diagram")
    export.savefig(ax.figure, out, dpi=DPI)


def logistic_cobweb_and_return_map(out):
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=300, ic={"x": 0.2}, params={"r": 3.9})
    ax = fig.grid(rows=1, cols=2, size=(10, 4))
    cobweb(sim.model, x0=0.2, steps=40, r=3.9, state="x", ax=ax[0, 0],
           title="cobweb(model, x0=0.2, r=3.9)")
    phase.return_map(sim.results(), x="x", ax=ax[0, 1], title="phase.return_map")
    export.savefig(ax.figure, out, dpi=DPI)


def vanderpol_vectorfield(out):
    model = dynlib.build("builtin://ode/vanderpol")
    handle = vectorfield(model, xlim=(-3, 3), ylim=(-4, 4), resolution=(25, 25),
                         nullclines=True, normalize=True, speed_color=True)
    handle.ax.set_title("vectorfield with nullclines")
    export.savefig(handle.ax.figure, out, dpi=DPI)


def duffing_basins(out):
    """Basins of the unforced double-well Duffing oscillator by basin_known (docs/basins.md):
    each initial condition runs until it settles within 0.1 of a well."""
    sim = dynlib.setup("builtin://ode/duffing")
    sim.assign(gamma=0.0)
    res = basin_known(sim, [FixedPoint("x = -1", [-1, 0], 0.1), FixedPoint("x = +1", [1, 0], 0.1)],
                      ic={"x": basin_axis(-2, 2, n=120), "y": basin_axis(-2, 2, n=120)},
                      dt_obs=0.05, max_samples=4000)
    ax = basin_plot(res, title="basin_plot(basin_known(...))")
    export.savefig(ax.figure, out, dpi=DPI)


def lorenz_histogram(out):
    sim = dynlib.setup("builtin://ode/lorenz")
    sim.run(T=200, transient=20)
    ax = utils.hist(sim.results(), y="z", bins=80, density=True,
                    title="utils.hist(res, y='z')")
    export.savefig(ax.figure, out, dpi=DPI)


def themes(out):
    sim = dynlib.setup("builtin://ode/vanderpol")
    sim.run(T=20)
    res = sim.results()
    figure = plt.figure(figsize=(12, 3.4), layout="constrained")
    for i, preset in enumerate(["notebook", "paper", "talk"]):
        theme.use(preset)  # an Axes takes the theme in force when it is created
        ax = figure.add_subplot(1, 3, i + 1)
        series.line(res, y="x", ax=ax, title=f"theme.use('{preset}')")
    export.savefig(figure, out, dpi=DPI)


PICTURES = [lorenz_overview, series_and_phase, lorenz_xyz, logistic_bifurcation,
            logistic_cobweb_and_return_map, vanderpol_vectorfield, duffing_basins,
            lorenz_histogram, themes]


def page_block(picture, out_dir, page):
    """The Markdown of one picture: the function's source, then the image (path relative to the
    page)."""
    image = os.path.relpath(os.path.join(out_dir, picture.__name__ + ".png"),
                            os.path.dirname(os.path.abspath(page)))
    return (f"<!-- picture: {picture.__name__} -->\n```python\n{inspect.getsource(picture)}```\n\n"
            f"![{picture.__name__}]({image})\n<!-- end picture -->")


def update_page(page, out_dir, pictures):
    with open(page) as f:
        text = f.read()
    for picture in pictures:
        pattern = re.compile(rf"<!-- picture: {picture.__name__} -->.*?<!-- end picture -->",
                             re.S)
        if not pattern.search(text):
            raise SystemExit(f"docs_images.py: {page} has no block for {picture.__name__}")
        text = pattern.sub(lambda _: page_block(picture, out_dir, page), text)
    with open(page, "w") as f:
        f.write(text)
    print(f"updated {page}")


def main(argv):
    args = list(argv[1:])
    page = None
    if "--page" in args:
        i = args.index("--page")
        page = args[i + 1] if i + 1 < len(args) else None
        del args[i:i + 2]
    if not args or (page is None and "--page" in argv):
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, wanted = args[0], set(args[1:])
    unknown = wanted - {p.__name__ for p in PICTURES}
    if unknown:
        print(f"docs_images.py: no picture named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    os.makedirs(out_dir, exist_ok=True)
    drawn = []
    for picture in PICTURES:
        if wanted and picture.__name__ not in wanted:
            continue
        path = os.path.join(out_dir, picture.__name__ + ".png")
        theme.use("notebook")
        picture(path)
        plt.close("all")
        drawn.append(picture)
        print(f"wrote {path}")
    if page:
        update_page(page, out_dir, drawn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
