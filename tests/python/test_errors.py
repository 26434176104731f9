"""Every exception class, raised by the real cause where the public API has one."""
import json
import stat
import subprocess
import textwrap

import pytest

import dynlib
from conftest import PYTHON, SMALL_MODEL, python_env

ALL = [dynlib.ModelError, dynlib.ModelNotFoundError, dynlib.JITUnavailableError,
       dynlib.CompileError, dynlib.CacheError, dynlib.PathTraversalError, dynlib.ConfigError,
       dynlib.StepperKindMismatchError]


def test_hierarchy_mirrors_errors_hpp():
    assert issubclass(dynlib.DynlibError, Exception)
    for cls in ALL:
        assert issubclass(cls, dynlib.DynlibError) and cls.__module__ == "dynlib"
        assert cls.__doc__
    # Siblings, as in C++: catching one never catches another.
    for a in ALL:
        for b in ALL:
            assert issubclass(a, b) == (a is b)


def test_model_error_points_at_file_line_and_column(tmp_path):
    path = tmp_path / "model.toml"
    path.write_text(SMALL_MODEL.replace("dx = -k * x + y", "dx = -kk * x + y"))
    with pytest.raises(dynlib.ModelError) as info:
        dynlib.build(str(path))
    e = info.value
    line = SMALL_MODEL.splitlines().index("dx = -k * x + y") + 1
    assert (e.file, e.line, e.column) == (str(path), line, 7)
    assert str(e).startswith(f"{path}:{line}:7: error: ")
    assert "unknown name 'kk'" in e.message and "'kk'" in str(e)
    assert e.source_line == "dx = -kk * x + y"
    assert "did you mean 'k'" in e.hint and "did you mean 'k'" in str(e)
    assert "^" in str(e)  # the caret under the column


def test_model_error_for_toml_syntax(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[model]\ntype = \"ode\n")
    with pytest.raises(dynlib.ModelError) as info:
        dynlib.setup(path)  # a path-like works like a str
    assert info.value.line == 2 and str(info.value).startswith(f"{path}:2:")


def test_model_not_found_lists_candidates(tmp_path):
    with pytest.raises(dynlib.ModelNotFoundError) as info:
        dynlib.build("builtin://ode/lorenzz")
    e = info.value
    assert e.uri == "builtin://ode/lorenzz"
    assert e.candidates and all(isinstance(c, str) for c in e.candidates)
    assert "builtin://ode/lorenzz" in str(e) and e.candidates[0] in str(e)
    with pytest.raises(dynlib.ModelNotFoundError) as info:
        dynlib.Sim(str(tmp_path / "missing"))
    assert any("missing" in c for c in info.value.candidates)


def child(script, **env):
    """Runs `script` in a fresh interpreter (compiler discovery is memoized per process)."""
    done = subprocess.run([PYTHON, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, env=python_env(**env), timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


REPORT = """
import json, dynlib
try:
    dynlib.build("builtin://ode/rossler", stepper="rk4", jit=JIT)
    print(json.dumps({"type": None}))
except dynlib.DynlibError as e:
    print(json.dumps({"type": type(e).__name__, "str": str(e),
                      "attrs": {k: getattr(e, k) for k in ("diagnostics", "source_path")
                                if hasattr(e, k)},
                      "interpreter_ok": dynlib.setup("builtin://ode/rossler").run(T=1.0).ok}))
"""


def test_jit_unavailable_without_a_compiler_and_no_silent_fallback(tmp_path):
    got = child(REPORT.replace("JIT", "True"), DYNLIB_CXX="/nonexistent/dynlib-test-c++",
                XDG_CACHE_HOME=str(tmp_path))
    assert got["type"] == "JITUnavailableError"
    assert "/nonexistent/dynlib-test-c++" in got["str"] and "DYNLIB_CXX" in got["str"]
    assert got["interpreter_ok"]  # jit=False still runs


def test_compile_error_carries_diagnostics_and_source_path(tmp_path):
    # A "compiler" that passes dynlib's probe (it is the real one for the probe source) but
    # rejects the generated kernel with a diagnostic.
    fake = tmp_path / "fake-c++"
    fake.write_text(textwrap.dedent("""\
        #!/bin/sh
        case "$*" in
          *--version*|*probe.cpp*) exec c++ "$@" ;;
        esac
        echo "kernel.cpp:1:1: error: rejected by the test compiler" >&2
        exit 1
        """))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    got = child(REPORT.replace("JIT", "True"), DYNLIB_CXX=str(fake),
                XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert got["type"] == "CompileError", got
    assert "rejected by the test compiler" in got["attrs"]["diagnostics"]
    assert got["attrs"]["source_path"] and got["attrs"]["source_path"] in got["str"]
    assert "rejected by the test compiler" in got["str"]
    assert got["interpreter_ok"]


@pytest.mark.parametrize("kind, cls, text, attrs", [
    ("model", dynlib.ModelError, "lorenz.toml:17:6: error: unknown name 'sigm'",
     dict(file="lorenz.toml", line=17, column=6, message="unknown name 'sigm'",
          source_line="dx = sigm * (y - x)", hint="did you mean 'sigma'?")),
    ("not_found", dynlib.ModelNotFoundError, "builtin://ode/nope",
     dict(uri="builtin://ode/nope", candidates=["a.toml", "b.toml"])),
    ("jit", dynlib.JITUnavailableError, "no compiler", {}),
    ("compile", dynlib.CompileError, "compile failed\nx.cpp:1: error",
     dict(diagnostics="x.cpp:1: error", source_path="/tmp/x.cpp")),
    ("cache", dynlib.CacheError, "cannot lock the cache", {}),
    ("traversal", dynlib.PathTraversalError, "refusing",
     dict(uri="t://../x", attempted_path="../x.toml", root="/models")),
    ("config", dynlib.ConfigError, "bad config", {}),
    ("stepper_kind", dynlib.StepperKindMismatchError, "wrong kind",
     dict(stepper_name="map", stepper_kind="map", model_kind="ode")),
    ("base", dynlib.DynlibError, "plain", {}),
])
def test_every_cpp_error_class_translates_with_its_fields(kind, cls, text, attrs):
    with pytest.raises(dynlib.DynlibError) as info:
        dynlib._dynlib._raise_cpp_error(kind)
    assert type(info.value) is cls
    assert text in str(info.value)
    for name, value in attrs.items():
        assert getattr(info.value, name) == value, name


def test_misuse_raises_dynlib_error_with_did_you_mean():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    with pytest.raises(dynlib.DynlibError, match="did you mean 'rho'"):
        sim.run(T=1.0, dt=0.01, params={"rh": 1.0})
    with pytest.raises(dynlib.DynlibError, match="stepper"):
        dynlib.build("builtin://ode/lorenz", stepper="rk5")
    with pytest.raises(dynlib.DynlibError, match="jit mode"):
        dynlib.build("builtin://ode/lorenz", jit="sometimes")
    res = sim.run(T=1.0, dt=0.01)
    with pytest.raises(dynlib.DynlibError, match="did you mean 'x'"):
        res["xx"]


def test_python_argument_errors_are_type_errors():
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4")
    with pytest.raises(TypeError, match="did you mean 'atol'"):
        sim.run(T=1.0, dt=0.01, atoll=1e-9)
    with pytest.raises(TypeError, match="T must be a number, got str"):
        sim.run(T="1.0")
    with pytest.raises(ValueError, match="N must be a whole number"):
        sim.run(N=10.5)
    with pytest.raises(TypeError, match="jit must be"):
        dynlib.build("builtin://ode/lorenz", jit=2)
    with pytest.raises(TypeError, match="did you mean 'dt'"):
        sim.config(dtt=0.1)


def test_unknown_sim_key_is_a_model_warning_with_place_and_did_you_mean(tmp_path):
    """The reference accepts unknown [sim] keys; here they warn (a typo is never silent)."""
    path = tmp_path / "model.toml"
    path.write_text(SMALL_MODEL + "stpper = \"rk4\"\n")
    with pytest.warns(dynlib.ModelWarning) as record:
        sim = dynlib.Sim(dynlib.build(str(path)))
    assert len(record) == 1
    text = str(record[0].message)
    line = len(SMALL_MODEL.splitlines()) + 1
    assert text.startswith(f"{path}:{line}:1: warning: unknown key 'stpper' in [sim] is ignored")
    assert "did you mean 'stepper'?" in text
    assert issubclass(dynlib.ModelWarning, UserWarning)
    assert sim.model.spec.warnings == [text]
    # The model still runs, with its other [sim] settings.
    assert sim.run().final_time == pytest.approx(2.0)


def test_reference_error_module_names_and_real_causes(tmp_path, monkeypatch):
    from dynlib import errors
    from dynlib.errors import (AmbiguousModelError, ConfigError, ModelLoadError,
                               PathTraversalError, StepperJitCapabilityError,
                               StepperKindMismatchError)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), dynlib.DynlibError), name
    assert ModelLoadError is dynlib.ModelError
    # A model that fails validation is a ModelLoadError, as in the reference.
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL_MODEL.replace("dx = -k * x + y", "dx = -kk * x + y"))
    with pytest.raises(ModelLoadError):
        dynlib.build(str(bad))
    # '..' out of a tag's root.
    root = tmp_path / "models"
    root.mkdir()
    (tmp_path / "outside.toml").write_text(SMALL_MODEL)
    monkeypatch.setenv("DYN_MODEL_PATH", f"proj={root}")
    with pytest.raises(PathTraversalError) as info:
        dynlib.build("proj://../outside")
    assert info.value.uri == "proj://../outside" and info.value.root == str(root)
    # A malformed DYN_MODEL_PATH and an unreadable config file.
    monkeypatch.setenv("DYN_MODEL_PATH", "no-tag-here")
    with pytest.raises(ConfigError, match="DYN_MODEL_PATH"):
        dynlib.build("proj://x")
    monkeypatch.delenv("DYN_MODEL_PATH")
    monkeypatch.setenv("DYNLIB_CONFIG", str(tmp_path / "missing-config.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        dynlib.build("proj://x")
    monkeypatch.delenv("DYNLIB_CONFIG")
    # A map stepper for an ODE, asked for by option.
    with pytest.raises(StepperKindMismatchError) as info:
        dynlib.build("builtin://ode/lorenz", stepper="map")
    assert (info.value.stepper_name, info.value.stepper_kind, info.value.model_kind) == \
        ("map", "map", "ode")
    # The two never raised here still construct like the reference's.
    assert AmbiguousModelError("m", ["a.toml", "b.toml"]).matches == ["a.toml", "b.toml"]
    assert StepperJitCapabilityError("x").stepper_name == "x"
