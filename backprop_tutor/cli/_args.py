"""Argument types and checks shared by the subcommands that show a trace."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from backprop_tutor.errors import UsageError


class TutorParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line plus a hint, exit code 2 (argparse's own convention)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help` for examples)\n")


def digits(text: str) -> int | None:
    """``--digits N`` (N ≥ 1 significant digits) or ``--digits full`` (every digit: None)."""
    if text == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of digits (give e.g. 3, or full)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give at least 1 significant digit (or full)")
    return value


def check_sample(sample: int, batch_size: int, what: str) -> None:
    """``--sample K`` must be a row of the minibatch: 0 ≤ K < B."""
    B = max(1, batch_size)
    if not 0 <= sample < B:
        raise UsageError(f"--sample {sample}: {what} holds {B} sample(s), numbered 0 to {B - 1}")


def check_outputs(outputs: Mapping[str, Path | str | None], inputs: Mapping[str, Path | str | None]) -> None:
    """Refuse an output that would replace one of the inputs, or another output (``-`` is standard
    output, never a file). ``outputs``: {flag: path}; ``inputs``: {what it is: path}."""
    seen: dict[str, str] = {what: str(path) for what, path in inputs.items() if path is not None}
    for flag, path in outputs.items():
        if path is None or str(path) == "-":
            continue
        for what, other in seen.items():
            if _same_file(Path(path), Path(other)):
                raise UsageError(f"{flag} {path} would overwrite {what} ({other}); write to another file")
        seen[f"the output of {flag}"] = str(path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: compare where they would be
        return a.resolve() == b.resolve()


def stdout_file() -> Path | None:
    """The file standard output is redirected to (`tutor worksheet x.toml > nets/a.md`), where the system
    says (Linux's /proc); None for a terminal or a pipe, or where it cannot be told."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except (OSError, ValueError, AttributeError):  # no fileno (captured), no /proc
        return None
    return path if path.is_absolute() and path.is_file() else None


def is_terminal() -> bool:
    """Whether both standard input and standard output are a terminal: the UI needs both (keys in, screen out)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
