"""``parse_model_v2``: the reference's first step from a TOML document (a dict, as ``tomllib``
returns it) to a model. Here it checks the document's shape and returns a copy; the model itself
is checked by ``build_spec``."""
from __future__ import annotations

import copy
from typing import Any, Dict, Mapping

__all__ = ["parse_model_v2"]


def parse_model_v2(doc: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of ``doc`` (a mapping of TOML tables with a ``[model]`` table). TypeError for
    something that is not a mapping, ModelError for a document without ``[model]``."""
    from .. import ModelError

    if not isinstance(doc, Mapping):
        raise TypeError(f"parse_model_v2 expects a TOML document (a dict), not {type(doc).__name__}")
    if not isinstance(doc.get("model"), Mapping):
        raise ModelError("the document has no [model] table (it needs at least type = \"ode\" "
                         "or \"map\")")
    return copy.deepcopy(dict(doc))
