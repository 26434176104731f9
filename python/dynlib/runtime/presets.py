"""Preset banks of a Sim, with the reference dynlib's names and preset file format.

Each Sim has a bank of presets: first the model's own ``[presets.NAME]`` tables, then what
``add_preset`` and ``load_preset`` put there. ``list_presets(pattern)`` lists it (sorted, glob
patterns), ``apply_preset(name)`` assigns a preset's states and params to the session (atomically;
time, stepper history and results stay), ``add_preset(name, states=, params=, overwrite=)`` adds
one (both omitted: the session's current states and params), ``load_preset(name_or_pattern,
path, on_conflict=)`` reads presets from a file and ``save_preset(name, path, overwrite=)`` writes
one into a file (created or updated, replaced atomically).

The file format is the reference's::

    [__presets__]
    schema = "dynlib-presets-v1"

    [presets.NAME.params]
    a = 0.02
    [presets.NAME.states]     # optional
    v = -65.0
"""
from __future__ import annotations

import difflib
import fnmatch
import os
import tempfile
import tomllib
import warnings
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from .._toml_writer import toml_dumps

SCHEMA = "dynlib-presets-v1"
__all__ = ["SCHEMA", "install"]


def _number(value):
    """A preset value: integers stay exact ints (an int64 model's values beyond 2**53 would round
    as floats); everything else is a float."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return float(value)


def _bank(sim) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{name: {"params": {...}, "states": {...}}}; the model's presets are read on first use."""
    bank = sim.__dict__.get("_preset_bank")
    if bank is None:
        bank = {name: _model_preset(sim, name) for name in sim.model.spec.presets}
        sim.__dict__["_preset_bank"] = bank
    return bank


def _model_preset(sim, name: str) -> Dict[str, Dict[str, float]]:
    """The names and values a model preset sets: applied to scratch Sims whose every value is a
    sentinel, the names it sets are those that no longer hold the sentinel (two sentinels, so a
    preset value equal to one of them is still seen)."""
    from .. import Sim

    seen: Dict[str, Dict[str, float]] = {"states": {}, "params": {}}
    for sentinel in (0.0, 1.0):
        scratch = Sim(sim.model)
        scratch.assign({**{s: sentinel for s in sim.model.spec.state_names},
                        **{p: _filled(v, sentinel) for p, v in _param_values(scratch).items()}})
        _EXT_APPLY(scratch, name)
        for s, v in scratch.state_dict().items():
            if v != sentinel:
                seen["states"][s] = _number(v)
        for p, v in scratch.param_dict().items():
            if v != sentinel:
                seen["params"][p] = _number(v)
    return {k: v for k, v in seen.items() if v}


def _param_values(sim) -> Dict[str, Any]:
    return {p: sim.param(p) for p in sim.model.spec.param_names}


def _filled(value, sentinel: float):
    return [sentinel] * len(value) if isinstance(value, list) else sentinel


def _check_names(sim, name: str, preset: Mapping[str, Mapping[str, float]]) -> None:
    if not preset.get("params") and not preset.get("states"):
        raise ValueError(f"preset '{name}' is empty: it must set at least one param or state")
    for section, known in (("params", list(sim.param_dict())),
                           ("states", list(sim.model.spec.state_names))):
        for key in preset.get(section, {}):
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"preset '{name}' sets an unknown {section[:-1]} '{key}'{hint}")


def list_presets(self, pattern: str = "*") -> List[str]:
    """The bank's preset names matching a glob pattern, sorted."""
    return sorted(n for n in _bank(self) if fnmatch.fnmatch(n, pattern))


def apply_preset(self, name: str) -> None:
    """Assigns the preset's states and params (all or nothing)."""
    bank = _bank(self)
    if name not in bank:
        close = difflib.get_close_matches(name, list(bank), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KeyError(f"no preset named '{name}' in this Sim's bank "
                       f"(it has {sorted(bank) or 'none'}){hint}")
    preset = bank[name]
    _check_names(self, name, preset)
    self.assign({**preset.get("params", {}), **preset.get("states", {})})


def add_preset(self, name: str, *, states=None, params=None, overwrite: bool = False) -> None:
    """Adds a preset to the bank: the given states and/or params (a mapping, possibly partial,
    or a full vector in model order), or with neither the session's current values."""
    bank = _bank(self)
    if not name:
        raise ValueError("a preset needs a name")
    if name in bank and not overwrite:
        raise ValueError(f"preset '{name}' exists in this Sim's bank already "
                         "(overwrite=True replaces it)")

    def normalise(values, names: List[str], what: str) -> Dict[str, float]:
        if isinstance(values, Mapping):
            return {str(k): _number(v) for k, v in values.items()}
        array = np.asarray(values)
        if array.dtype.kind not in "iu":
            array = array.astype(np.float64)
        if array.ndim != 1 or array.shape[0] != len(names):
            raise ValueError(f"{what} as a vector needs {len(names)} values ({', '.join(names)}), "
                             f"got shape {array.shape}")
        return dict(zip(names, array.tolist()))

    state_names, param_names = list(self.model.spec.state_names), list(self.param_dict())
    if states is None and params is None:
        preset = {"states": dict(self.state_dict()), "params": dict(self.param_dict())}
    else:
        preset = {}
        if states is not None:
            preset["states"] = normalise(states, state_names, "states")
        if params is not None:
            preset["params"] = normalise(params, param_names, "params")
    _check_names(self, name, preset)
    bank[name] = {k: v for k, v in preset.items() if v}


def _read_file(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise ValueError(f"cannot read preset file {str(path)!r}: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{str(path)!r} is not valid TOML: {e}") from e
    schema = doc.get("__presets__", {}).get("schema") if isinstance(
        doc.get("__presets__"), dict) else None
    if schema != SCHEMA:
        raise ValueError(f"{str(path)!r}: [__presets__] schema must be '{SCHEMA}', "
                         f"found {schema!r}")
    if not isinstance(doc.get("presets", {}), dict):
        raise ValueError(f"{str(path)!r}: [presets] must be a table")
    return doc


def load_preset(self, name_or_pattern: str, path, *, on_conflict: str = "error") -> int:
    """Loads the presets named (or matching a glob pattern) from a preset file into the bank.
    on_conflict: "error" (a name in the bank already), "keep" or "replace" (with a warning).
    Returns how many were loaded."""
    if on_conflict not in ("error", "keep", "replace"):
        raise ValueError(f"on_conflict must be 'error', 'keep' or 'replace', not {on_conflict!r}")
    path = Path(path)
    presets = _read_file(path).get("presets", {})
    names = [n for n in presets if fnmatch.fnmatch(n, name_or_pattern)]
    if not names:
        raise ValueError(f"no preset matching '{name_or_pattern}' in {str(path)!r} "
                         f"(it has {sorted(presets)})")
    loaded: Dict[str, Dict[str, Dict[str, float]]] = {}
    for name in names:
        table = presets[name]
        if not isinstance(table, dict) or any(
                not isinstance(table.get(k, {}), dict) for k in ("params", "states")):
            raise ValueError(f"{str(path)!r}: [presets.{name}] must hold params/states tables")
        preset = {k: {key: _number(v) for key, v in table[k].items()}
                  for k in ("params", "states") if table.get(k)}
        _check_names(self, name, preset)
        loaded[name] = preset
    bank = _bank(self)
    count = 0
    for name, preset in loaded.items():
        if name in bank:
            if on_conflict == "error":
                raise ValueError(f"preset '{name}' exists in this Sim's bank already "
                                 "(on_conflict='keep' or 'replace')")
            if on_conflict == "keep":
                warnings.warn(f"preset '{name}' kept from the bank, the file's skipped",
                              RuntimeWarning, stacklevel=2)
                continue
            warnings.warn(f"preset '{name}' in the bank replaced by the file's",
                          RuntimeWarning, stacklevel=2)
        bank[name] = preset
        count += 1
    return count


def save_preset(self, name: str, path, *, overwrite: bool = False) -> None:
    """Writes a bank preset into a preset file (created if missing; other content kept; the file
    is replaced atomically)."""
    bank = _bank(self)
    if name not in bank:
        raise KeyError(f"no preset named '{name}' in this Sim's bank (it has {sorted(bank)})")
    path = Path(path)
    doc = _read_file(path) if path.exists() else {"__presets__": {"schema": SCHEMA}}
    presets = doc.setdefault("presets", {})
    if name in presets and not overwrite:
        raise ValueError(f"preset '{name}' exists in {str(path)!r} already "
                         "(overwrite=True replaces it)")
    presets[name] = {k: dict(v) for k, v in bank[name].items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(toml_dumps(doc))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_EXT_APPLY = None  # the extension's apply_preset (the model's [presets] tables)


def install(sim_cls) -> None:
    global _EXT_APPLY
    if _EXT_APPLY is None:
        _EXT_APPLY = sim_cls.apply_preset
    sim_cls.list_presets = list_presets
    sim_cls.apply_preset = apply_preset
    sim_cls.add_preset = add_preset
    sim_cls.load_preset = load_preset
    sim_cls.save_preset = save_preset
