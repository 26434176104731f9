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
    ConfigError,
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
    PathTraversalError,
    Results,
    Sim,
    StepperKindMismatchError,
    __version__,
    build,
    jit_report,
    jit_stats,
    parse_jit_mode,
    reset_jit_stats,
    run_batch,
    setup,
    steppers,
)

from .stepper_registry import get_stepper, list_steppers, registry, select_steppers
from .runtime.runner_api import (
    DONE,
    EARLY_EXIT,
    GROW_EVT,
    GROW_REC,
    NAN_DETECTED,
    OK,
    STEPFAIL,
    USER_BREAK,
    Status,
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
    "list_steppers",
    "select_steppers",
    "get_stepper",
    "registry",
    "parse_jit_mode",
    "jit_report",
    "jit_stats",
    "reset_jit_stats",
    "DynlibError",
    "ModelError",
    "ModelWarning",
    "ModelNotFoundError",
    "JITUnavailableError",
    "CompileError",
    "CacheError",
    "ConfigError",
    "PathTraversalError",
    "StepperKindMismatchError",
    "__version__",
    "Status",
    "OK",
    "STEPFAIL",
    "NAN_DETECTED",
    "EARLY_EXIT",
    "DONE",
    "GROW_REC",
    "GROW_EVT",
    "USER_BREAK",
]

# The classes are defined in the extension; name them after the package users import, so help(),
# repr() of the types and tracebacks say dynlib.Sim rather than dynlib._dynlib.Sim.
for _cls in (Sim, FullModel, ModelInfo, ModelPart, ModelFunction, Results, EventLog, BatchResults):
    _cls.__module__ = "dynlib"
del _cls

# The reference's event views (res.event("spike"), res.event(tag=...)), discovery methods, flags
# and to_pandas() on Results (dynlib.runtime.results_api); snapshot files and session summaries
# on Sim (dynlib.runtime.snapshots); run(tag=) and res.segment (dynlib.runtime.segments);
# assign(clear_history=), raw_results() and dry_run() (dynlib.runtime.session_api); preset banks
# and files (dynlib.runtime.presets).
from .runtime import results_api as _results_api
from .runtime import presets as _presets
from .runtime import segments as _segments
from .runtime import session_api as _session_api
from .runtime import snapshots as _snapshots

_results_api.install(Results)
_snapshots.install(Sim)
_segments.install(Sim, Results)
_session_api.install(Sim)
_presets.install(Sim)

from . import equations as _equations

_equations.install(FullModel)

