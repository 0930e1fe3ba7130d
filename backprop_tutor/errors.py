"""Errors a user can fix. The CLI turns each into one clear paragraph and exit code 2."""


class TutorError(Exception):
    """Base class: the message is shown to the user as it is, without a traceback."""


class SpecError(TutorError):
    """A network spec (TOML file or dict) is invalid: names the field, the layer and the shapes."""


class TraceError(TutorError):
    """A trace file cannot be read: names the file and what is wrong."""


class DataError(TutorError):
    """A data file cannot be used: names the file, the field and what would be valid."""


class UsageError(TutorError):
    """Command-line arguments that do not fit together."""


class WriteError(TutorError, OSError):
    """A file cannot be written (no space left, a folder in the way…): names the file the user asked for,
    never our temporary one; nothing half-written is left behind. Also an OSError, so code that handles
    failed writes (the UI's export key) keeps handling it. ``no_space``: the disk (or quota) is full, so the
    same write can succeed once there is room."""

    def __init__(self, message: str, *, no_space: bool = False) -> None:
        super().__init__(message)
        self.no_space = no_space


class NumericError(TutorError):
    """A computation overflowed or became NaN: names the step and the layer, and what to try instead."""


class MemoryNeedError(TutorError):
    """A network or batch would need more memory than the machine has: gives the figures."""


class WorkLimitError(TutorError):
    """A computation would take longer than a stated limit (exact mode on a big network): gives the figure
    and the way out."""


class GradCheckFailed(TutorError):
    """Backprop's gradient and finite differences disagree (`tutor train --gradcheck` stops on it)."""


def install_hint(extra: str) -> str:
    """How to add an optional extra, both ways a user may have installed backprop_tutor."""
    return f"pip install 'backprop_tutor[{extra}]' (from a clone of the repository: pip install '.[{extra}]')"
