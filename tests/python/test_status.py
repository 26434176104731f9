"""The reference's status codes and Results fields (dynlib.Status, DONE, ..., n, m,
step_count_final, exited_early) beside this package's status names."""
import json

import pytest

import dynlib
from dynlib.runtime import runner_api


def test_codes_are_the_references():
    assert (dynlib.OK, dynlib.STEPFAIL, dynlib.NAN_DETECTED, dynlib.EARLY_EXIT, dynlib.DONE,
            dynlib.GROW_REC, dynlib.GROW_EVT, dynlib.USER_BREAK) == (0, 2, 3, 7, 9, 10, 11, 12)
    assert dynlib.Status.DONE == 9 and dynlib.Status(3) is dynlib.Status.NAN_DETECTED
    assert runner_api.DONE is dynlib.DONE


def test_a_status_is_its_name_and_its_code():
    res = dynlib.setup("builtin://map/logistic").run(N=10)
    assert res.status == "done" and res.status == dynlib.DONE and res.status == dynlib.Status.DONE
    assert res.status != dynlib.NAN_DETECTED and res.status != "stepfail"
    assert int(res.status) == 9 and res.status.code is dynlib.Status.DONE
    assert isinstance(res.status, str) and json.loads(json.dumps(res.status)) == "done"
    assert {res.status: 1}["done"] == 1  # hashes as its name
    assert res.status != True  # noqa: E712 - a bool is not a code
    with pytest.raises(ValueError, match="unknown run status"):
        runner_api.RunStatus("finished")


def test_each_end_has_its_code():
    nan = dynlib.Sim("inline:\n[model]\ntype = \"map\"\n[states]\nx = 2.0\n"
                     "[equations.rhs]\nx = \"x * x\"\n").run(N=50)
    assert nan.status == dynlib.NAN_DETECTED == 3 and not nan.ok and not nan.exited_early
    early = dynlib.setup("builtin://map/logistic").run(N=100, max_steps=10)
    assert early.status == dynlib.EARLY_EXIT and early.exited_early
    assert early.step_count_final == 10 and early.n == 11 == len(early)


def test_n_and_m_count_samples_and_event_rows():
    sim = dynlib.setup("builtin://ode/izhikevich")
    res = sim.run(T=200.0)
    assert res.n == len(res) == len(res.t)
    spikes = res.event("reset")
    assert res.m == len(spikes.t) > 0
    assert res.step_count_final == res.steps


def test_memory_limit_is_this_packages_own_code():
    status = runner_api.RunStatus("memory_limit")
    assert status == runner_api.MEMORY_LIMIT == runner_api.Status.MEMORY_LIMIT == 20
    assert status != dynlib.USER_BREAK and int(status) == 20 and not hasattr(dynlib, "MEMORY_LIMIT")
