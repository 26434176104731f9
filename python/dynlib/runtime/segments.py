"""Segments of a continued run, with the reference dynlib's names.

Every ``run()`` that records samples adds a segment: a fresh run starts the list again, each
``resume=True`` appends one. ``run(tag="warm")`` names it (a name taken already gets ``-2``,
``-3``, ...); unnamed segments answer to ``"run#<id>"``, every segment also to its auto name.
``sim.name_segment(index_or_name, new)`` and ``sim.name_last_segment(new)`` rename.
``res.segment[0]`` / ``res.segment["warm"]`` is a :class:`SegmentView`: ``t``, ``step``,
``flags``, ``seg["x"]`` (views of the rows the run appended), ``events()`` (the firings logged
during it, ``{name: EventView}``) and ``meta`` (the :class:`Segment` record).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Dict, Iterator, List, Optional, Union

import numpy as np

from .results_api import EventView

__all__ = ["Segment", "SegmentView", "SegmentsView", "install"]


@dataclasses.dataclass(frozen=True)
class Segment:
    id: int
    name: Optional[str]
    rec_start: int
    rec_len: int
    evt_start: int
    evt_len: int
    t_start: float
    t_end: float
    step_start: int
    step_end: int
    resume: bool
    cfg_hash: str
    note: str = ""


def _auto_name(seg: Segment) -> str:
    return f"run#{seg.id}"


def _name(seg: Segment) -> str:
    return seg.name if seg.name is not None else _auto_name(seg)


class SegmentView:
    """The rows one run() appended to the results."""

    def __init__(self, results, seg: Segment):
        self._res = results
        self._seg = seg

    @property
    def id(self) -> int:
        return self._seg.id

    @property
    def name(self) -> str:
        return _name(self._seg)

    @property
    def meta(self) -> Segment:
        return self._seg

    def _rows(self, array: np.ndarray) -> np.ndarray:
        return array[self._seg.rec_start:self._seg.rec_start + self._seg.rec_len]

    @property
    def t(self) -> np.ndarray:
        return self._rows(self._res.t)

    @property
    def step(self) -> np.ndarray:
        return self._rows(self._res.step)

    @property
    def flags(self) -> np.ndarray:
        return self._rows(self._res.flags)

    def __len__(self) -> int:
        return self._seg.rec_len

    def __getitem__(self, key: Union[str, List[str]]) -> np.ndarray:
        return self._rows(self._res[key])

    def events(self) -> Dict[str, EventView]:
        """{event name: the firings during this segment} (their samples are in its rows)."""
        lo, hi = self._seg.rec_start, self._seg.rec_start + self._seg.rec_len
        out = {}
        for name in self._res.events:
            view = self._res.event(name)
            rows = np.nonzero((view.record_index >= lo) & (view.record_index < hi))[0]
            out[name] = EventView(view._log, rows)
        return out

    def __repr__(self) -> str:
        return f"<dynlib SegmentView {self.name}: {len(self)} samples>"


class SegmentsView:
    """``res.segment``: segments by position or name."""

    def __init__(self, results, segments: List[Segment]):
        self._res = results
        self._segments = list(segments)

    def _index(self, key: Union[int, str]) -> int:
        return _resolve(self._segments, key)

    def __getitem__(self, key: Union[int, str]) -> SegmentView:
        return SegmentView(self._res, self._segments[self._index(key)])

    def __len__(self) -> int:
        return len(self._segments)

    def __iter__(self) -> Iterator[SegmentView]:
        return (SegmentView(self._res, s) for s in self._segments)

    def __contains__(self, name: str) -> bool:
        return any(name in (_name(s), _auto_name(s)) for s in self._segments)

    def names(self) -> List[str]:
        return [_name(s) for s in self._segments]


def _resolve(segments: List[Segment], key: Union[int, str]) -> int:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(segments) <= key < len(segments):
            raise IndexError(f"segment index {key} out of range ({len(segments)} segments)")
        return int(key) % len(segments)
    for i, seg in enumerate(segments):
        if key in (seg.name, _auto_name(seg)):
            return i
    import difflib

    known = [n for s in segments for n in dict.fromkeys((_name(s), _auto_name(s)))]
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise KeyError(f"unknown segment '{key}' (known: {', '.join(known) or 'none'}){hint}")


def _unique(segments: List[Segment], base: str, skip: Optional[int] = None) -> str:
    if not isinstance(base, str):
        raise TypeError("a segment name must be a str")
    if base == "":
        raise ValueError("a segment name cannot be empty")
    taken = {n for i, s in enumerate(segments) if i != skip for n in (_name(s), _auto_name(s))}
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


def _segments_of(sim) -> List[Segment]:
    return sim.__dict__.setdefault("_segments", [])


def _attach(sim, res):
    if res is not None:
        res.__dict__["_segments"] = tuple(_segments_of(sim))
    return res


_RESUME_POSITION = 11  # run(T, N, dt, t0, record, record_interval, record_vars, transient,
#                              max_steps, ic, params, resume, ...)


def install(sim_cls, results_cls) -> None:
    """Wraps Sim.run/results/reset and adds the segment methods and Results.segment."""
    ext_run, ext_results = sim_cls.run, sim_cls.results
    ext_reset, ext_import = sim_cls.reset, getattr(sim_cls, "import_snapshot", None)

    def run(self, *args, tag: Optional[str] = None, **kwargs):
        resume = bool(args[_RESUME_POSITION] if len(args) > _RESUME_POSITION
                      else kwargs.get("resume", False))
        segments = _segments_of(self)
        name = None if tag is None else _unique(segments if resume else [], tag)
        before = ext_results(self) if resume else None
        rows0 = len(before) if before is not None else 0
        events0 = before.m if before is not None else 0
        options = json.dumps({k: repr(v) for k, v in sorted(kwargs.items())}).encode()

        def record(res) -> None:
            if not resume:
                segments.clear()
            if res.n > rows0:
                segments.append(Segment(
                    id=len(segments), name=name, rec_start=rows0, rec_len=res.n - rows0,
                    evt_start=events0, evt_len=res.m - events0,
                    t_start=float(res.t[rows0]), t_end=float(res.t[-1]),
                    step_start=int(res.step[rows0]), step_end=int(res.step[-1]),
                    resume=resume, cfg_hash=hashlib.sha256(options).hexdigest()[:16]))

        try:
            res = ext_run(self, *args, **kwargs)
        except BaseException:
            # A run stopped by Ctrl+C or by its progress callback keeps what it computed (status
            # user_break); a run refused before it started changed nothing.
            res = ext_results(self)
            if res is not None and res.status == "user_break":
                record(res)
            raise
        record(res)
        return _attach(self, res)

    run.__doc__ = ext_run.__doc__
    sim_cls.run = run
    sim_cls.results = lambda self: _attach(self, ext_results(self))
    sim_cls.results.__doc__ = ext_results.__doc__

    def reset(self, name: str = "initial"):
        ext_reset(self, name)
        _segments_of(self).clear()

    reset.__doc__ = ext_reset.__doc__
    sim_cls.reset = reset
    if ext_import is not None:
        def import_snapshot(self, path):
            ext_import(self, path)
            _segments_of(self).clear()

        import_snapshot.__doc__ = ext_import.__doc__
        sim_cls.import_snapshot = import_snapshot

    def name_segment(self, index_or_old: Union[int, str], new_name: str) -> None:
        """Renames a recorded segment (by index, name or "run#<id>")."""
        segments = _segments_of(self)
        if not segments:
            raise RuntimeError("no recorded segments to rename: run() first")
        i = _resolve(segments, index_or_old)
        segments[i] = dataclasses.replace(segments[i], name=_unique(segments, new_name, skip=i))

    def name_last_segment(self, name: str) -> None:
        """Renames the most recent segment."""
        if not _segments_of(self):
            raise RuntimeError("no recorded segments to rename: run() first")
        name_segment(self, len(_segments_of(self)) - 1, name)

    sim_cls.name_segment = name_segment
    sim_cls.name_last_segment = name_last_segment
    results_cls.segment = property(
        lambda self: SegmentsView(self, list(self.__dict__.get("_segments", ()))),
        doc="the segments of the run: res.segment[0], res.segment['warm'] (SegmentsView)")
