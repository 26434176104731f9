"""The model behind a cobweb or vector field, evaluated through its callable rhs.

`model.rhs(t, y, params)` of a FullModel is dy/dt (ODE) or the next state (map), computed by the
build's own backend (native code when jit is on); nothing here re-reads the equations."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ModelPoint:
    """A FullModel and the state, params and time its plots start from."""

    model: Any
    sim: Any | None
    state_names: tuple[str, ...]
    param_names: tuple[str, ...]
    state: np.ndarray
    params: dict[str, Any]
    t0: float
    kind: str
    state_index: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.state_index = {name: i for i, name in enumerate(self.state_names)}

    def state_position(self, state: str | int | None, *, what: str) -> int:
        """The index of a state given by name or index (None: the only state)."""
        if state is None:
            if len(self.state_names) != 1:
                raise ValueError(f"{what}: the model has states {list(self.state_names)}; pass "
                                 f"state= (a name or an index)")
            return 0
        if isinstance(state, (int, np.integer)):
            if not 0 <= int(state) < len(self.state_names):
                raise IndexError(f"{what}: state index {state} is out of range for states "
                                 f"{list(self.state_names)}")
            return int(state)
        if state not in self.state_index:
            raise KeyError(f"{what}: unknown state {state!r}; states: "
                           f"{', '.join(self.state_names)}")
        return self.state_index[state]

    def with_overrides(self, fixed: Mapping[str, float] | None = None,
                       params: Mapping[str, Any] | None = None, *, skip=(),
                       fixed_may_name_params: bool = False, what: str = "plot"):
        """(state vector, params dict) with `fixed` states (and with fixed_may_name_params also
        params; 'state__x'/'y__x' and 'param__a'/'p__a' force the kind) and `params` applied.
        States at the indices in `skip` are set per grid point, so `fixed` leaves them alone."""
        state = np.array(self.state, dtype=float, copy=True)
        merged = dict(self.params)
        for key, value in (fixed or {}).items():
            kind, name = None, str(key)
            for prefix, prefix_kind in (("state__", "state"), ("y__", "state"),
                                        ("param__", "param"), ("p__", "param")):
                if name.startswith(prefix) and fixed_may_name_params:
                    kind, name = prefix_kind, name[len(prefix):]
            if kind is None:
                if name in self.state_index:
                    kind = "state"
                elif fixed_may_name_params and name in self.param_names:
                    kind = "param"
            if kind == "state" and name in self.state_index:
                if self.state_index[name] not in skip:
                    state[self.state_index[name]] = float(value)
            elif kind == "param" and name in self.param_names:
                merged[name] = value
            else:
                choices = list(self.state_names) + (list(self.param_names)
                                                    if fixed_may_name_params else [])
                raise KeyError(f"{what}: fixed={{{key!r}: ...}} names no state"
                               f"{' or param' if fixed_may_name_params else ''} of the model; "
                               f"choices: {', '.join(choices)}")
        for name, value in (params or {}).items():
            if name not in self.param_names:
                raise KeyError(f"{what}: unknown param {name!r}; params: "
                               f"{', '.join(self.param_names) or '(none)'}")
            merged[name] = value
        return state, merged


def model_point(obj, *, what: str) -> ModelPoint:
    """A ModelPoint of a Sim (its current state and params), a FullModel (its defaults) or a
    model URI (built without jit)."""
    sim = None
    if isinstance(obj, str) or hasattr(obj, "__fspath__"):
        import dynlib
        obj = dynlib.build(obj)
    if hasattr(obj, "model") and hasattr(obj, "state") and hasattr(obj, "param"):
        sim, model = obj, obj.model
    else:
        model = obj
    spec = getattr(model, "spec", None)
    if spec is None or not callable(getattr(model, "rhs", None)):
        raise TypeError(f"{what} needs a dynlib Sim, FullModel or model URI (or a callable); got "
                        f"{type(obj).__name__}")
    state_names = tuple(spec.state_names)
    param_names = tuple(spec.params)
    if sim is not None:
        state = np.asarray(sim.state(), dtype=float)
        params = {name: sim.param(name) for name in param_names}
    else:
        state = np.asarray(spec.initial_state, dtype=float)
        params = dict(spec.params)
    t0 = (spec.sim or {}).get("t0")
    return ModelPoint(model=model, sim=sim, state_names=state_names, param_names=param_names,
                      state=state, params=params, t0=float(t0) if t0 is not None else 0.0,
                      kind=str(spec.kind))
