"""The reference dynlib's error classes (``dynlib.errors``), on this package's hierarchy.

Every class derives from :class:`dynlib.DynlibError`, so ``except DynlibError`` still catches
everything. The ones this package raises are its own classes under the reference's names:

* ``ModelLoadError`` is :class:`dynlib.ModelError` (a model that fails parsing or validation; it
  carries file, line, column and a did-you-mean);
* ``ModelNotFoundError``, ``PathTraversalError``, ``ConfigError``, ``StepperKindMismatchError`` and
  ``JITUnavailableError`` are raised where the reference raises them.

Two exist so that scripts catching them import and run, but nothing here raises them:
``AmbiguousModelError`` (a URI resolves to ``NAME.toml`` only, so it cannot match two files) and
``StepperJitCapabilityError`` (every stepper runs with ``jit=True``; cvode steps on the host with a
native right-hand side).
"""
from ._dynlib import (
    CacheError,
    CompileError,
    ConfigError,
    DynlibError,
    JITUnavailableError,
    ModelError,
    ModelNotFoundError,
    PathTraversalError,
    StepperKindMismatchError,
)

__all__ = [
    "DynlibError",
    "ModelLoadError",
    "ModelNotFoundError",
    "ConfigError",
    "PathTraversalError",
    "AmbiguousModelError",
    "StepperKindMismatchError",
    "StepperJitCapabilityError",
    "JITUnavailableError",
    "ModelError",
    "CompileError",
    "CacheError",
]

ModelLoadError = ModelError


class AmbiguousModelError(DynlibError):
    """A model URI that matches several files (never raised here; see the module's doc)."""

    def __init__(self, uri, matches):
        self.uri = uri
        self.matches = list(matches)
        super().__init__(f"ambiguous model URI '{uri}': matches {', '.join(self.matches)}")


class StepperJitCapabilityError(DynlibError):
    """A stepper that cannot run natively (never raised here; see the module's doc)."""

    def __init__(self, stepper_name):
        self.stepper_name = stepper_name
        super().__init__(f"stepper '{stepper_name}' cannot run with jit=True")
