"""The reference dynlib's ``dynlib.compiler`` names that user scripts import: the path config
(:mod:`dynlib.compiler.paths`: ``PathConfig``, ``load_config``) and ``dynlib.compiler.build.build``
(the same function as :func:`dynlib.build`, which also takes a ``dynlib.dsl.spec.ModelSpec``).
"""
from .paths import PathConfig, load_config

__all__ = ["PathConfig", "load_config"]
