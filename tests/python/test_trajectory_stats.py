"""Trajectory statistics: res.analyze(...), TrajectoryAnalyzer and MultiVarAnalyzer with the
reference dynlib's API; values against numpy on the same column and against the exact solution
of the harmonic oscillator (x = cos t, v = -sin t)."""
import importlib.util
import math
import pathlib
import subprocess

import numpy as np
import pytest

import dynlib
from dynlib.analysis import MultiVarAnalyzer, TrajectoryAnalyzer

from conftest import PYTHON, python_env

DT = 0.01  # builtin://ode/harmonic's [sim] dt (rk4)
REFERENCE = pathlib.Path("/tmp/ref")  # the reference dynlib's checkout, where present
REFERENCE_DEMO = REFERENCE / "examples/analysis/trajectory_analysis_demo.py"
REFERENCE_ANALYZER = REFERENCE / "src/dynlib/analysis/post/trajectory.py"

SUMMARY_KEYS = ["min", "max", "mean", "std", "median", "range", "initial", "final"]


@pytest.fixture(scope="module")
def harmonic():
    """Almost two periods of the harmonic oscillator (t = 0 .. 12.5), states and energy recorded."""
    sim = dynlib.setup("builtin://ode/harmonic")
    return sim.run(T=12.5, record_vars=["x", "v", "aux.energy"])


def test_order_statistics_equal_numpys_on_the_same_column(harmonic):
    x = harmonic.analyze("x")
    assert isinstance(x, TrajectoryAnalyzer) and x.var == "x" and len(x) == len(harmonic)
    col = np.asarray(harmonic["x"])
    assert x.max() == col.max() and x.min() == col.min()
    assert x.range() == col.max() - col.min()
    assert x.median() == np.median(col)
    for q in (0, 1, 12.5, 25, 50, 73.3, 99, 100):
        assert x.percentile(q) == np.percentile(col, q), q
    assert x.initial() == col[0] and x.final() == col[-1]
    k = int(col.argmax())
    assert x.argmax() == (harmonic.t[k], col[k])
    k = int(col.argmin())
    assert x.argmin() == (harmonic.t[k], col[k])
    # Sums are compensated here, pairwise in numpy: equal to rounding.
    assert x.mean() == pytest.approx(col.mean(), abs=1e-15)
    assert x.variance() == pytest.approx(col.var(), rel=1e-14)
    assert x.std() == pytest.approx(col.std(), rel=1e-14)
    assert all(type(v) is float for v in (x.max(), x.mean(), x.percentile(5)))


def test_exact_solution(harmonic):
    x = harmonic.analyze("x")
    t_min, x_min = x.argmin()
    assert abs(t_min - math.pi) <= DT / 2 + 1e-9
    assert x_min == pytest.approx(-1.0, abs=DT**2 / 8 + 1e-8)
    assert x.argmax() == (0.0, 1.0)
    # cos t crosses zero down at pi/2 + 2 pi k and up at 3 pi/2 + 2 pi k; interpolation errs by
    # far less than dt^2 near a root.
    down = x.zero_crossings(direction="down")
    up = x.zero_crossings(direction="up")
    assert isinstance(up, np.ndarray) and up.dtype == np.float64
    np.testing.assert_allclose(down, [math.pi / 2, 2.5 * math.pi], atol=DT**2)
    np.testing.assert_allclose(up, [1.5 * math.pi, 3.5 * math.pi], atol=DT**2)
    np.testing.assert_array_equal(x.zero_crossings(), np.sort(np.concatenate([up, down])))
    np.testing.assert_array_equal(x.crossing_times(0.0, "up"), up)
    # cos >= 0 on [0, pi/2], [3 pi/2, 5 pi/2], [7 pi/2, end]; cos >= 1/2 on |t - 2 pi k| <= pi/3.
    end = harmonic.t[-1]
    assert 4 * math.pi - math.pi / 3 < end < 4 * math.pi
    assert x.time_above(0.0) == pytest.approx(end - 2 * math.pi, abs=DT**2)
    assert x.time_above(0.0) + x.time_below(0.0) == pytest.approx(end, abs=1e-12)
    # [0, pi/3] + [5 pi/3, 7 pi/3] + [11 pi/3, end]
    assert x.time_above(0.5) == pytest.approx(end - 8 * math.pi / 3, abs=DT**2)
    # A bare aux name: the energy 1/2 is conserved by the flow (rk4 to ~1e-12 here).
    energy = harmonic.analyze("energy")
    assert energy.min() == pytest.approx(0.5, abs=1e-9)
    assert energy.range() < 1e-9
    assert harmonic.analyze("aux.energy").summary() == energy.summary()


def test_summary_keys_and_values(harmonic):
    v = harmonic.analyze("v")
    s = v.summary()
    assert list(s) == SUMMARY_KEYS
    assert s == {key: getattr(v, key)() for key in SUMMARY_KEYS}


def test_multi_variable_dicts(harmonic):
    mv = harmonic.analyze(["v", "x"])
    assert isinstance(mv, MultiVarAnalyzer) and mv.vars == ("v", "x")
    single = {name: harmonic.analyze(name) for name in ("v", "x")}
    for stat in ("max", "min", "mean", "std", "variance", "median", "range", "initial", "final",
                 "argmax", "argmin", "summary"):
        result = getattr(mv, stat)()
        assert list(result) == ["v", "x"], stat
        assert result == {name: getattr(a, stat)() for name, a in single.items()}, stat
    assert mv.percentile(90) == {name: a.percentile(90) for name, a in single.items()}
    assert mv.time_above(0.25) == {name: a.time_above(0.25) for name, a in single.items()}
    assert mv.time_below(0.25) == {name: a.time_below(0.25) for name, a in single.items()}
    argmax = mv.argmax()
    assert all(isinstance(tv, tuple) and len(tv) == 2 for tv in argmax.values())
    crossings = mv.zero_crossings(direction="up")
    assert set(crossings) == {"v", "x"} and all(isinstance(c, np.ndarray) for c in crossings.values())
    np.testing.assert_array_equal(crossings["x"], single["x"].zero_crossings("up"))
    assert set(mv.crossing_times(0.5, "down")["v"]) == set(single["v"].crossing_times(0.5, "down"))
    summary = mv.summary()
    assert list(summary["x"]) == SUMMARY_KEYS
    # A tuple of names works like a list; no names gives empty dicts.
    assert harmonic.analyze(("x",)).max() == {"x": single["x"].max()}
    assert harmonic.analyze([]).max() == {}


def test_analyze_without_names_takes_the_recorded_states_else_the_aux(harmonic):
    assert harmonic.analyze().vars == ("x", "v")
    sim = dynlib.setup("builtin://ode/harmonic")
    aux_only = sim.run(T=1.0, record_vars=["aux.energy"])
    assert aux_only.analyze().vars == ("energy",)
    time_only = sim.run(T=1.0, record_vars=[])
    with pytest.raises(dynlib.DynlibError, match="no recorded variables to analyze"):
        time_only.analyze()


def test_errors(harmonic):
    with pytest.raises(dynlib.DynlibError, match="did you mean 'x'"):
        harmonic.analyze("xx")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'energy'"):
        harmonic.analyze(["x", "enrgy"])
    x = harmonic.analyze("x")
    with pytest.raises(dynlib.DynlibError, match=r"q must be in \[0, 100\]; got 101"):
        x.percentile(101)
    with pytest.raises(dynlib.DynlibError, match=r"got -1"):
        harmonic.analyze(["x"]).percentile(-1)
    with pytest.raises(dynlib.DynlibError, match="unknown crossing direction 'upp'.*did you mean 'up'"):
        x.crossing_times(0.0, direction="upp")
    with pytest.raises(dynlib.DynlibError, match="threshold is NaN"):
        x.time_above(float("nan"))
    with pytest.raises(TypeError):
        x.time_above("0.5")


def test_empty_results():
    sim = dynlib.setup("builtin://ode/harmonic")
    res = sim.run(T=1.0, record=False)
    assert len(res) == 0
    x = res.analyze("x")
    with pytest.raises(dynlib.DynlibError, match="max of 'x': the results hold no samples"):
        x.max()
    with pytest.raises(dynlib.DynlibError, match="no samples"):
        x.summary()
    with pytest.raises(dynlib.DynlibError, match="no samples"):
        res.analyze(["x", "v"]).mean()
    assert len(x.zero_crossings()) == 0 and x.time_above(0.0) == 0.0 and x.time_below(0.0) == 0.0


def test_int64_results():
    res = dynlib.setup("builtin://map/collatz").run(N=111)  # from 27: peak 9232 at step 77
    assert res.dtype == "int64"
    x = res.analyze("x")
    assert x.argmax() == (77.0, 9232.0)
    assert x.final() == 1.0 and x.percentile(50) == np.percentile(res["x"], 50)


def test_analyzers_made_from_arrays_as_in_the_reference():
    import dynlib.analysis.post as post

    assert post.TrajectoryAnalyzer is TrajectoryAnalyzer and post.MultiVarAnalyzer is MultiVarAnalyzer
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = TrajectoryAnalyzer(None, "y", np.array([0, 2, -2, 1]), t)  # int data is read as float
    np.testing.assert_array_equal(y.crossing_times(1.0), [0.5, 1.25, 3.0])
    assert y.time_above(1.0) == 0.75 and y.time_below(1.0) == 2.25
    data = np.array([[1.0, 4.0], [3.0, 2.0], [2.0, 0.0], [0.0, 5.0]])
    mv = MultiVarAnalyzer(None, ["a", "b"], data, t)
    assert mv.argmax() == {"a": (1.0, 3.0), "b": (3.0, 5.0)}
    assert mv.median() == {"a": 1.5, "b": 3.0}
    with pytest.raises(dynlib.DynlibError, match="same length"):
        TrajectoryAnalyzer(None, "y", [1.0, 2.0], t)
    with pytest.raises(dynlib.DynlibError, match="1-D"):
        TrajectoryAnalyzer(None, "y", data, t)
    with pytest.raises(dynlib.DynlibError, match=r"shape \(samples, 3\)"):
        MultiVarAnalyzer(None, ["a", "b", "c"], data, t)


def test_nan_samples():
    t = np.arange(5.0)
    values = np.array([1.0, 2.0, np.nan, 3.0, 0.0])
    y = TrajectoryAnalyzer(None, "y", values, t)
    # Value statistics propagate NaN as numpy does; argmax/argmin point at the first NaN.
    assert math.isnan(y.max()) and math.isnan(y.median()) and math.isnan(y.percentile(50))
    assert y.argmax()[0] == t[np.argmax(values)] == 2.0
    # Intervals with a NaN end count neither above nor below and hold no crossing.
    np.testing.assert_array_equal(y.crossing_times(1.5), [0.5, 3.5])
    assert y.time_above(1.5) == 0.5 + 0.5 and y.time_below(1.5) == 0.5 + 0.5


DEMO_LIKE = '''
import numpy as np
from dynlib import setup

sim = setup("""inline:
[model]
type = "ode"
[states]
x = 1.0
v = 0.0
[params]
omega = 2.0
zeta = 0.15
[equations.rhs]
x = "v"
v = "-2*zeta*omega*v - omega**2 * x"
[aux]
energy = "0.5 * (v**2 + (omega * x)**2)"
""", stepper="rk4", jit=False, disk_cache=False)
sim.config(dt=0.01, max_steps=150_000)
sim.run(T=15.0, record_vars=["x", "v", "aux.energy"])
res = sim.results()
x = res.analyze("x")
stats = {k: round(float(v), 3) for k, v in x.summary().items()}
t_peak, peak = x.argmax()
ups = x.zero_crossings(direction="up")
above, below = x.time_above(0.5), x.time_below(-0.5)
mv = res.analyze(["x", "v"])
ranges = mv.range()
energy = res.analyze("energy")
drops = energy.crossing_times(threshold=0.1, direction="down")
auto_vars = res.analyze().vars
'''


def test_reference_usage_on_a_damped_oscillator():
    scope = {}
    exec(DEMO_LIKE, scope)
    # x(0) = 1 is the peak; the damped oscillator's energy only decreases.
    assert (scope["t_peak"], scope["peak"]) == (0.0, 1.0)
    assert scope["stats"]["initial"] == 1.0 and scope["stats"]["max"] == 1.0
    # Up-crossings are one damped period apart: 2 pi / (omega sqrt(1 - zeta^2)).
    period = 2 * math.pi / (2.0 * math.sqrt(1 - 0.15**2))
    np.testing.assert_allclose(np.diff(scope["ups"]), period, atol=1e-3)
    assert scope["ranges"]["x"] > 0 and set(scope["ranges"]) == {"x", "v"}
    assert len(scope["drops"]) == 1  # energy falls through 0.1 once
    assert scope["auto_vars"] == ("x", "v")


# The reference's demo writes its inline model as "\ninline:\n[model]...": the reference strips
# the whitespace around an inline URI, this package's URI resolver does not yet (reported to the
# lead; not part of trajectory statistics). Until it does, the demo runs with its MODEL stripped
# and otherwise unchanged; drop the strip() once setup() accepts it.
RUN_DEMO = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("demo", sys.argv[1])
demo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(demo)
demo.MODEL = demo.MODEL.strip()
demo.main()
"""


@pytest.mark.skipif(not REFERENCE_DEMO.exists(), reason="the reference checkout is not here")
def test_reference_demo_runs():
    out = subprocess.run([PYTHON, "-c", RUN_DEMO, str(REFERENCE_DEMO)], env=python_env(),
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "recorded vars picked by res.analyze(): ('x', 'v')" in out.stdout
    assert "peak x at t=0.000: 1.000" in out.stdout
    assert "first drop below 0.1:" in out.stdout and "never" not in out.stdout


@pytest.mark.skipif(not REFERENCE_ANALYZER.exists(), reason="the reference checkout is not here")
def test_same_values_as_the_reference_analyzer(harmonic):
    # The reference's module needs only numpy: load that file alone and compare on the same data.
    spec = importlib.util.spec_from_file_location("reference_trajectory", REFERENCE_ANALYZER)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    rng = np.random.default_rng(13)
    walk_t = np.cumsum(rng.uniform(0.01, 0.1, 500))  # uneven steps
    walk = np.cumsum(rng.normal(size=500))
    for t, y in ((harmonic.t, np.asarray(harmonic["x"])), (walk_t, walk)):
        ours = TrajectoryAnalyzer(None, "y", y, t)
        theirs = reference.TrajectoryAnalyzer(None, "y", y, t)
        for stat in ("max", "min", "median", "range", "initial", "final", "argmax", "argmin"):
            assert getattr(ours, stat)() == getattr(theirs, stat)(), stat
        for stat in ("mean", "std", "variance"):
            assert getattr(ours, stat)() == pytest.approx(getattr(theirs, stat)(), rel=1e-12)
        for q in (0, 3, 25, 50, 62.5, 99.9, 100):
            assert ours.percentile(q) == theirs.percentile(q), q
        for threshold in (-1.0, 0.0, 0.5, float(y.mean()), float(y[7])):
            for direction in ("up", "down", "any"):
                np.testing.assert_array_equal(ours.crossing_times(threshold, direction),
                                              theirs.crossing_times(threshold, direction))
            assert ours.time_above(threshold) == theirs.time_above(threshold)
            assert ours.time_below(threshold) == theirs.time_below(threshold)
