"""The `tutor` command: parse arguments, call the pieces, turn errors into one clear message.

Each subcommand lives in its own module here with two functions:
``add_parser(subparsers)`` registers it (its help shows an example) and ``run(args) -> int`` does it.
Everything a user can get wrong raises a `TutorError`; `main` prints it and returns exit code 2.
"""

from __future__ import annotations

import signal
import sys


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C while `tutor` is still importing, before `main` takes over: the same quiet exit code 130."""
    sys.stderr.write("interrupted\n")
    raise SystemExit(130)


# first, before the imports that take time (typing alone is ~13 ms): only if nobody installed a handler of their own
if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_early)

from typing import TYPE_CHECKING  # noqa: E402

from backprop_tutor._version import __version__  # noqa: E402

if TYPE_CHECKING:  # imported when first needed: the less before main's Ctrl-C handler, the better
    import argparse
    from collections.abc import Sequence

EXAMPLES = """\
examples:
  tutor example hand-backprop             step through the hand-worked 3-2-2-3 example
  tutor example hand-backprop --print     print its feed-forward and backprop tables
  tutor example --list                    the built-in examples
"""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of ``tutor``: with ``argv`` naming a command, that command's alone (its module is the only
    one imported); else every command's."""
    import argparse

    from backprop_tutor.cli import _commands
    from backprop_tutor.cli._args import TutorParser

    parser = TutorParser(
        prog="tutor",
        description="backprop_tutor: learn backpropagation by watching every number.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"backprop_tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=TutorParser)
    command = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    for module in _commands.modules(command):
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tutor``; every error a user can fix is one message and exit code 2, Ctrl-C exit code 130
    (from the first instant: building the parser imports every subcommand)."""
    _quiet_idle_blas_threads()
    try:
        if signal.getsignal(signal.SIGINT) is _interrupted_early:  # from here on, Ctrl-C is KeyboardInterrupt again:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # training saves its checkpoint on it
        return _main(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


#: OpenBLAS's worker threads spin this many TSC ticks (2^n) waiting for the next product before they sleep.
#: Its default, 2^28 (~0.1 s here), outlasts a lone 2-thread run's epoch end: the measuring pass's two threads
#: (one BLAS thread each) then share the two cores with a spinning worker, and take 0.13 s instead of 0.08 s
#: (benchmarks/README.md, issue 23). 2^22 (~1.6 ms) is still far longer than any pause inside a minibatch step.
OPENBLAS_THREAD_TIMEOUT = "22"


def _quiet_idle_blas_threads() -> None:
    """Let idle OpenBLAS threads sleep soon (read once, when numpy loads; not yet imported here); the user's own
    setting wins. Only the timing changes: every product is computed as before."""
    import os

    if "OPENBLAS_THREAD_TIMEOUT" not in os.environ and "GOTO_THREAD_TIMEOUT" not in os.environ:
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = OPENBLAS_THREAD_TIMEOUT


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version (0) or a usage error already printed (2)
        return int(done.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from backprop_tutor.errors import TutorError

    try:
        return int(args.func(args) or 0)
    except TutorError as err:
        _error(str(err))
        return 2
    except OSError as err:  # a file that cannot be read or written: say which, and why
        where = f"{err.filename}: " if err.filename else ""
        _error(f"{where}{err.strerror or err}")
        return 2


def _error(message: str) -> None:
    from rich.console import Console
    from rich.text import Text

    # a user's text quoted in a message (a TOML key, a file name) must not drive the terminal: show escapes
    message = "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in message)
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text.assemble(("error: ", "bold red"), message))
