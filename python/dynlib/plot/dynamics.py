"""Plots of a map's dynamics: the cobweb (staircase) diagram of a 1-D map."""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ._common import get_ax
from ._model_eval import model_point
from ._primitives import _finish, _line_style

__all__ = ["cobweb"]


def _takes_two_arguments(function) -> bool:
    try:
        inspect.signature(function).bind(0.0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature available (some builtins): assume f(x)
        return False
    return True


def _callable_step(function, r):
    """g(k, x) for a plain callable f(x), or f(x, r) when r is given and f takes two arguments
    (decided from the signature, so a TypeError inside f is not swallowed)."""
    if r is not None and _takes_two_arguments(function):
        return lambda _k, x: function(x, float(r))
    return lambda _k, x: function(x)


def _model_step(obj, *, state, fixed, r, t0, dt):
    """g(k, x) iterating one state of a map model through model.rhs, the others frozen."""
    point = model_point(obj, what="cobweb")
    if point.kind != "map":
        raise TypeError(f"cobweb needs a discrete map; model '{point.model.spec.name}' is an "
                        f"{point.kind.upper()}")
    target = point.state_position(state, what="cobweb")
    base_state, params = point.with_overrides(fixed, None, fixed_may_name_params=True,
                                              what="cobweb")
    if r is not None and "r" in point.param_names:
        params["r"] = float(r)
    rhs = point.model.rhs
    start = point.t0 if t0 is None else float(t0)

    def step(k, x):
        y = base_state.copy()
        y[target] = x
        return rhs(start + k * dt, y, params)[target]

    return step


def _finite_range(values: np.ndarray):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = 0.05 * (high - low if high > low else 1.0)
    return low - pad, high + pad


def cobweb(
    f: Any = None,
    *,
    x0: float,
    steps: int = 50,
    t0: float | None = None,
    dt: float = 1.0,
    state: str | int | None = None,
    fixed: dict[str, float] | None = None,
    r: float | None = None,
    xlim=None,
    ylim=None,
    ax=None,
    color: str | None = None,
    lw: float | None = None,
    ls: str | None = None,
    alpha: float | None = None,
    identity_color: str | None = None,
    stair_color: str | None = None,
    stair_lw: float | None = 0.5,
    stair_ls: str | None = None,
    xlabel: str | None = "x",
    ylabel: str | None = "f(x)",
    title: str | None = None,
    legend: bool = True,
    xlabel_rot: float | None = None,
    ylabel_rot: float | None = None,
    xpad: float | None = None,
    ypad: float | None = None,
    titlepad: float | None = None,
    xlabel_fs: float | None = None,
    ylabel_fs: float | None = None,
    title_fs: float | None = None,
    xtick_fs: float | None = None,
    ytick_fs: float | None = None,
):
    """Cobweb diagram of a 1-D map: its graph y = f(x), the diagonal y = x, and the staircase of
    the orbit of `x0` over `steps` iterations. Returns the Axes.

    `f` (positional or keyword) is a callable `f(x)` (or `f(x, r)`, given `r`), or a map model: a
    Sim (its current state and params), a FullModel (its defaults) or a URI, evaluated by
    `model.rhs` at time t0 + k*dt (t0 defaults to the model's). With several states, `state`
    (name or index) picks the one iterated; the others stay at their values, overridden by
    `fixed` ({name: value} of states or params; 'state__x' / 'param__a' disambiguate). `r`
    overrides a param named r. The graph is sampled on `xlim` (default: the orbit's range plus
    5%); `ylim` defaults to `xlim`.
    """
    if f is None:
        raise TypeError("cobweb needs f: a callable f(x), or a map model (Sim, FullModel or URI)")
    if callable(f) and not hasattr(f, "spec") and not hasattr(f, "model"):
        step = _callable_step(f, r)
    else:
        step = _model_step(f, state=state, fixed=fixed, r=r, t0=t0, dt=float(dt))

    orbit = np.empty(int(steps) + 1)
    orbit[0] = float(x0)
    for k in range(int(steps)):
        orbit[k + 1] = float(np.asarray(step(k, orbit[k])).reshape(-1)[0])

    auto_low, auto_high = _finite_range(orbit)
    xlim = (auto_low, auto_high) if xlim is None else (
        auto_low if xlim[0] is None else xlim[0], auto_high if xlim[1] is None else xlim[1])
    ylim = tuple(xlim) if ylim is None else (
        xlim[0] if ylim[0] is None else ylim[0], xlim[1] if ylim[1] is None else ylim[1])

    # the graph at the first iteration's time (a time-dependent map changes with k)
    xs = np.linspace(float(xlim[0]), float(xlim[1]), 400)
    graph = np.array([float(np.asarray(step(0, x)).reshape(-1)[0]) for x in xs])

    plot_ax = get_ax(ax)
    curve_style = _line_style(None, color=color, lw=lw, ls=ls, alpha=alpha)
    curve_style.update(marker="")  # the graph is a curve whatever the theme's marker
    curve_style.pop("markersize", None)
    plot_ax.plot(xs, graph, label="f(x)", **curve_style)
    plot_ax.plot(xs, xs, label="y = x", linestyle="--",
                 color=identity_color if identity_color is not None else "gray")

    stair_style = {"color": stair_color or curve_style.get("color", "black"),
                   "linewidth": float(stair_lw) if stair_lw is not None
                   else curve_style.get("linewidth", 0.5)}
    if stair_ls is not None or "linestyle" in curve_style:
        stair_style["linestyle"] = stair_ls if stair_ls is not None else curve_style["linestyle"]
    # one polyline (x0,x0) -> (x0,x1) -> (x1,x1) -> (x1,x2) ... : vertical to the graph,
    # horizontal to the diagonal
    stair_x = np.repeat(orbit, 2)[:-1]
    stair_y = np.concatenate(([orbit[0]], np.repeat(orbit[1:], 2)))
    plot_ax.plot(stair_x, stair_y, **stair_style)

    _finish(plot_ax, dict(
        xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title, xpad=xpad, ypad=ypad,
        titlepad=titlepad, xlabel_fs=xlabel_fs, ylabel_fs=ylabel_fs, title_fs=title_fs,
        xlabel_rot=xlabel_rot, ylabel_rot=ylabel_rot, xtick_fs=xtick_fs, ytick_fs=ytick_fs),
        label=True, legend=legend)
    return plot_ax
