"""dynlib.plot: pictures of runs, sweeps and analyses, on matplotlib.

The module layout and names follow the reference dynlib so its scripts run unchanged
(`from dynlib.plot import series, phase, theme, fig, export, bifurcation_diagram, ...`).
Every function returns the matplotlib Axes (or Figure) it drew on.

Submodules load on first use (PEP 562 module __getattr__), so `import dynlib.plot` stays cheap
and a script that only draws time series never imports the vector-field machinery.
"""
from __future__ import annotations

import importlib

# public name -> (private module, attribute in it; None = the module itself)
_EXPORTS = {
    "theme": ("._theme", None),
    "fig": ("._fig", None),
    "export": ("._export", None),
    "series": ("._primitives", "series"),
    "phase": ("._primitives", "phase"),
    "utils": ("._primitives", "utils"),
    "manifold": ("._primitives", "manifold"),
    "facet": ("._facet", None),
    "cobweb": (".dynamics", "cobweb"),
    "bifurcation_diagram": (".bifurcation", "bifurcation_diagram"),
    "basin_plot": (".basin", "basin_plot"),
    "vectorfield": (".vectorfield", "vectorfield"),
    "eval_vectorfield": (".vectorfield", "eval_vectorfield"),
    "VectorFieldHandle": (".vectorfield", "VectorFieldHandle"),
    "vectorfield_sweep": (".vectorfield", "vectorfield_sweep"),
    "VectorFieldSweep": (".vectorfield", "VectorFieldSweep"),
    "vectorfield_animate": (".vectorfield", "vectorfield_animate"),
    "VectorFieldAnimation": (".vectorfield", "VectorFieldAnimation"),
}

__all__ = sorted([*_EXPORTS, "trace", "return_map"])


def __getattr__(name):
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'dynlib.plot' has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    # Bind every export of that module now: importing `.vectorfield` made Python set the package
    # attribute `vectorfield` to the module, and the function of the same name must win.
    for export, (source, attr) in _EXPORTS.items():
        if source == module_name:
            globals()[export] = module if attr is None else getattr(module, attr)
    return globals()[name]


def __dir__():
    return __all__


def trace(*args, **kwargs):
    """The reference's alias of series.line."""
    return __getattr__("series").line(*args, **kwargs)


def return_map(*args, **kwargs):
    """The reference's alias of phase.return_map."""
    return __getattr__("phase").return_map(*args, **kwargs)
