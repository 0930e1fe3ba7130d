"""The package's version, in a module of its own so that any layer may read it (the package's
`__init__` is the notebook's entry point, above everything)."""

__version__ = "0.1.0"
