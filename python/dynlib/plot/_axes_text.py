"""Axis decoration shared by the analysis plots (bifurcation, basin, cobweb, vector fields):
limits, labels with their pads and font sizes, tick rotation and size, line style keywords and
labelled vertical marker lines. Theme tokens are read through `_common.theme_value`, so every
helper also works before a theme is chosen."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._common import theme_value


def style_kwargs(*, color=None, lw=None, ls=None, marker=None, ms=None, alpha=None,
                 defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """matplotlib Line2D keywords from the short names; `defaults` (same short names) fill what
    the caller left as None before the theme does."""
    defaults = dict(defaults or {})
    given = {"color": color, "lw": lw, "ls": ls, "marker": marker, "ms": ms, "alpha": alpha}
    theme_tokens = {"lw": "line_w", "marker": "marker", "ms": "marker_size", "alpha": "alpha"}
    long_names = {"color": "color", "lw": "linewidth", "ls": "linestyle", "marker": "marker",
                  "ms": "markersize", "alpha": "alpha"}
    kwargs: dict[str, Any] = {}
    for short, value in given.items():
        if value is None:
            value = defaults.get(short)
        if value is None and short in theme_tokens:
            value = theme_value(theme_tokens[short], None)
        if value is None or value == "":
            continue
        kwargs[long_names[short]] = float(value) if short in ("lw", "ms", "alpha") else value
    return kwargs


def apply_limits(ax, *, xlim=None, ylim=None) -> None:
    """Set the limits that were given; a None end keeps matplotlib's automatic value."""
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)


def apply_text(ax, *, xlabel=None, ylabel=None, title=None, xpad=None, ypad=None, titlepad=None,
               xlabel_fs=None, ylabel_fs=None, title_fs=None, xlabel_rot=None, ylabel_rot=None,
               xtick_fs=None, ytick_fs=None) -> None:
    """Axis labels and title (pads and font sizes default to the theme's), the labels'
    rotation, and the tick labels' font size and the theme's tick rotation."""
    label_pad = theme_value("label_pad", None)
    label_fs = theme_value("fontsize_label", None)

    def _text_kwargs(pad, fs, pad_name):
        kwargs = {}
        if pad is not None:
            kwargs[pad_name] = float(pad)
        if fs is not None:
            kwargs["fontsize"] = float(fs)
        return kwargs

    if xlabel is not None:
        ax.set_xlabel(xlabel, **_text_kwargs(xpad if xpad is not None else label_pad,
                                             xlabel_fs if xlabel_fs is not None else label_fs,
                                             "labelpad"))
    if ylabel is not None:
        ax.set_ylabel(ylabel, **_text_kwargs(ypad if ypad is not None else label_pad,
                                             ylabel_fs if ylabel_fs is not None else label_fs,
                                             "labelpad"))
    if title is not None:
        ax.set_title(title, **_text_kwargs(titlepad, title_fs if title_fs is not None
                                           else theme_value("fontsize_title", None), "pad"))
    if xlabel_rot is not None:
        ax.xaxis.label.set_rotation(float(xlabel_rot))
    if ylabel_rot is not None:
        ax.yaxis.label.set_rotation(float(ylabel_rot))
    tick_rot_x = theme_value("tick_label_rot_x", None)
    tick_rot_y = theme_value("tick_label_rot_y", None)
    if tick_rot_x:
        ax.tick_params(axis="x", labelrotation=float(tick_rot_x))
    if tick_rot_y:
        ax.tick_params(axis="y", labelrotation=float(tick_rot_y))
    # tick_params (not the current tick label objects) so ticks created later keep the size
    if xtick_fs is not None:
        ax.tick_params(axis="x", labelsize=float(xtick_fs))
    if ytick_fs is not None:
        ax.tick_params(axis="y", labelsize=float(ytick_fs))


# keys of vlines_kwargs that place the label text rather than style the line
_VLINE_LABEL_KEYS = ("label_position", "placement_pad", "label_pad", "label_rotation",
                     "label_color")


def draw_vlines(ax, vlines, vlines_kwargs: Mapping[str, Any] | None = None) -> list:
    """Vertical lines at x values; an entry `(x, "text")` also writes `text` beside its line.

    `vlines_kwargs` styles the lines (matplotlib axvline keywords) and places the labels:
    `label_position` ('top', 'bottom', 'center'), `placement_pad` (distance from that edge: a
    fraction of the axis height when < 1, else data units), `label_pad` (offset to the right
    of the line: a fraction of the x range when < 1, else data units), `label_rotation`
    (default 90) and `label_color` (default: the line's). Returns the artists drawn."""
    if not vlines:
        return []
    options = {"color": "black", "linestyle": "--", "linewidth": 1.0, "alpha": 0.7}
    options.update(dict(vlines_kwargs or {}))
    line_kwargs = {k: v for k, v in options.items() if k not in _VLINE_LABEL_KEYS}
    position = options.get("label_position", "top")
    if position not in ("top", "bottom", "center"):
        raise ValueError(f"label_position must be 'top', 'bottom' or 'center', got {position!r}")
    edge_pad = float(options.get("placement_pad", theme_value("vline_label_placement_pad", 0.02)))
    side_pad = float(options.get("label_pad", theme_value("vline_label_pad", 0.005)))

    artists = []
    for entry in vlines:
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2:
                raise ValueError(f"a vlines entry is x or (x, label), got {entry!r}")
            x_value, text = float(entry[0]), str(entry[1])
        else:
            x_value, text = float(entry), ""
        artists.append(ax.axvline(x_value, **line_kwargs))
        if not text:
            continue
        y_low, y_high = ax.get_ylim()
        x_low, x_high = ax.get_xlim()
        edge_offset = edge_pad * (y_high - y_low) if edge_pad < 1.0 else edge_pad
        if position == "top":
            y_text, va = y_high - edge_offset, "top"
        elif position == "bottom":
            y_text, va = y_low + edge_offset, "bottom"
        else:
            y_text, va = 0.5 * (y_low + y_high), "center"
        x_offset = side_pad * (x_high - x_low) if abs(side_pad) < 1.0 else side_pad
        artists.append(ax.text(x_value + x_offset, y_text, text, va=va, ha="left",
                               rotation=float(options.get("label_rotation", 90)),
                               color=options.get("label_color", line_kwargs.get("color"))))
    return artists
