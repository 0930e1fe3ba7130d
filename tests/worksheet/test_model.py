"""The worksheet model and the equations: numbers with their quantity, layer, index and event."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.errors import UsageError
from backprop_tutor.render.math import equation_text
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import EVENT_TYPES, Delta, Gradient, Input, Loss, OutputDelta
from backprop_tutor.trace.store import TraceFile, save_trace
from backprop_tutor.worksheet.equations import equations_for
from backprop_tutor.worksheet.model import Cell, Quantity, build_worksheet

PACKAGE = Path(__file__).resolve().parents[2] / "backprop_tutor"


@pytest.fixture(scope="module")
def hand():
    return run_spec(load_spec(resolve_example("hand-backprop")), "exact")


def test_cells_are_numbers_with_their_place(hand):
    ws = build_worksheet(hand)
    cells = {(c.quantity, c.layer, c.index): c for c in ws.cells()}
    w = cells[(Quantity.GRAD_W, 3, (1, 0))]
    assert w.source is Gradient and float(w.value) == pytest.approx(1.187555877604069e-31)
    assert cells[(Quantity.COST, 3, ())].source is Loss and float(cells[(Quantity.COST, 3, ())].value) == pytest.approx(
        17.0, abs=0.01)
    assert cells[(Quantity.DELTA, 3, (2,))].source is OutputDelta and cells[(Quantity.DELTA, 2, (0,))].source is Delta
    assert cells[(Quantity.X, 0, (1,))] == Cell(Quantity.X, 0, (1,), hand[0].x[0, 1], Input)
    assert ws.value(Quantity.W_NEW, 1).shape == (2, 3) and ws.value(Quantity.B_NEW, 1).shape == (2,)
    assert ws.value(Quantity.A_PRIME, 3) is None  # softmax: a matrix, not a vector
    floats = build_worksheet(run_spec(load_spec(resolve_example("hand-backprop")), "float32"))
    assert {type(c.value) for c in floats.cells()} == {float}
    # x, y (3 + 3); s, a (2 + 2 + 3 each); a'(1), a'(2); C; δ (7); ∇W, W new (6 + 4 + 6 each); ∇b, b new (7 each)
    assert len(list(ws.cells())) == 6 + 2 * 7 + 4 + 1 + 7 + 2 * (16 + 7)


def test_part_way_and_new_cells(hand):
    ws = build_worksheet(hand, upto=hand.find(Delta, 2))
    assert ws.value(Quantity.DELTA, 2) is not None and ws.value(Quantity.DELTA, 1) is None
    assert ws.new(Quantity.DELTA, 2) and not ws.new(Quantity.DELTA, 3)
    assert ws.value(Quantity.GRAD_W, 3) is None


def test_a_file_and_memory_give_the_same_worksheet(hand, tmp_path):
    with TraceFile(save_trace(hand, tmp_path / "t.h5")) as tf:
        a, b = list(build_worksheet(hand).cells()), list(build_worksheet(tf).cells())
    def place(cells):
        return [(c.quantity, c.layer, c.index, c.source) for c in cells]

    assert place(a) == place(b)
    assert all(x.value == y.value for x, y in zip(a, b, strict=True))


def test_sample_out_of_range(hand):
    with pytest.raises(UsageError, match="numbered 0 to 0"):
        build_worksheet(hand, sample=1)


def test_equations_write_the_cells_the_worksheet_holds(hand):
    ws = build_worksheet(hand)
    for step in range(len(hand)):
        for eq in equations_for(hand, step):
            if eq.writes is not None:
                value = ws.value(eq.writes, hand.info(step).layer if eq.writes not in (Quantity.X, Quantity.Y) else 0)
                assert np.array_equal(np.asarray(eq.result.values).ravel(), np.asarray(value).ravel()), eq.writes


def test_a_minibatch_gradient_shows_this_samples_product_then_the_mean(tmp_path):
    spec = load_spec(resolve_example("hand-backprop"))
    spec.x, spec.y = [spec.x[0], [0.5, 0, -1]], [spec.y[0], [1, 0, 0]]
    trace = run_spec(spec, "float64")
    eqs = [equation_text(eq, 3) for eq in equations_for(trace, trace.find(Gradient, 1), sample=1)]
    assert [e.symbolic for e in eqs] == ["δ(1) a(0)ᵀ", "∇W(1) = (1/2) Σ_samples δ(1) a(0)ᵀ",
                                         "∇b(1) = (1/2) Σ_samples δ(1)"]
    delta = trace.events[trace.find(Delta, 1)].delta
    x = trace.events[0].x
    np.testing.assert_allclose(equations_for(trace, trace.find(Gradient, 1), 1)[0].result.values,
                               np.outer(delta[1], x[1]))
    assert "sample 1's share" in eqs[0].note and "mean over the 2 samples" in eqs[1].note
    cost, mean_cost, prediction = equations_for(trace, trace.find(Loss, 3), sample=1)
    assert prediction.result.values == 1 and prediction.note.endswith(": right")  # unit 1 (class 0) of a(3) ≈ [1, 0, 0]
    ws = build_worksheet(trace, sample=1)
    assert cost.result.values == ws.value(Quantity.COST, 3) == trace.events[trace.find(Loss, 3)].C[1]
    assert mean_cost.result.values == ws.value(Quantity.MEAN_COST, 3) == pytest.approx(
        trace.events[trace.find(Loss, 3)].C.mean())


def test_no_view_names_an_event_kind_or_field_by_string():
    """Outside trace/, events are found by class and values by `fields` constants: no "a_prime" strings."""
    names = set(EVENT_TYPES) | {n for cls in EVENT_TYPES.values() for n in cls.array_names()}
    names = {n for n in names if len(n) > 2}  # not the one-letter notation (a, s, x, y) views write as text
    found = []
    for folder in ("render", "worksheet", "tui", "cli", "check"):
        for path in (PACKAGE / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            counted = {id(arg) for call in ast.walk(tree) if isinstance(call, ast.Call)  # prose: count(n, "input")
                       and isinstance(call.func, ast.Name) and call.func.id in ("count", "plural") for arg in call.args}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and node.value in names and id(node) not in counted:
                    found.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert found == []
