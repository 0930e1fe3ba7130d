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
    assert "the network 3-1000000000-3 with 1 sample in float64 needs ~" in err and "GB of memory" in err
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
    assert "the network 3-1e+400-3 with 1 sample in float64 needs ~4.6e+402 bytes of memory" in err


def test_a_spec_without_data_says_so_before_any_estimate(tmp_path: Path, capsys):
    spec = tmp_path / "nodata.toml"
    spec.write_text(HUGE[:HUGE.index("[data]")] + HUGE[HUGE.index("[init]"):])
    assert main(["example", str(spec), "--print"]) == 2
    assert "no [data] table" in capsys.readouterr().err


def test_exact_work_is_estimated_and_refused_with_the_way_out(tmp_path: Path, capsys):
    # was: `tutor example --exact` on 50-2000-2000-3 ran 9 min at 9.5 GB
    spec = tmp_path / "wide.toml"
    two_layers = 'units = 2000\nactivation = "relu"\n[[layer]]\nunits = 2000'
    spec.write_text(HUGE.replace("x = [1, -1, 1]", f"x = [{', '.join(['1'] * 50)}]")
                    .replace("inputs = 3", "inputs = 50").replace("units = 1e9", two_layers))
    assert main(["example", str(spec), "--exact", "--print"]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "the network 50-2000-2000-3 with 1 sample in exact mode would take about 25 min" in err
    assert "exact mode's limit is 60 s" in err and "--dtype float64" in err
    assert memory.exact_seconds([3, 2, 2, 3], 1) < 0.1  # the hand example stays far inside the limit


@pytest.mark.parametrize("command", [["example", "--print"], ["worksheet", "--key"], ["gradcheck"]])
@pytest.mark.parametrize("number", ["1e99999999", "1e-99999999"])
def test_a_spec_number_beyond_the_bounded_exponents_is_named_at_once(tmp_path: Path, capsys, command: list[str],
                                                                     number: str):
    # was: `tutor example`, `tutor worksheet --key` hung (exact mode's exp of 1e99999999)
    from backprop_tutor.spec import builtin_examples

    spec = tmp_path / "big.toml"
    spec.write_text(builtin_examples()["hand-backprop"].read_text().replace("b = [1, -2]", f"b = [{number}, -2]"))
    assert main([command[0], str(spec), *command[1:]]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert f"b(1)[1] = 1.000e{'+' if number[2] != '-' else ''}{number[2:]}" in err
    assert "is beyond the numbers a spec may hold: magnitudes from 1e-1000 to 1e1000" in err
