"""Practice in a notebook: each value of the worksheet asked in turn, typed, and judged at once by the
checker's own `PracticeSession` (✓, ✗ root, ✗ carried when it follows from an earlier slip).

`Practice` works in any Python (``p.answer("5, -5")``, ``p.reveal()``); shown in a notebook it is a
widget (`practice.js`, shipped here) with the step before the asked value (equations, network,
worksheet so far), the question, an answer box and the marks. Judging needs the kernel, so the widget
sends each answer to Python; without anywidget the problem shows as HTML with the calls to type.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from backprop_tutor.check.layout import Slot
from backprop_tutor.check.marking import Marked, Marking
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.errors import UsageError
from backprop_tutor.notebook import html
from backprop_tutor.notebook.results import INSTALL_HINT
from backprop_tutor.notebook.views import NotebookStep, step_views


def what_to_type(slot: Slot) -> str:
    """The shape to type, without a number in it (an example number could be the answer)."""
    if len(slot.shape) == 2:
        rows, cols = slot.shape
        return f"a {rows}×{cols} matrix, one row per unit: [[{', '.join(['…'] * cols)}], …]"
    if slot.shape:
        return f"a vector of {slot.shape[0]}: [{', '.join(['…'] * slot.shape[0])}]"
    return "a number"


class Practice:
    """One practice problem: ``.question``, ``.answer(text)``, ``.reveal()``, ``.summary``, ``.session``."""

    def __init__(self, session: PracticeSession, digits: int | None = 3) -> None:
        self.session = session
        self.steps: list[NotebookStep] = step_views(session.ref.trace, session.ref.sample, digits)
        self.judged: list[Marked] = []
        self._widget: Any = None

    @property
    def question(self) -> str:
        slot = self.session.current
        if slot is None:
            return "done: " + self.session.summary()
        return f"{slot.name} = ?   ({slot.meaning()}; {what_to_type(slot)})"

    @property
    def summary(self) -> str:
        return self.session.summary()

    def context(self) -> NotebookStep:
        """The step before the asked value: everything known so far, the asked value not yet shown."""
        step = self.session.current_step
        return self.steps[-1] if step is None else self.steps[max(0, step - 1)]

    def answer(self, text: str) -> list[Marked]:
        """Judge ``text`` (5, [5, -5], [[1, -2], [0.5, 4]]) as the asked value; AnswerError says what is valid."""
        if not isinstance(text, str | int | float):
            raise UsageError(f"answer: type the value as text or a number, e.g. \"[5, -5]\", not {type(text).__name__}")
        return self._judged(lambda: self.session.answer(str(text)))

    def reveal(self) -> list[Marked]:
        """Give up on the asked value: marked missing, its true value shown and used from here on."""
        return self._judged(self.session.reveal)

    def _judged(self, judge: Any) -> list[Marked]:
        if self.session.finished:
            raise UsageError("practice: every value is answered; " + self.session.summary())
        marks = judge()
        self.judged += marks
        if self._widget is not None:
            self._widget.show(self)
        return marks

    def marks_html(self) -> str:
        from backprop_tutor.check.report import to_json

        doc = json.loads(to_json(Marking(self.session.ref.title, self.judged, self.session.tolerance)))
        return html.marks_table(doc["cells"][::-1])  # the latest first

    @property
    def widget(self) -> Any:
        if self._widget is None:
            try:
                from backprop_tutor.notebook.stepper import PracticeWidget
            except ImportError:
                raise UsageError(f"practice in a notebook needs anywidget: {INSTALL_HINT}; without it, call "
                                 ".answer(\"…\") and .reveal() and print the result") from None
            self._widget = PracticeWidget(self)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict] | dict:
        static = (f'<div class="bt-practice"><style>{html.stylesheet()}</style>{self.context().html}'
                  f'<p><b>{escape(self.question)}</b></p><p>Type it with <code>.answer("…")</code> '
                  f"(<code>{escape(INSTALL_HINT)}</code> gives an answer box)</p>{self.marks_html()}</div>")
        try:
            data, metadata = self.widget._repr_mimebundle_()
            return {**data, "text/plain": repr(self), "text/html": static}, metadata
        except UsageError:
            return {"text/plain": repr(self), "text/html": static}

    def __repr__(self) -> str:
        return f"{self.session.ref.title}\n{self.question}\n{self.summary}"
