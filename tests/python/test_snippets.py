"""The two snippets of issue 6, verbatim, as users write them."""
import os

import numpy as np

import dynlib

SNIPPET_SETUP = '''
from dynlib import setup

sim = setup("builtin://ode/vanderpol", stepper="rk4", jit=True, disk_cache=True)
sim.run(T=20.0)
res = sim.results()
print(res.t[-1], res["x"][-1], res.state_names)
'''

SNIPPET_BUILD = '''
from dynlib import build

def is_jitted(fn):
    return hasattr(fn, "signatures") and bool(fn.signatures)

model = build("model.toml", stepper="euler", jit=True)
print("RHS jitted", is_jitted(model.rhs))
print("Runner jitted", is_jitted(model.runner))
model.export_sources("compiled")   # rhs, events, aux, stepper, runner, entry unit, build script
print(model.rhs_source[:200])
'''


def test_setup_snippet_runs_natively_and_matches_the_interpreter(capsys):
    scope = {}
    exec(SNIPPET_SETUP, scope)
    out = capsys.readouterr().out.strip()
    sim = scope["sim"]
    assert sim.model.is_jitted
    assert sim.model.build_stats["kernel_source"] in ("compiled", "memory", "disk")
    res = scope["res"]
    assert out == f"{res.t[-1]} {res['x'][-1]} {res.state_names}"
    assert res.t[-1] == 20.0 and res.state_names == ["x", "y"] and res.ok
    # DESIGN rule 2: the native kernel and the interpreter give the same bits.
    ref = dynlib.setup("builtin://ode/vanderpol", stepper="rk4").run(T=20.0)
    assert np.array_equal(ref["x"], res["x"]) and np.array_equal(ref["y"], res["y"])


def check_build_snippet(tmp_path, capsys, source, native):
    os.chdir(tmp_path)
    scope = {}
    exec(source, scope)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"RHS jitted {native}"
    assert lines[1] == f"Runner jitted {native}"
    model = scope["model"]
    assert "\n".join(lines[2:]) == model.rhs_source[:200]
    assert model.rhs_source.strip()
    for name in ("rhs.cpp", "events.cpp", "aux.cpp", "stepper.cpp", "runner.cpp", "build.sh"):
        assert (tmp_path / "compiled" / name).is_file(), name
    # Everything still runs.
    res = dynlib.Sim(model).run(T=1.0)
    assert res.ok and res.t[-1] == 1.0
    return model


def test_build_snippet_with_jit(tmp_path, capsys, model_toml, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = check_build_snippet(tmp_path, capsys, SNIPPET_BUILD, True)
    assert model.stepper_name == "euler"
    for part in (model.rhs, model.runner):
        assert part.is_jitted and all(isinstance(s, str) and s for s in part.signatures)


def test_build_snippet_without_jit_prints_false_twice(tmp_path, capsys, model_toml, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = SNIPPET_BUILD.replace("jit=True", "jit=False")
    assert source != SNIPPET_BUILD
    model = check_build_snippet(tmp_path, capsys, source, False)
    for part in (model.rhs, model.events_pre, model.events_post, model.update_aux, model.stepper,
                 model.runner, model.guards):
        assert part.signatures == [] and not part.is_jitted
