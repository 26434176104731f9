"""Lyapunov sweeps with the reference dynlib's names: the largest exponent (lyapunov_mle_sweep)
or the k largest (lyapunov_spectrum_sweep) at each value of one param, one observed run per value
on every core (docs/lyapunov.md)."""
from __future__ import annotations

import numpy as np

from .. import _dynlib

__all__ = ["lyapunov_mle_sweep", "lyapunov_spectrum_sweep"]


def _stride(record_interval):
    if record_interval is None:
        return 0
    if isinstance(record_interval, bool) or int(record_interval) != record_interval:
        raise TypeError(f"record_interval must be a whole number, got {record_interval!r}")
    if record_interval < 0:
        raise ValueError(f"record_interval = {record_interval} must be >= 0")
    return int(record_interval)


def _sweep(sim, param, values, k, t0, T, N, dt, transient, record_interval, max_steps,
           parallel_mode, max_workers, mode, renorm_every, init_basis, extra):
    # Imported here: sweep.py re-exports this module's functions (the reference's module path).
    from .sweep import SweepResult, _run_keywords

    run = _run_keywords(t0, T, N, dt, transient, None, max_steps)
    data = _dynlib._lyapunov_sweep(sim, str(param), values, int(k), run, _stride(record_interval),
                                   str(mode), int(renorm_every), init_basis, str(parallel_mode),
                                   max_workers)
    meta = dict(run, record_interval=record_interval, parallel_mode=parallel_mode,
                max_workers=max_workers, mode=mode, renorm_every=renorm_every, **extra)
    return SweepResult.from_data(data, meta=meta)


def lyapunov_mle_sweep(sim, *, param, values, t0=None, T=None, N=None, dt=None, transient=None,
                       record_interval=None, max_steps=None, parallel_mode="auto",
                       max_workers=None, analysis_kind=1, mode="auto", renorm_every=1):
    """The largest Lyapunov exponent at each value of `param`.

    Every run starts from sim's current state and params (sim may also be a FullModel: its
    defaults) and carries lyapunov_mle_observer; `transient` is excluded from the average.
    Returns SweepResult(kind="mle") with outputs mle, log_growth, steps, and with
    record_interval the running estimate per run in traces["mle"]. Any stepper but cvode works
    (fixed or adaptive, explicit or implicit). parallel_mode "none": one thread; any other: threads
    (max_workers; None: every core) — the runs release the GIL, so processes would add only cost.
    """
    return _sweep(sim, param, values, 0, t0, T, N, dt, transient, record_interval, max_steps,
                  parallel_mode, max_workers, mode, renorm_every, [],
                  dict(analysis_kind=analysis_kind))


def lyapunov_spectrum_sweep(sim, *, param, values, k=2, t0=None, T=None, N=None, dt=None,
                            transient=None, record_interval=None, max_steps=None,
                            parallel_mode="auto", max_workers=None, analysis_kind=1,
                            init_basis=None, mode="auto", renorm_every=1):
    """The k largest Lyapunov exponents at each value of `param` (QR method).

    Returns SweepResult(kind="spectrum") with outputs spectrum ([M, k]), log_r ([M, k]), steps,
    lyap0..lyap{k-1} and sum, and with record_interval traces lyap0.. per run. init_basis: an
    (n_state, k) array of starting tangents (default the first k unit vectors).
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"lyapunov_spectrum_sweep: k must be a positive whole number, got {k!r}")
    basis = []
    if init_basis is not None:
        arr = np.asarray(init_basis, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != k:
            raise ValueError(
                f"lyapunov_spectrum_sweep: init_basis must have shape (n_state, {k}), got {arr.shape}"
            )
        basis = arr.T.reshape(-1).tolist()
    return _sweep(sim, param, values, k, t0, T, N, dt, transient, record_interval, max_steps,
                  parallel_mode, max_workers, mode, renorm_every, basis,
                  dict(analysis_kind=analysis_kind, k=int(k)))
