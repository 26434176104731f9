"""``build(model, **options)``: ``dynlib.build`` under the reference's module path. ``model`` is
a URI, or a ``ModelSpec`` from ``dynlib.dsl.spec.build_spec``."""
from __future__ import annotations

from typing import Any

__all__ = ["build"]


def build(model: Any, **options: Any):
    from .. import build as build_model
    from ..dsl.spec import ModelSpec

    return build_model(model.uri if isinstance(model, ModelSpec) else model, **options)
