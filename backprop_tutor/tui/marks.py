"""The student's own values marked: ✓, ✗ root, ✗ carried, missing, ✗ shape, for the quantities of the
step on screen (`tutor example NAME --answers FILE`, `tutor practice`)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from backprop_tutor.check.answers import column_quantity
from backprop_tutor.check.marking import Marked, Verdict
from backprop_tutor.check.practice import is_revealed
from backprop_tutor.notation import cell_name
from backprop_tutor.numbers.format import fmt
from backprop_tutor.tui.sizing import SizedByLayout, update_in_place
from backprop_tutor.worksheet.model import Quantity
from backprop_tutor.worksheet.tables import Table, TextCell

DIGITS = 4
#: the largest matrix whose typed values a worksheet cell repeats under the true one (a hand calculation's)
MATRIX_CELLS = 16


class MarksPanel(SizedByLayout, Static):
    """One line per quantity of the step: all right, or each wrong cell with what it should be and why."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"marks-panel--right", "marks-panel--root", "marks-panel--carried",
                                             "marks-panel--missing"}

    def show(self, marks: list[Marked], empty: str = "", short: bool = False) -> None:
        """``short``: one line per quantity, its first wrong value without the working (practice, until F2)."""
        text = (self.render_short(marks) if short else self.render_marks(marks)) if marks else Text(empty)
        update_in_place(self, text)

    def render_short(self, marks: list[Marked]) -> Text:
        text = Text()
        for name, cells in by_quantity(marks):
            text.append(("\n" if text else "") + f"{name}: ")
            wrong = [m for m in cells if m.verdict is not Verdict.RIGHT]
            if not wrong:
                text.append(Verdict.RIGHT.mark, self.style(Verdict.RIGHT))
                continue
            text.append(mark_of(wrong[0]), self.style(wrong[0].verdict))
            more = f" (+{len(wrong) - 1} more)" if len(wrong) > 1 else ""
            text.append(" " + cell_line(wrong[0]).split(" · ")[0] + more)
        return text

    def style(self, verdict: Verdict) -> str:
        name = {Verdict.RIGHT: "right", Verdict.CARRIED: "carried", Verdict.MISSING: "missing"}.get(verdict, "root")
        return str(self.get_component_rich_style(f"marks-panel--{name}", partial=True))

    def render_marks(self, marks: list[Marked]) -> Text:
        text = Text()
        for name, cells in by_quantity(marks):
            text.append(("\n" if text else "") + f"{name}: ")
            if all(m.verdict is Verdict.RIGHT for m in cells):
                text.append(Verdict.RIGHT.mark, self.style(Verdict.RIGHT))
                continue
            for k, m in enumerate(c for c in cells if c.verdict is not Verdict.RIGHT):
                text.append("\n  " if k else "")
                text.append(mark_of(m), self.style(m.verdict))
                text.append(" " + cell_line(m))
        return text


def by_quantity(marks: list[Marked]) -> list[tuple[str, list[Marked]]]:
    """The marks grouped by quantity, in order, each with its name: s(1), C."""
    groups: dict[tuple, list[Marked]] = {}
    for m in marks:
        groups.setdefault((m.quantity, m.layer), []).append(m)
    return [(cell_name(cells[0].quantity, cells[0].layer, ()), cells)
            for cells in groups.values()]


def mark_of(m: Marked) -> str:
    """✓, ✗ root, ✗ carried, missing, ✗ shape; "revealed" for a value practice showed on ctrl+r."""
    return "revealed" if is_revealed(m) else m.verdict.mark


def cell_line(m: Marked) -> str:
    """s(1)[1]: you wrote 4, it is 5 · your own inputs give … · s(1) = W(1) a(0) + b(1) = … = [5, -5]."""
    expected = fmt(m.expected, DIGITS) if m.index != () or m.name == "C" else ""
    said = f"{m.name}: you wrote {m.written}" + (f", it is {expected}" if expected else "") if m.written \
        else f"{m.name} = {expected}"
    parts = [said, "" if is_revealed(m) else m.note, m.yours and f"from your values: {m.yours}", m.equation]
    return " · ".join(p for p in parts if p)


def marked_tables(tables: tuple[Table, ...], marks: dict[tuple[Quantity, int], list[Marked]]) -> tuple[Table, ...]:
    """The worksheet's tables with a line under each cell the student's values were marked for:
    ✓, or how many of its values are ✗ root, ✗ carried, missing…"""
    return tuple(_marked(table, marks) for table in tables)


def _marked(table: Table, marks: dict[tuple[Quantity, int], list[Marked]]) -> Table:
    quantities = [column_quantity(c) for c in table.columns]
    rows = tuple(tuple(_with_mark(cell, marks.get((q, int(row[0].text)))) if q is not None and row[0].text.isdigit()
                       else cell for q, cell in zip(quantities, row, strict=True)) for row in table.rows)
    cost = next((cells for (q, _), cells in marks.items() if q is Quantity.COST), None)
    notes = tuple(_with_mark(n, cost, inline=True) if n.text.startswith("C =") else n for n in table.notes)
    return Table(table.title, table.columns, rows, notes)


def _with_mark(cell: TextCell, cells: list[Marked] | None, inline: bool = False) -> TextCell:
    if not cells:
        return cell
    labels = [mark_of(m) for m in cells]
    order = [v.mark for v in Verdict] + ["revealed"]
    mark = Verdict.RIGHT.mark if labels.count(Verdict.RIGHT.mark) == len(cells) else " ".join(
        f"{label}×{labels.count(label)}" for label in order if label in labels)
    yours = _yours(cells) if mark != Verdict.RIGHT.mark else ()
    if inline:
        return TextCell((f"{cell.text} {mark}" + (f" (you: {' '.join(yours)})" if yours else ""),), cell.new)
    # a matrix one row a line, as the true one above it
    return TextCell((*cell.lines, mark, *(("you: " if k == 0 else "     ") + row for k, row in enumerate(yours))),
                    cell.new)


def _yours(cells: list[Marked]) -> tuple[str, ...]:
    """The student's own value of a wrong number, vector or matrix (one row a line), beside the true one (· for a
    blank), as typed: [4, -5]; [1, 2] / [3, 4]. Nothing for a value not typed at all, or a matrix too large to
    write in a cell (the panel and F2 list its wrong cells)."""
    if not any(m.written for m in cells):
        return ()
    if len(cells) == 1 and cells[0].index == ():
        return (cells[0].written or "·",)
    if all(len(m.index) == 1 for m in cells):
        return ("[" + ", ".join(m.written or "·" for m in cells) + "]",)
    if len(cells) > MATRIX_CELLS:
        return ()
    rows: dict[int, list[str]] = {}
    for m in cells:
        rows.setdefault(m.index[0], []).append(m.written or "·")
    return tuple("[" + ", ".join(row) + "]" for row in rows.values())
