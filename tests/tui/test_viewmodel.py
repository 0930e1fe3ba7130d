"""The view-model: what the screen shows for (trace, step, sample, digits), without Textual."""

from __future__ import annotations

import numpy as np

from backprop_tutor.numbers.format import fmt_vector
from backprop_tutor.trace.events import Delta, Forward, Gradient, OutputDelta, Update
from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.app import layer_jump
from backprop_tutor.tui.source import TraceSource
from backprop_tutor.tui.viewmodel import StepModel, next_digits


def model(trace) -> StepModel:
    return StepModel(TraceSource(trace))


def step_of(m: StepModel, event: type, layer: int) -> int:
    return m.source.find(event, layer)


def test_forward_step_substitutes_the_numbers_of_the_hand_example(hand_float64):
    m = model(hand_float64)
    view = m.view(step_of(m, Forward, 2))
    s = view.equations[0]
    assert s.symbolic == "s(2) = W(2) a(1) + b(2)"
    assert s.substituted == "[[1, -2], [3, 4]]·[5, 0] + [1, 0]"
    assert s.result == "[6, 15]"
    assert view.status == "step 3 of 14 · forward · s(2), a(2), a'(2) · float64 · 3 digits"


def test_exact_delta_2_keeps_the_tiny_value(hand_exact):
    m = model(hand_exact)
    back, eq, legend = m.view(step_of(m, Delta, 2)).equations
    assert legend.note.startswith("1 is exactly 1; 1.0 is a value that only rounds to 1")  # no rounding note: exact
    assert back.symbolic == "W(3)ᵀ δ(3)"  # the bracket first, as a student writes it
    assert back.substituted == "[[2, 3, 2], [2, -3, 1]]·[1.0, 1.98e-32, -1.0]"
    assert back.result == "[1.98e-32, 1.0]"
    assert eq.symbolic == "δ(2) = a'(2) ⊙ (W(3)ᵀ δ(3))"
    assert eq.substituted == "[1, 1] ⊙ [1.98e-32, 1.0]"
    assert eq.result == "[1.98e-32, 1.0]"


def test_softmax_output_delta_shows_the_jacobian_route(hand_float64):
    m = model(hand_float64)
    eqs = m.view(step_of(m, OutputDelta, 3)).equations
    assert [e.symbolic.split(" = ")[0] for e in eqs] == ["δ(3)", "A", "∇a C", "δ(3)", "Note"]  # the 1 vs 1.0 legend
    assert eqs[0].substituted == "[1.0, 1.98e-32, 4.14e-8] − [0, 0, 1]"
    assert eqs[2].result == "[0, 0, -2.42e7]"


def test_update_uses_eta_and_the_gradient(hand_float64):
    m = model(hand_float64)
    eq = m.view(step_of(m, Update, 3)).equations[0]
    assert eq.symbolic == "W(3) ← W(3) − η ∇W(3)"
    assert eq.substituted == "[[2, 2], [3, -3], [2, 1]] − 0.5·[[6.0, 15.0], [1.19e-31, 2.97e-31], [-6.0, -15.0]]"
    assert eq.result == "[[-1.0, -5.5], [3, -3], [5.0, 8.5]]"


def test_worksheet_fills_in_step_by_step_and_marks_the_new_cells(hand_float64):
    m = model(hand_float64)
    ff = m.view(0).tables[0]
    assert [c.text for c in ff.rows[0]] == ["0", "—", "[1, -1, 1]", "—"]
    assert all(c.text == "" for row in ff.rows[1:] for c in row[1:])
    assert [c.text for c in ff.notes] == ["y = [0, 0, 1]", "C = "]
    ff = m.view(step_of(m, Forward, 1)).tables[0]
    assert [(c.text, c.new) for c in ff.rows[1][1:]] == [("[5, -5]", True), ("[5, 0]", True), ("[1, 0]", True)]
    assert not ff.rows[0][2].new
    last = m.view(len(m) - 1)
    assert not last.tables[0].current and last.tables[2].current
    assert [c.text for c in last.tables[2].rows[2]] == ["1", "[-0.5, -0.5, -0.5]\n[3, 4, -2]", "[-0.5, -2]"]
    grad = m.view(step_of(m, Gradient, 3)).tables[1]
    assert [(c.text, c.new) for c in grad.rows[0][2:]] == [
        ("[6.0, 15.0]\n[1.19e-31, 2.97e-31]\n[-6.0, -15.0]", True), ("[1.0, 1.98e-32, -1.0]", True)]


def test_stepping_back_gives_the_same_view(hand_float64):
    m = model(hand_float64)
    before = m.view(5)
    m.view(6)
    assert m.view(5) == before
    assert StepModel(TraceSource(hand_float64)).view(5) == before  # not only the cache


def test_digits_cycle():
    assert [next_digits(d) for d in (3, 6, None, 4, 12)] == [6, None, 3, 6, None]


def test_long_vectors_are_cut():
    assert fmt_vector(np.arange(20), 3, limit=4) == "[0, 1, 2, 3, … 16 more]"


def test_layer_keys_move_to_the_same_quantity_one_layer_on_in_the_phase(hand_float64):
    source = TraceSource(hand_float64)
    f1, f2 = source.find(Forward, 1), source.find(Forward, 2)
    assert layer_jump(source, f1, +1) == f2 and layer_jump(source, f2, -1) == f1
    assert layer_jump(source, 0, +1) == f1
    # the backward pass goes from the output back: "on" is toward the input, later in time
    assert layer_jump(source, source.find(Delta, 2), +1) == source.find(Delta, 1)
    assert layer_jump(source, source.find(Delta, 2), -1) == source.find(OutputDelta, 3)
    assert layer_jump(source, source.find(Forward, 3), +1) is None


def test_mnist_trace_is_read_one_sample_at_a_time(mnist_trace_path):
    with TraceFile(mnist_trace_path) as tf:
        source = TraceSource(tf)
        m = StepModel(source)
        view = m.view(0)
        assert view.columns[0].image.shape == (28, 28)
        assert view.weights[0].image.shape == (28, 28)
        assert source.bytes_read < 20_000  # x and y of one sample, one row of W(1): not the 1.5 MB batch
        for step in range(len(m)):
            m.view(step, sample=3)
        assert source.bytes_read < 3_000_000
        assert "sample 3 of 0–499" in m.view(0, sample=3).status


def test_momentum_and_l2_show_the_rule_that_was_used(tmp_path):
    """With μ and λ the equations must be the ones applied, and their numbers must add up."""
    from backprop_tutor.render.markdown import trace_to_markdown
    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.trace.events import Update
    from backprop_tutor.trace.store import save_trace

    spec = load_spec(resolve_example("hand-backprop"))
    spec.momentum, spec.l2 = 0.9, 0.1
    trace = run_spec(spec, "float64")
    update = next(e for e in trace if isinstance(e, Update) and e.layer == 3)
    np.testing.assert_allclose(update.W_after, update.W_before + update.v_W, atol=1e-12)
    path = save_trace(trace, tmp_path / "m.h5")
    with TraceFile(path) as tf:
        m = model(tf)
        eqs = m.view(step_of(m, Update, 3)).equations
        assert [e.symbolic for e in eqs] == ["v ← μ v − η ∇W(3)", "W(3) ← W(3) + v", "b(3) ← b(3) + v_b"]
        grad = m.view(step_of(m, Gradient, 3)).equations[0]
        assert grad.symbolic == "∇W(3) = δ(3) a(2)ᵀ + λ W(3)"
        assert grad.substituted.endswith("+ 0.1·[[2, 2], [3, -3], [2, 1]]")
    md = trace_to_markdown(trace)
    assert "v ← μ v − η ∇W(l), W(l) ← W(l) + v" in md and "μ = 0.9" in md and "λ = 0.1" in md
