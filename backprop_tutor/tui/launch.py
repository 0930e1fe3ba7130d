"""What `tutor serve` runs for each browser tab: the step-through UI on a trace file, a built-in
example or a spec file, given as one TARGET.

    python -m backprop_tutor.tui.launch TARGET [--group NAME] [--exact] [--digits N] [--sample K]

textual-serve starts this command once per connection with Textual's web driver in the environment,
so the same `TutorApp` draws into the browser instead of a terminal.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from backprop_tutor.trace.events import Trace
from backprop_tutor.trace.store import TraceFile

TRACE_SUFFIXES = (".h5", ".hdf5")


def is_trace_file(target: str) -> bool:
    return Path(target).suffix.lower() in TRACE_SUFFIXES


def open_target(target: str, group: str | None = None, exact: bool = False) -> Trace | TraceFile:
    """A saved trace (.h5), or the one-step trace of a built-in example or spec file (run here)."""
    if is_trace_file(target):
        return TraceFile(target, group)
    if group is not None:
        from backprop_tutor.errors import UsageError

        raise UsageError(f"--group {group}: picks one of the traces in a saved trace file (.h5); {target} is an "
                         "example or a spec, which makes one trace: leave --group out")
    from backprop_tutor.spec import load_spec, resolve_example, run_spec

    return run_spec(load_spec(resolve_example(target)), "exact" if exact else None)


def session_args(target: str, group: str | None, exact: bool, digits: int | None, sample: int) -> list[str]:
    """The arguments of `main` that reproduce these choices (for the command line textual-serve runs)."""
    args = [target, "--digits", "full" if digits is None else str(digits), "--sample", str(sample)]
    if group:
        args += ["--group", group]
    if exact:
        args.append("--exact")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from backprop_tutor.numbers.format import parse_digits
    from backprop_tutor.tui.app import run_app

    parser = argparse.ArgumentParser(prog="python -m backprop_tutor.tui.launch")
    parser.add_argument("target")
    parser.add_argument("--group")
    parser.add_argument("--exact", action="store_true")
    parser.add_argument("--digits", type=parse_digits, default=3)
    parser.add_argument("--sample", type=int, default=0)
    args = parser.parse_args(argv)
    trace = open_target(args.target, args.group, args.exact)
    try:
        return run_app(trace, digits=args.digits, sample=args.sample)
    finally:
        if isinstance(trace, TraceFile):
            trace.close()


if __name__ == "__main__":
    raise SystemExit(main())
