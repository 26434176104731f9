"""Python results equal the command line's CSV for the same run, value for value."""
import csv
import subprocess

import numpy as np
import pytest

import dynlib


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def run_cli(cli, *args):
    done = subprocess.run([cli, "run", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize(
    "uri, stepper, cli_args, run_kwargs",
    [
        ("MODEL", "rk45", ["-T", "2"], dict(T=2.0)),
        ("MODEL", "rk4", ["-T", "3", "--dt", "0.05", "--set", "k=0.25", "--set", "x=2"],
         dict(T=3.0, dt=0.05, params={"k": 0.25}, ic={"x": 2.0})),
        ("builtin://ode/lorenz", "rk4", ["-N", "500", "--record-interval", "7",
                                         "--record-vars", "z,x"],
         dict(N=500, record_interval=7, record_vars=["z", "x"])),
        ("builtin://map/logistic", None, ["-N", "300", "--set", "r=3.7"],
         dict(N=300, params={"r": 3.7})),
        ("builtin://map/collatz", None, ["-N", "40"], dict(N=40)),
    ],
)
def test_results_equal_the_cli_csv(cli, tmp_path, model_toml, uri, stepper, cli_args, run_kwargs):
    uri = str(model_toml) if uri == "MODEL" else uri
    out = tmp_path / "run.csv"
    args = [uri, *cli_args, "--out", str(out), "-q"]
    if stepper:
        args += ["--stepper", stepper]
    run_cli(cli, *args)
    header, rows = read_csv(out)

    res = dynlib.setup(uri, stepper=stepper).run(**run_kwargs)
    assert header == ["t"] + res.names
    assert len(rows) == len(res)
    assert [float(r[0]) for r in rows] == res.t.tolist()
    for k, name in enumerate(res.names):
        column = res[name]
        # CSV prints round-trip precision (exact integers for int64 models): parsing gives back
        # exactly the computed numbers.
        parse = int if column.dtype == np.int64 else float
        assert [parse(r[k + 1]) for r in rows] == column.tolist(), name


def test_event_log_equals_the_cli_events_csv(cli, tmp_path):
    out = tmp_path / "izh.csv"
    run_cli(cli, "builtin://ode/izhikevich", "--preset", "chattering", "-T", "200",
            "--out", str(out), "-q")
    header, rows = read_csv(tmp_path / "izh.events.csv")
    assert header == ["event", "t", "log.t"]  # firing time, then the logged field "t" (renamed)

    sim = dynlib.setup("builtin://ode/izhikevich")
    res = sim.run(T=200, preset="chattering")
    spike = res.events["reset"]
    assert len(spike) == len(rows) > 5
    assert [r[0] for r in rows] == ["reset"] * len(rows)
    assert [float(r[1]) for r in rows] == spike.t.tolist()
    assert [float(r[2]) for r in rows] == spike["t"].tolist()
    samples_header, samples = read_csv(out)
    assert [float(r[1]) for r in samples] == res["v"].tolist()
