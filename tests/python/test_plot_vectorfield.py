"""dynlib.plot vector fields: eval_vectorfield, vectorfield (quiver/stream, nullclines, clicks),
vectorfield_sweep and vectorfield_animate, on real models evaluated through model.rhs."""
import io

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backend_bases import KeyEvent, MouseEvent  # noqa: E402

import dynlib  # noqa: E402
from dynlib import plot  # noqa: E402

# x' = a x - y,  y' = x + b y,  z' = -z: linear, so every expected value is exact
SPIRAL = """inline:
[model]
type = "ode"
name = "spiral"

[sim]
t0 = 0.0
dt = 0.05
t_end = 2.0

[states]
x = 0.0
y = 0.0
z = 1.0

[params]
a = 0.5
b = -0.2

[equations.rhs]
x = "a * x - y + z"
y = "x + b * y"
z = "-z"
"""


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def spiral():
    return dynlib.build(SPIRAL)


def _assert_drawn(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    pixels = mpimg.imread(buffer)
    assert pixels.ndim == 3 and pixels.var() > 0


def _expected(X, Y, a=0.5, b=-0.2, z=1.0):
    return a * X - Y + z, X + b * Y


def test_eval_vectorfield_matches_the_equations(spiral):
    X, Y, U, V = plot.eval_vectorfield(spiral, xlim=(-1, 2), ylim=(0, 1), resolution=(4, 3))
    assert X.shape == Y.shape == U.shape == V.shape == (3, 4)  # [y, x]
    np.testing.assert_allclose(X[0], np.linspace(-1, 2, 4))
    np.testing.assert_allclose(Y[:, 0], np.linspace(0, 1, 3))
    expected_U, expected_V = _expected(X, Y)
    np.testing.assert_allclose(U, expected_U, rtol=1e-14)
    np.testing.assert_allclose(V, expected_V, rtol=1e-14)

    X, Y, U, V, speed = plot.eval_vectorfield(spiral, params={"a": 2.0}, fixed={"z": 0.0},
                                              resolution=5, normalize=True, return_speed=True)
    expected_U, expected_V = _expected(X, Y, a=2.0, z=0.0)
    np.testing.assert_allclose(speed, np.hypot(expected_U, expected_V), rtol=1e-14)
    moving = speed > 0
    np.testing.assert_allclose(np.hypot(U, V)[moving], 1.0)
    np.testing.assert_allclose(U[moving], expected_U[moving] / speed[moving])


def test_eval_vectorfield_projects_lorenz_and_reads_the_sim():
    sim = dynlib.setup("builtin://ode/lorenz")
    sim.assign(rho=10.0, y=2.0)
    X, Y, U, V = plot.eval_vectorfield(sim, vars=("x", "z"), xlim=(-5, 5), ylim=(0, 20),
                                       resolution=(6, 5))
    # x' = sigma (y - x) with y held at the Sim's 2.0; z' = x y - beta z
    np.testing.assert_allclose(U, 10.0 * (2.0 - X), rtol=1e-13)
    np.testing.assert_allclose(V, X * 2.0 - (8.0 / 3.0) * Y, rtol=1e-13, atol=1e-13)
    X, Y, U, V = plot.eval_vectorfield(sim, vars=("x", "y"), fixed={"z": 5.0}, resolution=3)
    np.testing.assert_allclose(V, X * (10.0 - 5.0) - Y, rtol=1e-13, atol=1e-13)


def test_vectorfield_quiver_and_update(spiral):
    handle = plot.vectorfield(spiral, xlim=(-2, 2), ylim=(-2, 2), resolution=(9, 7),
                              speed_color=True, speed_cmap="plasma", interactive=False)
    ax = handle.ax
    assert isinstance(handle, plot.VectorFieldHandle) and handle.mode == "quiver"
    assert list(ax.collections) == [handle.quiver] and handle.stream is None
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y") and ax.get_xlim() == (-2, 2)
    np.testing.assert_allclose(handle.quiver.get_array(), handle.speed.ravel())
    assert handle.quiver.cmap.name == "plasma"
    first_speed = handle.speed.copy()

    handle.update(params={"a": -1.0}, fixed={"z": 0.0})
    expected_U, expected_V = _expected(handle.X, handle.Y, a=-1.0, z=0.0)
    np.testing.assert_allclose(handle.U, expected_U, rtol=1e-14)
    np.testing.assert_allclose(handle.quiver.U, expected_U.ravel(), rtol=1e-14)
    np.testing.assert_allclose(handle.quiver.get_array(), handle.speed.ravel())
    assert not np.allclose(handle.speed, first_speed)
    assert handle.last_params == {"a": -1.0} and handle.last_fixed == {"z": 0.0}
    assert len(ax.collections) == 1  # updated in place, not drawn again
    _assert_drawn(ax.figure)

    with pytest.raises(KeyError, match="unknown param 'nope'"):
        handle.update(params={"nope": 1.0})
    assert handle.last_params == {"a": -1.0}  # a failed update leaves the handle as it was


def test_nullclines_are_the_zero_lines_and_toggle(spiral):
    handle = plot.vectorfield(spiral, xlim=(-2, 2), ylim=(-2, 2), resolution=8, nullclines=True,
                              fixed={"z": 0.0}, nullcline_style={"colors": ["k"]},
                              interactive=False)
    assert handle.nullcline_resolution == (40, 40) and handle.nullcline_U.shape == (40, 40)
    x_nullcline, y_nullcline = handle.nullcline_artists
    # x' = 0.5 x - y = 0 and y' = x - 0.2 y = 0 are straight lines through the origin
    points = np.vstack([p.vertices for p in x_nullcline.collections[0].get_paths()])
    np.testing.assert_allclose(points[:, 1], 0.5 * points[:, 0], atol=1e-9)
    points = np.vstack([p.vertices for p in y_nullcline.collections[0].get_paths()])
    np.testing.assert_allclose(points[:, 0], 0.2 * points[:, 1], atol=1e-9)

    cached_U = handle.nullcline_U
    handle.toggle_nullclines()
    assert not handle.nullclines_enabled and handle.nullcline_artists == []
    handle.toggle_nullclines()
    assert handle.nullclines_enabled and handle.nullcline_U is cached_U  # no re-evaluation
    handle.update(params={"a": 1.0})
    assert handle.nullcline_U is not cached_U and len(handle.nullcline_artists) == 2
    _assert_drawn(handle.ax.figure)


def test_stream_mode_redraws_without_leftovers(spiral):
    handle = plot.vectorfield(spiral, mode="streamlines", xlim=(-2, 2), ylim=(-2, 2),
                              resolution=12, color="C2", stream_kwargs={"density": 0.6},
                              interactive=False)
    assert handle.mode == "stream" and handle.quiver is None
    first_lines = handle.stream.lines
    assert first_lines in handle.ax.collections and len(handle.ax.patches) > 0
    handle.update(params={"a": -0.5})
    assert handle.stream.lines is not first_lines
    assert list(handle.ax.collections) == [handle.stream.lines]
    assert set(map(id, handle.ax.patches)) == set(map(id, handle._stream_patches))
    _assert_drawn(handle.ax.figure)


def test_clicks_launch_trajectories_and_keys_toggle(spiral):
    handle = plot.vectorfield(spiral, xlim=(-2, 2), ylim=(-2, 2), resolution=6, T=1.0,
                              trajectory_style={"color": "C3"})
    figure = handle.ax.figure
    figure.canvas.draw()
    x_pixel, y_pixel = handle.ax.transData.transform((0.25, -0.5))
    figure.canvas.callbacks.process("button_press_event",
                                    MouseEvent("button_press_event", figure.canvas, x_pixel, y_pixel, 1))
    (line,) = handle.traj_lines
    assert line.get_xdata()[0] == pytest.approx(0.25) and line.get_ydata()[0] == pytest.approx(-0.5)
    assert len(line.get_xdata()) > 3  # an adaptive stepper's samples up to T
    figure.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", figure.canvas, "n"))
    assert handle.nullclines_enabled and len(handle.nullcline_artists) == 2
    figure.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", figure.canvas, "c"))
    assert handle.traj_lines == [] and len(handle.ax.lines) == 0

    quiet = plot.vectorfield(spiral, interactive=False)
    with pytest.raises(RuntimeError, match="interactive"):
        quiet.simulate_at(0.1, 0.1)


def test_vectorfield_name_stays_callable_after_the_module_loads(spiral):
    import importlib
    module = importlib.import_module("dynlib.plot.vectorfield")
    assert plot.vectorfield in (module, module.vectorfield)  # whichever the import left there
    handle = plot.vectorfield(spiral, resolution=4, interactive=False)
    assert isinstance(handle, plot.VectorFieldHandle)


def test_vectorfield_rejects_bad_input(spiral):
    with pytest.raises(TypeError, match="ODE"):
        plot.vectorfield(dynlib.build("builtin://map/henon"))
    with pytest.raises(KeyError, match="unknown state"):
        plot.vectorfield(spiral, vars=("x", "w"))
    with pytest.raises(KeyError, match="names no state"):
        plot.eval_vectorfield(spiral, fixed={"a": 1.0})
    with pytest.raises(ValueError, match="mode"):
        plot.vectorfield(spiral, mode="arrowsss")
    with pytest.raises(ValueError, match="two states"):
        plot.eval_vectorfield(spiral, vars=("x",))
    with pytest.raises(TypeError, match="Sim, FullModel"):
        plot.vectorfield(np.zeros(3))


def test_vectorfield_sweep_facets_share_a_norm(spiral):
    result = plot.vectorfield_sweep(spiral, param="a", values=[-0.5, 0.0, 0.5], cols=2,
                                    xlim=(-2, 2), ylim=(-2, 2), resolution=7, speed_color=True,
                                    facet_titles="a={value:.1f}", title="sweep", nullclines=True)
    assert isinstance(result, plot.VectorFieldSweep)
    assert len(result.handles) == len(result.axes) == 3 and result.sweep_keys == (-0.5, 0.0, 0.5)
    assert [ax.get_title() for ax in result.axes] == ["a=-0.5", "a=0.0", "a=0.5"]
    assert len({id(h.quiver.norm) for h in result.handles}) == 1
    top = max(float(h.speed.max()) for h in result.handles)
    assert result.speed_norm.vmax == pytest.approx(top)
    assert result.colorbar is not None
    assert result.figure._suptitle.get_text() == "sweep"
    assert sum(ax.get_visible() for ax in result.figure.axes) == 4  # 3 facets + colorbar
    np.testing.assert_allclose(result.handles[2].U, _expected(result.handles[2].X,
                                                              result.handles[2].Y, a=0.5)[0])
    _assert_drawn(result.figure)

    custom = plot.vectorfield_sweep(spiral, sweep={"low z": {"fixed": {"z": -1.0}},
                                                   "fast": {"params": {"a": 3.0}}},
                                    resolution=4)
    assert [ax.get_title() for ax in custom.axes] == ["low z", "fast"]
    assert custom.handles[0].last_fixed == {"z": -1.0} and custom.colorbar is None
    by_state = plot.vectorfield_sweep(spiral, param="z", values=[0.0, 2.0], target="fixed",
                                      resolution=4)
    assert by_state.handles[1].last_fixed == {"z": 2.0}
    with pytest.raises(ValueError, match="param= and values="):
        plot.vectorfield_sweep(spiral)
    with pytest.raises(ValueError, match="not both"):
        plot.vectorfield_sweep(spiral, param="a", values=[1.0], sweep={"k": {}})


def test_vectorfield_animate_frames_and_saving(spiral, tmp_path):
    anim = plot.vectorfield_animate(spiral, param="a", values=[-0.5, 0.5, 1.5], xlim=(-2, 2),
                                    ylim=(-2, 2), resolution=6, speed_color=True, nullclines=True,
                                    title_func=lambda value, idx: f"a={value} #{idx}", fps=4)
    assert isinstance(anim, plot.VectorFieldAnimation) and len(anim.frames) == 3
    assert anim.ax.get_title() == "a=-0.5 #0"
    anim.animation._func(anim.frames[2])
    assert anim.handle.last_params == {"a": 1.5} and anim.ax.get_title() == "a=1.5 #2"
    np.testing.assert_allclose(anim.handle.U, _expected(anim.handle.X, anim.handle.Y, a=1.5)[0])
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == 3  # one picture per frame, no encoder needed
    pytest.importorskip("PIL")
    path = anim.save(tmp_path / "field.gif", writer="pillow")
    assert path.stat().st_size > 0


def test_vectorfield_animate_frame_functions_and_errors(spiral):
    anim = plot.vectorfield_animate(spiral, frames=4, resolution=4, mode="stream",
                                    params_func=lambda v, i: {"a": 0.5 + i},
                                    fixed_func=lambda v: {"z": float(v)}, title="fixed title")
    anim.animation._func(anim.frames[3])
    assert anim.handle.last_params == {"a": 3.5} and anim.handle.last_fixed == {"z": 3.0}
    assert anim.ax.get_title() == "fixed title" and anim.handle.stream is not None
    assert len(plot.vectorfield_animate(spiral, duration=1.0, fps=3, resolution=3).frames) == 3
    with pytest.raises(ValueError, match="not both"):
        plot.vectorfield_animate(spiral, param="a", values=[1, 2], params_func=lambda v: {})
    with pytest.raises(ValueError, match="needs frames="):
        plot.vectorfield_animate(spiral, params_func=lambda v: {})
    with pytest.raises(ValueError, match="mode"):
        plot.vectorfield_animate(spiral, frames=2, mode="none")
    with pytest.raises(ValueError, match="param="):
        plot.vectorfield_animate(spiral, values=[1.0, 2.0])
