"""The worksheet as Markdown and in the terminal: `--markdown`, `tutor export`, `--print`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import mpmath
import numpy as np
import pytest

from backprop_tutor.cli import main
from backprop_tutor.errors import UsageError
from backprop_tutor.numbers.format import fmt, fmt_vector
from backprop_tutor.render.markdown import trace_to_markdown
from backprop_tutor.spec import load_spec, resolve_example, run_spec

#: ∇W(3) of the hand example, worked out in exact arithmetic (50 digits): [[6, 15], [1.19e-31, 2.97e-31],
#: [-6, -15]] rounded
GRAD_W3 = [[5.9999997516037472, 14.999999379009368], [1.187555877604069e-31, 2.9688896940101726e-31],
           [-5.9999997516037472, -14.999999379009368]]
GRAD_B3 = [0.9999999586006245, 1.9792597960067817e-32, -0.9999999586006245]


@pytest.fixture(scope="module")
def hand():
    return load_spec(resolve_example("hand-backprop"))


def test_numbers_are_written_as_a_student_writes_them():
    assert fmt(5.0) == "5"
    assert fmt(0.99999995860062452606) == "1.0"  # rounds to 1, is not 1
    assert fmt(1.9792597960067817061e-32) == "1.98e-32"
    assert fmt(-0.499999937900937, 4) == "-0.5"
    assert fmt(0.1234567, None) == "0.1234567"
    assert fmt_vector([5, -5]) == "[5, -5]"


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Every GFM table by its heading: its rows of cells, each table checked to have a header, a
    delimiter row and rows as wide as the header."""
    tables: dict[str, list[list[str]]] = {}
    heading, current = "", []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
            continue
        if current:
            assert re.fullmatch(r"\|( --- \|)+", current[1]), current[1]
            rows = [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in current]
            assert len({len(r) for r in rows}) == 1, current
            tables[heading] = [rows[0], *rows[2:]]
            current = []
        if line.startswith("### "):
            heading = line[4:]
    return tables


def row(tables: dict[str, list[list[str]]], heading: str, l: int) -> dict[str, str]:
    header, *rows = tables[heading]
    return dict(zip(header, next(r for r in rows if r[0] == str(l)), strict=True))


def matrix(cell: str) -> np.ndarray:
    return np.array([json.loads(line) for line in cell.split("<br>")], dtype=np.float64)


def check_grad_w3(md: str, digits: int = 3) -> None:
    tables = markdown_tables(md)
    r = row(tables, "Backprop", 3)
    np.testing.assert_allclose(matrix(r["∇W(l)"]), GRAD_W3, rtol=10.0 ** (1 - digits))
    np.testing.assert_allclose(json.loads(r["∇b(l)"]), GRAD_B3, rtol=10.0 ** (1 - digits))
    new = row(tables, "Updated parameters", 3)  # W(3) − η ∇W(3), b(3) − η ∇b(3), η = 0.5
    np.testing.assert_allclose(matrix(new["W(l) new"]), np.array([[2, 2], [3, -3], [2, 1]]) - 0.5 * np.array(GRAD_W3),
                               rtol=10.0 ** (1 - digits))
    np.testing.assert_allclose(json.loads(new["b(l) new"]), np.array([0, -4, -2]) - 0.5 * np.array(GRAD_B3),
                               rtol=10.0 ** (1 - digits))


@pytest.mark.parametrize("precision", ["exact", "float64"])
def test_markdown_has_the_gradients_and_the_new_parameters(hand, precision):
    md = trace_to_markdown(run_spec(hand, precision))
    assert list(markdown_tables(md)) == ["Feed-forward", "Backprop", "Updated parameters"]
    assert "| 3 | [1.0, 1.98e-32, -1.0] | [6.0, 15.0]<br>[1.19e-31, 2.97e-31]<br>[-6.0, -15.0] |" in md
    check_grad_w3(md)


def test_exact_and_float64_differ_where_float64_cancels(hand):
    """δ(2)₁ = 2δ₁ + 3δ₂ + 2δ₃ of δ(3): exactly a₂(3) = 1.98e-32; float64 loses it to cancellation."""
    exact = row(markdown_tables(trace_to_markdown(run_spec(hand, "exact"))), "Backprop", 2)
    float64 = row(markdown_tables(trace_to_markdown(run_spec(hand, "float64"))), "Backprop", 2)
    assert exact["δ(l)"] == "[1.98e-32, 1.0]" and exact["∇W(l)"] == "[9.9e-32, 0]<br>[5.0, 0]"
    assert float64["δ(l)"] != exact["δ(l)"] and abs(json.loads(float64["δ(l)"])[0]) < 1e-15


def test_markdown_float64_tables(hand):
    md = trace_to_markdown(run_spec(hand, "float64"))
    assert "| l | s(l) | a(l) | a'(l) |" in md
    assert "| 1 | [5, -5] | [5, 0] | [1, 0] |" in md
    assert "| 2 | [6, 15] | [6, 15] | [1, 1] |" in md
    assert "| 3 | [42, -31, 25] | [1.0, 1.98e-32, 4.14e-8] | matrix A, see δ(3) |" in md
    assert "C = 17.0" in md and "W(l) ← W(l) − η ∇W(l), b(l) ← b(l) − η ∇b(l), η = 0.5" in md


def test_markdown_exact_every_digit(hand):
    full = trace_to_markdown(run_spec(hand, "exact"), digits=None)
    assert "1.9792597960067817061140898181382" in full
    with mpmath.workdps(50):
        check_grad_w3(full, digits=15)


def test_markdown_one_layer(hand):
    md = trace_to_markdown(run_spec(hand, "float64"), layer=2)
    assert "| 2 | [6, 15] |" in md and "| 1 | [5, -5]" not in md
    assert "| 2 | [1.0, -2]<br>[0.5, 4] | [1, -0.5] |" in md and "| 3 |" not in md


def test_markdown_part_way_through_the_step(hand):
    md = trace_to_markdown(run_spec(hand, "float64"), upto=2)  # input, s(1)…, s(2)…
    assert "| 2 | [6, 15] | [6, 15] | [1, 1] |" in md and "filled in up to step 3 of 14" in md
    assert "[42, -31, 25]" not in md and "| 3 |   |   |   |" in md


def test_sample_out_of_range(hand):
    with pytest.raises(UsageError, match="the trace holds 1 sample"):
        trace_to_markdown(run_spec(hand, "float64"), sample=3)


def test_example_markdown_and_export_write_the_gradients(tmp_path: Path, capsys):
    md, h5, out = tmp_path / "hand.md", tmp_path / "hand.h5", tmp_path / "export.md"
    assert main(["example", "hand-backprop", "--exact", "--markdown", str(md), "--save-trace", str(h5)]) == 0
    check_grad_w3(md.read_text())
    assert main(["export", str(h5), "--markdown", str(out)]) == 0
    assert out.read_text() == md.read_text()
    capsys.readouterr()
    assert main(["export", str(h5), "--markdown", "-", "--digits", "full"]) == 0
    check_grad_w3(capsys.readouterr().out, digits=15)


def test_print_shows_the_same_cells(capsys):
    assert main(["example", "hand-backprop", "--print"]) == 0
    out = capsys.readouterr().out
    for text in ("Feed-forward", "Backprop", "Updated parameters", "[42, -31, 25]", "[1.19e-31, 2.97e-31]",
                 "[-0.5, -0.5, -0.5]"):
        assert text in out
