"""scripts/plot_run.py: the picture `make run` leaves (headless, Agg)."""
import importlib.util
import os
import subprocess

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def load_script():
    spec = importlib.util.spec_from_file_location(
        "plot_run", os.path.join(ROOT, "scripts", "plot_run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lorenz_run_becomes_series_and_phase_portrait(tmp_path):
    csv_path, png = tmp_path / "run.csv", tmp_path / "run.png"
    subprocess.run([os.environ.get("DYNLIB_CLI", "dynlib"), "run", "builtin://ode/lorenz",
                    "-T", "5", "--out", str(csv_path)], check=True, capture_output=True)
    plt.close("all")
    assert load_script().main(["plot_run.py", str(csv_path), str(png), "lorenz"]) == 0
    fig = plt.gcf()
    series, phase = fig.axes
    assert [line.get_label() for line in series.get_lines()] == ["x", "y", "z"]
    assert len(series.get_lines()[0].get_xdata()) == 501 and series.get_xlabel() == "t"
    assert (phase.get_xlabel(), phase.get_ylabel()) == ("x", "z")
    image = plt.imread(str(png))
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 10  # not blank


def test_a_csv_without_samples_is_an_error(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("t,x\n")
    assert load_script().main(["plot_run.py", str(empty), str(tmp_path / "x.png")]) == 1
    assert "has no samples" in capsys.readouterr().err
