"""Ctrl+C (SIGINT) stops a long run cleanly: partial results, then KeyboardInterrupt."""
import json
import subprocess
import textwrap

from conftest import PYTHON, interrupt, python_env

CHILD = """
import json, signal, sys, time
import dynlib
# Python leaves SIGINT ignored when its parent ignored it; this test needs the default handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
print("running", flush=True)
start = time.perf_counter()
try:
    sim.run(N=10**10, dt=1e-7, record_interval=1000)
    outcome = "finished"
except KeyboardInterrupt:
    outcome = "KeyboardInterrupt"
seconds = time.perf_counter() - start
res = sim.results()
more = sim.run(N=res.steps + 1000, resume=True)
print(json.dumps({"outcome": outcome, "seconds": seconds, "status": res.status,
                  "steps": res.steps, "samples": len(res), "final_time": res.final_time,
                  "message": res.message, "resumed_steps": more.steps}))
"""


def test_sigint_stops_a_long_run_with_partial_results():
    child = subprocess.Popen([PYTHON, "-c", textwrap.dedent(CHILD)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=python_env())
    assert child.stdout.readline().strip() == "running"
    out, err, reaction = interrupt(child)  # well inside the run (10^10 steps take hours)
    assert child.returncode == 0, err
    got = json.loads(out.strip().splitlines()[-1])
    assert got["outcome"] == "KeyboardInterrupt"
    assert got["status"] == "user_break" and "stopped" in got["message"]
    assert 0 < got["steps"] < 10**10 and got["samples"] == got["steps"] // 1000 + 1
    assert got["final_time"] > 0
    assert got["resumed_steps"] == got["steps"] + 1000  # the stopped run can be resumed
    assert reaction < 10
