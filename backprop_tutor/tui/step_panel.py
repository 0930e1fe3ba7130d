"""The current step's equations: the slide notation, the numbers substituted, the result."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from backprop_tutor.tui.viewmodel import Equation


class StepPanel(Static):
    """Writes each `Equation` as

        s(2) = W(2) a(1) + b(2)
             = [[1, -2], [3, 4]]·[5, 0] + [1, 0]
             = [6, 15]
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"step-panel--symbolic", "step-panel--result", "step-panel--note"}

    def show(self, equations: tuple[Equation, ...]) -> None:
        self.update(self.render_equations(equations))

    def render_equations(self, equations: tuple[Equation, ...]) -> Text:
        symbolic = self.get_component_rich_style("step-panel--symbolic", partial=True)
        result = self.get_component_rich_style("step-panel--result", partial=True)
        note = self.get_component_rich_style("step-panel--note", partial=True)
        text = Text()
        for eq in equations:
            if text:
                text.append("\n")
            text.append(eq.symbolic, symbolic)
            lhs = eq.symbolic.find(" = ")
            indent = " " * (lhs if lhs >= 0 else len(eq.symbolic.split(" ←")[0]))
            if eq.substituted is None and eq.result is not None:  # nothing to substitute: one line
                text.append(" = ")
                text.append(eq.result, result)
            else:
                if eq.substituted is not None:
                    text.append(f"\n{indent} = {eq.substituted}")
                if eq.result is not None:
                    text.append(f"\n{indent} = ")
                    text.append(eq.result, result)
            if eq.note:
                text.append(f"   ({eq.note})", note)
        return text
