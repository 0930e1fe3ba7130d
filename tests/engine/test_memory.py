"""Huge networks are refused with the figures before anything is allocated (issue 9, item 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tutor import memory
from backprop_tutor.cli import main
from backprop_tutor.errors import MemoryNeedError

HUGE = ('inputs = 3\nloss = "cross-entropy"\nlearning_rate = 0.5\n[data]\nx = [1, -1, 1]\ny = [0, 0, 1]\n'
        '[init]\nscheme = "he"\n[[layer]]\nunits = 1e9\nactivation = "relu"\n[[layer]]\nunits = 3\n'
        'activation = "softmax"\n')


def test_units_1e9_is_refused_with_the_figure(tmp_path: Path, capsys):
    # was: 23.7 GB eaten, then killed by the kernel
    spec = tmp_path / "huge.toml"
    spec.write_text(HUGE)
    assert main(["example", str(spec), "--print"]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "the network 3-1000000000-3 with 1 sample(s) in float64 needs ~" in err and "GB of memory" in err
    assert "is available; use fewer units" in err


def test_the_estimate_counts_parameters_batch_and_trace():
    sizes = [784, 100, 10]
    P = 784 * 100 + 100 + 100 * 10 + 10
    plain = memory.estimate_bytes(sizes, 1, "float32", drawn=False)
    assert plain == 4 * (3 * P + 4 * sum(sizes))
    assert memory.estimate_bytes(sizes, 1, "float32", drawn=False, momentum=True) == plain + 4 * P
    assert memory.estimate_bytes(sizes, 1, "float64", drawn=False) == 2 * plain
    assert memory.estimate_bytes(sizes, 500, "float32", recorded=True) > memory.estimate_bytes(sizes, 500, "float32")


def test_check_memory_names_the_need_and_what_is_available(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2_000_000_000)
    memory.check_memory(1_000_000_000, "net")
    with pytest.raises(MemoryNeedError, match=r"net needs ~3\.0 GB of memory, but only 2\.0 GB is available"):
        memory.check_memory(3_000_000_000, "net")


def test_available_memory_is_read():
    assert memory.available_bytes() is None or memory.available_bytes() > 0


def test_units_1e400_is_refused_in_words(tmp_path: Path, capsys):
    # a whole number too big for a float: the figures must still be written, not an OverflowError
    spec = tmp_path / "huge.toml"
    spec.write_text(HUGE.replace("units = 1e9", "units = 1e400"))
    assert main(["example", str(spec), "--print"]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "the network 3-1e+400-3 with 1 sample(s) in float64 needs ~4.6e+402 bytes of memory" in err


def test_a_spec_without_data_says_so_before_any_estimate(tmp_path: Path, capsys):
    spec = tmp_path / "nodata.toml"
    spec.write_text(HUGE[:HUGE.index("[data]")] + HUGE[HUGE.index("[init]"):])
    assert main(["example", str(spec), "--print"]) == 2
    assert "no [data] table" in capsys.readouterr().err
