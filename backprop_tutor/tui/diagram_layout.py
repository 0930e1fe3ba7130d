"""How the network diagram fits its pane: which whole columns are shown, and with how many digits.

The diagram is a row of columns a(0) │ W(1) b(1) │ a(1) │ … │ a(L). When they do not all fit, whole
columns are left out (the ones farthest from the step's own columns first; ◂ and ▸ say on which side,
and the > and < keys move the window), and when even the step's own columns do not fit, their numbers
are written with fewer digits. A number is never cut: it is shortened as a number, or shown as "…".

No Textual here: widths come from the column views, so the choice is a pure function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backprop_tutor.tui.viewmodel import ColumnView, WeightView

MARKER = 2  # "◂" or "▸" and a space
NEURON_MIN = 5  # .neuron { min-width: 5 }
ELLIPSIS = "…"

Column = ColumnView | WeightView


def in_order(columns: Sequence[ColumnView], weights: Sequence[WeightView]) -> list[Column]:
    """a(0), W(1), a(1), W(2), …, a(L): the columns left to right."""
    by_layer = {w.layer: w for w in weights}
    out: list[Column] = []
    for column in columns:
        if column.layer in by_layer:
            out.append(by_layer[column.layer])
        out.append(column)
    return out


def image_shrink(image_rows: int, rows: int, reserved: int) -> int:
    """1, or 2 to draw a square image at half size when it would not fit in ``rows`` with ``reserved``
    rows of text (title, captions) above it. ``image_rows`` counts pixel rows (two per line)."""
    return 1 if (image_rows + 1) // 2 + reserved <= rows else 2


def column_width(column: Column, shrink: int = 1) -> int:
    """Cells the column needs (without its right margin)."""
    width = len(column.title)
    if column.image is not None:
        width = max(width, -(-column.image.shape[1] // shrink))
    if isinstance(column, WeightView):
        return max(width, *(len(line) for line in column.lines))
    texts = [marker_text(column, before=True), marker_text(column, before=False)]
    return max(width, *(len(t) for t in texts), *(max(NEURON_MIN, len(n.text) + 2) for n in column.neurons))


def marker_text(column: ColumnView, before: bool) -> str:
    """"↑ units 1–2" above a window of a wide layer, "↓ units 11–100" below it (units count from 1)."""
    shown = len(column.neurons)
    if before and column.hidden_before:
        return f"↑ units 1–{column.hidden_before}"
    if not before and column.hidden_after:
        first = column.hidden_before + shown + 1
        total = first - 1 + column.hidden_after
        return f"↓ unit {total}" if first == total else f"↓ units {first}–{total}"
    return ""


@dataclass(frozen=True)
class Plan:
    """What the diagram shows: columns ``first``..``last`` (indices into `in_order`), with ``digits``."""

    first: int
    last: int
    count: int
    digits: int | None
    fits: bool  # False: even the step's own columns are too wide; their numbers show as "…"

    @property
    def hidden_left(self) -> int:
        return self.first

    @property
    def hidden_right(self) -> int:
        return self.count - 1 - self.last


def choose_window(widths: Sequence[int], focus: Sequence[int], available: int, gap: int, pan: int = 0
                  ) -> tuple[int, int] | None:
    """The widest run of whole columns around ``focus`` that fits in ``available`` cells (each column
    followed by ``gap``), moved ``pan`` columns right (or left); None if the focus alone does not fit."""
    n = len(widths)

    def width(first: int, last: int) -> int:
        markers = MARKER * ((first > 0) + (last < n - 1))
        return sum(widths[first:last + 1]) + gap * (last - first + 1) + markers

    first, last = (min(focus), max(focus)) if focus else (0, 0)
    if width(first, last) > available:
        return None
    grown = True
    while grown:  # grow toward the input first: it is what the step reads
        grown = False
        if first > 0 and width(first - 1, last) <= available:
            first, grown = first - 1, True
        if last < n - 1 and width(first, last + 1) <= available:
            last, grown = last + 1, True
    if pan:
        first = min(max(0, first + pan), n - 1)
        last = first
        while last < n - 1 and width(first, last + 1) <= available:
            last += 1
        while first > 0 and width(first - 1, last) <= available:
            first -= 1
    return first, last


def fewer_digits(digits: int | None) -> list[int | None]:
    """The digits tried, in order, when a column is too wide: as asked, then 3, 2, 1."""
    return [digits, *(d for d in (3, 2, 1) if digits is None or d < digits)]


def plan_diagram(views_at: Callable[[int | None], tuple[Sequence[ColumnView], Sequence[WeightView]]],
                 digits: int | None, available: int, gap: int, shrink: Callable[[Column], int],
                 pan: int = 0) -> tuple[Plan, list[Column]]:
    """The columns to draw and which of them fit: as many as fit at the digits asked for; when even the
    step's own columns do not fit, the same with fewer digits (only in the diagram)."""
    for d in fewer_digits(digits):
        ordered = in_order(*views_at(d))
        widths = [column_width(c, shrink(c)) for c in ordered]
        focus = [i for i, c in enumerate(ordered) if c.current]
        window = choose_window(widths, focus, available, gap, pan)
        if window is not None:
            return Plan(window[0], window[1], len(ordered), d, True), ordered
    current = next((i for i, c in enumerate(ordered) if c.current and isinstance(c, ColumnView)), 0)
    return Plan(current, current, len(ordered), d, False), ordered


def fit_text(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` cells, else "…" (a number is never cut)."""
    return text if len(text) <= width else ELLIPSIS


def column_at(line: str, x: int) -> int | None:
    """Which weight of a W(l) line "  1 -2 │ 1" (its values, then │ and the bias) is at cell ``x``: its
    0-based column, or None for the bias, a gap, or a line that is not a row of weights."""
    if "│" not in line or x >= line.index("│"):
        return None
    column = -1
    for k, char in enumerate(line[: line.index("│")]):
        if char != " " and (k == 0 or line[k - 1] == " "):
            column += 1  # a new number starts
        if k == x:
            return column if char != " " and column >= 0 else None
    return None
