"""The basic plots: time series (`series`), phase portraits (`phase`), histograms and images
(`utils`) and invariant manifolds drawn as segments (`manifold`).

Every function takes its data either as arrays by keyword, exactly like the reference dynlib
(`series.line(x=t, y=v)`), or as a result object first and column names
(`series.line(res, x="t", y="x")`, `phase.xy(res, x="x", y="y")`): a Results, a SweepResult, a
pandas DataFrame or any mapping. It draws on `ax=` (or on a new figure) and returns that Axes.

Common keywords (all functions):
  style       a preset name ("continuous"/"cont"/"flow"/"line": lines; "discrete"/"map"/"scatter":
              markers only; "mixed"/"connected": both) or a dict of matplotlib line properties
  color, lw, ls, marker, ms, alpha   override the style; what is left comes from the theme
  label, legend                      a legend entry, and whether to draw the legend
  xlim, ylim, xlabel, ylabel, title  axes limits and texts (a column name given as a string is
                                     the default axis label)
  xpad, ypad, titlepad, xlabel_fs, ylabel_fs, title_fs, xtick_fs, ytick_fs, xlabel_rot, ylabel_rot
                                     label paddings, font sizes and rotations
  vlines, hlines     reference lines at values, or (value, "text") pairs; vlines_color /
                     hlines_color; vlines_kwargs / hlines_kwargs: line properties plus
                     label_position ('top'/'bottom'/'center' resp. 'right'/'left'/'center'),
                     placement_pad, label_pad, label_rotation, label_color
  vbands, hbands     shaded spans (start, end) or (start, end, color)
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _theme
from ._common import as_array, get_ax, resolve

__all__ = ["series", "phase", "utils", "manifold", "STYLE_PRESETS"]

# Presets fix only what is drawn (line and/or markers); widths and sizes come from the theme.
_LINES = {"linestyle": "-", "marker": ""}
_MARKERS = {"linestyle": "", "marker": "o"}
_BOTH = {"linestyle": "-", "marker": "o"}
STYLE_PRESETS: dict[str, dict[str, Any]] = {
    "continuous": _LINES, "cont": _LINES, "flow": _LINES, "line": _LINES,
    "discrete": _MARKERS, "map": _MARKERS, "scatter": _MARKERS,
    "mixed": _BOTH, "connected": _BOTH,
}

# short style keywords -> matplotlib Line2D property names
_SHORT_KEYS = {"lw": "linewidth", "ls": "linestyle", "ms": "markersize", "c": "color"}

# The axis decoration keywords every 2-D function takes (see the module docstring).
_DECOR_ORDER = (
    "xlim", "ylim", "xlabel", "ylabel", "title",
    "vlines", "vlines_color", "vlines_kwargs", "vbands",
    "hlines", "hlines_color", "hlines_kwargs", "hbands",
    "xlabel_rot", "ylabel_rot", "xpad", "ypad", "titlepad",
    "xlabel_fs", "ylabel_fs", "title_fs", "xtick_fs", "ytick_fs",
)
_DECOR_KEYS = frozenset(_DECOR_ORDER)


def _with_decor_keywords(function):
    """List the shared axis keywords in the signature that help() and editors show, although the
    function receives them through **decor (all default to None)."""
    signature = inspect.signature(function)
    params = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
               for name in _DECOR_ORDER]
    function.__signature__ = signature.replace(parameters=params)
    return function


# ---------------------------------------------------------------------------------------------
# data

def _is_record(data) -> bool:
    """Result objects that keep their arrays as attributes and cannot be indexed by name (e.g.
    a BifurcationResult: p, y, t, run)."""
    return data is not None and not hasattr(type(data), "__getitem__")


def _attribute(data, name: str, what: str):
    if hasattr(data, name) and not callable(getattr(data, name)):
        return getattr(data, name)
    fields = list(getattr(data, "__dataclass_fields__", {}))
    if not fields and hasattr(data, "__dict__"):
        fields = [f for f in vars(data) if not f.startswith("_")]
    hint = f"; available: {', '.join(fields)}" if fields else ""
    raise KeyError(f"{what}={name!r} is not a field of {type(data).__name__}{hint}")


def _values(data, value, what: str) -> np.ndarray:
    """An array from an array-like or from a column name of `data`."""
    if isinstance(value, str) and data is not None:
        if value == "t" and _time_attribute(data):
            return as_array(data.t)
        if _is_record(data):
            return as_array(_attribute(data, value, what))
    return resolve(data, value, what=what)


def _raw(data, value, what: str):
    """`value`, or `data[value]` when it is a name, without forcing one rectangular array (sweeps
    of adaptive runs give a list of arrays of different lengths)."""
    if isinstance(value, str):
        if data is None:
            return resolve(data, value, what=what)  # raises the shared "no data given" error
        if value == "t" and _time_attribute(data):
            return data.t  # Results and sweeps keep "t" apart from their columns
        if _is_record(data):
            return _attribute(data, value, what)
        try:
            return data[value]
        except (KeyError, IndexError):
            return resolve(data, value, what=what)  # raises with the available names
    if value is None:
        raise TypeError(f"{what} is required")
    return value


def _time_attribute(data) -> bool:
    """Whether data keeps its times as a `.t` attribute rather than as a "t" column."""
    if isinstance(data, Mapping) and "t" in data:
        return False
    return hasattr(data, "t") and not callable(getattr(data, "t"))


def _default_x(data, x):
    """Time series plot against "t" when a result object is given without x."""
    if x is None and data is not None and (_time_attribute(data) or
                                           (isinstance(data, Mapping) and "t" in data)):
        return "t"
    return x


def _name_label(value, explicit):
    """The axis label: the explicit one, else the column name when `value` was a name."""
    if explicit is not None:
        return explicit
    return value if isinstance(value, str) else None


def _check_same_length(what_x: str, x: np.ndarray, what_y: str, y: np.ndarray) -> None:
    if np.shape(x)[:1] != np.shape(y)[:1]:
        raise ValueError(f"{what_x} and {what_y} differ in length: {what_x} has shape "
                         f"{np.shape(x)}, {what_y} has shape {np.shape(y)}")


def _sweep_labels(data, count: int) -> list[str] | None:
    """'param=value' labels when `data` is a sweep with one value per series."""
    param = getattr(data, "param_name", None)
    values = getattr(data, "values", None)
    if param is None or values is None or callable(values):
        return None
    values = np.asarray(values).ravel()
    if values.size != count:
        return None
    return [f"{param}={v:g}" if np.issubdtype(values.dtype, np.number) else f"{param}={v}"
            for v in values]


# ---------------------------------------------------------------------------------------------
# styles

def _line_style(style, *, color=None, lw=None, ls=None, marker=None, ms=None, alpha=None,
                theme_defaults: bool = True) -> dict[str, Any]:
    """Line2D keywords: the preset or dict, then explicit overrides, then theme defaults."""
    kw: dict[str, Any] = {}
    if isinstance(style, str):
        if style not in STYLE_PRESETS:
            raise ValueError(f"unknown style preset {style!r}; available: "
                             f"{', '.join(sorted(STYLE_PRESETS))}")
        kw.update(STYLE_PRESETS[style])
    elif isinstance(style, Mapping):
        kw.update({_SHORT_KEYS.get(k, k): v for k, v in style.items()})
    elif style is not None:
        raise TypeError(f"style must be a preset name or a dict, not {type(style).__name__}")
    for key, value in (("color", color), ("linewidth", lw), ("linestyle", ls),
                       ("marker", marker), ("markersize", ms), ("alpha", alpha)):
        if value is not None:
            kw[key] = value
    if theme_defaults:
        kw.setdefault("linewidth", float(_theme.get("line_w")))
        kw.setdefault("markersize", float(_theme.get("marker_size")))
        if _theme.get("marker"):
            kw.setdefault("marker", _theme.get("marker"))
        if _theme.get("alpha") is not None:
            kw.setdefault("alpha", _theme.get("alpha"))
    return kw


def _mapping_style(style: Mapping[str, Any] | None) -> dict[str, Any]:
    """Line2D keywords from a per-series style dict (short or long keys); an empty dict leaves
    everything to matplotlib's rcParams (which the theme sets)."""
    if not style:
        return {}
    if not isinstance(style, Mapping):
        raise TypeError(f"a series style must be a dict, not {type(style).__name__}")
    return _line_style(dict(style))


# ---------------------------------------------------------------------------------------------
# axes decoration

def _pad(pad: float, span: float) -> float:
    """Paddings below 1 are fractions of the axis span, others are data units."""
    return pad * span if abs(pad) < 1.0 else pad


def _reference_lines(ax, items, options: Mapping[str, Any] | None, vertical: bool) -> None:
    opts = {"color": "black", "linestyle": "--", "linewidth": 1.0, "alpha": 0.7,
            **{_SHORT_KEYS.get(k, k): v for k, v in dict(options or {}).items()}}
    label_keys = {"label_position", "placement_pad", "label_pad", "label_rotation", "label_color"}
    line_kw = {k: v for k, v in opts.items() if k not in label_keys}
    which = "vline" if vertical else "hline"
    position = opts.get("label_position", "top" if vertical else "right")
    placement = float(opts.get("placement_pad", _theme.get(f"{which}_label_placement_pad")))
    offset = float(opts.get("label_pad", _theme.get(f"{which}_label_pad")))
    rotation = opts.get("label_rotation", 90 if vertical else 0)
    text_color = opts.get("label_color", line_kw.get("color"))
    allowed = ("top", "bottom", "center") if vertical else ("right", "left", "center")
    if position not in allowed:
        raise ValueError(f"{which}s label_position must be one of {', '.join(allowed)}, "
                         f"got {position!r}")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for item in items:
        if isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise ValueError(f"{which}s entries are values or (value, label) pairs, got {item!r}")
            value, text = float(item[0]), str(item[1])
        else:
            value, text = float(item), ""
        (ax.axvline if vertical else ax.axhline)(value, **line_kw)
        if not text:
            continue
        if vertical:
            along = {"top": y1 - _pad(placement, y1 - y0), "bottom": y0 + _pad(placement, y1 - y0),
                     "center": 0.5 * (y0 + y1)}[position]
            va = {"top": "top", "bottom": "bottom", "center": "center"}[position]
            ax.text(value + _pad(offset, x1 - x0), along, text, rotation=rotation, ha="center",
                    va=va, color=text_color, clip_on=True, rotation_mode="anchor")
        else:
            along = {"right": x1 - _pad(placement, x1 - x0), "left": x0 + _pad(placement, x1 - x0),
                     "center": 0.5 * (x0 + x1)}[position]
            ha = {"right": "right", "left": "left", "center": "center"}[position]
            ax.text(along, value + _pad(offset, y1 - y0), text, rotation=rotation, ha=ha,
                    va="center", color=text_color, clip_on=True, rotation_mode="anchor")


def _bands(ax, bands, vertical: bool) -> None:
    name = "vbands" if vertical else "hbands"
    for band in bands:
        if len(band) not in (2, 3):
            raise ValueError(f"{name} entries are (start, end) or (start, end, color), got {band!r}")
        start, end = float(band[0]), float(band[1])
        color = band[2] if len(band) == 3 else "C0"
        if not start < end:
            raise ValueError(f"{name} entry {band!r}: start must be less than end")
        (ax.axvspan if vertical else ax.axhspan)(start, end, color=color, alpha=0.1)


def _check_decor(function: str, decor: Mapping[str, Any], allowed=_DECOR_KEYS) -> None:
    unknown = sorted(set(decor) - allowed)
    if unknown:
        raise TypeError(f"{function}() got unexpected keyword argument(s): {', '.join(unknown)}")


def _finish(ax, decor: Mapping[str, Any], *, label=None, legend=False) -> None:
    """Legend, limits, labels, theme ticks and margins, reference lines/bands, font sizes."""
    if label and legend:
        ax.legend()
    if decor.get("xlim") is not None:
        ax.set_xlim(decor["xlim"])
    if decor.get("ylim") is not None:
        ax.set_ylim(decor["ylim"])
    for axis, text_key, pad_key, fs_key in (("x", "xlabel", "xpad", "xlabel_fs"),
                                            ("y", "ylabel", "ypad", "ylabel_fs")):
        if decor.get(text_key) is not None:
            kw = {}
            if decor.get(pad_key) is not None:
                kw["labelpad"] = float(decor[pad_key])
            if decor.get(fs_key) is not None:
                kw["fontsize"] = float(decor[fs_key])
            getattr(ax, f"set_{axis}label")(decor[text_key], **kw)
    if decor.get("title") is not None:
        kw = {}
        if decor.get("titlepad") is not None:
            kw["pad"] = float(decor["titlepad"])
        if decor.get("title_fs") is not None:
            kw["fontsize"] = float(decor["title_fs"])
        ax.set_title(decor["title"], **kw)
    _theme_ticks(ax)
    ax.margins(x=float(_theme.get("xmargin")), y=float(_theme.get("ymargin")))
    _bands(ax, decor.get("vbands") or (), vertical=True)
    _bands(ax, decor.get("hbands") or (), vertical=False)
    for vertical, key in ((True, "vlines"), (False, "hlines")):
        if decor.get(key) is not None:
            options = dict(decor.get(f"{key}_kwargs") or {})
            if decor.get(f"{key}_color") is not None:
                options["color"] = decor[f"{key}_color"]
            _reference_lines(ax, decor[key], options, vertical)
    for axis in ("x", "y"):
        rotation = float(_theme.get(f"tick_label_rot_{axis}"))
        if rotation:
            ax.tick_params(axis=axis, labelrotation=rotation)
        if decor.get(f"{axis}tick_fs") is not None:
            ax.tick_params(axis=axis, labelsize=float(decor[f"{axis}tick_fs"]))
        if decor.get(f"{axis}label_rot") is not None:
            getattr(ax, f"{axis}axis").label.set_rotation(float(decor[f"{axis}label_rot"]))


def _theme_ticks(ax) -> None:
    from matplotlib.ticker import AutoMinorLocator, MaxNLocator

    tick_n = int(_theme.get("tick_n"))
    minor = bool(_theme.get("minor_ticks"))
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() != "linear":  # log/symlog axes keep their own locators
            continue
        if tick_n > 0:
            axis.set_major_locator(MaxNLocator(nbins=tick_n))
        if minor:
            axis.set_minor_locator(AutoMinorLocator())


# ---------------------------------------------------------------------------------------------
# time series

class _Series:
    """Plots of values against time (or any independent variable)."""

    @_with_decor_keywords
    def line(self, data=None, *, x=None, y=None, label: str | None = None,
             style: str | dict | None = "continuous", color=None, lw=None, ls=None, marker=None,
             ms=None, alpha=None, legend: bool = True, ax=None, **decor):
        """y against x as a line (or markers, with style="discrete"). With a result object first,
        x and y may be names; x defaults to "t"."""
        _check_decor("series.line", decor)
        x, xs, ys = self._xy(data, x, y)
        plot_ax = get_ax(ax)
        plot_ax.plot(xs, ys, label=label, **_line_style(style, color=color, lw=lw, ls=ls,
                                                         marker=marker, ms=ms, alpha=alpha))
        _finish(plot_ax, self._labels(decor, x, y), label=label, legend=legend)
        return plot_ax

    @_with_decor_keywords
    def stem(self, data=None, *, x=None, y=None, label: str | None = None,
             style: str | dict | None = None, color=None, lw=None, marker=None, ms=None,
             alpha=None, legend: bool = True, ax=None, **decor):
        """A stem plot: a vertical line from 0 to each value, with a marker on top."""
        _check_decor("series.stem", decor)
        x, xs, ys = self._xy(data, x, y)
        plot_ax = get_ax(ax)
        kw = _line_style(style, color=color, lw=lw, marker=marker, ms=ms, alpha=alpha)
        # each stem plot takes the next colour of the cycle, like a line would
        kw.setdefault("color", f"C{len(plot_ax.containers) % 10}")
        markers, stems, _baseline = plot_ax.stem(xs, ys, basefmt=" ")
        markers.set_color(kw["color"])
        markers.set_marker(kw.get("marker") or "o")
        markers.set_markersize(kw["markersize"])
        stems.set_color(kw["color"])
        stems.set_linewidth(kw["linewidth"])
        if kw.get("alpha") is not None:
            markers.set_alpha(kw["alpha"])
            stems.set_alpha(kw["alpha"])
        if label:
            markers.set_label(label)
        _finish(plot_ax, self._labels(decor, x, y), label=label, legend=legend)
        return plot_ax

    @_with_decor_keywords
    def step(self, data=None, *, x=None, y=None, label: str | None = None,
             style: str | dict | None = None, color=None, lw=None, ls=None, marker=None,
             ms=None, alpha=None, where: str = "post", legend: bool = True, ax=None, **decor):
        """A staircase: each value is held until the next x (where="post"; "pre"/"mid" too)."""
        _check_decor("series.step", decor)
        x, xs, ys = self._xy(data, x, y)
        plot_ax = get_ax(ax)
        plot_ax.step(xs, ys, where=where, label=label,
                     **_line_style(style, color=color, lw=lw, ls=ls, marker=marker, ms=ms,
                                   alpha=alpha))
        _finish(plot_ax, self._labels(decor, x, y), label=label, legend=legend)
        return plot_ax

    @_with_decor_keywords
    def multi(self, data=None, *, x=None, y=None, names: Sequence[str] | None = None,
              styles: Mapping[str, Mapping[str, Any]] | None = None, legend: bool = False,
              ax=None, **decor):
        """Several series against one x, one line each, labelled by name.

        y: {name: values}; [(name, values) or (name, values, style)]; a 1-D or 2-D array (one
        series per column, named by `names` or y0, y1, ...); a list of arrays; with a result
        object, a name or list of names (a sweep's variable gives one series per sweep value,
        labelled "param=value"). styles: {name: {color, lw, ls, marker, ms, alpha}}.
        """
        _check_decor("series.multi", decor)
        x = _default_x(data, x)
        entries = self._entries(data, y, names)
        xs = _raw(data, x, "x")
        per_run_t = getattr(data, "t_all", None) if isinstance(x, str) and x == "t" else None
        # a list of arrays gives each series its own x (e.g. a ragged sweep's per-run times)
        per_series_x = isinstance(xs, (list, tuple)) and len(xs) > 0 and np.ndim(xs[0]) >= 1
        if per_series_x and len(xs) != len(entries):
            raise ValueError(f"series.multi: x has {len(xs)} arrays for {len(entries)} series")
        plot_ax = get_ax(ax)
        for index, (name, values, inline_style) in enumerate(entries):
            ys = as_array(values)
            xv = as_array(xs[index]) if per_series_x else as_array(xs)
            if np.shape(xv)[:1] != np.shape(ys)[:1] and per_run_t is not None \
                    and len(per_run_t) == len(entries):
                xv = as_array(per_run_t[index])  # adaptive sweep runs: each run has its times
            _check_same_length("x", xv, f"series {name!r}", ys)
            style = {**dict((styles or {}).get(name, {})), **dict(inline_style or {})}
            plot_ax.plot(xv, ys, label=name, **_mapping_style(style))
        _finish(plot_ax, self._labels(decor, x, None), label=bool(entries), legend=legend)
        return plot_ax

    # -- helpers --
    @staticmethod
    def _xy(data, x, y):
        x = _default_x(data, x)
        if x is None:
            raise TypeError("x is required (or pass a result object first, then x defaults to 't')")
        xs, ys = _values(data, x, "x"), _values(data, y, "y")
        _check_same_length("x", xs, "y", ys)
        return x, xs, ys

    @staticmethod
    def _labels(decor, x, y):
        decor = dict(decor)
        decor["xlabel"] = _name_label(x, decor.get("xlabel"))
        decor["ylabel"] = _name_label(y, decor.get("ylabel"))
        return decor

    @staticmethod
    def _entries(data, y, names):
        """[(name, values, style)] from any of the accepted forms of y."""
        if y is None:
            raise TypeError("y is required")
        if isinstance(y, str) or (isinstance(y, (list, tuple)) and y
                                  and all(isinstance(v, str) for v in y)):
            picked = [y] if isinstance(y, str) else list(y)
            values = [_raw(data, name, "y") for name in picked]
            if len(picked) == 1 and (isinstance(values[0], list) or np.ndim(values[0]) == 2):
                # one sweep variable: a [samples, runs] array or a list of runs
                runs = values[0] if isinstance(values[0], list) else list(np.asarray(values[0]).T)
                labels = (list(names) if names is not None
                          else _sweep_labels(data, len(runs)) or [f"{y}{i}" for i in range(len(runs))])
                if len(labels) != len(runs):
                    raise ValueError(f"names has {len(labels)} entries for {len(runs)} series")
                return [(label, run, None) for label, run in zip(labels, runs)]
            labels = list(names) if names is not None else picked
            if len(labels) != len(picked):
                raise ValueError(f"names has {len(labels)} entries for {len(picked)} series")
            return [(label, value, None) for label, value in zip(labels, values)]
        if isinstance(y, Mapping):
            return [(str(k), _raw(data, v, f"y[{k!r}]"), None) for k, v in y.items()]
        if isinstance(y, np.ndarray) or hasattr(y, "to_numpy"):
            arr = as_array(y)
            if arr.ndim == 1:
                return [((names or ["y"])[0], arr, None)]
            if arr.ndim != 2:
                raise ValueError(f"series.multi: an array y must be 1-D or 2-D, got shape {arr.shape}")
            if names is not None and len(names) != arr.shape[1]:
                raise ValueError(f"names has {len(names)} entries but y has {arr.shape[1]} columns")
            labels = list(names) if names is not None else [f"y{j}" for j in range(arr.shape[1])]
            return [(label, arr[:, j], None) for j, label in enumerate(labels)]
        if isinstance(y, (list, tuple)) and y and all(isinstance(v, tuple) for v in y):
            entries = []
            for entry in y:
                if len(entry) not in (2, 3):
                    raise ValueError(f"series.multi: y entries are (name, values) or "
                                     f"(name, values, style), got {len(entry)} items")
                style = entry[2] if len(entry) == 3 else None
                if style is not None and not isinstance(style, Mapping):
                    raise TypeError("series.multi: the style of a y entry must be a dict")
                entries.append((str(entry[0]), _raw(data, entry[1], f"y[{entry[0]!r}]"), style))
            return entries
        if isinstance(y, (list, tuple)):
            if names is not None and len(names) != len(y):
                raise ValueError(f"names has {len(names)} entries for {len(y)} series")
            labels = list(names) if names is not None else [f"y{i}" for i in range(len(y))]
            return [(label, values, None) for label, values in zip(labels, y)]
        raise TypeError(f"series.multi: unsupported y of type {type(y).__name__}")


# ---------------------------------------------------------------------------------------------
# phase space

def _equilibria(equil, data=None, x=None, y=None):
    """The points of `equil`: a list of points, or a FixedPointResult (its `points`; when x and
    y name states of `data`, those two coordinates, else the first two)."""
    if equil is None:
        return ()
    points = getattr(equil, "points", None)
    if points is None:
        return equil
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[0] == 0:
        return ()
    names = list(getattr(data, "state_names", None) or getattr(data, "names", None) or [])
    if isinstance(x, str) and isinstance(y, str) and x in names and y in names:
        return points[:, [names.index(x), names.index(y)]]
    if points.shape[1] == 1:
        return points[:, 0]  # one-dimensional maps: values on the diagonal
    return points[:, :2]


def _mark_points(ax, points, *, diagonal: bool = False) -> None:
    """Equilibria / fixed points as red dots; `diagonal` puts scalars at (v, v) (return maps)."""
    for point in points:
        if diagonal and np.ndim(point) == 0:
            px = py = float(point)
        else:
            px, py = np.asarray(point, dtype=float).ravel()[:2]
        ax.plot(px, py, marker="o", linestyle="None", color="red", markersize=8, zorder=10)


def _trajectories(values, what: str) -> list[np.ndarray]:
    """One 1-D array per trajectory from a list of arrays or a 2-D array. A 2-D array counts as
    [samples, trajectories] when it has at least as many rows as columns (the layout of sweep
    results), else as [trajectories, samples]."""
    if isinstance(values, (list, tuple)) and len(values) > 0 and np.ndim(values[0]) >= 1:
        return [as_array(v) for v in values]
    arr = as_array(values)
    if arr.ndim == 1:
        return [arr]
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 1-D, 2-D or a list of arrays, got shape {arr.shape}")
    return list(arr.T) if arr.shape[0] >= arr.shape[1] else list(arr)


class _Phase:
    """Trajectories in state space."""

    @_with_decor_keywords
    def xy(self, data=None, *, x=None, y=None, label: str | None = None,
           style: str | dict | None = "continuous", color=None, lw=None, ls=None, marker=None,
           ms=None, alpha=None, equil=None, legend: bool = True, ax=None, **decor):
        """y against x (a phase portrait); equil: points (x, y) to mark, or a FixedPointResult."""
        _check_decor("phase.xy", decor)
        xs, ys = _values(data, x, "x"), _values(data, y, "y")
        _check_same_length("x", xs, "y", ys)
        plot_ax = get_ax(ax)
        plot_ax.plot(xs, ys, label=label, **_line_style(style, color=color, lw=lw, ls=ls,
                                                         marker=marker, ms=ms, alpha=alpha))
        _mark_points(plot_ax, _equilibria(equil, data, x, y))
        _finish(plot_ax, _Series._labels(decor, x, y), label=label, legend=legend)
        return plot_ax

    def xyz(self, data=None, *, x=None, y=None, z=None, label: str | None = None,
            style: str | dict | None = "continuous", color=None, lw=None, ls=None, marker=None,
            ms=None, alpha=None, xlim=None, ylim=None, zlim=None, labels=None,
            title: str | None = None, legend: bool = True, ax=None, xpad=None, ypad=None,
            zpad=None, titlepad=None, xlabel_fs=None, ylabel_fs=None, zlabel_fs=None,
            title_fs=None, xtick_fs=None, ytick_fs=None, ztick_fs=None):
        """A 3-D trajectory on a 3-D Axes. labels: (xlabel, ylabel, zlabel) (names given as
        strings are the defaults); titlepad: the title's height in axes units (default 1.02)."""
        xs, ys, zs = _values(data, x, "x"), _values(data, y, "y"), _values(data, z, "z")
        _check_same_length("x", xs, "y", ys)
        _check_same_length("x", xs, "z", zs)
        plot_ax = get_ax(ax, projection="3d")
        if not hasattr(plot_ax, "set_zlim"):
            raise ValueError("phase.xyz needs a 3-D Axes (fig.single3D() or projection='3d')")
        plot_ax.plot(xs, ys, zs, label=label, **_line_style(style, color=color, lw=lw, ls=ls,
                                                             marker=marker, ms=ms, alpha=alpha))
        if label and legend:
            plot_ax.legend()
        for setter, limits in ((plot_ax.set_xlim, xlim), (plot_ax.set_ylim, ylim),
                               (plot_ax.set_zlim, zlim)):
            if limits is not None:
                setter(limits)
        given = tuple(labels) if labels is not None else (None, None, None)
        if len(given) != 3:
            raise ValueError(f"labels must be (xlabel, ylabel, zlabel), got {labels!r}")
        for axis, text, name, pad, fs in (("x", given[0], x, xpad, xlabel_fs),
                                          ("y", given[1], y, ypad, ylabel_fs),
                                          ("z", given[2], z, zpad, zlabel_fs)):
            text = _name_label(name, text)
            if text:
                kw = {}
                if pad is not None:
                    kw["labelpad"] = float(pad)
                if fs is not None:
                    kw["fontsize"] = float(fs)
                getattr(plot_ax, f"set_{axis}label")(text, **kw)
        if title:
            kw = {"y": 1.02 if titlepad is None else float(titlepad)}
            if title_fs is not None:
                kw["fontsize"] = float(title_fs)
            plot_ax.set_title(title, **kw)
        for axis, fs in (("x", xtick_fs), ("y", ytick_fs), ("z", ztick_fs)):
            if fs is not None:
                plot_ax.tick_params(axis=axis, labelsize=float(fs))
        return plot_ax

    @_with_decor_keywords
    def multi(self, data=None, *, x=None, y=None, labels: Sequence[str] | None = None,
              styles: Mapping[str, Mapping[str, Any]] | None = None, legend: bool = False,
              equil=None, ax=None, **decor):
        """Several phase trajectories on one Axes. x, y: lists of arrays, or 2-D arrays (see
        below), or names of a sweep result's variables (one trajectory per sweep value,
        labelled "param=value"). A 2-D array with at least as many rows as columns is read as
        [samples, trajectories] (the sweep layout), else as [trajectories, samples].
        styles: {label: {color, lw, ls, marker, ms, alpha}}."""
        _check_decor("phase.multi", decor)
        xs = _trajectories(_raw(data, x, "x"), "x")
        ys = _trajectories(_raw(data, y, "y"), "y")
        if len(xs) != len(ys):
            raise ValueError(f"phase.multi: x has {len(xs)} trajectories but y has {len(ys)}")
        if labels is None:
            names = _sweep_labels(data, len(xs)) or [f"traj{i}" for i in range(len(xs))]
        else:
            names = [str(label) for label in labels]
            if len(names) != len(xs):
                raise ValueError(f"phase.multi: {len(names)} labels for {len(xs)} trajectories")
        plot_ax = get_ax(ax)
        for name, xv, yv in zip(names, xs, ys):
            _check_same_length(f"x of {name!r}", xv, f"y of {name!r}", yv)
            plot_ax.plot(xv, yv, label=name, **_mapping_style((styles or {}).get(name)))
        _mark_points(plot_ax, _equilibria(equil, data, x, y))
        _finish(plot_ax, _Series._labels(decor, x, y), label=bool(names), legend=legend)
        return plot_ax

    @_with_decor_keywords
    def return_map(self, data=None, *, x=None, step: int = 1, label: str | None = None,
                   style: str | dict | None = "map", color=None, lw=None, ls=None, marker=None,
                   ms=None, alpha=None, equil=None, legend: bool = True, ax=None, **decor):
        """x[n + step] against x[n]; equil: fixed-point values (or a FixedPointResult) marked on the
        diagonal."""
        _check_decor("phase.return_map", decor)
        if int(step) < 1:
            raise ValueError(f"return_map: step must be >= 1, got {step}")
        step = int(step)
        values = _values(data, x, "x")
        if values.ndim != 1:
            raise ValueError(f"return_map: x must be one series (1-D), got shape {values.shape}")
        if values.size <= step:
            raise ValueError(f"return_map: the series has {values.size} values, needs more than "
                             f"step={step}")
        plot_ax = get_ax(ax)
        plot_ax.plot(values[:-step], values[step:], label=label,
                     **_line_style(style, color=color, lw=lw, ls=ls, marker=marker, ms=ms,
                                   alpha=alpha))
        _mark_points(plot_ax, _equilibria(equil, data, x, x), diagonal=True)
        name = x if isinstance(x, str) else "x"
        decor = dict(decor)
        if decor.get("xlabel") is None:
            decor["xlabel"] = f"${name}[n]$"
        if decor.get("ylabel") is None:
            decor["ylabel"] = f"${name}[n+1]$" if step == 1 else f"${name}[n+{step}]$"
        _finish(plot_ax, decor, label=label, legend=legend)
        return plot_ax


# ---------------------------------------------------------------------------------------------
# histograms and images

class _Utils:
    """Histograms and 2-D images."""

    @_with_decor_keywords
    def hist(self, data=None, *, y=None, bins: int = 50, density: bool = False,
             label: str | None = None, color=None, alpha=None, legend: bool = True, ax=None,
             **decor):
        """Histogram of y (`hist(values)`, `hist(y=values)` or `hist(res, y="x")`)."""
        _check_decor("utils.hist", decor)
        if y is None:
            if data is None:
                raise TypeError("utils.hist needs the values: hist(values) or hist(y=values)")
            values, name = as_array(data), None
        else:
            values, name = _values(data, y, "y"), y
        plot_ax = get_ax(ax)
        kw: dict[str, Any] = {"bins": bins, "density": density}
        for key, value in (("color", color), ("alpha", alpha), ("label", label)):
            if value is not None:
                kw[key] = value
        plot_ax.hist(values, **kw)
        decor = dict(decor)
        decor["xlabel"] = _name_label(name, decor.get("xlabel"))
        _finish(plot_ax, decor, label=label, legend=legend)
        return plot_ax

    @_with_decor_keywords
    def image(self, data=None, *, Z=None, extent=None, label: str | None = None, alpha=None,
              cmap=None, colorbar: bool = False, legend: bool = False, ax=None, **decor):
        """A 2-D array as an image, row 0 at the bottom (`image(Z)`, `image(Z=...)` or
        `image(result, Z="name")`); extent: [left, right, bottom, top] in data units. With
        colorbar=True the Colorbar is kept as `ax._last_colorbar`."""
        _check_decor("utils.image", decor)
        if Z is None:
            if data is None:
                raise TypeError("utils.image needs the array: image(Z) or image(Z=array)")
            values = as_array(data)
        else:
            values = _values(data, Z, "Z")
        if values.ndim not in (2, 3):
            raise ValueError(f"utils.image: Z must be a 2-D array (or RGB(A) image), got shape "
                             f"{values.shape}")
        plot_ax = get_ax(ax)
        kw: dict[str, Any] = {"aspect": "auto", "origin": "lower", "extent": extent}
        for key, value in (("alpha", alpha), ("label", label), ("cmap", cmap)):
            if value is not None:
                kw[key] = value
        image = plot_ax.imshow(values, **kw)
        _finish(plot_ax, decor, label=label, legend=legend)
        if colorbar:
            plot_ax._last_colorbar = plot_ax.figure.colorbar(image, ax=plot_ax)
        return plot_ax


# ---------------------------------------------------------------------------------------------
# manifolds

def _segments(value, what: str) -> list[np.ndarray]:
    """A list of [points, dims] arrays from one such array or a sequence of them."""
    if value is None:
        return []
    if isinstance(value, np.ndarray) or hasattr(value, "to_numpy"):
        arrays = [as_array(value)]
    elif isinstance(value, (list, tuple)):
        if value and np.ndim(value[0]) == 1 and all(np.ndim(v) == 1 for v in value) \
                and len({len(v) for v in value}) == 1 and not isinstance(value[0], np.ndarray):
            arrays = [as_array(value)]  # a list of points is one segment
        else:
            arrays = [as_array(seg) for seg in value]
    else:
        raise TypeError(f"{what} must be an array of points or a list of such arrays, not "
                        f"{type(value).__name__}")
    for index, seg in enumerate(arrays):
        if seg.ndim != 2:
            raise ValueError(f"{what}[{index}] must be a 2-D [points, dims] array, got shape "
                             f"{seg.shape}")
    return arrays


def _manifold_groups(data, segments, branches, result, groups, label):
    """[(segments, label, style)] from whichever input was given."""
    if data is not None:
        if any(v is not None for v in (segments, branches, result, groups)):
            raise TypeError("manifold: pass the data either first or as segments=/branches=/"
                            "result=/groups=, not both")
        if hasattr(data, "branches"):
            result = data
        else:
            segments = data
    if groups is not None:
        out = []
        for index, entry in enumerate(groups):
            if isinstance(entry, Mapping):
                if "segments" not in entry:
                    raise ValueError(f"manifold: groups[{index}] has no 'segments'")
                out.append((_segments(entry["segments"], f"groups[{index}]"),
                            entry.get("label"), entry.get("style")))
            elif isinstance(entry, (list, tuple)) and 1 <= len(entry) <= 3:
                out.append((_segments(entry[0], f"groups[{index}]"),
                            entry[1] if len(entry) > 1 else None,
                            entry[2] if len(entry) > 2 else None))
            else:
                raise TypeError(f"manifold: groups[{index}] must be a dict or a tuple "
                                f"(segments, label?, style?)")
        return out
    if result is not None:
        branches = getattr(result, "branches", None)
        if branches is None:
            raise TypeError(f"manifold: {type(result).__name__} has no 'branches' attribute")
        if label is None:
            label = getattr(result, "kind", None)
    if branches is not None:
        if isinstance(branches, np.ndarray) or not isinstance(branches, (list, tuple)):
            raise ValueError("manifold: branches must be a sequence of branches, each a list of "
                             "segments (e.g. the two sides of a manifold)")
        # one legend entry for the whole manifold: only the first branch carries the label
        return [(_segments(branch, f"branches[{index}]"), label if index == 0 else None, None)
                for index, branch in enumerate(branches)]
    if segments is None:
        raise TypeError("manifold: give the segments (first argument or segments=), "
                        "branches=, result= or groups=")
    return [(_segments(segments, "segments"), label, None)]


@_with_decor_keywords
def manifold(data=None, *, segments=None, branches=None, result=None, groups=None,
             components: tuple[int, int] = (0, 1), label: str | None = None,
             style: str | dict | None = "continuous", color=None, lw=None, ls=None, marker=None,
             ms=None, alpha=None, legend: bool = True, aspect=None, ax=None, **decor):
    """Draw 1-D manifolds given as segments (polylines of points).

    The data is one of: `segments` (a [points, dims] array or a list of them); `branches` (a
    sequence of branches, each a list of segments; the label goes on the first); `result` (an
    object with `.branches`, e.g. a manifold trace; its `.kind` is the default label); `groups`
    ([(segments, label, style)] or [{"segments", "label", "style"}]); or any of these as the first
    argument. `components` picks the two coordinates drawn. Without markers each group is one
    LineCollection; with markers each segment is a line.
    """
    _check_decor("manifold", decor)
    if len(components) != 2 or int(components[0]) == int(components[1]):
        raise ValueError(f"manifold: components must be two different indices, got {components!r}")
    c0, c1 = int(components[0]), int(components[1])
    plot_ax = get_ax(ax)
    base = _line_style(style, color=color, lw=lw, ls=ls, marker=marker, ms=ms, alpha=alpha)
    groups_list = _manifold_groups(data, segments, branches, result, groups, label)
    # all groups of one call share a colour unless a style says otherwise
    if "color" not in base:
        try:
            base["color"] = plot_ax._get_lines.get_next_color()  # private, but stable since 3.0
        except AttributeError:
            base["color"] = f"C{len(plot_ax.collections) % 10}"
    for segs, group_label, group_style in groups_list:
        segs = [seg for seg in segs if seg.shape[0] >= 2]
        for seg in segs:
            if seg.shape[1] <= max(c0, c1):
                raise ValueError(f"manifold: a segment has {seg.shape[1]} coordinates, fewer than "
                                 f"components={components!r} need")
        if not segs:
            continue
        kw = dict(base)
        if isinstance(group_style, str) or isinstance(group_style, Mapping):
            kw.update(_line_style(group_style, theme_defaults=False))
        elif group_style is not None:
            raise TypeError("manifold: a group style must be a preset name or a dict")
        if kw.get("marker") not in (None, "", "None", "none"):
            for index, seg in enumerate(segs):
                plot_ax.plot(seg[:, c0], seg[:, c1], label=group_label if index == 0 else None,
                             **kw)
        else:
            from matplotlib.collections import LineCollection

            lc_kw = {"colors": kw.get("color"), "linewidths": kw.get("linewidth")}
            if kw.get("linestyle") not in (None, "", "None", "none"):
                lc_kw["linestyles"] = kw["linestyle"]
            if kw.get("alpha") is not None:
                lc_kw["alpha"] = kw["alpha"]
            plot_ax.add_collection(LineCollection([seg[:, [c0, c1]] for seg in segs],
                                                  label=group_label, **lc_kw))
            plot_ax.autoscale_view()
    has_label = any(group_label for _segs, group_label, _style in groups_list)
    if aspect is not None:
        plot_ax.set_aspect(aspect)
    _finish(plot_ax, decor, label=has_label, legend=legend)
    return plot_ax


series = _Series()
phase = _Phase()
utils = _Utils()
