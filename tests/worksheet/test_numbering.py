"""One numbering per step panel: an output unit is counted from 1 (as k and the notation count it) and its
class, counted from 0 as in the data, is only ever said beside it: "unit 3 (class 2)"."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backprop_tutor.engine.network import mlp
from backprop_tutor.render.math import text_lines
from backprop_tutor.render.step_notes import step_text
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import TraceHeader
from backprop_tutor.trace.recorder import Recorder


def ten_classes(target: int) -> object:
    """A 4-10 softmax step whose target is class ``target`` (an MNIST-like output layer)."""
    header = TraceHeader(sizes=[4, 10], activations=["softmax"], loss="cross-entropy", precision="float64",
                         learning_rate=0.1, batch_size=1, title="ten classes")
    recorder = Recorder(header)
    mlp([4, 10], ["softmax"], "cross-entropy", "float64", seed=1).train_step(
        np.array([[0.5, -1.0, 0.25, 2.0]]), np.eye(10)[[target]], 0.1, recorder)
    return recorder.trace


def panel(trace, step: int) -> str:
    return "\n".join(line + f" ({eq.note})" * bool(eq.note)
                     for eq in step_text(trace, step, 0, 3) for line in text_lines(eq))


def one_numbering(text: str) -> None:
    for m in re.finditer(r"class (\d+)", text):
        unit = f"unit {int(m[1]) + 1} ("
        assert text[:m.start()].endswith(unit), f"class {m[1]} not said as {unit}…: {text}"
    for m in re.finditer(r"k = (\d+)", text):
        assert f"unit {m[1]} (" in text, text
    for m in re.finditer(r"argmax_k a\(\d\)\[k\] = (\d+)", text):
        assert f"= {m[1]} (unit {m[1]} (" in text, text


@pytest.mark.parametrize("name", ["hand", "ten classes, target 9", "ten classes, target 0"])
def test_a_class_is_said_beside_its_unit_on_every_step(name):
    trace = (run_spec(load_spec(resolve_example("hand-backprop")), "float64") if name == "hand"
             else ten_classes(int(name[-1])))
    for step in range(len(trace)):
        one_numbering(panel(trace, step))


def test_the_loss_step_of_ten_classes():
    text = panel(ten_classes(9), 2)
    assert "only the term k = 10 is left, unit 10 (class 9)" in text
    assert re.search(r"predicted unit = argmax_k a\(1\)\[k\] = (\d+) \(unit \1 \(class \d\)", text)
