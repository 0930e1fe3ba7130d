"""The input size of a network whose W(1) comes from [init]: from inputs = N, or else from [data] x."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tutor.errors import SpecError
from backprop_tutor.spec import load_spec, run_spec

SPEC = """
loss = "cross-entropy"
learning_rate = 0.5
[init]
scheme = "he"
seed = 1
[data]
x = {x}
y = [0, 1]
[[layer]]
activation = "relu"
units = 4
[[layer]]
activation = "softmax"
units = 2
"""


@pytest.mark.parametrize("x", ["[1, -1, 2]", "[[1, -1, 2]]"])
def test_init_spec_takes_its_input_size_from_data_x(tmp_path: Path, x: str):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.format(x=x))
    spec = load_spec(path)
    assert spec.sizes == [3, 4, 2]
    assert run_spec(spec).header.sizes == [3, 4, 2]


def test_without_data_or_inputs_the_message_names_every_way_to_say_it(tmp_path: Path):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.format(x="[1, -1, 2]").replace("[data]\nx = [1, -1, 2]\ny = [0, 1]\n", ""))
    with pytest.raises(SpecError, match=r"give inputs = N at the top, W\(1\), or \[data\] x"):
        load_spec(path)
