"""`tutor practice`: the step-through UI, but each value is asked before it is shown.

At a step that writes worksheet quantities (s(l), a(l), a'(l), C, δ(l), ∇W(l), ∇b(l), W(l), b(l)),
the step panel shows the equation with its inputs substituted and hides the result; the worksheet and
the network diagram show what was known before the step. The student types the value ([5, -5], a
matrix as [[1, -2], [0.5, 4]]) and presses Enter: it is judged at once by `PracticeSession` (the
rules of `tutor check`: a value that follows from an earlier slip is ✗ carried, not ✗ root), then
the true value is shown. ctrl+r reveals a value instead. Going on past an unanswered value is not
possible; at the end a summary gives the totals. ctrl+s (and quitting) saves the typed values as an answer
file that `tutor check` reads.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input

from backprop_tutor.check.answers import AnswerError
from backprop_tutor.check.layout import Slot
from backprop_tutor.check.marking import Verdict
from backprop_tutor.check.practice import PracticeSession, is_revealed
from backprop_tutor.plural import count
from backprop_tutor.render.math import TextEquation
from backprop_tutor.tui.answers_overlay import MarksLayout, marks_box, with_panel
from backprop_tutor.tui.app import run_to_end
from backprop_tutor.tui.help_screen import HelpScreen
from backprop_tutor.tui.marks import MarksPanel, marked_tables
from backprop_tutor.tui.messages import NeuronSelected
from backprop_tutor.tui.viewmodel import StepView
from backprop_tutor.worksheet.equations import equations_for
from backprop_tutor.worksheet.model import build_worksheet
from backprop_tutor.worksheet.tables import worksheet_tables

HIDDEN = "?"
#: after a wrong value: what the next prompts substitute, and how a value from the student's own is judged
SUBSTITUTES = "next steps use the true values shown; a value from yours is ✗ carried"
#: what the app's printable and arrow keys do, hidden from the footer while the answer box has focus (there they
#: type or move the text cursor); its own bindings say how to leave, get help and quit instead
#: the ? / F1 screen's practice section: every key practice adds to the viewer's (docs/check-and-practice.md)
PRACTICE_KEYS: tuple[str, tuple[tuple[str, str], ...]] = ("Practice keys", (
    ("Enter", "in the answer box: judge the value typed (5, [5, -5], [[1, -2], [0.5, 4]])"),
    ("ctrl+r", "reveal the value asked instead (said and counted as revealed)"),
    ("F2", "every wrong value of the step with why and its working; F2 again: one line per quantity"),
    ("ctrl+s", "save the values typed so far as NAME-practice.json, which `tutor check` reads"),
    ("esc", "leave the answer box: then ← looks back and the keys below work; → goes on once the step is done"),
    ("F1", "this help, also while typing"),
    ("ctrl+q", "quit, from anywhere (q outside the answer box); values not saved yet are saved"),
))
TYPED_OVER = frozenset({"help", "quit_key", "export", "step", "layer", "go", "play", "sample", "digits", "full_view",
                        "gradcheck", "speed", "unit", "open_unit", "pan", "chain", "neuron_sum", "jump",
                        "misclassified", "weight_images"})


class AnswerBox(Input):
    """The answer box: while typing, esc leaves it (then ← looks back), F1 helps (ctrl+q quits: `PracticeApp`)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "leave", "Leave box, then ← back", key_display="esc"),
        Binding("f1", "app.help_typing", "Help", key_display="F1"),
    ]

    def action_leave(self) -> None:
        self.app.set_focus(None)


class PracticeApp(MarksLayout):
    """The step-through UI on the session's (exact) trace, asking each value before showing it."""

    CSS_PATH: ClassVar = ["app.tcss", "marks.tcss"]
    ANSWER_ROWS: ClassVar[int] = 3  # the answer box and its frame
    BINDINGS: ClassVar[list[Binding]] = [Binding("ctrl+r", "reveal", "Reveal"),
                                         # q is a letter in the answer box: the footer shows ctrl+q, which quits
                                         # everywhere (q still quits outside the box)
                                         Binding("ctrl+q", "quit_typing", "Quit", key_display="^q", priority=True),
                                         Binding("q", "quit_key", "Quit", show=False),
                                         Binding("ctrl+s", "save", "Save", key_display="^s", priority=True),
                                         Binding("f2", "details", "Details", key_display="F2", priority=True)]

    def __init__(self, session: PracticeSession, *, digits: int | None = 3, save_dir: Path | None = None) -> None:
        super().__init__(session.ref.trace, digits=digits, sample=session.ref.sample)
        self.session = session
        self.save_dir = save_dir
        self.details = False  # F2: each wrong value with its working, not one short line per quantity

    def compose(self) -> ComposeResult:
        answer = AnswerBox(id="answer")
        yield from with_panel(super().compose(), [marks_box("practice"), answer])

    # what is shown ---------------------------------------------------------------------------------
    def hidden(self, step: int) -> set[tuple]:
        """The quantities of ``step`` not answered yet: their values stay hidden."""
        return {(s.quantity, s.layer) for s in self.session.asked_at(step) if not self.session.answered(s)}

    @property
    def view(self) -> StepView:
        view = self.model.view(self.step, self.sample, self.digits, self.selected)
        marks = {key: cells for key, cells in self.session.marks.items() if self.session.steps[key] <= self.step}
        hidden = self.hidden(self.step)
        if not hidden:
            return dataclasses.replace(view, tables=marked_tables(view.tables, marks))
        before = self.model.view(self.diagram_step(), self.sample, self.digits, self.selected)
        sheet = build_worksheet(self.source, self.sample, self.step)
        sheet = dataclasses.replace(sheet, entries=tuple(e for e in sheet.entries
                                                          if (e.quantity, e.layer) not in hidden))
        return dataclasses.replace(view, equations=self._equations(view, hidden),
                                   tables=marked_tables(worksheet_tables(sheet, self.digits), marks),
                                   columns=before.columns, weights=before.weights)

    def diagram_step(self) -> int:
        return self.step - 1 if self.hidden(self.step) else self.step

    def _equations(self, view: StepView, hidden: set[tuple]) -> tuple[TextEquation, ...]:
        """The step's equations up to the first hidden value, whose result is a question mark. A part worked
        out before it (W(l+1)ᵀ δ(l+1) of δ(l)) is the hard part of the value: its result is hidden too, and the
        value's line names it instead of giving its numbers."""
        layer = self.source.info(self.step).layer
        shown: list[TextEquation] = []
        parts: list[TextEquation] = []
        for eq, text in zip(equations_for(self.source, self.step, self.sample), view.equations, strict=True):
            if (eq.writes, layer) in hidden:
                shown.append(dataclasses.replace(text, substituted=_named(text.substituted, parts), result=HIDDEN,
                                                 note="type it below"))
                break
            if eq.writes is None and text.result is not None:
                parts.append(text)
                text = dataclasses.replace(text, result=HIDDEN, note="part of the value asked below")
            shown.append(text)
        return tuple(shown)

    def refresh_view(self) -> None:
        super().refresh_view()
        asked = self.session.current
        here = asked is not None and self.step == self.session.current_step
        answer = self.query_one("#answer", Input)
        answer.disabled = not here
        answer.placeholder = prompt(asked) if here else self._waiting(asked)
        panel = self.query_one(MarksPanel)
        marks = [m for s in self.session.asked_at(self.step) for m in self.session.marks.get((s.quantity, s.layer), [])]
        panel.show(marks, empty="", short=not self.details)
        wrong = any(m.verdict is not Verdict.RIGHT and not is_revealed(m) for m in marks)
        answer.border_title = SUBSTITUTES if wrong else ""
        self.query_one("#marks-box").border_title = self.session.summary() if self.session.finished else \
            tally(self.session)
        if here:
            answer.focus()
        if self.hidden(self.step):  # the value asked is the step panel's last line: keep it in view
            self.call_after_refresh(self._show_question)

    def _show_question(self) -> None:
        self.query_one("#step-box", VerticalScroll).scroll_end(animate=False, immediate=True)
        self._mark_step_overflow()

    def _waiting(self, asked: Slot | None) -> str:
        if asked is None:
            return "every value is answered: ← looks back, ctrl+s saves, q quits"
        return f"→ on to the step that asks {asked.name}"

    # going on --------------------------------------------------------------------------------------
    #: views that would show a hidden value (every array of the step, a neuron's values, the gradient check)
    GIVES_AWAY = frozenset({"full_view", "open_unit", "gradcheck"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sample":
            return False  # the session is one sample's worksheet
        if action in self.GIVES_AWAY and self.hidden(self.step):
            return False
        if action in TYPED_OVER and self.typing:
            return False
        return super().check_action(action, parameters)

    @property
    def typing(self) -> bool:
        return self.focused is not None and self.focused.id == "answer"

    def action_quit_key(self) -> None:
        self.exit()

    action_quit_typing = action_quit_key

    def action_help(self) -> None:
        self.push_screen(HelpScreen(PRACTICE_KEYS))

    action_help_typing = action_help

    def on_neuron_selected(self, message: NeuronSelected) -> None:
        if self.hidden(self.step):
            message.prevent_default()  # the neuron's screen shows s, a, a' of this step: not before they are typed
            message.stop()

    def _tick(self) -> None:
        limit = self.session.current_step
        if limit is not None and self.step >= limit:
            self.playing = False  # play stops at the value asked (not a "type it first" notice each tick)
            return
        super()._tick()

    def validate_step(self, step: int) -> int:
        asked, limit = self.session.current, self.session.current_step
        if asked is not None and limit is not None and step > limit:
            self.notify(f"type {asked.name} first (or ctrl+r to reveal it)", timeout=2)
            return limit
        return step

    @on(Input.Submitted, "#answer")
    def answer_typed(self, event: Input.Submitted) -> None:
        # only the answer box: the `:` and `#` dialogs' numbers are not answers (their Submitted bubbles up here)
        event.stop()
        if not event.value.strip() or self.session.current is None:
            return
        try:
            self.session.answer(event.value)
        except AnswerError as err:
            self.notify(str(err), severity="error")
            return
        event.input.value = ""
        self._after_answer()

    def action_reveal(self) -> None:
        if self.session.current is None or self.step != self.session.current_step:
            self.bell()
            return
        self.session.reveal()
        self._after_answer()

    def action_details(self) -> None:
        self.details = not self.details
        self.refresh_view()

    def action_save(self) -> None:
        """ctrl+s: the values typed so far as an answer file `tutor check` reads."""
        if not self.session.typed:
            self.notify("nothing typed yet: nothing to save (revealed values are left blank)", timeout=3)
            return
        try:
            path = self.session.save(self.save_dir or Path.cwd())
        except OSError as err:
            self.notify(f"could not save your answers: {err}", severity="error")
            return
        self.notify(f"wrote {path.name}: check it with `tutor check {path.name}`", title="answers saved")

    def _after_answer(self) -> None:
        self.details = False  # the newest verdict as one short line, in view (F2 shows its working again)
        self.refresh_view()
        box = self.query_one("#marks-box", VerticalScroll)
        self.call_after_refresh(box.scroll_end, animate=False, immediate=True)  # the newest verdict in view
        if self.session.finished:
            self.notify("your totals are above this box; ctrl+s saves your answers for `tutor check`",
                        title="practice done", timeout=10)
        elif not self.hidden(self.step):
            self.set_focus(None)  # the step is done: the arrow keys go on


def _named(substituted: str | None, parts: list[TextEquation]) -> str | None:
    """``substituted`` with each worked-out part's numbers (its last occurrence) replaced by its name."""
    for part in parts:
        if substituted and part.result and part.result in substituted:
            head, _, tail = substituted.rpartition(part.result)
            substituted = f"{head}({part.symbolic}){tail}" if not head.endswith("(") else \
                f"{head}{part.symbolic}{tail}"
    return substituted


def tally(session: PracticeSession) -> str:
    """The marks so far, short enough for a border on 80 columns: practice · 4 ✓ 1 ✗ root 2 ✗ carried …"""
    counts = session.counts()
    done = sum(counts.values())
    marks = " ".join(f"{counts[v]} {v.mark}" for v in (Verdict.RIGHT, Verdict.ROOT, Verdict.CARRIED) if counts[v])
    revealed = f" {session.revealed} revealed" if session.revealed else ""
    blank = counts[Verdict.MISSING] - session.revealed
    revealed += f" {blank} left blank" if blank else ""
    return f"practice · {marks or 'nothing typed yet'}{revealed} · {done} of {count(session.total, 'value')}"


def prompt(slot: Slot) -> str:
    """What to type, without a number in it (an example number could be the answer)."""
    if len(slot.shape) == 2:
        rows, cols = slot.shape
        what = f"{rows}×{cols} matrix, one row per unit: [[{', '.join(['…'] * cols)}], …]"
    else:
        what = f"vector of {slot.shape[0]}: [{', '.join(['…'] * slot.shape[0])}]" if slot.shape else "number"
    return f"{slot.name} = ?  (a {what}) Enter: check, ctrl+r: reveal"


def run_practice(session: PracticeSession, *, digits: int | None = 3) -> int:
    """Practice until the student quits; values typed and not saved yet are then saved (ctrl+s's file)."""
    app = PracticeApp(session, digits=digits)
    try:
        return run_to_end(app)
    finally:
        if session.unsaved:
            try:
                path = session.save(Path.cwd())
                print(f"your answers so far: {path} (check them with `tutor check {path.name}`)")
            except OSError as err:
                print(f"could not save your answers in {Path.cwd()}: {err}", file=sys.stderr)
