"""backprop_tutor: learn backpropagation by watching every number.

The engine computes, the trace records, everything else only reads traces.

In a notebook: ``import backprop_tutor as bt``, then ``bt.example("hand-backprop")``, ``bt.worksheet(…)``,
``bt.solution(…)``, ``bt.check(…)`` (`backprop_tutor.notebook.api`). Importing this package loads
nothing else: each name is imported when first used, so `tutor` starts as fast as before.

``bt.check``, ``bt.worksheet``, ``bt.train`` and ``bt.compare`` are also the subpackages of those names (the
checker, the worksheet model, training, comparing a student's own step): calling one calls the notebook
function, and the package stays the package for imports (``from backprop_tutor.check.checker import check_answers``).
"""

import importlib
import sys
import types

from backprop_tutor._version import __version__ as __version__

#: notebook functions that share their name with a subpackage
_CALLABLE_PACKAGES = frozenset({"check", "worksheet", "train", "compare"})
#: notebook functions with a name of their own
_FUNCTIONS = frozenset({"example", "solution", "practice", "infer"})


class _CallablePackage(types.ModuleType):
    """A subpackage that is also a notebook function: ``bt.check(…)`` calls `notebook.api.check`."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        from backprop_tutor.notebook import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        # the import system binds a subpackage to its parent by setattr: make those callable
        if name in _CALLABLE_PACKAGES and type(value) is types.ModuleType:
            value.__class__ = _CallablePackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> object:
    if name in _CALLABLE_PACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FUNCTIONS:
        from backprop_tutor.notebook import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_CALLABLE_PACKAGES, *_FUNCTIONS})
