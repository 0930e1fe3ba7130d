"""The comparison shown: a Rich table for the terminal, HTML for a notebook (same content). --json is
`Comparison.to_json`."""

from __future__ import annotations

from html import escape
from typing import Any

from backprop_tutor.compare.comparison import CARRIED, MISSING, RIGHT, ROOT, SHAPE, TOLERANCE, Comparison, Row

MARK = {RIGHT: "✓", ROOT: "✗ root", CARRIED: "✗ carried", SHAPE: "✗ shape", MISSING: "·"}
STYLE = {RIGHT: "green", ROOT: "bold red", CARRIED: "red", SHAPE: "bold red", MISSING: "dim"}


def number(value: float) -> str:
    return f"{value:.6g}"


def detail(row: Row) -> str:
    """What the table says about one array beside its mark."""
    if row.verdict == MISSING:
        return "not returned"
    parts = [row.note] if row.note else []
    if row.verdict in (ROOT, CARRIED) and row.error is not None:
        parts.append(f"largest error {row.error:.2g} of the array's scale")
    if row.verdict == CARRIED:
        parts.append("follows from an earlier wrong array")
    if row.says:
        parts.append(f"{row.slip}: {row.says}")
    return "; ".join(parts)


def summary(c: Comparison) -> list[str]:
    """The lines under the table: the first wrong array, its entries and equation, NaN, the verdict."""
    lines = []
    first = c.first_wrong
    if first is not None:
        lines.append(f"first wrong array: {first.label} ({MARK[first.verdict]})")
        for e in first.entries:
            lines.append(f"  at {list(e.index)}: yours {number(e.yours)}, the engine's {number(e.engine)}")
        if c.equation:
            lines.append(f"  {c.equation}")
        if first.says:
            lines.append(f"  diagnosis ({first.slip}): {first.says}")
    if c.nonfinite:
        lines.append(c.nonfinite)
    right = sum(r.verdict == RIGHT for r in c.rows)
    returned = sum(r.verdict != MISSING for r in c.rows)
    lines.append(f"{right} of {returned} returned arrays agree with the engine (float64; {TOLERANCE})"
                 if returned else "no arrays were returned")
    return lines


def rich_report(c: Comparison) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text(f"{c.title}: your step against the engine's, B = {c.batch}", style="bold")
    if c.failed is not None:
        return Group(head, Text(c.failed))
    table = Table(show_edge=False, pad_edge=False)
    for column in ("array", "", "what"):
        table.add_column(column, overflow="fold")
    for row in c.rows:
        table.add_row(row.label, Text(MARK[row.verdict], style=STYLE[row.verdict]), detail(row))
    return Group(head, table, *(Text(line) for line in summary(c)))


def html_report(c: Comparison) -> str:
    head = f"<b>{escape(c.title)}</b>: your step against the engine's, B = {c.batch}"
    if c.failed is not None:
        return f"<div class='bt-compare'>{head}<pre>{escape(c.failed)}</pre></div>"
    colour = {RIGHT: "green", ROOT: "#c00", CARRIED: "#c60", SHAPE: "#c00", MISSING: "grey"}
    rows = "".join(f"<tr><td>{escape(r.label)}</td><td style='color:{colour[r.verdict]}'>{escape(MARK[r.verdict])}"
                   f"</td><td style='text-align:left'>{escape(detail(r))}</td></tr>" for r in c.rows)
    lines = "<br>".join(escape(line) for line in summary(c))
    return (f"<div class='bt-compare'>{head}<table><tr><th>array</th><th></th><th>what</th></tr>{rows}</table>"
            f"<p>{lines}</p></div>")
