"""dynlib.analysis.sweep: scalar_sweep and traj_sweep with the reference's signatures and result
shape (docs/sweeps.md)."""
import numpy as np
import pytest

import dynlib
from dynlib.analysis import SweepResult, TrajectoryPayload, scalar_sweep, traj_sweep
from dynlib.analysis import sweep

R = np.array([2.7, 3.1, 3.5, 3.9])


@pytest.mark.parametrize("mode, reduce", [("final", lambda x: x[-1]), ("mean", np.mean),
                                          ("max", np.max), ("min", np.min)])
def test_scalar_modes_equal_the_reduction_of_separate_runs(mode, reduce):
    sim = dynlib.setup("builtin://map/logistic")
    res = scalar_sweep(sim, param="r", values=R, var="x", mode=mode, N=300, transient=100)
    assert res.kind == "scalar" and res.param_name == "r"
    assert res.output_names == ("y",) and res.y.shape == (4,)
    assert res["y"] is res.outputs["y"]
    np.testing.assert_array_equal(res.values, R)
    assert res.meta["mode"] == mode and res.meta["var"] == "x" and res.meta["kind"] == "map"
    for i, r in enumerate(R):
        one = dynlib.setup("builtin://map/logistic")
        x = one.run(N=300, transient=100, record_vars=["x"], params={"r": float(r)})["x"]
        expected = reduce(np.asarray(x))
        if mode == "mean":  # summed in time order, as a loop does
            expected = sum(float(v) for v in x) / len(x)
        assert res.y[i] == expected


def test_sweeps_start_from_the_sims_current_state_and_accept_a_full_model():
    sim = dynlib.setup("builtin://ode/harmonic")
    sim.assign(x=2.0)
    res = scalar_sweep(sim, param="omega", values=[1.0, 2.0], var="x", mode="min", T=10.0)
    np.testing.assert_allclose(res.y, [-2.0, -2.0], atol=1e-4)  # samples near the minimum
    model = dynlib.build("builtin://ode/harmonic")
    res = scalar_sweep(model, param="omega", values=[1.0, 2.0], var="x", mode="min", T=10.0)
    np.testing.assert_allclose(res.y, [-1.0, -1.0], atol=1e-4)


def test_failed_runs_give_nan_and_are_named_in_meta():
    res = scalar_sweep(dynlib.build("builtin://map/logistic"), param="r", values=[3.2, 4.5],
                       var="x", mode="max", N=100)
    assert res.y[0] > 0.79 and np.isnan(res.y[1])
    assert list(res.meta["failed"]) == [1] and res.meta["failed"][1]


def test_traj_sweep_shapes_runs_and_named_access():
    sim = dynlib.setup("builtin://ode/harmonic")
    omega = [0.5, 1.0, 3.0]
    res = sweep.traj_sweep(sim, param="omega", values=omega, record_vars=["v", "x"], T=1.0,
                           dt=0.1)
    assert isinstance(res, SweepResult) and isinstance(res.payload, TrajectoryPayload)
    assert res.kind == "trajectory" and res.record_vars == ("v", "x")
    assert res.stack().shape == (3, 11, 2)
    assert res["x"].shape == (11, 3) and res.x.shape == (11, 3)  # time first, as the reference
    assert res[["x", "v"]].shape == (11, 3, 2)
    np.testing.assert_allclose(res.t, np.linspace(0, 1, 11), atol=1e-15)
    assert len(res.t_all) == 3 and len(res.data) == 3 and res.data[0].shape == (11, 2)
    assert len(res.runs) == 3
    run = res.runs[2]
    assert run.param_value == 3.0
    one = dynlib.setup("builtin://ode/harmonic")
    r = one.run(T=1.0, dt=0.1, params={"omega": 3.0})
    assert run["x"].tobytes() == np.asarray(r["x"]).tobytes()
    assert run["v"].tobytes() == np.asarray(r["v"]).tobytes()
    assert [rn.param_value for rn in res.runs] == omega
    assert "x" in res and "values" in res and "nope" not in res
    assert set(res) >= {"values", "param_name", "x", "v"}
    with pytest.raises(KeyError, match="nope"):
        res["nope"]
    with pytest.raises(AttributeError, match="nope"):
        res.nope
    with pytest.raises(IndexError):
        res.runs[3]


def test_ragged_runs_do_not_stack():
    m = dynlib.build("builtin://ode/harmonic", stepper="rk45")
    res = traj_sweep(m, param="omega", values=[0.5, 4.0], record_vars=["x"], T=5.0)
    lengths = [len(t) for t in res.t_all]
    assert lengths[0] != lengths[1]
    assert [len(d) for d in res.data] == lengths
    with pytest.raises(ValueError, match="differ"):
        res.stack()
    assert isinstance(res["x"], list) and len(res["x"]) == 2


def test_thread_count_and_parallel_mode_change_no_bit():
    m = dynlib.build("builtin://map/logistic")
    r = np.linspace(2.5, 4.0, 40)
    results = [traj_sweep(m, param="r", values=r, record_vars=["x"], N=400, transient=300,
                          parallel_mode=mode, max_workers=k)
               for mode, k in (("none", None), ("threads", 2), ("process", 2), ("auto", None))]
    assert results[0].meta["threads"] == 1 and results[1].meta["threads"] == 2
    for other in results[1:]:
        assert other.stack().tobytes() == results[0].stack().tobytes()
    with pytest.raises(ValueError, match="parallel_mode"):
        traj_sweep(m, param="r", values=r, record_vars=["x"], N=10, parallel_mode="gpu")


def test_errors_name_what_is_wrong():
    sim = dynlib.setup("builtin://map/logistic")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'r'"):
        scalar_sweep(sim, param="rr", values=[3.0], var="x", N=10)
    with pytest.raises(dynlib.DynlibError, match="values is empty"):
        scalar_sweep(sim, param="r", values=[], var="x", N=10)
    with pytest.raises(dynlib.DynlibError, match="unknown mode 'avg'"):
        scalar_sweep(sim, param="r", values=[3.0], var="x", mode="avg", N=10)
    scalar = scalar_sweep(sim, param="r", values=[3.0], var="x", N=10)
    with pytest.raises(AttributeError, match="trajectory"):
        scalar.stack()
    with pytest.raises(AttributeError, match="trajectory"):
        scalar.bifurcation("x")


def test_a_result_built_by_hand_behaves_like_the_reference():
    # The constructor other sweeps (Lyapunov) use: outputs of one value or one row per value.
    res = SweepResult(param_name="r", values=[1.0, 2.0], kind="spectrum",
                      outputs={"spectrum": np.array([[0.1, -1], [0.2, -2]]),
                               "lyap0": np.array([0.1, 0.2])},
                      traces={"mle": [np.zeros(3), np.ones(4)]}, meta={"k": 2})
    assert res.lyap0[1] == 0.2 and res["spectrum"].shape == (2, 2)
    assert res.mle[1].shape == (4,) and res.trace_names == ("mle",)
    assert res.record_vars == () and res.t.shape == (0,) and res.data == []
    assert dict(res)["kind"] == "spectrum"
