"""Basins of attraction: the shared pieces of basin_known and basin_auto (docs/basins.md).

Initial conditions are named, as in the reference dynlib:

    ic = {"x": basin_axis(-2, 2, n=200), "v": basin_axis(-2, 2, n=200), "z": 0.0}
    ic = basin_points([[0, 0], [5, 5]], vars=["x", "y"])

`basin_axis` sweeps n points from min to max ("edge": both ends, as numpy.linspace; "center":
cell centres), `basin_values` an explicit axis; a scalar holds a state fixed; unnamed states keep
the model's initial value. A grid is the product of the swept axes in the order given (the first
axis slowest, numpy's 'ij'). `BasinResult.labels` is flat, one label per initial condition in that
order, as in the reference; `labels.reshape(meta["ic_grid"])` is indexed [i_0, i_1, ...].

Everything runs in C++ (dynlib/basins.hpp) on threads; the labels do not depend on their number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence

import numpy as np

from .. import _dynlib
from .basin_codes import BLOWUP, OUTSIDE, UNRESOLVED

__all__ = [
    "BLOWUP",
    "OUTSIDE",
    "UNRESOLVED",
    "Attractor",
    "BasinResult",
    "BasinAxis",
    "BasinValues",
    "BasinPoints",
    "FixedPoint",
    "Cycle",
    "ReferenceRun",
    "KnownAttractorLibrary",
    "basin_axis",
    "basin_values",
    "basin_points",
    "build_known_attractors_psc",
]


@dataclass
class Attractor:
    id: int
    fingerprint: set[int]  # basin_auto: its cells on the merge grid
    cells: set[int]  # basin_auto: the detection-grid cells it was seen in
    name: str = ""


@dataclass
class BasinResult:
    labels: np.ndarray  # int64, (n,): one per initial condition (a grid in 'ij' order)
    registry: list[Attractor]
    meta: dict[str, object]
    # dynlib additions
    samples: np.ndarray | None = None  # samples each trajectory ran before it was classified
    stopped: bool = False  # the C++ stop flag was set: what was not classified is UNRESOLVED


@dataclass(frozen=True)
class BasinAxis:
    min: float
    max: float
    n: int
    sample: Literal["edge", "center"] = "edge"


@dataclass(frozen=True)
class BasinValues:
    values: Sequence[float]


@dataclass(frozen=True)
class BasinPoints:
    points: Sequence[Sequence[float]] | np.ndarray
    vars: Sequence[str | int]


@dataclass(frozen=True)
class FixedPoint:
    """A point attractor: reached after fixed_point_settle_steps samples within `radius` of `loc`
    (observed variables; one radius, or one per observed variable)."""

    name: str
    loc: Sequence[float]
    radius: Sequence[float] | float = 0.0


@dataclass(frozen=True)
class Cycle:
    """dynlib addition: a periodic orbit of a map by its points, reached after
    fixed_point_settle_steps samples within `radius` of one of them."""

    name: str
    points: Sequence[Sequence[float]] | np.ndarray
    radius: Sequence[float] | float = 0.0


@dataclass(frozen=True)
class ReferenceRun:
    """An attractor given by a run on it: from `ic` (every state; None: the model's initial
    state) with the Sim's params overridden by `params` ({name: value})."""

    name: str
    ic: Sequence[float] | np.ndarray | None = None
    params: Mapping[str, float] | None = None
    transient_samples: int | None = None
    signature_samples: int | None = None


@dataclass(frozen=True)
class KnownAttractorLibrary:
    """The attractors basin_known matches against, built by build_known_attractors_psc."""

    obs_idx: np.ndarray  # state indices of the observed variables
    names: tuple[str, ...]
    trajectories: list[np.ndarray]  # per attractor: its point(s) or its signature samples
    obs_min: np.ndarray
    obs_max: np.ndarray
    escape_min: np.ndarray  # empty: no escape box
    escape_max: np.ndarray
    attractor_radii: list[np.ndarray | None]
    meta: dict[str, object] | None = None

    @property
    def n_attr(self) -> int:
        return len(self.trajectories)


def basin_axis(min: float, max: float, *, n: int,
               sample: Literal["edge", "center"] = "edge") -> BasinAxis:
    """n points from min to max ("edge": both ends included; "center": cell centres)."""
    n_int = int(n)
    if n_int <= 0:
        raise ValueError("n must be positive")
    if sample not in ("edge", "center"):
        raise ValueError("sample must be 'edge' or 'center'")
    if float(max) <= float(min):
        raise ValueError("max must be greater than min")
    return BasinAxis(min=float(min), max=float(max), n=n_int, sample=sample)


def basin_values(values: Sequence[float]) -> BasinValues:
    """An explicit axis."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("values must be a non-empty 1D sequence")
    return BasinValues(values=tuple(float(x) for x in arr.tolist()))


def basin_points(points, *, vars: Sequence[str | int]) -> BasinPoints:
    """A point cloud: one row per initial condition, one column per state in `vars`."""
    if not vars:
        raise ValueError("vars must be non-empty")
    return BasinPoints(points=points, vars=tuple(vars))


# ------------------------------------------------------------------------------ conversions
def _state_names(sim) -> list[str]:
    return list(sim.model.spec.state_names)


def _state_name(item, names: Sequence[str]) -> str:
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        idx = int(item)
        if idx < 0 or idx >= len(names):
            raise ValueError(f"state index {idx} out of range (the model has {len(names)} states)")
        return names[idx]
    return str(item)


def _names(sim, items) -> list[str] | None:
    if items is None:
        return None
    if isinstance(items, (str, int, np.integer)):
        items = [items]
    names = _state_names(sim)
    return [_state_name(x, names) for x in items]


def _ic_dict(sim, ic) -> dict:
    """The named ic spec as _dynlib's dict."""
    if ic is None:
        raise ValueError("ic must be provided")
    names = _state_names(sim)
    if isinstance(ic, BasinPoints):
        pts = np.asarray(ic.points, dtype=np.float64)
        if pts.ndim == 1:
            pts = pts[None, :]
        return {"points": pts, "point_vars": [_state_name(v, names) for v in ic.vars]}
    if isinstance(ic, np.ndarray):
        raise TypeError("raw IC arrays are not accepted; use basin_points(array, vars=[...])")
    if not isinstance(ic, Mapping) or not ic:
        raise TypeError("ic must be a non-empty mapping of state names to basin specs")
    axes, fixed = [], {}
    for key, value in ic.items():
        name = _state_name(key, names)
        if isinstance(value, BasinAxis):
            if value.sample == "center":
                step = (value.max - value.min) / value.n
                vals = value.min + (np.arange(value.n) + 0.5) * step
            else:
                vals = np.linspace(value.min, value.max, value.n)
            axes.append((name, vals, value.sample, value.min, value.max))
        elif isinstance(value, BasinValues):
            vals = np.asarray(value.values, dtype=np.float64)
            axes.append((name, vals, "values", float(vals.min()), float(vals.max())))
        elif isinstance(value, (str, bytes)):
            raise TypeError(f"ic value for '{name}' must be a scalar, basin_axis, or basin_values")
        else:
            try:
                fixed[name] = float(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"ic value for '{name}' must be a scalar, basin_axis, or "
                                "basin_values") from exc
    if not axes:
        # a single initial condition: the fixed values as one point
        pts = np.asarray([[fixed[k] for k in fixed]], dtype=np.float64)
        return {"points": pts, "point_vars": list(fixed)} if fixed else {"axes": [], "fixed": {}}
    return {"axes": axes, "fixed": fixed}


def _radius(value):
    if value is None:
        return None
    return np.atleast_1d(np.asarray(value, dtype=np.float64))


def _spec_dicts(attractors) -> list[dict]:
    out = []
    for idx, spec in enumerate(attractors):
        name = getattr(spec, "name", None) or f"attr_{idx}"
        if isinstance(spec, FixedPoint):
            out.append({"kind": "fixed_point", "name": name,
                        "loc": np.asarray(spec.loc, dtype=np.float64),
                        "radius": _radius(spec.radius)})
        elif isinstance(spec, Cycle):
            out.append({"kind": "cycle", "name": name,
                        "points": np.asarray(spec.points, dtype=np.float64),
                        "radius": _radius(spec.radius)})
        elif isinstance(spec, ReferenceRun):
            out.append({"kind": "reference", "name": name,
                        "ic": None if spec.ic is None else np.asarray(spec.ic, dtype=np.float64),
                        "params": None if spec.params is None else dict(spec.params),
                        "transient_samples": spec.transient_samples,
                        "signature_samples": spec.signature_samples})
        else:
            raise TypeError(f"Unsupported attractor spec type: {type(spec)!r} (FixedPoint, "
                            "Cycle or ReferenceRun)")
    return out


def _library_from_dict(d: dict) -> KnownAttractorLibrary:
    attrs = d["attractors"]
    return KnownAttractorLibrary(
        obs_idx=np.asarray(d["obs_idx"], dtype=np.int64),
        names=tuple(a["name"] for a in attrs),
        trajectories=[np.asarray(a["points"]) for a in attrs],
        obs_min=np.asarray(d["obs_min"], dtype=np.float64),
        obs_max=np.asarray(d["obs_max"], dtype=np.float64),
        escape_min=np.asarray(d["escape_min"], dtype=np.float64),
        escape_max=np.asarray(d["escape_max"], dtype=np.float64),
        attractor_radii=[np.asarray(a["radius"]) if a["kind"] != "reference" else None
                         for a in attrs],
        meta={"mode": d["mode"], "dt_obs": float(d["dt_obs"]),
              "observe_vars": tuple(d["observe_vars"]),
              "kinds": tuple(a["kind"] for a in attrs)},
    )


def _library_to_dict(lib: KnownAttractorLibrary) -> dict:
    meta = lib.meta or {}
    kinds = meta.get("kinds") or tuple("fixed_point" if r is not None else "reference"
                                       for r in lib.attractor_radii)
    return {
        "observe_vars": list(meta.get("observe_vars", ())),
        "obs_idx": [int(i) for i in lib.obs_idx],
        "attractors": [{"name": n, "kind": k, "points": np.asarray(t, dtype=np.float64),
                        "radius": np.asarray(r if r is not None else [], dtype=np.float64)}
                       for n, k, t, r in zip(lib.names, kinds, lib.trajectories,
                                             lib.attractor_radii)],
        "obs_min": lib.obs_min, "obs_max": lib.obs_max,
        "escape_min": lib.escape_min, "escape_max": lib.escape_max,
        "mode": str(meta.get("mode", "auto")), "dt_obs": float(meta.get("dt_obs", 1.0)),
    }


def _params_array(sim, params, refine: bool = False):
    """The reference's per-initial-condition `params` as a float64 array for the C++ side:
    (n_params,) or (1, n_params) for every initial condition, or (n_ic, n_params) one row each
    (n_params: sim.param_vector(), array params element by element). The C++ side checks n_ic."""
    if params is None:
        return None
    arr = np.asarray(params, dtype=np.float64)
    n_params = int(sim.param_vector().size)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_params:
        raise ValueError(f"params shape mismatch: expected (n_ic, {n_params}) or ({n_params},), "
                         f"got {arr.shape}")
    if refine and arr.ndim == 2 and arr.shape[0] != 1:
        raise ValueError("refine=True supports one params vector for every initial condition; "
                         f"give params of shape ({n_params},) or (1, {n_params}), not {arr.shape}")
    return np.ascontiguousarray(arr.reshape(-1))


def _threads(parallel_mode: str, max_workers) -> int:
    if parallel_mode not in ("auto", "threads", "process", "none"):
        raise ValueError("parallel_mode must be 'auto', 'threads', 'process' or 'none'")
    if parallel_mode == "none":
        return 1
    return int(max_workers) if max_workers else 0


def _result_from_dict(d: dict, extra_meta: Mapping[str, object]) -> BasinResult:
    ic = d["ic"]
    labels = np.asarray(d["labels"], dtype=np.int64)
    meta: dict[str, object] = dict(extra_meta)
    meta.update({k: v for k, v in d["meta"].items() if k not in meta})
    meta["method"] = d["method"]
    meta["mode"] = d["mode"]
    meta["observe_vars"] = tuple(d["observe_vars"])
    meta["dt_obs"] = float(d["dt_obs"])
    meta["ic_kind"] = ic["kind"]
    meta["ic_vars"] = tuple(ic["ic_vars"])
    meta["ic_fixed"] = dict(ic["fixed"])
    meta["attractor_names"] = tuple(d["attractor_names"])
    meta["threads"] = int(d["threads"])
    meta["wall_seconds"] = float(d["wall_seconds"])
    if ic["kind"] == "grid":
        meta["ic_grid"] = tuple(int(n) for n in ic["shape"])
        meta["ic_bounds"] = tuple((float(lo), float(hi)) for lo, hi in ic["bounds"])
        meta["ic_axis_values"] = tuple(np.asarray(v, dtype=np.float64) for v in ic["axis_values"])
        meta["ic_axis_sample"] = tuple(ic["axis_sample"])
    registry = [Attractor(id=int(i), fingerprint=set(int(c) for c in fp),
                          cells=set(int(c) for c in cells), name=str(name))
                for i, name, fp, cells in d["registry"]]
    return BasinResult(labels=labels, registry=registry, meta=meta,
                       samples=np.asarray(d["samples"], dtype=np.int64),
                       stopped=bool(d["stopped"]))


def build_known_attractors_psc(
    sim,
    attractor_specs: Sequence[FixedPoint | Cycle | ReferenceRun],
    *,
    observe_vars: Sequence[str | int] | None = None,
    escape_bounds: Sequence[tuple[float, float]] | None = None,
    mode: Literal["map", "ode", "auto"] = "auto",
    dt_obs: float | None = None,
    transient_samples: int = 100,
    signature_samples: int = 500,
) -> KnownAttractorLibrary:
    """Runs the ReferenceRun specs and collects every attractor into a reusable library."""
    if not attractor_specs:
        raise ValueError("attractor_specs must be non-empty")
    d = _dynlib._build_known_attractors(sim, _spec_dicts(attractor_specs), {
        "observe_vars": _names(sim, observe_vars),
        "escape_bounds": None if escape_bounds is None else [tuple(b) for b in escape_bounds],
        "mode": mode, "dt_obs": dt_obs, "transient_samples": transient_samples,
        "signature_samples": signature_samples})
    return _library_from_dict(d)
