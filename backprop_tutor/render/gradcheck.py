"""A gradient check as the student sees it: the table of backprop vs difference per parameter, and the
summary (how many agree, the worst error, what each way cost). Shared by `tutor gradcheck`, `tutor train
--gradcheck` and the UI's check screen."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table
from rich.text import Text

from backprop_tutor.engine.gradcheck import ROUNDING, GradCheck
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count, plural


def check_table(check: GradCheck, digits: int | None) -> Table:
    """One row per parameter: g, d, relative error (and agreeing digits in exact mode), verdict."""
    exact = check.precision == "exact"
    table = Table(title_justify="left")
    for name, justify in (("θ", "left"), ("backprop ∂C/∂θ", "right"), ("difference", "right"),
                          ("rel. error", "right")):
        table.add_column(name, justify=justify, overflow="fold", no_wrap=name == "θ")  # type: ignore[arg-type]
    if exact:
        table.add_column("digits agree", justify="right")
    table.add_column("verdict")
    for c in check.comparisons:
        style = "yellow" if c.kink or c.unresolved else "" if c.agrees else "bold red"
        cells = [c.parameter.label, fmt(c.backprop, digits), fmt(c.difference, digits), f"{c.error:.1e}"]
        table.add_row(*cells, *([str(c.agreeing_digits)] if exact else []), Text(c.verdict, style=style))
    return table


def summary_lines(check: GradCheck, seed: int, layer: int | None = None) -> list[str]:
    """How many agree, the worst error, and what each way of getting the gradient cost. ``layer``: the
    parameters were drawn from that layer's W(l), b(l) only."""
    n = len(check.comparisons)
    population = check.layer_size(layer) if layer is not None else check.parameter_count
    where = f"{cell_text('W', layer)}, {cell_text('b', layer)}" if layer is not None else "the network"
    sampled = (f" (a random sample of {n} of the {population:,} of {where}, seed {seed})" if n < population
               else f" (every entry of {where})" if layer is not None else "")
    unresolved = len(check.unresolved)
    lines = [f"{count(n, 'parameter')}{sampled}: {len(check.agreements)} agree, {len(check.disagreements)} disagree, "
             f"{len(check.kinks)} at a ReLU kink (not a failure)"
             + (f", {unresolved} cannot tell in {check.precision}" if unresolved else "")]
    if unresolved:
        lines.append(f"cannot tell in {check.precision}: for {count(unresolved, 'parameter')} the gap between "
                     "backprop and "
                     f"the difference is within the difference's rounding (|C| × {ROUNDING[check.precision]:.0e} / h), "
                     "so this number type cannot judge them; use --exact")
    worst = check.worst
    if worst is not None:
        line = f"worst relative error away from kinks: {worst.error:.1e} ({worst.parameter.label})"
        if check.fewest_digits is not None:
            line += f"; fewest agreeing digits: {check.fewest_digits}"
        lines.append(line + f"; agreement means below {check.tolerance:.0e}")
    back, diff, total = check.backprop_seconds, check.difference_seconds, check.parameter_count
    line = (f"backprop: 1 forward + 1 backward pass gave all {total:,} {plural(total, 'gradient')} in "
            f"{_ms(back)}; finite differences: {check.forward_passes:,} forward passes (2 per parameter) for {n:,} "
            f"of them in {_ms(diff)}")
    every = diff * total / n if n else 0.0  # the differences for every parameter, at the same pace
    if n < total:
        passes = plural(2 * total, "pass", "passes")
        line += f"; for all {total:,} it would be {2 * total:,} {passes}, about {_ms(every)}"
    if back > 0 and n:
        line += f" ({every / back:,.0f}× backprop)"
    lines.append(line)
    return lines


def h_text(h: Decimal) -> str:
    """1e-6 rather than 0.000001."""
    mantissa, _, exponent = f"{h:e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}" if int(exponent) else mantissa


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"
