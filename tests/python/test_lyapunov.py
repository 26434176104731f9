"""Lyapunov exponents from Python, as the reference dynlib's users write them: observers in runs
(dynlib.runtime.observers), their results (Results.observers), observers written in Python, and
the Lyapunov sweeps (dynlib.analysis)."""
import math

import numpy as np
import pytest

import dynlib
from dynlib.analysis import lyapunov_mle_sweep, lyapunov_spectrum_sweep, sweep
from dynlib.runtime.observers import (
    ObserverResult,
    PythonObserver,
    block_observer,
    callback_observer,
    lyapunov_mle_observer,
    lyapunov_spectrum_observer,
)


def test_lorenz_spectrum_as_the_reference_demo_computes_it():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    sim.assign(x=1.0, y=1.0, z=1.0, sigma=10.0, rho=28.0, beta=8.0 / 3.0)
    sim.run(transient=20, T=120, dt=0.01, record_interval=4,
            observers=lyapunov_spectrum_observer(k=3, record_interval=4))
    spec = sim.results().observers["lyapunov_spectrum"]
    assert isinstance(spec, ObserverResult)
    l1, l2, l3 = spec.lyap0, spec.lyap1, spec.lyap2
    assert l1 == pytest.approx(0.9056, abs=0.06)
    assert l2 == pytest.approx(0.0, abs=0.03)
    assert l3 == pytest.approx(-14.5723, abs=0.06)
    # QR keeps volume: the sum is the divergence -(sigma + 1 + beta).
    assert l1 + l2 + l3 == pytest.approx(-(10 + 1 + 8 / 3), abs=2e-3)
    trace = spec["lyap0"]
    # T = 120 after the 20-unit warm-up: 12000 steps, a trace row every 4.
    assert trace.shape == (3000,) and spec.trace_time.shape == (3000,)
    assert trace[-1] == l1 and spec.trace_time[-1] == pytest.approx(120.0)
    assert np.all(np.diff(spec.trace_time) > 0)
    assert spec["record_interval"] == 4 and spec.meta["stepper"] == "rk4"
    assert "lyap0" in spec and "out" in spec
    with pytest.raises(KeyError, match="did you mean 'lyap0'"):
        spec["lyap00"]


def test_logistic_mle_is_ln2_and_mle_beside_spectrum_is_its_first_exponent():
    sim = dynlib.setup("builtin://map/logistic", stepper="map")
    sim.assign(x=0.4, r=4.0)
    sim.run(N=200000, dt=1.0, record_interval=1, transient=100,
            observers=[lyapunov_mle_observer(model=sim.model, record_interval=1),
                       lyapunov_spectrum_observer(model=sim.model, k=1, record_interval=1)])
    res = sim.results()
    lyap, spectrum = res.observers["lyapunov_mle"], res.observers["lyapunov_spectrum"]
    assert lyap.mle == pytest.approx(math.log(2.0), abs=1e-2)
    assert lyap.mle == spectrum.lyap0
    assert int(lyap.steps) == 200000  # N counts after the 100-iteration warm-up
    assert lyap.log_growth == pytest.approx(lyap.mle * lyap.steps)
    assert np.array_equal(lyap["mle"], spectrum["lyap0"])
    assert res.observer_metadata["lyapunov_mle"]["mode"] == "map"


def test_factory_mode_and_bad_observers():
    sim = dynlib.setup("builtin://map/logistic", stepper="map")
    sim.run(N=500, observers=lyapunov_mle_observer)  # the factory itself, as the reference allows
    assert "lyapunov_mle" in sim.results().observers
    with pytest.raises(TypeError, match="observers= takes observers"):
        sim.run(N=10, observers=[42])
    with pytest.raises(TypeError, match="jvp="):
        lyapunov_mle_observer(jvp=lambda *a: None)
    with pytest.raises(ValueError, match="init_basis must have shape"):
        lyapunov_spectrum_observer(model=sim.model, k=1, init_basis=np.eye(2))
    with pytest.raises(dynlib.DynlibError, match="k = 2 must be between 1 and the model's 1 state"):
        sim.run(N=10, observers=lyapunov_spectrum_observer(k=2))
    with pytest.raises(dynlib.DynlibError, match="observers apply to one run"):
        sim.config(observers=lyapunov_mle_observer())


def test_init_basis_sets_the_starting_tangents():
    # A diagonal linear map: starting along (0, 1) and (1, 0) swaps which exponent comes first
    # only until QR sorts them; the spectrum is the same either way.
    model = """inline:
[model]
type = "map"
name = "diag"
[states]
x = 1.0
y = 1.0
[params]
a = 1.5
b = 0.5
[equations.rhs]
x = "a * x"
y = "b * y"
"""
    sim = dynlib.setup(model)
    sim.run(N=300, observers=lyapunov_spectrum_observer(k=2, init_basis=np.eye(2)))
    a = sim.results().observers["lyapunov_spectrum"]
    assert a.lyap0 == pytest.approx(math.log(1.5), abs=1e-12)
    assert a.lyap1 == pytest.approx(math.log(0.5), abs=1e-12)
    sim.reset()
    sim.run(N=300, observers=lyapunov_spectrum_observer(k=2, init_basis=[[1.0, 1.0], [1.0, -1.0]]))
    b = sim.results().observers["lyapunov_spectrum"]
    assert b.lyap0 == pytest.approx(math.log(1.5), abs=1e-2)
    assert b.sum == pytest.approx(math.log(1.5 * 0.5), abs=1e-12)


def test_python_observers_see_the_run_and_can_stop_it():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")

    class Watch(PythonObserver):
        every = 100

        def __init__(self):
            self.seen = []

        def on_step(self, t, step, y, params):
            self.seen.append((step, y.copy(), params.copy()))
            return step >= 300

    w = Watch()
    res = sim.run(T=50, dt=0.01, observers=[w])
    assert res.status == "early_exit" and res.steps == 300
    assert [s for s, _, _ in w.seen] == [0, 100, 200, 300]
    assert np.array_equal(w.seen[-1][1], res.final_state)
    assert w.seen[0][2].tolist() == [10.0, 28.0, 8.0 / 3.0]

    def kick(t, step, y, params):
        if step == 10:
            y[0] = 5.0  # writing the state changes it

    sim.reset()
    res = sim.run(T=0.2, dt=0.01, observers=callback_observer(kick))
    assert res["x"][10] != 5.0 and res.final_state[0] != 0.0

    def boom(t, step, y, params):
        if step == 5:
            raise ValueError("boom")

    sim.reset()
    with pytest.raises(ValueError, match="boom"):
        sim.run(T=1.0, dt=0.01, observers=callback_observer(boom))
    assert sim.results().steps == 5  # the results so far are kept


@pytest.mark.parametrize("jit", [False, True])
def test_a_block_observer_sees_every_point_in_blocks_and_can_stop_the_run(jit):
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4", jit=jit)
    blocks = []

    def collect(t, first_step, y):
        blocks.append((first_step, t, y))

    res = sim.run(T=1.0, dt=0.01, observers=block_observer(collect, block_rows=7))
    assert res.status == "done" and len(res.t) == 101
    # 101 points: 14 full blocks of 7, then the 3 left when the run ended.
    assert [len(t) for _, t, _ in blocks] == [7] * 14 + [3]
    assert [s for s, _, _ in blocks] == list(range(0, 101, 7))
    t = np.concatenate([t for _, t, _ in blocks])
    y = np.concatenate([y for _, _, y in blocks])
    assert y.shape == (101, 3)
    assert np.array_equal(t, res.t)  # bit for bit: what the recorder keeps
    assert np.array_equal(y, np.column_stack([res["x"], res["y"], res["z"]]))

    # Stopping ends the run after the deciding block's last step.
    sim.reset()
    res = sim.run(
        T=50, dt=0.01, observers=block_observer(lambda t, s, y: s + len(t) > 30, block_rows=8)
    )
    assert res.status == "early_exit" and res.steps == 31

    def boom(t, first_step, y):
        if first_step >= 16:
            raise ValueError("boom")

    sim.reset()
    with pytest.raises(ValueError, match="boom"):
        sim.run(T=1.0, dt=0.01, observers=block_observer(boom, block_rows=8))
    assert sim.results().steps == 23  # the results so far are kept

    with pytest.raises(ValueError, match="block_rows must be a whole number from 1"):
        block_observer(collect, block_rows=0)
    with pytest.raises(TypeError, match="must be callable"):
        block_observer(42)


def test_mle_sweep_of_the_logistic_map():
    sim = dynlib.setup("builtin://map/logistic", stepper="map")
    sim.assign(x=0.4)
    r = np.array([2.5, 3.2, 3.5, 3.83, 4.0])
    res = sweep.lyapunov_mle_sweep(sim, param="r", values=r, N=20000, transient=500, dt=1.0,
                                   record_interval=100, parallel_mode="auto")
    assert res.kind == "mle"
    assert res.mle.shape == (5,)
    assert res.mle[0] == pytest.approx(math.log(0.5), abs=1e-3)
    assert res.mle[1] < 0 and res.mle[2] < 0 and res.mle[3] < 0  # periods 2, 4, 3
    assert res.mle[4] == pytest.approx(math.log(2.0), abs=2e-2)
    assert res["steps"].tolist() == [20000.0] * 5  # after the warm-up of 500
    traces = res.traces["mle"]
    assert len(traces) == 5 and traces[4][-1] == res.mle[4]
    # Each value is exactly a run of its own, on any number of threads.
    one = lyapunov_mle_sweep(sim, param="r", values=r, N=20000, transient=500,
                             parallel_mode="none")
    assert np.array_equal(one.mle, res.mle)
    sim.assign(r=4.0)
    sim.run(N=20000, transient=500, observers=lyapunov_mle_observer(record_interval=0))
    assert sim.results().observers["lyapunov_mle"].mle == res.mle[4]


def test_spectrum_sweep_of_lorenz():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    res = lyapunov_spectrum_sweep(sim, param="rho", values=[0.5, 28.0], k=3, T=60.0, dt=0.01,
                                  transient=10.0, max_workers=2)
    assert res.kind == "spectrum" and res.spectrum.shape == (2, 3)
    # rho < 1: the origin is a stable node with eigenvalues -beta, and the roots of
    # l^2 + (sigma + 1) l + sigma (1 - rho).
    s, b, rho = 10.0, 8.0 / 3.0, 0.5
    disc = math.sqrt((s + 1) ** 2 - 4 * s * (1 - rho))
    exact = sorted([-b, (-(s + 1) + disc) / 2, (-(s + 1) - disc) / 2], reverse=True)
    assert res.spectrum[0] == pytest.approx(exact, abs=5e-3)
    assert res.lyap0[1] == pytest.approx(0.9056, abs=0.1)
    assert res.sum == pytest.approx(-(s + 1 + b), abs=5e-3)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'rho'"):
        lyapunov_spectrum_sweep(sim, param="rhoo", values=[1.0], k=3, T=1.0, dt=0.01)


def test_interpreter_and_native_agree_bit_for_bit():
    out = []
    for jit in (False, True):
        sim = dynlib.setup("builtin://ode/vanderpol", stepper="rk45", jit=jit)
        sim.run(T=20.0, observers=lyapunov_spectrum_observer(k=2, record_interval=5))
        ly = sim.results().observers["lyapunov_spectrum"]
        out.append((ly["out"].copy(), ly["trace"].copy()))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
