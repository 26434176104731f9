"""Post-processing of results: bifurcation extraction and trajectory statistics."""
import importlib

_EXPORTS = {
    "BifurcationResult": "bifurcation",
    "BifurcationExtractor": "bifurcation",
    "TrajectoryAnalyzer": "trajectory",
    "MultiVarAnalyzer": "trajectory",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dynlib.analysis.post' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
