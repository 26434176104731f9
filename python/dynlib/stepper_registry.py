"""The reference dynlib's stepper registry functions, over this package's stepper listing.

    from dynlib import list_steppers, select_steppers, get_stepper, registry
    list_steppers(kind="ode", scheme="implicit")      # ['bdf2', 'bdf2a', ...]
    get_stepper("dopri5").meta.order                   # 5 (aliases resolve)

Each stepper is described by a ``StepperInfo`` (the reference's ``StepperMeta``) with a ``caps``
block (``StepperCaps``). The facts come from the compiled registry (``dynlib.steppers()``); only
the reference's family names are a table here.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from ._dynlib import steppers as _steppers

__all__ = ["StepperCaps", "StepperInfo", "StepperMeta", "StepperSpec", "list_steppers",
           "select_steppers", "get_stepper", "registry"]

# The reference's family of each method (its StepperMeta.family).
_FAMILIES = {
    "map": "iter", "euler": "euler", "rk2": "runge-kutta", "rk4": "runge-kutta",
    "rk45": "runge-kutta", "ab2": "adams-bashforth", "ab3": "adams-bashforth",
    "sdirk2": "dirk", "bdf2": "bdf", "bdf2a": "bdf", "tr-bdf2a": "tr-bdf2",
    "rodas3": "rosenbrock", "cvode": "bdf", "cvode-adams": "adams-moulton",
}


@dataclass(frozen=True)
class StepperCaps:
    """Implementation capabilities (the reference's StepperCaps)."""
    dense_output: bool = False
    jacobian: str = "none"  # "none" | "optional": the stepper can use the model's Jacobian
    jit_capable: bool = True  # every stepper runs natively here
    requires_scipy: bool = False
    variational_stepping: bool = True  # Lyapunov observers work with every stepper here


@dataclass(frozen=True)
class StepperInfo:
    """What a stepper is (the reference's StepperMeta)."""
    name: str
    kind: str  # "ode" | "map"
    time_control: str = "fixed"  # "fixed" | "adaptive"
    scheme: str = "explicit"  # "explicit" | "implicit"
    geometry: frozenset = frozenset()
    family: str = ""
    order: int = 1
    embedded_order: int | None = None
    stiff: bool = False
    aliases: tuple = ()
    caps: StepperCaps = field(default_factory=StepperCaps)


StepperMeta = StepperInfo  # the reference's other name


@dataclass(frozen=True)
class StepperSpec:
    """A registered stepper: ``name``, ``meta`` (StepperInfo) and this package's ``description``."""
    name: str
    meta: StepperInfo
    description: str = ""


_META_FIELDS = {f.name for f in fields(StepperInfo)} - {"caps"}
_CAPS_FIELDS = {f.name for f in fields(StepperCaps)}


def _spec(row: dict) -> StepperSpec:
    caps = StepperCaps(jacobian="optional" if row["jacobian"] else "none")
    meta = StepperInfo(
        name=row["name"], kind=row["kind"],
        time_control="adaptive" if row["adaptive"] else "fixed",
        scheme="implicit" if row["implicit"] else "explicit",
        family=_FAMILIES.get(row["name"], ""), order=row["order"],
        embedded_order=row["embedded_order"] or None, stiff=row["stiff"],
        aliases=tuple(row["aliases"]), caps=caps)
    return StepperSpec(row["name"], meta, row["description"])


def _specs() -> list[StepperSpec]:
    return [_spec(row) for row in _steppers()]


def registry() -> dict[str, StepperSpec]:
    """Every name a stepper answers to (canonical names and aliases) -> its StepperSpec."""
    out: dict[str, StepperSpec] = {}
    for spec in _specs():
        out[spec.name] = spec
        for alias in spec.meta.aliases:
            out[alias] = spec
    return out


def get_stepper(name: str) -> StepperSpec:
    """The stepper called ``name`` (or an alias of it); KeyError with a did-you-mean otherwise."""
    table = registry()
    if name in table:
        return table[name]
    import difflib
    close = difflib.get_close_matches(name, list(table), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(table))}"
    raise KeyError(f"unknown stepper '{name}'{hint}")


def select_steppers(*, name_pattern: str | None = None,
                    predicate: Callable[[StepperInfo], bool] | None = None,
                    **filters: Any) -> list[StepperInfo]:
    """The steppers whose StepperInfo / StepperCaps fields equal every filter given, e.g.
    ``select_steppers(kind="ode", scheme="implicit")``, ``select_steppers(stiff=True)``;
    ``name_pattern`` is a glob on the name, ``predicate`` an extra test. One entry per stepper."""
    unknown = sorted(set(filters) - _META_FIELDS - _CAPS_FIELDS)
    if unknown:
        raise TypeError(f"unknown stepper filter field(s): {', '.join(unknown)}; StepperInfo "
                        f"fields: {sorted(_META_FIELDS)}; StepperCaps fields: "
                        f"{sorted(_CAPS_FIELDS)}")
    chosen = []
    for spec in _specs():
        meta = spec.meta
        if name_pattern is not None and not fnmatch.fnmatchcase(meta.name, name_pattern):
            continue
        if any(getattr(meta.caps if key in _CAPS_FIELDS else meta, key) != value
               for key, value in filters.items()):
            continue
        if predicate is not None and not predicate(meta):
            continue
        chosen.append(meta)
    return chosen


def list_steppers(**filters: Any) -> list[str]:
    """The canonical names of select_steppers(**filters), sorted."""
    return sorted(info.name for info in select_steppers(**filters))
