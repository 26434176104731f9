"""dynlib.run_batch: ensembles and parameter sweeps from Python (docs/ensembles.md)."""
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dynlib
from conftest import interrupt


def test_logistic_sweep_equals_one_sim_per_parameter_bit_for_bit():
    r = np.linspace(2.5, 4.0, 64)
    b = dynlib.run_batch("builtin://map/logistic", params={"r": r}, N=300, transient=300,
                         record_vars=["x"], threads=2)
    assert b.n == 64 and b.data.shape == (64, 301, 1) and b["x"].shape == (64, 301)
    assert b.names == ["x"]
    np.testing.assert_array_equal(b.time, np.arange(0.0, 301.0))  # after a 300-step warm-up
    assert b.all_ok() and b.status == ["done"] * 64
    sim = dynlib.setup("builtin://map/logistic")
    for i in (0, 17, 63):
        res = sim.run(N=300, transient=300, record_vars=["x"], params={"r": float(r[i])})
        assert res["x"].tobytes() == b["x"][i].tobytes()
        sim.reset()
    # r = 2.5: the fixed point 1 - 1/r.
    assert b["x"][0, -1] == pytest.approx(1 - 1 / 2.5, abs=1e-12)


def test_thread_count_changes_no_bit_and_tables_work():
    m = dynlib.build("builtin://ode/lorenz", stepper="rk4")
    ic = np.column_stack([np.linspace(1, 2, 9), np.ones(9), np.ones(9)])
    rho = np.linspace(20, 30, 9)[:, None]
    one = dynlib.run_batch(m, ic=ic, params=rho, param_names=["rho"], T=3.0, dt=0.01, threads=1)
    two = dynlib.run_batch(m, ic=ic, params=rho, param_names=["rho"], T=3.0, dt=0.01, threads=2)
    assert one.threads == 1 and two.threads == 2
    assert one.data.tobytes() == two.data.tobytes()
    assert one.final_state.tobytes() == two.final_state.tobytes()
    assert one.final_state.shape == (9, 3) and one.state_names == ["x", "y", "z"]


def test_native_kernel_and_exact_solution():
    m = dynlib.build("builtin://ode/expdecay", stepper="rk4", jit=True)
    x0 = np.array([[1.0], [2.0], [-0.5]])
    b = dynlib.run_batch(m, ic=x0, T=1.0, dt=1e-3, final_only=True)
    assert b.data.shape == (3, 0, 0)
    k = m.spec.params["a"]
    interp = dynlib.run_batch(dynlib.build("builtin://ode/expdecay", stepper="rk4"), ic=x0, T=1.0,
                              dt=1e-3, final_only=True)
    assert b.final_state.tobytes() == interp.final_state.tobytes()
    ratio = b.final_state[:, 0] / x0[:, 0]
    assert np.allclose(ratio, ratio[0], rtol=1e-14)  # linear in x0
    assert ratio[0] == pytest.approx(math.exp(-k), rel=1e-10)  # RK4 at dt = 1e-3: error ~1e-14


def test_sim_overload_starts_from_the_sims_current_values():
    sim = dynlib.setup("builtin://map/logistic")
    sim.assign(r=3.2)
    b = dynlib.run_batch(sim, ic={"x": np.array([0.1, 0.2])}, N=50, record_vars=["x"])
    sim.reset()
    sim.assign(r=3.2)
    res = sim.run(N=50, ic={"x": 0.2}, record_vars=["x"])
    assert b["x"][1].tobytes() == res["x"].tobytes()


def test_errors_name_what_is_wrong():
    with pytest.raises(TypeError, match="did you mean 'final_only'"):
        dynlib.run_batch("builtin://map/logistic", params={"r": [3.0]}, N=5, final_onyl=True)
    with pytest.raises(TypeError, match="did you mean 'transient'"):
        dynlib.run_batch("builtin://map/logistic", params={"r": [3.0]}, N=5, transiant=1)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'r'"):
        dynlib.run_batch("builtin://map/logistic", params={"rr": [3.0]}, N=5)
    with pytest.raises(ValueError, match="column"):
        dynlib.run_batch("builtin://ode/lorenz", ic=np.ones((2, 2)), T=1.0, dt=0.1)
    with pytest.raises(dynlib.DynlibError):
        dynlib.run_batch("builtin://map/logistic", params={"r": [3.0, 3.1], "x0": [1.0]}, N=5)
    b = dynlib.run_batch("builtin://map/logistic", params={"r": [3.0]}, N=5)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'x'"):
        b["xx"]


def test_views_outlive_the_batch_object_and_are_read_only():
    b = dynlib.run_batch("builtin://map/logistic", params={"r": [3.5, 3.6]}, N=20)
    x = b["x"]
    data = b.data
    del b
    assert x.shape == (2, 21) and data.shape == (2, 21, 1)
    assert not x.flags.writeable
    sim = dynlib.setup("builtin://map/logistic")
    want = sim.run(N=20, params={"r": 3.5})["x"]
    assert x[0].tobytes() == want.tobytes()  # the buffer is alive and holds the values


def test_progress_callback_and_events():
    seen = []
    b = dynlib.run_batch(dynlib.build("builtin://ode/izhikevich", stepper="rk4"),
                         params={"I": [10.0, 14.0]}, T=100.0, dt=0.05,
                         progress=lambda done, n: seen.append((done, n)))
    assert seen[-1] == (2, 2) and len(seen) == 2
    names = dynlib.build("builtin://ode/izhikevich").spec.event_names
    spikes = [len(b.events(i, names[0])["t"]) for i in range(2)]
    assert spikes[1] > spikes[0] > 0  # more drive, more spikes


def test_ctrl_c_stops_a_batch_cleanly(tmp_path):
    script = tmp_path / "long_batch.py"
    script.write_text(textwrap.dedent("""
        import sys, time, numpy as np, dynlib
        print("started", flush=True)
        try:
            dynlib.run_batch("builtin://ode/lorenz", params={"rho": np.linspace(20, 30, 64)},
                             N=10**8, dt=1e-5, record=False, threads=2)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        print("finished", flush=True)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ), text=True)
    assert proc.stdout.readline().strip() == "started"
    out, err, _ = interrupt(proc, after=1.0)
    assert proc.returncode == 0, err
    assert "interrupted" in out
