"""`tutor example`: run a worked example (built-in or a spec file) for one SGD step and show it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from backprop_tutor.cli._args import check_sample, is_terminal, one_to_stdout, write_output
from backprop_tutor.engine.precision import PRECISIONS
from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import hdf5_bytes, refuse_replacing_inputs
from backprop_tutor.numbers.format import parse_digits
from backprop_tutor.render.console import print_worksheet
from backprop_tutor.render.markdown import trace_to_markdown
from backprop_tutor.render.solution import solution_markdown
from backprop_tutor.spec import builtin_examples, load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import Trace
from backprop_tutor.trace.store import write_trace

EPILOG = """\
examples:
  tutor example hand-backprop                      the step-through UI (the tables, when not on a terminal)
  tutor example hand-backprop --print              the feed-forward table, the backprop table, the new W(l), b(l)
  tutor example hand-backprop --exact --print      exact arithmetic, certain digits only: δ(2) = [1.98e-32, 1.0]
  tutor example hand-backprop --markdown hand.md   the tables as Markdown (δ, ∇W, ∇b, the new W and b)
  tutor example hand-backprop --exact --solution hand-solution.md
                                                   the worked solution: every step, numbers substituted
  tutor example hand-backprop --solution s.md --plain   the same with text equations instead of LaTeX
  tutor example hand-backprop --save-trace hand.h5 the trace, for `tutor view` and scripts
  tutor example examples/hand_backprop.toml        your own network (copy and edit that file)
  tutor example hand-backprop --answers my-answers.md
                                                   the UI, with your own values marked ✓ / ✗ root / ✗ carried
  tutor example --list                             the built-in examples
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "example", help="run a worked example for one SGD step and show every number",
        description="Run a network spec (a built-in example or your own TOML file) for one SGD step, "
                    "recording every s(l), a(l), a'(l), δ(l) and update.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("example", nargs="?", default="hand-backprop",
                   help="a built-in example's name or a spec file (default: hand-backprop)")
    p.add_argument("--list", action="store_true", help="list the built-in examples and exit")
    p.add_argument("--print", dest="print_", action="store_true",
                   help="print the tables instead of opening the step-through UI")
    p.add_argument("--exact", action="store_true",
                   help="exact arithmetic (intervals; shows only certain digits, up to 50)")
    p.add_argument("--dtype", choices=PRECISIONS, help="number type (default: the spec's, float64 for examples)")
    p.add_argument("--digits", type=parse_digits, default=3, metavar="N",
                   help="significant digits shown, or full (default 3)")
    p.add_argument("--full", action="store_true", help="show every digit, and big matrices in full")
    p.add_argument("--sample", type=int, default=0, metavar="K",
                   help="which sample of a minibatch to show, numbered from 0 (default 0)")
    p.add_argument("--markdown", type=Path, metavar="FILE",
                   help="write the tables as Markdown to FILE ('-' for standard output)")
    p.add_argument("--solution", type=Path, metavar="FILE.md",
                   help="write the worked solution (every step: equation, numbers, result; then the worksheet;"
                        " '-' for standard output)")
    p.add_argument("--plain", action="store_true",
                   help="with --solution: equations as plain text instead of GitHub math ($$ … $$)")
    p.add_argument("--answers", type=Path, metavar="FILE",
                   help="a filled-in worksheet (tutor worksheet): the UI marks its values as tutor check does")
    p.add_argument("--save-trace", type=Path, metavar="FILE.h5",
                   help="save the trace (HDF5) to FILE.h5 ('-' for standard output, e.g. a pipe)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(Console())
    outputs = {"--markdown": args.markdown, "--solution": args.solution, "--save-trace": args.save_trace}
    to_stdout = _check_flags(args, outputs)
    # markup off: a file name such as "[/x].md" is text; a file on standard output: the notes go to stderr
    console = Console(stderr=to_stdout, markup=False)
    spec_path = resolve_example(args.example)
    spec = load_spec(spec_path)
    refuse_replacing_inputs(outputs, {"the spec file": spec_path, "its [init] file": spec.init_file,
                                      "the answer file": args.answers})
    # --answers: the numbers `tutor check` judges by (exact), unless --dtype says otherwise
    trace = run_spec(spec, "exact" if args.exact or (args.answers and not args.dtype) else args.dtype)
    check_sample(args.sample, trace.header.batch_size, "this example")
    shown = None if args.full else args.digits
    options = {"sample": args.sample, "digits": shown, "full": args.full}
    if any(outputs.values()):
        _write_outputs(args, trace, console, options)
        if args.print_:
            print_worksheet(trace, console, **options)
        return 0
    if args.answers and (args.print_ or not is_terminal()):
        raise UsageError(f"--answers marks your values in the step-through UI, on a terminal; elsewhere run "
                         f"`tutor check {args.answers}`")
    if args.print_ or not is_terminal():
        print_worksheet(trace, console, **options)
        return 0
    if args.answers:
        return _answers_app(args, spec_path, trace, shown)
    from backprop_tutor.tui.app import run_app  # imported here: Textual is only needed on a terminal

    return run_app(trace, digits=shown, sample=args.sample)


def _check_flags(args: argparse.Namespace, outputs: dict[str, Path | None]) -> bool:
    """Flags that contradict each other, before any work; whether one output goes to standard output."""
    if args.exact and args.dtype and args.dtype != "exact":
        raise UsageError(f"--exact and --dtype {args.dtype} contradict each other; give one of them")
    if args.plain and not args.solution:
        raise UsageError("--plain is a form of the worked solution: give --solution FILE.md with it")
    to_stdout = one_to_stdout(outputs)
    if str(args.save_trace) == "-" and sys.stdout.isatty():
        raise UsageError("--save-trace -: a trace is binary HDF5; send it to a file or a pipe, not the terminal")
    return to_stdout


def _write_outputs(args: argparse.Namespace, trace: Trace, console: Console, options: dict[str, Any]) -> None:
    """--save-trace, --markdown and --solution, each to its file or to standard output."""
    def say(text: str) -> None:
        console.print(text, highlight=False)

    if args.save_trace:
        write_output(args.save_trace, hdf5_bytes(lambda f: write_trace(f, trace)), say, "the trace",
                     note=f"  (open it with `tutor view {args.save_trace}`)")
    if args.markdown:
        write_output(args.markdown, trace_to_markdown(trace, **options), say, "the tables")
    if args.solution:
        write_output(args.solution, solution_markdown(trace, args.sample, options["digits"], plain=args.plain,
                                                      full=args.full), say, "the worked solution")


def _answers_app(args: argparse.Namespace, spec_path: Path, trace: Trace, shown: int | None) -> int:
    from backprop_tutor.check.answers import read_answers
    from backprop_tutor.check.checker import check_answers
    from backprop_tutor.tui.answers_overlay import run_answers_app

    if not args.answers.is_file():
        raise UsageError(f"--answers {args.answers}: no such file (make one with `tutor worksheet {args.example}`)")
    sample = read_answers(args.answers).sample  # the sample the worksheet is of, whatever --sample says
    check_sample(sample, trace.header.batch_size, "this example")
    return run_answers_app(trace, check_answers(args.answers, spec_path), digits=shown, sample=sample)


def _list(console: Console) -> int:
    table = Table(title="Built-in examples", title_justify="left")
    table.add_column("name")
    table.add_column("what it is")
    for name, path in sorted(builtin_examples().items()):
        table.add_row(name, load_spec(path).title)
    console.print(table)
    console.print("Run one with `tutor example NAME`; copy its file from examples/ to make your own.")
    return 0
