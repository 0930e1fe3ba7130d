"""`tutor export`: a saved trace (e.g. a traced minibatch of `tutor train`) as Markdown: the worksheet
tables (`backprop_tutor.render.markdown`) or the worked solution (`backprop_tutor.render.solution`).

Reads the trace lazily (`TraceFile`): one sample's rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from backprop_tutor.cli._args import check_sample, one_to_stdout, write_output
from backprop_tutor.cli.grade import add_policy_arguments
from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import refuse_replacing_inputs
from backprop_tutor.numbers.format import parse_digits
from backprop_tutor.trace.store import TraceFile

#: platform → what its --out is, for messages
PLATFORMS = {"gradescope": "autograder.zip", "prairielearn": "pl-question/", "canvas": "quiz.qti.zip",
             "moodle": "quiz.xml"}

EPILOG = """\
examples:
  tutor export runs/tanh-0.01/trace.h5 --markdown batch1.md              sample 0 of the first trace
  tutor export runs/tanh-0.01/trace.h5 --markdown - --sample 3 --layer 2 one sample, one layer, to stdout
  tutor export runs/tanh-0.01/trace.h5 --group epoch1-batch2 --markdown b2.md --full
  tutor export runs/tanh-0.01/trace.h5 --solution sample3.md --sample 3   the worked solution of sample 3
  tutor export hand.h5 --solution hand.md --plain                         equations as text, not LaTeX
  tutor export runs/tanh-0.01/trace.h5 --list                            the traces in the file

a class for a platform (see `tutor grade --help` for the credit policy's flags, the same here):
  tutor export gradescope class/ --out autograder.zip      a Gradescope autograder for the class
  tutor export prairielearn class/ --out pl-question/      a PrairieLearn question (the whole worksheet)
  tutor export canvas class/ --out quiz.qti.zip            Canvas: a numeric drill per cell (QTI 1.2)
  tutor export moodle class/ --out quiz.xml                Moodle XML: a numerical question per cell
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="write a saved trace as Markdown or a worked solution; or a class for Gradescope, "
                  "PrairieLearn, Canvas or Moodle",
        description="Write the worksheet of one sample of a saved trace as Markdown: s(l), a(l), a'(l), δ(l), "
                    "∇W(l), ∇b(l) and the update. Big matrices are summarised unless --full. Or, with a platform "
                    "and a class folder, the class for that platform (an autograder, a question, a quiz).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace", type=Path, metavar="TRACE.h5|PLATFORM",
                   help="a trace file (tutor train --trace-batch, tutor example --save-trace), or a platform to "
                        f"export a class for: {', '.join(PLATFORMS)}")
    p.add_argument("klass", nargs="?", type=Path, metavar="CLASS",
                   help="with a platform: the class folder (tutor worksheet --random --seeds … --out CLASS)")
    p.add_argument("--out", type=Path, metavar="PATH", help="with a platform: the file or folder to write")
    p.add_argument("--markdown", metavar="FILE", help="write the Markdown to FILE ('-' for standard output)")
    p.add_argument("--solution", metavar="FILE.md",
                   help="write the worked solution (every step: equation, numbers, result; then the worksheet) "
                        "to FILE.md ('-' for standard output)")
    p.add_argument("--plain", action="store_true", help="with --solution: equations as text instead of $$ … $$")
    p.add_argument("--group", metavar="NAME", help="which trace of the file, e.g. epoch1-batch1 (default: the first)")
    p.add_argument("--sample", type=int, default=0, metavar="I",
                   help="which sample of the minibatch, 0-based (default 0: the first)")
    p.add_argument("--layer", type=int, metavar="L", help="only layer L (default: every layer)")
    p.add_argument("--digits", type=parse_digits, default=3, metavar="N",
                   help="significant digits, or full (default 3)")
    p.add_argument("--full", action="store_true", help="every digit, and matrices in full instead of summarised")
    p.add_argument("--list", action="store_true", help="list the traces in the file and exit")
    add_policy_arguments(p.add_argument_group("with a platform: the credit policy and tolerance"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if str(args.trace) in PLATFORMS or args.klass is not None:
        return _platform(args)
    if args.out is not None:
        raise UsageError("--out is for a platform's export (tutor export gradescope CLASS --out …); a trace goes to "
                         "--markdown FILE or --solution FILE.md")
    from backprop_tutor.render.markdown import trace_to_markdown
    from backprop_tutor.render.solution import solution_markdown

    outputs = {"--markdown": args.markdown, "--solution": args.solution}
    console = Console(highlight=False, soft_wrap=True, markup=False, stderr=one_to_stdout(outputs))
    refuse_replacing_inputs(outputs, {"the trace": args.trace})
    with TraceFile(args.trace, args.group) as trace:
        if args.list:
            for name in trace.traces:
                console.print(name)
            return 0
        _check(args, trace.header.L, trace.header.batch_size)
        _say_if_not_finite(trace, args.trace)
        digits = None if args.full else args.digits
        group = "" if trace.group_name == "/" else f" ({trace.group_name})"
        what = f"{args.trace}{group}, sample {args.sample}"
        if args.markdown is not None:
            write_output(args.markdown, trace_to_markdown(trace, sample=args.sample, digits=digits, layer=args.layer,
                                                          full=args.full), console.print,
                         what + (f", layer {args.layer}" if args.layer else ""))
        if args.solution is not None:
            write_output(args.solution, solution_markdown(trace, args.sample, digits, plain=args.plain,
                                                          full=args.full),
                         console.print, f"the worked solution of {what}")
    return 0


def _platform(args: argparse.Namespace) -> int:
    from backprop_tutor.cli.grade import policy_from, tolerance_from
    from backprop_tutor.grading.exports import export_class

    platform = str(args.trace)
    if platform not in PLATFORMS:
        raise UsageError(f"{platform!r} is not a platform ({', '.join(PLATFORMS)}); a trace is exported alone: "
                         "tutor export TRACE.h5 --markdown FILE")
    if args.klass is None or args.out is None:
        raise UsageError(f"tutor export {platform} needs the class folder and --out: tutor export {platform} CLASS "
                         f"--out {PLATFORMS[platform]}")
    refuse_replacing_inputs({"--out": args.out}, {"the class folder": args.klass})
    wrote = export_class(platform, args.klass, args.out, policy_from(args), tolerance_from(args))
    Console(highlight=False, soft_wrap=True, markup=False).print(wrote)
    return 0


def _check(args: argparse.Namespace, L: int, batch_size: int) -> None:
    if args.markdown is None and args.solution is None:
        raise UsageError("say where the Markdown goes: --markdown FILE or --solution FILE.md ('-' for standard "
                         "output)")
    if args.plain and args.solution is None:
        raise UsageError("--plain is a form of the worked solution: give --solution FILE.md with it")
    check_sample(args.sample, batch_size, "this minibatch")
    if args.layer is not None and not 1 <= args.layer <= L:
        raise UsageError(f"--layer {args.layer}: this network has layers 1 to {L}")


def _say_if_not_finite(trace: TraceFile, path: Path) -> None:
    """A NaN or infinite value (a diverging run's traced step) is written as it is, but never without a word."""
    from backprop_tutor.errors import NumericError
    from backprop_tutor.overflow import check_trace_finite

    try:
        check_trace_finite(trace.load(), f"{path}:")
    except NumericError as err:
        Console(stderr=True, highlight=False, soft_wrap=True, markup=False).print(
            f"warning: {err}. The Markdown shows those values as they are (nan, inf)")
