"""A small TOML writer for the nested dicts ``tomllib`` reads (tables of scalars, strings and
lists): preset files and model documents built in Python. The standard library reads TOML only."""
from __future__ import annotations

import math
from typing import Any, Dict, List

__all__ = ["toml_dumps"]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)  # the shortest text that reads back as the same float
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ValueError(f"cannot write a {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    bare = k and all(c.isalnum() or c in "-_" for c in k)
    return k if bare else _toml_value(k)


def toml_dumps(doc: Dict[str, Any]) -> str:
    """TOML for the nested dicts tomllib reads (tables of scalars, strings and lists)."""
    lines: List[str] = []

    def table(path: List[str], data: Dict[str, Any]) -> None:
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
        if path and (scalars or not data):
            lines.append("[" + ".".join(_toml_key(p) for p in path) + "]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        if path and (scalars or not data):
            lines.append("")
        for k, v in data.items():
            if isinstance(v, dict):
                table(path + [k], v)

    table([], doc)
    return "\n".join(lines).rstrip() + "\n"
