"""Argument types and checks shared by the subcommands that show a trace."""

from __future__ import annotations

import argparse
import sys

from backprop_tutor.errors import UsageError


class TutorParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line plus a hint, exit code 2 (argparse's own convention)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help` for examples)\n")


def check_sample(sample: int, batch_size: int, what: str) -> None:
    """``--sample K`` must be a row of the minibatch: 0 ≤ K < B."""
    B = max(1, batch_size)
    if not 0 <= sample < B:
        raise UsageError(f"--sample {sample}: {what} holds {B} sample(s), numbered 0 to {B - 1}")


def is_terminal() -> bool:
    """Whether both standard input and standard output are a terminal: the UI needs both (keys in, screen out)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
