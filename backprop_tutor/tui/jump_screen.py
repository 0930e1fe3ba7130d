"""Go to step N (key :) or to sample N (key #): a one-line prompt that returns the number, or None."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class JumpScreen(ModalScreen[int | None]):
    """Asks for a whole number from ``low`` to ``high``; enter returns it, escape returns None."""

    DEFAULT_CSS = """
    JumpScreen { align: center middle; background: $background 50%; }  /* the step stays in view behind */
    JumpScreen > #jump-body { width: 50; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    JumpScreen #jump-error { color: $text-error; height: auto; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, what: str, low: int, high: int) -> None:
        super().__init__()
        self.what, self.low, self.high = what, low, high

    def clear(self) -> None:
        """Empty the box and the error: the app keeps one dialog per kind and shows it again (composing it anew
        each time cost about as much as the step's own redraw)."""
        for box in self.query("#jump-input").results(Input):
            box.value = ""
        for error in self.query("#jump-error").results(Static):
            error.update("")

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-body") as body:
            body.border_title = f"go to {self.what} ({self.low}–{self.high})"
            yield Input(placeholder=f"{self.what} number, {self.low} to {self.high}", type="integer", id="jump-input")
            yield Static("", id="jump-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text.lstrip("-").isdigit() and self.low <= int(text) <= self.high:
            self.dismiss(int(text))
            return
        self.query_one("#jump-error", Static).update(f"{text or 'nothing'}: give a {self.what} from "
                                                     f"{self.low} to {self.high}")

    def action_cancel(self) -> None:
        self.dismiss(None)
