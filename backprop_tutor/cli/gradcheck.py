"""`tutor gradcheck`: backprop's gradient against finite differences, parameter by parameter.

The math is `backprop_tutor.engine.gradcheck`; this module finds the network and the minibatch (a
built-in example, a spec file, or a run folder of `tutor train`) and shows the comparison.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.text import Text

from backprop_tutor.cli._args import whole_number
from backprop_tutor.errors import GradCheckFailed, NumericError, UsageError
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers import MAX_EXPONENT
from backprop_tutor.numbers.format import parse_digits
from backprop_tutor.plural import count, plural
from backprop_tutor.render.gradcheck import check_table, h_text, summary_lines

EPILOG = """\
examples:
  tutor gradcheck hand-backprop                  every ∇W(l), ∇b(l) entry: backprop vs central difference (float64)
  tutor gradcheck hand-backprop --exact          in exact arithmetic, h = 1e-25: dozens of agreeing digits
  tutor gradcheck my_net.toml --h 1e-4           your own network, with a coarser step
  tutor gradcheck runs/tanh-0.01 --batch 1 --sample-params 50   a trained network, 50 of its parameters

Relative error: |g − d| / max(|g|, |d|, s), g from backprop, d the difference, s the gradient's largest
entry. Verdicts: agree (below 1e-6 in float64, 1e-30 in exact mode), DISAGREE, cannot tell (the gap is
within the difference's rounding: use --exact), or kink (a ReLU s(l) changed sign between θ − h and
θ + h: the difference means nothing there). Exit code 0 when none
disagrees, 1 when some do, 2 for bad input.
"""

#: Parameters checked in a run folder when --sample-params is not given (a trained net has ~10⁵).
RUN_SAMPLE = 50
#: --digits not given: 10 in float64, every certain digit in exact mode (`--digits full` is None)
DEFAULT_DIGITS = object()

#: Networks with at most this many parameters are checked in full by default.
CHECK_ALL_UP_TO = 500
#: Images of a run's training set used when --batch is not given.
RUN_BATCH = 10
#: The smallest float64 step: below it θ + h rounds to θ for any |θ| ≥ 1e-292 (and 1e-400 is 0 outright).
FLOAT_SMALLEST_STEP = 1e-300
#: Finite differences estimated to take longer than this are refused (with --sample-params as the way out);
#: beyond PROGRESS_FROM seconds a progress bar shows how far they are.
GRADCHECK_LIMIT_SECONDS, PROGRESS_FROM = 600.0, 2.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "gradcheck", help="check backprop's gradient against finite differences, parameter by parameter",
        description="For each parameter θ: the gradient from one backward pass against the central difference "
                    "(C(θ+h) − C(θ−h)) / 2h, which costs two forward passes per parameter.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="NAME|SPEC|RUN_FOLDER",
                   help="a built-in example, a spec file (.toml) or a run folder of `tutor train`")
    p.add_argument("--batch", type=whole_number("--batch", 1), metavar="B",
                   help=f"use the first B samples (default: all of a spec's; the first {RUN_BATCH} training "
                        "images of a run)")
    p.add_argument("--sample-params", type=whole_number("--sample-params", 1), metavar="N",
                   help=f"check N parameters drawn at random (default: all, up to {CHECK_ALL_UP_TO}; "
                        f"else {RUN_SAMPLE})")
    p.add_argument("--h", metavar="H", help="the step h > 0 (default 1e-6; 1e-25 with --exact)")
    p.add_argument("--exact", action="store_true", help="exact arithmetic (intervals at 100 digits)")
    p.add_argument("--seed", type=whole_number("--seed", 0), default=0, help="seed for --sample-params (default 0)")
    p.add_argument("--digits", type=parse_digits, metavar="N|full", default=DEFAULT_DIGITS,
                   help="significant digits shown, or full: every digit the number has (float64's shortest "
                        "round-trip decimal, up to 17; default 10 in float64, full in exact mode)")
    p.set_defaults(func=run)


def step_size(text: str | None, precision: str = "float64") -> Decimal | None:
    """--h as an exact decimal (so that in exact mode 1e-25 is 10⁻²⁵); UsageError unless > 0, finite, and
    (in float64) a step the number type can take: 1e-400 is 0 there."""
    if text is None:
        return None
    try:
        h = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"--h {text}: not a number; give the step h > 0, e.g. --h 1e-6") from None
    if not (h.is_finite() and h > 0):
        raise UsageError(f"--h {text}: the step h must be a number > 0, e.g. --h 1e-6")
    if abs(h.adjusted()) > MAX_EXPONENT:
        raise UsageError(f"--h {text}: give a step between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT} (e.g. 1e-25 with "
                         "--exact)")
    if precision != "exact" and not FLOAT_SMALLEST_STEP <= float(h) < 1e300:
        raise UsageError(f"--h {text}: in {precision} the step must lie between {FLOAT_SMALLEST_STEP:g} and 1e300 "
                         f"({text} is {float(h):g} there); the usual step is 1e-6, and a tinier one needs --exact")
    return h


@dataclass
class Problem:
    """What to check: the network, the minibatch, λ, and how to name it."""

    network: Any
    x: np.ndarray
    y: np.ndarray
    l2: float
    title: str


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.engine.gradcheck import check_gradients, parameter_count, sample_parameters

    precision = "exact" if args.exact else "float64"
    h = step_size(args.h, precision)
    problem = load_problem(args.target, precision, args.batch)
    n = args.sample_params
    if n is None and parameter_count(problem.network) > CHECK_ALL_UP_TO:
        n = RUN_SAMPLE
    params = sample_parameters(problem.network, n, args.seed)
    with np.errstate(all="ignore"), _progress(problem, len(params), precision) as each:
        check = check_gradients(problem.network, problem.x, problem.y, params, h, problem.l2, each=each)
    _check_finite(check, problem.title)
    shown = args.digits if args.digits is not DEFAULT_DIGITS else None if args.exact else 10
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{problem.title}: {count(check.batch_size, 'sample')}, {precision}"))
    console.print(Text(f"difference = (C(θ+h) − C(θ−h)) / 2h with h = {h_text(check.h)}"))
    console.print(check_table(check, shown))
    for line in summary_lines(check, args.seed):
        console.print(Text(line))
    return 0 if check.passed else 1


@contextlib.contextmanager
def _progress(problem: Problem, n: int, precision: str) -> Iterator[Callable[[], None] | None]:
    """Refuse differences estimated beyond the limit (the figure, and --sample-params as the way out); show a
    progress bar (on standard error) when they take more than a moment; else nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from backprop_tutor.engine.gradcheck import forward_seconds
    from backprop_tutor.memory import check_exact_work, exact_seconds, format_seconds

    sizes, B = problem.network.sizes, problem.x.shape[0]
    if precision == "exact":  # 2 forward passes per parameter, a forward pass ~1/3 of a step
        check_exact_work(sizes, B, problem.title, passes=1 + 2 * n / 3,
                         advice="check fewer parameters (--sample-params N) or drop --exact")
        seconds = exact_seconds(sizes, B, passes=2 * n / 3)
    else:
        one = forward_seconds(problem.network, problem.x)
        seconds = 2 * n * one
        if seconds > GRADCHECK_LIMIT_SECONDS:
            fits = max(1, int(60 / (2 * one)))
            raise UsageError(f"{problem.title}: checking {n:,} {plural(n, 'parameter')} takes {2 * n:,} forward "
                             "passes, about "
                             f"{format_seconds(seconds)} (the limit is {format_seconds(GRADCHECK_LIMIT_SECONDS)}); "
                             f"check a random sample instead, e.g. --sample-params {fits:,} (about a minute)")
    if seconds < PROGRESS_FROM:
        yield None
        return
    bar = Progress(TextColumn("finite differences"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task("", total=n)
        yield lambda: bar.advance(task)


def _check_finite(check: Any, title: str) -> None:
    """A cost that overflowed (or NaN parameters) makes g or d infinite or NaN: named, not compared."""
    bad = next((c for c in check.comparisons if check.precision != "exact"
                and not np.isfinite([c.backprop, c.difference]).all()), None)
    if bad is not None:
        raise NumericError(f"{title}: at {bad.parameter.label} backprop gives {bad.backprop:g} and the difference "
                           f"{bad.difference:g}: the cost C(θ) or its gradient is not a finite number here, so "
                           "nothing can be compared; try --exact, or smaller weights or inputs")


# --- the network and the minibatch ---------------------------------------------------------------
def load_problem(target: str, precision: str, batch: int | None) -> Problem:
    """A built-in example or spec file, or a run folder (config.json + params.h5)."""
    path = Path(target)
    if path.is_dir():
        return _run_folder(path, precision, batch or RUN_BATCH)
    from backprop_tutor.spec import build_network, load_spec, resolve_example, run_spec, spec_data

    spec = load_spec(resolve_example(target))
    run_spec(spec, precision)  # one recorded step: an overflow is named by its step and layer, as `tutor example` does
    network = build_network(spec, precision)
    x, y = spec_data(spec, precision)
    if batch is not None:
        if batch > x.shape[0]:
            raise UsageError(f"--batch {batch}: {target} holds {count(x.shape[0], 'sample')}")
        x, y = x[:batch], y[:batch]
    sizes = "-".join(map(str, spec.sizes))
    return Problem(network, x, y, float(spec.l2), f"{spec.title or target} ({sizes})")


def _run_folder(folder: Path, precision: str, batch: int) -> Problem:
    from backprop_tutor.data import load_dataset
    from backprop_tutor.overflow import check_fits
    from backprop_tutor.train.run_folder import RunFolder

    run = RunFolder(folder)
    if not run.file("config.json").is_file():
        raise UsageError(f"{folder}: not a run folder of `tutor train` (no config.json); "
                         "give a run folder, a spec file or a built-in example")
    config = run.read_config()
    network = run.network(precision)  # its parameters (checked against its sizes) with its activations
    for l, layer in enumerate(network.layers, start=1):
        check_fits({cell_text("W", l): layer.W, cell_text("b", l): layer.b}, precision, f"{folder}: parameters:")
    data = load_dataset(config.data, train_rows=batch)  # (the first images alone become floats)
    if batch > data.x_train.shape[0]:
        raise UsageError(f"--batch {batch}: {config.data} holds {data.x_train.shape[0]} training images")
    ops = network.ops
    x, y = ops.asarray(np.asarray(data.x_train[:batch], np.float64)), ops.asarray(np.asarray(data.y_train[:batch]))
    sizes = "-".join(map(str, config.sizes))
    return Problem(network, x, y, float(config.l2),
                   f"run {folder} ({sizes}, trained on {config.data}; its first {count(batch, 'image')})")


# --- `tutor train --gradcheck` ---------------------------------------------------------------------
def check_first_minibatch(config: Any, data: Any, console: Console, n: int = 30) -> None:
    """Before training: backprop vs finite differences on the run's first minibatch, for ``n`` parameters
    of the initial network (float64); GradCheckFailed if any disagrees away from a kink."""
    import dataclasses

    from backprop_tutor.engine.gradcheck import check_gradients, sample_parameters
    from backprop_tutor.train.trainer import initial_network, shuffle_generator

    network = initial_network(dataclasses.replace(config, precision="float64"))
    rows = shuffle_generator(config.seed).permutation(data.x_train.shape[0])[:config.batch_size]
    x, y = (np.asarray(a[rows], dtype=np.float64) for a in (data.x_train, data.y_train))
    check = check_gradients(network, x, y, sample_parameters(network, n, config.seed), l2=config.l2)
    for line in summary_lines(check, config.seed)[:2]:
        console.print(Text(f"gradient check: {line}"))
    worst = check.worst
    if not check.passed and worst is not None:
        raise GradCheckFailed(
            f"gradient check before training failed: {len(check.disagreements)} of {len(check.comparisons)} "
            f"{plural(len(check.comparisons), 'parameter')} disagree (worst relative error {worst.error:.1e} at "
            f"{worst.parameter.label}, "
            f"h = {h_text(check.h)}); backprop's gradient is not the loss's, so training would follow the "
            "wrong direction. Nothing was trained.")
