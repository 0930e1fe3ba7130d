"""No key sequence ends `tutor practice` with a traceback (issue 18): a seeded random walk of keys through a
whole session, on the hand example and on an MNIST image (784-4-10), with values typed right and wrong,
reveals, saves, help, details, jumps, dialogs and terminal resizes.

The keys are posted one by one and each is handled before the next, without waiting for the screen to go
idle; the screen is laid out and drawn after every few keys, and at the end. A key still costs Textual
about 15 ms of CPU (layout, footer), so the suite walks 100 keys per trace;
`BACKPROP_TUTOR_WALK_KEYS=2000 pytest tests/tui/test_practice_walk.py` walks issue 18's 2,000."""

from __future__ import annotations

import random
import traceback

import pytest
from textual import events
from textual.widgets import Input
from tui_helpers import pilot_test, screen_text, shows_step, walk_length, walk_rng

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.marking import Verdict
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.numbers.format import fmt_array
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.tui.practice import PracticeApp

#: every key practice binds (q and ctrl+q quit: left out), the characters of a typed value, and the
#: dialogs' own keys; each as often as it is listed
KEYS = ["left", "right", "right", "right", "up", "down", "home", "end", "space", "d", "f", "g", "w", "s", "n",
        "p", "enter", "enter", "escape", "escape", "colon", "number_sign", "question_mark", "e", "ctrl+r",
        "ctrl+r", "ctrl+s", "f1", "f2", "left_square_bracket", "right_square_bracket", "comma", "minus",
        "full_stop", *"0123456789", "backspace", "tab", "greater_than_sign", "less_than_sign", "m", "i", "plus",
        "pagedown", "pageup"]
CHARS = {"space": " ", "left_square_bracket": "[", "right_square_bracket": "]", "comma": ",", "minus": "-",
         "full_stop": ".", "colon": ":", "number_sign": "#", "question_mark": "?", "greater_than_sign": ">",
         "less_than_sign": "<", "plus": "+"}
#: keys per walk: 100 in the suite (about 2 s of CPU each), more on request
WALK_KEYS = walk_length(100)
SIZES = [(80, 24), (100, 30), (160, 48), (60, 18), (40, 12)]  # 40×12: the "too small" message


async def press(pilot, key: str) -> None:
    """One key, handled before the next one (no wait for the screen to go idle)."""
    pilot.app.post_message(events.Key(key, key if len(key) == 1 else CHARS.get(key)))
    await pilot._wait_for_screen()  # test-only: each message handled, without pause()'s idle wait and repaint


async def answer(pilot, rng: random.Random, kind: str | None = None) -> None:
    """Type the value asked (right, one entry off, the wrong shape, or not a number: ``kind``, else drawn) and
    press Enter."""
    app: PracticeApp = pilot.app
    slot = app.session.current
    box = app.query_one("#answer", Input)
    if slot is None or box.disabled:
        return
    value = app.session.ref.expected[(slot.quantity, slot.layer)]
    right = fmt_array(value, 6)
    kind = kind or rng.choice(["right", "right", "off", "shape", "text"])
    box.value = {"right": right, "off": right.replace("0", "1", 1) if "0" in right else right + "1",
                 "shape": "[1, 2]", "text": "five"}[kind]
    app.set_focus(box)
    await press(pilot, "enter")


async def walk(pilot, rng: random.Random, keys: int) -> None:
    """``keys`` keys; the screen is laid out and drawn after a random 1 to 40 of them (as a busy terminal
    would: drawing after each key is what makes a walk slow)."""
    done = 0
    while done < keys:
        batch = min(keys - done, rng.randint(1, 40))
        with pilot.app.batch_update():
            for _ in range(batch):
                await step(pilot, rng)
        done += batch
        await pilot.pause()
        assert screen_text(pilot.app).strip()


async def step(pilot, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.08:
        await answer(pilot, rng)
    elif roll < 0.09:
        await pilot.resize_terminal(*rng.choice(SIZES))
    else:
        await press(pilot, rng.choice(KEYS))
    if len(pilot.app.screen_stack) > 1 and rng.random() < 0.3:
        await press(pilot, "escape")


@pilot_test
@pytest.mark.parametrize("example", ["hand-backprop", "mnist"])
async def test_a_random_walk_of_keys_never_ends_practice(example, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)  # e exports the worksheet into the current folder
    ref = request.getfixturevalue("mnist_practice_ref") if example == "mnist" else \
        reference_for(load_spec(resolve_example(example)))
    session = PracticeSession(ref, spec=example)
    app = PracticeApp(session, save_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await whole_session(pilot, walk_rng())
        except BaseException:
            # said here: run_test's shutdown raises its own error (keys still queued for a closed app) instead
            traceback.print_exc()
            raise
        assert app.is_running and app._exception is None
        screen = screen_text(app)
        assert shows_step(screen, app.step, len(app.source)) and "practice ·" not in screen
        assert session.summary() in screen  # the finished session's totals in the panel's title
        counts = session.counts()
        assert counts[Verdict.RIGHT] and counts[Verdict.ROOT]  # values were typed and judged, not only revealed


async def whole_session(pilot, rng: random.Random) -> None:
    """Answer the first value wrong, walk, answer or reveal what is left, press the keys of issue 18's crash, walk
    on, close every dialog."""
    app: PracticeApp = pilot.app
    app.step = app.session.current_step
    await answer(pilot, rng, "off")  # whatever the walk types later, one root mistake is judged
    await walk(pilot, rng, WALK_KEYS * 3 // 4)
    with app.batch_update():  # drawn once at the end
        while not app.session.finished:
            app.step = app.session.current_step
            await (answer(pilot, rng) if rng.random() < 0.5 else press(pilot, "ctrl+r"))
    await pilot.resize_terminal(100, 30)
    for key in ("escape", "escape", "left", "colon", "3", "enter"):  # the crash of issue 18
        await press(pilot, key)
    await walk(pilot, rng, WALK_KEYS - WALK_KEYS * 3 // 4)
    while len(app.screen_stack) > 1:
        await press(pilot, "escape")
    await pilot.resize_terminal(100, 30)
    await pilot.pause()
