"""One-dimensional stable and unstable manifolds of saddles (docs/manifolds.md).

    from dynlib import build
    from dynlib.analysis import trace_manifold_1d_map
    from dynlib.plot import manifold

    model = build("builtin://map/henon")
    res = trace_manifold_1d_map(model, fp={"x": 0.63, "y": 0.19}, kind="unstable",
                                bounds=[[-2, 2], [-1, 1]])
    manifold(result=res)

Everything runs in C++ (dynlib/manifolds.hpp) through the model's callables, so the interpreter
and native kernels give the same bits. The reference dynlib's names, arguments and result fields;
dynlib's growth control (`hmax`, `alpha_max`, `max_arclength`) replaces the reference's
subdivision of images (docs/porting.md).
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
    -eigenvector), each a list of [points, n_state] arrays (here one segment per branch, starting
    at the fixed point)."""

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


def _trace(is_map, target, fp, params, options):
    if isinstance(fp, Mapping) and not fp:
        fp = None
    raw = _dynlib._trace_manifold(target, is_map, fp=fp, params=params, options=options)
    meta = dict(raw["meta"])
    meta.update({
        "method": raw["method"],
        "model_kind": raw["model_kind"],
        "state_names": list(raw["state_names"]),
        "params": raw["params"],
        "t_eval": raw["t"],
        "branch_params": tuple(raw["branch_params"]),
        "stop": tuple(raw["stops"]),
        "arclength": tuple(raw["arclengths"]),
        "forced": tuple(raw["forced"]),
        "uses_inverse": raw["method"] == "inverse",
    })
    if options.get("bounds") is not None:
        meta["bounds"] = np.asarray(options["bounds"], dtype=float)
    b = raw["branches"]
    return ManifoldTraceResult(kind=raw["kind"], fixed_point=raw["fixed_point"],
                               branches=([b[0]], [b[1]]), eigenvalue=complex(*raw["eigenvalue"]),
                               eigenvector=raw["eigenvector"], eig_index=int(raw["eig_index"]),
                               step_mul=int(raw["step_mul"]), meta=meta)


def trace_manifold_1d_map(
    sim,
    *,
    fp: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    kind: Literal["stable", "unstable"] = "stable",
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    bounds: Sequence[Sequence[float]] | np.ndarray | None = None,
    seed_delta: float = 1e-6,
    steps: int = 60,
    hmax: float = 1e-2,
    alpha_max: float = 0.3,
    max_arclength: float = 10.0,
    max_points: int = 20000,
    min_step: float = 1e-12,
    eig_rank: int | None = None,
    eig_unit_tol: float = 1e-10,
    eig_imag_tol: float = 1e-12,
    jac: Literal["auto", "fd", "analytic", "provided"] = "auto",
    inverse: Literal["auto", "model", "newton"] = "auto",
    newton_tol: float = 1e-12,
    newton_max_iter: int = 50,
    t: float | None = None,
) -> ManifoldTraceResult:
    """Trace the 1-D stable or unstable manifold of a saddle of a map (a Sim or a FullModel).

    `fp` is near the saddle (Newton refines it). Unstable: the forward map is iterated on a
    fundamental segment of the eigen-direction; stable: the model's inverse
    ([equations.inverse]) or, without one (or inverse="newton"), Newton on the forward map.
    Points are at most `hmax` apart and the curve turns by at most `alpha_max` radians at each;
    a branch stops at `max_arclength`, `max_points`, `steps` iterates or on leaving `bounds`
    ([[min, max] per state]).
    """
    return _trace(True, sim, fp, params, dict(
        kind=kind, bounds=bounds, seed_delta=seed_delta, steps=steps, hmax=hmax,
        alpha_max=alpha_max, max_arclength=max_arclength, max_points=max_points,
        min_step=min_step, eig_rank=eig_rank, eig_unit_tol=eig_unit_tol,
        eig_imag_tol=eig_imag_tol, jac=jac, inverse=inverse, newton_tol=newton_tol,
        newton_max_iter=newton_max_iter, t=t))


def trace_manifold_1d_ode(
    sim,
    *,
    fp: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    kind: Literal["stable", "unstable"] = "stable",
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    bounds: Sequence[Sequence[float]] | np.ndarray | None = None,
    seed_delta: float = 1e-6,
    dt: float = 0.01,
    max_time: float = 100.0,
    hmax: float = 1e-2,
    alpha_max: float = 0.3,
    max_arclength: float = 10.0,
    max_points: int = 50000,
    min_step: float = 1e-12,
    eig_rank: int | None = None,
    eig_real_tol: float = 1e-10,
    eig_imag_tol: float = 1e-12,
    jac: Literal["auto", "fd", "analytic", "provided"] = "auto",
    t: float | None = None,
) -> ManifoldTraceResult:
    """Trace the 1-D stable or unstable manifold of a saddle equilibrium of an ODE.

    The flow of f (unstable) or -f (stable) is integrated by RK4 (steps at most `dt`) from
    fp ± seed_delta·v through the model's rhs; the step is halved while consecutive points are
    more than `hmax` apart or the curve turns by more than `alpha_max`. A branch stops at
    `max_arclength`, `max_points`, `max_time` or on leaving `bounds`.
    """
    return _trace(False, sim, fp, params, dict(
        kind=kind, bounds=bounds, seed_delta=seed_delta, dt=dt, max_time=max_time, hmax=hmax,
        alpha_max=alpha_max, max_arclength=max_arclength, max_points=max_points,
        min_step=min_step, eig_rank=eig_rank, eig_real_tol=eig_real_tol,
        eig_imag_tol=eig_imag_tol, jac=jac, t=t))


def __getattr__(name):
    # The reference defines the homoclinic/heteroclinic finders in this module; they live in
    # connecting_orbits (imported on first use).
    from . import connecting_orbits

    if name in connecting_orbits.__all__:
        return getattr(connecting_orbits, name)
    raise AttributeError(f"module 'dynlib.analysis.manifold' has no attribute '{name}'")
