"""trace_manifold_1d_map / trace_manifold_1d_ode (docs/manifolds.md): the reference's names,
arguments and result shape; linear saddles' manifolds are their eigenvector lines; the Hénon
map's unstable manifold lies on its attractor; Sims and FullModels agree; errors; and
dynlib.plot.manifold draws a result headless."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import dynlib
from dynlib.analysis import ManifoldTraceResult, trace_manifold_1d_map, trace_manifold_1d_ode
from dynlib.analysis.manifold import trace_manifold_1d_map as ref_path_map

LINEAR_MAP = """inline:
[model]
type = "map"
name = "linear_saddle"
[states]
x = 0.9
y = 2.1
[equations.rhs]
x = "2*(x - 1) + (y - 2) + 1"
y = "0.5*(y - 2) + 2"
[sim]
stepper = "map"
"""

LINEAR_ODE = """inline:
[model]
type = "ode"
name = "linear_saddle_ode"
[states]
x = 0.0
y = 0.0
[equations.rhs]
x = "x + y"
y = "-2*y"
"""


def line_distance(P, c, v):
    v = np.asarray(v, float) / np.hypot(*v)
    d = P - np.asarray(c, float)
    return np.abs(d[:, 0] * v[1] - d[:, 1] * v[0]) / (1 + np.hypot(P[:, 0], P[:, 1]))


def test_module_paths_and_result_shape():
    assert ref_path_map is trace_manifold_1d_map
    model = dynlib.build(LINEAR_MAP)
    res = trace_manifold_1d_map(model, kind="unstable", hmax=0.05, max_arclength=3)
    assert isinstance(res, ManifoldTraceResult)
    assert res.kind == "unstable"
    np.testing.assert_allclose(res.fixed_point, [1, 2], atol=1e-12)
    assert res.eigenvalue == pytest.approx(2)
    assert res.step_mul == 1
    assert len(res.branch_pos) == 1 and len(res.branch_neg) == 1
    for seg in (res.branch_pos[0], res.branch_neg[0]):
        assert seg.shape[1] == 2 and seg.shape[0] > 20
        assert line_distance(seg, [1, 2], [1, 0]).max() <= 1e-12
        assert np.hypot(*np.diff(seg, axis=0).T).max() <= 0.05 * (1 + 1e-12)
    assert res.meta["method"] == "forward"
    assert res.meta["stop"] == ("max_arclength", "max_arclength")


def test_linear_map_stable_by_newton_and_linear_ode():
    res = trace_manifold_1d_map(dynlib.build(LINEAR_MAP), kind="stable", max_arclength=2)
    assert res.meta["method"] == "newton"
    for seg in res.branch_pos + res.branch_neg:
        assert line_distance(seg, [1, 2], [1, -1.5]).max() <= 1e-12
    ode = dynlib.build(LINEAR_ODE)
    for kind, v in (("unstable", [1, 0]), ("stable", [1, -3])):
        r = trace_manifold_1d_ode(ode, kind=kind, max_arclength=3)
        for seg in r.branch_pos + r.branch_neg:
            assert seg.shape[0] > 50
            assert line_distance(seg, [0, 0], v).max() <= 1e-12


def test_henon_unstable_manifold_on_the_attractor_and_sim_defaults():
    sim = dynlib.setup("builtin://map/henon")
    res = trace_manifold_1d_map(sim, fp={"x": 0.6, "y": 0.2}, kind="unstable",
                                bounds=[[-2, 2], [-1, 1]], hmax=5e-3, max_arclength=3)
    assert res.step_mul == 2 and res.eigenvalue.real < -1
    traj = sim.run(N=50000, transient=1000, ic={"x": 0.1, "y": 0.1})
    A = np.column_stack([traj["x"], traj["y"]])
    for seg in res.branches[0] + res.branches[1]:
        pts = seg[::10]
        d = np.sqrt(((pts[:, None, :] - A[None, :, :]) ** 2).sum(-1)).min(axis=1)
        assert d.max() < 2e-2
    # a FullModel gives the same points as the Sim
    same = trace_manifold_1d_map(sim.model, fp=[0.6, 0.2], kind="unstable",
                                 bounds=[[-2, 2], [-1, 1]], hmax=5e-3, max_arclength=3)
    np.testing.assert_array_equal(same.branch_pos[0], res.branch_pos[0])


def test_henon_stable_manifold_inverse_and_newton():
    model = dynlib.build("builtin://map/henon")
    a = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-3, 3], [-3, 3]],
                              max_arclength=2)
    b = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-3, 3], [-3, 3]],
                              max_arclength=2, inverse="newton")
    assert a.meta["uses_inverse"] and b.meta["method"] == "newton"
    np.testing.assert_allclose(a.branch_pos[0][:50], b.branch_pos[0][:50], atol=1e-9)


def test_params_and_errors():
    model = dynlib.build("builtin://map/henon")
    r = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstable", params={"a": 1.2},
                              max_arclength=1)
    a, b = 1.2, 0.3
    x = (-(1 - b) + math.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a)
    assert r.fixed_point[0] == pytest.approx(x, abs=1e-12)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'unstable'"):
        trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstabel")
    with pytest.raises(dynlib.DynlibError, match="trace_manifold_1d_ode"):
        trace_manifold_1d_map(dynlib.build(LINEAR_ODE))
    with pytest.raises(dynlib.DynlibError, match="not 1-D"):
        trace_manifold_1d_ode(dynlib.build("builtin://ode/lorenz"), fp=[0, 0, 0])
    with pytest.raises(dynlib.DynlibError, match="did you mean"):
        trace_manifold_1d_map(model, fp={"xx": 0.6})


def test_plot_manifold_renders_a_result(tmp_path):
    import matplotlib.pyplot as plt

    from dynlib.plot import manifold

    model = dynlib.build("builtin://map/henon")
    wu = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstable", bounds=[[-2, 2], [-1, 1]],
                               max_arclength=3)
    ws = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-2, 2], [-1, 1]])
    fig, ax = plt.subplots()
    manifold(result=wu, ax=ax)
    manifold(result=ws, ax=ax, color="C1")
    assert len(ax.collections) == 4  # one per branch
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["unstable", "stable"]
    out = tmp_path / "manifold.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000
    plt.close(fig)
