"""``build_spec``: a validated model from a document ``parse_model_v2`` returned. The result
carries the document's TOML text, so ``dynlib.compiler.build.build(spec, ...)`` builds it, and
answers like the model's ``ModelInfo`` (``dynlib.build(...).spec``); ``spec.sim`` has the
reference's attribute access (``spec.sim.stepper``, ``spec.sim.t_end``, ...)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, Mapping

from .._toml_writer import toml_dumps

__all__ = ["ModelSpec", "build_spec"]


class ModelSpec:
    """A model checked by this package's front end, built from a document."""

    def __init__(self, toml_text: str, model, sim_table: Mapping[str, Any]) -> None:
        self.toml_text = toml_text
        self._info = model.spec
        # The document's [sim] keys, then what the build resolved: the stepper, the stepper
        # options at their defaults, t0/t_end/dt, record.
        table = dict(sim_table)
        table.update(self._info.stepper_defaults)
        table.update(self._info.sim)
        table["stepper"] = model.stepper_name
        table.setdefault("record", True)
        self.sim = SimpleNamespace(**table)

    @property
    def uri(self) -> str:
        """The model as an ``inline:`` URI (what ``build`` is given)."""
        return "inline:\n" + self.toml_text

    def __getattr__(self, name: str) -> Any:  # the ModelInfo's fields: name, kind, hash, ...
        return getattr(self._info, name)

    def __repr__(self) -> str:
        return f"<dynlib.dsl.spec.ModelSpec {self._info.name!r} ({self._info.kind})>"


def build_spec(normal: Mapping[str, Any]) -> ModelSpec:
    """Checks the model (ModelError with line and column of the document's TOML text, which
    ``spec.toml_text`` holds) and returns it."""
    from .. import build

    text = toml_dumps(dict(normal))
    sim_table = normal.get("sim", {})
    return ModelSpec(text, build("inline:\n" + text),
                     sim_table if isinstance(sim_table, Mapping) else {})
