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
