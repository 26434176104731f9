"""Renders the pictures of `dynlib plot` and `dynlib run --plot` from CSV files written by the
dynlib command line. Embedded into the dynlib executable and run with the system Python; needs
only numpy and matplotlib (never the dynlib Python package). Headless: matplotlib's Agg backend.

Arguments (all given by the dynlib executable, which checks them first):
  --data CSV --out FILE [--kind K] [--x NAME] [--y NAMES] [--z NAME] [--curve CSV]
  [--title TEXT] [--dpi N] [--width IN] [--height IN] [--source TEXT]
Kinds: auto, overview, series, phase, phase3d, bifurcation, curve, basin, cobweb.
Exit status: 0 written, 2 bad input (one line on stderr), 4 matplotlib missing.
"""
import argparse
import csv
import os
import sys
import warnings

MISSING_MATPLOTLIB = 4
BAD_INPUT = 2


class BadInput(Exception):
    pass


def read_table(path):
    """(header, columns as float arrays) of a CSV with a header row; empty cells are NaN."""
    import numpy as np

    try:
        with open(path, newline="") as f:
            header = next(csv.reader(f), None)
            if header:
                # Fast path (numpy's C reader); the loop below finds the cell to blame otherwise.
                try:
                    with warnings.catch_warnings():  # "no data": reported below, in words
                        warnings.simplefilter("ignore")
                        values = np.loadtxt(f, delimiter=",", ndmin=2)
                    if values.shape[0] > 0 and values.shape[1] == len(header):
                        return [h.strip() for h in header], {
                            h.strip(): values[:, j] for j, h in enumerate(header)}
                except ValueError:
                    pass
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}")
    rows = [r for r in rows if r]
    if not rows:
        raise BadInput(f"{path} is empty (expected a header row and samples)")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if not body:
        raise BadInput(f"{path} has a header but no samples")
    values = np.full((len(body), len(header)), np.nan)
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise BadInput(f"{path}:{i + 2}: {len(row)} cells, the header has {len(header)}")
        for j, cell in enumerate(row):
            cell = cell.strip()
            if cell:
                try:
                    values[i, j] = float(cell)
                except ValueError:
                    raise BadInput(f"{path}:{i + 2}: column '{header[j]}': '{cell}' is not a number")
    return header, {name: values[:, j] for j, name in enumerate(header)}


def pick(header, name, path):
    if name not in header:
        close = [h for h in header if h.lower() == name.lower() or h.startswith(name)]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise BadInput(f"{path} has no column '{name}'{hint}; columns: {', '.join(header)}")
    return name


def infer_kind(header, cols):
    import numpy as np

    if header[0] == "t":
        return "series"
    if header[-1] in ("label", "basin", "attractor"):
        return "basin"
    if len(header) >= 2 and header[1] == "t":
        return "series"  # a sweep's trajectories: PARAM,t,vars...
    first = cols[header[0]]
    return "bifurcation" if len(np.unique(first)) < len(first) else "curve"


def data_columns(header, skip):
    return [h for h in header if h not in skip and h not in ("steps", "events")]


def draw_series(ax, header, cols, args, path):
    import numpy as np

    if header[0] != "t" and len(header) >= 2 and header[1] == "t":
        # PARAM,t,vars: one line per parameter value, coloured by the value.
        param = header[0]
        names = args.y or data_columns(header, {param, "t"})[:1]
        var = pick(header, names[0], path)
        values = cols[param]
        levels = np.unique(values)
        import matplotlib as mpl

        norm = mpl.colors.Normalize(levels.min(), levels.max() if levels.max() > levels.min()
                                    else levels.min() + 1)
        cmap = mpl.colormaps["viridis"]
        for level in levels:
            rows = values == level
            ax.plot(cols["t"][rows], cols[var][rows], lw=0.8, color=cmap(norm(level)))
        ax.figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=param)
        ax.set_xlabel("t")
        ax.set_ylabel(var)
        return
    x = pick(header, args.x or "t", path)
    names = [pick(header, n, path) for n in (args.y or data_columns(header, {x}))]
    if not names:
        raise BadInput(f"{path} has no variable to draw against '{x}'")
    for name in names:
        ax.plot(cols[x], cols[name], lw=0.9, label=name)
    ax.set_xlabel(x)
    ax.set_ylabel(names[0] if len(names) == 1 else "value")
    if len(names) > 1:
        ax.legend(loc="best")


def draw_phase(ax, header, cols, args, path):
    names = data_columns(header, {"t"})
    x = pick(header, args.x or (names[0] if names else "x"), path)
    ys = args.y or [n for n in names if n != x][:1]
    if not ys:
        raise BadInput(f"{path}: a phase portrait needs two variables; columns: {', '.join(header)}")
    y = pick(header, ys[0], path)
    ax.plot(cols[x], cols[y], lw=0.6)
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def draw_phase3d(ax, header, cols, args, path):
    names = data_columns(header, {"t"})
    chosen = [args.x] if args.x else []
    chosen += args.y or []
    chosen += [args.z] if args.z else []
    for n in names:
        if len(chosen) >= 3:
            break
        if n not in chosen:
            chosen.append(n)
    if len(chosen) < 3:
        raise BadInput(f"{path}: a 3-D phase portrait needs three variables; "
                       f"columns: {', '.join(header)}")
    x, y, z = (pick(header, n, path) for n in chosen[:3])
    ax.plot(cols[x], cols[y], cols[z], lw=0.5)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_zlabel(z)


def draw_bifurcation(ax, header, cols, args, path):
    param = pick(header, args.x or header[0], path)
    y = pick(header, (args.y or data_columns(header, {param}))[0], path)
    ax.scatter(cols[param], cols[y], s=0.3, c="k", marker=".", linewidths=0, rasterized=True)
    ax.set_xlabel(param)
    ax.set_ylabel(y)


def draw_curve(ax, header, cols, args, path):
    param = pick(header, args.x or header[0], path)
    names = [pick(header, n, path) for n in (args.y or data_columns(header, {param}))]
    for name in names:
        ax.plot(cols[param], cols[name], lw=1.0, label=name)
    if any(n.startswith(("mle", "lyap")) for n in names):
        ax.axhline(0.0, color="0.5", lw=0.6, ls="--")
    ax.set_xlabel(param)
    ax.set_ylabel(names[0] if len(names) == 1 else "value")
    if len(names) > 1:
        ax.legend(loc="best")


def draw_basin(ax, header, cols, args, path):
    import matplotlib as mpl
    import numpy as np

    if len(header) < 3:
        raise BadInput(f"{path}: a basin map needs two coordinate columns and a label column")
    label = header[-1]
    x = pick(header, args.x or header[0], path)
    y = pick(header, (args.y or [header[1]])[0], path)
    xs, ys = np.unique(cols[x]), np.unique(cols[y])
    if len(xs) * len(ys) != len(cols[label]):
        raise BadInput(f"{path}: {len(cols[label])} rows are not a grid of {len(xs)} x "
                       f"{len(ys)} ({x}, {y}) values")
    labels = cols[label]
    if np.any(np.isnan(labels)) or np.any(labels != np.round(labels)):
        raise BadInput(f"{path}: column '{label}' must hold integer class labels")
    grid = np.full((len(ys), len(xs)), np.nan)
    grid[np.searchsorted(ys, cols[y]), np.searchsorted(xs, cols[x])] = labels
    classes = np.unique(labels).astype(int)
    base = mpl.colormaps["tab10" if len(classes) <= 10 else "tab20"]
    # Negative labels (the reference's codes: -1 blow-up, -2 outside, -3 unresolved) get greys;
    # attractors get the palette in order.
    greys = {-1: (0.15, 0.15, 0.15, 1.0), -2: (0.45, 0.45, 0.45, 1.0), -3: (0.8, 0.8, 0.8, 1.0)}
    colors = []
    attractor_index = 0
    for c in classes:
        if c < 0:
            colors.append(greys.get(c, (0.6, 0.6, 0.6, 1.0)))
        else:
            colors.append(base(attractor_index % base.N))
            attractor_index += 1
    cmap = mpl.colors.ListedColormap(colors)
    index = np.searchsorted(classes, grid)
    dx = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.5
    dy = (ys[1] - ys[0]) / 2 if len(ys) > 1 else 0.5
    image = ax.imshow(index, origin="lower", cmap=cmap, vmin=-0.5, vmax=len(classes) - 0.5,
                      extent=(xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy), aspect="auto",
                      interpolation="nearest")
    bar = ax.figure.colorbar(image, ax=ax, ticks=range(len(classes)))
    names = {-1: "blow-up", -2: "outside", -3: "unresolved"}
    bar.ax.set_yticklabels([names.get(c, f"attractor {c}") for c in classes])
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def draw_cobweb(ax, header, cols, args, path):
    import numpy as np

    names = data_columns(header, {"t"})
    var = pick(header, (args.y or names[:1] or ["x"])[0], path)
    xs = cols[var][np.isfinite(cols[var])]
    if len(xs) < 2:
        raise BadInput(f"{path}: a cobweb needs two iterates or more of '{var}'")
    lo, hi = float(np.min(xs)), float(np.max(xs))
    if args.curve:
        curve_header, curve = read_table(args.curve)
        ax.plot(curve[curve_header[0]], curve[curve_header[1]], lw=1.2, color="C0",
                label=f"f({var})")
        lo = min(lo, float(np.nanmin(curve[curve_header[0]])))
        hi = max(hi, float(np.nanmax(curve[curve_header[0]])))
    else:  # only the iterates: the map's graph is known at (x_n, x_n+1)
        ax.plot(xs[:-1], xs[1:], ".", ms=3, color="C0", label=f"({var}[n], {var}[n+1])")
    ax.plot([lo, hi], [lo, hi], lw=0.8, color="0.4", ls="--", label="identity")
    # The staircase starts on the diagonal at (x0, x0): up/down to the graph, across to the
    # diagonal, for every iterate.
    stair_x = np.empty(2 * (len(xs) - 1) + 1)
    stair_y = np.empty_like(stair_x)
    stair_x[0], stair_y[0] = xs[0], xs[0]
    for n in range(len(xs) - 1):
        stair_x[2 * n + 1], stair_y[2 * n + 1] = xs[n], xs[n + 1]
        stair_x[2 * n + 2], stair_y[2 * n + 2] = xs[n + 1], xs[n + 1]
    ax.plot(stair_x, stair_y, lw=0.7, color="C3", label="iterates")
    ax.set_xlabel(f"{var}[n]")
    ax.set_ylabel(f"{var}[n+1]")
    ax.legend(loc="best")


def draw_overview(fig, header, cols, args, path):
    """A run at a glance: every variable against t, beside the phase portrait of the first two
    (the first three, in 3-D, when there are three or more)."""
    names = data_columns(header, {"t"})
    if header[0] != "t" or not names:
        raise BadInput(f"{path}: an overview needs a run's CSV (a 't' column and variables)")
    series = fig.add_subplot(1, 2 if len(names) >= 2 else 1, 1)
    draw_series(series, header, cols, argparse.Namespace(x="t", y=names), path)
    series.set_title("time series")
    if len(names) >= 2:
        three = len(names) >= 3
        phase = fig.add_subplot(1, 2, 2, projection="3d" if three else None)
        pair = argparse.Namespace(x=names[0], y=[names[1]], z=names[2] if three else None)
        (draw_phase3d if three else draw_phase)(phase, header, cols, pair, path)
        phase.set_title("phase portrait")


DRAW = {
    "series": draw_series,
    "phase": draw_phase,
    "phase3d": draw_phase3d,
    "bifurcation": draw_bifurcation,
    "curve": draw_curve,
    "basin": draw_basin,
    "cobweb": draw_cobweb,
}


def main(argv):
    parser = argparse.ArgumentParser(prog="dynlib plot (renderer)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kind", default="auto", choices=["auto", "overview", *DRAW])
    parser.add_argument("--x")
    parser.add_argument("--y", type=lambda s: [n.strip() for n in s.split(",") if n.strip()])
    parser.add_argument("--z")
    parser.add_argument("--curve")
    parser.add_argument("--title")
    parser.add_argument("--source")
    parser.add_argument("--dpi", type=float, default=120.0)
    parser.add_argument("--width", type=float, default=7.0)
    parser.add_argument("--height", type=float, default=4.8)
    args = parser.parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("dynlib plot: matplotlib is not installed for " + sys.executable +
              " (Debian: sudo apt-get install python3-matplotlib)", file=sys.stderr)
        return MISSING_MATPLOTLIB
    try:
        header, cols = read_table(args.data)
        kind = infer_kind(header, cols) if args.kind == "auto" else args.kind
        if kind == "series" and args.x and args.x != "t" and header[0] == "t":
            kind = "phase3d" if args.z else "phase"
        fig = plt.figure(figsize=(args.width, args.height), layout="constrained")
        source = args.source or args.data
        title = args.title or f"{args.source or os.path.basename(args.data)}"
        if kind == "overview":
            draw_overview(fig, header, cols, args, source)
            fig.suptitle(title)
        else:
            ax = fig.add_subplot(projection="3d" if kind == "phase3d" else None)
            DRAW[kind](ax, header, cols, args, source)
            ax.set_title(args.title or f"{title} ({kind})")
        fig.savefig(args.out, dpi=args.dpi)
    except BadInput as exc:
        print(f"dynlib plot: {exc}", file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        print(f"dynlib plot: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
