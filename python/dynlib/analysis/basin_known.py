"""basin_known: classify initial conditions by the known attractor they reach (docs/basins.md).

    from dynlib import setup
    from dynlib.analysis import basin_known, basin_axis, FixedPoint

    sim = setup("builtin://ode/duffing")
    sim.assign(gamma=0.0, delta=0.5)
    res = basin_known(sim, [FixedPoint("left", [-1, 0], 0.1), FixedPoint("right", [1, 0], 0.1)],
                      ic={"x": basin_axis(-2, 2, n=101), "y": basin_axis(-2, 2, n=101)},
                      dt_obs=0.05, max_samples=4000)
    res.labels        # (10201,): 0, 1, or BLOWUP / OUTSIDE / UNRESOLVED; .reshape(101, 101)
"""
from __future__ import annotations

from typing import Literal, Mapping, Sequence

import numpy as np

from .. import _dynlib
from .basin import (
    BasinPoints,
    BasinResult,
    Cycle,
    FixedPoint,
    KnownAttractorLibrary,
    ReferenceRun,
    _ic_dict,
    _library_to_dict,
    _names,
    _params_array,
    _result_from_dict,
    _spec_dicts,
    _threads,
)

__all__ = ["basin_known"]


def basin_known(
    sim,
    attractors: Sequence[FixedPoint | Cycle | ReferenceRun] | KnownAttractorLibrary,
    *,
    ic: Mapping[str | int, object] | BasinPoints | None = None,
    params: np.ndarray | None = None,
    mode: Literal["map", "ode", "auto"] = "auto",
    max_samples: int = 1024,
    transient_samples: int = 0,
    signature_samples: int = 500,
    dt_obs: float | None = None,
    observe_vars: Sequence[str | int] | None = None,
    escape_bounds: Sequence[tuple[float, float]] | None = None,
    tolerance: float = 0.1,
    tolerance_absolute: float | None = None,
    min_match_ratio: float = 0.7,
    b_max: float | None = None,
    blowup_vars: Sequence[str | int] | None = None,
    batch_size: int | None = None,
    parallel_mode: Literal["auto", "threads", "process", "none"] = "auto",
    max_workers: int | None = None,
    refine: bool = False,
    coarse_factor: int = 8,
    boundary_dilation: int = 1,
    fixed_point_settle_steps: int = 10,
    # dynlib additions
    match_window: int = 64,
    outside_limit: int | None = None,
) -> BasinResult:
    """Label every initial condition of `ic` with the index of the attractor (in `attractors`)
    it settles on, or BLOWUP (-1), OUTSIDE (-2), UNRESOLVED (-3).

    FixedPoint / Cycle: `fixed_point_settle_steps` samples in a row within the radius.
    ReferenceRun: at least `min_match_ratio` of the last `match_window` samples lie in the cells
    (tolerance x the signatures' extent, or tolerance_absolute) next to the reference's
    signature. Escape: a non-finite state or |value| > b_max (BLOWUP); outside escape_bounds for
    outside_limit samples in a row (OUTSIDE; default max(10, min(50, max_samples // 5))).
    Samples are taken every dt_obs (the step; ODEs need a fixed-step stepper). Runs on C++
    threads (parallel_mode="none": one; max_workers: how many); Ctrl+C stops them and raises
    KeyboardInterrupt.
    refine=True (grids only): classify every coarse_factor-th point per axis first, then only
    the points of coarse cells whose corners disagree (and boundary_dilation cells around them);
    the rest take their cell's label without a run.
    params: the full parameter vector (sim.param_vector() order) of each initial condition,
    shape (n_ic, n_params) in the order of the initial conditions (a grid's 'ij' order), or
    (n_params,) for all; None: the Sim's params. ReferenceRun attractors use the Sim's params.
    refine=True accepts only one vector for all.
    """
    params_arr = _params_array(sim, params, refine=bool(refine))
    del batch_size  # accepted for the reference's signature
    options = {
        "observe_vars": _names(sim, observe_vars),
        "escape_bounds": None if escape_bounds is None else [tuple(b) for b in escape_bounds],
        "mode": mode, "dt_obs": dt_obs, "max_samples": max_samples,
        "transient_samples": transient_samples, "signature_samples": signature_samples,
        "tolerance": tolerance, "tolerance_absolute": tolerance_absolute,
        "min_match_ratio": min_match_ratio, "b_max": b_max,
        "blowup_vars": _names(sim, blowup_vars), "outside_limit": outside_limit,
        "fixed_point_settle_steps": fixed_point_settle_steps, "match_window": match_window,
        "threads": _threads(parallel_mode, max_workers),
        "refine": bool(refine), "coarse_factor": coarse_factor,
        "boundary_dilation": boundary_dilation, "params": params_arr,
    }
    if isinstance(attractors, KnownAttractorLibrary):
        specs = _library_to_dict(attractors)
    else:
        if not attractors:
            raise ValueError("attractors must be non-empty")
        specs = _spec_dicts(attractors)
    d = _dynlib._basin_known(sim, specs, _ic_dict(sim, ic), options)
    extra = {k: v for k, v in options.items()
             if v is not None and k not in ("threads", "params")}
    extra["attractor_labels"] = tuple(d["attractor_names"])
    return _result_from_dict(d, extra)
