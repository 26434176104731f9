"""Vector fields of ODE models on a plane of two states: arrows or streamlines, numerical
nullclines, trajectories launched by clicking, and sweeps/animations over params or fixed states.

The field is evaluated through the model's callable `model.rhs(t, y, params)` (the build's own
backend: native code when the model was built with jit), one call per grid point — `rhs` takes
one state at a time. A 40x40 grid of Lorenz costs about 7-10 ms. States off the plane stay at
the Sim's current values (or the model's initial state), overridden by `fixed`.
"""
from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import get_ax, pyplot, theme_value
from ._model_eval import ModelPoint, model_point
from ._primitives import _finish

__all__ = [
    "eval_vectorfield",
    "vectorfield",
    "VectorFieldHandle",
    "vectorfield_sweep",
    "VectorFieldSweep",
    "vectorfield_animate",
    "VectorFieldAnimation",
]


# --------------------------------------------------------------------------- evaluation

def _model_of(model_or_sim, *, stepper, jit, disk_cache) -> ModelPoint:
    """The ModelPoint of a Sim / FullModel, or of the model a URI builds with these options."""
    if isinstance(model_or_sim, str) or hasattr(model_or_sim, "__fspath__"):
        import dynlib
        model_or_sim = dynlib.build(model_or_sim, stepper=stepper, jit=jit, disk_cache=disk_cache)
    elif stepper is not None:
        model = getattr(model_or_sim, "model", model_or_sim)
        if getattr(model, "stepper_name", stepper) != stepper:
            warnings.warn("vectorfield: stepper= applies only when building from a URI; the given "
                          f"model keeps stepper {model.stepper_name!r}", stacklevel=3)
    point = model_point(model_or_sim, what="vectorfield")
    if point.kind != "ode":
        raise TypeError(f"vectorfield needs an ODE model; '{point.model.spec.name}' is a "
                        f"{point.kind} (for a 1-D map see plot.cobweb)")
    return point


def _plane(point: ModelPoint, vars) -> tuple[tuple[str, str], tuple[int, int]]:
    if vars is None:
        if len(point.state_names) < 2:
            raise ValueError("vectorfield needs a model with at least two states")
        vars = point.state_names[:2]
    if isinstance(vars, str) or len(vars) != 2:
        raise ValueError(f"vars must name two states, e.g. ('x', 'y'); got {vars!r}")
    missing = [name for name in vars if name not in point.state_index]
    if missing:
        raise KeyError(f"vectorfield: unknown state(s) {missing}; states: "
                       f"{', '.join(point.state_names)}")
    return (str(vars[0]), str(vars[1])), (point.state_index[vars[0]], point.state_index[vars[1]])


def _flat_params(point: ModelPoint, params: Mapping[str, Any]) -> np.ndarray:
    """The flat parameter vector rhs takes (array params one entry per element), built once
    per field so the per-point calls skip converting a dict."""
    return np.concatenate([np.atleast_1d(np.asarray(params[name], dtype=float))
                           for name in point.param_names]) if point.param_names else np.empty(0)


def _resolution(resolution) -> tuple[int, int]:
    if isinstance(resolution, (int, np.integer)):
        return int(resolution), int(resolution)
    nx, ny = resolution
    if int(nx) < 2 or int(ny) < 2:
        raise ValueError(f"resolution needs at least 2 points per axis; got {resolution!r}")
    return int(nx), int(ny)


def _grid(xlim, ylim, resolution):
    nx, ny = resolution
    return np.meshgrid(np.linspace(float(xlim[0]), float(xlim[1]), nx),
                       np.linspace(float(ylim[0]), float(ylim[1]), ny), indexing="xy")


def _field(point: ModelPoint, t0: float, X, Y, state, params_vector, indices):
    """U, V: the plane's two components of rhs at every grid point (X, Y indexed [y, x])."""
    rhs = point.model.rhs
    ix, iy = indices
    y_vec = np.array(state, dtype=float, copy=True)
    derivative = np.empty_like(y_vec)
    U = np.empty(X.shape)
    V = np.empty(X.shape)
    for position in np.ndindex(X.shape):
        y_vec[ix] = X[position]
        y_vec[iy] = Y[position]
        rhs(t0, y_vec, params_vector, out=derivative)
        U[position] = derivative[ix]
        V[position] = derivative[iy]
    return U, V


def _normalized(U, V):
    speed = np.hypot(U, V)
    moving = speed > 0
    U_unit, V_unit = U.copy(), V.copy()
    U_unit[moving] /= speed[moving]
    V_unit[moving] /= speed[moving]
    return U_unit, V_unit


def eval_vectorfield(
    model_or_sim,
    *,
    vars: tuple[str, str] | None = None,
    fixed: Mapping[str, float] | None = None,
    params: Mapping[str, float] | None = None,
    xlim=(-1, 1),
    ylim=(-1, 1),
    resolution=(20, 20),
    normalize: bool = False,
    return_speed: bool = False,
    stepper: str | None = None,
    jit: bool = False,
    disk_cache: bool = False,
):
    """X, Y, U, V (and the speed |(U, V)| before normalizing, with return_speed) of an ODE
    model's field on the plane `vars` (default: its first two states), on a `resolution`
    (nx, ny) grid over xlim x ylim; arrays indexed [y, x] as numpy.meshgrid's 'xy'.

    `model_or_sim`: a Sim (its current state and params), a FullModel (its defaults) or a URI
    (built with stepper, jit, disk_cache). `fixed` sets states off the plane, `params` params.
    `normalize` makes every nonzero arrow unit length."""
    point = _model_of(model_or_sim, stepper=stepper, jit=jit, disk_cache=disk_cache)
    _names, indices = _plane(point, vars)
    state, merged = point.with_overrides(fixed, params, skip=indices, what="vectorfield")
    X, Y = _grid(xlim, ylim, _resolution(resolution))
    U, V = _field(point, point.t0, X, Y, state, _flat_params(point, merged), indices)
    speed = np.hypot(U, V) if return_speed else None
    if normalize:
        U, V = _normalized(U, V)
    return (X, Y, U, V, speed) if return_speed else (X, Y, U, V)


# --------------------------------------------------------------------------- the handle

def _as_floats(mapping) -> dict[str, float]:
    return {str(k): float(v) for k, v in (mapping or {}).items()}


def _remove(artist) -> None:
    try:
        artist.remove()
    except (ValueError, NotImplementedError, AttributeError):
        pass


def _dense_nullcline_resolution(resolution: tuple[int, int]) -> tuple[int, int]:
    """At least 40 and up to 120 points per axis (never fewer than the field's): contour
    interpolates linearly between grid points, so a coarse arrow grid makes wobbly nullclines."""
    return tuple(max(n, min(max(2 * n, 40), 120)) for n in resolution)


class VectorFieldHandle:
    """What `vectorfield` drew, and how to change it.

    `update(params=, fixed=, normalize=, redraw=True)` re-evaluates the field on the same grid
    and redraws in place; `toggle_nullclines()`, `clear_trajectories()`,
    `simulate_at(x0, y0, T=None)` (runs the model from that point of the plane and draws the
    trajectory). Attributes: ax, model, var_names, var_indices, X, Y, U, V, speed, mode
    ('quiver' or 'stream'), quiver / stream (the matplotlib artists), nullcline_artists,
    nullcline_X/Y/U/V, nullclines_enabled, traj_lines, last_params, last_fixed, xlim, ylim,
    resolution, nullcline_resolution, t0, sim (the Sim used for clicks, made on first use).
    """

    def __init__(self, *, ax, point: ModelPoint, var_names, var_indices, X, Y, U, V, speed, mode,
                 quiver_kwargs, stream_kwargs, normalize, speed_color, nullcline_style,
                 xlim, ylim, resolution, nullcline_resolution, fixed, params, interactive,
                 run_T, run_dt, trajectory_style):
        self.ax = ax
        self._point = point
        self.model = point.model
        self.rhs = point.model.rhs
        self.var_names = tuple(var_names)
        self.var_indices = tuple(var_indices)
        self.state_names = point.state_names
        self.param_names = point.param_names
        self.X, self.Y, self.U, self.V, self.speed = X, Y, U, V, speed
        self.mode = mode
        self.quiver = None
        self.stream = None
        self._stream_patches: list = []
        self.quiver_kwargs = dict(quiver_kwargs)
        self.stream_kwargs = dict(stream_kwargs)
        self.normalize = bool(normalize)
        self.speed_color = bool(speed_color)
        self.nullcline_style = dict(nullcline_style or {})
        self.nullclines_enabled = False
        self.nullcline_artists: list = []
        self.nullcline_X = self.nullcline_Y = self.nullcline_U = self.nullcline_V = None
        self.nullcline_cache_valid = False
        self.xlim = (float(xlim[0]), float(xlim[1]))
        self.ylim = (float(ylim[0]), float(ylim[1]))
        self.resolution = tuple(resolution)
        self.nullcline_resolution = tuple(nullcline_resolution)
        self.t0 = point.t0
        self.last_fixed = _as_floats(fixed)
        self.last_params = _as_floats(params)
        self.interactive = bool(interactive)
        self.run_T = run_T
        self.run_dt = run_dt
        self.traj_style = dict(trajectory_style)
        self.traj_lines: list = []
        self.sim = None
        self._connections: list = []

    # -- evaluation
    def _state_and_params(self):
        state, merged = self._point.with_overrides(self.last_fixed, self.last_params,
                                                   skip=self.var_indices, what="vectorfield")
        return state, _flat_params(self._point, merged)

    def _evaluate(self, X, Y):
        state, params_vector = self._state_and_params()
        return _field(self._point, self.t0, X, Y, state, params_vector, self.var_indices)

    def update(self, *, params: Mapping[str, float] | None = None,
               fixed: Mapping[str, float] | None = None, normalize: bool | None = None,
               redraw: bool = True) -> None:
        """Re-evaluate the field with these params / fixed states (None: keep the last ones;
        a mapping replaces the last one) and redraw arrows, streamlines and nullclines."""
        self._set_field(params=params, fixed=fixed, normalize=normalize, redraw=redraw)
        if redraw:
            self.ax.figure.canvas.draw_idle()

    def _set_field(self, *, params, fixed, normalize, redraw) -> None:
        """update() without asking the canvas to draw: an animation frame calls this, because
        a draw requested from inside a frame would start the animation over at frame 0."""
        new_fixed = self.last_fixed if fixed is None else _as_floats(fixed)
        new_params = self.last_params if params is None else _as_floats(params)
        changed = new_fixed != self.last_fixed or new_params != self.last_params
        previous = (self.last_fixed, self.last_params)
        self.last_fixed, self.last_params = new_fixed, new_params
        try:
            U, V = self._evaluate(self.X, self.Y)
        except Exception:
            self.last_fixed, self.last_params = previous  # a bad name leaves the plot as it was
            raise
        if changed:
            self.nullcline_cache_valid = False
        self.normalize = self.normalize if normalize is None else bool(normalize)
        speed = np.hypot(U, V)
        if self.normalize:
            U, V = _normalized(U, V)
        # in place, so arrays handed out earlier (and quiver's own) see the new field
        self.U[...] = U
        self.V[...] = V
        if self.speed_color:
            if self.speed is None:
                self.speed = speed
            else:
                self.speed[...] = speed
        if redraw:
            self._draw_field()
            if self.nullclines_enabled:
                self._draw_nullclines()

    # -- drawing
    def _draw_field(self) -> None:
        if self.mode == "quiver":
            if self.quiver is None:
                extra = (self.speed,) if self.speed_color else ()
                self.quiver = self.ax.quiver(self.X, self.Y, self.U, self.V, *extra, pivot="mid",
                                             angles="xy", **self.quiver_kwargs)
            elif self.speed_color:
                self.quiver.set_UVC(self.U, self.V, self.speed)
            else:
                self.quiver.set_UVC(self.U, self.V)
            return
        if self.speed_color:
            self.stream_kwargs["color"] = self.speed
        if self.stream is not None:
            _remove(self.stream.lines)
        # streamplot adds each arrow head to the Axes as its own patch (its returned
        # PatchCollection is never drawn), so those patches are what must go on a redraw
        for patch in self._stream_patches:
            _remove(patch)
        patches_before = set(map(id, self.ax.patches))
        self.stream = self.ax.streamplot(self.X, self.Y, self.U, self.V, **self.stream_kwargs)
        self._stream_patches = [p for p in self.ax.patches if id(p) not in patches_before]

    def _nullcline_field(self) -> None:
        if self.nullcline_cache_valid and self.nullcline_U is not None:
            return
        if self.nullcline_resolution == self.resolution and not self.normalize:
            self.nullcline_X, self.nullcline_Y = self.X, self.Y
            self.nullcline_U, self.nullcline_V = self.U.copy(), self.V.copy()
        else:
            if self.nullcline_X is None or self.nullcline_X is self.X:
                self.nullcline_X, self.nullcline_Y = _grid(self.xlim, self.ylim,
                                                           self.nullcline_resolution)
            self.nullcline_U, self.nullcline_V = self._evaluate(self.nullcline_X, self.nullcline_Y)
        self.nullcline_cache_valid = True

    def _draw_nullclines(self) -> None:
        self._nullcline_field()
        for artist in self.nullcline_artists:
            _remove(artist)
        self.nullcline_artists = []
        with warnings.catch_warnings():
            # a component that never changes sign has no zero contour: that is an answer
            warnings.filterwarnings("ignore", message="No contour levels were found")
            for component in (self.nullcline_U, self.nullcline_V):
                if component.size and np.all(np.isfinite(component)) and np.ptp(component) > 0:
                    self.nullcline_artists.append(self.ax.contour(
                        self.nullcline_X, self.nullcline_Y, component, levels=[0.0],
                        **self.nullcline_style))
        self.nullclines_enabled = True

    def toggle_nullclines(self) -> None:
        """Hide the nullclines if shown, else draw them (reusing the last evaluation when the
        params and fixed states have not changed since)."""
        if self.nullclines_enabled:
            for artist in self.nullcline_artists:
                _remove(artist)
            self.nullcline_artists = []
            self.nullclines_enabled = False
        else:
            self._draw_nullclines()
        self.ax.figure.canvas.draw_idle()

    def clear_trajectories(self) -> None:
        """Remove the trajectories drawn by simulate_at (and clicks)."""
        for line in self.traj_lines:
            _remove(line)
        self.traj_lines = []
        self.ax.figure.canvas.draw_idle()

    def simulate_at(self, x0: float, y0: float, *, T: float | None = None):
        """Run the model from (x0, y0) on the plane (other states as the field's) up to time T
        (default: the vectorfield's T, else the model's t_end) and draw the trajectory; returns
        its Line2D."""
        if not self.interactive:
            raise RuntimeError("this vector field was drawn with interactive=False; pass "
                               "interactive=True to vectorfield() to launch trajectories")
        if self.sim is None:
            import dynlib
            self.sim = dynlib.Sim(self.model)
        self.sim.reset()
        state, merged = self._point.with_overrides(self.last_fixed, self.last_params,
                                                   skip=self.var_indices, what="vectorfield")
        state[self.var_indices[0]] = float(x0)
        state[self.var_indices[1]] = float(y0)
        run_kwargs: dict[str, Any] = {
            "ic": dict(zip(self.state_names, map(float, state))),
            "params": merged,
            "record_vars": list(self.var_names),
        }
        end = self.run_T if T is None else float(T)
        if end is not None:
            run_kwargs["T"] = end
        if self.run_dt is not None:
            run_kwargs["dt"] = self.run_dt
        results = self.sim.run(**run_kwargs)
        line, = self.ax.plot(results[self.var_names[0]], results[self.var_names[1]],
                             **self.traj_style)
        self.traj_lines.append(line)
        self.ax.figure.canvas.draw_idle()
        return line

    def _connect(self) -> None:
        canvas = self.ax.figure.canvas

        def on_click(event):
            if event.inaxes is self.ax and event.xdata is not None and event.ydata is not None:
                try:
                    self.simulate_at(event.xdata, event.ydata)
                except Exception as exc:  # a GUI callback must not raise into the event loop
                    warnings.warn(f"vectorfield: trajectory from ({event.xdata:.3g}, "
                                  f"{event.ydata:.3g}) failed: {exc}", stacklevel=2)

        def on_key(event):
            key = (event.key or "").lower()
            if key == "n":
                self.toggle_nullclines()
            elif key == "c":
                self.clear_trajectories()

        self._connections = [canvas.mpl_connect("button_press_event", on_click),
                             canvas.mpl_connect("key_press_event", on_key)]

    def __repr__(self) -> str:
        return (f"VectorFieldHandle(model={self.model.spec.name!r}, vars={self.var_names}, "
                f"mode={self.mode!r}, grid={self.resolution})")


def _mode(mode) -> str:
    name = str(mode or "quiver").lower()
    if name in ("quiver", "arrow", "arrows"):
        return "quiver"
    if name in ("stream", "streamplot", "streamline", "streamlines"):
        return "stream"
    raise ValueError(f"mode must be 'quiver' or 'stream'; got {mode!r}")


def vectorfield(
    model_or_sim,
    *,
    ax=None,
    vars: tuple[str, str] | None = None,
    fixed: Mapping[str, float] | None = None,
    params: Mapping[str, float] | None = None,
    xlim=(-1, 1),
    ylim=(-1, 1),
    resolution=(20, 20),
    normalize: bool = False,
    color: str | None = None,
    speed_color: bool = False,
    speed_cmap: Any | None = None,
    speed_norm: Any | None = None,
    mode: str = "quiver",
    stream_kwargs: Mapping[str, Any] | None = None,
    nullclines: bool = False,
    nullcline_resolution=None,
    nullcline_style: Mapping[str, Any] | None = None,
    interactive: bool = True,
    T: float | None = None,
    dt: float | None = None,
    trajectory_style: Mapping[str, Any] | None = None,
    scale: float | None = None,
    stepper: str | None = None,
    jit: bool = False,
    disk_cache: bool = False,
) -> VectorFieldHandle:
    """Draw an ODE model's vector field on the plane `vars` and return a VectorFieldHandle.

    The model, `vars`, `fixed`, `params`, `xlim`, `ylim`, `resolution` and `normalize` are as in
    eval_vectorfield. `mode`: 'quiver' (arrows) or 'stream' (matplotlib streamplot with
    `stream_kwargs`). `color` colours everything; `speed_color=True` colours by speed instead
    (`speed_cmap`, `speed_norm`). `scale` with `normalize` sets the arrows' length in data units
    (quiver scale, 'xy' units). `nullclines=True` draws the zero contours of both components,
    evaluated unnormalized on a denser grid (`nullcline_resolution`, default 2x the field's,
    40 to 120 per axis), styled by `nullcline_style` (contour keywords).

    With `interactive` (default), clicking in the Axes runs the model from that point up to
    time `T` (default: the model's t_end; `dt` overrides the step) and draws the trajectory
    (`trajectory_style`: Line2D keywords); the 'n' key toggles the nullclines, 'c' clears the
    trajectories.
    """
    mode_name = _mode(mode)
    point = _model_of(model_or_sim, stepper=stepper, jit=jit, disk_cache=disk_cache)
    var_names, var_indices = _plane(point, vars)
    grid_resolution = _resolution(resolution)
    dense_resolution = (_resolution(nullcline_resolution) if nullcline_resolution is not None
                        else _dense_nullcline_resolution(grid_resolution))

    quiver_kwargs: dict[str, Any] = {}
    stream_options = dict(stream_kwargs or {})
    if speed_color:
        if color is not None:
            warnings.warn("vectorfield: color is ignored when speed_color=True", stacklevel=2)
        for options in (quiver_kwargs, stream_options):
            if speed_cmap is not None:
                options.setdefault("cmap", speed_cmap)
            if speed_norm is not None:
                options.setdefault("norm", speed_norm)
    elif color is not None:
        quiver_kwargs["color"] = color
        stream_options.setdefault("color", color)
    if normalize and scale is not None:
        # unit arrows measured in data units: scale=2 draws each arrow half a unit long
        quiver_kwargs.setdefault("scale_units", "xy")
        quiver_kwargs.setdefault("scale", scale)

    X, Y = _grid(xlim, ylim, grid_resolution)
    plot_ax = get_ax(ax)
    run_T = float(T) if T is not None else (point.model.spec.sim or {}).get("t_end")
    handle = VectorFieldHandle(
        ax=plot_ax, point=point, var_names=var_names, var_indices=var_indices,
        X=X, Y=Y, U=np.zeros_like(X), V=np.zeros_like(X), speed=None, mode=mode_name,
        quiver_kwargs=quiver_kwargs, stream_kwargs=stream_options, normalize=normalize,
        speed_color=speed_color, nullcline_style=nullcline_style, xlim=xlim, ylim=ylim,
        resolution=grid_resolution, nullcline_resolution=dense_resolution, fixed=fixed,
        params=params, interactive=interactive, run_T=run_T,
        run_dt=float(dt) if dt is not None else None,
        trajectory_style={"lw": 1.6, "alpha": 0.85, **dict(trajectory_style or {})})
    # one code path for the first drawing and every later one
    handle.update(redraw=False)
    handle._draw_field()

    _finish(plot_ax, {"xlim": xlim, "ylim": ylim, "xlabel": var_names[0], "ylabel": var_names[1]})
    if nullclines:
        handle._draw_nullclines()
    if interactive:
        handle._connect()
    return handle


# --------------------------------------------------------------------------- sweeps

@dataclass(frozen=True)
class _Overrides:
    """One facet or frame: its key/value and the params and fixed states it sets."""

    key: Any
    value: Any
    params: dict[str, float] = field(default_factory=dict)
    fixed: dict[str, float] = field(default_factory=dict)
    title: str | None = None
    idx: int = 0


@dataclass
class VectorFieldSweep:
    """What vectorfield_sweep drew: one handle and Axes per facet, the facets' keys, and the
    shared speed colorbar and norm (None without speed colouring)."""

    handles: tuple[VectorFieldHandle, ...]
    axes: tuple[Any, ...]
    sweep_keys: tuple[Any, ...]
    colorbar: Any | None
    speed_norm: Any | None

    @property
    def figure(self):
        return self.axes[0].figure if self.axes else None


def _sweep_facets(sweep, param, values, target) -> list[_Overrides]:
    target = str(target or "params").lower()
    if target not in ("params", "fixed"):
        raise ValueError(f"target must be 'params' or 'fixed'; got {target!r}")
    if sweep is not None:
        if param is not None or values is not None:
            raise ValueError("pass either sweep= or param=/values=, not both")
        if isinstance(sweep, (str, bytes)):
            raise TypeError("sweep must map facet keys to {'params': {...}, 'fixed': {...}}")
        items = list(sweep.items()) if isinstance(sweep, Mapping) else list(sweep)
        facets = []
        for entry in items:
            if not isinstance(entry, (tuple, list)) or len(entry) != 2 or not isinstance(entry[1], Mapping):
                raise TypeError("each sweep entry must be (key, {'params': {...}, 'fixed': {...}})")
            key, overrides = entry
            unknown = set(overrides) - {"params", "fixed"}
            if unknown:
                raise ValueError(f"sweep entry {key!r}: unknown keys {sorted(unknown)} (use "
                                 f"'params' and 'fixed')")
            facets.append(_Overrides(key=key, value=key, params=_as_floats(overrides.get("params")),
                                     fixed=_as_floats(overrides.get("fixed"))))
    else:
        if param is None or values is None:
            raise ValueError("vectorfield_sweep needs param= and values=, or sweep=")
        items = list(values.items()) if isinstance(values, Mapping) else [(v, v) for v in values]
        facets = [_Overrides(key=key, value=float(value),
                             **{target: {str(param): float(value)}}) for key, value in items]
    if not facets:
        raise ValueError("vectorfield_sweep: the sweep has no facet")
    return facets


def _facet_title(facet_titles, template, facet: _Overrides, idx: int) -> str | None:
    if facet_titles is None:
        facet_titles = template
    if facet_titles is None:
        return None
    if callable(facet_titles):
        return str(facet_titles(facet.key))
    if isinstance(facet_titles, Mapping):
        return str(facet_titles[facet.key]) if facet.key in facet_titles else None
    if isinstance(facet_titles, (list, tuple)):
        return str(facet_titles[idx]) if idx < len(facet_titles) else None
    try:
        return str(facet_titles).format(key=facet.key, value=facet.value, idx=idx)
    except (KeyError, IndexError, ValueError):
        return str(facet_titles)


def _shared_speed_norm(point, entries, *, speed_color, speed_norm, share, vars, xlim, ylim,
                       resolution):
    """One Normalize over every facet's speeds, so equal colours mean equal speeds."""
    if not speed_color or speed_norm is not None or not share:
        return speed_norm
    top = 0.0
    for entry in entries:
        source = point.sim if point.sim is not None else point.model
        _X, _Y, _U, _V, speed = eval_vectorfield(source, vars=vars,
                                                 fixed=entry.fixed, params=entry.params,
                                                 xlim=xlim, ylim=ylim, resolution=resolution,
                                                 return_speed=True)
        finite = speed[np.isfinite(speed)]
        if finite.size:
            top = max(top, float(finite.max()))
    if top <= 0:
        return None
    from matplotlib.colors import Normalize
    return Normalize(vmin=0.0, vmax=top)


def _speed_mappable(handle: VectorFieldHandle):
    if handle.mode == "quiver":
        return handle.quiver
    return getattr(handle.stream, "lines", None)


def _figure_size(size, scale):
    base_scale = float(theme_value("scale", 1.0))
    width, height = size if size is not None else (6.0 * base_scale, 4.0 * base_scale)
    factor = float(scale) if scale is not None else 1.0
    return width * factor, height * factor


def vectorfield_sweep(
    model_or_sim,
    *,
    param: str | None = None,
    values=None,
    sweep=None,
    target: str = "params",
    vars: tuple[str, str] | None = None,
    fixed: Mapping[str, float] | None = None,
    params: Mapping[str, float] | None = None,
    xlim=(-1, 1),
    ylim=(-1, 1),
    resolution=(20, 20),
    normalize: bool = False,
    color: str | None = None,
    speed_color: bool = False,
    speed_cmap: Any | None = None,
    speed_norm: Any | None = None,
    share_speed_norm: bool = True,
    mode: str = "quiver",
    stream_kwargs: Mapping[str, Any] | None = None,
    nullclines: bool = False,
    nullcline_resolution=None,
    nullcline_style: Mapping[str, Any] | None = None,
    interactive: bool = False,
    T: float | None = None,
    dt: float | None = None,
    trajectory_style: Mapping[str, Any] | None = None,
    cols: int = 3,
    sharex: bool | str = True,
    sharey: bool | str = True,
    title: str | None = None,
    facet_titles=None,
    size: tuple[float, float] | None = None,
    scale: float | None = None,
    add_colorbar: bool = True,
    stepper: str | None = None,
    jit: bool = False,
    disk_cache: bool = False,
) -> VectorFieldSweep:
    """One vector field per facet, wrapped into `cols` columns of a new figure.

    Facets are `param=` with `values=` (a sequence, or a mapping whose keys become the facet
    keys), applied to the params (`target='params'`) or the fixed states (`target='fixed'`); or
    `sweep=`, a mapping/sequence of `(key, {'params': {...}, 'fixed': {...}})`. `params` and
    `fixed` are the base every facet starts from. Titles: `facet_titles` (a format string with
    {key}, {value}, {idx}; a callable of the key; a mapping or list), default 'param=value' or
    the key; `title` titles the figure. With speed colouring every facet shares one norm
    (`share_speed_norm`) and one colorbar (`add_colorbar`). `size` (inches) and `scale`
    (a factor) size the figure. The other keywords are vectorfield's.
    """
    if int(cols) < 1:
        raise ValueError(f"cols must be at least 1; got {cols}")
    facets = _sweep_facets(sweep, param, values, target)
    base_params, base_fixed = _as_floats(params), _as_floats(fixed)
    facets = [_Overrides(key=f.key, value=f.value, params={**base_params, **f.params},
                         fixed={**base_fixed, **f.fixed}) for f in facets]
    point = _model_of(model_or_sim, stepper=stepper, jit=jit, disk_cache=disk_cache)
    model_for_facets = point.sim if point.sim is not None else point.model
    norm = _shared_speed_norm(point, facets, speed_color=speed_color, speed_norm=speed_norm,
                              share=share_speed_norm, vars=vars, xlim=xlim, ylim=ylim,
                              resolution=resolution)

    plt = pyplot()
    n_cols = min(int(cols), len(facets))
    n_rows = math.ceil(len(facets) / n_cols)
    figure, grid = plt.subplots(n_rows, n_cols, sharex=sharex, sharey=sharey, squeeze=False,
                                figsize=_figure_size(size, scale), layout="constrained")
    all_axes = list(grid.ravel())
    for spare in all_axes[len(facets):]:
        spare.set_visible(False)
    if title:
        figure.suptitle(title)

    template = f"{param}={{value}}" if sweep is None else "{key}"
    handles = []
    for idx, (ax, facet) in enumerate(zip(all_axes, facets)):
        handle = vectorfield(
            model_for_facets, ax=ax, vars=vars, fixed=facet.fixed, params=facet.params,
            xlim=xlim, ylim=ylim, resolution=resolution, normalize=normalize, color=color,
            speed_color=speed_color, speed_cmap=speed_cmap, speed_norm=norm, mode=mode,
            stream_kwargs=stream_kwargs, nullclines=nullclines,
            nullcline_resolution=nullcline_resolution, nullcline_style=nullcline_style,
            interactive=interactive, T=T, dt=dt, trajectory_style=trajectory_style)
        facet_title = _facet_title(facet_titles, template, facet, idx)
        if facet_title:
            ax.set_title(facet_title)
        handles.append(handle)

    colorbar = None
    used_axes = all_axes[: len(facets)]
    if speed_color and add_colorbar and norm is not None:
        mappable = _speed_mappable(handles[0])
        if mappable is not None:
            colorbar = figure.colorbar(mappable, ax=used_axes)
    return VectorFieldSweep(handles=tuple(handles), axes=tuple(used_axes),
                            sweep_keys=tuple(f.key for f in facets), colorbar=colorbar,
                            speed_norm=norm)


# --------------------------------------------------------------------------- animation

@dataclass
class VectorFieldAnimation:
    """A vector field animated over frames: the handle it updates, the matplotlib
    FuncAnimation, and each frame's overrides (`frames[i].params`, `.fixed`, `.title`)."""

    handle: VectorFieldHandle
    animation: Any
    frames: tuple

    @property
    def ax(self):
        return self.handle.ax

    @property
    def figure(self):
        return self.handle.ax.figure

    def save(self, path, **kwargs):
        """Save with matplotlib's Animation.save (e.g. `writer="pillow"` for a GIF, which needs
        no ffmpeg); returns `path`."""
        self.animation.save(path, **kwargs)
        return path

    def to_jshtml(self, **kwargs) -> str:
        """The animation as a self-contained HTML/JavaScript player (no external encoder)."""
        return self.animation.to_jshtml(**kwargs)


def _call_with_index(function: Callable, value, idx: int):
    """function(value, idx), or function(value) for a one-argument function. The signature
    decides, so a TypeError raised inside the function is not mistaken for the wrong arity."""
    try:
        inspect.signature(function).bind(value, idx)
    except TypeError:
        return function(value)
    except ValueError:  # no signature available (some builtins): try both
        try:
            return function(value, idx)
        except TypeError:
            return function(value)
    return function(value, idx)


def _animation_frames(*, frames, param, values, params_func, fixed_func, title_func,
                      base_params, base_fixed) -> list[_Overrides]:
    if values is not None and params_func is not None:
        raise ValueError("pass values= (with param=) or params_func=, not both")
    value_list = list(values) if values is not None else None
    if value_list is not None and param is None:
        raise ValueError("values= needs param= (the name the values are for)")
    if frames is None:
        if value_list is None:
            raise ValueError("vectorfield_animate needs frames=, values= (with param=) or "
                             "duration=")
        frame_list = value_list
    elif isinstance(frames, (int, np.integer)):
        if frames <= 0:
            raise ValueError(f"frames must be positive; got {frames}")
        frame_list = list(range(int(frames)))
        if value_list is not None and len(value_list) != len(frame_list):
            raise ValueError(f"values has {len(value_list)} entries for {frames} frames")
    else:
        if value_list is not None:
            raise ValueError("pass frames as a count with values=, or frames as an iterable "
                             "without values=")
        frame_list = list(frames)
        if not frame_list:
            raise ValueError("frames is empty")

    specs = []
    for idx, frame in enumerate(frame_list):
        frame_params, frame_fixed = dict(base_params), dict(base_fixed)
        if value_list is not None:
            frame_params[str(param)] = float(value_list[idx])
        elif param is not None and not isinstance(frame, Mapping):
            frame_params[str(param)] = float(frame)
        if isinstance(frame, Mapping):
            frame_params.update(_as_floats(frame.get("params")))
            frame_fixed.update(_as_floats(frame.get("fixed")))
        if params_func is not None:
            frame_params.update(_as_floats(_call_with_index(params_func, frame, idx)))
        if fixed_func is not None:
            frame_fixed.update(_as_floats(_call_with_index(fixed_func, frame, idx)))
        frame_title = None
        if title_func is not None:
            made = _call_with_index(title_func, frame, idx)
            frame_title = None if made is None else str(made)
        specs.append(_Overrides(key=idx, value=frame, params=frame_params, fixed=frame_fixed,
                                title=frame_title, idx=idx))
    return specs


def vectorfield_animate(
    model_or_sim,
    *,
    ax=None,
    frames=None,
    duration: float | None = None,
    fps: float = 15.0,
    interval: float | None = None,
    repeat: bool = True,
    repeat_delay: float | None = None,
    param: str | None = None,
    values=None,
    params_func: Callable | None = None,
    fixed_func: Callable | None = None,
    title: str | None = None,
    title_func: Callable | None = None,
    vars: tuple[str, str] | None = None,
    fixed: Mapping[str, float] | None = None,
    params: Mapping[str, float] | None = None,
    xlim=(-1, 1),
    ylim=(-1, 1),
    resolution=(20, 20),
    normalize: bool = False,
    color: str | None = None,
    speed_color: bool = False,
    speed_cmap: Any | None = None,
    speed_norm: Any | None = None,
    share_speed_norm: bool = True,
    mode: str = "quiver",
    stream_kwargs: Mapping[str, Any] | None = None,
    nullclines: bool = False,
    nullcline_resolution=None,
    nullcline_style: Mapping[str, Any] | None = None,
    interactive: bool = False,
    T: float | None = None,
    dt: float | None = None,
    trajectory_style: Mapping[str, Any] | None = None,
    scale: float | None = None,
    stepper: str | None = None,
    jit: bool = False,
    disk_cache: bool = False,
    blit: bool = False,
) -> VectorFieldAnimation:
    """Animate one vector field over frames; returns a VectorFieldAnimation.

    Frames: `param=` with `values=` (one frame per value); or `frames=` — a count (with
    `values=`, or with `params_func`/`fixed_func`), or an iterable of values (each also setting
    `param` when given) or of {'params': {...}, 'fixed': {...}} mappings; or `duration=`
    seconds at `fps`. `params_func(value, idx)` / `fixed_func(value, idx)` return each frame's
    overrides (one-argument functions get the value only), `title_func(value, idx)` its title;
    `title` is a fixed title. `params`/`fixed` are the base of every frame. `interval` (ms,
    default 1000/fps), `repeat`, `repeat_delay`, `blit` go to matplotlib's FuncAnimation. Speed
    colours share one norm over all frames unless `share_speed_norm=False`. The other keywords
    are vectorfield's. Save with `.save("out.gif", writer="pillow")` or `.to_jshtml()`.
    """
    _mode(mode)  # a bad mode fails before any evaluation
    if frames is None and values is None and duration is not None:
        if fps <= 0:
            raise ValueError(f"fps must be positive; got {fps}")
        frames = int(round(float(duration) * float(fps)))
    specs = _animation_frames(frames=frames, param=param, values=values, params_func=params_func,
                              fixed_func=fixed_func, title_func=title_func,
                              base_params=_as_floats(params), base_fixed=_as_floats(fixed))
    point = _model_of(model_or_sim, stepper=stepper, jit=jit, disk_cache=disk_cache)
    model_for_frames = point.sim if point.sim is not None else point.model
    norm = _shared_speed_norm(point, specs, speed_color=speed_color, speed_norm=speed_norm,
                              share=share_speed_norm, vars=vars, xlim=xlim, ylim=ylim,
                              resolution=resolution)
    first = specs[0]
    handle = vectorfield(
        model_for_frames, ax=ax, vars=vars, fixed=first.fixed, params=first.params, xlim=xlim,
        ylim=ylim, resolution=resolution, normalize=normalize, color=color,
        speed_color=speed_color, speed_cmap=speed_cmap, speed_norm=norm, mode=mode,
        stream_kwargs=stream_kwargs, nullclines=nullclines,
        nullcline_resolution=nullcline_resolution, nullcline_style=nullcline_style,
        interactive=interactive, T=T, dt=dt, trajectory_style=trajectory_style, scale=scale)
    frame_title = first.title or title
    if frame_title:
        handle.ax.set_title(frame_title)

    def draw_frame(spec: _Overrides):
        handle._set_field(params=spec.params, fixed=spec.fixed, normalize=None, redraw=True)
        if spec.title is not None or title:
            handle.ax.set_title(spec.title if spec.title is not None else title)
        return []

    from matplotlib import animation
    anim = animation.FuncAnimation(
        handle.ax.figure, draw_frame, frames=specs,
        interval=float(interval) if interval is not None else 1000.0 / float(fps),
        repeat=bool(repeat), repeat_delay=repeat_delay, blit=blit, save_count=len(specs))
    # The caller may keep the animation without ever showing or saving it (scripts that only
    # build it, tests); matplotlib would then warn when it is collected. Its first frame is
    # already drawn by vectorfield(), so mark it started.
    anim._draw_was_started = True
    return VectorFieldAnimation(handle=handle, animation=anim, frames=tuple(specs))
