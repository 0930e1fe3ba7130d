"""Snapshots of the key screens of the hand example (update with `pytest --snapshot-update`, then look
at the SVGs in __snapshots__/)."""

from __future__ import annotations

import pytest

from backprop_tutor.tui.app import TutorApp

SCREENS = {
    "input": [],
    "forward-2": ["right", "right"],
    "softmax-delta": ["right"] * 5,
    "hidden-delta": ["right"] * 6,
    "last-update": ["end"],
}


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_key_screens(snap_compare, hand_float64, screen, size):
    assert snap_compare(TutorApp(hand_float64), press=SCREENS[screen], terminal_size=size)


def test_exact_hidden_delta(snap_compare, hand_exact):
    assert snap_compare(TutorApp(hand_exact), press=["right"] * 6, terminal_size=(100, 30))


async def _click_unit_1_of_layer_1(pilot) -> None:
    await pilot.press("right", "right", "right", "right")
    await pilot.click("#neuron-1-0")


@pytest.mark.parametrize(("name", "size", "run_before"), [
    ("help", (80, 24), ["question_mark"]),
    ("neuron-values", (80, 24), _click_unit_1_of_layer_1),
    ("too-small", (40, 12), []),
], ids=["help-80x24", "neuron-values-80x24", "too-small-40x12"])
def test_overlays(snap_compare, hand_float64, name, size, run_before):
    keys = run_before if isinstance(run_before, list) else ()
    before = None if isinstance(run_before, list) else run_before
    assert snap_compare(TutorApp(hand_float64), press=keys, run_before=before, terminal_size=size)
