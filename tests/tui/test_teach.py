"""Issue 13, "Teach more" and "What confuses a student": what the new views draw (Pilot, the screen's text)."""

from __future__ import annotations

import pytest
from tui_helpers import pilot_test, screen_text

from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import Trace
from backprop_tutor.tui.app import TutorApp


async def scrolled_text(app, pilot, box: str) -> str:
    """Every line the scrollable ``box`` draws, scrolled through a screenful at a time, with wrapped notes
    joined (the text on screen with runs of blanks as one space)."""
    widget = app.screen.query_one(box)
    seen = []
    y = 0
    while True:
        widget.scroll_to(y=y, animate=False)
        await pilot.pause()
        seen += [line for line in screen_text(app).splitlines()]
        if y >= widget.max_scroll_y:
            break
        y += max(1, widget.scrollable_content_region.height - 1)
    return " ".join(" ".join(seen).split())


@pytest.fixture(scope="module")
def mazur() -> Trace:
    return run_spec(load_spec(resolve_example("mazur-sigmoid")), "float64")


@pilot_test
async def test_chain_rule_reproduces_mazur_w5(mazur):
    app = TutorApp(mazur, digits=9)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")  # from the first step: the output layer's W(2)₁₁, Mazur's w5
        await pilot.pause()
        text = screen_text(app)
        assert "∂C/∂W_11(2) = ∂C/∂a_1(2) × a'_1(2) × a_1(1)" in text
        assert "= 0.74136507 × 0.186815602 × 0.593269992" in text
        assert "= 0.0821670406" in text  # Mazur's 0.082167041 is this to 8 digits
        await pilot.press("end")  # the update at the bottom: w5 ← 0.4 − 0.5 × … = 0.35891648 (Mazur)
        await pilot.pause()
        assert "= 0.35891648" in screen_text(app)


@pilot_test
async def test_chain_rule_at_8_digits_and_another_weight(mazur):
    app = TutorApp(mazur, digits=8)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert "= 0.082167041" in screen_text(app)
        await pilot.press("comma")  # back one layer: W(1)₁₁, Mazur's w1
        await pilot.pause()
        text = screen_text(app)
        assert "∂C/∂a_1(1) = Σ_k W_k,1(2) δ_k(2)" in text
        assert "0.036350306" in text and "0.24130071" in text  # Mazur's ∂E/∂out_h1 and out_h1(1 − out_h1)
        await pilot.press("end")
        await pilot.pause()
        assert "= 0.14978072" in screen_text(app)  # Mazur's w1⁺ = 0.149780716


@pilot_test
async def test_neuron_sum_every_term(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right", "n")  # step 3, s(2): unit 1 of layer 2
        await pilot.pause()
        text = screen_text(app)
        assert "s_1(2) = Σ_i W_1,i(2) a_i(1) + b_1(2)" in text
        assert "= 1 × 5 + (-2) × 0 + 1 = 5 + 0 + 1" in text
        assert "= 6" in text
        await pilot.press("down")  # unit 2: 3 × 5 + 4 × 0 + 0 = 15
        await pilot.pause()
        assert "= 3 × 5 + 4 × 0 + 0 = 15 + 0 + 0" in screen_text(app)


@pilot_test
async def test_neuron_sum_large_fan_in(mnist_trace_path):
    from backprop_tutor.trace.store import TraceFile

    with TraceFile(mnist_trace_path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("right", "n")  # step 2, Forward(1): unit 1 of layer 1, 784 inputs
            await pilot.pause()
            text = screen_text(app)
            assert "s_1(1) = Σ_i W_1,i(1) a_i(0) + b_1(1)" in text
            assert "778 more terms, together" in text  # the 6 largest |terms| are written out
            assert "784 terms W·a and the bias" in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_cost_after_the_update_on_the_last_step(mazur, size):
    app = TutorApp(mazur, digits=9)
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")
        text = await scrolled_text(app, pilot, "#step-box")
        assert "C before the update = C(W, b) = 0.298371109 (the step lowered C)" in text
        assert "C after the update = C(W new, b new) = 0.280471447" in text
        assert "C with only W updated = C(W new, b) = 0.291027774" in text
        assert "Mazur leaves the biases alone and reports C = 0.291027924" in text
        await pilot.press("left")  # only the last update shows it
        await pilot.pause()
        assert "C after the update" not in screen_text(app)


def test_cost_after_in_the_worked_solution(tmp_path):
    from backprop_tutor.cli import main

    path = tmp_path / "mazur.md"
    assert main(["example", "mazur-sigmoid", "--solution", str(path), "--digits", "9", "--plain"]) == 0
    text = path.read_text()
    last = text.split("## Step 10")[1]
    assert "C after the update = C(W new, b new) = 0.280471447" in last
    assert "C before the update = C(W, b) = 0.298371109" in last


def test_cost_after_a_minibatch_is_its_mean(mnist_trace_path):
    from backprop_tutor.trace.store import TraceFile
    from backprop_tutor.worksheet.after import cost_after_update

    with TraceFile(mnist_trace_path) as trace:
        costs = cost_after_update(trace)
        assert costs.after.shape == (500,) and costs.before.shape == (500,)
        assert costs.mean("after") < costs.mean("before")  # one step of SGD at η = 0.01 lowers the batch's C


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_full_view_speaks_the_notation_in_full_digits(hand_float64, size):
    app = TutorApp(hand_float64)  # 3 digits on the main screen; f shows every digit
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 5, "f")  # step 6: δ(3), the long way too
        await pilot.pause()
        text = await scrolled_text(app, pilot, "#full-body")
        assert "step 6: δ(3) · every digit" in text
        assert "δ(3) · 3 values, one per unit of layer 3" in text
        assert "2: 1.9792597960067815e-32" in text  # full digits, numbered from 1
        assert "A = ∂a(3)/∂s(3) · 3×3: row j = ∂a_j, column k = ∂s_k" in text
        assert "A ∇a C (δ(3) the long way)" in text and "∇a C · 3 values" in text
        for internal in ("delta(", "a_prime", "jacobian", "grad_a", "W_before"):
            assert internal not in text
        await pilot.press("escape", "end", "f")
        await pilot.pause()
        text = await scrolled_text(app, pilot, "#full-body")
        assert "W(1) before the update · 2×3: row j = unit j of layer 1, column i =" in text  # wraps at 80
        assert "1: [-0.49999993790093633, -0.5000000620990637, -0.49999993790093633]" in text
        await pilot.press("escape", "home", "f")
        await pilot.pause()
        text = await scrolled_text(app, pilot, "#full-body")
        assert "a(0) = x · 3 values, one per input" in text and "x(0)" not in text
