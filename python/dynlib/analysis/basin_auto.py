"""basin_auto: basins of attractors it discovers itself, by Persistent Cell-Recurrence Basin
Mapping (PCR-BM, docs/basins.md).

    from dynlib import setup
    from dynlib.analysis import basin_auto, basin_axis

    sim = setup("builtin://map/henon")
    res = basin_auto(sim, ic={"x": basin_axis(-2.5, 2.5, n=200), "y": basin_axis(-2.5, 2.5, n=200)},
                     grid_res=64, max_samples=600, window=64, u_th=0.5, mode="map")
"""
from __future__ import annotations

from typing import Literal, Mapping, Sequence

import numpy as np

from .. import _dynlib
from .basin import (BasinPoints, BasinResult, _ic_dict, _names, _params_array, _result_from_dict,
                    _threads)

__all__ = ["basin_auto"]


def _seq(value):
    if value is None:
        return None
    return [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64))]


def basin_auto(
    sim,
    *,
    ic: Mapping[str | int, object] | BasinPoints | None = None,
    params: np.ndarray | None = None,
    mode: Literal["map", "ode", "auto"] = "auto",
    observe_vars: Sequence[str | int] | None = None,
    obs_min: Sequence[float] | float | None = None,
    obs_max: Sequence[float] | float | None = None,
    grid_res: Sequence[int] | int = 64,
    max_samples: int = 1024,
    transient_samples: int = 0,
    window: int = 64,
    u_th: float = 0.6,
    recur_windows: int = 3,
    s_merge: float = 0.6,
    p_in: int = 8,
    b_max: float | None = None,
    outside_limit: int = 10,
    dt_obs: float | None = None,
    blowup_vars: Sequence[str | int] | None = None,
    parallel_mode: Literal["auto", "threads", "process", "none"] = "auto",
    max_workers: int | None = None,
    merge_downsample: Sequence[int] | int = 1,
    post_detect_samples: int = 0,
    online: bool = True,
    max_memory_bytes: int | None = None,
    batch_size: int | None = None,
    refine_unresolved: bool = True,
    online_max_attr: int | None = None,
    online_max_cells: int | None = None,
) -> BasinResult:
    """Discover the attractors and label every initial condition of `ic` with the id of the one
    it reaches (ids in order of discovery), or BLOWUP (-1), OUTSIDE (-2), UNRESOLVED (-3).

    Observed states are quantised into grid_res cells per axis of [obs_min, obs_max] (default:
    the swept axes' bounds). A trajectory with at most u_th * window distinct cells among its
    last `window` samples, in recur_windows consecutive sliding windows, is on an attractor; its
    cells are merged into the registry (a new attractor unless its fingerprint's Jaccard
    similarity, or the share of its samples in or next to a known attractor's cells, reaches
    s_merge). p_in samples in a row inside a known attractor's cells assign it. Initial
    conditions run in blocks of batch_size (default 1024) against the attractors known before
    the block, so the labels do not depend on the number of threads. `params`: the full
    parameter vector (sim.param_vector() order) of each initial condition, shape (n_ic, n_params),
    or (n_params,) for all; None: the Sim's params. `online`, `max_memory_bytes`, `online_max_attr` and `online_max_cells` have no effect (the
    analysis is always online).
    """
    params_arr = _params_array(sim, params)
    del online, max_memory_bytes, online_max_attr, online_max_cells
    options = {
        "mode": mode, "observe_vars": _names(sim, observe_vars),
        "obs_min": _seq(obs_min), "obs_max": _seq(obs_max),
        "grid_res": grid_res, "merge_downsample": merge_downsample,
        "max_samples": max_samples, "transient_samples": transient_samples, "window": window,
        "u_th": u_th, "recur_windows": recur_windows, "s_merge": s_merge, "p_in": p_in,
        "b_max": b_max, "outside_limit": outside_limit, "dt_obs": dt_obs,
        "blowup_vars": _names(sim, blowup_vars), "post_detect_samples": post_detect_samples,
        "batch_size": batch_size, "refine_unresolved": refine_unresolved,
        "threads": _threads(parallel_mode, max_workers), "params": params_arr,
    }
    d = _dynlib._basin_auto(sim, _ic_dict(sim, ic), options)
    extra = {"grid_res": grid_res, "window": window, "u_th": u_th, "recur_windows": recur_windows,
             "s_merge": s_merge, "p_in": p_in, "max_samples": max_samples,
             "transient_samples": transient_samples, "outside_limit": outside_limit,
             "merge_downsample": merge_downsample, "post_detect_samples": post_detect_samples}
    return _result_from_dict(d, extra)
