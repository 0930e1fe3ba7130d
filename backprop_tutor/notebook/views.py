"""What each step of the notebook's stepper shows, as plain data built once in Python.

One `NotebookStep` per event of the trace, for one sample at one number of digits: the status line,
the step's equations as text lines, and the step's HTML (equations, the network with the step's
values, the worksheet filled in so far, the cells the step wrote marked). The content is the terminal
UI's (`backprop_tutor.tui.viewmodel.StepModel`, Textual-free): the same equations, tables and neuron
values, so the notebook and `tutor example` show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tutor.notebook.html import step_html
from backprop_tutor.render.math import text_lines
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.tui.source import TraceSource
from backprop_tutor.tui.viewmodel import StepModel, StepView

#: the terminal UI's notes name its keys and flags; in a notebook they are arguments of bt.example
NOTEBOOK_WORDS = (("press d for more digits", "digits=6 shows more"), ("press d for more", "digits=6 for more"),
                  ("--exact computes", "exact=True computes"))


def notebook_words(text: str) -> str:
    for cli, notebook in NOTEBOOK_WORDS:
        text = text.replace(cli, notebook)
    return text


@dataclass(frozen=True)
class NotebookStep:
    """Step ``step`` (0-based) of the trace as the stepper shows it."""

    step: int
    status: str  # "step 4 of 14 · forward · s(3), a(3), a'(3) · float64 · 3 digits"
    label: str
    equations: tuple[str, ...]  # the step's equations, one line each, as the terminal UI writes them
    html: str

    def to_json(self) -> dict[str, object]:
        """What the widget's JavaScript reads (its `steps` list holds one of these per step)."""
        return {"step": self.step, "status": self.status, "label": self.label,
                "equations": list(self.equations), "html": self.html}


def step_lines(view: StepView) -> tuple[str, ...]:
    """The equations of the step, one written line each, notes after the equation they belong to."""
    lines: list[str] = []
    for eq in view.equations:
        if eq.substituted is not None or eq.result is not None:
            lines += text_lines(eq)
            lines += [f"  ({notebook_words(eq.note)})"] if eq.note else []
        elif eq.note:
            lines.append(f"{eq.symbolic}: {notebook_words(eq.note)}")
    return tuple(lines)


def step_views(trace: TraceReader, sample: int = 0, digits: int | None = 3) -> list[NotebookStep]:
    """Every step of ``trace`` for sample ``sample`` (0-based), numbers at ``digits`` (None: all)."""
    model = StepModel(TraceSource(trace), max_units=12, cache_size=1)
    out = []
    for step in range(len(model)):
        view = model.view(step, sample, digits)
        lines = step_lines(view)
        out.append(NotebookStep(step, view.status, view.label, lines, step_html(view, lines)))
    return out
