"""Results arrays view the engine's buffer without copying, and outlive the Sim."""
import gc

import numpy as np
import pytest

import dynlib


def lorenz_results():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    return sim, sim.run(T=5.0, dt=0.01)


def test_columns_are_views_of_one_buffer():
    _, res = lorenz_results()
    data = res.data
    assert data.shape == (len(res), len(res.names)) and data.dtype == np.float64
    x, z = res["x"], res["z"]
    for column in (x, z, res.t, res.step):
        assert not column.flags.owndata and not column.flags.writeable
    assert np.shares_memory(x, data) and np.shares_memory(z, data)
    assert x.strides == (data.strides[0],)  # strided: one row apart
    assert np.array_equal(x, data[:, res.names.index("x")])
    assert res.t.dtype == np.float64 and res.step.dtype == np.int64
    with pytest.raises(ValueError):
        x[0] = 1.0  # the buffer is shared: read-only


def test_views_stay_valid_after_the_sim_and_results_are_gone():
    sim, res = lorenz_results()
    x, t, data = res["x"], res.t, res.data
    expected = (x.copy(), t.copy(), data.copy())
    del sim, res
    gc.collect()
    # Allocate and run a lot, so freed memory would be reused and overwritten.
    for _ in range(5):
        dynlib.setup("builtin://ode/lorenz", stepper="rk4").run(T=5.0, dt=0.01, ic={"x": 3.0})
    assert np.array_equal(x, expected[0])
    assert np.array_equal(t, expected[1])
    assert np.array_equal(data, expected[2])


def test_views_survive_later_runs_resume_and_reset_of_the_same_sim():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    first = sim.run(N=200, dt=0.01)
    x = first["x"]
    kept = x.copy()
    resumed = sim.run(N=400, resume=True)  # appends to the rows the view points into
    assert len(resumed) == 401 and len(first) == 201
    assert np.array_equal(resumed["x"][:201], kept)
    sim.run(T=1.0, dt=0.02, ic={"x": -4.0})
    sim.reset()
    gc.collect()
    assert np.array_equal(x, kept)


def test_event_arrays_are_views_too():
    sim = dynlib.setup("builtin://ode/izhikevich")
    spikes = sim.run(T=100).event("reset")
    t = spikes.t
    assert not t.flags.owndata and not t.flags.writeable and len(t) == len(spikes) > 0
    kept = t.copy()
    del sim, spikes
    gc.collect()
    assert np.array_equal(t, kept)


def test_several_columns_are_a_copy():
    _, res = lorenz_results()
    xy = res[["x", "y"]]
    assert xy.shape == (len(res), 2) and xy.flags.owndata and xy.flags.writeable
    assert not np.shares_memory(xy, res.data)
    assert np.array_equal(xy[:, 1], res["y"])
    final = res.final_state
    assert final.flags.owndata and np.array_equal(final, res.data[-1])


def test_float32_and_int64_results_keep_their_dtype():
    res32 = dynlib.setup("builtin://ode/lorenz", stepper="rk4", dtype=np.float32).run(T=1, dt=0.01)
    assert res32.dtype == "float32" and res32["x"].dtype == np.float32
    assert res32.data.dtype == np.float32 and res32[["x", "z"]].dtype == np.float32
    res64 = dynlib.setup("builtin://map/collatz").run(N=20)
    assert res64.dtype == "int64" and res64.data.dtype == np.int64
    assert res64.t.dtype == np.float64


def test_empty_records():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    res = sim.run(T=1.0, dt=0.01, record=False)
    assert len(res) == 0 and res["x"].shape == (0,) and res.data.shape == (0, 3)
    assert res.final_time == 1.0 and res.final_state.shape == (3,)
    res = sim.run(T=1.0, dt=0.01, record_vars=[])
    assert res.names == [] and res.data.shape == (len(res), 0) and len(res.t) == 101
