"""Bifurcation diagrams from trajectory sweeps, with the reference dynlib's names.

    res = sweep.traj_sweep(sim, param="r", values=r, record_vars=["x"], N=600, transient=500)
    d = res.bifurcation("x").tail(50)          # d.p (param values), d.y: points to scatter

The points are computed by the C++ engine (dynlib/bifurcation.hpp). A flow's extrema are the
vertices of the parabola through the three samples around each sampled extremum, and its section
crossings are linearly interpolated; a map's are read off the iterates. See docs/sweeps.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ... import _dynlib
from ..sweep import SweepResult, TrajectoryPayload

__all__ = ["BifurcationResult", "BifurcationExtractor"]


@dataclass
class BifurcationResult:
    """Points of a bifurcation diagram: p[j] (param value) and y[j]; t[j] is the time of the
    point (interpolated for a flow's extrema and crossings) and run[j] the run it came from."""

    param_name: str
    values: np.ndarray  # the sweep grid (M,)
    mode: str
    p: np.ndarray
    y: np.ndarray
    meta: dict
    t: np.ndarray = field(default_factory=lambda: np.empty((0,), dtype=float))
    run: np.ndarray = field(default_factory=lambda: np.empty((0,), dtype=np.int64))


_DIRECTIONS = {"positive": "up", "negative": "down", "both": "both", "up": "up", "down": "down"}


def _positive(name, value):
    if value is not None and int(value) <= 0:
        raise ValueError(f"{name} must be positive")


class BifurcationExtractor:
    """Turns a trajectory sweep into bifurcation points: all(), tail(n), final(), extrema(...),
    poincare(...). Used directly, it behaves as all() (p, y, mode, meta)."""

    def __init__(self, sweep_result, var):
        if not isinstance(getattr(sweep_result, "payload", None), TrajectoryPayload):
            raise TypeError("BifurcationExtractor requires a trajectory sweep result")
        if var not in sweep_result.record_vars:
            raise KeyError(f"Unknown variable {var!r}; available: {sweep_result.record_vars}")
        self._sweep = sweep_result
        self._var = var
        self._cached_all = None

    @classmethod
    def from_results(cls, results, var, *, is_map=False, param_value=math.nan, param_name=""):
        """An extractor of one run (a dynlib.Results): is_map says whether it is a map's."""
        names = list(results.names)
        data = np.column_stack([np.asarray(results[name], dtype=float) for name in names])
        payload = TrajectoryPayload(names, [np.asarray(results.t, dtype=float)], [data],
                                    [param_value])
        sweep = SweepResult(param_name=param_name, values=[param_value], kind="trajectory",
                            meta=dict(kind="map" if is_map else "ode"), payload=payload)
        return cls(sweep, var)

    @property
    def var(self):
        return self._var

    @property
    def sweep(self):
        return self._sweep

    def _default(self):
        if self._cached_all is None:
            self._cached_all = self.all()
        return self._cached_all

    @property
    def p(self):
        return self._default().p

    @property
    def y(self):
        return self._default().y

    @property
    def mode(self):
        return self._default().mode

    @property
    def meta(self):
        return self._default().meta

    @property
    def param_name(self):
        return self._sweep.param_name

    @property
    def values(self):
        return self._sweep.values

    def _extract(self, mode, extra_meta, **options):
        payload = self._sweep.payload
        is_map = self._sweep.meta.get("kind") == "map"
        p, y, t, run = _dynlib._bifurcation(
            self._sweep.param_name, self._sweep.values, list(payload.record_vars),
            payload.t_runs, payload.data, self._var, is_map, mode, **options)
        meta = dict(self._sweep.meta)
        meta.update(var=self._var, mode=mode, **extra_meta)
        return BifurcationResult(param_name=self._sweep.param_name, values=self._sweep.values,
                                 mode=mode, p=p, y=y, meta=meta, t=t, run=run)

    def all(self):
        """Every recorded sample of every run."""
        return self._extract("all", {})

    def tail(self, n):
        """Each run's last n samples (all of them when it has fewer)."""
        _positive("n", n)
        return self._extract("tail", dict(tail=int(n)), n=int(n))

    def final(self):
        """Each run's last sample."""
        return self._extract("final", {})

    def extrema(self, *, tail=None, kind="both", max_points=50, min_peak_distance=1):
        """Local maxima ("max"), minima ("min") or both of each run (within its last `tail`
        samples), keeping each run's last max_points, at least min_peak_distance samples apart."""
        _positive("tail", tail)
        _positive("max_points", max_points)
        _positive("min_peak_distance", min_peak_distance)
        if kind not in ("max", "min", "both"):
            raise ValueError("kind must be 'max', 'min', or 'both'")
        meta = dict(kind=kind, max_points=int(max_points),
                    min_peak_distance=int(min_peak_distance))
        if tail is not None:
            meta["tail"] = int(tail)
        return self._extract("extrema", meta, tail=tail, kind=kind, max_points=int(max_points),
                             min_peak_distance=int(min_peak_distance))

    def poincare(self, *, section_var, level=0.0, direction="positive", tail=None, max_points=50,
                 min_section_distance=1):
        """The value of the variable where section_var crosses `level` upward ("positive"),
        downward ("negative") or both, keeping each run's last max_points crossings."""
        if section_var not in self._sweep.record_vars:
            raise KeyError(
                f"Unknown section_var {section_var!r}; available: {self._sweep.record_vars}")
        _positive("tail", tail)
        _positive("max_points", max_points)
        _positive("min_section_distance", min_section_distance)
        if direction not in _DIRECTIONS:
            raise ValueError("direction must be 'positive', 'negative', or 'both'")
        meta = dict(section_var=section_var, level=float(level), direction=direction,
                    max_points=int(max_points), min_section_distance=int(min_section_distance))
        if tail is not None:
            meta["tail"] = int(tail)
        return self._extract("poincare", meta, section_var=section_var, level=float(level),
                             direction=_DIRECTIONS[direction], tail=tail,
                             max_points=int(max_points),
                             min_section_distance=int(min_section_distance))
