"""Figures with one Axes, a 3-D Axes, a rows x cols grid, or n panels wrapped into columns.

Sizes default to the theme's figure size (6 x 4 inches times the `scale` token); `size=` replaces
it and `scale=` multiplies either. All figures use constrained layout.
"""
from __future__ import annotations

import math

import numpy as np

from . import _theme
from ._common import pyplot

__all__ = ["single", "single3D", "grid", "wrap", "AxesGrid"]


class AxesGrid(list):
    """Rows of Axes (a list of lists) that also takes `grid[row, col]`; `.figure` is the Figure.

    Iterating gives the rows; `.flat` gives the Axes row by row.
    """

    def __init__(self, rows=(), *, figure=None):
        super().__init__(list(row) for row in rows)
        self.figure = figure

    def __getitem__(self, item):
        if isinstance(item, tuple):
            row, col = item
            return super().__getitem__(row)[col]
        return super().__getitem__(item)

    @property
    def flat(self) -> list:
        return [ax for row in self for ax in row]


def _figsize(size, scale) -> tuple[float, float]:
    width, height = size if size is not None else _theme.get("figsize")
    factor = 1.0 if scale is None else float(scale)
    return float(width) * factor, float(height) * factor


def _new_grid(rows: int, cols: int, *, sharex, sharey, size, scale, title):
    fig, axes = pyplot().subplots(rows, cols, sharex=sharex, sharey=sharey, squeeze=False,
                                  figsize=_figsize(size, scale), layout="constrained")
    if title:
        fig.suptitle(title)
    return fig, np.asarray(axes, dtype=object)


def single(*, title: str | None = None, size: tuple[float, float] | None = None,
           scale: float | None = None):
    """A new figure with one Axes (returned); `title` becomes the figure title."""
    _fig, axes = _new_grid(1, 1, sharex=False, sharey=False, size=size, scale=scale, title=title)
    return axes[0, 0]


def single3D(*, title: str | None = None, size: tuple[float, float] | None = None,
             scale: float | None = None):
    """A new figure with one 3-D Axes (returned)."""
    fig = pyplot().figure(figsize=_figsize(size, scale), layout="constrained")
    if title:
        fig.suptitle(title)
    return fig.add_subplot(projection="3d")


def grid(*, rows: int, cols: int, sharex: bool | str = False, sharey: bool | str = False,
         title: str | None = None, size: tuple[float, float] | None = None,
         scale: float | None = None) -> AxesGrid:
    """A new figure with rows x cols Axes, returned as an AxesGrid (`g[r, c]` or `g[r][c]`)."""
    if int(rows) <= 0 or int(cols) <= 0:
        raise ValueError(f"fig.grid needs positive rows and cols, got rows={rows}, cols={cols}")
    fig, axes = _new_grid(int(rows), int(cols), sharex=sharex, sharey=sharey, size=size,
                          scale=scale, title=title)
    return AxesGrid(axes.tolist(), figure=fig)


def wrap(*, n: int, cols: int, title: str | None = None, size: tuple[float, float] | None = None,
         scale: float | None = None, sharex: bool | str = False,
         sharey: bool | str = False) -> AxesGrid:
    """A new figure with `n` Axes filled row by row into `cols` columns; the cells after the n-th
    are hidden and left out of the returned AxesGrid (so its last row may be shorter)."""
    if int(n) <= 0:
        raise ValueError(f"fig.wrap needs n > 0, got n={n}")
    if int(cols) <= 0:
        raise ValueError(f"fig.wrap needs cols > 0, got cols={cols}")
    n, cols = int(n), int(cols)
    rows = math.ceil(n / cols)
    fig, axes = _new_grid(rows, cols, sharex=sharex, sharey=sharey, size=size, scale=scale,
                          title=title)
    flat = list(axes.ravel())
    for unused in flat[n:]:
        unused.set_visible(False)
    used = flat[:n]
    return AxesGrid([used[r * cols:(r + 1) * cols] for r in range(rows)], figure=fig)
