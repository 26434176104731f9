#!/usr/bin/env python3
"""Draws the picture `make run` leaves: a run's CSV (from `dynlib run --out`) as the time series
of every recorded variable and, with two or more, the phase portrait of the first two.
Headless (matplotlib's Agg backend). Usage: plot_run.py RUN.csv OUT.png [TITLE]"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    if not data or header[0] != "t":
        print(f"plot_run.py: {argv[1]} has no samples (a 't' column and one row or more)",
              file=sys.stderr)
        return 1
    cols = {name: [float(r[i]) for r in data] for i, name in enumerate(header)}
    names = header[1:]
    fig, axes = plt.subplots(1, 2 if len(names) >= 2 else 1, figsize=(11, 4.5), squeeze=False)
    series = axes[0][0]
    for name in names:
        series.plot(cols["t"], cols[name], lw=0.8, label=name)
    series.set_xlabel("t")
    series.set_title("time series")
    series.legend(loc="upper right")
    if len(names) >= 2:
        phase = axes[0][1]
        a, b = names[0], names[-1]
        phase.plot(cols[a], cols[b], lw=0.5)
        phase.set_xlabel(a)
        phase.set_ylabel(b)
        phase.set_title(f"phase portrait ({a}, {b})")
    if len(argv) > 3:
        fig.suptitle(argv[3])
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    print(f"wrote {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
