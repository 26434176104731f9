"""Shared fixtures for the Python tests (run by `make test-python`).

The package under test is the one PYTHONPATH points at (<build>/python); DYNLIB_CLI names the
`dynlib` executable of the same build, for comparisons with the command line.
"""
import atexit
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# The JIT's disk cache and the user config live in private temporary directories, set before
# dynlib is imported: tests must neither read the developer's config nor fill ~/.cache.
_private = tempfile.mkdtemp(prefix="dynlib-pytest-")
atexit.register(shutil.rmtree, _private, True)
os.environ["XDG_CACHE_HOME"] = os.path.join(_private, "cache")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_private, "config")
os.environ.pop("DYNLIB_CONFIG", None)
os.environ.pop("DYN_MODEL_PATH", None)

import pytest  # noqa: E402

import dynlib  # noqa: E402

SMALL_MODEL = """\
[model]
type = "ode"
name = "decay2"

[states]
x = 1.0
y = 0.5

[params]
k = 0.5
w = 2.0

[equations]
expr = \"\"\"
dx = -k * x + y
dy = -w * x
\"\"\"

[aux]
energy = "x * x + y * y"

[sim]
dt = 0.01
t_end = 2.0
"""


@pytest.fixture
def model_toml(tmp_path):
    """A small ODE model file, model.toml, in a fresh temporary directory."""
    path = tmp_path / "model.toml"
    path.write_text(SMALL_MODEL)
    return path


@pytest.fixture(scope="session")
def cli():
    """Path of the `dynlib` executable built with this module."""
    path = os.environ.get("DYNLIB_CLI")
    if not path:
        # <build>/python/dynlib/__init__.py -> <build>/dynlib
        path = str(pathlib.Path(dynlib.__file__).resolve().parents[2] / "dynlib")
    assert os.access(path, os.X_OK), f"the dynlib executable is not at {path} (set DYNLIB_CLI)"
    return path


def python_env(**extra):
    """Environment for a child /usr/bin/python3 that imports the same dynlib package."""
    env = dict(os.environ)
    package_root = str(pathlib.Path(dynlib.__file__).resolve().parents[1])
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


PYTHON = sys.executable


def interrupt(child, after=0.5, timeout=60):
    """Sends Ctrl+C (SIGINT) to `child` `after` seconds from now and waits for it to end.

    Returns (stdout, stderr, seconds from the signal to the end). A child still running after
    `timeout` seconds fails the test with the stack of each of its threads (gdb, when there is
    one), so that a hang seen once, on CI, says where it was.
    """
    time.sleep(after)
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=timeout)
        return out, err, time.perf_counter() - sent
    except subprocess.TimeoutExpired:
        stacks = "(no gdb)"
        if shutil.which("gdb"):
            stacks = subprocess.run(
                ["gdb", "-p", str(child.pid), "-batch", "-ex", "thread apply all bt"],
                capture_output=True, text=True, timeout=120).stdout
        pytest.fail(f"the child did not end {timeout} s after Ctrl+C; its threads:\n{stacks}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
