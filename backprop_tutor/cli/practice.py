"""`tutor practice`: step through one backprop step, typing each value before it is shown."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from backprop_tutor.cli._args import whole_number
from backprop_tutor.errors import UsageError

EPILOG = """\
how it goes:
  At each step the equation is shown with its inputs substituted and the result hidden: type the
  value (5, [5, -5], or a matrix [[1, -2], [0.5, 4]]) and press Enter. It is judged at once as
  `tutor check` judges a file: ✓, ✗ root, or ✗ carried when it follows from one of your earlier
  values. ctrl+r reveals a value instead; F2 shows the working of each wrong value; → goes on once
  the step is done. A summary ends it.
  ctrl+s saves the values typed so far as NAME-practice.json (a new name if that file is there), which
  `tutor check` reads; quitting saves them too. --resume FILE goes on from such a file.

examples:
  tutor practice hand-backprop                 the course's 3-2-2-3 hand example
  tutor practice my_net.toml                   your own network
  tutor practice --random --seed 17            a new hand-computable problem (the same seed, the same one)
  tutor practice --random --sizes 2-3-2 --output sigmoid
  tutor practice hand-backprop --sigfigs 3     judge by significant figures
  tutor practice hand-backprop --resume hand-backprop-practice.json   go on where you stopped
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "practice", help="step through backprop, typing each value before the UI shows it",
        description="The step-through UI, but each value is asked before it is shown and judged at once.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("example", nargs="?", help="a built-in example's name or a spec file (or --random)")
    p.add_argument("--random", action="store_true", help="a new hand-computable problem")
    p.add_argument("--seed", type=whole_number("--seed", 0), metavar="N",
                   help="with --random: the problem's seed (default: any)")
    p.add_argument("--sizes", default="3-2-2-3", metavar="N-N-…", help="with --random: units per layer")
    p.add_argument("--hidden", default="relu", help="with --random: hidden activation, relu or identity")
    p.add_argument("--output", default="softmax", help="with --random: softmax, identity or sigmoid")
    p.add_argument("--sample", type=int, default=0, metavar="K", help="which sample of a minibatch (from 0)")
    p.add_argument("--rtol", type=float, metavar="R", help="relative tolerance (default 0.01)")
    p.add_argument("--sigfigs", type=int, metavar="N", help="judge by N significant figures instead of --rtol")
    p.add_argument("--resume", type=Path, metavar="FILE",
                   help="go on from the answers a practice session saved (ctrl+s): NAME-practice.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.numbers import Tolerance
    from backprop_tutor.check.practice import PracticeSession
    from backprop_tutor.cli._args import is_terminal

    if args.sigfigs is not None and args.rtol is not None:
        raise UsageError("--sigfigs and --rtol are two ways to say how close is right; give one of them")
    if (args.sigfigs is not None and args.sigfigs < 1) or (args.rtol is not None and not args.rtol >= 0):
        raise UsageError("--sigfigs needs at least 1 figure and --rtol a number ≥ 0, e.g. --sigfigs 3 or --rtol 0.01")
    spec, name, text = _spec(args)
    session = PracticeSession(reference_for(spec, args.sample),
                              Tolerance(rtol=0.01 if args.rtol is None else args.rtol, sigfigs=args.sigfigs),
                              spec=name, spec_text=text)
    if args.resume is not None:
        if not args.resume.is_file():
            raise UsageError(f"--resume {args.resume}: no such file (ctrl+s in practice saves NAME-practice.json)")
        session.resume(args.resume)
    if not is_terminal():
        raise UsageError("practice is interactive: run it in a terminal (for a worksheet on paper: "
                         "`tutor worksheet NAME > sheet.md`)")
    from backprop_tutor.tui.practice import run_practice  # Textual only on a terminal

    return run_practice(session)


def _spec(args: argparse.Namespace):  # -> (NetworkSpec, how an answer file names it, its text if not on disk)
    from backprop_tutor.check.problems import ProblemSettings, parse_sizes, problem_spec, random_problem, spec_toml
    from backprop_tutor.spec import load_spec, resolve_example

    if not args.random:
        if args.seed is not None:
            raise UsageError("--seed chooses a random problem: add --random")
        name = args.example or "hand-backprop"
        return load_spec(resolve_example(name)), name, None
    if args.example:
        raise UsageError(f"--random makes a new problem; leave out {args.example!r}")
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    settings = ProblemSettings(parse_sizes(args.sizes), args.hidden, args.output)
    problem = random_problem(seed, settings)
    return problem_spec(problem, f"<practice problem {seed}>"), f"practice-problem-{seed}", spec_toml(problem)
