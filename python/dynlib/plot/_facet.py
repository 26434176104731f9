"""Facets: one panel per key, e.g. `for ax, key in facet.wrap(data.keys(), cols=2): ...`."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import _fig

__all__ = ["wrap"]


def wrap(keys: Iterable[Any], *, cols: int = 3, title: str | None = None,
         size: tuple[float, float] | None = None, scale: float | None = None,
         sharex: bool | str = False, sharey: bool | str = False) -> Iterator[tuple[Any, Any]]:
    """Yield (Axes, key) for each key, on one new figure laid out by `fig.wrap(n=len(keys),
    cols=cols)`. No keys: nothing is yielded and no figure is made."""
    keys = list(keys)
    if not keys:
        return
    panels = _fig.wrap(n=len(keys), cols=cols, title=title, size=size, scale=scale,
                       sharex=sharex, sharey=sharey)
    yield from zip(panels.flat, keys)
