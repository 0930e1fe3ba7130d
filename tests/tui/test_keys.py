"""Every key a student can find: docs/view.md's key table, the ? help and the app's bindings list the same keys;
the footer shows the ones a newcomer needs first, as many as fit, none cut at the edge (80, 100, 160 columns)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey
from tui_helpers import pilot_test, screen_text

from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.app import TutorApp
from backprop_tutor.tui.help_screen import KEYS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "view.md"
#: how the docs and the help write a key that is not a letter, as Textual names it
NAMES = {"→": "right", "←": "left", "↓": "down", "↑": "up", "home": "home", "end": "end", "space": "space",
         "+": "plus", "-": "minus", "−": "minus", "pgdn": "pagedown", "pgup": "pageup", "enter": "enter",
         ">": "greater_than_sign", "<": "less_than_sign", "]": "right_square_bracket", "[": "left_square_bracket",
         ":": "colon", "#": "number_sign", "?": "question_mark", "ctrl+p": "ctrl+p"}


def key_names(cell: str) -> set[str]:
    """"→ / `l`, ← / `h`" → {"right", "l", "left", "h"}: the keys a table cell names, as Textual names them."""
    cell = re.sub(r"\(.*\)", "", cell).replace("`", "")  # "(or a click on a weight of W(l))"
    tokens = [t.strip().lower() for t in re.split(r",| / | or ", cell) if t.strip()]
    return {NAMES.get(t, t) for t in tokens}


def docs_keys() -> dict[str, set[str]]:
    """docs/view.md's "## Keys" table: what each row does → the keys it names."""
    table = DOCS.read_text().split("## Keys", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    return {does.strip(): key_names(keys) for keys, does in rows[1:]}


def bound_keys() -> dict[str, set[str]]:
    """The viewer's bindings: action → its keys (ctrl+p: Textual's command palette)."""
    out: dict[str, set[str]] = {"command_palette": {"ctrl+p"}}
    for b in TutorApp.BINDINGS:
        out.setdefault(b.action, set()).update(k.strip() for k in b.key.split(","))
    return out


def test_every_key_in_the_docs_is_in_the_help_and_bound():
    helped = set().union(*(key_names(keys) for keys, _ in KEYS))
    bound = set().union(*bound_keys().values())
    documented = docs_keys()
    assert len(documented) >= 18
    for does, keys in documented.items():
        assert keys <= helped, f"{sorted(keys - helped)} ({does}) are not in the ? help"
        assert keys <= bound, f"{sorted(keys - bound)} ({does}) are bound to nothing"


def test_every_bound_action_is_in_the_help_and_the_docs():
    helped = set().union(*(key_names(keys) for keys, _ in KEYS))
    documented = set().union(*docs_keys().values())
    for action, keys in bound_keys().items():
        assert keys & helped, f"{action} ({sorted(keys)}) is not in the ? help"
        assert keys & documented, f"{action} ({sorted(keys)}) is not in docs/view.md's key table"


#: what the footer holds at each width, in this order: a newcomer's keys first
NEWCOMER = ["→ Next", "← Back", "? Help", "q Quit", "e Export", "d Digits", "w Chain", ": Go to", "s Sum", "↓↑ Layer"]
FOOTERS = {80: NEWCOMER, 100: [*NEWCOMER, "space Play"], 160: [*NEWCOMER, "space Play", "f Full", "g Check ∇"]}


def footer_keys(app: TutorApp) -> list[str]:
    """The footer's keys as drawn; each must lie whole on the screen."""
    keys = [k for k in app.screen.query(FooterKey) if "-command-palette" not in k.classes]
    width = app.size.width
    assert all(0 <= k.region.x and k.region.right <= width for k in app.screen.query(FooterKey)), "a key is cut"
    line = screen_text(app).splitlines()[-1]
    shown = [f"{k.key_display} {k.description}" for k in keys]
    assert all(text in line for text in shown), line
    return shown


@pytest.mark.parametrize("width", [80, 100, 160])
@pilot_test
async def test_the_footer_holds_a_newcomers_keys_at_each_width(hand_float64, width):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        assert footer_keys(app) == FOOTERS[width]
        await pilot.resize_terminal(160 if width < 160 else 80, 30)  # after a resize too
        await pilot.pause()
        assert footer_keys(app) == FOOTERS[160 if width < 160 else 80]


@pilot_test
async def test_the_footer_of_a_minibatch_at_160_columns_has_the_sample_keys(mnist_trace_path):
    with TraceFile(mnist_trace_path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            assert footer_keys(app) == [*FOOTERS[160][:-1], "[] Sample", "g Check ∇"]
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert footer_keys(app) == NEWCOMER
