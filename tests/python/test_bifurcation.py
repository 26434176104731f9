"""dynlib.analysis.post.bifurcation: the logistic map's period doubling, the harmonic oscillator's
section crossings at the analytic times, and the reference's extractor API (docs/sweeps.md)."""
import math

import numpy as np
import pytest

import dynlib
from dynlib.analysis import BifurcationExtractor, BifurcationResult
from dynlib.analysis import sweep


def branches(y, tol=1e-7):
    y = np.sort(y)
    return y[np.concatenate([[True], np.diff(y) > tol])]


@pytest.fixture(scope="module")
def logistic():
    sim = dynlib.setup("builtin://map/logistic", stepper="map")
    r = np.array([2.8, 2.95, 3.05, 3.2, 1 + math.sqrt(6) - 0.02, 1 + math.sqrt(6) + 0.02, 3.5])
    # 3000 warm-up iterations, then 1000 recorded (1001 samples per run).
    return sweep.traj_sweep(sim, param="r", values=r, record_vars=["x"], N=1000, transient=3000,
                            record_interval=1, parallel_mode="auto")


def test_period_doubling_at_3_and_1_plus_sqrt6(logistic):
    d = logistic.bifurcation("x").tail(64)
    assert isinstance(d, BifurcationResult) and d.mode == "tail" and d.param_name == "r"
    assert d.p.shape == d.y.shape == (64 * 7,)
    counts = [len(branches(d.y[d.p == r])) for r in logistic.values]
    assert counts == [1, 1, 2, 2, 2, 4, 4]
    r = 3.2
    s = math.sqrt((r - 3) * (r + 1))
    np.testing.assert_allclose(branches(d.y[d.p == r]),
                               [(r + 1 - s) / (2 * r), (r + 1 + s) / (2 * r)], atol=1e-9)
    assert d.meta["tail"] == 64 and d.meta["var"] == "x"


def test_default_is_all_and_final_gives_one_point_per_run(logistic):
    bif = logistic.bifurcation("x")
    assert bif.mode == "all" and len(bif.p) == 7 * 1001 and bif.param_name == "r"
    final = bif.final()
    assert final.y.tolist() == [run["x"][-1] for run in logistic.runs]
    assert final.run.tolist() == list(range(7))


def test_map_extrema_are_the_iterates(logistic):
    d = logistic.bifurcation("x").extrema(kind="max", tail=100, max_points=30)
    y = d.y[d.p == 3.2]
    assert len(y) == 30  # 50 maxima in the last 100 iterates; the last 30 kept
    upper = max(logistic.runs[3]["x"][-2:])
    assert np.all(y == upper)


@pytest.fixture(scope="module")
def harmonic():
    sim = dynlib.setup("builtin://ode/harmonic")
    return sweep.traj_sweep(sim, param="omega", values=[0.5, 1.0, 2.0], record_vars=["x", "v"],
                            T=20.0, dt=0.01)


def test_poincare_crossings_at_the_analytic_times(harmonic):
    d = harmonic.bifurcation("v").poincare(section_var="x", level=0.0, direction="negative")
    for w in (0.5, 1.0, 2.0):
        t = d.t[d.p == w]
        k = np.arange(len(t))
        assert len(t) == int((20.0 * w - math.pi / 2) // (2 * math.pi)) + 1
        np.testing.assert_allclose(t, (math.pi / 2 + 2 * math.pi * k) / w, atol=1e-7)
        np.testing.assert_allclose(d.y[d.p == w], -w, atol=0.01**2 * w**3 / 8 + 1e-9)
    up = harmonic.bifurcation("v").poincare(section_var="x")  # reference default: positive
    t = up.t[up.p == 1.0]
    np.testing.assert_allclose(t, 1.5 * math.pi + 2 * math.pi * np.arange(len(t)), atol=1e-7)
    np.testing.assert_allclose(up.y[up.p == 1.0], 1.0, atol=1e-4)
    assert up.meta["direction"] == "positive" and up.meta["section_var"] == "x"


def test_flow_maxima_are_parabola_vertices(harmonic):
    d = harmonic.bifurcation("x").extrema(kind="max")
    for w in (0.5, 1.0, 2.0):
        t = d.t[d.p == w]
        np.testing.assert_allclose(t, 2 * math.pi * np.arange(1, len(t) + 1) / w, atol=1e-6)
        np.testing.assert_allclose(d.y[d.p == w], 1.0, atol=1e-8)


def test_single_results_match_the_sweep(harmonic):
    sim = dynlib.setup("builtin://ode/harmonic")
    res = sim.run(T=20.0, dt=0.01, params={"omega": 2.0})
    one = BifurcationExtractor.from_results(res, "v", param_value=2.0, param_name="omega")
    a = one.poincare(section_var="x", direction="both")
    b = harmonic.bifurcation("v").poincare(section_var="x", direction="both")
    assert a.y.tobytes() == b.y[b.p == 2.0].tobytes()


def test_errors_match_the_reference(harmonic):
    with pytest.raises(KeyError, match="energy"):
        harmonic.bifurcation("energy")
    bif = harmonic.bifurcation("x")
    with pytest.raises(ValueError, match="n must be positive"):
        bif.tail(0)
    with pytest.raises(ValueError, match="kind"):
        bif.extrema(kind="peaks")
    with pytest.raises(KeyError, match="section_var"):
        bif.poincare(section_var="y")
    with pytest.raises(ValueError, match="direction"):
        bif.poincare(section_var="v", direction="sideways")
    with pytest.raises(TypeError, match="trajectory"):
        BifurcationExtractor(sweep.scalar_sweep(dynlib.setup("builtin://map/logistic"),
                                                param="r", values=[3.0], var="x", N=5), "x")
