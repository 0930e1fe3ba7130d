"""`tutor view FILE.h5`: open a saved trace in the step-through UI."""

from __future__ import annotations

import argparse
from pathlib import Path

from backprop_tutor.cli._args import check_sample, is_terminal
from backprop_tutor.errors import UsageError
from backprop_tutor.numbers.format import parse_digits

EXAMPLES = """\
examples:
  tutor example hand-backprop --save-trace hand.h5 && tutor view hand.h5
  tutor view batch.h5 --sample 7 --digits 6      start at sample 7 (numbered from 0), 6 significant digits
  tutor view runs/tanh-0.01/trace.h5 --group epoch1-batch2   a file holding several traces: pick one

keys: → ← step, ↓ ↑ layer, space play, [ ] sample, d digits, f full values, e export, ? help, q quit
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "view",
        help="step through a saved trace (.h5) in the terminal UI",
        description="Replay a trace saved by `tutor example --save-trace` or `tutor train` one step at a "
        "time: the network, the step's equation with its numbers, and the worksheet filling in.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, metavar="FILE.h5", help="an HDF5 trace file")
    p.add_argument("--group", "--trace", dest="group", metavar="NAME",
                   help="which trace, when the file holds several, e.g. epoch1-batch2 (`tutor export FILE --list`)")
    p.add_argument("--digits", type=parse_digits, default=3, metavar="N",
                   help="significant digits shown: a number, or full (default 3; the d key cycles 3/6/full)")
    p.add_argument("--sample", type=int, default=0, metavar="K",
                   help="which sample of the minibatch to show first (numbered from 0; [ and ] switch)")
    p.add_argument("--export-dir", type=Path, metavar="DIR", help="where the e key writes Markdown (default: here)")
    p.set_defaults(func=run)


def check_not_a_folder(path: Path) -> None:
    """A run folder given for its trace: name the .h5 files in it instead of HDF5's errno text."""
    if not path.is_dir():
        return
    traces = sorted(p.name for p in path.glob("*.h5"))
    hint = (f"the trace files in it: {', '.join(traces)} (e.g. `tutor view {path / traces[0]}`)" if traces
            else "it holds no .h5 file (`tutor example NAME --save-trace FILE.h5` and `tutor train --trace-batch` "
                 "write one)")
    raise UsageError(f"{path} is a folder, not a trace file; {hint}")


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.trace.store import TraceFile

    check_not_a_folder(args.file)
    with TraceFile(args.file, args.group) as trace:
        check_sample(args.sample, trace.header.batch_size, str(args.file))
        if len(trace) == 0:
            raise UsageError(f"{args.file}: the trace has no events to step through")
        if not is_terminal():
            raise UsageError(f"tutor view needs a terminal (standard input and output), and this is not one; for "
                             f"text, use `tutor export {args.file} --markdown -`")
        from backprop_tutor.tui.app import run_app

        return run_app(trace, digits=args.digits, export_dir=args.export_dir, sample=args.sample)
