"""Snapshots of `tutor practice` (update with `pytest --snapshot-update`, then look at the SVGs in
__snapshots__/): the hand example after a few values, one of them wrong, at three terminal sizes, and
an MNIST image (784-4-10) at 100×30."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.tui.practice import PracticeApp


async def type_values(pilot, values: list[str]) -> None:
    """Type each value into the answer box and press Enter; → when the step is done."""
    pilot.app.query_one("#answer", Input).cursor_blink = False  # the same picture every time
    for value in values:
        if value == "→":
            await pilot.press("right")
        else:
            await pilot.press(*value, "enter")
        await pilot.pause()


async def hand_answers(pilot) -> None:
    # s(1) right, a(1) wrong (relu(5) = 5), a'(1) right; s(2) carried from the wrong a(1); a(2) asked
    await type_values(pilot, ["→", "[5, -5]", "[6, 0]", "[1, 0]", "→", "[7, 18]"])


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=["80x24", "100x30", "160x48"])
def test_practice_after_a_wrong_value(snap_compare, size):
    app = PracticeApp(PracticeSession(reference_for(load_spec(resolve_example("hand-backprop")))))
    assert snap_compare(app, run_before=hand_answers, terminal_size=size)


async def mnist_answers(pilot) -> None:
    pilot.app.query_one("#answer", Input).cursor_blink = False
    await pilot.press("right")
    await pilot.press("ctrl+r")  # s(1) revealed
    await type_values(pilot, ["[0.5, 0.5, 0.5, 0.5]"])  # a(1) wrong: tanh of s(1)


def test_practice_on_an_mnist_image(snap_compare, mnist_practice_ref):
    assert snap_compare(PracticeApp(PracticeSession(mnist_practice_ref)), run_before=mnist_answers,
                        terminal_size=(100, 30))
