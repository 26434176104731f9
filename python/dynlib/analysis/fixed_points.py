"""Equilibria of ODEs and fixed/periodic points of maps (docs/fixed-points.md).

    from dynlib import build
    from dynlib.analysis import FixedPointConfig, find_fixed_points

    model = build("builtin://map/henon")
    res = model.fixed_points(seeds=[[0.6, 0.2], [-1.1, -0.3]])
    res.points, res.stability, res.types

    res = find_fixed_points(model, seeds=[[0.5], [0.8]], params={"r": 3.2},
                            cfg=FixedPointConfig(period=2))

With a dynlib FullModel or Sim everything runs in C++ (damped Newton on the model's symbolic
Jacobian, Eigen's eigenvalues). A plain Python callable f(x, params) -> residual, as the reference
dynlib accepts, is solved by the same algorithm in numpy: the slower route.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Literal, Mapping

import numpy as np

from .. import _dynlib

__all__ = ["FixedPointConfig", "FixedPointResult", "find_fixed_points"]


@dataclass(frozen=True)
class FixedPointConfig:
    """Solver settings; the reference's fields and defaults, then dynlib's additions."""

    method: Literal["newton"] = "newton"
    tol: float = 1e-10  # converged when ||residual||_2 <= tol
    max_iter: int = 50  # Newton steps per seed
    unique_tol: float | None = 1e-6  # merge solutions closer than this (None/<= 0: keep all)
    jac: Literal["auto", "fd", "provided"] = "auto"
    fd_eps: float = 1e-6  # difference step, scaled by (1 + |x_j|)
    classify: bool = True  # eigenvalues, stability labels and types
    kind: Literal["ode", "map"] = "ode"  # plain callables only: a model knows its kind
    stability_tol: float = 1e-6  # neutral margin around Re = 0 (flows) or |λ| = 1 (maps)
    # dynlib additions
    period: int = 1  # maps: points of F^period(x) = x
    fd_central: bool = False  # central instead of forward differences (jac="fd")


@dataclass
class FixedPointResult:
    """What find_fixed_points found: one row of `points` per distinct point (a map's cycle: its
    points consecutively, in orbit order), and per-seed diagnostics in `meta`."""

    points: np.ndarray  # (n_points, n_state)
    residuals: np.ndarray  # (n_points,)
    jacobians: list[np.ndarray] | None  # Jacobian of f (ODE) or of F^period (map) at each point
    eigvals: list[np.ndarray] | None  # with classify
    stability: list[str] | None  # "stable" | "unstable" | "saddle" | "neutral"
    meta: dict[str, object] = field(default_factory=dict)
    # dynlib additions
    types: list[str] | None = None  # finer: "stable node", "saddle-focus", "flip", ...
    eigvecs: list[np.ndarray] | None = None  # column j belongs to eigvals[i][j]
    periods: np.ndarray | None = None  # minimal period of each point (ODE: 1)
    cycles: np.ndarray | None = None  # cycle index of each point (ODE: the point's index)


_JAC_MODES = {
    "auto": "auto",
    "fd": "fd",
    "finite-diff": "fd",
    "finite_diff": "fd",
    "provided": "provided",
    "analytic": "provided",
    "model": "provided",
}


def _check_config(cfg: FixedPointConfig) -> None:
    if cfg.method != "newton":
        raise _dynlib.DynlibError(f"FixedPointConfig.method: unknown method {cfg.method!r} "
                                  "(only 'newton')")
    if str(cfg.jac).lower() not in _JAC_MODES:
        raise _dynlib.DynlibError(f"FixedPointConfig.jac must be 'auto', 'fd' or 'provided', "
                                  f"got {cfg.jac!r}")
    if cfg.kind not in ("ode", "map"):
        raise _dynlib.DynlibError(f"FixedPointConfig.kind must be 'ode' or 'map', got {cfg.kind!r}")
    if not cfg.tol > 0:
        raise _dynlib.DynlibError(f"FixedPointConfig.tol must be > 0, got {cfg.tol}")
    if not cfg.max_iter > 0:
        raise _dynlib.DynlibError(f"FixedPointConfig.max_iter must be > 0, got {cfg.max_iter}")
    if not cfg.fd_eps > 0:
        raise _dynlib.DynlibError(f"FixedPointConfig.fd_eps must be > 0, got {cfg.fd_eps}")


def _unique_tol(cfg: FixedPointConfig) -> float:
    return 0.0 if cfg.unique_tol is None else float(cfg.unique_tol)


def _solve_model(target, seeds, params, cfg: FixedPointConfig, t) -> FixedPointResult:
    _check_config(cfg)
    raw = _dynlib._find_fixed_points(
        target,
        seeds=seeds,
        params=params,
        t=t,
        period=int(cfg.period),
        jac=_JAC_MODES[str(cfg.jac).lower()],
        tol=float(cfg.tol),
        max_iter=int(cfg.max_iter),
        unique_tol=_unique_tol(cfg),
        fd_eps=float(cfg.fd_eps),
        fd_central=bool(cfg.fd_central),
        classify=bool(cfg.classify),
        stability_tol=float(cfg.stability_tol),
    )
    found = len(raw["points"]) > 0
    cfg = replace(cfg, kind=raw["kind"], jac=_JAC_MODES[str(cfg.jac).lower()])
    meta = {
        "seed_points": raw["seed_points"],
        "seed_residuals": raw["seed_residuals"],
        "seed_converged": raw["seed_converged"],
        "seed_iterations": raw["seed_iterations"],
        "seed_to_unique": raw["seed_to_unique"],
        "unique_seed_indices": raw["point_seeds"],
        "params": raw["params"],
        "config": cfg,
        "seeds": raw["seeds"],
        "seed_messages": raw["seed_messages"],
        "kind": raw["kind"],
        "period": raw["period"],
        "t": raw["t"],
        "n_cycles": raw["n_cycles"],
        "stopped": raw["stopped"],
    }
    classified = found and cfg.classify
    return FixedPointResult(
        points=raw["points"],
        residuals=raw["residuals"],
        jacobians=raw["jacobians"] if found else None,
        eigvals=raw["eigvals"] if classified else None,
        stability=raw["stability"] if classified else None,
        meta=meta,
        types=raw["types"] if classified else None,
        eigvecs=raw["eigvecs"] if classified else None,
        periods=raw["periods"],
        cycles=raw["cycles"],
    )


def _is_dynlib_target(f) -> bool:
    return isinstance(f, (_dynlib.FullModel, _dynlib.Sim))


def model_fixed_points(
    model,
    *,
    params: Mapping[str, float] | Iterable[float] | np.ndarray | None = None,
    seeds: Mapping[str, float] | Iterable[Iterable[float]] | np.ndarray | None = None,
    method: str | None = None,
    jac: str | None = None,
    tol: float | None = None,
    max_iter: int | None = None,
    unique_tol: float | None = None,
    classify: bool | None = None,
    cfg: FixedPointConfig | None = None,
    t: float | None = None,
    period: int | None = None,
) -> FixedPointResult:
    """FullModel.fixed_points: keywords override the matching fields of `cfg`; params and seeds
    are vectors or {name: value} overrides of the model's defaults; t defaults to the model's t0.
    jac is "auto" (the symbolic Jacobian), "fd" or "analytic"/"provided" (the model's
    [equations.jacobian]: the model must have one)."""
    cfg = cfg or FixedPointConfig()
    overrides = {"method": method, "jac": jac, "tol": tol, "max_iter": max_iter,
                 "unique_tol": unique_tol, "classify": classify, "period": period}
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    return _solve_model(model, seeds, params, cfg, t)


# ---- plain Python callables: the same algorithm in numpy -------------------------------------


def _stability_label(kind: str, eigvals: np.ndarray, tol: float) -> str:
    growth = np.abs(eigvals) - 1.0 if kind == "map" else np.real(eigvals)
    if np.all(growth < -tol):
        return "stable"
    if np.all(growth > tol):
        return "unstable"
    if np.any(np.abs(growth) <= tol):
        return "neutral"
    return "saddle"


def _point_type(kind: str, eigvals: np.ndarray, tol: float) -> str:
    growth = np.abs(eigvals) - 1.0 if kind == "map" else np.real(eigvals)
    real = np.abs(np.imag(eigvals)) <= tol
    neutral = np.abs(growth) <= tol
    rotates = bool(np.any(~real))
    if np.any(neutral):
        if kind == "map":
            if np.any(real & (np.abs(np.real(eigvals) + 1.0) <= tol)):
                return "flip"
            if np.any(real & (np.abs(np.real(eigvals) - 1.0) <= tol)):
                return "fold"
            return "centre" if np.all(neutral) else "neimark-sacker"
        return "centre" if np.all(neutral & ~real) else "non-hyperbolic"
    if not np.any(growth > tol):
        return "stable focus" if rotates else "stable node"
    if not np.any(growth < -tol):
        return "unstable focus" if rotates else "unstable node"
    return "saddle-focus" if rotates else "saddle"


class _CallableSystem:
    def __init__(self, f, jac, params, cfg):
        self.f, self.jac, self.params, self.cfg = f, jac, params, cfg

    def residual(self, x):
        out = np.asarray(self.f(x, self.params), dtype=float)
        if out.shape != x.shape:
            raise _dynlib.DynlibError(f"f(x, params) must return shape {x.shape}, got {out.shape}")
        return out

    def jacobian(self, x, gx):
        if self.jac is not None:
            J = np.asarray(self.jac(x, self.params), dtype=float)
            if J.shape != (x.size, x.size):
                raise _dynlib.DynlibError(
                    f"jac(x, params) must return shape {(x.size, x.size)}, got {J.shape}")
            return J
        J = np.empty((x.size, x.size))
        for j in range(x.size):
            h = self.cfg.fd_eps * (1.0 + abs(float(x[j])))
            xp = x.copy()
            xp[j] += h
            if self.cfg.fd_central:
                xm = x.copy()
                xm[j] -= h
                J[:, j] = (self.residual(xp) - self.residual(xm)) / (2 * h)
            else:
                J[:, j] = (self.residual(xp) - gx) / h
        return J


def _newton(system: _CallableSystem, seed: np.ndarray, tol: float, max_iter: int):
    """Damped Newton as in C++: LU step (least squares if singular), halved up to 10 times until
    ||G|| decreases enough, else the trial with the smallest ||G||."""
    x = seed.copy()
    g = system.residual(x)
    r = float(np.linalg.norm(g))
    it = 0
    while True:
        if not np.isfinite(r):
            message = f"the function's value is not finite after {it} Newton steps"
            return x, False, float("nan"), it, message
        if r <= tol:
            return x, True, r, it, ""
        if it == max_iter:
            break
        J = system.jacobian(x, g)
        if not np.all(np.isfinite(J)):
            return x, False, r, it, f"the Jacobian is not finite after {it} Newton steps"
        try:
            step = np.linalg.solve(J, -g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(J, -g, rcond=None)[0]
        alpha, best = 1.0, None
        for _ in range(11):
            trial = x + alpha * step
            g_trial = system.residual(trial)
            r_trial = float(np.linalg.norm(g_trial))
            if np.isfinite(r_trial):
                if r_trial <= (1.0 - 1e-4 * alpha) * r:
                    best = (r_trial, trial, g_trial)
                    break
                if best is None or r_trial < best[0]:
                    best = (r_trial, trial, g_trial)
            alpha *= 0.5
        if best is None:
            return x, False, r, it, f"every Newton step after {it} steps reaches non-finite values"
        r, x, g = best
        it += 1
    message = f"no convergence in {max_iter} Newton steps (residual {r:.3g} > tol {tol:.3g})"
    return x, False, r, it, message


def _solve_callable(f, jac, seeds, params, cfg: FixedPointConfig) -> FixedPointResult:
    _check_config(cfg)
    jac_mode = _JAC_MODES[str(cfg.jac).lower()]
    if jac_mode == "provided" and jac is None:
        raise _dynlib.DynlibError("FixedPointConfig.jac='provided' needs the jac callable")
    if cfg.period != 1:
        raise _dynlib.DynlibError("period applies to dynlib map models; for a plain callable, "
                                  "pass the residual of F^k(x) - x as f")
    seed_arr = np.asarray(seeds, dtype=float)
    if seed_arr.ndim == 1:
        seed_arr = seed_arr[None, :]
    if seed_arr.ndim != 2 or seed_arr.shape[1] == 0:
        raise _dynlib.DynlibError(f"seeds must have shape (n_seeds, n_state), got {seed_arr.shape}")
    params_arr = np.zeros(0) if params is None else np.asarray(params, dtype=float)
    if params_arr.ndim != 1:
        raise _dynlib.DynlibError("params must be a 1-D array")
    system = _CallableSystem(f, None if jac_mode == "fd" else jac, params_arr, cfg)
    n_seeds, n = seed_arr.shape
    seed_points = np.array(seed_arr, copy=True)
    seed_residuals = np.full(n_seeds, np.nan)
    seed_converged = np.zeros(n_seeds, dtype=bool)
    seed_iterations = np.zeros(n_seeds, dtype=np.int64)
    seed_to_unique = np.full(n_seeds, -1, dtype=np.int64)
    messages = []
    points, residuals, sources = [], [], []
    same = _unique_tol(cfg)
    for i, seed in enumerate(seed_arr):
        x, ok, r, it, message = _newton(system, seed, float(cfg.tol), int(cfg.max_iter))
        seed_points[i], seed_residuals[i], seed_converged[i], seed_iterations[i] = x, r, ok, it
        messages.append(message)
        if not ok:
            continue
        near = (j for j, p in enumerate(points) if same > 0 and np.linalg.norm(p - x) <= same)
        match = next(near, -1)
        if match < 0:
            seed_to_unique[i] = len(points)
            points.append(x)
            residuals.append(r)
            sources.append(i)
        else:
            seed_to_unique[i] = match
            if r < residuals[match]:
                points[match], residuals[match], sources[match] = x, r, i
    found = len(points) > 0
    jacobians = eigvals = eigvecs = stability = types = None
    if found:
        eye = np.eye(n) if cfg.kind == "map" else 0.0
        jacobians = [system.jacobian(p, system.residual(p)) + eye for p in points]
        if cfg.classify:
            eigvals, eigvecs, stability, types = [], [], [], []
            for J in jacobians:
                w, v = np.linalg.eig(J)
                eigvals.append(w.astype(complex))
                eigvecs.append(v.astype(complex))
                stability.append(_stability_label(cfg.kind, w, cfg.stability_tol))
                types.append(_point_type(cfg.kind, w, cfg.stability_tol))
    cfg = replace(cfg, jac=jac_mode)
    meta = {
        "seed_points": seed_points,
        "seed_residuals": seed_residuals,
        "seed_converged": seed_converged,
        "seed_iterations": seed_iterations,
        "seed_to_unique": seed_to_unique,
        "unique_seed_indices": np.asarray(sources, dtype=np.int64),
        "params": params_arr,
        "config": cfg,
        "seeds": seed_arr,
        "seed_messages": messages,
        "kind": cfg.kind,
        "period": 1,
    }
    count = len(points)
    return FixedPointResult(
        points=np.asarray(points, dtype=float).reshape(count, n),
        residuals=np.asarray(residuals, dtype=float),
        jacobians=jacobians,
        eigvals=eigvals,
        stability=stability,
        meta=meta,
        types=types,
        eigvecs=eigvecs,
        periods=np.ones(count, dtype=np.int64),
        cycles=np.arange(count, dtype=np.int64),
    )


def find_fixed_points(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    jac: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    *,
    seeds: Iterable[Iterable[float]] | np.ndarray | Mapping[str, float],
    params: np.ndarray | Mapping[str, float] | None = None,
    cfg: FixedPointConfig | None = None,
) -> FixedPointResult:
    """Solves f(x) = 0 from each seed by damped Newton, merges duplicates and classifies.

    `f` is a dynlib FullModel or Sim (runs in C++; cfg.kind comes from the model, params may
    also be {name: value}, and a Sim's current params and state are the defaults), or a callable
    f(x, params) returning the residual (for maps: F(x) - x, with cfg.kind="map") with an
    optional jac(x, params) of that residual."""
    cfg = cfg or FixedPointConfig()
    if _is_dynlib_target(f):
        if jac is not None:
            raise _dynlib.DynlibError("find_fixed_points: jac callables are for plain functions; "
                                      "for a dynlib model use cfg.jac ('auto', 'fd', 'provided')")
        return _solve_model(f, seeds, params, cfg, None)
    if not callable(f):
        raise TypeError(f"find_fixed_points: f must be a dynlib FullModel, a Sim or a callable "
                        f"f(x, params), got {type(f).__name__}")
    return _solve_callable(f, jac, seeds, params, cfg)
