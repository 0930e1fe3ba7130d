"""Bad input in a notebook: the CLI's message, as one readable line instead of a traceback."""

from __future__ import annotations

import sys
from typing import Any

from backprop_tutor.errors import TutorError, UsageError


class ArgumentError(UsageError, TypeError):
    """A `bt.…` function was given an argument of the wrong type: says what was expected."""


def show_errors_briefly() -> None:
    """In IPython (Jupyter, Colab, VS Code), show a `TutorError` as ``Name: message`` alone, as the CLI
    prints it; other exceptions keep their traceback. Does nothing outside IPython."""
    ipython = sys.modules.get("IPython")  # not imported: not in IPython (and importing it would cost time)
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or TutorError in getattr(shell, "custom_exceptions", ()):
        return
    shell.set_custom_exc((TutorError,), _one_line)


def _one_line(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
              tb_offset: int | None = None) -> list[str]:
    lines = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, lines)
    return lines
