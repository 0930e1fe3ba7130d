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


def detail(row: Row, named: dict[str, str]) -> str:
    """What the table says about one array beside its mark. A bug already explained on an earlier row
    (``named``: slip → that row's label, filled here) is named again, not explained again."""
    if row.verdict == MISSING:
        return "not returned"
    parts = [row.note] if row.verdict == SHAPE else []
    if row.verdict in (ROOT, CARRIED) and row.error is not None:
        parts.append(f"largest error {row.error:.2g} × the array's largest entry")
    if row.verdict == CARRIED:
        parts.append("follows from an earlier wrong array")
    if row.slip and row.slip in named:
        parts.append(f"{row.slip}, as {named[row.slip]}")
    elif row.slip:
        named[row.slip] = row.label
        parts.append(f"{row.slip}: {row.says}")
    return "; ".join(parts)


def table_rows(c: Comparison) -> list[tuple[str, str, str]]:
    """(array, verdict, detail) for each row, in order."""
    named: dict[str, str] = {}
    return [(row.label, row.verdict, detail(row, named)) for row in c.rows]


def layouts(c: Comparison) -> list[str]:
    """How arrays were read when not in the engine's layout: one line per layout, with the arrays."""
    found: dict[str, list[str]] = {}
    for row in c.rows:
        if row.note and row.verdict != SHAPE:
            found.setdefault(row.note, []).append(row.label)
    return [f"{note}: {', '.join(labels)}" for note, labels in found.items()]


def summary(c: Comparison) -> list[str]:
    """The lines under the table: the first wrong array, its entries and equation, NaN, the verdict."""
    lines = layouts(c)
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
    for label, verdict, text in table_rows(c):
        table.add_row(label, Text(MARK[verdict], style=STYLE[verdict]), text)
    return Group(head, table, *(Text(line) for line in summary(c)))


def html_report(c: Comparison) -> str:
    head = f"<b>{escape(c.title)}</b>: your step against the engine's, B = {c.batch}"
    if c.failed is not None:
        return f"<div class='bt-compare'>{head}<pre>{escape(c.failed)}</pre></div>"
    colour = {RIGHT: "green", ROOT: "#c00", CARRIED: "#c60", SHAPE: "#c00", MISSING: "grey"}
    rows = "".join(f"<tr><td>{escape(label)}</td><td style='color:{colour[verdict]}'>{escape(MARK[verdict])}"
                   f"</td><td style='text-align:left'>{escape(text)}</td></tr>"
                   for label, verdict, text in table_rows(c))
    lines = "<br>".join(escape(line) for line in summary(c))
    return (f"<div class='bt-compare'>{head}<table><tr><th>array</th><th></th><th>what</th></tr>{rows}</table>"
            f"<p>{lines}</p></div>")
