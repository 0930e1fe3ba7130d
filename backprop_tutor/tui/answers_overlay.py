"""`tutor example NAME --answers FILE`: the step-through UI with the student's own values marked.

The trace is stepped through as usual; a panel above the worksheet marks the student's values of the
quantities the step on screen writes (✓, ✗ root, ✗ carried, missing, ✗ shape), from the same marking
`tutor check FILE` prints, and its title gives the totals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget

from backprop_tutor.check.marking import Marked, Marking
from backprop_tutor.check.report import summary
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.tui.app import TutorApp, run_to_end
from backprop_tutor.tui.marks import MarksPanel, marked_tables
from backprop_tutor.tui.sizing import SizedByLayout
from backprop_tutor.tui.viewmodel import StepView
from backprop_tutor.worksheet.model import build_worksheet

#: the worksheet's least height with the marks panel on screen: its title rule, a table's title and header and three
#: rows (issue 18: it was squeezed to 2 lines at 100×30 by the feedback)
WORKSHEET_ROWS = 6


def panel_rows(height: int, answer_rows: int) -> tuple[int, int, int]:
    """The most rows (with their title rule) the network pane, the step panel and the marks panel may take on a
    terminal ``height`` rows tall, so that the worksheet keeps `WORKSHEET_ROWS` below them, besides the status
    line, the footer and ``answer_rows`` for practice's answer box: 6, 4, 3 at 24 rows; 9, 6, 4 at 30."""
    free = height - 2 - answer_rows - WORKSHEET_ROWS
    marks = max(2, min(8, free // 4))
    diagram = max(2, round(free * 0.45))
    return diagram, max(2, min(12, free - marks - diagram)), marks


class MarksLayout(TutorApp):
    """The step-through UI with a marks panel (and practice's answer box) above the worksheet, which keeps
    `WORKSHEET_ROWS` however many verdicts the panel holds: the panes above it are given fewer rows."""

    ANSWER_ROWS: ClassVar[int] = 0

    def diagram_rows(self, height: int) -> int:
        return min(super().diagram_rows(height), panel_rows(height, self.ANSWER_ROWS)[0] - 1)

    def _fit_diagram(self, width: int, height: int) -> None:
        super()._fit_diagram(width, height)
        _, step, marks = panel_rows(height, self.ANSWER_ROWS)
        self.query_one("#step-box").styles.max_height = step
        self.query_one("#marks-box").styles.max_height = marks


def with_panel(widgets: Iterable[Widget], panel: Iterable[Widget]) -> ComposeResult:
    """The UI's widgets with ``panel`` placed just above the worksheet."""
    for widget in widgets:
        if widget.id == "worksheet":
            yield from panel
        yield widget


class MarksBox(SizedByLayout, VerticalScroll):
    """The marks panel's frame, as tall as the marks (up to its CSS maximum)."""


def marks_box(title: str) -> VerticalScroll:
    box = MarksBox(MarksPanel(id="marks"), id="marks-box")
    box.border_title = title
    box.can_focus = False
    return box


class AnswersApp(MarksLayout):
    """The step-through UI, with the student's marks for the quantities of the step on screen."""

    CSS_PATH: ClassVar = ["app.tcss", "marks.tcss"]

    def __init__(self, trace: TraceReader, marking: Marking, *, digits: int | None = 3, sample: int = 0) -> None:
        super().__init__(trace, digits=digits, sample=sample)
        self.marking = marking
        written = build_worksheet(trace, sample).entries
        self._step_of = {(e.quantity, e.layer): e.step for e in written}

    def compose(self) -> ComposeResult:
        yield from with_panel(super().compose(), [marks_box(f"your answers: {summary(self.marking)}")])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sample":
            return False  # the marks are of one sample's worksheet
        return super().check_action(action, parameters)

    def marks_at(self, step: int) -> list[Marked]:
        return [m for m in self.marking.cells if self._step_of.get((m.quantity, m.layer)) == step]

    @property
    def view(self) -> StepView:
        """The usual view, with the marks of the quantities written so far under their worksheet cells."""
        view = super().view
        shown = {(m.quantity, m.layer) for m in self.marking.cells if self._step_of.get((m.quantity, m.layer), -1)
                 <= self.step}
        return dataclasses.replace(view, tables=marked_tables(view.tables, {
            key: [m for m in self.marking.cells if (m.quantity, m.layer) == key] for key in shown}))

    def refresh_view(self) -> None:
        super().refresh_view()
        self.query_one(MarksPanel).show(self.marks_at(self.step), empty="(nothing to write at this step)")


def run_answers_app(trace: TraceReader, marking: Marking, *, digits: int | None = 3, sample: int = 0) -> int:
    return run_to_end(AnswersApp(trace, marking, digits=digits, sample=sample))
