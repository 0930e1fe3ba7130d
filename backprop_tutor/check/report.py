"""A marking as a Rich table (terminal), Markdown (to hand back) and JSON (to grade a class in a script).

JSON: {"title", "tolerance", "cells": [{"quantity", "layer", "index" (0-based), "name" (the notation,
units from 1), "written", "expected", "verdict" (right|root|carried|missing|shape), "note", "working"
(a root mistake's correct working, else ""), "equation" (a wrong cell's quantity's equation, numbers
substituted, else ""), "yours" (a wrong cell's working from the student's own values, else ""),
"misconception" (a root mistake's named wrong rule, `check.misconceptions.Slip`, else "")}],
"totals": {verdict: count}, "first_root": {"name", "working"} or null, "all_right"}.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from backprop_tutor.check.marking import Marked, Marking, Verdict
from backprop_tutor.render.format import fmt, fmt_matrix

DIGITS = 8
STYLE = {Verdict.RIGHT: "green", Verdict.ROOT: "bold red", Verdict.CARRIED: "yellow", Verdict.MISSING: "dim",
         Verdict.SHAPE: "bold red"}


def _expected(cell: Marked) -> str:
    return fmt_matrix(cell.expected, DIGITS) if cell.index == () and getattr(cell.expected, "ndim", 0) else \
        fmt(cell.expected, DIGITS)


def summary(marking: Marking) -> str:
    t = marking.totals()
    return (f"{t['right']} right, {t['root']} root mistake(s), {t['carried']} carried, {t['missing']} missing"
            + (f", {t['shape']} in the wrong shape" if t["shape"] else ""))


def first_root_text(marking: Marking) -> str:
    cell = marking.first_root
    if cell is None:
        return "No root mistake." if not marking.all_right else "Every value is right."
    return (f"First root mistake: {cell.name} = {cell.written}, but {cell.name} = {_expected(cell)}. "
            f"Working: {cell.working}" + (f" (the step: {cell.equation})" if cell.equation else ""))


def rich_report(marking: Marking) -> Group:
    table = Table(title=marking.title, title_justify="left")
    for name, justify in (("cell", "left"), ("written", "right"), ("expected", "right"), ("verdict", "left"),
                          ("note", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for cell in marking.cells:
        table.add_row(cell.name, cell.written or "", _expected(cell),
                      Text(cell.verdict.mark, style=STYLE[cell.verdict]), cell.note)
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
        lines.append("| " + " | ".join(_md(c) for c in (cell.name, cell.written or "", _expected(cell),
                                                           cell.verdict.mark, note)) + " |")
    lines += ["", summary(marking) + f" (judged {marking.tolerance.describe()}).", "", first_root_text(marking)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|") or " "


def to_json(marking: Marking) -> str:
    root = marking.first_root
    doc: dict[str, Any] = {
        "title": marking.title, "tolerance": marking.tolerance.describe(),
        "cells": [{"quantity": str(c.quantity), "layer": c.layer, "index": list(c.index), "name": c.name,
                   "written": c.written, "expected": _expected(c), "verdict": c.verdict.value, "note": c.note,
                   "working": c.working, "equation": c.equation, "yours": c.yours,
                   "misconception": c.misconception}
                  for c in marking.cells],
        "totals": marking.totals(), "all_right": marking.all_right,
        "first_root": None if root is None else {"name": root.name, "working": root.working,
                                                 "equation": root.equation},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
