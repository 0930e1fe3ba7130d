"""The subcommand modules, in the order `tutor --help` lists them; each module is named as its command.

A command's module is imported only when it is needed: `tutor check a.md` imports `cli.check` alone,
not the data, training and UI modules the other commands pull in (start-up is most of a check's time).
"""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("example", "view", "serve", "data", "train", "sweep", "export", "infer", "gradcheck", "worksheet", "check",
         "practice", "grade", "compare")


def modules(command: str | None = None) -> list[ModuleType]:
    """The module of ``command`` alone when it names one; otherwise every module (for `tutor --help`, or a
    misspelt command that argparse then names with the choices)."""
    names = (command,) if command in NAMES else NAMES
    return [importlib.import_module(f"backprop_tutor.cli.{name}") for name in names]
