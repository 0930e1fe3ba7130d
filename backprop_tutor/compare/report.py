"""What a comparison found, and how it is shown: a Rich table for the terminal, HTML for a notebook (the same
content), `Comparison.to_json` for --json. The judging is `comparison`; this module only holds and draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from backprop_tutor.compare.problem import KEYS, QUANTITY
from backprop_tutor.compare.working import n as number
from backprop_tutor.notation import cell_text
from backprop_tutor.plural import plural

Key = tuple[str, int]

#: an entry agrees when |mine − engine| ≤ RTOL × (the engine array's largest |entry|) + ATOL
RTOL, ATOL = 1e-6, 1e-12
#: RTOL for an array the student gives in float32 (or float16): single precision rounds at ~6e-8 per operation
RTOL_SINGLE = 1e-4
TOLERANCE = (f"|yours − engine| ≤ {RTOL:g} × the array's largest |entry| + {ATOL:g}; {RTOL_SINGLE:g} × for an array "
             "in float32")
#: wrong entries shown for the first wrong array
SHOWN_ENTRIES = 3

RIGHT, ROOT, CARRIED, SHAPE, MISSING = "right", "root", "carried", "shape", "missing"


def label(key: Key) -> str:
    name, l = key
    return cell_text(QUANTITY[name], l) + (", updated" if name in ("W", "b") else "")


def where(key: Key, index: tuple[int, ...]) -> str:
    """An entry's place in the notation, units from 1 and samples from 0 as everywhere: "sample 0, s(2)[3]" in a
    per-sample array (whatever layout it was given in), else "∇W(4)[1,2]"."""
    name, l = key
    if name in ("s", "a", "delta"):
        return f"sample {index[0]}, {cell_text(QUANTITY[name], l, index[1])}"
    return cell_text(QUANTITY[name], l, *index)


@dataclass(frozen=True)
class Entry:
    index: tuple[int, ...]
    yours: float
    engine: float


@dataclass
class Row:
    """One array: its verdict, and for a wrong one the worst error, first wrong entries and diagnosis."""

    key: Key
    verdict: str
    error: float | None = None  # largest |yours − engine| / the engine array's largest |entry|
    entries: list[Entry] = field(default_factory=list)
    slip: str | None = None
    says: str | None = None
    note: str = ""  # the layout it was read in, or what is wrong with its shape

    @property
    def label(self) -> str:
        return label(self.key)


@dataclass
class Comparison:
    """The whole report. ``failed``: the function raised or returned no usable dict (then there are no rows)."""

    title: str
    batch: int
    rows: list[Row] = field(default_factory=list)
    failed: str | None = None
    nonfinite: str | None = None
    equation: str | None = None
    ignored: list[str] = field(default_factory=list)  # keys of their dict that are not compared

    @property
    def first_wrong(self) -> Row | None:
        return next((r for r in self.rows if r.verdict not in (RIGHT, MISSING)), None)

    @property
    def passed(self) -> bool:
        return self.failed is None and self.first_wrong is None and any(r.verdict == RIGHT for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"title": self.title, "batch": self.batch, "tolerance": TOLERANCE, "passed": self.passed,
                "failed": self.failed, "nonfinite": self.nonfinite, "equation": self.equation, "ignored": self.ignored,
                "first_wrong": self.first_wrong.label if self.first_wrong else None,
                "arrays": [{"array": r.label, "name": r.key[0], "layer": r.key[1],
                            **{k: v for k, v in asdict(r).items() if k != "key"}} for r in self.rows]}

    def __rich__(self) -> Any:
        return rich_report(self)

    def __str__(self) -> str:
        """The terminal's table as plain text (``print(result)`` outside a notebook)."""
        import io

        from rich.console import Console

        console = Console(file=io.StringIO(), width=100, highlight=False, color_system=None)
        console.print(self)
        return console.file.getvalue()  # type: ignore[attr-defined]

    def _repr_html_(self) -> str:
        return html_report(self)



MARK = {RIGHT: "✓", ROOT: "✗ root", CARRIED: "✗ carried", SHAPE: "✗ shape", MISSING: "·"}
STYLE = {RIGHT: "green", ROOT: "bold red", CARRIED: "red", SHAPE: "bold red", MISSING: "dim"}


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
            lines.append(f"  at {where(first.key, e.index)}: yours {number(e.yours)}, the engine's {number(e.engine)}")
        if c.equation:
            lines.append(f"  {c.equation}")
        if first.says:
            lines.append(f"  diagnosis ({first.slip}): {first.says}")
    if c.nonfinite:
        lines.append(c.nonfinite)
    if c.ignored:
        lines.append(f"not compared: the {plural(len(c.ignored), 'key')} {', '.join(map(repr, c.ignored))} "
                     "(compared are "
                     f"{', '.join(map(repr, KEYS))})")
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
