"""Segments of a continued run: run(tag=), name_segment / name_last_segment, res.segment[...]
(the reference dynlib's names)."""
import numpy as np
import pytest

import dynlib


def test_each_run_that_records_adds_a_segment():
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=10, tag="warm")
    sim.run(N=25, resume=True, tag="main")
    res = sim.run(N=30, resume=True)
    seg = res.segment
    assert len(seg) == 3 and seg.names() == ["warm", "main", "run#2"]
    assert "run#0" in seg and "main" in seg and "nope" not in seg
    warm, main = seg["warm"], seg[1]
    assert warm.id == 0 and main.name == "main" and seg[-1].id == 2
    assert len(warm) == 11 and len(main) == 15 and len(seg[2]) == 5  # N is absolute on resume
    assert np.array_equal(main.t, res.t[11:26]) and np.array_equal(main["x"], res["x"][11:26])
    assert main.step[0] == 11 and main.meta.step_end == 25 and main.meta.resume
    assert not warm.meta.resume and warm.meta.rec_start == 0
    assert np.all(main.flags == dynlib.OK)
    assert np.array_equal(seg["run#0"].t, warm.t)
    assert sim.results().segment.names() == seg.names()


def test_a_fresh_run_starts_the_list_again_and_names_stay_unique():
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=5, tag="a")
    sim.run(N=8, resume=True, tag="a")
    assert sim.results().segment.names() == ["a", "a-2"]
    res = sim.run(N=3)
    assert res.segment.names() == ["run#0"]
    sim.name_last_segment("only")
    assert sim.results().segment.names() == ["only"]
    sim.run(N=6, resume=True)
    sim.name_segment("run#1", "second")
    sim.name_segment(0, "first")
    assert sim.results().segment.names() == ["first", "second"]
    with pytest.raises(KeyError, match="did you mean 'first'"):
        sim.results().segment["frist"]
    with pytest.raises(IndexError):
        sim.results().segment[5]
    with pytest.raises(ValueError, match="cannot be empty"):
        sim.name_segment(0, "")
    sim.reset()
    with pytest.raises(RuntimeError, match="no recorded segments"):
        sim.name_last_segment("x")


def test_segment_events_are_the_firings_during_it():
    sim = dynlib.setup("builtin://ode/izhikevich")
    sim.run(T=100.0, tag="first")
    res = sim.run(T=300.0, resume=True, tag="second")
    spikes = res.event("reset")
    first, second = res.segment["first"].events()["reset"], res.segment["second"].events()["reset"]
    assert first.count + second.count == spikes.count > 0
    assert np.all(first.t <= 100.0) and np.all(second.t > 100.0)
    assert np.array_equal(np.concatenate([first.t, second.t]), spikes.t)


def test_a_run_without_samples_adds_no_segment_and_a_refused_run_changes_nothing():
    sim = dynlib.setup("builtin://map/logistic")
    sim.run(N=5, tag="kept")
    with pytest.raises(dynlib.DynlibError):
        sim.run(N=3, resume=True)  # N is already reached
    assert sim.results().segment.names() == ["kept"]
    res = sim.run(N=5, record=False)
    assert len(res.segment) == 0
