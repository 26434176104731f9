"""The reference dynlib's model-document entry points (``dynlib.dsl.parser.parse_model_v2``,
``dynlib.dsl.spec.build_spec``), for scripts that build a model from a TOML document they hold as
a dict. This package's front end is C++: the document is written back as TOML text and checked
there, with the same errors (file, line, column) as a model file."""
