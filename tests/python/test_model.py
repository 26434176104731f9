"""FullModel: spec, parts, generated sources, export_sources; jit modes and dtypes."""
import ctypes
import os
import subprocess
import time

import numpy as np
import pytest

import dynlib


def test_spec_describes_the_model(model_toml):
    model = dynlib.build(model_toml)
    spec = model.spec
    assert spec.name == "decay2" and spec.kind == "ode" and spec.dtype == "float64"
    assert spec.states == {"x": 1.0, "y": 0.5} and spec.state_names == ["x", "y"]
    assert spec.params == {"k": 0.5, "w": 2.0} and spec.param_values == [[0.5], [2.0]]
    assert spec.aux == ["energy"] and spec.events == [] and spec.presets == []
    assert spec.sim == {"t0": 0.0, "t_end": 2.0, "dt": 0.01}
    assert len(spec.hash) == 64 and not spec.has_jacobian
    # No [sim] stepper: rk4, the reference's default.
    assert model.stepper_name == "rk4" and model.dtype == "float64" and not model.is_jitted
    assert dynlib.build(model_toml, stepper="dopri5").stepper_name == "rk45"  # alias
    assert dynlib.build("builtin://ode/lorenz").spec.sim["t_end"] is not None


def test_jit_modes_and_dtypes():
    assert dynlib.parse_jit_mode("ON") == "on" and dynlib.parse_jit_mode("false") == "off"
    assert dynlib.build("builtin://ode/lorenz", jit="off").is_jitted is False
    native = dynlib.build("builtin://ode/lorenz", stepper="rk4", jit="on")
    assert native.is_jitted and native.runner.signatures
    auto = dynlib.build("builtin://ode/lorenz", stepper="rk4", jit="auto")
    assert auto.rhs_source == native.rhs_source
    ref = dynlib.Sim(dynlib.build("builtin://ode/lorenz", stepper="rk4")).run(T=2, dt=0.01)
    for model in (native, auto):
        assert np.array_equal(dynlib.Sim(model).run(T=2, dt=0.01).data, ref.data)
    assert dynlib.build("builtin://ode/lorenz", dtype="float32").dtype == "float32"
    assert dynlib.build("builtin://ode/lorenz", dtype=np.float32).dtype == "float32"
    with pytest.raises(dynlib.DynlibError):
        dynlib.build("builtin://ode/lorenz", dtype="int64")


def test_sources_are_views_of_the_translation_unit():
    model = dynlib.build("builtin://ode/izhikevich", stepper="rk4")
    tu = model.translation_unit_source
    for source in (model.rhs_source, model.events_source, model.aux_source,
                   model.stepper_source, model.runner_source):
        assert source.strip() and source in tu
    assert "rk4" in model.stepper_source or "rk4" in model.runner_source
    # The reference's names of the same sources, and of the hash.
    assert model.events_pre_source == model.events_post_source == model.events_source
    assert model.update_aux_source == model.aux_source
    assert model.spec_hash == model.spec.hash and len(model.spec_hash) == 64


@pytest.mark.parametrize("jit", [False, True])
def test_export_sources_writes_a_buildable_kernel(tmp_path, jit):
    model = dynlib.build("builtin://ode/izhikevich", stepper="rk4", jit=jit)
    written = model.export_sources(tmp_path / "out")
    out = tmp_path / "out"
    # {name: Path}, as the reference returns them.
    assert written and all(p.is_file() and p == out / name for name, p in written.items())
    names = set(written)
    expected = {"rhs.cpp": model.rhs_source, "events.cpp": model.events_source,
                "aux.cpp": model.aux_source, "stepper.cpp": model.stepper_source,
                "runner.cpp": model.runner_source}
    for name, source in expected.items():
        assert name in names
        assert source in (out / name).read_text()
    assert any(n.startswith(os.path.join("include", "kernel")) or n.startswith("kernel")
               for n in names)
    # build.sh is the exact compile command: it must produce a loadable kernel with the ABI
    # symbol the loader checks.
    build = subprocess.run(["sh", str(out / "build.sh")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    built = [p for p in os.listdir(out) if p.endswith(".so")]
    assert built
    kernel = ctypes.CDLL(str(out / built[0]))
    assert kernel.dynlib_abi_version() > 0


def test_steppers_registry():
    names = {s["name"]: s for s in dynlib.steppers()}
    assert {"euler", "rk4", "rk45", "map"} <= set(names)
    assert names["rk45"]["adaptive"] and names["rk4"]["order"] == 4


def test_run_stats_and_jit_stats():
    dynlib.reset_jit_stats()
    native = dynlib.Sim(dynlib.build("builtin://ode/rossler", stepper="rk4", jit=True))
    res = native.run(T=1.0, dt=0.01)
    stats = res.run_stats
    assert stats["native_steps"] == res.steps == 100 and stats["interp_steps"] == 0
    assert stats["switch_step"] == -1
    interp = dynlib.setup("builtin://ode/rossler", stepper="rk4").run(T=1.0, dt=0.01)
    assert interp.run_stats["interp_steps"] == 100 and interp.run_stats["native_steps"] == 0
    entries = [k for k in dynlib.jit_stats()
               if k["model_name"] == "rossler" and k["stepper"] == "rk4"]
    assert entries and sum(k["runs"] for k in entries) == 2
    assert sum(k["native_steps"] for k in entries) == 100
    assert any(k["digest"] for k in entries)
    dynlib.reset_jit_stats()
    assert all(k["runs"] == 0 for k in dynlib.jit_stats())


def test_auto_jit_tiers_across_runs():
    # jit="auto" counts every run of a kernel: a loop of short runs (none reaches a YIELD) goes
    # native once two of them have run, and every result keeps the interpreter's bits.
    reference = dynlib.setup("builtin://ode/fitzhugh-nagumo", stepper="ab3")
    sim = dynlib.setup("builtin://ode/fitzhugh-nagumo", stepper="ab3", jit="auto",
                       auto_threshold=0.0, auto_min_calls=2, auto_tier_threshold=float("inf"))
    assert sim.model.jit_tier == 0
    native_runs = 0
    give_up = time.monotonic() + 600  # the compile runs in the background: a hang guard only
    while time.monotonic() < give_up:
        want, res = reference.run(T=1.0, dt=0.01), sim.run(T=1.0, dt=0.01)  # runs go on
        assert np.array_equal(res["V"], want["V"]) and np.array_equal(res["w"], want["w"])
        native_runs += res.run_stats["native_steps"] == 100
        if native_runs == 2:
            break
    assert native_runs == 2 and sim.model.jit_tier == 1
    (k,) = [k for k in dynlib.jit_stats()
            if k["model_name"] == "fitzhugh-nagumo" and k["stepper"] == "ab3"]
    assert k["tier"] == 1 and [t["name"] for t in k["tiers"]][1] == "native -O2"
    assert k["tiers"][1]["compiles"] == 1 and k["tiers"][1]["steps"] == 200
    assert k["tiers"][2]["compiles"] == 0
    report = dynlib.jit_report()
    assert "fitzhugh-nagumo (ab3, float64)" in report and "1 native -O2" in report
    with pytest.raises(dynlib.DynlibError, match="auto_min_calls must be at least 1"):
        dynlib.setup("builtin://ode/lorenz", jit="auto", auto_min_calls=0)
    with pytest.raises(dynlib.DynlibError, match="auto_tier_threshold"):
        dynlib.build("builtin://ode/lorenz", jit="auto", auto_tier_threshold=-1.0)


def test_quick_jit_is_native_with_the_interpreters_bits():
    # jit="quick": the model's functions compiled alone, run by the library's steppers.
    dynlib.reset_jit_stats()
    reference = dynlib.setup("builtin://ode/izhikevich", stepper="rk4")
    sim = dynlib.setup("builtin://ode/izhikevich", stepper="rk4", jit="quick")
    assert sim.model.is_jitted and sim.model.jit_tier == 1
    want, res = reference.run(T=200.0, dt=0.05), sim.run(T=200.0, dt=0.05)
    assert res.run_stats["native_steps"] == 4000 and res.run_stats["interp_steps"] == 0
    for name in ("v", "u"):
        assert np.array_equal(res[name], want[name])
    assert np.array_equal(res.event("reset").t, want.event("reset").t)
    assert len(res.event("reset").t) > 0
    (k,) = [k for k in dynlib.jit_stats() if k["quick"]]
    assert k["tiers"][1]["name"] == "native functions (quick)" and k["tiers"][1]["steps"] == 4000
    assert "native functions (quick)" in dynlib.jit_report()
    assert dynlib.parse_jit_mode("QUICK") == "quick"
