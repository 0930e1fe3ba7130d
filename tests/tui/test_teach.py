"""Issue 13, "Teach more" and "What confuses a student": what the new views draw (Pilot, the screen's text)."""

from __future__ import annotations

import re

import pytest
from tui_helpers import pilot_test, screen_text

from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import Field, Trace
from backprop_tutor.tui.app import TutorApp


async def scrolled_text(app, pilot, box: str) -> str:
    """The text the scrollable ``box`` draws, scrolled through a screenful at a time: each line of its
    content once, from the drawn screen cropped to the box's region; wrapped lines joined with one space."""
    widget = app.screen.query_one(box)
    lines: dict[int, str] = {}
    y = 0
    while True:
        widget.scroll_to(y=y, animate=False)
        await pilot.pause()
        region = widget.scrollable_content_region
        screen = screen_text(app).splitlines()
        for row in range(region.height):
            lines[int(widget.scroll_y) + row] = screen[region.y + row][region.x:region.right]
        if y >= widget.max_scroll_y:
            break
        y += max(1, region.height)
    return " ".join(" ".join(lines[k] for k in sorted(lines)).split())


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
        assert "∂C/∂W(2)[1,1] = ∂C/∂a(2)[1] × a'(2)[1] × a(1)[1]" in text
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
        assert "∂C/∂a(1)[1] = Σ_k W(2)[k,1] δ(2)[k]" in text
        assert "0.036350306" in text and "0.24130071" in text  # Mazur's ∂E/∂out_h1 and out_h1(1 − out_h1)
        await pilot.press("end")
        await pilot.pause()
        assert "= 0.14978072" in screen_text(app)  # Mazur's w1⁺ = 0.149780716


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pilot_test
async def test_chain_rule_flags_rounding_noise_and_brackets_negative_factors(hand_float64, size):
    """The chain for W(2)[1,1] goes through ∂C/∂a(2)[1] = 2.0 + 5.94e-32 + (-2.0) = -2.22e-16: flagged where the
    sum cancels, as the step panel flags δ(2)[1]; what is computed from it says so; no "× -1.11e-15"."""
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 6, "w")  # step 7, δ(2): W(2) row 1, column 1
        await pilot.pause()
        text = await scrolled_text(app, pilot, "#equations-body")
        assert "= 2.0 + 5.94e-32 + (-2.0) = -2.22e-16" in text
        assert ("∂C/∂a(2)[1] = -2.22e-16 is at float64's rounding level next to 2.0 (≈2.2e-16 of it): rounding "
                "noise, perhaps, not the true size or sign; --exact computes it exactly") in text
        assert "= (-2.22e-16) × 1 × 5" in text and "= 1 − 0.5 × (-1.11e-15)" in text
        assert text.count("carries the rounding noise of ∂C/∂a(2)[1]") == 4  # ∂C/∂W twice, δ(2)[1], the update
        assert not re.search(r"[×−+] -\d", text)  # a negative factor or term is always bracketed
        await pilot.press("down")  # W(2)[2,1]: through δ(2)[2] = 1.0, no noise on its way
        await pilot.pause()
        assert "rounding noise" not in await scrolled_text(app, pilot, "#equations-body")


@pilot_test
async def test_neuron_sum_every_term(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right", "s")  # step 3, s(2): unit 1 of layer 2
        await pilot.pause()
        text = screen_text(app)
        assert "s(2)[1] = Σ_i W(2)[1,i] a(1)[i] + b(2)[1]" in text
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
            await pilot.press("right", "s")  # step 2, Forward(1): unit 1 of layer 1, 784 inputs
            await pilot.pause()
            text = screen_text(app)
            assert "s(1)[1] = Σ_i W(1)[1,i] a(0)[i] + b(1)[1]" in text
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
        assert "step 6: δ(3) · every digit" in screen_text(app)  # the box's title
        text = await scrolled_text(app, pilot, "#full-body")
        assert "δ(3) · 3 values, one per unit of layer 3" in text
        assert "2: 1.9792597960067815e-32" in text  # full digits, numbered from 1
        assert "A = ∂a(3)/∂s(3) · 3×3: row j = ∂a(3)[j], column k = ∂s(3)[k]" in text
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
        assert "a(0) = x · 3 values, one per unit of layer 0 (the input)" in text and "x(0)" not in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_rounding_level_value_is_explained_where_it_appears(hand_float64, hand_exact, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 6)  # step 7: δ(2) = [-2.22e-16, 1.0]
        text = await scrolled_text(app, pilot, "#step-box")
        assert "δ(2)[1] = -2.22e-16 is at float64's rounding level next to 1.0" in text
        assert "--exact computes it exactly" in text
        assert "1 is exactly 1; 1.0 is a value that only rounds to 1 at these digits" in text
        assert text.count("rounding level") == 1  # once, where it lands, not on W(3)ᵀ δ(3) too
        await pilot.press("left")  # δ(3) holds 1.98e-32: computed (softmax), not left over: no note
        text = await scrolled_text(app, pilot, "#step-box")
        assert "1.98e-32" in text and "rounding level" not in text
    app = TutorApp(hand_exact)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 6)
        text = await scrolled_text(app, pilot, "#step-box")
        assert "= [1.98e-32, 1.0]" in text and "rounding level" not in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_an_update_hidden_by_the_digits_is_flagged(mazur, size):
    app = TutorApp(mazur)  # 3 digits: W(1) = [[0.15, 0.2], [0.25, 0.3]] before and after
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")
        text = await scrolled_text(app, pilot, "#step-box")
        assert "= [[0.15, 0.2], [0.25, 0.3]]" in text
        assert "W(1): 4 of 4 values changed but read the same at 3 digits (the change shows in the 4th digit)" in text
        await pilot.press("d")  # 6 digits: the change is visible, the flag goes
        text = await scrolled_text(app, pilot, "#step-box")
        assert "0.149781" in text and "read the same" not in text


@pilot_test
async def test_numbering_legend_on_the_input_step(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        text = await scrolled_text(app, pilot, "#step-box")
        assert "units are numbered from 1 (a(2)[1] is unit 1 of layer 2); samples and classes from 0" in text
        assert "(the target: unit 3 (class 2))" in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_mnist_class_prediction_and_informative_windows(mnist_trace_path, size):
    from backprop_tutor.trace.store import TraceFile

    with TraceFile(mnist_trace_path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=size) as pilot:
            text = await scrolled_text(app, pilot, "#step-box")
            assert "(the target: unit 8 (class 7))" in text  # the first test image is a 7
            await pilot.press("right")  # s(1) = W(1) a(0) + b(1): a(0) by its largest pixels, not 8 zeros
            text = await scrolled_text(app, pilot, "#step-box")
            assert "·[0, 0, 0" not in text and "774 more, each |v| ≤" in text
            await pilot.press(*["right"] * 4)  # the loss: predicted class and whether it is right
            text = await scrolled_text(app, pilot, "#step-box")
            assert "predicted unit = argmax_k a(4)[k] = 8 (unit 8 (class 7): right)" in text


def fashion_trace(n: int = 20) -> Trace:
    """A few Fashion-MNIST test images through a small net, its header saying where the data came from."""
    from pathlib import Path

    import numpy as np

    from backprop_tutor.data.formats import read_idx
    from backprop_tutor.engine.network import mlp
    from backprop_tutor.trace.events import TraceHeader
    from backprop_tutor.trace.recorder import Recorder

    folder = Path(__file__).resolve().parents[3] / "shared" / "data" / "fashion-mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST not found at {folder}")
    x = read_idx(folder / "t10k-images-idx3-ubyte.gz")[:n].reshape(n, -1).astype(np.float32) / 255
    y = np.eye(10, dtype=np.float32)[read_idx(folder / "t10k-labels-idx1-ubyte.gz")[:n].astype(int)]
    sizes, acts = [784, 16, 10], ["tanh", "softmax"]
    header = TraceHeader(sizes=sizes, activations=acts, loss="cross-entropy", precision="float32",
                         learning_rate=0.1, batch_size=n, title="fashion-mnist: epoch 1, minibatch 1",
                         config={"data_name": "fashion-mnist"})
    recorder = Recorder(header)
    mlp(sizes, acts, "cross-entropy", "float32", seed=2).train_step(x, y, 0.1, recorder)
    return recorder.trace


@pilot_test
async def test_fashion_mnist_classes_by_name():
    import numpy as np

    from backprop_tutor.trace.events import Forward
    from backprop_tutor.worksheet.classes import FASHION_MNIST

    trace = fashion_trace()
    k = int(np.argmax(trace.events[trace.find(Forward, 2)].a[0]))
    verdict = "right" if k == 9 else "wrong: the target is unit 10 (class 9, Ankle boot)"
    app = TutorApp(trace)
    async with app.run_test(size=(100, 30)) as pilot:
        text = await scrolled_text(app, pilot, "#step-box")
        assert "(the target: unit 10 (class 9, Ankle boot))" in text  # test image 0
        await pilot.press(*["right"] * 3)  # x, s(1), s(2), then C
        text = await scrolled_text(app, pilot, "#step-box")
        said = f"predicted unit = argmax_k a(2)[k] = {k + 1} (unit {k + 1} (class {k}, {FASHION_MNIST[k]}): {verdict})"
        assert said in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_mnist_jump_keys(mnist_trace_path, size):
    import numpy as np

    from backprop_tutor.trace.events import Forward, Input
    from backprop_tutor.trace.store import TraceFile

    with TraceFile(mnist_trace_path) as trace:
        target = np.argmax(trace.array(trace.find(Input, 0), Field(Input, "y")), axis=1)
        predicted = np.argmax(trace.array(trace.find(Forward, 4), Field(Forward, "a")), axis=1)
        wrong = np.flatnonzero(target != predicted)
        app = TutorApp(trace)
        async with app.run_test(size=size) as pilot:
            await pilot.press("colon", "1", "2", "enter")
            await pilot.pause()
            assert screen_text(app).lstrip().startswith("step 12 of 18")
            await pilot.press("colon", "9", "9", "enter")  # out of range: says so, stays open
            await pilot.pause()
            assert "99: give a step from 1 to 18" in screen_text(app)
            await pilot.press("escape", "number_sign", "4", "2", "enter")
            await pilot.pause()
            assert "sample 42 of 0–499" in screen_text(app).splitlines()[0]
            await pilot.press("m")
            await pilot.pause()
            k = int(wrong[wrong > 42][0])
            assert f"sample {k} of 0–499" in screen_text(app).splitlines()[0]
            said = f"sample {k}: class {target[k]}, predicted class {predicted[k]}"
            assert any(said == str(n.message) for n in app._notifications)  # a toast, as the export's


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_mnist_weight_rows_as_images(mnist_trace_path, size):
    from backprop_tutor.trace.store import TraceFile

    with TraceFile(mnist_trace_path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=size) as pilot:
            await pilot.press("i")
            await pilot.pause()
            text = screen_text(app)
            assert "unit 1 of layer 1: the weights of its 784 inputs" in text
            assert "W(1) row 1 before" in text and "∇W(1) row 1" in text
            lines = text.splitlines()
            top = next(n for n, line in enumerate(lines) if "W(1) row 1 before" in line)
            image = [line for line in lines[top + 2: top + 16] if "▀" * 28 in line]
            assert len(image) >= min(14, size[1] - top - 4)  # 28×28 drawn as 14 rows of 28 half blocks
            await pilot.press("down")
            await pilot.pause()
            assert "W(1) row 2 before" in screen_text(app)
            await pilot.press("escape")
            assert not screen_text(app).count("row 2 before")


@pilot_test
async def test_weight_images_need_an_image_input(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert any("drawn as images when the input is a square image" in str(n.message) for n in app._notifications)
        assert "W(1) row 1 before" not in screen_text(app)
        await pilot.press("m")  # its one sample is misclassified (class 0 for a target of class 2): it stays on it
        await pilot.pause()
        assert any("sample 0: class 2, predicted class 0" == str(n.message) for n in app._notifications)


def test_spec_notes_hold_text_only(tmp_path):
    from backprop_tutor.errors import SpecError

    spec = tmp_path / "s.toml"
    spec.write_text(resolve_example("mazur-sigmoid").read_text().replace('after_update = "', 'before = "'))
    with pytest.raises(SpecError, match=r"\[notes\] holds text only, under after_update"):
        load_spec(spec)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_chain_and_sum_start_from_the_selected_neuron(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "n", "n")  # step 3, s(2): select unit 2 of layer 2
        await pilot.press("w")
        await pilot.pause()
        text = screen_text(app)
        assert "chain rule for W(2) row 2, column 1" in text
        assert "∂C/∂W(2)[2,1] = δ(2)[2] × a(1)[1]" in text
        await pilot.press("right", "escape", "s")  # another weight (column 2); then the unit's sum
        await pilot.pause()
        text = screen_text(app)
        assert "layer 2, unit 2" in text and "= 3 × 5 + 4 × 0 + 0 = 15 + 0 + 0" in text


@pilot_test
async def test_next_misclassified_needs_classes(mazur):
    app = TutorApp(mazur)  # ½‖a − y‖² with sigmoid outputs: a regression, no classes
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        said = "this trace has no classes (m needs softmax with cross-entropy)"
        assert any(said == str(n.message) for n in app._notifications)


def test_hidden_update_flag_on_an_exact_trace():
    from backprop_tutor.render.step_notes import step_text

    trace = run_spec(load_spec(resolve_example("mazur-sigmoid")), "exact")
    notes = [t.note for t in step_text(trace, len(trace) - 1, 0, 3) if t.symbolic == "Note"]
    assert "W(1): 4 of 4 values changed but read the same at 3 digits (the change shows in the 4th digit); " \
           "press d for more digits" in notes
    assert not [n for t in step_text(trace, len(trace) - 1, 0, 6) if (n := t.note) and "read the same" in n]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pilot_test
async def test_clicking_a_weight_opens_its_chain_rule(hand_float64, size):
    from textual.widgets import Static

    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right")  # s(2): W(2) = [[1, -2], [3, 4]] written beside layer 2
        await pilot.pause()
        weights = app.query_one("#weights-2 .weights", Static)
        first = str(weights.content).split("\n")[0]
        assert await pilot.click("#weights-2 .weights", offset=(first.index("-2"), 0))
        await pilot.pause()
        text = screen_text(app)
        assert "chain rule for W(2) row 1, column 2" in text and "∂C/∂W(2)[1,2] = δ(2)[1] × a(1)[2]" in text
        await pilot.press("escape")
        await pilot.click("#weights-2 .weights", offset=(first.index("│") + 2, 0))  # the bias: nothing opens
        await pilot.pause()
        assert "chain rule" not in screen_text(app)
