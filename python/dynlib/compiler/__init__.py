"""The reference dynlib's ``dynlib.compiler.build.build``: the same function as ``dynlib.build``,
which also takes a ``dynlib.dsl.spec.ModelSpec``."""
