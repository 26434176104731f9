"""trace_manifold_1d_map / trace_manifold_1d_ode (docs/manifolds.md): the reference's names,
arguments and result shape; linear saddles' manifolds are their eigenvector lines; the Hénon
map's unstable manifold lies on its attractor; Sims and FullModels agree; errors; and
dynlib.plot.manifold draws a result headless; the reference's options (clip_margin, segment caps,
strict_1d, fp_check_tol, resample_h) with its defaults."""
import inspect
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
    res = trace_manifold_1d_map(model, kind="unstable", hmax=0.05, max_arclength=3,
                                fp_check_tol=None)
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
    res = trace_manifold_1d_map(dynlib.build(LINEAR_MAP), kind="stable", max_arclength=2,
                                fp_check_tol=None)
    assert res.meta["method"] == "newton"
    for seg in res.branch_pos + res.branch_neg:
        assert line_distance(seg, [1, 2], [1, -1.5]).max() <= 1e-12
    ode = dynlib.build(LINEAR_ODE)
    for kind, v in (("unstable", [1, 0]), ("stable", [1, -3])):
        r = trace_manifold_1d_ode(ode, kind=kind, max_arclength=3, bounds=[[-9, 9], [-9, 9]])
        for seg in r.branch_pos + r.branch_neg:
            assert seg.shape[0] > 50
            assert line_distance(seg, [0, 0], v).max() <= 1e-12


def test_henon_unstable_manifold_on_the_attractor_and_sim_defaults():
    sim = dynlib.setup("builtin://map/henon")
    res = trace_manifold_1d_map(sim, fp={"x": 0.6, "y": 0.2}, kind="unstable",
                                bounds=[[-2, 2], [-1, 1]], hmax=5e-3, max_arclength=3,
                                fp_check_tol=None)
    assert res.step_mul == 2 and res.eigenvalue.real < -1
    traj = sim.run(N=50000, transient=1000, ic={"x": 0.1, "y": 0.1})
    A = np.column_stack([traj["x"], traj["y"]])
    for seg in res.branches[0] + res.branches[1]:
        pts = seg[::10]
        d = np.sqrt(((pts[:, None, :] - A[None, :, :]) ** 2).sum(-1)).min(axis=1)
        assert d.max() < 2e-2
    # a FullModel gives the same points as the Sim
    same = trace_manifold_1d_map(sim.model, fp=[0.6, 0.2], kind="unstable",
                                 bounds=[[-2, 2], [-1, 1]], hmax=5e-3, max_arclength=3,
                                 fp_check_tol=None)
    np.testing.assert_array_equal(same.branch_pos[0], res.branch_pos[0])


def test_henon_stable_manifold_inverse_and_newton():
    model = dynlib.build("builtin://map/henon")
    a = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-3, 3], [-3, 3]],
                              max_arclength=2, fp_check_tol=None)
    b = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-3, 3], [-3, 3]],
                              max_arclength=2, inverse="newton", fp_check_tol=None)
    assert a.meta["uses_inverse"] and b.meta["method"] == "newton"
    np.testing.assert_allclose(a.branch_pos[0][:50], b.branch_pos[0][:50], atol=1e-9)


def test_params_and_errors():
    model = dynlib.build("builtin://map/henon")
    r = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstable", params={"a": 1.2},
                              max_arclength=1, fp_check_tol=None)
    a, b = 1.2, 0.3
    x = (-(1 - b) + math.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a)
    assert r.fixed_point[0] == pytest.approx(x, abs=1e-12)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'unstable'"):
        trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstabel", fp_check_tol=None)
    with pytest.raises(dynlib.DynlibError, match="trace_manifold_1d_ode"):
        trace_manifold_1d_map(dynlib.build(LINEAR_ODE))
    with pytest.raises(dynlib.DynlibError, match="not 1-D"):
        trace_manifold_1d_ode(dynlib.build("builtin://ode/lorenz"), fp=[0, 0, 0],
                              bounds=[[-1, 1]] * 3)
    with pytest.raises(dynlib.DynlibError, match="did you mean"):
        trace_manifold_1d_map(model, fp={"xx": 0.6})


def test_plot_manifold_renders_a_result(tmp_path):
    import matplotlib.pyplot as plt

    from dynlib.plot import manifold

    model = dynlib.build("builtin://map/henon")
    wu = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="unstable", bounds=[[-2, 2], [-1, 1]],
                               max_arclength=3, fp_check_tol=None)
    ws = trace_manifold_1d_map(model, fp=[0.6, 0.2], kind="stable", bounds=[[-2, 2], [-1, 1]],
                               fp_check_tol=None, steps=8)
    fig, ax = plt.subplots()
    manifold(result=wu, ax=ax)
    manifold(result=ws, ax=ax, color="C1")
    assert len(ax.collections) == 4  # one per branch
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["unstable", "stable"]
    out = tmp_path / "manifold.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000
    plt.close(fig)


HENON_SADDLE = [(-0.7 + math.sqrt(0.49 + 5.6)) / 2.8, 0.3 * (-0.7 + math.sqrt(0.49 + 5.6)) / 2.8]

QUADRATIC_SADDLE = """inline:
[model]
type = "ode"
name = "saddle2d"
[states]
x = 0.1
y = 0.1
[equations.rhs]
x = "x"
y = "-y + x*x"
"""

DUFFING = """inline:
[model]
type = "ode"
name = "duffing_loops"
[states]
x = 0.0
v = 0.0
[equations.rhs]
x = "v"
v = "x - x*x*x"
"""


def test_the_reference_keywords_and_defaults():
    want_map = dict(kind="stable", params=None, bounds=None, clip_margin=0.25, seed_delta=1e-7,
                    steps=60, hmax=2e-3, max_points_per_segment=20000, max_segments=200,
                    eig_rank=None, strict_1d=True, eig_unit_tol=1e-10, eig_imag_tol=1e-12,
                    jac="auto", fd_eps=1e-6, fp_check_tol=1e-6, t=None)
    want_ode = dict(kind="stable", params=None, clip_margin=0.25, seed_delta=1e-6, dt=0.01,
                    max_time=100.0, resample_h=0.01, max_points=50000, eig_rank=None,
                    strict_1d=True, eig_real_tol=1e-10, eig_imag_tol=1e-12, jac="auto",
                    fd_eps=1e-6, fp_check_tol=1e-6, t=None)
    for fn, want in ((trace_manifold_1d_map, want_map), (trace_manifold_1d_ode, want_ode)):
        params = inspect.signature(fn).parameters
        for name, default in want.items():
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
            assert params[name].default == default, name
    # ODEs: bounds is required, as in the reference.
    assert inspect.signature(trace_manifold_1d_ode).parameters["bounds"].default is \
        inspect.Parameter.empty


def test_map_clip_margin_segments_and_caps():
    model = dynlib.build("builtin://map/henon")
    kw = dict(fp=HENON_SADDLE, kind="stable", bounds=[[-2.5, 2.5], [-2.5, 2.5]],
              clip_margin=0.35, hmax=1e-2, steps=12)
    r = trace_manifold_1d_map(model, **kw)
    assert r.meta["clip_margin"] == 0.35 and r.meta["max_segments"] == 200
    for segs, traced in zip(r.branches, r.meta["traced"]):
        assert np.abs(traced).max() <= 2.5 + 5 * 0.35
        for seg in segs:
            assert seg.shape[0] >= 2 and np.abs(seg).max() <= 2.5
    assert sum(len(p) for p in r.meta["piece_begin"]) > 2
    r2 = trace_manifold_1d_map(model, max_segments=2, **kw)
    assert all(len(segs) <= 2 for segs in r2.branches)
    r3 = trace_manifold_1d_map(model, max_points_per_segment=30, **kw)
    assert r3.meta["stop"] == ("max_points_per_segment",) * 2
    assert all(seg.shape[0] <= 30 for segs in r3.branches for seg in segs)


def test_ode_clip_margin_splits_and_resample_spacing():
    model = dynlib.build(DUFFING)
    r = trace_manifold_1d_ode(model, fp=[0, 0], kind="unstable", bounds=[[-1.2, 1.2], [-1, 1]],
                              max_time=22)
    assert [len(b) for b in r.branches] == [2, 2]
    for seg in r.branches[0] + r.branches[1]:
        assert np.abs(seg[:, 0]).max() <= 1.2 + 1e-12 and np.abs(seg[:, 1]).max() <= 1 + 1e-12
        steps = np.hypot(*np.diff(seg, axis=0).T)
        # spacing length / floor(length / h) along the polyline: h up to 1 + h / length (~0.3%
        # here); chords a hair shorter on bends
        assert 0.0099 < steps.min() and steps.max() < 0.0101
    tight = trace_manifold_1d_ode(model, fp=[0, 0], kind="unstable",
                                  bounds=[[-1.2, 1.2], [-1, 1]], max_time=22, clip_margin=0.0)
    assert [len(b) for b in tight.branches] == [1, 1]
    raw = trace_manifold_1d_ode(model, fp=[0, 0], kind="unstable",
                                bounds=[[-1.2, 1.2], [-1, 1]], max_time=22, resample_h=None)
    assert raw.meta["resample_h"] is None
    np.testing.assert_array_equal(raw.branches[0][0], raw.meta["traced"][0][:len(raw.branches[0][0])])


def test_strict_1d_and_fp_check_tol():
    lorenz = dynlib.build("builtin://ode/lorenz")
    with pytest.raises(dynlib.DynlibError, match="not 1-D"):
        trace_manifold_1d_ode(lorenz, fp=[0, 0, 0], bounds=[[-1, 1]] * 3)
    loose = trace_manifold_1d_ode(lorenz, fp=[0, 0, 0], bounds=[[-1, 1]] * 3, strict_1d=False,
                                  max_time=1)
    assert loose.eigenvalue.real < -20 and loose.meta["strict_1d"] is False
    henon = dynlib.build("builtin://map/henon")
    with pytest.raises(dynlib.DynlibError, match="not a fixed point within fp_check_tol"):
        trace_manifold_1d_map(henon, fp=[0.6, 0.2], kind="unstable", bounds=[[-2, 2], [-1, 1]])
    a = trace_manifold_1d_map(henon, fp=HENON_SADDLE, kind="unstable", bounds=[[-2, 2], [-1, 1]],
                              max_arclength=0.5)
    b = trace_manifold_1d_map(henon, fp=[0.6, 0.2], kind="unstable", bounds=[[-2, 2], [-1, 1]],
                              max_arclength=0.5, fp_check_tol=None)
    assert a.meta["fp_check_tol"] == 1e-6 and b.meta["fp_check_tol"] is None
    assert a.fixed_point[0] == pytest.approx(b.fixed_point[0], abs=1e-13)
    with pytest.raises(dynlib.DynlibError, match="not an equilibrium within fp_check_tol"):
        trace_manifold_1d_ode(dynlib.build(QUADRATIC_SADDLE), fp=[0.01, 0], bounds=[[-1, 1]] * 2)


def test_reference_ode_example_numbers():
    sim = dynlib.setup(QUADRATIC_SADDLE)
    kw = dict(fp={"x": 0.0, "y": 0.0}, bounds=((-2.5, 2.5), (-2.5, 2.5)), dt=0.01, max_time=50.0,
              resample_h=0.01)
    st = trace_manifold_1d_ode(sim, kind="stable", **kw)
    un = trace_manifold_1d_ode(sim, kind="unstable", **kw)
    assert st.eigenvalue == pytest.approx(-1) and un.eigenvalue == pytest.approx(1)
    assert max(np.abs(b[:, 0]).max() for b in st.branches[0] + st.branches[1]) == 0
    err = max(np.abs(b[:, 1] - b[:, 0] ** 2 / 3).max() for b in un.branches[0] + un.branches[1])
    assert err < 1.5e-4  # resampled points lie on chords between the RK4 points
    assert st.meta["kind"] == "stable" and st.meta["dt"] == 0.01 and st.meta["max_points"] == 50000


def test_jac_fd_uses_fd_eps_and_analytic_is_the_model_jacobian():
    henon = dynlib.build("builtin://map/henon")
    kw = dict(fp=HENON_SADDLE, kind="unstable", bounds=[[-2, 2], [-1, 1]], max_arclength=0.1)
    exact = trace_manifold_1d_map(henon, **kw).eigenvalue
    assert trace_manifold_1d_map(henon, jac="analytic", **kw).eigenvalue == pytest.approx(exact)
    fine = trace_manifold_1d_map(henon, jac="fd", **kw)
    coarse = trace_manifold_1d_map(henon, jac="fd", fd_eps=1e-2, **kw)
    assert coarse.meta["fd_eps"] == 1e-2 and coarse.meta["jac"] == "fd"
    assert abs(fine.eigenvalue - exact) < 1e-5
    assert 1e-3 < abs(coarse.eigenvalue - exact) < 0.1
