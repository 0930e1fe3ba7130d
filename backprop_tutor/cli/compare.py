"""`tutor compare`: a student's own numpy training step against the engine's, array by array.

The work is `backprop_tutor.compare`; this module reads the arguments and prints the report."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from backprop_tutor.cli._args import whole_number
from backprop_tutor.errors import UsageError

EPILOG = """\
your function:
  def my_step(W, b, x, y, eta): ...   W = [W(1), …, W(L)], each (units out, units in) as in the course's
                                      mnist_network_params.hdf5; b = [b(1), …]; x (B × n0); one-hot y (B × nL)
  return {"s": [...], "a": [...], "delta": [...], "grad_W": [...], "grad_b": [...], "W": [...], "b": [...]}
                                      any of these keys, one array per layer (layer 1 first), W and b after
                                      the update; samples as columns and W as (in, out) are read and named

examples:
  tutor compare my_mlp.py:my_step hand-backprop            the course's 3-2-2-3 example, one sample
  tutor compare my_mlp.py:my_step my_net.toml              any spec file (a minibatch: x is B × n0)
  tutor compare my_mlp.py:my_step --data fashion-mnist --hidden 100,50,25 --activation tanh --batch 500
  tutor compare my_mlp.py:my_step hand-backprop --json     the same as JSON, for scripts

Each array is ✓ (float64, |yours − engine| ≤ 1e-06 × the array's largest |entry| + 1e-12), ✗ root (your rule
is wrong here), ✗ carried (it follows from an earlier wrong array), ✗ shape, or · not returned; the first
wrong array gets its entries, its equation for one sample and a named diagnosis when a known bug makes it.
Exit code 0 when every returned array agrees, 1 when some differ (or your function fails), 2 for bad input.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare", help="check your own numpy MLP step against the engine, array by array",
        description="Call your training step function on a network and a minibatch, and compare every array it "
                    "returns with the engine's: the first wrong array, root or carried, and why.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("function", metavar="FILE.py:FUNC", help="your file and the step function in it")
    p.add_argument("spec", nargs="?", metavar="SPEC",
                   help="a built-in example (hand-backprop) or a spec file (.toml); or give --data")
    p.add_argument("--data", metavar="NAME|PATH", help="a data set (fashion-mnist, mnist or a path, as `tutor train`)")
    p.add_argument("--hidden", metavar="N,N,…", help="with --data: hidden layer sizes (default 100,50,25)")
    p.add_argument("--activation", choices=("tanh", "relu", "sigmoid"),
                   help="with --data: the hidden layers' activation, default tanh (the output is softmax + "
                        "cross-entropy)")
    p.add_argument("--batch", type=whole_number("--batch", 1), metavar="B",
                   help="with --data: minibatch size (default 500)")
    p.add_argument("--seed", type=whole_number("--seed", 0),
                   help="with --data: seed of the weights and of the images drawn (default 0)")
    p.add_argument("--eta", type=float, help="with --data: the learning rate η (default 0.1)")
    p.add_argument("--json", action="store_true", help="the report as JSON on standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.compare.comparison import compare_step
    from backprop_tutor.compare.student import load_function

    function = load_function(args.function)
    problem = _problem(args)
    result = _quietly(function, problem) if args.json else compare_step(function, problem)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(result)
    return 0 if result.passed else 1


def _problem(args: argparse.Namespace) -> Any:
    from backprop_tutor.compare.api import problem_for
    from backprop_tutor.compare.problem import DATA_BATCH, DATA_ETA, DATA_HIDDEN

    options = {"--hidden": args.hidden, "--activation": args.activation, "--batch": args.batch, "--seed": args.seed,
               "--eta": args.eta}
    given = [flag for flag, value in options.items() if value is not None]
    if args.data is None and given:
        raise UsageError(f"{', '.join(given)}: only with --data (a spec file sets its own network, data and η)")
    hidden = _sizes(args.hidden) if args.hidden is not None else DATA_HIDDEN
    return problem_for(args.spec, args.data, hidden, args.activation or "tanh",
                       DATA_BATCH if args.batch is None else args.batch, args.seed or 0,
                       DATA_ETA if args.eta is None else args.eta)


def _quietly(function: Any, problem: Any) -> Any:
    """With --json, what the student's function prints goes to standard error: standard output stays JSON."""
    import contextlib

    from backprop_tutor.compare.comparison import compare_step

    with contextlib.redirect_stdout(sys.stderr):
        return compare_step(function, problem)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--hidden {text}: give the hidden layer sizes as whole numbers, e.g. 100,50,25") from None
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--hidden {text}: every layer needs at least 1 unit")
    return sizes
