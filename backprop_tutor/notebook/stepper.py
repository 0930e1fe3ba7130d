"""The stepper as an anywidget: Python sends every step once; ◀ ▶ |◀ ▶| and ← → Home End step in the
browser (`stepper.js`, shipped in this package: nothing is fetched at run time), so stepping works
where widget updates from Python lag or are lost (Colab). The step on screen syncs back as ``index``.

Its notebook output also carries the self-contained HTML stepper (`html.stepper_page`) and text, so a
notebook saved without widget state, nbviewer, GitHub's preview and exported HTML still step.
Imports anywidget (the `backprop_tutor[notebook]` extra); `results.Example` falls back to the HTML
stepper when it is not installed.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import anywidget
import traitlets


def _asset(name: str) -> str:
    return resources.files("backprop_tutor.notebook").joinpath(name).read_text(encoding="utf-8")


class Stepper(anywidget.AnyWidget):
    """One trace's steps; ``index`` is the step on screen (0-based), set by the browser or by Python."""

    _esm = _asset("stepper.js")  # the text, not the path: no file watching, no fetching
    _css = _asset("stepper.css")
    title = traitlets.Unicode("").tag(sync=True)
    steps = traitlets.List(traitlets.Dict()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)

    def __init__(self, title: str, steps: list[dict[str, Any]], fallback_html: str = "", **kwargs: Any) -> None:
        super().__init__(title=title, steps=steps, **kwargs)
        self._fallback_html = fallback_html

    @traitlets.validate("index")
    def _valid_index(self, proposal: dict[str, Any]) -> int:
        return max(0, min(len(self.steps) - 1, int(proposal["value"])))

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | dict | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        if self._fallback_html:
            data = {**data, "text/html": self._fallback_html}
        return data, metadata


class PracticeWidget(anywidget.AnyWidget):
    """`practice.Practice` in a notebook: the browser sends each typed answer (``submitted``), Python
    judges it and sends back the question, the context step and the marks."""

    _esm = _asset("practice.js")
    _css = _asset("stepper.css")
    title = traitlets.Unicode("").tag(sync=True)
    context = traitlets.Unicode("").tag(sync=True)  # the step before the asked value, as HTML
    question = traitlets.Unicode("").tag(sync=True)
    marks = traitlets.Unicode("").tag(sync=True)  # the judged values, as an HTML table
    summary = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)  # why a typed answer could not be read
    finished = traitlets.Bool(False).tag(sync=True)
    submitted = traitlets.Dict().tag(sync=True)  # {"action": "answer" | "reveal", "text": …, "n": a counter}

    def __init__(self, practice: Any, **kwargs: Any) -> None:
        super().__init__(title=practice.session.ref.title, **kwargs)
        self._practice = practice
        self.show(practice)

    def show(self, practice: Any) -> None:
        self.context, self.question = practice.context().html, practice.question
        self.marks, self.summary = practice.marks_html(), practice.summary
        self.finished = practice.session.finished

    @traitlets.observe("submitted")
    def _judge(self, change: dict[str, Any]) -> None:
        from backprop_tutor.errors import TutorError

        asked = change["new"] or {}
        try:
            if asked.get("action") == "reveal":
                self._practice.reveal()
            else:
                self._practice.answer(str(asked.get("text", "")))
            self.message = ""
        except TutorError as err:  # not a value (or nothing left to ask): say so where the student typed
            self.message = str(err)
