"""One story per step (issue 18): a step draws the same screen however it is reached (from the step
before, from the step after, by `:`), at every terminal size, and its worksheet always shows the row
the step wrote, after a resize and on an MNIST trace too."""

from __future__ import annotations

import re

import pytest
from tui_helpers import pilot_test, screen_text

from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.app import TutorApp

SIZES = [(80, 24), (100, 30), (160, 48)]


async def settled_text(pilot) -> str:
    """The screen once the app has settled (tests/tui/conftest.py: every message, layout and timer the last key
    set going is done, so one look is the screen; Pilot's idle windows needed two looks that agreed)."""
    await pilot.pause()
    return screen_text(pilot.app)


def worksheet_lines(app: TutorApp, screen: str | None = None) -> list[str]:
    """The rows of the screen inside the worksheet pane (below its title rule, above the footer): of ``screen``
    if given (the screen as just read), else of the screen read now."""
    lines = (screen_text(app) if screen is None else screen).splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("─worksheet"))
    return lines[top + 1:-1]


def rows_written(app: TutorApp) -> list[tuple[str, str]]:
    """(row label, the start of the cell) for each cell the step on screen wrote in its worksheet."""
    wanted = []
    for table in app.view.tables:
        for row in table.rows:
            wanted += [(row[0].text, cell.lines[0][:8]) for cell in row if cell.new and cell.lines]
        wanted += [("", note.text[:8]) for note in table.notes if note.new]
    return wanted


def assert_written_rows_drawn(app: TutorApp, screen: str | None = None) -> None:
    """The first row the step wrote is in view (on MNIST, a(0) and y of step 1 are not in view together); ``screen``:
    the screen as just read, if the test has it (reading it again costs about as much as a key press)."""
    drawn = worksheet_lines(app, screen)
    for label, start in rows_written(app)[:1]:
        pattern = rf"^\s*{re.escape(label)}\s.*{re.escape(start)}" if label else re.escape(start)
        assert any(re.search(pattern, line) for line in drawn), (app.step + 1, label, start, "\n".join(drawn))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pilot_test
async def test_a_step_looks_the_same_however_it_is_reached(hand_float64, size):
    app = TutorApp(hand_float64)
    steps = len(app.source)
    async with app.run_test(size=size) as pilot:
        from_left = {0: await settled_text(pilot)}  # the footer fills in after the first idle
        for step in range(1, steps):
            await pilot.press("right")
            from_left[step] = await settled_text(pilot)
            assert_written_rows_drawn(app, from_left[step])
        for step in range(steps - 2, -1, -1):
            await pilot.press("left")
            assert await settled_text(pilot) == from_left[step], f"step {step + 1} from the right differs"
        for step in (k * 5 % steps for k in range(steps)):  # each step by `:`, from all over the trace
            await pilot.press("colon", *str(step + 1), "enter")
            assert await settled_text(pilot) == from_left[step], f"step {step + 1} by : differs"


@pilot_test
async def test_the_worksheet_shows_the_row_written_on_an_mnist_trace_and_after_a_resize(mnist_trace_path):
    with TraceFile(mnist_trace_path) as tf:
        app = TutorApp(tf)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(len(app.source) - 1):
                assert_written_rows_drawn(app)
                await pilot.press("right")
            await pilot.press("colon", "9", "enter")  # δ(2): the feed-forward table was shown at 160×48
            for size in (160, 48), (100, 30), (80, 24), (160, 48):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                drawn = screen_text(app)
                assert "δ(2)" in drawn.splitlines()[0]
                assert_written_rows_drawn(app, drawn)


@pilot_test
async def test_the_jump_dialogs_keep_the_step_in_view(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right"] * 6)
        for key, title in (("colon", "go to step (1–14)"), ("number_sign", "go to sample (0–0)")):
            await pilot.press(key)
            await pilot.pause()
            drawn = screen_text(app)
            assert title in drawn and "step 7 of 14 · backward · δ(2)" in drawn and "δ(2) = a'(2) ⊙" in drawn
            await pilot.press("escape")
        await pilot.press("colon", "9", "9", "enter")  # refused, then left with escape
        assert "99: give a step from 1 to 14" in screen_text(app)
        await pilot.press("escape", "colon")  # the dialog is kept between showings: it opens empty again
        await pilot.pause()
        drawn = screen_text(app)
        assert "step number, 1 to 14" in drawn and "give a step" not in drawn and "99" not in drawn
        await pilot.press("1", "2", "enter")
        assert app.step == 11


@pilot_test
async def test_layer_keys_at_the_end_of_a_phase_say_why(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        for keys, said in ((["colon", "6", "enter", "up"], "δ(3) is the first of its kind in the backward"),
                           (["colon", "1", "1", "enter", "down"], "∇W(1), ∇b(1) is the last of its kind"),
                           (["colon", "5", "enter", "down"], "C is one number, not one per layer")):
            await pilot.press(*keys)
            assert said in str(list(app._notifications)[-1].message)


@pilot_test
async def test_an_mnist_trace_at_80x24_keeps_status_target_and_step_in_view(mnist_trace_path):
    with TraceFile(mnist_trace_path) as tf:
        app = TutorApp(tf)
        async with app.run_test(size=(80, 24)) as pilot:
            for step in "156":  # the longest labels: the status line still ends with the sample and digits
                await pilot.press("colon", step, "enter")
                lines = screen_text(app).splitlines()
                assert lines[0].strip().startswith(f"step {step} of 18 · "), lines[0]
                assert lines[0].strip().endswith(" · float32 · sample 0 of 0–499 · 3 digits"), lines[0]
            # C: the target is unit 8 of 10 (class 7), below the first units the column shows
            assert re.search(r"a=0\.209 y=1", "\n".join(lines[2:10]))  # the target unit in the diagram
            await pilot.press("colon", "9", "enter")  # δ(2): its last line is below the panel's rows
            assert "PgDn" in screen_text(app) and "δ(2) = a'(2) ⊙ (W(3)ᵀ δ(3))" not in screen_text(app)
            await pilot.press("t")  # the worksheet hidden: the step panel takes its rows
            await pilot.pause()
            drawn = screen_text(app)
            assert "─worksheet" not in drawn and "δ(2) = a'(2) ⊙ (W(3)ᵀ δ(3))" in drawn
            await pilot.press("t")
            await pilot.pause()
            assert "─worksheet" in screen_text(app)
