"""`dynlib plot` and `dynlib run --plot`: pictures from the command line (the embedded renderer
src/cli/scripts/render_plot.py, run by the system Python, headless)."""
import importlib.util
import io
import os
import subprocess

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def renderer():
    spec = importlib.util.spec_from_file_location(
        "render_plot", os.path.join(ROOT, "src", "cli", "scripts", "render_plot.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dynlib(cli, *args, check=True):
    done = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def assert_picture(path):
    data = path.read_bytes()
    assert data.startswith(MAGIC[path.suffix]), data[:16]
    assert len(data) > 5000
    if path.suffix == ".png":
        image = plt.imread(io.BytesIO(data))
        assert image.shape[0] > 200 and image.shape[1] > 200
        assert image[..., :3].std() > 0.02  # not blank


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_run_plot_writes_each_format(cli, tmp_path, suffix):
    out = tmp_path / f"lorenz{suffix}"
    done = dynlib(cli, "run", "builtin://ode/lorenz", "-T", "5", "--plot", out)
    assert f"wrote picture {out}" in done.stdout
    assert "final state" in done.stdout  # the summary is still printed
    assert_picture(out)


def test_plot_of_a_model_runs_it_first(cli, tmp_path):
    out = tmp_path / "phase.png"
    dynlib(cli, "plot", "builtin://ode/vanderpol", "-T", "20", "--kind", "phase", "-o", out, "-q")
    assert_picture(out)


def test_plot_of_each_analysis_csv(cli, tmp_path):
    bif = tmp_path / "bif.csv"
    dynlib(cli, "bifurcation", "builtin://map/logistic", "--param", "r=2.8:4:60", "--var", "x",
           "-N", "300", "--transient", "200", "--tail", "50", "--out", bif, "-q")
    lyap = tmp_path / "lyap.csv"
    dynlib(cli, "lyapunov", "builtin://map/logistic", "--param", "r=2.8:4:40", "-N", "500",
           "--out", lyap, "-q")
    sweep = tmp_path / "sweep.csv"
    dynlib(cli, "sweep", "builtin://map/logistic", "--param", "r=2.5:3.9:4", "-N", "30",
           "--out", sweep)
    for csv in (bif, lyap, sweep):
        out = tmp_path / (csv.stem + ".png")
        dynlib(cli, "plot", csv, "-o", out, "-q")
        assert_picture(out)


def test_cobweb_of_a_map_draws_its_graph(cli, tmp_path):
    out = tmp_path / "cobweb.png"
    dynlib(cli, "plot", "builtin://map/logistic", "--set", "r=3.2", "-N", "30", "--kind",
           "cobweb", "-o", out, "-q")
    assert_picture(out)
    done = dynlib(cli, "plot", "builtin://ode/lorenz", "--kind", "cobweb", "-o", out,
                  check=False)
    assert done.returncode != 0 and "draws a map" in done.stderr


def test_bad_picture_paths_fail_before_the_run(cli, tmp_path):
    done = dynlib(cli, "run", "builtin://ode/lorenz", "-T", "1e9", "--plot",
                  tmp_path / "missing" / "x.png", check=False)
    assert done.returncode != 0 and "does not exist" in done.stderr  # no 1e9-long run first
    done = dynlib(cli, "plot", "builtin://ode/lorenz", "-o", tmp_path / "x.jpg", check=False)
    assert done.returncode != 0 and ".png, .svg or .pdf" in done.stderr


def test_missing_python_or_column_is_one_clear_line(cli, tmp_path):
    csv = tmp_path / "run.csv"
    dynlib(cli, "run", "builtin://ode/lorenz", "-T", "1", "--out", csv, "-q")
    done = subprocess.run([cli, "plot", str(csv), "-o", str(tmp_path / "x.png")],
                          capture_output=True, text=True,
                          env={**os.environ, "DYNLIB_PYTHON": str(tmp_path / "no-python")})
    assert done.returncode != 0 and "apt-get install python3-matplotlib" in done.stderr
    done = dynlib(cli, "plot", csv, "--y", "zz", "-o", tmp_path / "x.png", check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"dynlib plot: {csv} has no column 'zz'; columns: t, x, y, z"]
    done = dynlib(cli, "plot", csv, "-T", "3", "-o", tmp_path / "x.png", check=False)
    assert done.returncode != 0 and "drawn as it is" in done.stderr


def test_missing_matplotlib_says_how_to_install(cli, tmp_path):
    # A Python whose matplotlib import fails: a sitecustomize that hides it.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "matplotlib.py").write_text("raise ImportError('hidden for the test')\n")
    csv = tmp_path / "run.csv"
    dynlib(cli, "run", "builtin://ode/lorenz", "-T", "1", "--out", csv, "-q")
    done = subprocess.run([cli, "plot", str(csv), "-o", str(tmp_path / "x.png")],
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(hide)})
    assert done.returncode == 1
    assert "sudo apt-get install python3-matplotlib" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def write_csv(path, header, rows):
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(map(repr, r)) for r in rows))


def test_renderer_overview_artists(cli, tmp_path):
    csv, png = tmp_path / "run.csv", tmp_path / "run.png"
    dynlib(cli, "run", "builtin://ode/lorenz", "-T", "5", "--out", csv, "-q")
    assert renderer().main(["--data", str(csv), "--out", str(png), "--kind", "overview",
                            "--title", "lorenz"]) == 0
    fig = plt.gcf()
    series, phase = fig.axes
    assert [line.get_label() for line in series.get_lines()] == ["x", "y", "z"]
    assert len(series.get_lines()[0].get_xdata()) == 501 and series.get_xlabel() == "t"
    assert phase.name == "3d" and (phase.get_xlabel(), phase.get_ylabel(),
                                   phase.get_zlabel()) == ("x", "y", "z")
    assert fig._suptitle.get_text() == "lorenz"
    assert_picture(png)


def test_renderer_kinds_from_headers(tmp_path):
    r = renderer()
    bif = tmp_path / "bif.csv"
    write_csv(bif, ["r", "x"], [(3.0, 0.6), (3.0, 0.61), (3.5, 0.5), (3.5, 0.8)])
    curve = tmp_path / "lyap.csv"
    write_csv(curve, ["r", "mle", "steps"], [(3.0, -0.2, 100), (3.5, -0.1, 100), (4.0, 0.69, 100)])
    sweep = tmp_path / "sweep.csv"
    write_csv(sweep, ["r", "t", "x"], [(3.0, 0, 0.1), (3.0, 1, 0.3), (3.5, 0, 0.1), (3.5, 1, 0.4)])
    header = lambda p: r.read_table(str(p))  # noqa: E731
    assert r.infer_kind(*header(bif)) == "bifurcation"
    assert r.infer_kind(*header(curve)) == "curve"
    assert r.infer_kind(*header(sweep)) == "series"
    assert r.main(["--data", str(curve), "--out", str(tmp_path / "c.png")]) == 0
    ax = plt.gcf().axes[0]
    assert [l.get_label() for l in ax.get_lines()][0] == "mle"  # steps is not drawn
    assert ax.get_xlabel() == "r" and "(curve)" in ax.get_title()
    plt.close("all")
    assert r.main(["--data", str(sweep), "--out", str(tmp_path / "s.png")]) == 0
    fig = plt.gcf()
    assert len(fig.axes[0].get_lines()) == 2 and len(fig.axes) == 2  # two runs + colorbar


def test_renderer_basin_map_is_a_labelled_grid(tmp_path):
    r = renderer()
    xs, ys = np.linspace(-1, 1, 21), np.linspace(-1, 1, 11)
    rows = [(x, y, (0 if x < 0 else 1) if abs(y) < 0.8 else -1) for y in ys for x in xs]
    basin = tmp_path / "basin.csv"
    write_csv(basin, ["x", "y", "label"], rows)
    assert r.main(["--data", str(basin), "--out", str(tmp_path / "b.png")]) == 0
    fig = plt.gcf()
    ax, bar = fig.axes
    image = ax.get_images()[0].get_array()
    assert image.shape == (11, 21)
    assert [t.get_text() for t in bar.get_yticklabels()] == ["blow-up", "attractor 0",
                                                             "attractor 1"]
    write_csv(basin, ["x", "y", "label"], rows[:-3])
    assert r.main(["--data", str(basin), "--out", str(tmp_path / "b.png")]) == 2


def test_renderer_reports_the_bad_cell(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,x\n0,1\n1,abc\n")
    assert renderer().main(["--data", str(bad), "--out", str(tmp_path / "x.png")]) == 2
    assert f"{bad}:3: column 'x': 'abc' is not a number" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("t,x\n")
    assert renderer().main(["--data", str(empty), "--out", str(tmp_path / "x.png")]) == 2
    assert "has a header but no samples" in capsys.readouterr().err
