"""Basins of attraction: a grid of initial conditions coloured by the class each one ended in."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._common import get_ax, pyplot
from ._primitives import _finish

__all__ = ["basin_plot"]

from dynlib.analysis.basin_codes import BLOWUP, OUTSIDE, UNRESOLVED

_SPECIAL_NAMES = {BLOWUP: "Blowup", OUTSIDE: "Outside", UNRESOLVED: "Unresolved"}
# greys, dark to light, so the non-attractor classes never look like an attractor's hue
_SPECIAL_GREYS = ["#2C2C2C", "#606060", "#A0A0A0"]


def _grid_shape(label_shape) -> tuple[int, int] | None:
    if label_shape is None:
        return None
    if isinstance(label_shape, (int, np.integer)):
        return int(label_shape), int(label_shape)
    shape = tuple(int(n) for n in label_shape)
    if len(shape) != 2:
        raise ValueError(f"label_shape must be an int or (nx, ny) for a 2-D basin plot; got "
                         f"{label_shape!r}")
    return shape


def _label_image(res, labels, label_shape) -> tuple[np.ndarray, dict]:
    """The labels as an image indexed [y, x], and the result's meta (empty for arrays)."""
    from_result = labels is None and not isinstance(res, np.ndarray) and hasattr(res, "labels")
    if labels is None:
        labels = getattr(res, "labels", res)
    meta = dict(getattr(res, "meta", None) or {}) if not isinstance(res, np.ndarray) else {}
    grid = np.asarray(labels)
    if grid.dtype.kind not in "iub":
        if grid.dtype.kind == "f" and np.all(np.isfinite(grid)) and np.all(grid == np.round(grid)):
            grid = grid.astype(np.int64)
        else:
            raise TypeError(f"basin labels must be integers (attractor ids >= 0, negative codes for "
                            f"blowup/outside/unresolved); got dtype {grid.dtype}")
    shape = _grid_shape(label_shape)
    if shape is None and meta.get("ic_grid") is not None:
        shape = _grid_shape(meta["ic_grid"])
    if grid.ndim == 1:
        if shape is None:
            raise ValueError("flat basin labels need label_shape=(nx, ny) (or meta['ic_grid']) "
                             "to be put back on their grid")
        nx, ny = shape
        if grid.size != nx * ny:
            raise ValueError(f"label_shape {shape} holds {nx * ny} labels, but {grid.size} were given")
        # the analyses flatten the (nx, ny) grid in 'ij' order; the image wants rows = y
        return grid.reshape(nx, ny).T, meta
    if grid.ndim == 2:
        if (from_result and label_shape is None and meta.get("ic_grid") is not None
                and grid.shape == shape):
            # a result object holding its labels in the grid's shape ('ij'): the image is [y, x]
            return grid.T, meta
        if shape is not None:
            nx, ny = shape
            if grid.shape == (nx, ny) and grid.shape != (ny, nx):
                grid = grid.T  # given as [x, y]
            elif grid.shape != (ny, nx):
                raise ValueError(f"labels of shape {grid.shape} do not fit label_shape {shape} "
                                 f"(expected ({ny}, {nx}) as [y, x] or ({nx}, {ny}) as [x, y])")
        return grid, meta
    raise ValueError(f"basin_plot draws 1-D (flat) or 2-D labels; got {grid.ndim}-D")


def _axis_coordinates(image: np.ndarray, *, bounds, axis_values, x, y):
    ny, nx = image.shape
    if x is not None or y is not None:
        if x is None or y is None:
            raise ValueError("pass x and y together")
        x_values, y_values = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        source = "x/y"
    elif axis_values is not None:
        if len(axis_values) != 2:
            raise ValueError("axis_values must hold two arrays (x values, y values)")
        x_values = np.asarray(axis_values[0], dtype=float)
        y_values = np.asarray(axis_values[1], dtype=float)
        source = "the axis values"
    elif bounds is not None:
        if len(bounds) != 2:
            raise ValueError("bounds must be ((x_min, x_max), (y_min, y_max))")
        (x_min, x_max), (y_min, y_max) = bounds
        return np.linspace(float(x_min), float(x_max), nx), np.linspace(float(y_min), float(y_max), ny)
    else:
        return np.arange(nx, dtype=float), np.arange(ny, dtype=float)
    if x_values.ndim != 1 or y_values.ndim != 1:
        raise ValueError(f"{source} must be 1-D arrays")
    if x_values.size != nx or y_values.size != ny:
        raise ValueError(f"{source} have {x_values.size} and {y_values.size} values, but the label "
                         f"grid is {nx} (x) by {ny} (y)")
    return x_values, y_values


def _attractor_ids(res, image: np.ndarray) -> list[int]:
    registry = getattr(res, "registry", None)
    if registry:
        return [int(getattr(entry, "id", entry)) for entry in registry]
    return [int(v) for v in np.unique(image[image >= 0])]


def _attractor_names(meta: Mapping, ids: Sequence[int], prefix: str, given) -> list[str]:
    if given is not None:
        given = list(given)
        if len(given) != len(ids):
            raise ValueError(f"attractor_labels has {len(given)} names for {len(ids)} attractors")
        return [str(name) for name in given]
    names = meta.get("attractor_labels", meta.get("attractor_names"))
    if isinstance(names, Mapping):
        return [str(names.get(i, f"{prefix}{i}")) for i in ids]
    if names is not None and not isinstance(names, str):
        names = list(names)
        if len(names) == len(ids):
            return [str(name) for name in names]
    return [f"{prefix}{i}" for i in ids]


def basin_plot(
    res,
    *,
    label_shape=None,
    bounds=None,
    labels=None,
    x=None,
    y=None,
    ax=None,
    special_order: Sequence[int] | None = None,
    special_colors: Sequence[Any] | None = None,
    special_labels: Mapping[int, str] | None = None,
    attractor_cmap: Any = "hsv",
    attractor_colors: Sequence[Any] | None = None,
    attractor_label: str = "A",
    attractor_labels: Sequence[str] | None = None,
    colorbar: bool = True,
    colorbar_label: str | None = "Basin Classification",
    colorbar_label_rotation: float | None = 270.0,
    colorbar_labelpad: float | None = 20.0,
    colorbar_kwargs: Mapping[str, Any] | None = None,
    shading: str = "auto",
    alpha: float | None = None,
    aspect: str | None = None,
    xlim=None,
    ylim=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
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
    """Draw a 2-D basin of attraction, one colour per class, and return the Axes.

    `res` is a basin result (anything with `labels`, `registry` (entries with `.id`) and `meta`,
    as the basin analyses return) or the labels themselves: a 2-D integer grid indexed [y, x]
    (or [x, y] when `label_shape=(nx, ny)` says so), or a flat array in the analyses' (nx, ny)
    'ij' order with `label_shape=(nx, ny)`. `labels=` overrides the result's labels.

    Labels >= 0 are attractor ids; BLOWUP (-1), OUTSIDE (-2) and UNRESOLVED (-3) are special
    classes drawn in greys (`special_order`, `special_colors`, `special_labels` change which,
    which colours and their names). Attractors take `attractor_colors` or evenly spaced colours of
    `attractor_cmap`, and are named by `attractor_labels`, else meta['attractor_labels'] /
    meta['attractor_names'], else `attractor_label` + id. Any other label is a ValueError.

    Axis coordinates come from `x`/`y`, else meta['ic_axis_values'], else `bounds` (or
    meta['ic_bounds']) as ((x_min, x_max), (y_min, y_max)), else the grid indices; axis labels
    default to meta['ic_vars'] (or meta['observe_vars']). The colorbar (ticks named by class) is
    kept as `ax._last_colorbar`; `aspect` defaults to 'equal' with a colorbar, 'auto' without.
    """
    plt = pyplot()
    from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap

    image, meta = _label_image(res, labels, label_shape)
    if bounds is None:
        bounds = meta.get("ic_bounds")
    axis_values = meta.get("ic_axis_values") if x is None and y is None else None
    x_values, y_values = _axis_coordinates(image, bounds=bounds, axis_values=axis_values, x=x, y=y)

    specials = [int(code) for code in (special_order if special_order is not None
                                       else (BLOWUP, OUTSIDE, UNRESOLVED))]
    if len(set(specials)) != len(specials):
        raise ValueError(f"special_order repeats a label: {specials}")
    special_names = {**_SPECIAL_NAMES, **dict(special_labels or {})}
    attractor_ids = _attractor_ids(res, image)

    # every class gets one colour index: the specials first, then the attractors in id order
    classes = specials + [i for i in attractor_ids if i not in specials]
    class_index = np.full(image.shape, -1, dtype=np.int64)
    for index, code in enumerate(classes):
        class_index[image == code] = index
    if np.any(class_index < 0):
        unknown = sorted(int(v) for v in np.unique(image[class_index < 0]))
        raise ValueError(f"basin labels {unknown} are neither attractors {attractor_ids} nor special "
                         f"classes {specials}")

    if special_colors is None:
        special_colors = (_SPECIAL_GREYS[: len(specials)] if len(specials) <= len(_SPECIAL_GREYS)
                          else [plt.cm.Greys((k + 1) / (len(specials) + 1))
                                for k in range(len(specials))])
    elif len(special_colors) < len(specials):
        raise ValueError(f"special_colors has {len(special_colors)} colours for {len(specials)} "
                         f"special classes")
    n_attractors = len(classes) - len(specials)
    if attractor_colors is None:
        cmap = attractor_cmap if isinstance(attractor_cmap, Colormap) else plt.get_cmap(attractor_cmap)
        # i / n, not i / (n - 1): cyclic maps such as 'hsv' end where they start
        attractor_colors = [cmap(k / max(n_attractors, 1)) for k in range(n_attractors)]
    elif len(attractor_colors) < n_attractors:
        raise ValueError(f"attractor_colors has {len(attractor_colors)} colours for {n_attractors} "
                         f"attractors")
    colors = list(special_colors)[: len(specials)] + list(attractor_colors)[:n_attractors]
    if not colors:
        raise ValueError("basin_plot has no class to colour (no special classes, no attractors)")

    norm = BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors))
    plot_ax = get_ax(ax)
    mesh_kwargs = {"shading": shading, "cmap": ListedColormap(colors), "norm": norm}
    if alpha is not None:
        mesh_kwargs["alpha"] = float(alpha)
    # grid lines over a filled image only hide cells (and pcolormesh's automatic removal of
    # them is deprecated), so a theme's grid is switched off here
    plot_ax.grid(False)
    mesh = plot_ax.pcolormesh(x_values, y_values, class_index, **mesh_kwargs)

    if colorbar:
        names = [special_names.get(code, str(code)) for code in specials]
        names += _attractor_names(meta, attractor_ids, attractor_label, attractor_labels)
        bar = plot_ax.figure.colorbar(mesh, ax=plot_ax, ticks=np.arange(len(colors)),
                                      **dict(colorbar_kwargs or {}))
        bar.ax.set_yticklabels(names[: len(colors)])
        if colorbar_label:
            label_kwargs = {}
            if colorbar_label_rotation is not None:
                label_kwargs["rotation"] = float(colorbar_label_rotation)
            if colorbar_labelpad is not None:
                label_kwargs["labelpad"] = float(colorbar_labelpad)
            bar.set_label(colorbar_label, **label_kwargs)
        plot_ax._last_colorbar = bar

    for names_key in ("ic_vars", "observe_vars"):
        axis_names = meta.get(names_key)
        if isinstance(axis_names, (list, tuple)) and axis_names:
            if xlabel is None:
                xlabel = str(axis_names[0])
            if ylabel is None and len(axis_names) > 1:
                ylabel = str(axis_names[1])

    if bounds is not None:
        xlim = (float(bounds[0][0]), float(bounds[0][1])) if xlim is None else xlim
        ylim = (float(bounds[1][0]), float(bounds[1][1])) if ylim is None else ylim
    _finish(plot_ax, dict(
        xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title, xpad=xpad, ypad=ypad,
        titlepad=titlepad, xlabel_fs=xlabel_fs, ylabel_fs=ylabel_fs, title_fs=title_fs,
        xlabel_rot=xlabel_rot, ylabel_rot=ylabel_rot, xtick_fs=xtick_fs, ytick_fs=ytick_fs))
    plot_ax.set_aspect(aspect if aspect is not None else ("equal" if colorbar else "auto"))
    return plot_ax
