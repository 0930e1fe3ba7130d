"""`tutor grade`: every submission of a class checked against its student's problem, in one call."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from backprop_tutor.errors import UsageError
from backprop_tutor.memory import cores_here
from backprop_tutor.plural import count

EPILOG = """\
whose problem a file is (by its name, before the first dot):
  a student of index.csv's `student` column (add the column yourself: ids, emails or logins), or
  seed-N (seed-17.md, seed-17.toml, seed-17.json): problem 17. Nothing else is guessed: a file that
  matches no problem, names a seed the class lacks, or is one of two files for one problem, is a row
  of grades.csv with the reason, and is not graded. Nothing in SUBMISSIONS is changed.

credit (per cell, times the quantity's weight; defaults in brackets):
  right [1], carried [1]: right from the student's own earlier values, root [0], missing [0],
  shape [0]: each cell of a quantity written in the wrong shape. The mistake is charged once, where
  it was made, unless --carried says otherwise.

writes to --out: grades.csv (student, seed, file, score, max, right, root, carried, missing, shape,
first_root, reason), feedback/<student or seed-N>.md, summary.md and histogram.png.
exit code: 0 every submission graded, 1 some could not be (see grades.csv), 2 the class folder or
the arguments cannot be used.

examples:
  tutor worksheet --random --seeds 1-40 --out class/       the class: one problem per student
  tutor grade class/ submissions/ --out grades/
  tutor grade class/ submissions/ --out grades/ --carried 0.5 --root 0 --missing 0
  tutor grade class/ submissions/ --out grades/ --weight delta=2 --sigfigs 3
"""


def _number(rule: str, low: float, high: float, example: str) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high``, else a message saying ``rule``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. {example})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text}: {rule}, e.g. {example}")
        return value
    return parse


CREDIT = _number("a credit is a share of the cell's points, 0 to 1", 0, 1, "0.5")
TOLERANCE = _number("a tolerance is a number ≥ 0", 0, 1e300, "0.01")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "grade", help="grade a class: every submission against its student's problem, a gradebook and feedback",
        description="Check every submission of a class (made with `tutor worksheet --random --seeds`) against its "
                    "student's own problem, and write a gradebook, one feedback file per student and a summary.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("klass", type=Path, metavar="CLASS", help="the class folder (with index.csv)")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="a folder of submitted answer files")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the gradebook goes")
    add_policy_arguments(p)
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes to check in (default: 2, or 1 on a one-core machine)")
    p.set_defaults(func=run)


def add_policy_arguments(p: argparse.ArgumentParser) -> None:
    """The credit policy's and the tolerance's flags (`tutor grade`, `tutor export PLATFORM`)."""
    for verdict, default in (("right", 1.0), ("carried", 1.0), ("root", 0.0), ("missing", 0.0), ("shape", 0.0)):
        p.add_argument(f"--{verdict}", type=CREDIT, default=default, metavar="C",
                       help=f"credit per {verdict} cell, 0 to 1 (default {default:g})")
    p.add_argument("--weight", action="append", default=[], metavar="Q=W",
                   help="weight of a quantity's cells (s, a, a_prime, C, delta, grad_W, grad_b, W, b; default 1)")
    p.add_argument("--rtol", type=TOLERANCE, metavar="R", help="relative tolerance (default 0.01)")
    p.add_argument("--atol", type=TOLERANCE, metavar="A", help="absolute tolerance for every entry")
    p.add_argument("--sigfigs", type=int, metavar="N", help="judge by N significant figures instead of --rtol")


def policy_from(args: argparse.Namespace):  # -> CreditPolicy
    from backprop_tutor.check.marking import Verdict
    from backprop_tutor.grading.policy import CreditPolicy, parse_weights

    return CreditPolicy({v: getattr(args, v.value) for v in Verdict}, parse_weights(args.weight))


def tolerance_from(args: argparse.Namespace):  # -> Tolerance
    from backprop_tutor.check.numbers import Tolerance

    if args.sigfigs is not None and args.rtol is not None:
        raise UsageError("--sigfigs and --rtol are two ways to say how close is right; give one of them")
    if args.sigfigs is not None and args.sigfigs < 1:
        raise UsageError(f"--sigfigs {args.sigfigs}: give at least 1 significant figure")
    return Tolerance(rtol=0.01 if args.rtol is None else args.rtol, atol=args.atol, sigfigs=args.sigfigs)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from backprop_tutor.grading.gradebook import grade_all
    from backprop_tutor.grading.matching import match, submission_files
    from backprop_tutor.grading.roster import load_class

    policy, tolerance = policy_from(args), tolerance_from(args)
    workers = min(2, cores_here()) if args.workers is None else args.workers
    if not 1 <= workers <= 64:
        raise UsageError(f"--workers {workers}: give 1 to 64 processes")
    klass = load_class(args.klass)
    if not args.submissions.is_dir():
        raise UsageError(f"{args.submissions}: not a folder of submissions")
    _check_out(args.out, args.submissions, args.klass)
    subs = match(submission_files(args.submissions), klass)
    graded = grade_all(subs, policy, tolerance, workers)
    failed = _write(args.out, graded, klass, policy, Console(highlight=False, markup=False, soft_wrap=True))
    return 1 if failed else 0


def _check_out(out: Path, submissions: Path, klass: Path) -> None:
    target = out.resolve()
    for folder, what in ((submissions.resolve(), "the submissions"), (klass.resolve(), "the class")):
        if target == folder or folder in target.parents:
            raise UsageError(f"--out {out} is inside {what} folder ({folder}); nothing there is changed: write the "
                             "grades to another folder")


def _write(out: Path, graded: list, klass, policy, console) -> int:
    from backprop_tutor.fileio import write_text_atomic
    from backprop_tutor.grading.gradebook import NO_SUBMISSION, grades_csv, with_absent, write_feedback
    from backprop_tutor.grading.summary import summary_markdown, write_histogram

    rows = with_absent(graded, klass, policy)
    write_text_atomic(out / "grades.csv", grades_csv(rows))
    n = write_feedback(out / "feedback", rows)
    histogram = write_histogram(out / "histogram.png", rows).name if any(r.graded for r in rows) else None
    write_text_atomic(out / "summary.md", summary_markdown(rows, policy.describe(), histogram))
    failed = [r for r in rows if not r.graded and r.reason != NO_SUBMISSION]
    absent = sum(r.reason == NO_SUBMISSION for r in rows)
    console.print(f"graded {count(n, 'submission')}; {len(failed)} could not be graded, "
                  f"{count(absent, 'student')} without one; "
                  f"wrote {out / 'grades.csv'}, {out / 'summary.md'} and {count(n, 'file')} in {out / 'feedback'}")
    for row in failed:
        console.print(f"  {row.file}: {row.reason}")
    return len(failed)
