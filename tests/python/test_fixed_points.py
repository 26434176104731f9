"""find_fixed_points / FullModel.fixed_points (docs/fixed-points.md): the reference's API and
result shape, the C++ route for models and Sims, the numpy route for plain callables (the same
answers), period-k points of maps, errors, Ctrl+C, and the CLI's CSV agreeing with Python."""
import csv
import json
import math
import os
import subprocess
import textwrap

import numpy as np
import pytest

import dynlib
from conftest import PYTHON, interrupt, python_env
from dynlib.analysis import FixedPointConfig, FixedPointResult, find_fixed_points

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def test_reference_script_logistic_runs_unchanged():
    # examples/logistic_map.py of the reference dynlib
    sim = dynlib.setup("builtin://map/logistic")
    fps = sim.model.fixed_points(seeds=[[0.1], [0.7], [0.9]])
    assert isinstance(fps, FixedPointResult)
    r = 4.0  # the builtin's default, as in the reference
    assert fps.points.shape == (2, 1)
    found = sorted(fps.points[:, 0])
    # converged means |F(x) - x| <= tol = 1e-10, so x is that close
    assert found[0] == pytest.approx(0.0, abs=1e-10)
    assert found[1] == pytest.approx(1 - 1 / r, abs=1e-10)
    assert fps.stability == ["unstable", "unstable"]
    assert fps.meta["seed_converged"].tolist() == [True, True, True]
    assert fps.meta["config"].kind == "map"


def test_lorenz_equilibria_analytic_with_reference_fields():
    model = dynlib.build("builtin://ode/lorenz")
    cfg = FixedPointConfig(tol=1e-12, unique_tol=1e-8)
    res = model.fixed_points(seeds=[[8, 8, 26], [-8, -8, 26], [0.1, 0.1, 0.1], [9, 9, 28]], cfg=cfg)
    assert res.points.shape == (3, 3)
    assert res.residuals.shape == (3,)
    assert len(res.jacobians) == len(res.eigvals) == len(res.stability) == len(res.types) == 3
    c = math.sqrt(BETA * (RHO - 1))
    expected = {(c, c, RHO - 1), (-c, -c, RHO - 1), (0.0, 0.0, 0.0)}
    for p, stab, kind, eig in zip(res.points, res.stability, res.types, res.eigvals):
        assert min(np.linalg.norm(p - np.array(e)) for e in expected) < 1e-12
        assert stab == "saddle"
        if abs(p[0]) < 1e-9:
            assert kind == "saddle"
            disc = math.sqrt((SIGMA + 1) ** 2 + 4 * SIGMA * (RHO - 1))
            want = sorted([(-(SIGMA + 1) - disc) / 2, -BETA, (-(SIGMA + 1) + disc) / 2])
            np.testing.assert_allclose(sorted(eig.real), want, atol=1e-10)
        else:
            assert kind == "saddle-focus"
            # sum and product of the eigenvalues: trace and determinant of J at C±
            assert eig.sum().real == pytest.approx(-(SIGMA + BETA + 1), abs=1e-10)
            assert np.prod(eig).real == pytest.approx(-2 * SIGMA * BETA * (RHO - 1), rel=1e-12)
    meta = res.meta
    assert meta["seed_to_unique"][0] == meta["seed_to_unique"][3]
    # the copy with the smaller residual is kept: C+ comes from seed 0 or seed 3
    assert meta["unique_seed_indices"][0] in (0, 3)
    assert list(meta["unique_seed_indices"][1:]) == [1, 2]
    np.testing.assert_array_equal(meta["params"], [SIGMA, RHO, BETA])
    assert meta["seed_iterations"].dtype.kind == "i"


def test_params_mapping_and_vector_and_named_seed():
    model = dynlib.build("builtin://map/henon")
    a, b = 1.2, 0.25
    x = (-(1 - b) + math.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a)
    by_name = model.fixed_points(params={"a": a, "b": b}, seeds={"x": 0.6})
    by_vector = model.fixed_points(params=[a, b], seeds={"x": 0.6})
    np.testing.assert_array_equal(by_name.points, by_vector.points)
    np.testing.assert_allclose(by_name.points[0], [x, b * x], atol=1e-12)
    lam = sorted([-a * x - math.sqrt(a * a * x * x + b), -a * x + math.sqrt(a * a * x * x + b)])
    np.testing.assert_allclose(sorted(by_name.eigvals[0].real), lam, atol=1e-12)
    # the Jacobian reported is the map's (the reference documents J + I for maps)
    np.testing.assert_allclose(by_name.jacobians[0], [[-2 * a * x, 1], [b, 0]], atol=1e-12)


def test_logistic_period_doubling():
    model = dynlib.build("builtin://map/logistic")
    at_three = model.fixed_points(params={"r": 3.0}, seeds=[[0.6]])
    assert at_three.types == ["flip"] and at_three.stability == ["neutral"]
    r_flip = 1 + math.sqrt(6)
    for r, stab in ((3.2, "stable"), (r_flip, "neutral"), (3.5, "unstable")):
        res = model.fixed_points(params={"r": r}, seeds=[[0.45], [0.85], [0.5]], period=2)
        two = res.periods == 2
        assert two.sum() == 2 and len(set(res.cycles[two])) == 1
        root = math.sqrt((r - 3) * (r + 1))
        np.testing.assert_allclose(sorted(res.points[two, 0]),
                                   [(r + 1 - root) / (2 * r), (r + 1 + root) / (2 * r)], atol=1e-13)
        for i in np.flatnonzero(two):
            assert res.eigvals[i][0].real == pytest.approx(-r * r + 2 * r + 4, abs=1e-12)
            assert res.stability[i] == stab
        if r == r_flip:
            assert res.types[np.flatnonzero(two)[0]] == "flip"


def test_find_fixed_points_on_model_and_sim():
    model = dynlib.build("builtin://map/logistic")
    via_model = find_fixed_points(model, seeds=[[0.6]], params={"r": 2.5})
    assert via_model.points[0, 0] == pytest.approx(0.6, abs=1e-15)
    sim = dynlib.Sim(model)
    sim.assign(r=2.5, x=0.55)
    via_sim = find_fixed_points(sim, seeds=None)  # the Sim's params and state are the defaults
    np.testing.assert_array_equal(via_sim.points, via_model.points)
    assert via_sim.meta["seeds"][0, 0] == 0.55


def test_plain_callable_matches_the_model_route():
    def f(x, p):
        return np.array([p[0] * (x[1] - x[0]), x[0] * (p[1] - x[2]) - x[1],
                         x[0] * x[1] - p[2] * x[2]])

    def jac(x, p):
        return np.array([[-p[0], p[0], 0], [p[1] - x[2], -1, -x[0]], [x[1], x[0], -p[2]]])

    seeds = [[8, 8, 26], [-8, -8, 26], [0.1, 0.1, 0.1]]
    params = np.array([SIGMA, RHO, BETA])
    model = dynlib.build("builtin://ode/lorenz").fixed_points(seeds=seeds)
    for cfg in (FixedPointConfig(), FixedPointConfig(jac="fd"), FixedPointConfig(jac="provided")):
        res = find_fixed_points(f, jac, seeds=seeds, params=params, cfg=cfg)
        np.testing.assert_allclose(res.points, model.points, atol=1e-10)
        assert res.stability == model.stability and res.types == model.types
        tol = 1e-4 if cfg.jac == "fd" else 1e-12
        for a, b in zip(res.jacobians, model.jacobians):
            np.testing.assert_allclose(a, b, atol=tol)
    # a map as a residual F(x) - x with kind="map": the reference's convention
    res = find_fixed_points(lambda x, p: p[0] * x * (1 - x) - x, seeds=[[0.7]], params=[3.2],
                            cfg=FixedPointConfig(kind="map"))
    assert res.points[0, 0] == pytest.approx(1 - 1 / 3.2, abs=1e-10)
    # forward differences: error |G''| h / 2 = 6.4 * 1.7e-6 / 2
    assert res.eigvals[0][0].real == pytest.approx(2 - 3.2, abs=1e-5)
    assert res.stability == ["unstable"] and res.types == ["unstable node"]


def test_non_convergence_is_reported_not_raised():
    model = dynlib.build("builtin://ode/lorenz")
    res = model.fixed_points(seeds=[[8, 8, 27], [0, 0, 0]], max_iter=1)
    assert res.meta["seed_converged"].tolist() == [False, True]
    assert "no convergence in 1 Newton steps" in res.meta["seed_messages"][0]
    assert res.meta["seed_to_unique"].tolist() == [-1, 0]
    assert np.isfinite(res.meta["seed_residuals"][0])
    none = model.fixed_points(seeds=[[8, 8, 27]], max_iter=1)
    assert none.points.shape == (0, 3)
    assert none.jacobians is None and none.eigvals is None and none.stability is None


def test_classify_off_and_dedup_off():
    model = dynlib.build("builtin://map/logistic")
    res = model.fixed_points(seeds=[[0.6], [0.65]], params={"r": 2.5}, classify=False)
    assert res.eigvals is None and res.stability is None and res.types is None
    assert len(res.jacobians) == 1
    # unique_tol=None as a keyword means "not given" (as in the reference); in cfg it means off
    keep = model.fixed_points(seeds=[[0.6], [0.65]], params={"r": 2.5},
                              cfg=FixedPointConfig(unique_tol=None))
    assert keep.points.shape == (2, 1)


def test_errors():
    model = dynlib.build("builtin://ode/lorenz")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'rho'"):
        model.fixed_points(params={"rh": 1.0})
    with pytest.raises(dynlib.DynlibError, match=r"shape \(n_seeds, 3\)"):
        model.fixed_points(seeds=[[1.0, 2.0]])
    with pytest.raises(dynlib.DynlibError, match="did you mean 'x'"):
        model.fixed_points(seeds={"xx": 1.0})
    with pytest.raises(dynlib.DynlibError, match="int64"):
        dynlib.build("builtin://map/collatz").fixed_points()
    with pytest.raises(dynlib.DynlibError, match="ODE"):
        model.fixed_points(period=2)
    with pytest.raises(dynlib.DynlibError, match="method"):
        model.fixed_points(method="broyden")
    with pytest.raises(dynlib.DynlibError, match="jac"):
        model.fixed_points(jac="exact")
    with pytest.raises(TypeError):
        model.fixed_points([[1, 2, 3]])  # keywords only, as in the reference
    with pytest.raises(dynlib.DynlibError, match="provided"):
        find_fixed_points(lambda x, p: x, seeds=[[1.0]], cfg=FixedPointConfig(jac="provided"))


def test_cli_csv_agrees_with_python(tmp_path):
    out = tmp_path / "fp.csv"
    subprocess.run([os.environ.get("DYNLIB_CLI", "dynlib"), "fixed-points", "builtin://map/henon",
                    "--seed", "0.6,0.2", "--seed", "x=-1.1,y=-0.3", "-q", "--out", str(out)],
                   check=True)
    rows = list(csv.DictReader(out.open()))
    res = dynlib.build("builtin://map/henon").fixed_points(seeds=[[0.6, 0.2], [-1.1, -0.3]])
    assert len(rows) == len(res.points) == 2
    for row, p, kind in zip(rows, res.points, res.types):
        assert float(row["x"]) == p[0] and float(row["y"]) == p[1]
        assert row["type"] == kind


INTERRUPTED_CHILD = """
import json, signal, time
import numpy as np
import dynlib
signal.signal(signal.SIGINT, signal.default_int_handler)
model = dynlib.build("builtin://map/logistic")
seeds = np.linspace(0.01, 0.99, 200000)[:, None]
print("running", flush=True)
try:
    model.fixed_points(seeds=seeds, period=64)  # minutes of work
    outcome = "finished"
except KeyboardInterrupt:
    outcome = "KeyboardInterrupt"
again = model.fixed_points(seeds=[[0.6]], params={"r": 2.5})  # the model still works
print(json.dumps({"outcome": outcome, "again": again.points.tolist()}))
"""


def test_sigint_stops_a_long_search():
    child = subprocess.Popen([PYTHON, "-c", textwrap.dedent(INTERRUPTED_CHILD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=python_env())
    assert child.stdout.readline().strip() == "running"
    out, err, reaction = interrupt(child)
    assert child.returncode == 0, err
    got = json.loads(out.strip().splitlines()[-1])
    assert got["outcome"] == "KeyboardInterrupt"
    assert got["again"] == [[pytest.approx(0.6, abs=1e-10)]]
    assert reaction < 10


def test_sigint_stops_the_cli_search_with_code_130():
    child = subprocess.Popen([os.environ.get("DYNLIB_CLI", "dynlib"), "fixed-points",
                              "builtin://map/logistic", "--period", "64",
                              "--grid", "x=0.01:0.99:200000"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err, _ = interrupt(child)
    assert child.returncode == 130, err
    assert "stopped (Ctrl+C)" in err
    assert out.startswith("model logistic (map, period 64)")
