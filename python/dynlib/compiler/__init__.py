"""The reference dynlib's ``dynlib.compiler`` names that user scripts import: the path config.

Only :mod:`dynlib.compiler.paths` (``PathConfig``, ``load_config``) exists here; building is
:func:`dynlib.build`.
"""
from .paths import PathConfig, load_config

__all__ = ["PathConfig", "load_config"]
