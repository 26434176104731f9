"""run options, config, assign, reset, presets, resume, progress and stop."""
import threading

import numpy as np
import pytest

import dynlib


@pytest.fixture
def lorenz():
    return dynlib.setup("builtin://ode/lorenz", stepper="rk4")


def test_run_returns_and_keeps_results(lorenz):
    res = lorenz.run(T=1.0, dt=0.01)
    assert res.ok and res.status == "done" and "t = 1" in res.message
    assert len(res) == 101 and res.steps == 100 and res.final_time == 1.0
    assert np.array_equal(lorenz.results().data, res.data)
    assert res.state_names == ["x", "y", "z"] and res.aux_names == []
    assert "x" in res and "nope" not in res


def test_positional_arguments_follow_the_issue_signature(lorenz):
    res = lorenz.run(1.0, None, 0.05)  # T, N, dt
    assert res.steps == 20


def test_ic_params_record_options(lorenz):
    res = lorenz.run(T=1.0, dt=0.01, ic={"x": 2.0}, params={"rho": 10.0},
                     record_interval=10, record_vars="y", transient=0.5)
    # The transient is a warm-up before the run: its recorded times start at t0 again.
    assert res.names == ["y"] and res.t.tolist() == pytest.approx([k / 10 for k in range(11)])
    assert lorenz.param("rho") == 10.0  # run params persist (like assign)
    res2 = lorenz.run(T=0.0, record_vars=["y"])  # a fresh run starts where the last one ended
    assert res2["y"][0] == res["y"][-1]


def test_max_steps_is_an_early_exit_with_partial_results(lorenz):
    res = lorenz.run(T=10.0, dt=0.01, max_steps=50)
    # ok as in the reference: a clean end, early or not (failures are not ok).
    assert res.status == "early_exit" and res.ok and res.steps == 50 and len(res) == 51


def test_resume_continues_bit_for_bit(lorenz):
    whole = dynlib.setup("builtin://ode/lorenz", stepper="rk4").run(N=400, dt=0.01)
    lorenz.reset()  # a fresh run would start where the fixture's last run ended
    lorenz.run(N=150, dt=0.01)
    res = lorenz.run(N=400, resume=True)  # N is the run's total
    assert np.array_equal(res.data, whole.data) and np.array_equal(res.t, whole.t)


def test_adaptive_keywords(lorenz):
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk45")
    loose = sim.run(T=5.0, atol=1e-3, rtol=1e-3)
    tight = sim.run(T=5.0, atol=1e-10, rtol=1e-10, controller="pi", dt_max=0.1)
    assert tight.steps > loose.steps and tight.final_time == 5.0
    with pytest.raises(dynlib.DynlibError):
        sim.run(T=5.0, controller="fuzzy")


def test_config_merges_and_clears_defaults(lorenz):
    assert lorenz.config(T=0.5, dt=0.01) == {"T": 0.5, "dt": 0.01}
    assert lorenz.config(record_vars=["x"]) == {"T": 0.5, "dt": 0.01, "record_vars": ["x"]}
    res = lorenz.run()
    assert res.final_time == 0.5 and res.names == ["x"]
    assert lorenz.run(T=0.2).final_time == 0.2  # run options win over config
    assert lorenz.run(N=3).steps == 3  # an N in run() overrides the configured T
    lorenz.config(record_vars=None)
    assert lorenz.run().names == ["x", "y", "z"]
    # Checked at once; a rejected config leaves the previous defaults.
    with pytest.raises(dynlib.DynlibError, match="did you mean 'z'"):
        lorenz.config(record_vars=["zz"])
    assert lorenz.config() == {"T": 0.5, "dt": 0.01}
    with pytest.raises(TypeError):
        lorenz.config(resume=True)


def test_assign_states_and_params(lorenz):
    lorenz.assign({"x": 3.0}, rho=20.0, sigma=5)
    assert lorenz.state()[0] == 3.0 and lorenz.param("rho") == 20.0 and lorenz.param("sigma") == 5
    res = lorenz.run(T=0.01, dt=0.01)
    assert res["x"][0] == 3.0
    # All or nothing.
    with pytest.raises(dynlib.DynlibError, match="did you mean"):
        lorenz.assign(x=7.0, rhoo=1.0)
    assert lorenz.param("rho") == 20.0 and lorenz.state()[0] != 7.0


def test_reset_returns_to_the_session_before_the_first_run(lorenz):
    # The reference's rule: reset() is reset("initial"), the values the first run started from
    # (its params= included); later assignments are undone.
    spec = lorenz.model.spec
    lorenz.config(dt=0.02)
    lorenz.run(T=1.0, params={"sigma": 5.0})
    lorenz.assign(rho=20.0)
    lorenz.run(T=1.0)
    lorenz.reset()
    assert lorenz.param("sigma") == 5.0 and lorenz.param("rho") == spec.params["rho"]
    assert lorenz.state().tolist() == spec.initial_state
    assert len(lorenz.results()) == 0
    with pytest.raises(dynlib.DynlibError):
        lorenz.run(T=2.0, resume=True)  # nothing to resume
    assert lorenz.run(T=1.0).steps == 50  # config kept: dt = 0.02


def test_presets_by_name():
    sim = dynlib.setup("builtin://ode/izhikevich")
    assert "chattering" in sim.presets and sim.presets == sim.model.spec.presets
    sim.apply_preset("chattering")
    assert sim.param("c") == -50.0 and sim.param("d") == 2.0
    via_run = dynlib.setup("builtin://ode/izhikevich").run(T=50, preset="chattering")
    assert np.array_equal(sim.run(T=50).data, via_run.data)
    with pytest.raises(KeyError, match="did you mean 'chattering'"):  # the reference's type
        sim.apply_preset("chatering")


def test_events_by_name():
    res = dynlib.setup("builtin://ode/izhikevich").run(T=200)
    assert list(res.events) == ["reset"]
    spike = res.event("reset")
    assert spike.name == "reset" and spike.tags == ["spike"] and spike.fields == ["t"]
    assert len(spike) > 3 and np.all(np.diff(spike.t) > 0)
    assert np.array_equal(spike["t"], spike.t) and list(spike.values) == ["t"]
    assert spike.record_index.dtype == np.int64 and len(spike.record_index) == len(spike)
    # The sample right after a firing shows the reset.
    assert np.all(res["v"][spike.record_index] < 0)
    with pytest.raises(KeyError):
        spike["v"]
    with pytest.raises(dynlib.DynlibError, match="did you mean 'reset'"):
        res.event("resets")


def test_progress_callback_and_exceptions_from_it():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    calls = []
    sim.set_progress(lambda fraction, steps: calls.append((fraction, steps)), 0.0)
    res = sim.run(N=3_000_000, dt=1e-5, record=False)
    assert res.ok and calls
    assert all(0 <= f <= 1 for f, _ in calls) and calls == sorted(calls)

    def boom(fraction, steps):
        raise ValueError("stop here")

    sim.set_progress(boom, 0.0)
    with pytest.raises(ValueError, match="stop here"):
        sim.run(N=3_000_000, dt=1e-5, record=False)
    partial = sim.results()
    assert partial.status == "user_break" and 0 < partial.steps < 3_000_000
    sim.set_progress(None)
    with pytest.raises(TypeError):
        sim.set_progress(42)


def test_request_stop_from_another_thread():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    timer = threading.Timer(0.2, sim.request_stop)
    timer.start()
    res = sim.run(N=10**9, dt=1e-6, record=False)
    timer.join()
    assert res.status == "user_break" and 0 < res.steps < 10**9
    more = sim.run(N=res.steps + 1000, resume=True, record=False)  # N is the run's total
    assert more.steps == res.steps + 1000


def test_a_sim_refuses_a_second_thread_while_running():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    errors = []
    started = threading.Event()

    def progress(fraction, steps):
        started.set()

    sim.set_progress(progress, 0.0)
    worker = threading.Thread(target=lambda: sim.run(N=10**9, dt=1e-6, record=False))
    worker.start()
    assert started.wait(30)
    try:
        sim.run(T=1.0, dt=0.1)
    except RuntimeError as e:
        errors.append(str(e))
    sim.request_stop()
    worker.join()
    assert errors and "another thread" in errors[0]
    assert sim.results().status == "user_break"


def test_sim_accepts_a_model_or_a_uri(model_toml):
    model = dynlib.build(model_toml)
    a, b = dynlib.Sim(model), dynlib.Sim(str(model_toml))
    assert a.model.spec.hash == b.model.spec.hash
    assert np.array_equal(a.run(T=1.0).data, b.run(T=1.0).data)
    assert a.run(T=1.0, record_vars=["energy"]).aux_names == ["energy"]


def test_arrays_outlive_their_results_while_the_sim_runs_on():
    # A Sim records into the buffers of results nobody holds any more; a numpy array taken from
    # results holds them, so later runs never write into it.
    sim = dynlib.setup("builtin://map/logistic")
    x = sim.run(N=50000, ic={"x": 0.1})["x"]  # the Results object is dropped at once
    t = sim.run(N=50000, ic={"x": 0.2}).t
    want_x, want_t = x.copy(), t.copy()
    for k in range(5):
        res = sim.run(N=50000, ic={"x": 0.3 + 0.01 * k})
        assert res["x"][0] == 0.3 + 0.01 * k
    assert np.array_equal(x, want_x) and np.array_equal(t, want_t)
    assert x[0] == 0.1 and t[-1] == 50000
