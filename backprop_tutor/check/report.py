"""A marking as a Rich table (terminal), Markdown (to hand back) and JSON (to grade a class in a script).

JSON: {"title", "tolerance", "cells": [{"quantity", "layer", "index" (0-based), "name" (the notation,
units from 1), "written", "expected", "verdict" (right|root|carried|missing|shape), "note", "working"
(a root mistake's correct working, else ""), "equation" (a wrong cell's quantity's equation, numbers
substituted, else ""), "yours" (a wrong cell's working from the student's own values, else ""),
"misconception" (a root mistake's named wrong rule, `check.misconceptions.Slip`, else "")}],
"totals": {verdict: count}, "first_root": {"name", "working"} or null, "all_right"}; for many sheets a list
of these, each with "file" (or {"file", "error"} for a sheet that could not be read).

An expected value is shown at the digits the student wrote (at least the UI's 3), with more where a wrong
value would otherwise look the same as the true one; --json has every digit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from backprop_tutor.check.checker import Checked
from backprop_tutor.check.marking import Marked, Marking, Verdict
from backprop_tutor.check.numbers import NumberError, parse_number
from backprop_tutor.numbers.format import DEFAULT_DIGITS, fmt, fmt_matrix
from backprop_tutor.plural import count

#: the fewest digits an expected value is shown with (what the UI shows); more when the student wrote more
DIGITS = DEFAULT_DIGITS
#: the most digits shown to make an expected value differ from a wrong written one (exact mode knows 50)
MOST_DIGITS = 50
STYLE = {Verdict.RIGHT: "green", Verdict.ROOT: "bold red", Verdict.CARRIED: "yellow", Verdict.MISSING: "dim",
         Verdict.SHAPE: "bold red"}
_MANTISSA = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def written_digits(text: str | None) -> int:
    """The significant digits of the numbers in ``text`` (the most of any): '0.99999996' → 8, '4.14e-8' → 3."""
    return max((len(m[1].replace(".", "").lstrip("0")) for m in _MANTISSA.finditer(text or "")), default=0)


def expected_text(cell: Marked, digits: int | None = None) -> str:
    """The true value as the report shows it: at the digits the student used (at least DIGITS), and for a
    wrong value with as many more as it takes to differ from what was written. ``digits`` None: every digit."""
    if cell.index == () and getattr(cell.expected, "ndim", 0):
        return fmt_matrix(cell.expected, digits or max(DIGITS, written_digits(cell.written)))
    if digits is None:
        return fmt(cell.expected, None)
    shown = fmt(cell.expected, max(digits, written_digits(cell.written)))
    if cell.verdict in (Verdict.ROOT, Verdict.CARRIED) and cell.written:
        for more in range(max(digits, written_digits(cell.written)) + 1, MOST_DIGITS + 1):
            if not _same_number(shown, cell.written):
                break
            shown = fmt(cell.expected, more)
    return shown


def _same_number(a: str, b: str) -> bool:
    try:
        return parse_number(a) == parse_number(b)
    except NumberError:
        return a == b


def summary(marking: Marking) -> str:
    t = marking.totals()
    return (f"{t['right']} right, {count(t['root'], 'root mistake')}, {t['carried']} carried, {t['missing']} missing"
            + (f", {t['shape']} in the wrong shape" if t["shape"] else ""))


def first_root_text(marking: Marking) -> str:
    cell = marking.first_root
    if cell is None:
        return "No root mistake." if not marking.all_right else "Every value is right."
    return (f"First root mistake: {cell.name}: you wrote {cell.written}; it is {expected_text(cell, DIGITS)}. "
            f"Working: {cell.working}" + (f" (the step: {cell.equation})" if cell.equation else ""))


def rich_report(marking: Marking) -> Group:
    table = Table(title=marking.title, title_justify="left")
    for name, justify in (("cell", "left"), ("written", "right"), ("expected", "right"), ("verdict", "left"),
                          ("note", "left")):
        table.add_column(name, justify=justify, no_wrap=name in ("cell", "verdict"))  # type: ignore[arg-type]
    for cell in marking.cells:  # Text, not str: a student's [5, -5] is not markup, and nothing is parsed
        table.add_row(Text(cell.name), Text(cell.written or ""), Text(expected_text(cell, DIGITS)),
                      Text(cell.verdict.mark, style=STYLE[cell.verdict]), Text(cell.note))
    return Group(table, Text(summary(marking) + f"  (judged {marking.tolerance.describe()})"),
                 Text(first_root_text(marking), style="bold" if marking.first_root else ""))


def print_report(marking: Marking, console: Console) -> None:
    console.print(rich_report(marking))


def to_markdown(marking: Marking) -> str:
    lines = [f"# Check: {marking.title}", "", "| cell | written | expected | verdict | note |",
             "| --- | --- | --- | --- | --- |"]
    for cell in marking.cells:
        note = "; ".join(t for t in (cell.note, cell.working and f"working: {cell.working}",
                                     cell.yours and f"from your values: {cell.yours}",
                                     cell.equation and f"the step: {cell.equation}") if t)
        lines.append("| " + " | ".join(_md(c) for c in (cell.name, cell.written or "", expected_text(cell, DIGITS),
                                                           cell.verdict.mark, note)) + " |")
    lines += ["", summary(marking) + f" (judged {marking.tolerance.describe()}).", "", first_root_text(marking)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|") or " "


def to_doc(marking: Marking) -> dict[str, Any]:
    """The marking as plain data (what --json writes): expected values with every digit."""
    root = marking.first_root
    return {
        "title": marking.title, "tolerance": marking.tolerance.describe(),
        "cells": [{"quantity": str(c.quantity), "layer": c.layer, "index": list(c.index), "name": c.name,
                   "written": c.written, "expected": expected_text(c), "verdict": c.verdict.value, "note": c.note,
                   "working": c.working, "equation": c.equation, "yours": c.yours,
                   "misconception": c.misconception}
                  for c in marking.cells],
        "totals": marking.totals(), "all_right": marking.all_right,
        "first_root": None if root is None else {"name": root.name, "working": root.working,
                                                 "equation": root.equation},
    }


def to_json(marking: Marking) -> str:
    return json.dumps(to_doc(marking), indent=2, ensure_ascii=False) + "\n"


# --- many sheets in one call: a line per sheet and a total -------------------------------------------
def sheet_line(checked: Checked) -> str:
    """One sheet of a class in one line: its counts and its first root mistake, or why it was not read."""
    marking = checked.marking
    if checked.skipped:
        return f"{checked.path}: skipped: {checked.error.removeprefix(f'{checked.path}: ')}"
    if marking is None:
        return f"{checked.path}: not read: {checked.error}"
    root = marking.first_root
    first = "" if root is None else f"; first root mistake {root.name}: you wrote {root.written}; it is " \
                                    f"{expected_text(root, DIGITS)}"
    return f"{checked.path}: {'✓' if marking.all_right else '✗'} {summary(marking)}{first}"


def total_line(sheets: list[Checked]) -> str:
    """3 sheets: 1 all right, 1 with mistakes or blanks, 1 not read (and 1 other file skipped)."""
    skipped = sum(1 for c in sheets if c.skipped)
    right = sum(1 for c in sheets if c.marking is not None and c.marking.all_right)
    unread = sum(1 for c in sheets if c.marking is None) - skipped
    n = len(sheets) - skipped
    return (f"{count(n, 'sheet')}: {right} all right, {n - right - unread} with mistakes or blanks, {unread} not read"
            + (f" (and {count(skipped, 'other file')} skipped)" if skipped else ""))


def sheets_json(sheets: list[Checked]) -> str:
    """--json for many sheets: a list, one object per sheet ({"file", …the marking} or {"file", "error"})."""
    docs = [{"file": str(c.path), **(to_doc(c.marking) if c.marking is not None else {"error": c.error})}
            for c in sheets if not c.skipped]
    return json.dumps(docs, indent=2, ensure_ascii=False) + "\n"


def sheets_markdown(sheets: list[Checked]) -> str:
    """--markdown for many sheets: a line per sheet and the total, then each sheet's report."""
    lines = [f"# Check: {count(sum(not c.skipped for c in sheets), 'sheet')}", "",
             *(f"- {_md(sheet_line(c))}" for c in sheets), "", total_line(sheets), ""]
    for c in sheets:
        if c.marking is not None:
            lines += [f"## {_md(str(c.path))}", "", to_markdown(c.marking).replace("# Check: ", "### Check: ", 1)]
    return "\n".join(lines)
