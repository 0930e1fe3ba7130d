"""The network diagram as drawn: numbers are never cut at the pane's edge, the step's own columns are
always in view, every unit can be reached, and the diagram uses the rows the terminal has."""

from __future__ import annotations

import contextlib
import re

import numpy as np
import pytest
from tui_helpers import pilot_test, screen_text

from backprop_tutor.numbers.format import fmt
from backprop_tutor.trace import fields
from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.app import TutorApp
from backprop_tutor.tui.detail_screens import NeuronScreen

NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
TOKEN = re.compile(r"[^\s│=]+")


def diagram_lines(app: TutorApp) -> list[str]:
    """The rows of the screen the network pane covers (its title row included)."""
    region = app.query_one("#diagram-box").region
    return screen_text(app).splitlines()[region.y:region.bottom]


def numbers_drawn(lines: list[str]) -> list[str]:
    """Every token of the diagram's ``lines`` (`diagram_lines`) that starts like a number (titles such as a(1)
    and 100×784 excluded)."""
    tokens = [t for line in lines[1:] for t in TOKEN.findall(line)]
    return [t for t in tokens if re.match(r"-?\d", t) and not re.search(r"[×(–]", t)]


def every_way_of_writing(trace) -> set[str]:
    """Each value of the trace written with 1 to 17 significant digits, and in full."""
    written: set[str] = set()
    for event in trace.events:
        for array in event.arrays().values():
            if array is None:
                continue
            for value in np.asarray(array).ravel():
                written.update(fmt(value, d) for d in [*range(1, 18), None])
    return written


@pytest.mark.parametrize(("precision", "size"), [("hand_float64", (80, 24)), ("hand_float64", (100, 30)),
                                                ("hand_float64", (60, 20)), ("hand_exact", (80, 24))])
@pilot_test
async def test_numbers_are_shortened_never_cut(request, precision, size):
    trace = request.getfixturevalue(precision)
    valid = every_way_of_writing(trace)
    app = TutorApp(trace)
    async with app.run_test(size=size) as pilot:
        for digits in (3, None):
            while app.digits != digits:
                await pilot.press("d")
            await pilot.press("home")
            for step in range(len(trace)):
                await pilot.pause()
                lines = diagram_lines(app)
                assert all(len(line) <= size[0] for line in lines)
                for token in numbers_drawn(lines):
                    assert NUMBER.fullmatch(token) and token in valid, (digits, step + 1, token, "\n".join(lines))
                await pilot.press("right")


@pilot_test
async def test_delta_3_keeps_its_exponent_at_80x24(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["right"] * 12)  # step 13: the W(2) update, δ(3) at the right edge before
        await pilot.pause()
        drawn = "\n".join(diagram_lines(app))
        assert "1.98e-32" in drawn or "δ(3)" not in drawn
        assert not re.search(r"1\.98e-3(?!2)", drawn)
        for _ in range(2):  # 6 digits, then full digits: δ(3)₂ whole, or its column left out
            await pilot.press("d")
            await pilot.pause()
            drawn = "\n".join(diagram_lines(app))
            assert not re.search(r"1\.979\d*(e|e-|e-3)?(?![\de-])", drawn), drawn
            assert ("1.97926e-32" in drawn or "1.9792597960067815e-32" in drawn) == ("δ(3)" in drawn), drawn


@pilot_test
async def test_loss_step_labels_y_without_a_layer(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right"] * 4)
        await pilot.pause()
        drawn = "\n".join(diagram_lines(app))
        assert "a(3) y" in drawn and "y(3)" not in drawn


@pytest.fixture(scope="module")
def mnist_app_factory(mnist_trace_path):
    def make() -> tuple[TraceFile, TutorApp]:
        trace = TraceFile(mnist_trace_path)
        return trace, TutorApp(trace)

    return make


def step_of(app: TutorApp, label: str) -> int:
    return next(info.index for info in app.source.index if info.label == label)


@contextlib.asynccontextmanager
async def mnist_at(make, size: tuple[int, int], label: str):
    """The app on the MNIST trace at ``size``, gone to the step labelled ``label``."""
    trace, app = make()
    with trace:
        async with app.run_test(size=size) as pilot:
            app.step = step_of(app, label)
            await pilot.pause()
            yield trace, app, pilot


@pilot_test
async def test_mnist_w1_in_view_at_its_gradient_and_update(mnist_app_factory):
    trace, app = mnist_app_factory()
    with trace:
        async with app.run_test(size=(100, 30)) as pilot:
            for label in ("∇W(1), ∇b(1)", "W(1), b(1) updated", "δ(4)"):
                app.step = step_of(app, label)
                await pilot.pause()
                lines = diagram_lines(app)
                assert "W(1) b(1)" in "\n".join(lines) or label == "δ(4)", (label, "\n".join(lines))
                assert all(len(line) <= 100 for line in lines)
                assert not any(re.search(r"-?0\.$|-$", line.rstrip()) for line in lines)  # no "0." or "-" at the edge
            # δ(4): every one of the 10 output units, each value written whole
            delta = np.asarray(trace.array(step_of(app, "δ(4)"), fields.OUTPUT_DELTA, 0))
            drawn = "\n".join(diagram_lines(app))
            for value in delta:
                assert f" {fmt(value, 3)} " in drawn


@pilot_test
async def test_mnist_columns_left_out_come_back_with_the_keys(mnist_app_factory):
    async with mnist_at(mnist_app_factory, (100, 30), "C") as (_, app, pilot):
        drawn = "\n".join(diagram_lines(app))
        assert "a(0): 28×28" not in drawn and "◂" in drawn and "< > more columns" in drawn
        await pilot.press("less_than_sign", "less_than_sign")
        await pilot.pause()
        assert "a(0): 28×28" in "\n".join(diagram_lines(app))
        await pilot.press("right")  # a new step shows its own columns again
        await pilot.pause()
        assert "δ(4)" in "\n".join(diagram_lines(app))


@pytest.mark.parametrize(("size", "shown"), [((160, 48), 10), ((100, 30), 10), ((80, 24), 5)])
@pilot_test
async def test_mnist_uses_the_rows_there_are(mnist_app_factory, size, shown):
    async with mnist_at(mnist_app_factory, size, "δ(4)") as (trace, app, _):
        drawn = "\n".join(diagram_lines(app))
        delta = np.asarray(trace.array(app.step, fields.OUTPUT_DELTA, 0))
        drawn_units = [f" {fmt(v, 3)} " in drawn for v in delta]
        target = app.model.target_unit(app.step, 0)  # unit 8 (class 7): the output column's window holds it
        assert sum(drawn_units) == shown and drawn_units[target] and target == 7
        assert ("↑ units 1–5" in drawn) == (shown == 5)
        assert len(screen_text(app).splitlines()) == size[1]


@pilot_test
async def test_mnist_any_neuron_can_be_selected_with_the_keyboard(mnist_app_factory):
    async with mnist_at(mnist_app_factory, (100, 30), "s(1), a(1), a'(1)") as (_, app, pilot):
        await pilot.press(*["n"] * 20)  # units 1, 2, …, 20 of layer 1
        await pilot.pause()
        drawn = "\n".join(diagram_lines(app))
        assert re.search(r"↑ units 1–\d+", drawn)  # the window moved down with the selection
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NeuronScreen)
        assert "layer 1, unit 20" in screen_text(app)
        await pilot.press("escape", "p", "p")
        await pilot.pause()
        assert app.selected == (1, 17)
        await pilot.press(*["p"] * 18)  # past unit 1: wraps to unit 100
        await pilot.pause()
        assert app.selected == (1, 99)
        assert "↓ unit" not in "\n".join(diagram_lines(app)).split("W(2)")[0]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
@pilot_test
async def test_update_steps_do_not_repeat_b_as_a_layer(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")  # the W(1), b(1) update
        await pilot.pause()
        titles = diagram_lines(app)[1]
        assert "W(1) b(1) new" in titles and titles.count("b(1)") == 1, titles


@pilot_test
async def test_mnist_a_taller_terminal_shows_more_units(mnist_app_factory):
    async with mnist_at(mnist_app_factory, (80, 24), "s(1), a(1), a'(1)") as (trace, app, pilot):
        a1 = np.asarray(trace.array(app.step, fields.A, 0))
        await pilot.resize_terminal(160, 48)  # which pauses until the new size is laid out
        drawn = "\n".join(diagram_lines(app))
        assert "↓ units 18–100" in drawn  # 17 units of layer 1 now, where 80×24 had room for 5
        assert all(f"a={fmt(v, 3)} " in drawn for v in a1[:17])
