"""A seeded random walk of keys through the viewer (issue 18), also in exact mode and with a student's marks
(`tutor example hand-backprop --answers FILE`): no key sequence, resize or dialog may end it with an exception.
`BACKPROP_TUTOR_WALK_KEYS=2000 pytest tests/tui/test_viewer_walk.py` walks 2,000 keys per trace (the issue's
figure); the default keeps the suite fast."""

from __future__ import annotations

import random

import pytest
from tui_helpers import pilot_test, screen_text, shows_step, walk_length, walk_rng

from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.templates import render
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.answers_overlay import AnswersApp
from backprop_tutor.tui.app import TutorApp

KEYS = walk_length(40)
SIZES = [(80, 24), (100, 30), (160, 48), (60, 18), (40, 12)]
#: every key the viewer binds (but q), the keys its dialogs read, and digits for `:` and `#`
WALK_KEYS = ["left", "right", "up", "down", "home", "end", "h", "j", "k", "l", "space", "d", "f", "g", "w", "s", "n",
             "p", "enter", "escape", "colon", "number_sign", "question_mark", "e", "t", "left_square_bracket",
             "right_square_bracket", "plus", "minus", "pagedown", "pageup", "greater_than_sign", "less_than_sign",
             "m", "i", "1", "7", "0", "backspace", "tab"]


async def walk(pilot, rng: random.Random, keys: int) -> None:
    """``keys`` random keys; now and then a resize, a `:` jump typed whole, or escape out of a dialog. The screen
    is drawn after each (the tests' headless terminal draws nothing by itself, see conftest.py)."""
    app = pilot.app
    for _ in range(keys):
        roll = rng.random()
        if roll < 0.04:
            await pilot.resize_terminal(*rng.choice(SIZES))
        elif roll < 0.1 and len(app.screen_stack) == 1:
            await pilot.press("colon", *str(rng.randint(0, len(app.source) + 1)), "enter")
        else:
            await pilot.press(rng.choice(WALK_KEYS))
        if len(app.screen_stack) > 1 and rng.random() < 0.3:
            await pilot.press("escape")
        assert screen_text(app).strip()
    while len(app.screen_stack) > 1:
        await pilot.press("escape")
    await pilot.resize_terminal(100, 30)
    await pilot.pause()


def answers_app(trace, tmp_path) -> AnswersApp:
    """`tutor example hand-backprop --answers` of a sheet with one root mistake (and the value it carries into)."""
    key = render(reference_for(load_spec(resolve_example("hand-backprop"))), "hand-backprop", "md", key=True)
    sheet = tmp_path / "mine.md"
    sheet.write_text(key.replace("| 1 | [5, -5] | [5, 0] | [1, 0] |", "| 1 | [4, -5] | [4, 0] | [1, 0] |"))
    return AnswersApp(trace, check_answers(sheet))


@pytest.mark.parametrize("trace", ["hand", "exact", "mnist", "answers"])
@pilot_test
async def test_a_random_walk_of_keys_never_ends_the_viewer(hand_float64, hand_exact, mnist_trace_path, tmp_path, trace,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)  # e exports the step into the current folder where no export_dir is given (answers)
    with TraceFile(mnist_trace_path) as tf:
        app = answers_app(hand_float64, tmp_path) if trace == "answers" else TutorApp(
            {"hand": hand_float64, "exact": hand_exact, "mnist": tf}[trace], export_dir=tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await walk(pilot, walk_rng(), KEYS)
            assert app.is_running
            top = screen_text(app).splitlines()[0]  # "▶ playing 2 s/step · step …" if the walk left it playing
            assert shows_step(top, app.step, len(app.source)), top
    assert app.return_code in (None, 0)
