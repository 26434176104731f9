"""The stiff steppers from Python: options as keywords, res.evaluations, the registry filters,
errors, batches with cvode, and the `dynlib steppers list` filters of the command line."""
import math
import subprocess
import textwrap

import numpy as np
import pytest

import dynlib
from conftest import PYTHON, python_env

STIFF = {"sdirk2", "bdf2", "bdf2a", "tr-bdf2a", "rodas3", "cvode"}
IMPLICIT = STIFF | {"cvode-adams"}

PROTHERO_ROBINSON = """inline:
[model]
type = "ode"
[states]
y = 0.0
[params]
lam = 50.0
[equations.rhs]
y = "-lam * (y - sin(t)) + cos(t)"
"""


def test_steppers_filters_match_the_registry():
    assert {s["name"] for s in dynlib.steppers(stiff=True)} == STIFF
    assert {s["name"] for s in dynlib.steppers(implicit=True)} == IMPLICIT
    assert {s["name"] for s in dynlib.steppers(jacobian=True)} == IMPLICIT
    assert {s["name"] for s in dynlib.steppers(stiff=True, adaptive=False)} == {"sdirk2", "bdf2"}
    assert {s["name"] for s in dynlib.steppers(kind="map", stiff=True)} == set()
    everything = dynlib.steppers()
    assert {s["name"] for s in everything if s["stiff"]} == STIFF
    by_name = {s["name"]: s for s in everything}
    assert by_name["cvode"]["host"] and by_name["cvode"]["dtypes"] == ["float64"]
    assert not by_name["tr-bdf2a"]["host"] and "float32" in by_name["tr-bdf2a"]["dtypes"]
    assert by_name["rodas3"]["order"] == 3 and by_name["sdirk2"]["order"] == 2


@pytest.mark.parametrize("alias,name", [("alexander2", "sdirk2"), ("trbdf2a", "tr-bdf2a"),
                                        ("bdf2a_jit", "bdf2a"), ("rosenbrock", "rodas3"),
                                        ("cvode_bdf", "cvode")])
def test_aliases_resolve(alias, name):
    assert dynlib.setup("builtin://ode/vanderpol", stepper=alias).model.stepper_name == name


def test_options_as_keywords_and_evaluations():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="tr-bdf2a")
    res = sim.run(T=50.0, params={"mu": 100.0}, rtol=1e-6, newton_tol=1e-3, newton_max_iter=5,
                  jac_eps=1e-7, jacobian_mode="fd")
    assert res.ok, res.message
    ev = res.evaluations
    assert set(ev) == {"rhs", "jacobians", "lu", "newton"}
    assert ev["jacobians"] >= 1 and ev["lu"] >= ev["jacobians"] and ev["newton"] >= res.steps
    # fd Jacobians cost n + 1 = 3 rhs evaluations each.
    assert ev["rhs"] >= 3 * ev["jacobians"] + res.steps
    rk = dynlib.setup("builtin://ode/vanderpol", stepper="rk45").run(T=5.0)
    assert rk.evaluations["jacobians"] == rk.evaluations["lu"] == rk.evaluations["newton"] == 0


def test_jacobian_modes_and_their_reference_spellings():
    finals = {}
    for mode in ("symbolic", "analytic", "external", "fd", "internal"):
        sim = dynlib.setup("builtin://ode/vanderpol", stepper="rodas3")
        res = sim.run(T=100.0, params={"mu": 100.0}, rtol=1e-7, atol=1e-9, jacobian_mode=mode)
        assert res.ok, res.message
        finals[mode] = res.final_state
    assert finals["external"].tobytes() == finals["analytic"].tobytes()
    assert finals["internal"].tobytes() == finals["fd"].tobytes()
    np.testing.assert_allclose(finals["analytic"], finals["symbolic"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(finals["fd"], finals["symbolic"], rtol=1e-4, atol=1e-6)


def test_bad_implicit_options_raise():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="bdf2a")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'symbolic'"):
        sim.run(T=1.0, jacobian_mode="symbolik")
    with pytest.raises(dynlib.DynlibError, match="newton_tol"):
        sim.run(T=1.0, newton_tol=0.0)
    with pytest.raises(dynlib.DynlibError, match="newton_max_iter"):
        sim.run(T=1.0, newton_max_iter=0)
    with pytest.raises(dynlib.DynlibError, match="jac_eps"):
        sim.run(T=1.0, jac_eps=2.0)
    with pytest.raises(TypeError):
        sim.run(T=1.0, jacobian_mode=3)
    # Every builtin ODE has an [equations.jacobian]; this inline model has none.
    pr = dynlib.setup(PROTHERO_ROBINSON, stepper="cvode")
    with pytest.raises(dynlib.DynlibError, match=r"\[equations.jacobian\]"):
        pr.run(T=1.0, jacobian_mode="analytic")
    with pytest.raises(dynlib.DynlibError, match="float64 states only"):
        dynlib.setup("builtin://ode/vanderpol", stepper="cvode", dtype="float32")
    with pytest.raises(dynlib.DynlibError, match="ODE"):
        dynlib.setup("builtin://map/logistic", stepper="sdirk2")


def test_newton_failure_is_a_status_not_an_exception():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="sdirk2")
    res = sim.run(T=1000.0, dt=0.01, params={"mu": 1000.0})
    assert res.status == "stepfail" and not res.ok
    assert "Newton iteration did not converge" in res.message
    assert len(res) == res.steps + 1 and res.t[-1] < 1000.0
    assert np.isfinite(res["x"]).all()


def test_prothero_robinson_error_follows_rtol_for_rodas3():
    sim = dynlib.setup(PROTHERO_ROBINSON, stepper="rodas3")
    errs = []
    for tol in (1e-3, 1e-5, 1e-7):
        res = sim.run(T=2.0, rtol=tol, atol=tol, record=False)
        assert res.ok and res.final_time == 2.0
        errs.append(abs(res.final_state[0] - math.sin(2.0)))
    assert errs[0] > errs[1] > errs[2]
    assert all(e <= 100 * tol for e, tol in zip(errs, (1e-3, 1e-5, 1e-7)))


def test_batch_with_cvode_equals_individual_runs():
    mus = np.array([1.0, 10.0, 100.0])
    model = dynlib.build("builtin://ode/vanderpol", stepper="cvode")
    b = dynlib.run_batch(model, params={"mu": mus}, T=200.0, rtol=1e-6, atol=1e-8,
                         newton_tol=0.1, threads=2)
    assert b.all_ok(), b.message
    for i, mu in enumerate(mus):
        res = dynlib.Sim(model).run(T=200.0, rtol=1e-6, atol=1e-8, newton_tol=0.1,
                                    params={"mu": float(mu)})
        assert b.counts[i] == len(res)
        assert b["x"][i, :len(res)].tobytes() == res["x"].tobytes()
        assert b.final_state[i].tobytes() == res.final_state.tobytes()


def test_cvode_resume_is_one_run():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="cvode")
    whole = sim.run(T=300.0, params={"mu": 100.0}, rtol=1e-6, atol=1e-8)
    n = whole.steps
    pieces = dynlib.setup("builtin://ode/vanderpol", stepper="cvode")
    first = pieces.run(T=300.0, params={"mu": 100.0}, rtol=1e-6, atol=1e-8, max_steps=n // 2)
    assert first.status == "early_exit"
    # The options of a resumed run apply to the continuation: the same tolerances again (else the
    # model's [sim] rtol = 1e-7 would apply; see test_regression_cvode_resume_with_new_rtol...).
    rest = pieces.run(T=300.0, rtol=1e-6, atol=1e-8, resume=True)
    assert rest.ok and rest.steps == n
    assert rest.data.tobytes() == whole.data.tobytes()
    assert rest.t.tobytes() == whole.t.tobytes()


def _names_listed(cli, *flags):
    out = subprocess.run([cli, "steppers", "list", *flags], capture_output=True, text=True,
                         check=True).stdout
    rows = [line.split()[0] for line in out.splitlines() if line.strip()]
    return set(rows[1:])  # the first row is the header


def test_cli_steppers_list_filters(cli):
    assert _names_listed(cli, "--stiff") == STIFF
    assert _names_listed(cli, "--implicit") == IMPLICIT
    assert _names_listed(cli, "--jacobian") == IMPLICIT
    assert _names_listed(cli, "--stiff", "--adaptive") == {"bdf2a", "tr-bdf2a", "rodas3", "cvode"}
    everything = _names_listed(cli)
    assert IMPLICIT < everything and "rk4" in everything


def test_cli_run_with_implicit_flags(cli, tmp_path):
    proc = subprocess.run([cli, "run", "builtin://ode/vanderpol", "--stepper", "tr-bdf2a",
                           "-T", "20", "--set", "mu=100", "--jacobian-mode", "fd",
                           "--newton-tol", "0.01", "--newton-max-iter", "6", "--jac-eps", "1e-7"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Jacobians" in proc.stdout and "Newton iterations" in proc.stdout
    bad = subprocess.run([cli, "run", "builtin://ode/vanderpol", "--stepper", "tr-bdf2a",
                          "-T", "1", "--jacobian-mode", "analytik"], capture_output=True, text=True)
    assert bad.returncode != 0 and "analytic" in bad.stderr
    model = tmp_path / "pr.toml"
    model.write_text(PROTHERO_ROBINSON[len("inline:"):])
    no_jac = subprocess.run([cli, "run", str(model), "--stepper", "cvode", "-T", "1",
                             "--jacobian-mode", "analytic"], capture_output=True, text=True)
    assert no_jac.returncode != 0 and "[equations.jacobian]" in no_jac.stderr
    cv = subprocess.run([cli, "run", "builtin://ode/vanderpol", "--stepper", "cvode", "-T", "20",
                         "--max-order", "2"], capture_output=True, text=True)
    assert cv.returncode == 0, cv.stderr


def test_regression_cvode_resume_with_new_rtol_must_not_crash():
    """BUG: a cvode run resumed with a different rtol/atol kills the process (SIGSEGV in SUNDIALS'
    cvEwtSet: the driver calls CVodeSStolerances mid-integration without CVodeReInit). Run in a
    child process so that the crash fails only this test."""
    code = textwrap.dedent("""
        import dynlib
        s = dynlib.setup("builtin://ode/vanderpol", stepper="cvode")
        r = s.run(T=300.0, params={"mu": 100.0}, rtol=1e-6, atol=1e-8, max_steps=200)
        assert r.status == "early_exit"
        r = s.run(T=300.0, rtol=1e-7, atol=1e-8, resume=True)
        print(r.status)
    """)
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=python_env())
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-400:]}"
    assert proc.stdout.strip() == "done"


def test_regression_cvode_run_by_step_count_without_end_time():
    """BUG: cvode with N and no T ends at t = 0 with step_fail (CVODE's first step guess uses the
    stop time, which is the largest double): h ~ 1e137, "the error test failed repeatedly"."""
    res = dynlib.setup("builtin://ode/vanderpol", stepper="cvode").run(N=100, record=False)
    assert res.status == "done", res.message
    assert res.steps == 100


def _with_sim(extra):
    return PROTHERO_ROBINSON + "[sim]\nt_end = 2.0\n" + textwrap.dedent(extra)


def test_sim_table_keys_of_the_implicit_steppers_are_used():
    # The reference's spelling "internal" (finite differences) in [sim]: the run is the same as
    # asking for jacobian_mode="fd" in run(), bit for bit, and differs from the symbolic default.
    text = _with_sim('stepper = "tr-bdf2a"\njacobian_mode = "internal"\nnewton_tol = 1e-9\n')
    from_table = dynlib.setup(text).run()
    plain = PROTHERO_ROBINSON + '[sim]\nt_end = 2.0\nstepper = "tr-bdf2a"\n'
    from_run = dynlib.setup(plain).run(jacobian_mode="fd", newton_tol=1e-9)
    symbolic = dynlib.setup(plain).run(newton_tol=1e-9)
    assert from_table.final_state[0] == from_run.final_state[0]
    assert from_table.evaluations == from_run.evaluations
    assert from_table.evaluations["rhs"] > symbolic.evaluations["rhs"]  # n + 1 per Jacobian
    # cvode's keys: max_order and linear_solver from [sim].
    res = dynlib.setup(_with_sim('stepper = "cvode"\nmax_order = 2\nlinear_solver = "klu"\n')).run()
    assert res.status == "done" and abs(res.final_state[0] - math.sin(2.0)) < 1e-4


@pytest.mark.parametrize(
    "extra, expected",
    [
        ('jacobian_mode = "symbolc"\n', "did you mean 'symbolic'"),
        ('linear_solver = "kul"\n', "did you mean 'klu'"),
        ("newton_max_iter = 0\n", "newton_max_iter must be at least 1"),
        ("newton_tol = -1\n", "newton_tol must be positive"),
    ],
)
def test_sim_table_keys_of_the_implicit_steppers_are_checked(extra, expected):
    with pytest.raises(dynlib.DynlibError) as e:
        dynlib.setup(_with_sim(extra))
    assert expected in str(e.value)
    assert "line" in str(e.value)  # points at the key in the model text
