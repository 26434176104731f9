"""Snapshots of a Sim's session: named in memory, reset(name), .npz files, compatibility pins,
and the session summary (the reference dynlib's names)."""
import json

import numpy as np
import pytest

import dynlib


def test_resuming_from_a_snapshot_continues_bit_for_bit():
    for stepper in ("rk45", "rk4", "bdf2"):
        sim = dynlib.setup("builtin://ode/vanderpol", stepper=stepper)
        sim.run(T=2.0)
        sim.create_snapshot("mid", "after two time units")
        straight = sim.run(T=5.0, resume=True)
        sim.reset("mid")
        assert len(sim.results()) == 0  # results are cleared
        again = sim.run(T=5.0, resume=True)
        assert np.array_equal(again.t, straight.t[-len(again):]), stepper
        assert np.array_equal(again.data, straight.data[-len(again):]), stepper
        assert again.steps == straight.steps


def test_initial_snapshot_is_the_session_before_the_first_run():
    sim = dynlib.setup("builtin://map/henon")
    sim.assign(x=0.1)
    first = sim.run(N=5, params={"a": 1.2})
    sim.run(N=5)  # continues the session
    assert sim.state_vector(source="snapshot")[0] == 0.1
    assert sim.param_dict(source="snapshot", snapshot="initial")["a"] == 1.2
    sim.reset()  # the reference's reset(): back to "initial"
    assert np.array_equal(sim.run(N=5).data, first.data)
    names = [s["name"] for s in sim.list_snapshots()]
    assert names == ["initial"]


def test_list_and_errors():
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=10)
    sim.create_snapshot("ten", "ten steps in")
    listed = sim.list_snapshots()
    assert [s["name"] for s in listed] == ["initial", "ten"]
    assert listed[1]["step"] == 10 and listed[1]["t"] == 10.0
    assert listed[1]["description"] == "ten steps in" and listed[1]["created_at"].endswith("Z")
    with pytest.raises(dynlib.DynlibError, match="exists already"):
        sim.create_snapshot("ten")
    with pytest.raises(dynlib.DynlibError, match="needs a name"):
        sim.create_snapshot("")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'ten'"):
        sim.reset("tne")
    assert sim.compat_check("ten") == (True, {})


def test_export_import_round_trip_resumes_identically(tmp_path):
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk45")
    sim.run(T=1.0)
    path = tmp_path / "sub" / "lorenz.npz"
    sim.export_snapshot(path)
    at_export = sim.state_vector()
    straight = sim.run(T=3.0, resume=True)
    with np.load(path) as npz:  # readable by numpy alone
        assert np.array_equal(npz["y"], at_export)
        assert np.array_equal(npz["params"], sim.param_vector())
        meta = json.loads(npz["meta.json"].tobytes())
    assert meta["step_count"] > 0 and meta["state_names"] == ["x", "y", "z"]
    assert sim.inspect_snapshot(path) == meta and meta["t_curr"] == pytest.approx(1.0)
    other = dynlib.setup("builtin://ode/lorenz", stepper="rk45")
    other.import_snapshot(path)
    assert other.can_resume() == (True, None)
    again = other.run(T=3.0, resume=True)
    assert np.array_equal(again.data, straight.data[-len(again):])
    assert not list(path.parent.glob(".*.tmp"))  # the temporary file was renamed


def test_export_of_a_named_snapshot_and_argument_checks(tmp_path):
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=3)
    sim.create_snapshot("three", "note")
    sim.run(N=7)
    sim.export_snapshot(tmp_path / "s.npz", source="snapshot", name="three")
    meta = sim.inspect_snapshot(tmp_path / "s.npz")
    assert meta["name"] == "three" and meta["description"] == "note" and meta["step_count"] == 3
    with pytest.raises(ValueError, match="name is required"):
        sim.export_snapshot(tmp_path / "x.npz", source="snapshot")
    with pytest.raises(ValueError, match="source must be"):
        sim.export_snapshot(tmp_path / "x.npz", source="now")


def test_import_refuses_other_models_and_bad_files(tmp_path):
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=3)
    sim.export_snapshot(tmp_path / "logistic.npz")
    henon = dynlib.setup("builtin://map/henon")
    with pytest.raises(RuntimeError, match="spec_hash"):
        henon.import_snapshot(tmp_path / "logistic.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="cannot read snapshot file"):
        sim.import_snapshot(tmp_path / "junk.npz")
    np.savez(tmp_path / "plain.npz", y=np.zeros(1))
    with pytest.raises(ValueError, match="no 'meta.json'"):
        sim.inspect_snapshot(tmp_path / "plain.npz")
    # A tampered image (wrong workspace size) is refused and leaves the session as it was.
    with np.load(tmp_path / "logistic.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["reals/y"] = np.zeros(5)
    np.savez(tmp_path / "tampered.npz", **arrays)
    before = sim.state_vector()
    with pytest.raises(ValueError, match="'y' has 5 values"):
        sim.import_snapshot(tmp_path / "tampered.npz")
    assert np.array_equal(sim.state_vector(), before)


def test_session_state_summary_and_can_resume():
    sim = dynlib.setup("builtin://map/logistic")
    ok, reason = sim.can_resume()
    assert not ok and "no run" in reason
    sim.run(N=4)
    summary = sim.session_state_summary()
    assert summary["t"] == 4.0 and summary["step"] == 4 and summary["status"] == "DONE"
    assert summary["stepper_name"] == sim.model.stepper_name and summary["can_resume"]


def test_a_run_with_observers_cannot_be_a_snapshot():
    from dynlib.runtime.observers import lyapunov_mle_observer

    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=10, observers=[lyapunov_mle_observer()])
    with pytest.raises(dynlib.DynlibError, match="observers"):
        sim.create_snapshot("obs")


def test_assign_with_clear_history_keeps_the_session_and_drops_results():
    sim = dynlib.setup("builtin://ode/vanderpol", stepper="rk45")
    sim.run(T=2.0, tag="first")
    straight = sim.run(T=4.0, resume=True)
    sim.reset()
    sim.run(T=2.0)
    sim.assign(clear_history=True)  # no values: only the history goes
    assert len(sim.results()) == 0 and len(sim.results().segment) == 0
    again = sim.run(T=4.0, resume=True)
    assert np.array_equal(again.data, straight.data[-len(again):])
    sim.assign({"mu": 2.0}, clear_history=True)
    assert sim.param("mu") == 2.0 and sim.can_resume() == (True, None)


def test_raw_results_and_dry_run():
    sim = dynlib.setup("builtin://map/henon")
    assert sim.dry_run()
    with pytest.raises(RuntimeError, match="call run"):
        sim.raw_results()
    res = sim.run(N=3)
    assert np.array_equal(sim.raw_results().data, res.data)
