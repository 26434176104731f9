"""FullModel.print_equations(): the model's equations as written, as the reference prints them.

Tables (the reference's keys): "equations" (one line per state, ``x = <expr>``),
"equations.inverse" (a map's inverse) and "equations.jacobian" (one ``[...]`` line per row).
"all" or None prints every table the model has.
"""
from __future__ import annotations

import sys
from typing import List, Optional, Sequence, TextIO, Union

__all__ = ["TABLES", "install"]

TABLES = {"equations": "Equations", "equations.inverse": "Inverse equations",
          "equations.jacobian": "Jacobian"}


def _lines(spec, key: str) -> List[str]:
    if key == "equations":
        return [f"{s} = {e}" for s, e in zip(spec.state_names, spec.equations)]
    if key == "equations.inverse":
        return [f"{s} = {e}" for s, e in zip(spec.state_names, spec.inverse_equations)]
    return ["[" + ", ".join(row) + "]" for row in spec.jacobian_equations]


def print_equations(self, *, tables: Union[Sequence[str], str, None] = ("equations",),
                    include_headers: bool = True, file: Optional[TextIO] = None) -> None:
    """Prints the model's equations as written (not the generated code)."""
    keys = list(TABLES) if tables is None or tables == "all" else (
        [tables] if isinstance(tables, str) else list(tables))
    for key in keys:
        if key not in TABLES:
            raise ValueError(f"unknown equations table {key!r}; the tables are "
                             f"{', '.join(TABLES)} (or 'all')")
    spec, out = self.spec, []
    for key in keys:
        lines = _lines(spec, key)
        if not lines:
            continue
        if include_headers:
            if out:
                out.append("")
            header = TABLES[key] + (f" ({spec.name})" if key == "equations" and spec.name else "")
            out.append(header + ":")
        out.extend(lines)
    print("\n".join(out).rstrip(), file=file or sys.stdout)


def install(model_cls) -> None:
    model_cls.print_equations = print_equations
