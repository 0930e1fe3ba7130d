"""Key g on a ∇W(l) step: the finite-difference check of that layer, as drawn on the screen (issue 10)."""

from __future__ import annotations

import re

from textual.widgets import Static
from tui_helpers import pilot_test, screen_text

from backprop_tutor.tui.app import TutorApp
from backprop_tutor.tui.gradcheck_screen import GradCheckScreen

GRADIENT_3 = 8  # input, s/a ×3, C, δ(3), δ(2), δ(1), then ∇W(3): the 9th step


def status(app: TutorApp) -> str:
    """The status line: the first row of the screen."""
    return screen_text(app).splitlines()[0]


@pilot_test
async def test_g_on_a_gradient_step_shows_that_layers_check(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right"] * GRADIENT_3)
        assert "∇W(3), ∇b(3)" in status(app)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GradCheckScreen)
        text = screen_text(app)
        assert "∇W(3), ∇b(3): backprop vs (C(θ+h) − C(θ−h)) / 2h, h = 1e-6, float64" in text
        for entry in ("W(3)[1,1]", "W(3)[3,2]", "b(3)[3]"):
            assert entry in text
        assert "W(2)" not in text and "W(1)" not in text  # only this layer's entries
        assert "9 parameters (every entry of W(3), b(3)): 9 agree, 0 disagree" in text
        assert re.search(r"W\(3\)\[1,1\] │ +6\.0 │ +6\.0 │", text)  # ∂C/∂W(3)[1,1] = a(2)₁ δ(3)₁ ≈ 6 both ways
        await pilot.press("escape")
        assert not isinstance(app.screen, GradCheckScreen)


@pilot_test
async def test_exact_check_shows_agreeing_digits(hand_exact):
    app = TutorApp(hand_exact, digits=6)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right"] * (GRADIENT_3 + 1))  # ∇W(2)
        await pilot.press("g")
        await pilot.pause()
        text = screen_text(app)
        assert "∇W(2), ∇b(2)" in text and "h = 1e-25, exact" in text and "digits agree" in text
        assert re.search(r"W\(2\)\[1,1\] │ +9\.8963e-32 │ +9\.8963e-32 │", text)  # δ(2)₁ a(1)₁: tiny, certain
        assert "6 parameters (every entry of W(2), b(2)): 6 agree" in text


@pilot_test
async def test_g_elsewhere_says_where_it_works(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right", "g")
        await pilot.pause()
        assert not isinstance(app.screen, GradCheckScreen)
        assert any("step to a ∇W(l), ∇b(l) step first" in str(n.message) for n in app._notifications)


@pilot_test
async def test_g_on_a_500_sample_mnist_trace_checks_a_sample_of_w1(mnist_trace_path):
    from backprop_tutor.trace.store import TraceFile

    with TraceFile(mnist_trace_path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("end", *["left"] * 4)  # the last ∇: ∇W(1), ∇b(1)
            assert "∇W(1), ∇b(1)" in status(app)
            await pilot.press("g")
            await pilot.pause()
            assert "h = 1e-6, float64" in screen_text(app)  # a float32 trace is checked in float64
            summary = str(app.screen.query_one("#gradcheck-summary", Static).content).replace("\n", " ")
            assert "24 parameters (a random sample of 24 of the 78,500 of W(1), b(1), seed 0)" in summary
            assert "0 disagree" in summary
