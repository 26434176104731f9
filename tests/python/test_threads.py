"""Runs release the GIL: two Python threads running two Sims proceed in parallel."""
import hashlib
import os
import threading
import time

import numpy as np
import pytest

import dynlib


def make_sims(n_steps):
    # One FullModel shared by both Sims (allowed: it is immutable).
    model = dynlib.build("builtin://ode/lorenz", stepper="rk4")
    return [dynlib.Sim(model) for _ in range(2)], dict(N=n_steps, dt=1e-5, record=False)


def calibrated_steps(target_seconds=0.4):
    sims, options = make_sims(100_000)
    start = time.perf_counter()
    sims[0].run(**options)
    per_step = (time.perf_counter() - start) / 100_000
    return max(100_000, int(target_seconds / per_step))


def parallel_ratio(make_work):
    """Wall time of two works run in two threads over the time of running them one by one."""
    works = make_work()
    start = time.perf_counter()
    serial = [work() for work in works]
    serial_seconds = time.perf_counter() - start
    works = make_work()
    parallel = [None, None]
    threads = [threading.Thread(target=lambda i=i: parallel.__setitem__(i, works[i]()))
               for i in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (time.perf_counter() - start) / serial_seconds, serial, parallel


def hashing_works():
    # Control: hashlib releases the GIL for large buffers, so this shows what parallelism the
    # machine gives this process right now.
    data = b"dynlib" * (8 << 20)
    return [lambda: hashlib.sha256(data).hexdigest() for _ in range(2)]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_two_threads_run_two_sims_in_parallel():
    n = calibrated_steps()

    def sim_works():
        sims, options = make_sims(n)
        return [lambda sim=sim: sim.run(**options) for sim in sims]

    ratios, controls = [], []
    # Wall time on a loaded machine is noisy: the claim holds if any of five tries shows it.
    for _ in range(5):
        ratio, serial, parallel = parallel_ratio(sim_works)
        for got, want in zip(parallel, serial):  # same bits on any thread
            assert got.ok and np.array_equal(got.final_state, want.final_state)
        ratios.append(ratio)
        if ratio < 0.75:
            return
        controls.append(parallel_ratio(hashing_works)[0])
    if min(controls) >= 0.75:
        # Other processes leave this one a single CPU's worth of time: even GIL-free hashing
        # cannot run faster in two threads. test_runs_in_two_threads_interleave still checks
        # that runs release the GIL.
        pytest.skip(f"no parallelism available: hashing ratios {controls}, runs {ratios}")
    pytest.fail(f"parallel/serial wall time ratios {ratios}, while GIL-free hashing in the same "
                f"test reached {controls}")


def test_main_thread_stays_responsive_during_a_run():
    sims, options = make_sims(calibrated_steps(0.6))
    ticks = []
    worker = threading.Thread(target=lambda: sims[0].run(**options))
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())  # needs the GIL
        time.sleep(0.01)
    worker.join()
    assert len(ticks) > 10


def test_runs_in_two_threads_interleave():
    # Independent of machine load: if a run held the GIL, the other thread could not execute at
    # all until it ended, so the progress reports of the two runs could not interleave.
    sims, options = make_sims(calibrated_steps(0.5))
    reports = []
    for i, sim in enumerate(sims):
        sim.set_progress(lambda fraction, steps, i=i: reports.append(i), 0.0)
    threads = [threading.Thread(target=sim.run, kwargs=options) for sim in sims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    switches = sum(1 for a, b in zip(reports, reports[1:]) if a != b)
    assert reports.count(0) > 2 and reports.count(1) > 2
    assert switches >= 2, reports
