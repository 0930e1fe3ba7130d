"""Snapshots of the key screens of the hand example and of an MNIST minibatch at 80×24, 100×30 and 160×48
(update with `pytest --snapshot-update`, then look at the SVGs in __snapshots__/, e.g. as PNG:
`chromium --headless --screenshot=out.png --window-size=1700,1000 file.svg`)."""

from __future__ import annotations

import pytest

from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.app import TutorApp

SCREENS = {
    "input": [],
    "forward-2": ["right", "right"],
    "softmax-delta": ["right"] * 5,
    "hidden-delta": ["right"] * 6,
    "last-update": ["end"],
}


SIZES = {"80x24": (80, 24), "100x30": (100, 30), "160x48": (160, 48)}
#: an MNIST minibatch: the input image, the cost (the target unit is in view), a hidden δ (its row in the
#: worksheet), and at 80×24 the same δ with the worksheet hidden (t)
MNIST_SCREENS = {"input": [], "cost": ["colon", "6", "enter"], "hidden-delta": ["colon", "9", "enter"]}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_key_screens(snap_compare, hand_float64, screen, size):
    assert snap_compare(TutorApp(hand_float64), press=SCREENS[screen], terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(MNIST_SCREENS))
def test_mnist_screens(snap_compare, mnist_trace_path, screen, size):
    with TraceFile(mnist_trace_path) as tf:
        assert snap_compare(TutorApp(tf), press=MNIST_SCREENS[screen], terminal_size=SIZES[size])


def test_mnist_without_the_worksheet_80x24(snap_compare, mnist_trace_path):
    with TraceFile(mnist_trace_path) as tf:
        assert snap_compare(TutorApp(tf), press=["colon", "9", "enter", "t"], terminal_size=(80, 24))


def test_exact_hidden_delta(snap_compare, hand_exact):
    assert snap_compare(TutorApp(hand_exact), press=["right"] * 6, terminal_size=(100, 30))


async def _click_unit_1_of_layer_1(pilot) -> None:
    await pilot.press("right", "right", "right", "right")
    await pilot.click("#neuron-1-0")


@pytest.mark.parametrize(("name", "size", "run_before"), [
    ("help", (80, 24), ["question_mark"]),
    ("neuron-values", (80, 24), _click_unit_1_of_layer_1),
    ("too-small", (40, 12), []),
    ("jump", (100, 30), ["right"] * 6 + ["colon", "1", "2"]),  # the step stays in view behind the dialog
], ids=["help-80x24", "neuron-values-80x24", "too-small-40x12", "jump-100x30"])
def test_overlays(snap_compare, hand_float64, name, size, run_before):
    keys = run_before if isinstance(run_before, list) else ()
    before = None if isinstance(run_before, list) else run_before
    assert snap_compare(TutorApp(hand_float64), press=keys, run_before=before, terminal_size=size)
