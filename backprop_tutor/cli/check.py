"""`tutor check`: mark a student's own hand calculation, cell by cell (right, root, carried, missing)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from backprop_tutor.errors import UsageError

EPILOG = """\
how numbers are judged:
  A written w is right for the true value t when |w − t| ≤ atol + rtol·|t| (PrairieLearn's rule),
  rtol = 0.01 by default. An entry below 1e-10 × the largest entry of the same quantity (lost beside
  its neighbours, like δ(2)[1] = 1.98e-32 beside 1.0) may be written as 0; --atol X allows X for every
  entry instead. --sigfigs N: right when within half a unit in the N-th significant figure of t.
  A wrong value that follows from your own earlier values is "carried"; one that does not is a "root"
  mistake. Numbers: 5, -0.5, 1/2, 1.98e-32, 1.98×10^-32, 1.98 x 10^-32, 1.98*10**-32; in a worksheet's
  table cell a vector [5, -5] and a matrix [[1, -2], [0.5, 4]] (or one row per line).
  Exit code: 0 every value present and right, 1 otherwise, 2 a file that cannot be read.

examples:
  tutor worksheet hand-backprop > my-answers.md     a blank worksheet to fill in
  tutor check my-answers.md                         against the example the file names
  tutor check a.toml --spec my_net.toml             against any spec
  tutor check my-answers.md --markdown report.md --json report.json
  tutor check my-answers.md --sigfigs 3             judge by significant figures
  tutor example hand-backprop --markdown k.md && tutor check k.md   an exported worksheet checks too
  tutor example hand-backprop --answers my-answers.md               your values marked in the UI
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check", help="check a hand calculation: which values are wrong, and which only follow from an earlier one",
        description="Mark a filled-in worksheet (Markdown, TOML or JSON) against the engine, cell by cell.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path, help="the answer file: a worksheet .md, or a .toml/.json template")
    p.add_argument("--spec", metavar="SPEC", help="a built-in example or a spec file (default: the one the file names)")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report as Markdown to FILE")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON to FILE")
    p.add_argument("--rtol", type=_tolerance, metavar="R", help="relative tolerance (default 0.01)")
    p.add_argument("--atol", type=_tolerance, metavar="A",
                   help="absolute tolerance for every entry (default: 1e-10 × the quantity's largest entry, "
                        "for entries that small)")
    p.add_argument("--sigfigs", type=int, metavar="N", help="judge by N significant figures instead of --rtol")
    p.set_defaults(func=run)


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. 0.01)") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text}: a tolerance is a number ≥ 0, e.g. 0.01")
    return value


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.check.checker import check_answers
    from backprop_tutor.check.numbers import Tolerance
    from backprop_tutor.check.report import print_report, to_json, to_markdown
    from backprop_tutor.fileio import refuse_replacing_inputs, write_text_atomic
    from backprop_tutor.spec import resolve_example

    if args.sigfigs is not None and args.rtol is not None:
        raise UsageError("--sigfigs and --rtol are two ways to say how close is right; give one of them")
    if args.sigfigs is not None and args.sigfigs < 1:
        raise UsageError(f"--sigfigs {args.sigfigs}: give at least 1 significant figure")
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such answer file (make one with `tutor worksheet hand-backprop > FILE.md`)")
    tolerance = Tolerance(rtol=0.01 if args.rtol is None else args.rtol, atol=args.atol, sigfigs=args.sigfigs)
    spec = resolve_example(args.spec) if args.spec else None
    marking = check_answers(args.file, spec, tolerance)
    refuse_replacing_inputs({"--markdown": args.markdown, "--json": args.json}, marking.inputs)
    console = Console()
    print_report(marking, console)
    for path, text in ((args.markdown, to_markdown), (args.json, to_json)):
        if path:
            write_text_atomic(path, text(marking))
            console.print(f"wrote {path}", highlight=False)
    return 0 if marking.all_right else 1
