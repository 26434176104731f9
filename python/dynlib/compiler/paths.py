"""Where ``TAG://`` model URIs point: the reference's ``PathConfig`` and ``load_config()``.

Pass a ``PathConfig`` (or the path of a config file) as ``config=`` to :func:`dynlib.build` or
:func:`dynlib.setup` to resolve the model's and the mods' ``TAG://`` URIs with its tags instead of
``DYN_MODEL_PATH`` and the user config file's ``[paths]``. ``builtin://`` always resolves. See
docs/python.md (build) and docs/porting.md.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Union

from .._dynlib import _load_path_config

__all__ = ["PathConfig", "load_config"]


@dataclass
class PathConfig:
    """Tag name -> roots searched in order (a root may be a str or a list of str)."""

    tags: Dict[str, Union[str, List[str]]] = field(default_factory=dict)
    # Where build(..., disk_cache=True, config=...) keeps native kernels (default: the user
    # config file's root).
    cache_root: Optional[str] = None


def load_config(path=None) -> PathConfig:
    """The tags ``build()`` uses by default: ``DYN_MODEL_PATH``'s, then the user config file's
    ``[paths]`` (the file found via ``DYNLIB_CONFIG`` or the XDG default). With ``path``, that
    config file's ``[paths]`` and cache root alone. Raises ConfigError for a malformed file."""
    tags, cache_root = _load_path_config("" if path is None else str(path))
    return PathConfig(tags={t: list(r) for t, r in tags}, cache_root=cache_root)
