"""The reference dynlib's run rules, with the figures measured on the reference itself
(docs/porting.md, "Run semantics")."""
import numpy as np
import pytest

import dynlib


def test_a_second_run_starts_where_the_first_ended():
    # Reference: henon N=3 twice, the second run's x[0] = 1.076 (the first run's end).
    sim = dynlib.setup("builtin://map/henon")
    first = sim.run(N=3)
    second = sim.run(N=3)
    assert second.t[0] == 0.0
    assert second["x"][0] == first["x"][-1]
    assert second["x"][0] == pytest.approx(1.076, abs=5e-4)
    sim.reset()
    whole = sim.run(N=6)
    assert np.array_equal(whole["x"][3:], second["x"])


def test_ic_overrides_a_name_for_the_fresh_run():
    sim = dynlib.setup("builtin://map/henon")
    end = sim.run(N=4)
    res = sim.run(N=1, ic={"x": 0.25})
    assert res["x"][0] == 0.25 and res["y"][0] == end["y"][-1]


def test_transient_is_a_warm_up_before_the_run():
    # Reference: logistic N=10, transient=5 -> 11 samples from t = 0 whose x[0] = plain x[5].
    plain = dynlib.setup("builtin://map/logistic").run(N=15)
    res = dynlib.setup("builtin://map/logistic").run(N=10, transient=5)
    assert len(res) == 11
    assert res.t.tolist() == list(range(11))
    assert np.array_equal(res["x"], plain["x"][5:])


def test_resumed_n_is_the_runs_total():
    # Reference: N=10 then resume with N=25 -> 26 samples.
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=10)
    res = sim.run(N=25, resume=True)
    assert len(res) == 26
    with pytest.raises(dynlib.DynlibError, match="N = 25 is already reached"):
        sim.run(N=25, resume=True)
    assert len(sim.results()) == 26


def test_transient_on_resume_is_refused():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    sim.run(T=1.0, dt=0.01)
    with pytest.raises(dynlib.DynlibError, match="transient applies to fresh runs only"):
        sim.run(T=2.0, resume=True, transient=1.0)


def test_batch_trajectories_warm_up_like_single_runs():
    r = np.array([2.9, 3.3, 3.9])
    b = dynlib.run_batch("builtin://map/logistic", params={"r": r}, N=20, transient=100,
                         record_vars=["x"])
    for i, ri in enumerate(r):
        one = dynlib.setup("builtin://map/logistic").run(N=20, transient=100, params={"r": ri})
        assert np.array_equal(b.data[i, :, 0], one["x"])
        assert one.t[0] == 0.0 and len(one) == 21


def test_reference_names_of_rk45_options():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="rk45")
    ours = sim.run(T=3.0, max_rejects=3, dt_min=1e-9)
    sim.reset()
    theirs = sim.run(T=3.0, max_tries=3, min_step=1e-9)
    assert np.array_equal(ours.data, theirs.data) and ours.steps == theirs.steps


def test_defaults_without_sim_are_the_references():
    sim = dynlib.Sim("inline:\n[model]\ntype = \"ode\"\n[states]\nx = 1.0\n"
                     "[equations.rhs]\nx = \"-x\"\n")
    res = sim.run()
    assert sim.model.stepper_name == "rk4"
    assert res.steps == 100 and res.final_time == 1.0
    assert res["x"][-1] == pytest.approx(np.exp(-1.0), abs=1e-10)


def test_ic_and_params_as_full_vectors_like_the_reference():
    sim = dynlib.setup("builtin://map/henon")
    by_name = sim.run(N=5, ic={"x": 0.1, "y": 0.2}, params={"a": 1.2, "b": 0.3})
    sim.reset()
    by_vector = sim.run(N=5, ic=np.array([0.1, 0.2]), params=[1.2, 0.3])
    assert np.array_equal(by_name.data, by_vector.data)
    with pytest.raises(TypeError, match=r"ic as a vector needs 2 values \(the states in model "
                                        r"order: x, y\), got 3"):
        sim.run(N=1, ic=[1.0, 2.0, 3.0])


def test_state_and_param_vectors_and_dicts_by_source():
    sim = dynlib.setup("builtin://map/henon")
    sim.run(N=3, params={"a": 1.2})
    end = sim.state()
    assert sim.state("x") == end[0] and isinstance(sim.state("y"), float)
    with pytest.raises(KeyError, match="did you mean 'x'"):
        sim.state("xx")
    assert np.array_equal(sim.state_vector(), end)
    assert sim.state_dict() == {"x": end[0], "y": end[1]}
    assert sim.state_dict(source="model") == {"x": 0.0, "y": 0.0}
    assert sim.param_vector().tolist() == [1.2, 0.3]
    assert sim.param_dict(source="model") == {"a": 1.4, "b": 0.3}
    # "initial": the session before the first run, with that run's params.
    assert sim.state_vector(source="snapshot").tolist() == [0.0, 0.0]
    assert sim.param_dict(source="snapshot") == {"a": 1.2, "b": 0.3}
    with pytest.raises(dynlib.DynlibError, match="no snapshot named 'later'"):
        sim.state_vector(source="snapshot", snapshot="later")
    with pytest.raises(ValueError, match="did you mean 'model'"):
        sim.param_vector(source="modle")


def test_buffer_capacities_are_accepted_and_checked():
    sim = dynlib.setup("builtin://map/logistic")
    plain = sim.run(N=50)
    sim.reset()
    hinted = sim.run(N=50, cap_rec=4, cap_evt=1)  # the reference's starting capacities
    assert np.array_equal(plain.data, hinted.data)
    with pytest.raises(dynlib.DynlibError, match="cap_rec = 0 must be at least 1"):
        sim.run(N=5, cap_rec=0)
