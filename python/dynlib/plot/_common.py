"""What every dynlib.plot module shares: the Axes to draw on, array coercion, names resolved
against this project's result objects, and theme tokens (with defaults when no theme is set)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            "dynlib.plot needs matplotlib: sudo apt-get install python3-matplotlib") from exc
    return plt


def theme_value(token: str, default: Any = None) -> Any:
    """The current theme's value of `token`, or `default` when the theme does not define it."""
    try:
        from . import _theme
    except ImportError:
        return default
    try:
        value = _theme.get(token)
    except (KeyError, AttributeError):
        return default
    return default if value is None else value


def get_ax(ax=None, *, projection: str | None = None, figsize=None):
    """`ax` itself, or the Axes of a new figure sized by the theme (3-D with projection='3d')."""
    if ax is not None:
        return ax
    plt = pyplot()
    size = figsize if figsize is not None else theme_value("figsize", None)
    subplot_kw = {"projection": projection} if projection else None
    _fig, created = plt.subplots(figsize=size, subplot_kw=subplot_kw, layout="constrained")
    return created


def as_array(data: Any, *, dtype=float) -> np.ndarray:
    """A numpy array of `data` (pandas Series/Index and lists included)."""
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    return np.asarray(data, dtype=dtype)


def resolve(data: Any, value: Any, *, what: str = "value") -> np.ndarray:
    """`value` as an array: arrays pass through; a string names a column of `data` — a Results
    (recorded variable or 't'), a sweep/analysis result, a pandas DataFrame or any mapping."""
    if isinstance(value, str):
        if data is None:
            raise TypeError(f"{what}={value!r} names a column, but no data was given to look it up "
                            f"in (pass the Results as the first argument, or pass an array)")
        if value == "t" and hasattr(data, "t") and not isinstance(data, Mapping):
            return as_array(data.t)
        try:
            return as_array(data[value])
        except (KeyError, IndexError) as exc:
            names = list(getattr(data, "names", None) or getattr(data, "columns", None) or [])
            hint = f"; available: {', '.join(map(str, names))}" if names else ""
            raise KeyError(f"{what}={value!r} is not in the data{hint}") from exc
    if value is None:
        raise TypeError(f"{what} is required")
    return as_array(value)
