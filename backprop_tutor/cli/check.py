"""`tutor check`: mark a student's own hand calculation, cell by cell (right, root, carried, missing)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from backprop_tutor.cli._args import one_to_stdout, write_output
from backprop_tutor.errors import UsageError

if TYPE_CHECKING:
    from backprop_tutor.check.checker import Checker

EPILOG = """\
how numbers are judged:
  A written w is right for the true value t when |w − t| ≤ atol + rtol·|t| (PrairieLearn's rule),
  rtol = 0.01 by default. An entry below 1e-10 × the largest entry of the same quantity (lost beside
  its neighbours, like δ(2)[1] = 1.98e-32 beside 1.0) may be written as 0; --atol X allows X for every
  entry instead. --sigfigs N: right when within half a unit in the N-th significant figure of t.
  A wrong value that follows from your own earlier values is "carried"; one that does not is a "root"
  mistake. Numbers: 5, -0.5, 1/2, 1.98e-32, 1.98×10^-32, 1.98 x 10^-32, 1.98*10**-32; in a worksheet's
  table cell a vector [5, -5] or 5 -5 and a matrix [[1, -2], [0.5, 4]] (or one row per line); C on its
  line as C = 17, C: 17 or C ≈ 17, with a decimal point or a decimal comma (17,0; in a vector the comma
  separates values: [1,5] is two values).
  Exit code: 0 every value present and right (in every file), 1 otherwise, 2 a file that cannot be read.

examples:
  tutor worksheet hand-backprop > my-answers.md     a blank worksheet to fill in
  tutor check my-answers.md                         against the example the file names
  tutor check a.toml --spec my_net.toml             against any spec
  tutor check my-answers.md --markdown report.md --json report.json
  tutor check my-answers.md --json -                the report as JSON on standard output
  tutor check class/ alice.md bob.toml              many sheets: a line each and a total (--json: a list)
  tutor check my-answers.md --sigfigs 3             judge by significant figures
  tutor example hand-backprop --markdown k.md && tutor check k.md   an exported worksheet checks too
  tutor example hand-backprop --answers my-answers.md               your values marked in the UI
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check", help="check a hand calculation: which values are wrong, and which only follow from an earlier one",
        description="Mark filled-in worksheets (Markdown, TOML or JSON) against the engine, cell by cell: one file "
                    "in full, or many (or a folder of them) as one line each and a total.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", type=Path, nargs="+", metavar="FILE",
                   help="answer files (a worksheet .md, or a .toml/.json template), or folders of them")
    p.add_argument("--spec", metavar="SPEC", help="a built-in example or a spec file (default: the one the file names)")
    p.add_argument("--markdown", type=Path, metavar="FILE",
                   help="also write the report as Markdown to FILE ('-' for standard output)")
    p.add_argument("--json", type=Path, metavar="FILE",
                   help="also write the report as JSON to FILE ('-' for standard output); many files give a list")
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
    from backprop_tutor.check.checker import Checker, answer_files
    from backprop_tutor.check.numbers import Tolerance
    from backprop_tutor.spec import resolve_example

    if args.sigfigs is not None and args.rtol is not None:
        raise UsageError("--sigfigs and --rtol are two ways to say how close is right; give one of them")
    if args.sigfigs is not None and args.sigfigs < 1:
        raise UsageError(f"--sigfigs {args.sigfigs}: give at least 1 significant figure")
    outputs = {"--markdown": args.markdown, "--json": args.json}
    to_stdout = one_to_stdout(outputs)
    files, in_folders = answer_files(args.files)
    tolerance = Tolerance(rtol=0.01 if args.rtol is None else args.rtol, atol=args.atol, sigfigs=args.sigfigs)
    checker = Checker(resolve_example(args.spec) if args.spec else None, tolerance)
    # a report on standard output: the verdicts for a person go to standard error
    console = Console(stderr=to_stdout, highlight=False, soft_wrap=to_stdout, markup=False)
    if len(files) == 1 and not args.files[0].is_dir():
        return _one(checker, files[0], outputs, console)
    return _many(checker, files, in_folders, outputs, console)


def _one(checker: Checker, path: Path, outputs: dict[str, Path | None], console: Console) -> int:
    """One sheet: the full report (a table of every cell)."""
    from backprop_tutor.check.report import print_report, to_json, to_markdown
    from backprop_tutor.fileio import refuse_replacing_inputs

    marking = checker.check(path)
    refuse_replacing_inputs(outputs, marking.inputs)
    print_report(marking, console)
    for (flag, target), text in zip(outputs.items(), (to_markdown, to_json), strict=True):
        if target is not None:
            write_output(target, text(marking), console.print, f"the report ({flag[2:]})")
    return 0 if marking.all_right else 1


def _many(checker: Checker, files: list[Path], in_folders: frozenset[Path], outputs: dict[str, Path | None],
          console: Console) -> int:
    """A class's sheets: a line per sheet and a total; exit 0 only when every sheet is all right, 2 when one
    could not be read."""
    from backprop_tutor.check.report import sheet_line, sheets_json, sheets_markdown, total_line
    from backprop_tutor.fileio import refuse_replacing_inputs

    sheets = checker.check_all(files, in_folders)
    inputs = {f"{what} of {c.path}": p for c in sheets if c.marking for what, p in c.marking.inputs.items()}
    # a skipped file (the last run's report in the class's folder) is no input: it may be written again
    refuse_replacing_inputs(outputs, {**inputs, **{f"the answer file {c.path}": c.path for c in sheets
                                                   if not c.skipped}})
    for checked in sheets:
        console.print(sheet_line(checked), soft_wrap=True)
    console.print(total_line(sheets), soft_wrap=True)
    for (flag, target), text in zip(outputs.items(), (sheets_markdown, sheets_json), strict=True):
        if target is not None:
            write_output(target, text(sheets), console.print, f"the report ({flag[2:]})")
    sheets = [c for c in sheets if not c.skipped]
    if any(c.marking is None for c in sheets):
        return 2
    return 0 if sheets and all(c.marking is not None and c.marking.all_right for c in sheets) else 1
