"""The UI tests' wait after a key (`tui_helpers.settle`, put in place of Pilot's idle windows by
tests/tui/conftest.py): a screen read right after `pilot.press` or `pilot.pause()` shows everything the key set
going, including work done later by a one-shot timer, an after-refresh callback or a new layout."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static
from tui_helpers import pilot_test, screen_text


class Width(Static):
    """Says how wide it was laid out, each time it is."""

    def on_resize(self, event) -> None:
        self.update(f"laid out {event.size.width} wide")


class Later(App):
    """Each key's effect arrives late: `t` after two timers, `r` after the next refresh, `w` by a new layout; and
    a line says how wide it was laid out, after each resize."""

    def compose(self) -> ComposeResult:
        yield Static("nothing yet", id="shown")
        yield Width()

    def show(self, text: str) -> None:
        self.query_one("#shown", Static).update(text)

    def on_key(self, event) -> None:
        if event.key == "t":
            self.set_timer(0.05, lambda: self.set_timer(0.02, lambda: self.show("after two timers")))
        elif event.key == "r":
            self.call_after_refresh(self.call_later, self.show, "after a refresh")
        elif event.key == "w":
            self.query_one("#shown", Static).styles.width = 12
            self.show("narrowed to twelve")


@pytest.mark.parametrize(("key", "lines"), [("t", ["after two timers"]), ("r", ["after a refresh"]),
                                            ("w", ["narrowed to", "twelve"])])
@pilot_test
async def test_a_screen_read_right_after_a_key_shows_what_the_key_set_going(key, lines):
    app = Later()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.press(key)
        shown = [line.rstrip() for line in screen_text(app).splitlines()]
        assert shown[:len(lines)] == lines


@pilot_test
async def test_a_resize_is_laid_out_when_resize_terminal_returns():
    app = Later()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        assert "laid out 40 wide" in screen_text(app)
        await pilot.resize_terminal(30, 6)  # the app takes a new size on a 1/120 s timer, then lays it out
        assert "laid out 30 wide" in screen_text(app) and len(screen_text(app).splitlines()[0]) == 30
