"""`python3 -m dynlib` is the same command line as the `dynlib` executable."""
import subprocess

from conftest import PYTHON, python_env


def both(cli, *args):
    exe = subprocess.run([cli, *args], capture_output=True, text=True)
    mod = subprocess.run([PYTHON, "-m", "dynlib", *args], capture_output=True, text=True,
                         env=python_env())
    return exe, mod


def test_version(cli):
    exe, mod = both(cli, "--version")
    assert mod.returncode == exe.returncode == 0
    assert mod.stdout == exe.stdout and mod.stdout.startswith("dynlib ")
    import dynlib
    assert mod.stdout.split()[-1] == dynlib.__version__


def test_model_validate(cli, model_toml):
    exe, mod = both(cli, "model", "validate", str(model_toml))
    assert mod.returncode == exe.returncode == 0
    assert mod.stdout == exe.stdout and mod.stdout.startswith("Model OK: decay2")


def test_errors_and_exit_status(cli, tmp_path):
    exe, mod = both(cli, "model", "validate", str(tmp_path / "missing.toml"))
    assert mod.returncode == exe.returncode == 1
    assert mod.stderr == exe.stderr and "missing" in mod.stderr
    exe, mod = both(cli, "no-such-command")
    assert mod.returncode == exe.returncode != 0


def test_run_writes_the_same_csv(cli, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    subprocess.run([cli, "run", "builtin://ode/lorenz", "-T", "1", "--out", str(a), "-q"],
                   check=True)
    subprocess.run([PYTHON, "-m", "dynlib", "run", "builtin://ode/lorenz", "-T", "1", "--out",
                    str(b), "-q"], check=True, env=python_env())
    assert a.read_bytes() == b.read_bytes()
