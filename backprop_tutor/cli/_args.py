"""Argument types and checks shared by the subcommands that show a trace."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, Any

from backprop_tutor.errors import UsageError
from backprop_tutor.plural import count

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path


class TutorParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line plus a hint, exit code 2 (argparse's own convention), and a
    negative number in scientific notation (``--h -1e-6``) is a value, not an unknown option, so the flag
    itself can say what is wrong with it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|nan)$", re.I)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help` for examples)\n")

    def parse_args(self, args: Any = None, namespace: Any = None) -> argparse.Namespace:  # type: ignore[override]
        """argparse's, but words no option takes are reported by the subcommand that was given them (its
        usage, its --help), not by `tutor` itself; ``[--flag]`` pasted from a usage line is explained."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            hint = (" (in a usage line, [--flag] marks an option you may leave out: type it without the brackets)"
                    if any(word.startswith("[") or word.endswith("]") for word in extras) else "")
            self._chosen(parsed).error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return parsed

    def _chosen(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        """The innermost subcommand's parser that ``parsed`` went through (`tutor data download` → its own)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None) or "")
                if chosen is not None:
                    return chosen._chosen(parsed) if isinstance(chosen, TutorParser) else chosen
        return self


def whole_number(flag: str, least: int) -> Callable[[str], int]:
    """An argparse type: a whole number ≥ ``least`` (a seed ≥ 0, a size ≥ 1), or argparse's one-line error
    naming the flag (numpy's own "expected non-negative integer" would be a traceback)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{flag} {value}: give a whole number ≥ {least}")
        return value

    return parse


def check_sample(sample: int, batch_size: int, what: str) -> None:
    """``--sample K`` must be a row of the minibatch: 0 ≤ K < B."""
    B = max(1, batch_size)
    if not 0 <= sample < B:
        raise UsageError(f"--sample {sample}: {what} holds {count(B, 'sample')}, numbered 0 to {B - 1}")


def stdout_file() -> Path | None:
    """The file standard output is redirected to (`tutor worksheet x.toml > nets/a.md`), where the system
    says (Linux's /proc); None for a terminal or a pipe, or where it cannot be told."""
    import os
    import stat
    from pathlib import Path

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


def one_to_stdout(outputs: Mapping[str, Path | str | None]) -> bool:
    """Whether one of ``outputs`` ({flag: path}) is ``-``, standard output; UsageError when more than one is."""
    dashes = [flag for flag, path in outputs.items() if path is not None and str(path) == "-"]
    if len(dashes) > 1:
        raise UsageError(f"{' and '.join(f'{f} -' for f in dashes)} {'both' if len(dashes) == 2 else 'all'} want "
                         "standard output; give all but one of them a file name")
    return bool(dashes)


def write_output(target: Path | str, data: str | bytes, say: Callable[[str], None], what: str,
                 note: str = "") -> None:
    """Write ``data`` (text, or bytes such as an HDF5 file's) to the file ``target`` (whole, or not at all), or to
    standard output when it is ``-``; ``say`` tells where it went, then ``note`` (it should print to standard
    error when something goes to standard output). The one "FILE or -" writer of every command."""
    from backprop_tutor.fileio import write_bytes_atomic

    if str(target) == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
    else:
        write_bytes_atomic(target, data.encode("utf-8") if isinstance(data, str) else data)
        say(f"wrote {what} to {target}{note}")
