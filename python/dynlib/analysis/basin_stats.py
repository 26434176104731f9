"""Counts and percentages per label of a basin result, and a text report (the reference's
basin_stats / basin_summary / print_basin_summary). Works on anything with `labels`, `registry`
(entries with `.id`, `.fingerprint`, `.cells`) and `meta`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from .basin_codes import BLOWUP, OUTSIDE, UNRESOLVED

__all__ = ["AttractorStats", "BasinStats", "basin_stats", "basin_summary", "print_basin_summary"]


@dataclass(frozen=True)
class AttractorStats:
    id: int
    n_points: int
    p_points: float  # percent of all initial conditions
    n_fingerprint: int
    n_cells: int


@dataclass(frozen=True)
class BasinStats:
    n_total: int
    n_attractors: int
    n_identified: int
    p_identified: float
    n_blowup: int
    p_blowup: float
    n_outside: int
    p_outside: float
    n_unresolved: int
    p_unresolved: float
    per_attractor: tuple[AttractorStats, ...]  # largest basin first (ties: id)
    ic_grid: tuple[int, ...] | None = None
    ic_bounds: tuple[tuple[float, float], ...] | None = None
    # dynlib addition: every label that occurs -> how often
    counts: dict[int, int] | None = None

    def fraction(self, label: int) -> float:
        """The share (0..1) of initial conditions with this label."""
        if not self.n_total or not self.counts:
            return 0.0
        return self.counts.get(int(label), 0) / self.n_total


def _pct(n: int, d: int) -> float:
    return 100.0 * n / d if d > 0 else 0.0


def basin_stats(result: Any, *, top_k: int | None = None) -> BasinStats:
    """Counts and percentages of BLOWUP, OUTSIDE, UNRESOLVED and each attractor's basin."""
    labels = np.asarray(result.labels)
    n_total = int(labels.size)
    values, counts = np.unique(labels, return_counts=True)
    count = {int(v): int(c) for v, c in zip(values.tolist(), counts.tolist())}
    n_blowup = count.get(BLOWUP, 0)
    n_outside = count.get(OUTSIDE, 0)
    n_unresolved = count.get(UNRESOLVED, 0)
    n_identified = n_total - n_blowup - n_outside - n_unresolved
    registry = list(getattr(result, "registry", []) or [])
    per = [AttractorStats(id=int(a.id), n_points=count.get(int(a.id), 0),
                          p_points=_pct(count.get(int(a.id), 0), n_total),
                          n_fingerprint=len(getattr(a, "fingerprint", ()) or ()),
                          n_cells=len(getattr(a, "cells", ()) or ()))
           for a in registry]
    per.sort(key=lambda r: (-r.n_points, r.id))
    if top_k is not None:
        if int(top_k) < 0:
            raise ValueError("top_k must be non-negative when provided")
        per = per[: int(top_k)]
    meta = dict(getattr(result, "meta", {}) or {})
    grid = meta.get("ic_grid")
    bounds = meta.get("ic_bounds")
    return BasinStats(
        n_total=n_total, n_attractors=len(registry),
        n_identified=n_identified, p_identified=_pct(n_identified, n_total),
        n_blowup=n_blowup, p_blowup=_pct(n_blowup, n_total),
        n_outside=n_outside, p_outside=_pct(n_outside, n_total),
        n_unresolved=n_unresolved, p_unresolved=_pct(n_unresolved, n_total),
        per_attractor=tuple(per),
        ic_grid=tuple(int(n) for n in grid) if grid is not None else None,
        ic_bounds=tuple((float(lo), float(hi)) for lo, hi in bounds) if bounds is not None
        else None,
        counts=count,
    )


def basin_summary(result: Any, *, top_k: int | None = None, include_meta: bool = True,
                  meta_keys: Iterable[str] | None = None, sort_meta: bool = True,
                  attractor_order: str = "registry") -> str:
    """A text report: totals, one line per attractor ("registry" order, or "largest" first),
    and the analysis' parameters."""
    st = basin_stats(result, top_k=top_k)
    lines = ["", "=" * 60, "BASIN ANALYSIS RESULTS", "=" * 60,
             f"Total initial conditions: {st.n_total}",
             f"Attractors identified: {st.n_attractors}",
             f"Points assigned to attractors: {st.n_identified} ({st.p_identified:.1f}%)",
             f"Blowup trajectories: {st.n_blowup} ({st.p_blowup:.1f}%)",
             f"Outside domain: {st.n_outside} ({st.p_outside:.1f}%)",
             f"Unresolved: {st.n_unresolved} ({st.p_unresolved:.1f}%)"]
    rows = list(st.per_attractor)
    if rows:
        lines += ["", "Attractor details:"]
        if top_k is None and attractor_order != "largest":
            rows.sort(key=lambda r: r.id)
        names = dict(enumerate((getattr(result, "meta", {}) or {}).get("attractor_labels", ())))
        for r in rows:
            name = f" ({names[r.id]})" if r.id in names else ""
            lines.append(f"  Attractor {r.id}{name}: {r.n_points} points ({r.p_points:.1f}%), "
                         f"{r.n_fingerprint} cells in fingerprint")
    if include_meta:
        lines += ["", "Algorithm parameters:"]
        meta = dict(getattr(result, "meta", {}) or {})
        keys = list(meta) if meta_keys is None else [str(k) for k in meta_keys]
        if sort_meta:
            keys.sort()
        for k in keys:
            v = meta.get(k)
            if k == "ic_axis_values" and v is not None:
                for name, values in zip(meta.get("ic_vars", ()), v):
                    arr = np.asarray(values, dtype=float)
                    lines.append(f"  ic_axis_values[{name}]: {arr.size} values, "
                                 f"min={arr.min():.6g}, max={arr.max():.6g}")
            else:
                lines.append(f"  {k}: {v}")
    lines.append("")
    return "\n".join(lines)


def print_basin_summary(result: Any, **kwargs: Any) -> None:
    """Prints basin_summary(result, **kwargs)."""
    print(basin_summary(result, **kwargs))
