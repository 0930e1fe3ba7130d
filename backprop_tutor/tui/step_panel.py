"""The current step's equations: the slide notation, the numbers substituted, the result."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from backprop_tutor.render.math import TextEquation, text_lines
from backprop_tutor.tui.sizing import SizedByLayout, update_in_place


class StepPanel(SizedByLayout, Static):
    """Writes each `Equation` as

        s(2) = W(2) a(1) + b(2)
             = [[1, -2], [3, 4]]·[5, 0] + [1, 0]
             = [6, 15]
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"step-panel--symbolic", "step-panel--result", "step-panel--note"}

    def show(self, equations: tuple[TextEquation, ...]) -> None:
        update_in_place(self, self.render_equations(equations))

    def render_equations(self, equations: tuple[TextEquation, ...]) -> Text:
        """The lines of `text_lines` (the same the plain-text worked solution writes), with the
        notation, the result and the note styled."""
        symbolic = self.get_component_rich_style("step-panel--symbolic", partial=True)
        result = self.get_component_rich_style("step-panel--result", partial=True)
        note = self.get_component_rich_style("step-panel--note", partial=True)
        text = Text()
        for eq in equations:
            if text:
                text.append("\n")
            lines = text_lines(eq)
            for k, line in enumerate(lines):
                if k:
                    text.append("\n")
                last = k == len(lines) - 1 and eq.result is not None and line.endswith(eq.result)
                head = line[: len(line) - len(eq.result)] if last else line
                text.append(head, symbolic if k == 0 and not last else "")
                if last:
                    text.append(eq.result, result)  # type: ignore[arg-type]
            if eq.note:
                text.append(f"   ({eq.note})", note)
        return text


class StepBox(SizedByLayout, VerticalScroll):
    """The step panel's frame: scrolled with PgDn/PgUp when the step's lines do not fit."""
