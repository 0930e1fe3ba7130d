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


def worksheet_lines(app: TutorApp) -> list[str]:
    """The rows of the screen inside the worksheet pane (below its title rule, above the footer)."""
    lines = screen_text(app).splitlines()
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


def assert_written_rows_drawn(app: TutorApp) -> None:
    """The first row the step wrote is in view (on MNIST, a(0) and y of step 1 are not in view together)."""
    drawn = worksheet_lines(app)
    for label, start in rows_written(app)[:1]:
        pattern = rf"^\s*{re.escape(label)}\s.*{re.escape(start)}" if label else re.escape(start)
        assert any(re.search(pattern, line) for line in drawn), (app.step + 1, label, start, "\n".join(drawn))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pilot_test
async def test_a_step_looks_the_same_however_it_is_reached(hand_float64, size):
    app = TutorApp(hand_float64)
    steps = len(app.source)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()  # the footer fills in after the first idle
        from_left = {0: screen_text(app)}
        for step in range(1, steps):
            await pilot.press("right")
            from_left[step] = screen_text(app)
            assert_written_rows_drawn(app)
        for step in range(steps - 2, -1, -1):
            await pilot.press("left")
            assert screen_text(app) == from_left[step], f"step {step + 1} from the right differs"
        for step in (k * 5 % steps for k in range(steps)):  # each step by `:`, from all over the trace
            await pilot.press("colon", *str(step + 1), "enter")
            assert screen_text(app) == from_left[step], f"step {step + 1} by : differs"


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
                assert "δ(2)" in screen_text(app).splitlines()[0]
                assert_written_rows_drawn(app)
