"""One-dimensional stable and unstable manifolds of saddles (docs/manifolds.md).

    from dynlib import build
    from dynlib.analysis import trace_manifold_1d_map
    from dynlib.plot import manifold

    model = build("builtin://map/henon")
    res = trace_manifold_1d_map(model, fp={"x": 0.63, "y": 0.19}, kind="unstable",
                                bounds=[[-2, 2], [-1, 1]])
    manifold(result=res)

Everything runs in C++ (dynlib/manifolds.hpp): maps through the model's callables, ODEs through
runs of the runtime (RK4 at the fixed step dt), so the interpreter and native kernels give the
same bits. The reference dynlib's names, arguments, defaults and result fields; for maps, dynlib's
growth control (`hmax`, `alpha_max`) replaces the reference's subdivision of images
(docs/porting.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence

import numpy as np

from .. import _dynlib

__all__ = ["ManifoldTraceResult", "trace_manifold_1d_map", "trace_manifold_1d_ode"]


@dataclass
class ManifoldTraceResult:
    """A traced manifold: `branches` is (segments along +eigenvector, segments along
    -eigenvector), each a list of [points, n_state] arrays: the traced curve's runs inside
    `bounds` (the first starts at the fixed point when it is inside). meta["traced"] holds the
    curves before clipping, meta["stop"] why each branch ended."""

    kind: str
    fixed_point: np.ndarray
    branches: tuple[list[np.ndarray], list[np.ndarray]]
    eigenvalue: complex
    eigenvector: np.ndarray
    eig_index: int
    step_mul: int
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def branch_pos(self) -> list[np.ndarray]:
        return self.branches[0]

    @property
    def branch_neg(self) -> list[np.ndarray]:
        return self.branches[1]


_INT_META = ("steps", "max_points", "max_points_per_segment", "max_segments")


def _eigenvalue(re, im):
    # A real eigenvalue is a float, as numpy's eig gives the reference for a real spectrum.
    return float(re) if im == 0 else complex(re, im)


def _trace(is_map, target, fp, params, options, eig_rank):
    if isinstance(fp, Mapping) and not fp:
        fp = None
    raw = _dynlib._trace_manifold(target, is_map, fp=fp, params=params, options=options)
    meta = dict(raw["meta"])
    for key in _INT_META:
        if key in meta:
            meta[key] = int(meta[key])
    meta["eig_rank_used"] = int(meta.pop("eig_rank"))
    meta.update({
        "eig_rank": eig_rank,
        "strict_1d": bool(options["strict_1d"]),
        "jac": str(options["jac"]),
        "kind": raw["kind"],
        "method": raw["method"],
        "model_kind": raw["model_kind"],
        "state_names": list(raw["state_names"]),
        "params": raw["params"],
        "t_eval": raw["t"],
        "fp_check_tol": options["fp_check_tol"],
        "segment_params": tuple(list(p) for p in raw["segment_params"]),
        "traced": tuple(raw["traced"]),
        "branch_params": tuple(raw["branch_params"]),
        "piece_begin": tuple(list(p) for p in raw["piece_begin"]),
        "stop": tuple(raw["stops"]),
        "arclength": tuple(raw["arclengths"]),
        "forced": tuple(raw["forced"]),
        "uses_inverse": raw["method"] == "inverse",
    })
    if not is_map:
        meta["resample_h"] = options["resample_h"]
    if options.get("bounds") is not None:
        meta["bounds"] = np.asarray(options["bounds"], dtype=float)
    b = raw["branches"]
    return ManifoldTraceResult(kind=raw["kind"], fixed_point=raw["fixed_point"],
                               branches=(list(b[0]), list(b[1])),
                               eigenvalue=_eigenvalue(*raw["eigenvalue"]),
                               eigenvector=raw["eigenvector"], eig_index=int(raw["eig_index"]),
                               step_mul=int(raw["step_mul"]), meta=meta)


def trace_manifold_1d_map(
    sim,
    *,
    fp: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    kind: Literal["stable", "unstable"] = "stable",
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    bounds: Sequence[Sequence[float]] | np.ndarray | None = None,
    clip_margin: float = 0.25,
    seed_delta: float = 1e-7,
    steps: int = 60,
    hmax: float = 2e-3,
    max_points_per_segment: int = 20000,
    max_segments: int = 200,
    eig_rank: int | None = None,
    strict_1d: bool = True,
    eig_unit_tol: float = 1e-10,
    eig_imag_tol: float = 1e-12,
    jac: Literal["auto", "fd", "analytic", "provided"] = "auto",
    fd_eps: float = 1e-6,
    fp_check_tol: float | None = 1e-6,
    t: float | None = None,
    alpha_max: float = 0.3,
    max_arclength: float | None = None,
    max_points: int | None = None,
    min_step: float = 1e-12,
    inverse: Literal["auto", "model", "newton"] = "auto",
    newton_tol: float = 1e-12,
    newton_max_iter: int = 50,
) -> ManifoldTraceResult:
    """Trace the 1-D stable or unstable manifold of a saddle of a map (a Sim or a FullModel).

    `fp` must be a fixed point to `fp_check_tol` (None: any point near the saddle; Newton
    refines it either way). Unstable: the forward map is iterated on a fundamental segment of
    the eigen-direction; stable: the model's inverse ([equations.inverse]) or, without one (or
    inverse="newton"), Newton on the forward map. Points are at most `hmax` apart and the curve
    turns by at most `alpha_max` radians at each. Points whose iterates leave `bounds` grown by
    `clip_margin` x extent are dropped; the curve goes on where it comes back, as a new segment
    (at most `max_segments`, each at most `max_points_per_segment` points). A branch also stops
    after `steps` iterates, `max_arclength` or `max_points`. The result's segments are clipped
    to `bounds`.
    """
    options = dict(
        kind=kind, bounds=bounds, clip_margin=clip_margin, seed_delta=seed_delta, steps=steps,
        hmax=hmax, max_points_per_segment=max_points_per_segment, max_segments=max_segments,
        eig_rank=eig_rank, strict_1d=strict_1d, eig_unit_tol=eig_unit_tol,
        eig_imag_tol=eig_imag_tol, jac=jac, fd_eps=fd_eps, fp_check_tol=fp_check_tol, t=t,
        alpha_max=alpha_max, max_arclength=max_arclength, max_points=max_points,
        min_step=min_step, inverse=inverse, newton_tol=newton_tol,
        newton_max_iter=newton_max_iter)
    return _trace(True, sim, fp, params, options, eig_rank)


def trace_manifold_1d_ode(
    sim,
    *,
    fp: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    kind: Literal["stable", "unstable"] = "stable",
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    bounds: Sequence[Sequence[float]] | np.ndarray,
    clip_margin: float = 0.25,
    seed_delta: float = 1e-6,
    dt: float = 0.01,
    max_time: float = 100.0,
    resample_h: float | None = 0.01,
    max_points: int = 50000,
    eig_rank: int | None = None,
    strict_1d: bool = True,
    eig_real_tol: float = 1e-10,
    eig_imag_tol: float = 1e-12,
    jac: Literal["auto", "fd", "analytic", "provided"] = "auto",
    fd_eps: float = 1e-6,
    fp_check_tol: float | None = 1e-6,
    t: float | None = None,
    max_arclength: float | None = None,
) -> ManifoldTraceResult:
    """Trace the 1-D stable or unstable manifold of a saddle equilibrium of an ODE.

    The orbit of fp ± seed_delta·v is run by the runtime with the RK4 stepper at the fixed step
    `dt`: forward in time (unstable) or on the time-reversed model (stable), one point per step,
    until it leaves `bounds` grown by `clip_margin` x extent, `max_time`, `max_points` (or
    `max_arclength`). The result's segments are its runs inside `bounds`, resampled every
    `resample_h` of arc length (None: the RK4 points).
    """
    options = dict(
        kind=kind, bounds=bounds, clip_margin=clip_margin, seed_delta=seed_delta, dt=dt,
        max_time=max_time, resample_h=resample_h, max_points=max_points, eig_rank=eig_rank,
        strict_1d=strict_1d, eig_real_tol=eig_real_tol, eig_imag_tol=eig_imag_tol, jac=jac,
        fd_eps=fd_eps, fp_check_tol=fp_check_tol, t=t, max_arclength=max_arclength)
    return _trace(False, sim, fp, params, options, eig_rank)


def __getattr__(name):
    # The reference defines the homoclinic/heteroclinic finders in this module; they live in
    # connecting_orbits (imported on first use).
    from . import connecting_orbits

    if name in connecting_orbits.__all__:
        return getattr(connecting_orbits, name)
    raise AttributeError(f"module 'dynlib.analysis.manifold' has no attribute '{name}'")
