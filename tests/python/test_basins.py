"""dynlib.analysis basins (docs/basins.md): the reference's names and result shape, basin_known on
the double-well Duffing oscillator and the Hénon map, basin_auto on Newton's method for z^3 - 1
agreeing with basin_known up to a relabelling, a reusable KnownAttractorLibrary, stats and summary,
threads, and basin_plot drawing a result."""
import numpy as np
import pytest

import dynlib
from dynlib.analysis import (
    BLOWUP,
    OUTSIDE,
    UNRESOLVED,
    BasinResult,
    FixedPoint,
    KnownAttractorLibrary,
    ReferenceRun,
    basin_auto,
    basin_axis,
    basin_known,
    basin_points,
    basin_stats,
    basin_summary,
    basin_values,
    build_known_attractors_psc,
    print_basin_summary,
)

NEWTON = """inline:
[model]
type = "map"
name = "newton_cubic"
[states]
x = 1.0
y = 0.5
[aux]
re3 = "2*(x**3 - 3*x*y**2) + 1"
im3 = "2*(3*x**2*y - y**3)"
re2 = "x**2 - y**2"
im2 = "2*x*y"
den = "3*(x**2 + y**2)**2"
[equations.rhs]
x = "(re3*re2 + im3*im2)/den"
y = "(im3*re2 - re3*im2)/den"
[sim]
dt = 1
"""
ROOTS = [FixedPoint("1", [1.0, 0.0], 0.1),
         FixedPoint("w", [-0.5, np.sqrt(3) / 2], 0.1),
         FixedPoint("w2", [-0.5, -np.sqrt(3) / 2], 0.1)]


def duffing():
    sim = dynlib.setup("builtin://ode/duffing")
    sim.assign(gamma=0.0, delta=0.5)
    return sim


def test_codes_and_submodules_are_the_references():
    assert (BLOWUP, OUTSIDE, UNRESOLVED) == (-1, -2, -3)
    from dynlib.analysis.basin import BasinAxis
    from dynlib.analysis.basin_auto import basin_auto as auto
    from dynlib.analysis.basin_codes import BLOWUP as code
    from dynlib.analysis.basin_known import basin_known as known
    from dynlib.analysis.basin_stats import basin_stats as stats
    assert code == -1 and auto is basin_auto and known is basin_known and stats is basin_stats
    assert basin_axis(0, 1, n=3) == BasinAxis(0.0, 1.0, 3, "edge")
    import dynlib.analysis as analysis
    # a function named like its module is the function
    assert callable(analysis.basin_known) and callable(analysis.basin_stats)


def test_duffing_two_symmetric_basins_shaped_like_the_grid():
    xs = np.linspace(-2, 2, 24)
    wells = [FixedPoint("left", [-1, 0], 0.1), FixedPoint("right", [1, 0], 0.1)]
    res = basin_known(duffing(), wells, ic={"x": basin_axis(-2, 2, n=24), "y": basin_values(xs)},
                      dt_obs=0.05, max_samples=2000)
    assert isinstance(res, BasinResult)
    assert res.labels.shape == (576,) and res.labels.dtype == np.int64  # flat, as the reference's
    assert set(np.unique(res.labels)) == {0, 1}
    n0, n1 = np.sum(res.labels == 0), np.sum(res.labels == 1)
    assert abs(n0 - n1) <= 0.01 * res.labels.size
    # (x, y) -> (-x, -y) exchanges the wells: grid[i, j] + grid[-1-i, -1-j] == 1
    grid = res.labels.reshape(res.meta["ic_grid"])
    assert np.mean(grid + grid[::-1, ::-1] == 1) > 0.99
    assert res.meta["ic_grid"] == (24, 24)
    assert res.meta["ic_vars"] == ("x", "y")
    assert res.meta["attractor_labels"] == ("left", "right")
    np.testing.assert_array_equal(res.meta["ic_axis_values"][1], xs)
    st = basin_stats(res)
    assert st.n_total == 576 and st.n_attractors == 2 and st.n_identified == 576
    assert st.fraction(0) + st.fraction(1) == pytest.approx(1.0)
    assert st.per_attractor[0].n_points >= st.per_attractor[1].n_points
    text = basin_summary(res)
    assert "Attractor 1 (right)" in text and "BASIN ANALYSIS RESULTS" in text


def test_henon_attractor_against_escape_and_a_reusable_library(capsys):
    sim = dynlib.setup("builtin://map/henon")
    lib = build_known_attractors_psc(sim, [ReferenceRun("henon", ic=[0.1, 0.1])],
                                     transient_samples=200, signature_samples=3000,
                                     escape_bounds=[(-5, 5), (-5, 5)])
    assert isinstance(lib, KnownAttractorLibrary)
    assert lib.names == ("henon",) and lib.trajectories[0].shape == (3000, 2)
    # the Hénon attractor lies in |x| < 1.3, |y| < 0.4
    assert np.all(np.abs(lib.trajectories[0][:, 0]) < 1.3)
    pts = basin_points([[0, 0], [5, 5], [0.5, 0.1]], vars=["x", "y"])
    res = basin_known(sim, lib, ic=pts, max_samples=600, outside_limit=3)
    assert res.labels.tolist() == [0, OUTSIDE, 0]
    res = basin_known(sim, [ReferenceRun("henon", ic=[0.1, 0.1])], ic=pts, max_samples=600,
                      transient_samples=0, signature_samples=2000)
    assert res.labels.tolist() == [0, BLOWUP, 0]
    print_basin_summary(res)
    assert "Blowup trajectories: 1 (33.3%)" in capsys.readouterr().out


def test_newton_auto_agrees_with_known_and_threads_do_not_matter():
    sim = dynlib.setup(NEWTON)
    ic = {"x": basin_axis(-1.5, 1.5, n=30), "y": basin_axis(-1.5, 1.5, n=30)}
    auto = basin_auto(sim, ic=ic, obs_min=-3, obs_max=3, grid_res=64, max_samples=400,
                      outside_limit=50, batch_size=200)
    assert len(auto.registry) == 3
    assert all(len(a.fingerprint) > 0 and len(a.cells) > 0 for a in auto.registry)
    known = basin_known(sim, ROOTS, ic=ic, max_samples=400)
    assert auto.labels.shape == known.labels.shape == (900,)
    pairs = {(a, k) for a, k in zip(auto.labels.ravel(), known.labels.ravel())}
    assert len(pairs) == 3
    assert {a for a, _ in pairs} == {0, 1, 2} and {k for _, k in pairs} == {0, 1, 2}
    one = basin_auto(sim, ic=ic, obs_min=-3, obs_max=3, grid_res=64, max_samples=400,
                     outside_limit=50, batch_size=200, parallel_mode="none")
    np.testing.assert_array_equal(one.labels, auto.labels)
    two = basin_known(sim, ROOTS, ic=ic, max_samples=400, max_workers=2)
    np.testing.assert_array_equal(two.labels, known.labels)


def test_errors():
    sim = dynlib.setup(NEWTON)
    with pytest.raises(ValueError):
        basin_axis(1, 0, n=3)
    with pytest.raises(TypeError, match="basin_points"):
        basin_known(sim, ROOTS, ic=np.zeros((3, 2)))
    with pytest.raises(dynlib.DynlibError, match="unknown"):
        basin_known(sim, ROOTS, ic={"q": basin_axis(0, 1, n=2)})
    with pytest.raises(dynlib.DynlibError, match="u_th"):
        basin_auto(sim, ic={"x": basin_axis(0, 1, n=2), "y": basin_axis(0, 1, n=2)}, u_th=0.0)
    with pytest.raises(ValueError, match=r"expected \(n_ic, 0\)"):  # the model has no params
        basin_known(sim, ROOTS, ic={"x": basin_axis(0, 1, n=2)}, params=np.zeros(1))
    with pytest.raises(dynlib.DynlibError, match="grid"):
        basin_known(sim, ROOTS, ic=basin_points([[1, 0]], vars=["x", "y"]), refine=True)


def test_refine_keeps_the_newton_basins_with_fewer_runs():
    sim = dynlib.setup(NEWTON)
    ic = {"x": basin_axis(-1.5, 1.5, n=60), "y": basin_axis(-1.5, 1.5, n=60)}
    exact = basin_known(sim, ROOTS, ic=ic, max_samples=200)
    fast = basin_known(sim, ROOTS, ic=ic, max_samples=200, refine=True, coarse_factor=4)
    assert np.mean(exact.labels == fast.labels) > 0.97
    ran = fast.samples > 0
    np.testing.assert_array_equal(exact.labels[ran], fast.labels[ran])
    assert ran.sum() < exact.labels.size


def test_basin_plot_draws_a_result():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from dynlib import plot

    sim = dynlib.setup(NEWTON)
    # an even number of x values: the pole z = 0 is not on the grid
    res = basin_known(sim, ROOTS, ic={"x": basin_axis(-1.5, 1.5, n=20),
                                      "y": basin_axis(-1, 1, n=15)}, max_samples=200)
    assert res.labels.shape == (300,) and res.meta["ic_grid"] == (20, 15)
    assert set(np.unique(res.labels)) == {0, 1, 2}
    ax = plot.basin_plot(res)
    (mesh,) = ax.collections
    classes = np.asarray(mesh.get_array()).reshape(15, 20)  # rows y, columns x
    # specials take class indices 0..2, attractors 3.. in id order: the image is labels.T
    np.testing.assert_array_equal(classes, res.labels.reshape(20, 15).T + 3)
    names = [t.get_text() for t in ax._last_colorbar.ax.get_yticklabels()]
    assert names[3:] == ["1", "w", "w2"]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    ax.figure.canvas.draw()
    plt.close("all")


def test_ctrl_c_stops_the_threads_and_raises_keyboard_interrupt():
    import json
    import subprocess
    import textwrap

    from conftest import PYTHON, interrupt, python_env

    child_code = """
    import json, signal, time
    import dynlib
    from dynlib.analysis import basin_known, basin_axis, FixedPoint
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sim = dynlib.setup("builtin://ode/duffing")
    sim.assign(gamma=0.0, delta=0.0)  # no damping: nothing settles, every run takes its budget
    print("running", flush=True)
    start = time.perf_counter()
    try:
        basin_known(sim, [FixedPoint("l", [-1, 0], 0.01)],
                    ic={"x": basin_axis(-2, 2, n=400), "y": basin_axis(-2, 2, n=400)},
                    dt_obs=0.01, max_samples=10**6)
        outcome = "finished"
    except KeyboardInterrupt:
        outcome = "KeyboardInterrupt"
    print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start}))
    """
    child = subprocess.Popen([PYTHON, "-c", textwrap.dedent(child_code)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=python_env())
    assert child.stdout.readline().strip() == "running"
    out, err, reaction = interrupt(child)
    assert child.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["outcome"] == "KeyboardInterrupt"
    assert reaction < 10
