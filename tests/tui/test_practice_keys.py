"""Every key `tutor practice` binds is on its help screen (? outside the answer box, F1 in it), and the
practice keys the help lists are the ones docs/check-and-practice.md lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static
from tui_helpers import pilot_test

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.tui.help_screen import HelpScreen
from backprop_tutor.tui.practice import PRACTICE_KEYS, AnswerBox, PracticeApp

DOCS = Path(__file__).resolve().parents[2] / "docs" / "check-and-practice.md"
#: Textual's own (ctrl+c says how to quit): not a key of the tutor's
TEXTUAL_OWN = {"help_quit"}


def help_lines(app: App, width: int) -> list[str]:
    """The help screen's text as drawn at ``width`` columns (its body is 90 % of the screen, less its frame)."""
    assert isinstance(app.screen, HelpScreen)
    console = Console(width=int(width * 0.9) - 4, record=True, color_system=None)
    console.print(app.screen.query_one("#help-text", Static).content)
    return console.export_text().splitlines()


def key_column(lines: list[str]) -> set[str]:
    """The keys of the help's key tables as one lowercase set: "→ or l / ← or h" gives →, l, ←, h."""
    keys: set[str] = set()
    for line in lines:
        left = re.split(r"\s{2,}", line.strip())[0] if re.search(r"\S\s{2,}\S", line) else ""
        keys.update(k.lower() for k in re.split(r" / | or |, ", left) if k)
    return keys


def spellings(app: App, binding: Binding) -> set[str]:
    """How the help may write the key: its name (ctrl+r, enter, home), the footer's ^r, or its character."""
    plain = Binding(binding.key, binding.action)
    return {binding.key.lower(), app.get_key_display(binding).lower(), app.get_key_display(plain).lower()}


@pilot_test
@pytest.mark.parametrize("opened_with", ["f1", "question_mark"])
async def test_every_key_practice_binds_is_on_its_help_screen(opened_with):
    app = PracticeApp(PracticeSession(reference_for(load_spec(resolve_example("hand-backprop")))))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right")  # the answer box has the focus: F1 opens the help
        if opened_with == "question_mark":
            await pilot.press("escape")  # outside the box, ? does
        await pilot.press(opened_with)
        await pilot.pause()
        lines = help_lines(app, 80)
        shown = key_column(lines)
        bindings = [b for bs in app._merge_bindings().key_to_bindings.values() for b in bs]
        bindings += AnswerBox.BINDINGS
        first_keys = {}
        for binding in bindings:  # an action's first key: `right` for → / l
            first_keys.setdefault(binding.action, binding)
        missing = [b.key for b in first_keys.values()
                   if b.action not in TEXTUAL_OWN and not spellings(app, b) & shown]
        assert not missing, f"keys practice binds but its help does not list: {missing}"
        assert any(line.startswith("Practice keys") for line in lines)


def test_the_docs_list_the_practice_keys_the_help_lists():
    section = DOCS.read_text(encoding="utf-8").split("The keys practice adds", 1)[1]
    table = section.split("\n\n")[1].splitlines()  # the table after that sentence
    documented = [row.split("|")[1].strip().lower() for row in table[2:]]
    assert documented == [key.lower() for key, _ in PRACTICE_KEYS[1]]
