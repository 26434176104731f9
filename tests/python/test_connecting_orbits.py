"""homoclinic_finder/tracer and heteroclinic_finder/tracer (docs/connecting-orbits.md): the
reference's names, configs, presets and result types; x'' = x - x^2 + mu x' has its homoclinic
orbit x = 1.5 sech^2(t/2) exactly at mu = 0; the Nagumo front u'' + c u' + u(1-u)(u-a) = 0 runs
from u = 1 to u = 0 at c* = sqrt(2)(1/2 - a) along v = -u(1-u)/sqrt(2); the reference example
scripts' calls; backends bit for bit; errors; and dynlib.plot.manifold draws a trace."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import dynlib
from dynlib.analysis import (
    HeteroclinicBranchConfig,
    HeteroclinicFinderConfig2D,
    HeteroclinicFinderConfigND,
    HeteroclinicMissResult2D,
    HeteroclinicMissResultND,
    HeteroclinicTraceResult,
    HomoclinicBranchConfig,
    HomoclinicFinderConfig,
    HomoclinicFinderResult,
    HomoclinicMissResult,
    HomoclinicPreset,
    HomoclinicTraceResult,
    heteroclinic_finder,
    heteroclinic_tracer,
    homoclinic_finder,
    homoclinic_tracer,
)
from dynlib.analysis.manifold import homoclinic_finder as ref_path_finder

HOMOCLINIC = """inline:
[model]
type = "ode"
name = "homoclinic_closed_form"
[sim]
stepper = "rk45"
[states]
x = 0.0
y = 0.0
[params]
mu = 0.0
[equations.rhs]
x = "y"
y = "x - x*x + mu*y"
"""

NAGUMO = """inline:
[model]
type = "ode"
name = "nagumo_wave"
[sim]
stepper = "rk45"
[states]
u = 0.0
v = 0.0
[params]
c = 0.0
a = 0.25
[equations.rhs]
u = "v"
v = "-c*v - u*(1-u)*(u-a)"
"""

# The inline models of the reference's examples/analysis/homoclinic_finder_tracer.py and
# heteroclinic_finder_tracer.py.
REF_HOMOCLINIC = """inline:
[model]
type = "ode"
name = "homoclinic-demo"
[sim]
t0 = 0.0
T = 10.0
dt = 0.01
[states]
x = 0.0
y = 0.0
[params]
mu = -0.86
[equations.rhs]
x = "y"
y = "mu*y + x - x*x + x*y"
[equations.jacobian]
expr = [
    ["0", "1"],
    ["1 - 2*x + y", "mu + x"]
]
"""

REF_HETEROCLINIC = """inline:
[model]
type = "ode"
name = "heteroclinic-demo"
[sim]
t0 = 0.0
T = 10.0
dt = 0.01
[states]
u = 0.0
v = 0.0
[params]
c = 0.0
a = 0.3
[equations.rhs]
u = "v"
v = "-c*v - u*(1-u)*(u-a)"
[equations.jacobian]
expr = [
    ["0", "1"],
    ["3*u*u - 2*(1+a)*u + a", "-c"]
]
"""

C_STAR = math.sqrt(2.0) * (0.5 - 0.25)


def small_homoclinic(**kw):
    return homoclinic_finder(dynlib.setup(HOMOCLINIC, **kw), param="mu", param_min=-0.5,
                             param_max=0.5, param_init=0.1, eq_guess=[0.05, -0.02],
                             scan_n=60, t_max=40.0, window=[(-3, 3), (-3, 3)])


def nagumo_cfg(cls=HeteroclinicFinderConfig2D):
    branch = HeteroclinicBranchConfig(t_max=60.0, window_min=[-2, -2], window_max=[3, 2],
                                      rk=dynlib.analysis.HeteroclinicRK45Config(dt_max=5e-2))
    return cls(trace_u=branch, trace_s=branch, scan_n=12, r_sec=0.02)


def test_homoclinic_finder_finds_mu_zero():
    res = small_homoclinic()
    assert isinstance(res, HomoclinicFinderResult)
    assert res.success, res.info["fail"]
    assert abs(res.param_found) < 1e-4
    assert res.info["fail"] is None
    for key in ("best_by_abs_gap", "best_by_q", "gap_found", "q_found", "t_cross", "section",
                "departure"):
        assert key in res.info
    assert abs(res.info["gap_found"]) <= 1e-4
    assert isinstance(res.miss, HomoclinicMissResult)
    assert res.miss.sign_u == 1
    np.testing.assert_allclose(res.miss.eq, [0.0, 0.0], atol=1e-12)
    assert res.miss.r_sec == pytest.approx(1e-2)
    # the reference's module path
    assert ref_path_finder is homoclinic_finder


def test_homoclinic_tracer_follows_the_sech_orbit():
    sim = dynlib.setup(HOMOCLINIC)
    tr = homoclinic_tracer(sim, param="mu", param_value=0.0, eq={"x": 0.0, "y": 0.0}, sign_u=1,
                           t_max=40.0)
    assert isinstance(tr, HomoclinicTraceResult)
    assert tr.success and tr.kind == "homoclinic"
    assert tr.meta.event.kind == "section_cross"
    assert tr.branch_neg == [] and tr.branch_pos[0] is tr.X and tr.branches == ([tr.X], [])
    x, y = tr.X[:, 0], tr.X[:, 1]
    energy = 0.5 * y**2 - 0.5 * x**2 + x**3 / 3
    assert np.max(np.abs(energy)) < 1e-6
    assert np.max(x) == pytest.approx(1.5, abs=1e-3)
    np.testing.assert_array_equal(tr.X[-1], tr.meta.x_cross)
    assert tr.t[0] == 0.0 and tr.t[-1] == tr.meta.t_cross


def test_heteroclinic_finder_and_tracer_nagumo_front():
    sim = dynlib.setup(NAGUMO)
    res = heteroclinic_finder(sim, param="c", param_min=0.0, param_max=0.8, param_init=0.4,
                              source_eq_guess=[1.0, 0.0], target_eq_guess={"u": 0.0, "v": 0.0},
                              cfg=nagumo_cfg())
    assert res.success, res.info["fail"]
    assert res.param_found == pytest.approx(C_STAR, abs=2e-3)
    assert isinstance(res.miss, HeteroclinicMissResult2D)
    assert res.miss.sign_u == -1
    assert "gap_tol_eff_found" in res.info and "sign_s" in res.info
    tr = heteroclinic_tracer(sim, param="c", param_value=C_STAR, source_eq=res.miss.source_eq,
                             target_eq=res.miss.target_eq, sign_u=res.miss.sign_u,
                             hit_radius=0.02, t_max=60.0)
    assert isinstance(tr, HeteroclinicTraceResult)
    assert tr.success and tr.kind == "heteroclinic" and tr.meta.event.kind == "target_ball"
    u, v = tr.X[:, 0], tr.X[:, 1]
    assert np.max(np.abs(v + u * (1 - u) / math.sqrt(2.0))) < 1e-4
    # the ND config gives the same search with the ND miss type
    nd = heteroclinic_finder(sim, param="c", param_min=0.0, param_max=0.8, param_init=0.4,
                             source_eq_guess=[1.0, 0.0], target_eq_guess=[0.0, 0.0],
                             cfg=nagumo_cfg(HeteroclinicFinderConfigND), mode="nd")
    assert isinstance(nd.miss, HeteroclinicMissResultND)
    assert nd.param_found == pytest.approx(C_STAR, abs=2e-3)


def test_reference_examples_calls():
    # The calls of the reference's example scripts, with their arguments (jit as they ask).
    sim = dynlib.setup(REF_HOMOCLINIC, jit=True, disk_cache=False)
    res = homoclinic_finder(sim, param="mu", param_min=-1.2, param_max=-0.6, param_init=-1.0,
                            eq_guess=[0.0, 0.0], preset="default", window=[(-3, 3), (-3, 3)],
                            scan_n=61, max_bisect=60, gap_tol=1e-4, x_tol=1e-4, t_max=2000.0,
                            r_blow=200.0)
    assert res.success, res.info["fail"]
    assert -0.9 < res.param_found < -0.82
    tr = homoclinic_tracer(sim, param="mu", param_value=res.param_found, eq=res.miss.eq,
                           sign_u=res.miss.sign_u, preset="default", window=[(-3, 3), (-3, 3)],
                           t_max=2000.0, r_blow=200.0, r_sec=res.miss.r_sec,
                           t_min_event=res.miss.t_min)
    assert tr.success and tr.meta.status == "ok" and tr.meta.event.kind == "section_cross"

    sim = dynlib.setup(REF_HETEROCLINIC, jit=True, disk_cache=False)
    res = heteroclinic_finder(sim, param="c", param_min=-0.5, param_max=1.0, param_init=0.0,
                              source_eq_guess=[0.0, 0.0], target_eq_guess=[1.0, 0.0],
                              preset="default", window=[(-10, 10), (-10, 10)], scan_n=61,
                              max_bisect=60, gap_tol=1e-4, x_tol=1e-4, t_max=200.0,
                              r_blow=200.0)
    assert res.success, res.info["fail"]
    # the front from u = 0 to u = 1 at c = -sqrt(2)(1/2 - a), a = 0.3
    assert res.param_found == pytest.approx(-math.sqrt(2.0) * 0.2, abs=1e-4)
    tr = heteroclinic_tracer(sim, param="c", param_value=res.param_found,
                             source_eq=res.miss.source_eq, target_eq=res.miss.target_eq,
                             sign_u=res.miss.sign_u, preset="default",
                             window=[(-10, 10), (-10, 10)], t_max=200.0, hit_radius=0.02)
    assert tr.success


def test_interpreter_and_native_identical():
    a = small_homoclinic()
    b = small_homoclinic(jit=True)
    assert a.success and b.success
    assert np.float64(a.param_found).tobytes() == np.float64(b.param_found).tobytes()
    gaps = [np.array([p["gap"] for p in r.info["scan"]]).tobytes() for r in (a, b)]
    assert gaps[0] == gaps[1]


def test_homoclinic_finder_bisects():
    res = homoclinic_finder(dynlib.setup(HOMOCLINIC), param="mu", param_min=-0.43, param_max=0.5,
                            param_init=0.1, eq_guess=[0.0, 0.0], scan_n=60, t_max=40.0,
                            window=[(-3, 3), (-3, 3)])
    assert res.success and res.info["bisection_iters"] > 1
    assert 0 < abs(res.param_found) < 1e-4


def test_presets_and_configs():
    fast = dynlib.analysis.connecting_orbits._HOMOCLINIC_PRESETS["fast"]
    assert isinstance(fast, HomoclinicPreset)
    assert (fast.scan_n, fast.max_bisect, fast.gap_tol, fast.rk.rtol) == (31, 30, 1e-3, 1e-5)
    precise = dynlib.analysis.connecting_orbits._HETEROCLINIC_PRESETS["precise"]
    assert precise.branch.r_leave == 1e-3 and precise.branch.t_min_event == 0.1
    assert HomoclinicBranchConfig().t_min_event == 0.2
    assert HeteroclinicFinderConfig2D().gap_tol == 1e-6
    assert HeteroclinicFinderConfigND().gap_tol == 1e-4
    # a full cfg runs too
    cfg = HomoclinicFinderConfig(trace=HomoclinicBranchConfig(t_max=40.0, window_min=[-3, -3],
                                                              window_max=[3, 3]), scan_n=60)
    res = homoclinic_finder(dynlib.setup(HOMOCLINIC), param=0, param_min=-0.5, param_max=0.5,
                            param_init=0.1, eq_guess=[0.0, 0.0], cfg=cfg)
    assert res.success and abs(res.param_found) < 1e-4


def test_no_sign_change_is_a_result():
    res = homoclinic_finder(dynlib.setup(HOMOCLINIC), param="mu", param_min=0.2, param_max=0.5,
                            param_init=0.3, eq_guess=[0.0, 0.0], scan_n=4, t_max=40.0,
                            window=[(-3, 3), (-3, 3)])
    assert not res.success
    assert res.info["fail"]
    assert math.isnan(res.param_found) and res.miss is None


def test_other_stepper_warns():
    sim = dynlib.setup(HOMOCLINIC, stepper="rk4")
    with pytest.warns(RuntimeWarning, match="'rk4'"):
        tr = homoclinic_tracer(sim, param="mu", param_value=0.0, eq=[0.0, 0.0], sign_u=1,
                               t_max=40.0, trace_cfg=HomoclinicBranchConfig(
                                   rk=dynlib.analysis.HomoclinicRK45Config(dt0=0.01)))
    assert tr.success


def test_errors():
    sim = dynlib.setup(HOMOCLINIC)
    kw = dict(param_min=-0.5, param_max=0.5, param_init=0.0, eq_guess=[0.0, 0.0], scan_n=4,
              t_max=10.0)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'mu'"):
        homoclinic_finder(sim, param="muu", **kw)
    with pytest.raises(dynlib.DynlibError, match="eq has 3 values"):
        homoclinic_finder(sim, param="mu", **{**kw, "eq_guess": [0.0, 0.0, 0.0]})
    with pytest.raises(dynlib.DynlibError, match="did you mean 'fast'"):
        homoclinic_finder(sim, param="mu", preset="fsat", **kw)
    with pytest.raises(ValueError, match="param_min must be < param_max"):
        homoclinic_finder(sim, param="mu", **{**kw, "param_min": 1.0})
    with pytest.raises(ValueError, match="Cannot use 'cfg'"):
        homoclinic_finder(sim, param="mu", cfg=HomoclinicFinderConfig(), **kw)
    with pytest.raises(dynlib.DynlibError, match="is a map"):
        homoclinic_finder(dynlib.setup("builtin://map/henon"), param="a", **kw)
    with pytest.raises(ValueError, match="mode='2d' requires a 2D system"):
        heteroclinic_finder(dynlib.setup("builtin://ode/lorenz"), param="rho", param_min=0,
                            param_max=1, param_init=0, source_eq_guess=[0, 0, 0],
                            target_eq_guess=[0, 0, 0], mode="2d")


def test_plot_manifold_draws_a_trace():
    from dynlib.plot import manifold

    tr = homoclinic_tracer(dynlib.setup(HOMOCLINIC), param="mu", param_value=0.0, eq=[0.0, 0.0],
                           sign_u=1, t_max=40.0)
    ax = manifold(result=tr, color="C0", label="orbit", xlim=(-1.6, 1.6), ylim=(-1, 1),
                  xlabel="x", ylabel="y", aspect="equal")
    segments = [s for c in ax.collections for s in c.get_segments()]
    assert len(segments) == 1
    np.testing.assert_array_equal(segments[0], tr.X)
    assert ax.get_xlabel() == "x"


def test_params_override_and_param_index():
    # a = 0.35 through params=: the front speed becomes sqrt(2)(1/2 - 0.35)
    sim = dynlib.setup(NAGUMO)
    res = heteroclinic_finder(sim, param=0, param_min=0.0, param_max=0.8, param_init=0.4,
                              source_eq_guess=[1.0, 0.0], target_eq_guess=[0.0, 0.0],
                              cfg=nagumo_cfg(), params={"a": 0.35})
    assert res.success, res.info["fail"]
    assert res.param_found == pytest.approx(math.sqrt(2.0) * 0.15, abs=2e-3)
    assert sim.param("a") == 0.25  # the caller's Sim is not changed
