"""Snapshot files and session summaries of a Sim, with the reference dynlib's names.

A snapshot file is a numpy ``.npz`` archive: ``meta.json`` (UTF-8 JSON as uint8: schema, name,
description, pins, names, time, step, ...), ``y`` and ``params`` (the session's state and flat
parameter vector, float64), and the whole session image the Sim needs to resume bit for bit
(``reals/NAME`` float64 and ``ints/NAME`` int64 arrays). Files are written atomically (a
temporary file in the same directory, then renamed). They hold no results.

:func:`install` attaches ``export_snapshot``, ``import_snapshot``, ``inspect_snapshot``,
``can_resume`` and ``session_state_summary`` to ``dynlib.Sim``; ``create_snapshot``,
``list_snapshots``, ``reset(name)`` and ``compat_check`` are the extension's.
"""
from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np

SCHEMA = "dynlib-cpp-snapshot-v1"
__all__ = ["SCHEMA", "install"]

_SCALARS = ("t", "dt", "t0", "time_shift", "grid_t0", "grid_dt")


def _pins(image: dict) -> Dict[str, Any]:
    return {"spec_hash": image["spec_hash"], "stepper_name": image["stepper"],
            "dtype_token": image["dtype"], "abi": int(image["abi"])}


def _workspace_sig(image: dict):
    """Sizes of the stepper's workspace arrays (follows from the pins; shown for inspection)."""
    arrays = {**image["reals"], **image["ints"]}
    return [int(np.size(arrays[k])) for k in ("work", "iwork", "lag_ring") if k in arrays]


def _current(image: dict, key: str) -> np.ndarray:
    """The session's state ("y") or params ("p") as float64: current values, else initial ones."""
    name = key if image["running"] else key + "0"
    arrays = image["reals"] if name in image["reals"] else image["ints"]
    return np.asarray(arrays[name], dtype=np.float64)


def _meta(sim, image: dict, name: str, description: str) -> Dict[str, Any]:
    from .. import __version__

    spec = sim.model.spec
    return {
        "schema": SCHEMA,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "name": name,
        "description": description,
        "pins": {**_pins(image), "workspace_sig": _workspace_sig(image)},
        "dynlib_version": __version__,
        "n_state": len(spec.state_names),
        "n_params": len(sim.param_vector()),
        "state_names": list(spec.state_names),
        "param_names": list(sim.param_dict()),
        "t_curr": float(image["t"] - image["time_shift"]),
        "dt_curr": float(image["dt"]),
        "step_count": int(image["step"]),
        "running": bool(image["running"]),
        "time_shift": float(image["time_shift"]),
        "scalars": {k: float(image[k]) for k in _SCALARS},
        "counters": {k: int(v) for k, v in image["counters"].items()},
    }


def export_snapshot(self, path, *, source: str = "current", name: Optional[str] = None) -> None:
    """Writes the current session (source="current") or a named snapshot (source="snapshot",
    name=...) to `path` as an .npz file (replaced atomically)."""
    if source not in ("current", "snapshot"):
        raise ValueError(f"source must be 'current' or 'snapshot', not {source!r}")
    if source == "snapshot" and name is None:
        raise ValueError("name is required when source='snapshot'")
    if source == "current" and name is not None:
        raise ValueError("name is only for source='snapshot'")
    image = self._session_image(name)
    description = ""
    if source == "snapshot":
        description = next(s["description"] for s in self.list_snapshots() if s["name"] == name)
    meta = _meta(self, image, name or "current", description)
    arrays = {"meta.json": np.frombuffer(json.dumps(meta, indent=2).encode("utf-8"), np.uint8),
              "y": _current(image, "y"), "params": _current(image, "p")}
    arrays.update({f"reals/{k}": np.asarray(v, np.float64) for k, v in image["reals"].items()})
    arrays.update({f"ints/{k}": np.asarray(v, np.int64) for k, v in image["ints"].items()})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read(path) -> Tuple[dict, Dict[str, np.ndarray]]:
    try:
        with np.load(Path(path), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read snapshot file {str(path)!r}: {e}") from e
    if "meta.json" not in arrays:
        raise ValueError(f"{str(path)!r} is not a snapshot file: it has no 'meta.json'")
    try:
        meta = json.loads(arrays.pop("meta.json").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{str(path)!r}: meta.json is not valid JSON: {e}") from e
    if meta.get("schema") != SCHEMA:
        raise ValueError(f"{str(path)!r}: schema {meta.get('schema')!r} is not {SCHEMA!r} "
                         "(files of the reference dynlib hold its own stepper workspaces and "
                         "cannot be imported here)")
    return meta, arrays


def inspect_snapshot(self, path) -> Dict[str, Any]:
    """The metadata of a snapshot file (meta.json), without changing the Sim."""
    return _read(path)[0]


def import_snapshot(self, path) -> None:
    """Replaces the session by the one in a snapshot file (results are cleared). ValueError for a
    file that is not a valid snapshot, RuntimeError for one of another model, stepper or dtype."""
    meta, arrays = _read(path)
    try:
        pins = meta["pins"]
        image = {"spec_hash": pins["spec_hash"], "stepper": pins["stepper_name"],
                 "dtype": pins["dtype_token"], "abi": int(pins["abi"]),
                 "running": bool(meta["running"]), "step": int(meta["step_count"]),
                 "counters": {k: int(v) for k, v in meta["counters"].items()},
                 "reals": {k[6:]: v for k, v in arrays.items() if k.startswith("reals/")},
                 "ints": {k[5:]: v for k, v in arrays.items() if k.startswith("ints/")}}
        image.update({k: float(meta["scalars"][k]) for k in _SCALARS})
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{str(path)!r}: meta.json lacks or garbles {e}") from e
    mine = _pins(self._session_image())
    diff = {k: (mine[k], image_pin) for k, image_pin in _pins(image).items() if mine[k] != image_pin}
    if diff:
        raise RuntimeError(f"snapshot {str(path)!r} is incompatible with this Sim: {diff}")
    from .. import DynlibError

    try:
        self._restore_session(image)
    except DynlibError as e:
        raise ValueError(f"{str(path)!r}: {e}") from e


def can_resume(self) -> Tuple[bool, Optional[str]]:
    """(True, None) when a run exists to resume, else (False, why)."""
    if self._session_image()["running"]:
        return True, None
    return False, "no run to resume: the session has not run since its start or reset"


def session_state_summary(self) -> Dict[str, Any]:
    """t, step, dt, status (of the last run), stepper_name, can_resume and reason."""
    from .runner_api import Status

    image = self._session_image()
    ok, reason = can_resume(self)
    res = self.results()
    status = Status(int(res.status)).name if res is not None and res.n + res.steps > 0 else "DONE"
    return {"t": float(image["t"] - image["time_shift"]), "step": int(image["step"]),
            "dt": float(image["dt"]), "status": status, "stepper_name": self.model.stepper_name,
            "can_resume": ok, "reason": reason}


def install(sim_cls) -> None:
    sim_cls.export_snapshot = export_snapshot
    sim_cls.import_snapshot = import_snapshot
    sim_cls.inspect_snapshot = inspect_snapshot
    sim_cls.can_resume = can_resume
    sim_cls.session_state_summary = session_state_summary
