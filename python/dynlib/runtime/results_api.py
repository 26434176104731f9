"""Named views of a run's event logs and samples, with the reference dynlib's names.

``res.event`` is an accessor: ``res.event("spike")`` is an :class:`EventView` of one event,
``res.event(tag="spiking")`` an :class:`EventGroupView` of every event with that tag, and
``res.event.names() / fields(name) / tags() / by_tag(tag) / summary()`` discover what was logged.
An unfiltered view hands out the engine's arrays (views, no copy); filtering (``time``, ``head``,
``tail``, ``sort``) selects rows and so returns copies. Beside the reference, ``ev["t"]`` is the
firing time even when ``t`` is not among the logged fields (docs/porting.md).

The views sit on the extension's per-event logs (``dynlib.EventLog``); :func:`install` attaches
the accessor and the reference's discovery methods, ``flags`` and ``to_pandas`` to
``dynlib.Results``.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .runner_api import OK

__all__ = ["EventAccessor", "EventView", "EventGroupView", "install"]


def _as_tuple(names: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def _did_you_mean(kind: str, name: str, known: Sequence[str]) -> KeyError:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listed = ", ".join(f"'{k}'" for k in known) or "none"
    return KeyError(f"unknown {kind} '{name}' (known: {listed}){hint}")


def _tag_index(res) -> Dict[str, Tuple[str, ...]]:
    """tag -> event names carrying it, tags in order of first appearance."""
    index: Dict[str, list] = {}
    for name, log in res.events.items():
        for tag in log.tags:
            index.setdefault(tag, []).append(name)
    return {tag: tuple(names) for tag, names in index.items()}


class EventView:
    """The firings of one event, optionally a selection of its rows.

    ``name``, ``tags``, ``fields`` (the logged expressions), ``count`` / ``len()``, ``t`` (firing
    times), ``record_index``, ``values`` ({field: array}), ``ev["v"]`` (one field),
    ``ev[["t", "v"]]`` (a (count, k) array), ``table()`` (every field), and the row selections
    ``time(t0, t1)``, ``head(k)``, ``tail(k)``, ``sort(by)``, which return new views.
    """

    def __init__(self, log, rows: Optional[np.ndarray] = None):
        self._log = log
        self._rows = rows  # None: every firing, in order (views); else indices (copies)

    def _select(self, array: np.ndarray) -> np.ndarray:
        return array if self._rows is None else array[self._rows]

    def _indices(self) -> np.ndarray:
        return np.arange(len(self._log)) if self._rows is None else self._rows

    @property
    def name(self) -> str:
        return self._log.name

    @property
    def tags(self):
        return self._log.tags

    @property
    def fields(self):
        return self._log.fields

    @property
    def count(self) -> int:
        return len(self._log) if self._rows is None else int(self._rows.shape[0])

    def __len__(self) -> int:
        return self.count

    @property
    def t(self) -> np.ndarray:
        return self._select(self._log.t)

    @property
    def record_index(self) -> np.ndarray:
        return self._select(self._log.record_index)

    @property
    def values(self) -> Dict[str, np.ndarray]:
        return {field: self[field] for field in self._log.fields}

    def _column(self, field: str) -> np.ndarray:
        if field in self._log.fields:
            return self._select(self._log[field])
        if field == "t":
            return self.t
        raise _did_you_mean(f"field of event '{self.name}'", field, self._log.fields)

    def __getitem__(self, key: Union[str, Sequence[str]]) -> np.ndarray:
        if isinstance(key, str):
            return self._column(key)
        columns = [self._column(field) for field in _as_tuple(key)]
        if not columns:
            return np.empty((self.count, 0))
        return np.column_stack(columns)

    def table(self) -> np.ndarray:
        """Every logged field as a (count, len(fields)) array, fields in log order."""
        return self[list(self._log.fields)]

    def time(self, t0: float, t1: float) -> "EventView":
        """The firings with t0 <= t <= t1."""
        t = self.t
        return EventView(self._log, self._indices()[(t >= t0) & (t <= t1)])

    def head(self, k: int) -> "EventView":
        return EventView(self._log, self._indices()[:k])

    def tail(self, k: int) -> "EventView":
        return EventView(self._log, self._indices()[-k:] if k > 0 else self._indices()[:0])

    def sort(self, by: str = "t") -> "EventView":
        """The rows ordered by one field (stable: equal values keep firing order)."""
        order = np.argsort(self._column(by), kind="stable")
        return EventView(self._log, self._indices()[order])

    def __repr__(self) -> str:
        return f"<dynlib EventView {self.name}: {self.count} firings, fields {list(self.fields)}>"


class EventGroupView:
    """Every event carrying one tag, rows concatenated in member order.

    ``names``, ``counts()``, ``fields(mode="intersection"|"union")``, ``t``, ``grp["t"]`` /
    ``grp[["t", "v"]]`` (fields every member logs), ``select(fields, mode, fill_value)`` (union:
    a member without a field fills it), ``table(fields, mode, sort_by)``, ``sort(by)``.
    """

    def __init__(self, members: Sequence[EventView]):
        self._members: Tuple[EventView, ...] = tuple(members)

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(m.name for m in self._members)

    def counts(self) -> Dict[str, int]:
        return {m.name: m.count for m in self._members}

    def fields(self, mode: str = "intersection") -> Tuple[str, ...]:
        if mode not in ("intersection", "union"):
            raise ValueError(f"mode must be 'intersection' or 'union', not {mode!r}")
        ordered: list = []
        for m in self._members:
            ordered += [f for f in m.fields if f not in ordered]
        if mode == "union":
            return tuple(ordered)
        return tuple(f for f in ordered if all(f in m.fields for m in self._members))

    def _check_common(self, fields: Tuple[str, ...]) -> None:
        # "t" (the firing time) is common to every event.
        common = set(self.fields("intersection")) | {"t"}
        missing = [f for f in fields if f not in common]
        if missing:
            raise ValueError(
                f"fields {missing} are not logged by every event of {list(self.names)}; "
                "use select(..., mode='union') to fill the missing ones")

    @property
    def t(self) -> np.ndarray:
        return self["t"]

    def __getitem__(self, key: Union[str, Sequence[str]]) -> np.ndarray:
        return self.select(key, mode="intersection")

    def select(self, fields: Union[str, Sequence[str]], *, mode: str = "intersection",
               fill_value: float = np.nan, dtype=None) -> np.ndarray:
        """The rows of every member: 1-D for one field name, else (rows, len(fields))."""
        if mode not in ("intersection", "union"):
            raise ValueError(f"mode must be 'intersection' or 'union', not {mode!r}")
        scalar = isinstance(fields, str)
        wanted = _as_tuple(fields)
        if mode == "intersection":
            self._check_common(wanted)
        blocks = []
        for m in self._members:
            block = np.full((m.count, len(wanted)), fill_value,
                            dtype=dtype or np.result_type(np.float64, np.asarray(fill_value)))
            for j, field in enumerate(wanted):
                if field in m.fields or field == "t":
                    block[:, j] = m[field]
            blocks.append(block)
        out = (np.concatenate(blocks, axis=0) if blocks else
               np.empty((0, len(wanted)), dtype=dtype or np.float64))
        return out[:, 0] if scalar else out

    def table(self, fields: Optional[Union[str, Sequence[str]]] = None, *,
              mode: str = "intersection", sort_by: Optional[str] = None,
              fill_value: float = np.nan, dtype=None) -> np.ndarray:
        """A 2-D table of `fields` (default: every field of `mode`), optionally sorted by one."""
        wanted = self.fields(mode) if fields is None else _as_tuple(fields)
        data = self.select(list(wanted), mode=mode, fill_value=fill_value, dtype=dtype)
        if sort_by is not None:
            if sort_by not in wanted:
                raise ValueError(f"sort_by '{sort_by}' is not one of the table's fields "
                                 f"{list(wanted)}")
            data = data[np.argsort(data[:, wanted.index(sort_by)], kind="stable")]
        return data

    def sort(self, by: str = "t") -> "EventGroupView":
        """Each member's rows ordered by `by` (a field every member logs)."""
        self._check_common((by,))
        return EventGroupView([m.sort(by) for m in self._members])

    def __repr__(self) -> str:
        return f"<dynlib EventGroupView {self.counts()}>"


class EventAccessor:
    """``res.event``: ``res.event("spike")``, ``res.event(tag="t")``, and discovery helpers."""

    def __init__(self, results):
        self._res = results

    def __call__(self, name: Optional[str] = None, *, tag: Optional[str] = None):
        if (name is None) == (tag is None):
            raise ValueError("res.event(): give exactly one of an event name or tag=")
        if name is not None:
            return EventView(_event_log(self._res, name))
        return EventGroupView(
            [EventView(_event_log(self._res, n)) for n in self._res.events_by_tag(tag)])

    def names(self) -> Tuple[str, ...]:
        return self._res.event_names()

    def fields(self, name: str) -> Tuple[str, ...]:
        return self._res.event_fields(name)

    def tags(self) -> Tuple[str, ...]:
        return self._res.tag_names()

    def by_tag(self, tag: str) -> Tuple[str, ...]:
        return self._res.events_by_tag(tag)

    def summary(self) -> Dict[str, int]:
        """Firings per event, for the events that fired (the reference's counts)."""
        return {name: len(log) for name, log in self._res.events.items() if len(log)}


_event_log = None  # the extension's Results.event (name -> EventLog), kept by install()


def _event_names(self) -> Tuple[str, ...]:
    return tuple(self.events)


def _event_fields(self, name: str) -> Tuple[str, ...]:
    return tuple(_event_log(self, name).fields)


def _tag_names(self) -> Tuple[str, ...]:
    return tuple(_tag_index(self))


def _events_by_tag(self, tag: str) -> Tuple[str, ...]:
    index = _tag_index(self)
    if tag not in index:
        raise _did_you_mean("event tag", tag, list(index))
    return index[tag]


def _flags(self) -> np.ndarray:
    # The reference marks every recorded row with its status code; a recorded row here is always
    # an accepted step (failures end the run before recording), so every flag is OK.
    return np.full(len(self), int(OK), dtype=np.int32)


def _to_pandas(self):
    """A pandas.DataFrame: t, step, flag, then every recorded column (aux as 'aux.NAME')."""
    try:
        import pandas as pd
    except ImportError as e:
        raise RuntimeError("Results.to_pandas() needs pandas "
                           "(Debian: apt-get install python3-pandas)") from e
    columns = {"t": np.asarray(self.t), "step": np.asarray(self.step), "flag": _flags(self)}
    aux = set(self.aux_names)
    for name in self.names:
        label = name if name.startswith("aux.") or name not in aux else f"aux.{name}"
        columns[label] = np.asarray(self[name])
    return pd.DataFrame(columns)


def install(results_cls) -> None:
    """Attaches the accessor and the reference's Results members to the extension's class."""
    global _event_log
    if _event_log is None:
        _event_log = results_cls.event
    results_cls.event = property(EventAccessor, doc=EventAccessor.__doc__)
    results_cls.event_names = _event_names
    results_cls.event_fields = _event_fields
    results_cls.tag_names = _tag_names
    results_cls.events_by_tag = _events_by_tag
    results_cls.flags = property(_flags, doc="every recorded row's status code (all OK)")
    results_cls.to_pandas = _to_pandas
