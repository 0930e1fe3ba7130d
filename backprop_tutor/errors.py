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


class GradCheckFailed(TutorError):
    """Backprop's gradient and finite differences disagree (`tutor train --gradcheck` stops on it)."""
