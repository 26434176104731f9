"""dynlib.plot analysis pictures: bifurcation_diagram, basin_plot and cobweb, drawn from real runs
of builtin models (headless Agg)."""
import io

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dynlib  # noqa: E402
from dynlib import plot  # noqa: E402
from dynlib.analysis import sweep  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _assert_drawn(ax):
    """The figure renders to a PNG that is not one flat colour."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    pixels = mpimg.imread(buffer)
    assert pixels.ndim == 3 and pixels.var() > 0


# ------------------------------------------------------------------ bifurcation_diagram

R_VALUES = np.linspace(2.8, 4.0, 60)


@pytest.fixture(scope="module")
def logistic_sweep():
    sim = dynlib.setup("builtin://map/logistic")
    return sweep.traj_sweep(sim, param="r", values=R_VALUES, record_vars=["x"], N=300,
                            transient=200)


def test_bifurcation_from_extractor_tail(logistic_sweep):
    points = logistic_sweep.bifurcation("x").tail(40)
    ax = plot.bifurcation_diagram(points, color="black", title="logistic")
    (line,) = ax.lines
    assert line.get_linestyle() == "None" and line.get_marker() == ","
    np.testing.assert_array_equal(line.get_xdata(), points.p)
    np.testing.assert_array_equal(line.get_ydata(), points.y)
    assert len(line.get_xdata()) == 40 * len(R_VALUES)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("r", "x", "logistic")
    # period 1 before r = 3, chaos near r = 4: the points span more of x at the end
    assert np.ptp(points.y[points.p < 2.95]) < 0.05
    assert np.ptp(points.y[points.p > 3.9]) > 0.5
    _assert_drawn(ax)


def test_bifurcation_from_sweep_result_and_vlines(logistic_sweep):
    ax = plot.bifurcation_diagram(logistic_sweep, ylim=(0, 1), label="x*", xlabel="growth r",
                                  vlines=[(3.0, "period 2"), 3.57],
                                  vlines_kwargs={"label_position": "bottom"},
                                  vlines_color="darkred")
    dots, *markers = ax.lines
    assert len(dots.get_xdata()) == logistic_sweep.bifurcation("x").all().p.size
    assert [m.get_xdata()[0] for m in markers] == [3.0, 3.57]
    assert all(matplotlib.colors.same_color(m.get_color(), "darkred") for m in markers)
    assert [t.get_text() for t in ax.texts] == ["period 2"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["x*"]
    assert ax.get_xlabel() == "growth r" and ax.get_ylim() == (0, 1)
    _assert_drawn(ax)


def test_bifurcation_from_scalar_sweep_and_arrays():
    sim = dynlib.setup("builtin://map/logistic")
    final = sweep.scalar_sweep(sim, param="r", values=R_VALUES, var="x", N=200)
    ax = plot.bifurcation_diagram(final)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("r", "x")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), final.y)

    # run_batch's [runs, samples] block pairs with one r per row
    batch = dynlib.run_batch("builtin://map/logistic", params={"r": R_VALUES}, N=150,
                             transient=100, record_vars=["x"])
    ax = plot.bifurcation_diagram((R_VALUES, batch["x"]), ms=1.0, marker=".")
    line = ax.lines[0]
    assert line.get_marker() == "." and line.get_markersize() == 1.0
    np.testing.assert_array_equal(line.get_xdata()[: batch["x"].shape[1]], R_VALUES[0])
    assert ax.get_xlabel() == "" and ax.get_legend() is None
    _assert_drawn(ax)


def test_bifurcation_from_the_command_lines_csv(cli, tmp_path):
    import subprocess
    out = tmp_path / "points.csv"
    subprocess.run([cli, "bifurcation", "builtin://map/logistic", "--param", "r=2.8:4.0:30",
                    "--var", "x", "-N", "300", "--transient", "200", "--tail", "20",
                    "--out", str(out)], check=True, capture_output=True)
    table = np.genfromtxt(out, delimiter=",", names=True)
    columns = {name: table[name] for name in table.dtype.names}
    ax = plot.bifurcation_diagram(columns)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("r", "x")
    assert len(ax.lines[0].get_xdata()) == 600
    ax = plot.bifurcation_diagram(columns, var="r")  # the other column as the variable
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "r")
    with pytest.raises(ValueError, match="two columns"):
        plot.bifurcation_diagram({**columns, "extra": columns["x"]})


def test_bifurcation_rejects_bad_input(logistic_sweep):
    with pytest.raises(ValueError, match="same shape"):
        plot.bifurcation_diagram((np.arange(3.0), np.arange(4.0)))
    with pytest.raises(TypeError, match="BifurcationResult"):
        plot.bifurcation_diagram(np.arange(5.0))
    lorenz = dynlib.setup("builtin://ode/lorenz")
    two_vars = sweep.traj_sweep(lorenz, param="rho", values=[10.0, 20.0], record_vars=["x", "y"],
                                T=0.2)
    with pytest.raises(ValueError, match="pass var="):
        plot.bifurcation_diagram(two_vars)
    ax = plot.bifurcation_diagram(two_vars, var="y")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("rho", "y")
    with pytest.raises(KeyError):
        plot.bifurcation_diagram(two_vars, var="nope")


# ------------------------------------------------------------------ basin_plot

class _Entry:
    def __init__(self, id):
        self.id = id


class _BasinLike:
    """What the reference's basin analyses return (labels, registry, meta)."""

    def __init__(self, labels, registry, meta):
        self.labels, self.registry, self.meta = labels, registry, meta


X_AXIS = np.linspace(-2.0, 2.0, 24)
V_AXIS = np.linspace(-2.0, 2.0, 18)


@pytest.fixture(scope="module")
def duffing_basin():
    """Flat labels of the unforced double-well Duffing oscillator over an (x, v) grid in 'ij'
    order: 0 = the well at x = -1, 1 = the well at x = +1, -3 (unresolved) = still moving."""
    grid_x, grid_v = np.meshgrid(X_AXIS, V_AXIS, indexing="ij")
    batch = dynlib.run_batch("builtin://ode/duffing", ic={"x": grid_x.ravel(), "y": grid_v.ravel()},
                             params={"gamma": np.zeros(grid_x.size)}, T=15.0, final_only=True)
    final = batch.final_state
    labels = np.where(final[:, 0] > 0, 1, 0)
    labels[np.abs(final[:, 1]) > 0.2] = -3
    assert set(np.unique(labels)) == {-3, 0, 1}
    return labels


def test_basin_flat_labels_with_shape_and_bounds(duffing_basin):
    ax = plot.basin_plot(duffing_basin, label_shape=(X_AXIS.size, V_AXIS.size),
                         bounds=((-2, 2), (-2, 2)), xlabel="x", ylabel="v", title="Duffing")
    (mesh,) = ax.collections
    classes = np.asarray(mesh.get_array()).reshape(V_AXIS.size, X_AXIS.size)
    # rows are v, columns x: the well at +1 owns the point (x=2, v=0) ... (column -1)
    image = duffing_basin.reshape(X_AXIS.size, V_AXIS.size).T
    assert classes.shape == image.shape
    colorbar = ax._last_colorbar
    names = [t.get_text() for t in colorbar.ax.get_yticklabels()]
    assert names == ["Blowup", "Outside", "Unresolved", "A0", "A1"]
    # the class index of each label: specials first, then attractors
    np.testing.assert_array_equal(classes[image == 1], 4)
    np.testing.assert_array_equal(classes[image == -3], 2)
    assert ax.get_xlim() == (-2, 2) and ax.get_title() == "Duffing"
    _assert_drawn(ax)


def test_basin_result_object_names_and_colours(duffing_basin):
    result = _BasinLike(duffing_basin, [_Entry(0), _Entry(1)],
                        {"ic_grid": (X_AXIS.size, V_AXIS.size),
                         "ic_axis_values": (X_AXIS, V_AXIS), "ic_vars": ("x", "v"),
                         "attractor_names": ("left well", "right well")})
    ax = plot.basin_plot(result, colorbar_label="class", attractor_colors=["tab:blue", "tab:red"])
    mesh = ax.collections[0]
    colors = mesh.cmap.colors
    # the three special classes are greys; attractors keep the colours asked for
    assert all(c[0] == c[1] == c[2] for c in map(matplotlib.colors.to_rgb, colors[:3]))
    assert len({matplotlib.colors.to_hex(c) for c in colors}) == 5
    assert matplotlib.colors.same_color(colors[4], "tab:red")
    bar = ax._last_colorbar
    assert [t.get_text() for t in bar.ax.get_yticklabels()][-2:] == ["left well", "right well"]
    assert bar.ax.get_ylabel() == "class"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "v")
    assert len(ax.figure.axes) == 2  # the plot and its colorbar
    _assert_drawn(ax)


def test_basin_2d_grid_henon_escape():
    """A 2-D [y, x] grid from the Henon map: orbits that run off are Blowup."""
    xs, ys = np.linspace(-1.5, 1.5, 20), np.linspace(-0.6, 0.6, 12)
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="xy")
    batch = dynlib.run_batch("builtin://map/henon", ic={"x": grid_x.ravel(), "y": grid_y.ravel()},
                             N=40, final_only=True)
    escaped = np.array([status != "done" for status in batch.status]).reshape(grid_x.shape)
    labels = np.where(escaped, -1, 0)
    assert 0 < escaped.sum() < escaped.size
    ax = plot.basin_plot(labels, x=xs, y=ys, colorbar=False, attractor_labels=["strange"])
    classes = np.asarray(ax.collections[0].get_array()).reshape(labels.shape)
    np.testing.assert_array_equal(classes == 0, escaped)  # Blowup is class 0
    assert len(ax.figure.axes) == 1 and ax.get_aspect() == "auto"
    _assert_drawn(ax)


def test_basin_rejects_bad_input(duffing_basin):
    with pytest.raises(ValueError, match="label_shape"):
        plot.basin_plot(duffing_basin)
    with pytest.raises(ValueError, match="holds"):
        plot.basin_plot(duffing_basin, label_shape=(5, 5))
    with pytest.raises(ValueError, match=r"\[7\]"):  # not in the result's registry
        plot.basin_plot(_BasinLike(np.array([[0, 1], [7, -1]]), [_Entry(0), _Entry(1)], {}))
    with pytest.raises(ValueError, match="x and y"):
        plot.basin_plot(np.zeros((3, 4), int), x=np.arange(4))
    with pytest.raises(ValueError, match="4 \\(x\\) by 3 \\(y\\)"):
        plot.basin_plot(np.zeros((3, 4), int), x=np.arange(3), y=np.arange(3))
    with pytest.raises(TypeError, match="integers"):
        plot.basin_plot(np.full((3, 3), 0.5))
    with pytest.raises(ValueError, match="attractor_labels"):
        plot.basin_plot(np.zeros((3, 3), int), attractor_labels=["a", "b"])


# ------------------------------------------------------------------ cobweb

def _logistic_orbit(r, x0, steps):
    orbit = [x0]
    for _ in range(steps):
        orbit.append(r * orbit[-1] * (1 - orbit[-1]))
    return np.array(orbit)


def test_cobweb_of_a_sim_uses_its_params():
    sim = dynlib.setup("builtin://map/logistic")
    sim.assign(r=3.3)
    ax = plot.cobweb(sim, x0=0.2, steps=30, xlim=(0, 1), color="green", stair_color="orange",
                     identity_color="red", title="logistic r=3.3")
    graph, diagonal, stairs = ax.lines
    xs = graph.get_xdata()
    np.testing.assert_allclose(graph.get_ydata(), 3.3 * xs * (1 - xs), rtol=1e-12)
    np.testing.assert_array_equal(diagonal.get_ydata(), xs)
    orbit = _logistic_orbit(3.3, 0.2, 30)
    # the staircase (x0, x0) -> (x0, x1) -> (x1, x1) -> (x1, x2) -> ...: up or down to the
    # graph, across to the diagonal
    corners = np.column_stack([stairs.get_xdata(), stairs.get_ydata()])
    np.testing.assert_allclose(corners[0::2], np.column_stack([orbit, orbit]), rtol=1e-12)
    np.testing.assert_allclose(corners[1::2], np.column_stack([orbit[:-1], orbit[1:]]),
                               rtol=1e-12)
    assert matplotlib.colors.same_color(stairs.get_color(), "orange")
    assert matplotlib.colors.same_color(diagonal.get_color(), "red")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["f(x)", "y = x"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "f(x)")
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)
    _assert_drawn(ax)


def test_cobweb_callable_with_r_and_model_r_override():
    ax = plot.cobweb(lambda x, r: r * x * (1 - x), r=2.5, x0=0.1, steps=10, legend=False)
    stairs = ax.lines[2]
    np.testing.assert_allclose(stairs.get_xdata()[::2], _logistic_orbit(2.5, 0.1, 10))
    assert ax.get_legend() is None
    # automatic limits: the orbit's range plus 5%
    low, high = ax.get_xlim()
    assert low < 0.1 < 0.6 < high < 0.7

    model = dynlib.build("builtin://map/logistic")
    ax = plot.cobweb(f=model, r=2.5, x0=0.1, steps=10)
    np.testing.assert_allclose(ax.lines[2].get_xdata()[::2], _logistic_orbit(2.5, 0.1, 10),
                               rtol=1e-12)
    ax = plot.cobweb(np.cos, x0=1.0, steps=5)  # a one-argument callable
    np.testing.assert_allclose(ax.lines[2].get_xdata()[2], np.cos(1.0))


def test_cobweb_of_one_state_of_henon():
    model = dynlib.build("builtin://map/henon")
    ax = plot.cobweb(model, state="x", fixed={"y": 0.1, "a": 1.2}, x0=0.3, steps=8)
    xs = ax.lines[0].get_xdata()
    # henon: x' = 1 - a x^2 + y
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 1 - 1.2 * xs ** 2 + 0.1, rtol=1e-12)


def test_cobweb_rejects_bad_input():
    with pytest.raises(TypeError, match="discrete map"):
        plot.cobweb(dynlib.build("builtin://ode/harmonic"), x0=0.1)
    henon = dynlib.build("builtin://map/henon")
    with pytest.raises(ValueError, match="state="):
        plot.cobweb(henon, x0=0.1)
    with pytest.raises(KeyError, match="unknown state 'z'"):
        plot.cobweb(henon, state="z", x0=0.1)
    with pytest.raises(KeyError, match="names no state or param"):
        plot.cobweb(henon, state="x", fixed={"nope": 1.0}, x0=0.1)
    with pytest.raises(TypeError, match="needs f"):
        plot.cobweb(x0=0.1)
