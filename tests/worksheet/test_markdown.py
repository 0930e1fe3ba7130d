"""The worksheet tables, as Markdown and in the terminal."""

from __future__ import annotations

import re

import pytest

from backprop_tutor.errors import UsageError
from backprop_tutor.render.format import fmt, fmt_vector
from backprop_tutor.render.markdown import trace_to_markdown
from backprop_tutor.spec import load_spec, resolve_example, run_spec


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


def markdown_tables(text: str) -> list[list[str]]:
    """Every GFM table: its lines, checked to have a header, a delimiter row and equal widths."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    for t in tables:
        widths = {line.count(" | ") for line in t}
        assert len(widths) == 1, t
        assert re.fullmatch(r"\|( --- \|)+", t[1]), t[1]
    return tables


def test_markdown_float64_tables(hand):
    md = trace_to_markdown(run_spec(hand, "float64"))
    tables = markdown_tables(md)
    assert len(tables) == 6  # feed-forward, backprop, the long way, three updates
    assert "| l | s(l) | a(l) | a'(l) |" in md
    assert "| 1 | [5, -5] | [5, 0] | [1, 0] |" in md
    assert "| 2 | [6, 15] | [6, 15] | [1, 1] |" in md
    assert "| 3 | [42, -31, 25] | [1.0, 1.98e-32, 4.14e-8] |" in md
    assert "| 3 | [1.0, 1.98e-32, -1.0] |" in md
    assert "| 1 | -1.0 | -5.5 | -0.5 |" in md  # W(3) row 1 and b(3)[1] after the update
    assert "C = 17.0" in md


def test_markdown_exact_shows_the_tiny_delta(hand):
    md = trace_to_markdown(run_spec(hand, "exact"))
    assert "| 2 | [1.98e-32, 1.0] |" in md
    full = trace_to_markdown(run_spec(hand, "exact"), digits=None)
    assert "1.9792597960067817061140898181382" in full


def test_markdown_one_layer(hand):
    md = trace_to_markdown(run_spec(hand, "float64"), layer=2)
    assert "| 2 | [6, 15] |" in md and "| 1 | [5, -5]" not in md
    assert "W(2), b(2) after the update" in md and "W(3), b(3)" not in md


def test_markdown_part_way_through_the_step(hand):
    md = trace_to_markdown(run_spec(hand, "float64"), upto=2)  # input, s(1)…, s(2)…
    assert "| 2 | [6, 15] | [6, 15] | [1, 1] |" in md
    assert "[42, -31, 25]" not in md and "after the update" not in md


def test_sample_out_of_range(hand):
    with pytest.raises(UsageError, match="the trace holds 1 sample"):
        trace_to_markdown(run_spec(hand, "float64"), sample=3)
