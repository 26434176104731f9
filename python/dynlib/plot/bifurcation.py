"""Bifurcation diagrams: the points (parameter value, state value) of a sweep, as dots."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import as_array, get_ax, resolve
from ._primitives import _finish, _line_style

__all__ = ["bifurcation_diagram"]


def _sweep_points(sweep, var: str | None):
    """(p, y, var) of a SweepResult: a trajectory sweep gives every recorded sample of `var`
    (the extractor's .all()); a scalar sweep its one value per parameter value."""
    kind = getattr(sweep, "kind", None)
    if kind == "trajectory":
        record_vars = list(getattr(sweep, "record_vars", ()) or ())
        if var is None:
            if len(record_vars) != 1:
                raise ValueError(f"this trajectory sweep recorded {record_vars}; pass var= to pick "
                                 f"the variable to plot")
            var = record_vars[0]
        points = sweep.bifurcation(var).all()
        return as_array(points.p), as_array(points.y), var
    names = list(getattr(sweep, "output_names", ()) or ())
    if not names:
        raise ValueError(f"this {kind} sweep has no output to plot")
    if var is None:
        var = names[0]  # the sweep's main output: 'y' of scalar_sweep, 'mle' of lyapunov_mle_sweep
    if var not in names:
        raise KeyError(f"var={var!r} is not an output of this sweep; available: {', '.join(names)}")
    # scalar_sweep stores its variable as output 'y'; label the axis with the variable's name
    label = (sweep.meta or {}).get("var", var) if kind == "scalar" and var == "y" else var
    return as_array(sweep.values), as_array(sweep[var]), label


def _points(res: Any, var: str | None):
    """(p, y, x label, y label) from whatever bifurcation_diagram was given."""
    if hasattr(res, "p") and hasattr(res, "y"):  # BifurcationResult / BifurcationExtractor
        meta = getattr(res, "meta", None) or {}
        return (as_array(res.p), as_array(res.y), getattr(res, "param_name", None) or None,
                meta.get("var"))
    if hasattr(res, "kind") and hasattr(res, "values") and hasattr(res, "param_name"):
        p_values, y_values, var = _sweep_points(res, var)
        return p_values, y_values, res.param_name or None, var
    if isinstance(res, (tuple, list)) and len(res) == 2:
        return as_array(res[0]), as_array(res[1]), None, None
    columns = list(res.columns) if hasattr(res, "columns") else (
        list(res) if isinstance(res, Mapping) else None)
    if columns is not None:  # a table of points, e.g. `dynlib bifurcation --out` read by pandas
        if len(columns) != 2:
            raise ValueError(f"a table of bifurcation points needs two columns (parameter, "
                             f"variable); got {columns}")
        p_name, y_name = (str(c) for c in columns)
        if var is not None and var != y_name:
            if var != p_name:
                raise KeyError(f"var={var!r} is not a column; columns: {p_name}, {y_name}")
            p_name, y_name = y_name, p_name
        return (resolve(res, p_name, what="parameter"), resolve(res, y_name, what="var"),
                p_name, y_name)
    raise TypeError("bifurcation_diagram takes a BifurcationResult (sweep.bifurcation('x') or "
                    "one of its .tail()/.final()/.extrema()/.poincare()), a SweepResult, a "
                    f"two-column table, or a (p, y) pair of arrays; got {type(res).__name__}")


def _matched(p_values: np.ndarray, y_values: np.ndarray):
    """p and y as equal-length flat arrays. Besides equal shapes, a 1-D p of M parameter values
    pairs with a 2-D y holding M rows (run_batch's b['x']) or M columns (a sweep's res['x'])."""
    if p_values.shape == y_values.shape:
        return p_values.ravel(), y_values.ravel()
    if p_values.ndim == 1 and y_values.ndim == 2:
        if y_values.shape[0] == p_values.size:
            return np.repeat(p_values, y_values.shape[1]), y_values.ravel()
        if y_values.shape[1] == p_values.size:
            return np.tile(p_values, y_values.shape[0]), y_values.ravel()
    raise ValueError(f"p and y must have the same shape (or y be 2-D with one row or column per p "
                     f"value); got p {p_values.shape} and y {y_values.shape}")


def bifurcation_diagram(
    res,
    *,
    var: str | None = None,
    label: str | None = None,
    color: str | None = None,
    marker: str | None = None,
    ms: float | None = None,
    lw: float | None = None,
    ls: str | None = None,
    alpha: float | None = None,
    xlim=None,
    ylim=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    legend: bool = True,
    xlabel_rot: float | None = None,
    ylabel_rot: float | None = None,
    ax=None,
    xpad: float | None = None,
    ypad: float | None = None,
    titlepad: float | None = None,
    xlabel_fs: float | None = None,
    ylabel_fs: float | None = None,
    title_fs: float | None = None,
    xtick_fs: float | None = None,
    ytick_fs: float | None = None,
    vlines=None,
    vlines_color: str | None = None,
    vlines_kwargs: dict[str, Any] | None = None,
):
    """Draw a bifurcation diagram as unconnected dots and return the Axes.

    `res` is a BifurcationResult or BifurcationExtractor (`sweep.bifurcation("x")`, `.tail(n)`,
    `.extrema()`, ...), a SweepResult (a trajectory sweep plots every recorded sample of `var`,
    which may be omitted when only one was recorded; a scalar or Lyapunov sweep plots its output
    `var`, default its first, against the swept values), a table of two columns (parameter,
    variable; a DataFrame such as `dynlib bifurcation --out` read back, or a mapping; `var`
    names the variable column when the order differs), or a pair `(p, y)` of arrays (y may
    also be 2-D with one row or column per p value). Axis labels default to the parameter's and the variable's names.

    Dots default to pixel markers (`marker=","`, `ms=0.5`, `alpha=0.5`); `label` adds a legend
    entry. `vlines` marks parameter values: a list of x or `(x, "text")`, styled by
    `vlines_color` and `vlines_kwargs` (line keywords plus label_position 'top'/'bottom'/
    'center', placement_pad, label_pad, label_rotation, label_color).
    """
    p_values, y_values, p_name, y_name = _points(res, var)
    p_values, y_values = _matched(p_values, y_values)
    xlabel = p_name if xlabel is None else xlabel
    ylabel = y_name if ylabel is None else ylabel

    plot_ax = get_ax(ax)
    # pixel dots by default: thousands of points per parameter value must not merge into blots
    style = _line_style(None, color=color, lw=lw, ls=ls,
                        marker="," if marker is None else marker, ms=0.5 if ms is None else ms,
                        alpha=0.5 if alpha is None else alpha)
    style.setdefault("linestyle", "")  # dots only: consecutive points belong to different runs
    plot_ax.plot(p_values, y_values, label=label, **style)
    _finish(plot_ax, dict(
        xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title, xpad=xpad, ypad=ypad,
        titlepad=titlepad, xlabel_fs=xlabel_fs, ylabel_fs=ylabel_fs, title_fs=title_fs,
        xlabel_rot=xlabel_rot, ylabel_rot=ylabel_rot, xtick_fs=xtick_fs, ytick_fs=ytick_fs,
        vlines=vlines, vlines_color=vlines_color, vlines_kwargs=vlines_kwargs),
        label=label, legend=legend)
    return plot_ax
