"""dynlib.plot primitives (series, phase, utils, manifold), figures, facets and export, drawn from
real runs of builtin models, headless (Agg)."""
import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

import dynlib  # noqa: E402
from dynlib.analysis import sweep  # noqa: E402
from dynlib.plot import export, facet, fig, manifold, phase, series, theme, utils  # noqa: E402


@pytest.fixture(autouse=True)
def clean_figures():
    theme.use("notebook")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def lorenz():
    sim = dynlib.setup("builtin://ode/lorenz", jit=False)
    sim.run(T=2.0)
    return sim.results()


@pytest.fixture(scope="module")
def logistic():
    sim = dynlib.setup("builtin://map/logistic", jit=False)
    sim.run(N=60)
    return sim.results()


@pytest.fixture(scope="module")
def vdp_sweep():
    """An adaptive-stepper sweep: the runs have different lengths."""
    sim = dynlib.setup("builtin://ode/vanderpol", jit=False)
    return sweep.traj_sweep(sim, param="mu", values=[0.5, 1.0, 2.0], record_vars=["x", "y"], T=4.0)


def png_variance(ax_or_fig) -> float:
    figure = ax_or_fig if isinstance(ax_or_fig, matplotlib.figure.Figure) else ax_or_fig.figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    buffer.seek(0)
    return float(np.var(mpimg.imread(buffer)[..., :3]))


def legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


# ---- series --------------------------------------------------------------------------------

def test_series_line_from_results_names_defaults_x_to_t(lorenz):
    ax = series.line(lorenz, y="x", label="x(t)", title="Lorenz")
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), lorenz.t)
    np.testing.assert_array_equal(line.get_ydata(), lorenz["x"])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("t", "x", "Lorenz")
    assert legend_texts(ax) == ["x(t)"]
    assert png_variance(ax) > 0


def test_series_line_with_arrays_matches_reference_call(lorenz):
    ax = series.line(x=lorenz.t, y=lorenz["z"], xlabel="time", ylim=(0, 50), style="discrete",
                     ms=3)
    (line,) = ax.lines
    assert line.get_linestyle() == "None" and line.get_marker() == "o"
    assert line.get_markersize() == 3
    assert ax.get_xlabel() == "time" and ax.get_ylabel() == ""
    assert ax.get_ylim() == (0, 50)
    assert ax.get_legend() is None


def test_series_line_decorations(lorenz):
    ax = series.line(lorenz, y="x", vlines=[0.5, (1.0, "kick")], vlines_color="red",
                     hlines=[(0.0, "zero")], vbands=[(0.2, 0.4, "g")], hbands=[(-1, 1)],
                     xtick_fs=7, xlabel_fs=15, title="decor", title_fs=9, xlabel_rot=10)
    # the data line, two vlines and one hline
    assert len(ax.lines) == 4
    assert ax.lines[1].get_color() == "red"
    assert sorted(text.get_text() for text in ax.texts) == ["kick", "zero"]
    assert len(ax.patches) == 2  # the two bands
    assert ax.xaxis.label.get_fontsize() == 15 and ax.title.get_fontsize() == 9
    assert ax.xaxis.label.get_rotation() == 10
    assert ax.get_xticklabels()[0].get_fontsize() == 7
    assert png_variance(ax) > 0


def test_series_stem_and_step_from_a_map(logistic):
    grid = fig.grid(rows=1, cols=2)
    stem_ax = series.stem(logistic, x="t", y="x", ax=grid[0, 0], label="x_n")
    step_ax = series.step(logistic, y="x", ax=grid[0, 1], color="C3")
    assert stem_ax is grid[0, 0] and step_ax is grid[0][1]
    assert len(stem_ax.containers) == 1 and legend_texts(stem_ax) == ["x_n"]
    assert step_ax.lines[0].get_drawstyle() == "steps-post"
    assert png_variance(grid.figure) > 0


def test_series_multi_from_results_and_from_a_sweep(lorenz, vdp_sweep):
    ax = series.multi(lorenz, y=["x", "y", "z"], legend=True)
    assert legend_texts(ax) == ["x", "y", "z"]
    ax = series.multi(vdp_sweep, y="x", legend=True)
    assert legend_texts(ax) == ["mu=0.5", "mu=1", "mu=2"]
    # each run is drawn against its own times (adaptive steps: lengths differ)
    lengths = [len(line.get_xdata()) for line in ax.lines]
    assert lengths == [len(t) for t in vdp_sweep.t_all]
    assert png_variance(ax) > 0


def test_series_multi_reference_forms(lorenz):
    values = np.column_stack([lorenz["x"], lorenz["y"]])
    ax = series.multi(x=lorenz.t, y=values, names=["a", "b"], styles={"b": {"ls": "--"}},
                      legend=True)
    assert legend_texts(ax) == ["a", "b"] and ax.lines[1].get_linestyle() == "--"
    ax = series.multi(x=lorenz.t, y=[("x", lorenz["x"], {"color": "k"}), ("z", lorenz["z"])])
    assert ax.lines[0].get_color() == "k" and ax.get_legend() is None
    ax = series.multi(x=lorenz.t, y={"x": lorenz["x"]}, legend=True)
    assert legend_texts(ax) == ["x"]
    # plain lists: one shared x of numbers, or one x array per series
    ax = series.multi(x=[0, 1, 2], y={"a": [1, 2, 3]})
    assert list(ax.lines[0].get_xdata()) == [0, 1, 2]
    ax = series.multi(x=[np.arange(3), np.arange(4)], y=[np.ones(3), np.ones(4)])
    assert [len(line.get_xdata()) for line in ax.lines] == [3, 4]


# ---- phase -----------------------------------------------------------------------------------

def test_phase_xy_names_and_equilibria(lorenz):
    ax = phase.xy(lorenz, x="x", y="z", equil=[(0.0, 0.0)], label="orbit")
    assert len(ax.lines) == 2 and ax.lines[1].get_marker() == "o"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "z")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), lorenz["x"])
    assert png_variance(ax) > 0


def test_phase_xyz_on_3d_axes(lorenz):
    ax = phase.xyz(lorenz, x="x", y="y", z="z", title="attractor", labels=(None, "Y", None))
    assert ax.name == "3d"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("x", "Y", "z")
    assert ax.get_title() == "attractor" and len(ax.lines) == 1
    assert png_variance(ax) > 0
    ax3 = fig.single3D(title="given")
    assert phase.xyz(x=lorenz["x"], y=lorenz["y"], z=lorenz["z"], ax=ax3) is ax3


def test_phase_multi_from_sweep_and_arrays(vdp_sweep):
    ax = phase.multi(vdp_sweep, x="x", y="y", legend=True)
    assert legend_texts(ax) == ["mu=0.5", "mu=1", "mu=2"]
    t = np.linspace(0, 6, 50)
    stacked = np.column_stack([np.cos(t), 2 * np.cos(t)])  # [samples, trajectories]
    ax = phase.multi(x=stacked, y=np.sin(t)[:, None] * [1, 2], labels=["r1", "r2"],
                     styles={"r2": {"color": "k"}})
    assert len(ax.lines) == 2 and ax.lines[1].get_color() == "k"
    assert png_variance(ax) > 0


def test_return_map_of_logistic(logistic):
    ax = phase.return_map(logistic, x="x", equil=[0.75], step=2)
    xs = logistic["x"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), xs[:-2])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), xs[2:])
    assert ax.get_ylabel() == "$x[n+2]$"
    assert tuple(ax.lines[1].get_xydata()[0]) == (0.75, 0.75)
    import dynlib.plot as plot
    assert plot.return_map(x=xs).lines[0].get_marker() == "o"


# ---- utils -----------------------------------------------------------------------------------

def test_hist_and_image(lorenz):
    ax = utils.hist(lorenz, y="x", bins=20, label="x")
    assert len(ax.patches) == 20 and ax.get_xlabel() == "x" and legend_texts(ax) == ["x"]
    ax = utils.hist(y=lorenz["y"], bins=10, density=True)
    assert len(ax.patches) == 10
    z = np.outer(np.sin(np.linspace(0, 3, 30)), np.cos(np.linspace(0, 3, 20)))
    ax = utils.image(z, extent=[0, 1, 0, 2], colorbar=True, title="field")
    assert len(ax.images) == 1 and len(ax.figure.axes) == 2  # the image and its colorbar
    assert ax._last_colorbar is not None
    assert png_variance(ax) > 0


# ---- manifold --------------------------------------------------------------------------------

class TraceResult:
    """Stands in for a manifold-trace result: two branches of segments."""

    def __init__(self, branches):
        self.branches = branches
        self.kind = "unstable"


def test_manifold_from_result_segments_and_groups(lorenz):
    pts = np.column_stack([lorenz["x"], lorenz["y"], lorenz["z"]])
    half = len(pts) // 2
    ax = manifold(result=TraceResult(([pts[:half]], [pts[half:]])), components=(0, 2))
    assert len(ax.collections) == 2 and all(isinstance(c, LineCollection) for c in ax.collections)
    assert legend_texts(ax) == ["unstable"]
    assert ax.get_xlim()[1] >= pts[:, 0].max()  # the view was scaled to the segments
    ax = manifold([pts[:half, :2], pts[half:, :2]], label="W", ax=ax, marker=".")
    assert len(ax.lines) == 2 and legend_texts(ax) == ["unstable", "W"]
    ax = manifold(groups=[(pts[:, :2], "a", {"color": "k"}), {"segments": [pts[:, 1:]]}])
    assert len(ax.collections) == 2
    assert png_variance(ax) > 0


# ---- figures, facets, export -----------------------------------------------------------------

def test_fig_grid_and_wrap_layouts():
    grid = fig.grid(rows=2, cols=3, title="grid", size=(6, 4), scale=0.5)
    assert len(grid) == 2 and len(grid[0]) == 3 and grid[1, 2] is grid[1][2]
    assert tuple(grid.figure.get_size_inches()) == (3.0, 2.0)
    assert grid.figure._suptitle.get_text() == "grid"
    wrapped = fig.wrap(n=5, cols=2)
    assert [len(row) for row in wrapped] == [2, 2, 1]
    assert sum(ax.get_visible() for ax in wrapped.figure.axes) == 5
    ax = fig.single()
    assert tuple(ax.figure.get_size_inches()) == theme.get("figsize")
    with pytest.raises(ValueError, match="rows and cols"):
        fig.grid(rows=0, cols=2)


def test_facet_wrap_yields_one_axes_per_key(logistic):
    keys = ["a", "b", "c"]
    seen = []
    for ax, key in facet.wrap(keys, cols=2, title="facets"):
        series.line(logistic, y="x", ax=ax, title=key)
        seen.append((ax.get_title(), key))
    assert seen == [("a", "a"), ("b", "b"), ("c", "c")]
    assert list(facet.wrap([])) == []


def test_savefig_formats_and_show(tmp_path, lorenz):
    ax = series.line(lorenz, y="x")
    written = export.savefig(ax, tmp_path / "out" / "lorenz", fmts=("png", ".PDF", "png"), dpi=50)
    assert [p.name for p in written] == ["lorenz.png", "lorenz.pdf"]
    assert all(p.stat().st_size > 0 for p in written)
    assert export.savefig(fig.grid(rows=1, cols=2), tmp_path / "g.svg") == [tmp_path / "g.svg"]
    with pytest.raises(ValueError, match="extension"):
        export.savefig(ax, tmp_path / "x.png", fmts=("pdf",))
    export.show()  # Agg: returns at once
    assert plt.fignum_exists(ax.figure.number)


# ---- errors ----------------------------------------------------------------------------------

def test_bad_input_messages(lorenz):
    with pytest.raises(Exception, match="nope"):
        series.line(lorenz, y="nope")
    with pytest.raises(TypeError, match="no data was given"):
        phase.xy(x="x", y="y")
    with pytest.raises(ValueError, match="differ in length"):
        series.line(x=lorenz.t, y=lorenz["x"][:-3])
    with pytest.raises(ValueError, match="unknown style preset 'dots'"):
        series.line(lorenz, y="x", style="dots")
    with pytest.raises(TypeError, match="unexpected keyword argument.*colour"):
        series.line(lorenz, y="x", colour="red")
    with pytest.raises(ValueError, match="step must be >= 1"):
        phase.return_map(lorenz, x="x", step=0)
    with pytest.raises(ValueError, match="2-D"):
        manifold(segments=[np.zeros(4)])
    with pytest.raises(ValueError, match="fewer than"):
        manifold(segments=np.zeros((4, 2)), components=(0, 2))
    with pytest.raises(ValueError, match="start must be less than end"):
        series.line(lorenz, y="x", vbands=[(1.0, 0.5)])
    with pytest.raises(ValueError, match="3 labels for 2"):
        phase.multi(x=[np.zeros(3)] * 2, y=[np.zeros(3)] * 2, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="must be a 2-D"):
        utils.image(np.zeros(5))


# ---- analysis objects ------------------------------------------------------------------------

def test_analysis_results_bifurcation_fixed_points_lyapunov():
    sim = dynlib.setup("builtin://map/logistic", jit=False)
    runs = sweep.traj_sweep(sim, param="r", values=np.linspace(2.8, 4.0, 25), record_vars=["x"],
                            N=80, transient=40)
    bif = runs.bifurcation("x").tail(30)
    ax = phase.xy(bif, x="p", y="y", style="scatter", ms=1)  # fields of a BifurcationResult
    assert ax.get_xlabel() == "p" and len(ax.lines[0].get_xdata()) == 25 * 30
    with pytest.raises(KeyError, match="'q' is not a field of BifurcationResult.*available"):
        phase.xy(bif, x="q", y="y")
    sim.run(N=40)
    res = sim.results()
    fixed = sim.model.fixed_points(seeds=[[0.1], [0.7]])
    ax = phase.return_map(res, x="x", equil=fixed)
    assert len(ax.lines) == 1 + len(fixed.points)
    mle = sweep.lyapunov_mle_sweep(sim, param="r", values=np.linspace(3.0, 4.0, 12), N=100)
    ax = series.line(mle, x="values", y="mle", hlines=[0.0])
    assert ax.get_ylabel() == "mle" and len(ax.lines[0].get_xdata()) == 12
    assert png_variance(ax) > 0


def test_shared_axis_keywords_are_in_the_signatures():
    import inspect
    for function in (series.line, series.stem, series.step, series.multi, phase.xy,
                     phase.multi, phase.return_map, utils.hist, utils.image, manifold):
        params = inspect.signature(function).parameters
        assert {"ax", "xlim", "title", "vlines_kwargs", "ytick_fs"} <= set(params), function
