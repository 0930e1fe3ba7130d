"""`tutor worksheet`: a blank worksheet (or its answer key) for a spec; random practice problems."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from backprop_tutor.cli._args import stdout_file
from backprop_tutor.errors import UsageError
from backprop_tutor.plural import count

EPILOG = """\
examples:
  tutor worksheet hand-backprop > my-answers.md         blank tables to fill in, then `tutor check my-answers.md`
  tutor worksheet my_net.toml --format toml > a.toml    a TOML template with the quantity names (or --format json)
  tutor worksheet hand-backprop --key                   the answer key (every value filled in)
  tutor worksheet --random --seed 17 --out p17/         a new hand-computable problem: spec, worksheet, answer key
  tutor worksheet --random --seeds 1-40 --out class/    one problem per student, and class/index.csv
  tutor worksheet --random --seeds 41-45,50 --out class/   more students: their rows are added to index.csv
  tutor worksheet --random --seed 3 --sizes 2-3-2 --output identity --out p3/
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "worksheet", help="a blank worksheet to compute by hand, its answer key, or random practice problems",
        description="Write the worksheet a student fills in for one backprop step (Markdown tables, or a "
                    "TOML/JSON template), its answer key, or new hand-computable problems.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("example", nargs="?", help="a built-in example's name or a spec file (not with --random)")
    p.add_argument("--format", choices=("md", "toml", "json"), default="md", help="answer file format (default md)")
    p.add_argument("--key", action="store_true", help="fill in the engine's values: the answer key")
    p.add_argument("--sample", type=int, default=0, metavar="K", help="which sample of a minibatch (from 0)")
    p.add_argument("--random", action="store_true", help="make new problems (with --seed or --seeds, and --out)")
    p.add_argument("--seed", type=int, metavar="N", help="the problem's seed: the same seed, the same problem")
    p.add_argument("--seeds", metavar="A-B",
                   help="one problem per seed (17, 1-40, 1,5,9; at most 1000 per call), in DIR/seed-N/, with "
                        "DIR/index.csv (a second call into the same DIR adds its rows)")
    p.add_argument("--out", type=Path, metavar="DIR", help="folder for the problems' files")
    p.add_argument("--sizes", default="3-2-2-3", metavar="N-N-…",
                   help="units per layer (default 3-2-2-3; by hand: at most 4 layers, 6 units each, 50 weights)")
    p.add_argument("--hidden", default="relu", help="hidden activation: relu or identity (default relu)")
    p.add_argument("--output", default="softmax",
                   help="output: softmax (cross-entropy), identity or sigmoid (½ squared error); default softmax")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.random:
        return _random(args)
    if args.seed is not None or args.seeds or args.out:
        raise UsageError("--seed, --seeds and --out make random problems: add --random")
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.templates import render
    from backprop_tutor.spec import builtin_examples, load_spec, resolve_example

    name = args.example or "hand-backprop"
    spec = load_spec(resolve_example(name))
    named = name if name in builtin_examples() else _spec_beside(Path(name), stdout_file())
    sys.stdout.write(render(reference_for(spec, args.sample), named, args.format, key=args.key, sample=args.sample))
    return 0


def _spec_beside(spec: Path, sheet: Path | None) -> str:
    """How the worksheet names its spec: relative to the worksheet's own folder when it goes to a file
    (so `tutor check` finds it from anywhere, and the two can move together); as typed otherwise."""
    if sheet is None:
        return spec.as_posix()
    try:
        return Path(os.path.relpath(spec.resolve(), sheet.parent)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return spec.resolve().as_posix()


def _seeds(args: argparse.Namespace) -> list[int]:
    from backprop_tutor.check.problems import check_seed, parse_seeds

    if (args.seed is None) == (args.seeds is None):
        raise UsageError("--random needs --seed N (one problem) or --seeds A-B (one per student)")
    if args.seed is not None:
        check_seed(args.seed)
        return [args.seed]
    return parse_seeds(args.seeds)


def _random(args: argparse.Namespace) -> int:
    from rich.console import Console

    from backprop_tutor.check.problems import (
        ProblemSettings,
        index_text,
        parse_sizes,
        problem_files,
        refuse_replacing,
        write_files,
    )

    if args.example:
        raise UsageError(f"--random makes a new problem; leave out {args.example!r}")
    if args.out is None:
        raise UsageError("--random needs --out DIR: the folder for the spec, the worksheet and the answer key")
    seeds = _seeds(args)
    settings = ProblemSettings(parse_sizes(args.sizes), args.hidden, args.output)
    settings.check()
    rows, files = [], {}
    for seed in seeds:  # every file made and checked before the first is written: all or nothing
        row, texts = problem_files(seed, settings, args.out if args.seed is not None else args.out / f"seed-{seed}",
                                   args.format)
        rows.append(row)
        files.update(texts)
    if args.seeds:
        files[args.out / "index.csv"] = index_text(args.out / "index.csv", rows)
        refuse_replacing({p: t for p, t in files.items() if p.name != "index.csv"})
    else:
        refuse_replacing(files)
    write_files(files)
    console = Console()
    if args.seeds:
        console.print(f"wrote {count(len(seeds), 'problem')} to {args.out}/seed-*/ and {args.out / 'index.csv'}",
                      highlight=False)
    else:
        console.print(f"wrote {rows[0].spec}, {rows[0].worksheet}, {rows[0].key}", highlight=False)
    return 0
