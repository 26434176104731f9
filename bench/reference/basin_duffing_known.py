"""The reference dynlib's basin_known on the Duffing double well (its example
examples/analysis/basin_duffing_known.py: rk2, delta 0.02, alpha -0.5, beta 0.5, gamma 0, wells at
(+-1, 0) with radius 0.3, dt_obs 0.01, max_samples 60000, escape box +-2, b_max 1e6) on an n x n
grid, timed, for docs/PERFORMANCE.md ("Basins"). Run it against the reference's source, not this
project's package:

    PYTHONPATH=/tmp/refpkg/src /usr/bin/python3 bench/reference/basin_duffing_known.py --n 200
    (--no-jit: without Numba; --repeat k: k timed runs after the warm-up)

Prints the warm-up (setup and Numba compilation, plus one run on a 4 x 4 grid) and every timed
run separately, and the label counts (compare with bench_basin.cpp's n_label_* counters). Not a
test, and not needed by the tests: Numba is installed only for this measurement.
"""
import argparse
import sys
import time

import numpy as np

from dynlib import setup
from dynlib.analysis import FixedPoint, basin_axis, basin_known


def run(sim, n):
    return basin_known(
        sim,
        attractors=[FixedPoint(name="+1", loc=[1.0, 0.0], radius=0.3),
                    FixedPoint(name="-1", loc=[-1.0, 0.0], radius=0.3)],
        ic={"x": basin_axis(-1.5, 1.5, n=n), "y": basin_axis(-1.5, 1.5, n=n)},
        dt_obs=0.01,
        max_samples=60000,
        transient_samples=0,
        signature_samples=0,
        escape_bounds=[(-2.0, 2.0), (-2.0, 2.0)],
        b_max=1e6,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-jit", action="store_true")
    args = ap.parse_args()
    jit = not args.no_jit
    if jit:
        import numba
        print(f"numba {numba.__version__}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, jit={jit}, n={args.n}")

    t0 = time.perf_counter()
    sim = setup("builtin://ode/duffing", jit=jit, disk_cache=False, stepper="rk2")
    sim.assign(delta=0.02, alpha=-0.5, beta=0.5, gamma=0.0)
    t1 = time.perf_counter()
    run(sim, 4)
    t2 = time.perf_counter()
    print(f"warm-up: setup {t1 - t0:.3f} s, first 4x4 run (compilation) {t2 - t1:.3f} s")
    for k in range(args.repeat):
        t3 = time.perf_counter()
        res = run(sim, args.n)
        t4 = time.perf_counter()
        labels, counts = np.unique(np.asarray(res.labels), return_counts=True)
        print(f"run {k}: {args.n}x{args.n} in {t4 - t3:.3f} s; labels "
              + ", ".join(f"{int(l)}: {int(c)}" for l, c in zip(labels, counts)))


if __name__ == "__main__":
    main()
