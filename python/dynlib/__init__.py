"""dynlib: simulate dynamical systems (ODEs and maps) written as TOML models.

    from dynlib import setup
    sim = setup("builtin://ode/lorenz", stepper="rk4")
    res = sim.run(T=50.0, dt=0.01)
    x = res["x"]            # a read-only numpy view of the recorded buffer

See docs/python.md for the whole API.
"""
from ._dynlib import (
    BatchResults,
    CacheError,
    CompileError,
    DynlibError,
    EventLog,
    FullModel,
    JITUnavailableError,
    ModelError,
    ModelFunction,
    ModelInfo,
    ModelNotFoundError,
    ModelPart,
    ModelWarning,
    Results,
    Sim,
    __version__,
    build,
    jit_stats,
    parse_jit_mode,
    reset_jit_stats,
    run_batch,
    setup,
    steppers,
)

__all__ = [
    "setup",
    "build",
    "Sim",
    "run_batch",
    "BatchResults",
    "FullModel",
    "ModelInfo",
    "ModelPart",
    "ModelFunction",
    "Results",
    "EventLog",
    "steppers",
    "parse_jit_mode",
    "jit_stats",
    "reset_jit_stats",
    "DynlibError",
    "ModelError",
    "ModelWarning",
    "ModelNotFoundError",
    "JITUnavailableError",
    "CompileError",
    "CacheError",
    "__version__",
]

# The classes are defined in the extension; name them after the package users import, so help(),
# repr() of the types and tracebacks say dynlib.Sim rather than dynlib._dynlib.Sim.
for _cls in (Sim, FullModel, ModelInfo, ModelPart, ModelFunction, Results, EventLog, BatchResults):
    _cls.__module__ = "dynlib"
del _cls
