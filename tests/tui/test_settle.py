"""The UI tests' wait after a key (`tui_helpers.settle`, put in place of Pilot's idle windows by
tests/tui/conftest.py): a screen read right after `pilot.press` or `pilot.pause()` shows everything the key set
going, including work done later by a one-shot timer, an after-refresh callback or a new layout, by a handler
still running (a sleep in it) or by a message it passes to a widget and back."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Static
from tui_helpers import pilot_test, screen_text


class Width(Static):
    """Says how wide it was laid out, each time it is; passes a `Relay` back to the app."""

    class Relay(Message):
        """A message handed from the app to this widget and back."""

    def on_resize(self, event) -> None:
        self.update(f"laid out {event.size.width} wide")

    def on_width_relay(self, message: Relay) -> None:
        message.stop()
        self.app.post_message(Width.Relay())


class Later(App):
    """Each key's effect arrives late: `t` after two timers, `r` after the next refresh, `w` by a new layout, `s`
    after its handler's sleep, `m` after a message's round trip through a widget; and a line says how wide it
    was laid out, after each resize."""

    def compose(self) -> ComposeResult:
        yield Static("nothing yet", id="shown")
        yield Width()

    def show(self, text: str) -> None:
        self.query_one("#shown", Static).update(text)

    def on_width_relay(self, message: Width.Relay) -> None:
        self.show("passed along")

    async def on_key(self, event) -> None:
        if event.key == "s":
            await asyncio.sleep(0.05)
            self.show("after a sleep")
        elif event.key == "m":
            self.query_one(Width).post_message(Width.Relay())
        elif event.key == "t":
            self.set_timer(0.05, lambda: self.set_timer(0.02, lambda: self.show("after two timers")))
        elif event.key == "r":
            self.call_after_refresh(self.call_later, self.show, "after a refresh")
        elif event.key == "w":
            self.query_one("#shown", Static).styles.width = 12
            self.show("narrowed to twelve")


@pytest.mark.parametrize(("key", "lines"), [("t", ["after two timers"]), ("r", ["after a refresh"]),
                                            ("w", ["narrowed to", "twelve"]), ("s", ["after a sleep"]),
                                            ("m", ["passed along"])])
@pilot_test
async def test_a_screen_read_right_after_a_key_shows_what_the_key_set_going(key, lines):
    app = Later()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.press(key)
        shown = [line.rstrip() for line in screen_text(app).splitlines()]
        assert shown[:len(lines)] == lines


@pytest.mark.parametrize(("key", "line"), [("s", "after a sleep"), ("m", "passed along"), ("t", "after two timers")])
@pilot_test
async def test_a_pause_waits_for_a_handler_still_running_and_for_messages_it_passes_on(key, line):
    """The key posted as the driver would, then `pause()` alone (a settle) waits for the handler still in hand
    and for the messages it hands on."""
    app = Later()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        app.post_message(events.Key(key, key))
        await pilot.pause()
        assert screen_text(app).splitlines()[0].rstrip() == line


@pilot_test
async def test_a_resize_is_laid_out_when_resize_terminal_returns():
    app = Later()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        assert "laid out 40 wide" in screen_text(app)
        await pilot.resize_terminal(30, 6)  # the app takes a new size on a 1/120 s timer, then lays it out
        assert "laid out 30 wide" in screen_text(app) and len(screen_text(app).splitlines()[0]) == 30
