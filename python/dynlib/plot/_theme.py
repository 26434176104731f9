"""Plot themes: named presets of dynlib tokens (font sizes, line widths, palette, grid, ...) that
are turned into matplotlib rcParams.

A theme is a stack of layers: the built-in token defaults, then a preset (which may inherit from
another preset), then the user's token and rcParams overrides. `use` picks the preset, `update`
adds overrides, `push`/`pop` (or the `temp` context manager) save and restore the whole state.
Loading this module applies the "notebook" preset, as the reference dynlib does on import.

Tokens are read by the plotting functions with `get(token)`; `get("figsize")` is derived from the
`scale` token (6 x 4 inches times scale), the size every dynlib.plot figure starts from.
"""
from __future__ import annotations

from contextlib import ContextDecorator
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import matplotlib as mpl
from cycler import cycler

__all__ = ["use", "update", "push", "pop", "get", "temp", "register_palette", "register_preset",
           "ThemeSpec", "presets", "palettes"]

# Every token a theme can set, with its default. Presets only list what they change.
DEFAULT_TOKENS: dict[str, Any] = {
    "scale": 1.0,                 # multiplies font sizes and the default figure size
    "fontsize_base": 11.0,
    "fontsize_label": 12.0,
    "fontsize_title": 13.0,
    "fontsize_tick": 10.0,
    "fontsize_legend": 10.0,
    "fontsize_figtitle": 14.0,
    "font": "DejaVu Sans",
    "mono_font": "DejaVu Sans Mono",
    "line_w": 1.8,
    "marker": "",
    "marker_size": 4.0,
    "alpha": 1.0,
    "tick_n": 5,                  # at most this many major ticks per axis (0: matplotlib's choice)
    "tick_len": 4.0,
    "tick_w": 0.9,
    "tick_label_rot_x": 0.0,
    "tick_label_rot_y": 0.0,
    "label_pad": 6.0,
    "title_pad": 6.0,
    "tick_pad": 3.0,
    "minor_ticks": False,
    "axis_w": 1.2,
    "xmargin": 0.02,
    "ymargin": 0.05,
    # where the labels of vlines/hlines go: offset from the line, and distance from the axes edge
    # (a fraction of the axis range when below 1, data units otherwise)
    "vline_label_pad": 0.01,
    "hline_label_pad": 0.1,
    "vline_label_placement_pad": 0.05,
    "hline_label_placement_pad": 0.05,
    "grid": True,                 # True, False, "x" or "y"
    "grid_alpha": 0.3,
    "palette": "cbf",
    "color_cycle": "cbf",
    "background": "light",        # "light" or "dark"
    "usetex": False,
    "legend_loc": "best",
    "legend_frame": False,
}

# The figure size the default figures get before `scale` is applied (inches).
BASE_FIGSIZE = (6.0, 4.0)

_BUILTIN_PALETTES: dict[str, list[str]] = {
    # matplotlib's tab10
    "classic": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"],
    # Okabe-Ito colour-blind-friendly palette
    "cbf": ["#0072B2", "#D55E00", "#009E73", "#CC79A7",
            "#E69F00", "#56B4E9", "#F0E442", "#000000"],
    "mono": ["#111111", "#444444", "#777777", "#aaaaaa", "#cccccc", "#eeeeee"],
}

# axes face, figure face, text/edge colour, grid colour
_BACKGROUNDS = {
    "light": ("#ffffff", "#ffffff", "#111111", "#444444"),
    "dark": ("#111111", "#0a0a0a", "#f2f2f2", "#dddddd"),
}


@dataclass(frozen=True)
class ThemeSpec:
    """One theme layer: `tokens` over the defaults, raw matplotlib `rc` applied after them,
    an optional parent preset `inherits` applied first, and extra `palettes` by name."""
    name: str
    tokens: Mapping[str, Any] | None = None
    rc: Mapping[str, Any] | None = None
    inherits: str | None = None
    palettes: Mapping[str, list[str]] | None = None


_PRESETS: dict[str, ThemeSpec] = {
    "notebook": ThemeSpec("notebook"),
    "paper": ThemeSpec("paper", inherits="notebook", tokens={
        "grid": False, "tick_n": 6, "line_w": 1.4, "axis_w": 1.4, "marker_size": 3.0,
        "fontsize_label": 12.0, "fontsize_title": 12.0, "fontsize_tick": 10.0,
        "fontsize_legend": 10.0, "fontsize_figtitle": 13.0}),
    "talk": ThemeSpec("talk", inherits="notebook", tokens={
        "scale": 1.4, "grid": True, "line_w": 2.4, "tick_len": 5.0, "tick_w": 1.1}),
    "dark": ThemeSpec("dark", inherits="notebook", tokens={
        "background": "dark", "grid": True, "grid_alpha": 0.2, "tick_w": 1.1, "axis_w": 1.4}),
    "mono": ThemeSpec("mono", inherits="notebook", tokens={
        "palette": "mono", "color_cycle": "mono", "grid": False}),
}
_USER_PALETTES: dict[str, list[str]] = {}


class _State:
    """The active preset and the user's overrides (what push/pop save and restore)."""

    def __init__(self, spec: ThemeSpec, tokens=None, rc=None):
        self.spec = spec
        self.tokens: dict[str, Any] = dict(tokens or {})
        self.rc: dict[str, Any] = dict(rc or {})

    def copy(self) -> "_State":
        return _State(self.spec, self.tokens, self.rc)


_state = _State(_PRESETS["notebook"])
_saved: list[_State] = []
_resolved_tokens: dict[str, Any] = dict(DEFAULT_TOKENS)


def _check_tokens(tokens: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(tokens) - set(DEFAULT_TOKENS))
    if unknown:
        raise ValueError(f"{where}: unknown theme token(s) {', '.join(unknown)}; "
                         f"known tokens: {', '.join(DEFAULT_TOKENS)}")
    return dict(tokens)


def _preset(ref: str | ThemeSpec) -> ThemeSpec:
    if isinstance(ref, ThemeSpec):
        return ref
    try:
        return _PRESETS[ref]
    except KeyError:
        raise ValueError(f"unknown theme preset {ref!r}; available: "
                         f"{', '.join(sorted(_PRESETS))}") from None


def _lineage(spec: ThemeSpec) -> list[ThemeSpec]:
    """`spec` and its ancestors, root first."""
    chain: list[ThemeSpec] = []
    layer: ThemeSpec | None = spec
    while layer is not None:
        if any(seen.name == layer.name for seen in chain):
            raise ValueError(f"theme preset {spec.name!r} inherits from itself "
                             f"(via {' <- '.join(s.name for s in chain)})")
        chain.append(layer)
        if layer.inherits is None:
            break
        if layer.inherits not in _PRESETS:
            raise ValueError(f"theme preset {layer.name!r} inherits from unknown preset "
                             f"{layer.inherits!r}")
        layer = _PRESETS[layer.inherits]
    return chain[::-1]


def _resolve(state: _State) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    tokens = dict(DEFAULT_TOKENS)
    rc: dict[str, Any] = {}
    palettes = {**_BUILTIN_PALETTES, **_USER_PALETTES}
    for layer in _lineage(state.spec):
        palettes.update({name: list(colors) for name, colors in (layer.palettes or {}).items()})
        _overlay(tokens, _check_tokens(layer.tokens or {}, f"theme preset {layer.name!r}"))
        rc.update(layer.rc or {})
    _overlay(tokens, state.tokens)
    rc.update(state.rc)
    return tokens, rc, palettes


def _overlay(tokens: dict[str, Any], layer: Mapping[str, Any]) -> None:
    """tokens.update(layer), where "palette" and "color_cycle" are two names of one setting: a
    layer that sets only one of them sets both."""
    tokens.update(layer)
    if "palette" in layer and "color_cycle" not in layer:
        tokens["color_cycle"] = layer["palette"]
    elif "color_cycle" in layer and "palette" not in layer:
        tokens["palette"] = layer["color_cycle"]


def _rc_from_tokens(tokens: Mapping[str, Any], palettes: Mapping[str, list[str]]) -> dict[str, Any]:
    scale = float(tokens["scale"])
    background = tokens["background"]
    if background not in _BACKGROUNDS:
        raise ValueError(f"theme token background={background!r}: use 'light' or 'dark'")
    axes_face, figure_face, text, grid_color = _BACKGROUNDS[background]
    palette_name = tokens["color_cycle"]
    if palette_name not in palettes:
        raise ValueError(f"unknown palette {palette_name!r}; available: "
                         f"{', '.join(sorted(palettes))} (add one with register_palette)")
    grid = tokens["grid"]
    rc = {
        "font.size": float(tokens["fontsize_base"]) * scale,
        "axes.labelsize": float(tokens["fontsize_label"]) * scale,
        "axes.titlesize": float(tokens["fontsize_title"]) * scale,
        "xtick.labelsize": float(tokens["fontsize_tick"]) * scale,
        "ytick.labelsize": float(tokens["fontsize_tick"]) * scale,
        "legend.fontsize": float(tokens["fontsize_legend"]) * scale,
        "figure.titlesize": float(tokens["fontsize_figtitle"]) * scale,
        "font.family": [tokens["font"]],
        "font.monospace": [tokens["mono_font"]],
        "text.usetex": bool(tokens["usetex"]),
        "lines.linewidth": float(tokens["line_w"]),
        "lines.markersize": float(tokens["marker_size"]),
        "lines.marker": tokens["marker"] or "None",
        "axes.linewidth": float(tokens["axis_w"]),
        "axes.labelpad": float(tokens["label_pad"]),
        "axes.titlepad": float(tokens["title_pad"]),
        "axes.facecolor": axes_face,
        "figure.facecolor": figure_face,
        "axes.edgecolor": text,
        "axes.labelcolor": text,
        "text.color": text,
        "axes.grid": bool(grid),
        "axes.grid.axis": grid if grid in ("x", "y") else "both",
        "grid.alpha": float(tokens["grid_alpha"]),
        "grid.color": grid_color,
        "axes.prop_cycle": cycler(color=list(palettes[palette_name])),
        "legend.loc": tokens["legend_loc"],
        "legend.frameon": bool(tokens["legend_frame"]),
    }
    for axis in ("xtick", "ytick"):
        rc[f"{axis}.color"] = text
        rc[f"{axis}.major.size"] = float(tokens["tick_len"])
        rc[f"{axis}.major.width"] = float(tokens["tick_w"])
        rc[f"{axis}.major.pad"] = float(tokens["tick_pad"])
        rc[f"{axis}.minor.visible"] = bool(tokens["minor_ticks"])
    # 3-D panes follow the background, so dark themes do not get white boxes
    for axis in ("xaxis", "yaxis", "zaxis"):
        rc[f"axes3d.{axis}.panecolor"] = axes_face
    rc["axes3d.grid"] = True
    return {key: value for key, value in rc.items() if key in mpl.rcParams}


# rcParams that only a raw `rc` override sets, with the value they had before it: when the
# override goes (use, pop, the end of temp) the old value comes back.
_rc_before_override: dict[str, Any] = {}


def _apply() -> None:
    global _resolved_tokens
    tokens, rc_overrides, palettes = _resolve(_state)
    rc = _rc_from_tokens(tokens, palettes)
    for key in list(_rc_before_override):
        if key not in rc_overrides:
            mpl.rcParams[key] = _rc_before_override.pop(key)
    for key in rc_overrides:
        if key not in rc and key not in _rc_before_override:
            _rc_before_override[key] = mpl.rcParams[key]
    rc.update(rc_overrides)  # the user's raw rcParams have the last word
    mpl.rcParams.update(rc)
    _resolved_tokens = tokens


def use(preset: str | ThemeSpec = "notebook", *, tokens: Mapping[str, Any] | None = None,
        rc: Mapping[str, Any] | None = None) -> None:
    """Make `preset` (a name or a ThemeSpec) the theme, with optional token / rcParams overrides;
    earlier overrides are dropped."""
    global _state
    new_state = _State(_preset(preset), _check_tokens(tokens or {}, "theme.use"), rc)
    previous, _state = _state, new_state
    try:
        _apply()
    except Exception:
        _state = previous
        _apply()
        raise


def update(*, tokens: Mapping[str, Any] | None = None, rc: Mapping[str, Any] | None = None,
           **token_values: Any) -> None:
    """Override tokens (as `tokens={...}` or as keywords, e.g. `update(grid=False)`) and raw
    matplotlib `rc` parameters on top of the current theme."""
    global _state
    changes = _check_tokens({**(tokens or {}), **token_values}, "theme.update")
    new_state = _state.copy()
    new_state.tokens.update(changes)
    new_state.rc.update(rc or {})
    previous, _state = _state, new_state
    try:
        _apply()
    except Exception:
        _state = previous
        _apply()
        raise


def push(*, tokens: Mapping[str, Any] | None = None, rc: Mapping[str, Any] | None = None,
         **token_values: Any) -> None:
    """Save the current theme, then `update` it; `pop` restores the saved one."""
    _saved.append(_state.copy())
    try:
        update(tokens=tokens, rc=rc, **token_values)
    except Exception:
        _saved.pop()
        raise


def pop() -> None:
    """Restore the theme saved by the matching `push` (no-op when nothing was pushed)."""
    global _state
    if _saved:
        _state = _saved.pop()
        _apply()


def get(token: str) -> Any:
    """The current value of a theme token (KeyError for names that are not tokens)."""
    if token == "figsize":
        scale = float(_resolved_tokens["scale"])
        return (BASE_FIGSIZE[0] * scale, BASE_FIGSIZE[1] * scale)
    try:
        return _resolved_tokens[token]
    except KeyError:
        raise KeyError(f"unknown theme token {token!r}; known tokens: "
                       f"{', '.join(DEFAULT_TOKENS)}, figsize") from None


def rc(key: str) -> Any:
    """The current matplotlib rcParams value of `key`."""
    return mpl.rcParams[key]


def register_palette(name: str, colors: Iterable[str]) -> None:
    """Add (or replace) a named colour list usable as the `palette` token."""
    colors = list(colors)
    if not colors:
        raise ValueError(f"palette {name!r} needs at least one colour")
    _USER_PALETTES[str(name)] = colors
    _apply()


def register_preset(spec: ThemeSpec) -> None:
    """Make `spec` available to `use(spec.name)`."""
    if not isinstance(spec, ThemeSpec):
        raise TypeError(f"register_preset takes a ThemeSpec, not {type(spec).__name__}")
    _check_tokens(spec.tokens or {}, f"theme preset {spec.name!r}")
    _PRESETS[spec.name] = spec


def presets() -> list[str]:
    """Names of the available presets."""
    return sorted(_PRESETS)


def palettes() -> dict[str, list[str]]:
    """The available palettes (built-in and registered), by name."""
    return {**_BUILTIN_PALETTES, **_USER_PALETTES}


class temp(ContextDecorator):
    """`with temp(grid=False): ...` (or as a decorator): token / rc overrides for a block only."""

    def __init__(self, *, tokens: Mapping[str, Any] | None = None,
                 rc: Mapping[str, Any] | None = None, **token_values: Any):
        self._tokens = _check_tokens({**(tokens or {}), **token_values}, "theme.temp")
        self._rc = dict(rc or {})

    def __enter__(self):
        push(tokens=self._tokens, rc=self._rc)
        return self

    def __exit__(self, *exc_info):
        pop()
        return False


_apply()
