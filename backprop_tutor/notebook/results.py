"""What `bt.example`, `bt.worksheet`, `bt.solution` and `bt.check` return: objects that hold the
numbers (the trace, the worksheet model, the marking) and show themselves as HTML in a notebook and as
text in a Python shell. They only read what the trace and the checker produced."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from typing import Any

import numpy as np

from backprop_tutor.errors import UsageError, install_hint
from backprop_tutor.notation import cell_name
from backprop_tutor.notebook import html
from backprop_tutor.notebook.views import NotebookStep, step_views
from backprop_tutor.plural import count
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.worksheet.model import Quantity, Worksheet, build_worksheet
from backprop_tutor.worksheet.tables import Table, worksheet_heading, worksheet_tables

#: how to get the widget when anywidget is missing
INSTALL_HINT = install_hint("notebook")


def rich_text(renderable: Any, width: int = 110) -> str:
    """A Rich renderable as plain text (no colour, not sent to a notebook's display)."""
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False, force_jupyter=False).print(renderable)
    return out.getvalue().rstrip("\n")


def ipython_display(html_text: str, plain: str) -> Any:
    """Show ``html_text`` as a cell output that can be updated in place; None outside IPython."""
    ipython = sys.modules.get("IPython")  # not imported: not in IPython
    if ipython is None or ipython.get_ipython() is None:
        return None
    from IPython.display import display

    return display({"text/html": html_text, "text/plain": plain}, raw=True, display_id=True)


class _Sheet:
    """A trace and one sample's worksheet, with the numbers as numpy arrays."""

    def __init__(self, trace: TraceReader, sample: int = 0, digits: int | None = 3) -> None:
        self.trace = trace
        self.sample = sample
        self.digits = digits
        self.worksheet: Worksheet = build_worksheet(trace, sample)

    @property
    def title(self) -> str:
        return self.trace.header.title or "Backpropagation trace"

    def value(self, quantity: str, layer: int) -> np.ndarray:
        """One quantity of the worksheet as an array: ``value("s", 1)``, ``value("δ", 3)``, ``value("W", 2)``
        (W and b are the values after the update; "a'" the derivative; "∇W" the gradient; C at layer L)."""
        try:
            q = Quantity(quantity)
        except ValueError:
            names = ", ".join(repr(str(q)) for q in Quantity)
            raise UsageError(f"value({quantity!r}, {layer}): unknown quantity; the quantities are {names}") from None
        found = self.worksheet.value(q, layer)
        if found is None:
            raise UsageError(f"value({quantity!r}, {layer}): {cell_name(q, layer, ())} is not on this worksheet "
                             f"(layers 1 to {self.worksheet.L}; x and y at layer 0, C at layer {self.worksheet.L})")
        return found


class Example(_Sheet):
    """One SGD step of a spec, to step through: ``.trace``, ``.worksheet``, ``.steps``, ``.step``."""

    def __init__(self, trace: TraceReader, sample: int = 0, digits: int | None = 3) -> None:
        super().__init__(trace, sample, digits)
        self.steps: list[NotebookStep] = step_views(trace, sample, digits)
        self._widget: Any = None

    @property
    def widget(self) -> Any:
        """The anywidget stepper (made once; needs the `notebook` extra), e.g. for ``mo.ui.anywidget(…)``."""
        if self._widget is None:
            try:
                from backprop_tutor.notebook.stepper import Stepper
            except ImportError:
                raise UsageError(f"the interactive stepper needs anywidget: {INSTALL_HINT} "
                                 "(the HTML stepper works without it)") from None
            self._widget = Stepper(self.title, [s.to_json() for s in self.steps], fallback_html=self.html())
        return self._widget

    @property
    def step(self) -> int:
        """The step on screen in the widget (0-based; 0 before it is shown)."""
        return 0 if self._widget is None else int(self._widget.index)

    def html(self) -> str:
        """The self-contained HTML stepper (works without a kernel)."""
        return html.stepper_page(self.title, [s.html for s in self.steps])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict] | dict:
        try:
            data, metadata = self.widget._repr_mimebundle_()
            return {**data, "text/plain": repr(self)}, metadata
        except UsageError:  # no anywidget: the HTML stepper alone
            return {"text/plain": repr(self), "text/html": self.html()}

    def __repr__(self) -> str:
        lines = [f"{self.title}: {count(len(self.steps), 'step')} (sample {self.sample})"]
        for s in self.steps:
            lines += ["", s.status, *(f"  {line}" for line in s.equations)]
        return "\n".join(lines)


class WorksheetView(_Sheet):
    """The filled worksheet: feed-forward, backprop and updated-parameter tables."""

    @property
    def tables(self) -> tuple[Table, Table, Table]:
        # the whole worksheet, no step on screen: no cell is marked as just written
        return worksheet_tables(replace(self.worksheet, upto=self.worksheet.count), self.digits)

    def _repr_html_(self) -> str:
        return html.worksheet_html(worksheet_heading(self.worksheet), self.tables)

    def __repr__(self) -> str:
        from backprop_tutor.render.console import worksheet_renderable

        return rich_text(worksheet_renderable(self.trace, sample=self.sample, digits=self.digits))


class Solution(_Sheet):
    """The worked solution: every step with its equation, the numbers substituted and the result."""

    def markdown(self, plain: bool = False) -> str:
        """The solution as Markdown: math as LaTeX (``$$``), or as text with ``plain``."""
        from backprop_tutor.render.solution import solution_markdown

        return solution_markdown(self.trace, self.sample, self.digits, plain=plain)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown(plain=True)


class CheckResult:
    """The checker's verdicts: ``.marking`` (its cells, totals, first root mistake), shown as a table."""

    def __init__(self, marking: Any) -> None:
        self.marking = marking

    @property
    def cells(self) -> list[Any]:
        return self.marking.cells

    @property
    def totals(self) -> dict[str, int]:
        return self.marking.totals()

    @property
    def all_right(self) -> bool:
        return self.marking.all_right

    def _repr_html_(self) -> str:
        from backprop_tutor.check.report import first_root_text, summary, to_json

        return html.marking_html(json.loads(to_json(self.marking)), summary(self.marking),
                                 first_root_text(self.marking))

    def __repr__(self) -> str:
        from backprop_tutor.check.report import rich_report

        return rich_text(rich_report(self.marking))
