"""Pilot tests: press keys, read the screen."""

from __future__ import annotations

import re
import shutil

import h5py
import pytest
from damage import damage_chunk
from textual.widgets import Static
from tui_helpers import pilot_test, screen_text

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.errors import TraceError
from backprop_tutor.render.markdown import trace_to_markdown
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.trace.events import Gradient
from backprop_tutor.trace.store import TraceFile, write_trace
from backprop_tutor.tui.app import TutorApp
from backprop_tutor.tui.detail_screens import FullViewScreen, NeuronScreen
from backprop_tutor.tui.help_screen import HelpScreen
from backprop_tutor.tui.network_diagram import Neuron
from backprop_tutor.tui.practice import PracticeApp
from backprop_tutor.worksheet.model import build_worksheet
from backprop_tutor.worksheet.tables import worksheet_tables


def status(app: TutorApp) -> str:
    return str(app.query_one("#status", Static).content)


def neuron_text(app: TutorApp, selector: str) -> str:
    return str(app.query_one(selector, Neuron).content).strip()


def step_panel(app: TutorApp) -> str:
    return str(app.query_one("#step-panel", Static).content)


@pilot_test
async def test_arrow_keys_walk_the_hand_example(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        assert status(app).startswith("step 1 of 14 · forward")
        await pilot.press("right", "right")
        assert status(app).startswith("step 3 of 14 · forward · s(2)")
        assert "[[1, -2], [3, 4]]·[5, 0] + [1, 0]" in step_panel(app)
        assert neuron_text(app, "#neuron-2-1") == "s=15 a=15 a'=1"
        assert app.query_one("#neuron-2-1", Neuron).current
        await pilot.press("l", "l", "l", "l", "l")  # vi keys too
        assert status(app).startswith("step 8 of 14 · backward · δ(1)")
        await pilot.press("h")
        assert status(app).startswith("step 7 of 14")
        await pilot.press("end")
        assert status(app).startswith("step 14 of 14 · update")
        await pilot.press("right")  # past the end: stays
        assert status(app).startswith("step 14 of 14")
        await pilot.press("home")
        assert status(app).startswith("step 1 of 14")


@pilot_test
async def test_stepping_back_restores_the_screen(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right", "right", "right", "right", "right")
        await pilot.pause()
        before = screen_text(app)
        await pilot.press("right", "right", "left", "left")
        await pilot.pause()
        assert screen_text(app) == before


@pilot_test
async def test_exact_mode_shows_delta_2(hand_exact):
    app = TutorApp(hand_exact)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(6):
            await pilot.press("right")
        assert "δ(2)" in status(app) and "exact" in status(app)
        assert "= [1.98e-32, 1.0]" in step_panel(app)
        assert neuron_text(app, "#neuron-2-0") == "1.98e-32"


@pilot_test
async def test_layer_keys_and_digits(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down")
        assert "s(2)" in status(app)
        await pilot.press("j")
        assert "s(3)" in status(app)
        await pilot.press("k")
        assert "s(2)" in status(app)
        await pilot.press("j")  # s(3): a(3) = [1.0, 1.98e-32, 4.14e-8]
        assert "4.14e-8]" in step_panel(app)
        await pilot.press("d")
        assert "6 digits" in status(app)
        assert "4.13994e-8]" in step_panel(app)
        await pilot.press("d")
        assert "full digits" in status(app)
        assert "4.1399375473943306e-08" in step_panel(app) or "4.1399375473943306e-8" in step_panel(app)
        await pilot.press("d")
        assert "3 digits" in status(app)


async def export_at(app: TutorApp, step: int, sample: int = 0, digits_presses: int = 0) -> tuple[str, str]:
    """Drive the UI to (step, sample), press e; (the file's name, its text). Checks the path is shown."""
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*(["right"] * step), *(["right_square_bracket"] * sample), *(["d"] * digits_presses))
        await pilot.press("e")
        await pilot.pause()
        path = app.export_path()
        assert path.is_absolute() and any(str(path) in str(n.message) for n in app._notifications)
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
        shown = app.view.tables
    sheet = build_worksheet(app.trace, sample, step)
    assert shown == worksheet_tables(sheet, app.digits)  # the screen shows the model's worksheet …
    return path.name, path.read_text()


@pilot_test
async def test_export_writes_the_worksheet_on_screen(hand_float64, tmp_path):
    name, text = await export_at(TutorApp(hand_float64, export_dir=tmp_path), step=2)
    assert name == "hand-backprop-sample0-step3.md"
    assert text == trace_to_markdown(hand_float64, upto=2)  # … and the file is that worksheet
    assert "| 2 | [6, 15] | [6, 15] | [1, 1] |" in text and "[42, -31, 25]" not in text


@pilot_test
async def test_export_at_every_step_of_a_trace_group_in_6_digits(hand_exact, tmp_path):
    with h5py.File(tmp_path / "hand.h5", "w") as f:
        write_trace(f.create_group("epoch1-batch2"), hand_exact)
    with TraceFile(tmp_path / "hand.h5", "epoch1-batch2") as tf:
        for step in (8, 13):
            out = tmp_path / f"out{step}"
            name, text = await export_at(TutorApp(tf, export_dir=out), step=step, digits_presses=1)
            assert name == f"hand-epoch1-batch2-sample0-step{step + 1}.md"
            assert text == trace_to_markdown(tf, digits=6, upto=step)
    assert "| 3 | [1.0, 1.97926e-32, -1.0] | [6.0, 15.0]<br>[1.18756e-31, 2.96889e-31]<br>[-6.0, -15.0] |" in text


@pilot_test
async def test_export_of_the_mnist_minibatch_is_the_samples_worksheet(mnist_trace_path, tmp_path):
    with TraceFile(mnist_trace_path) as tf:
        step = tf.find(Gradient, 2)
        name, text = await export_at(TutorApp(tf, export_dir=tmp_path), step=step, sample=3)
        assert name == f"mnist-batch-sample3-step{step + 1}.md"
        assert text == trace_to_markdown(tf, sample=3, upto=step)
    assert "sample 3 (of 500, numbered from 0)" in text and "minibatch mean of C over 500 samples" in text
    assert "| 2 | [" in text and "50×100: min " in text  # δ(2) written out, ∇W(2) summarised


@pilot_test
async def test_click_on_a_neuron_shows_its_values(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(4):
            await pilot.press("right")
        await pilot.click("#neuron-1-0")
        await pilot.pause()
        assert isinstance(app.screen, NeuronScreen)
        rows = dict(app.screen.rows)
        assert rows["s(1)[1]"] == "5" and rows["a(1)[1]"] == "5" and rows["δ(1)[1]"] == "not yet"
        await pilot.press("escape")
        assert app.selected == (1, 0)
        assert app.query_one("#neuron-1-0", Neuron).selected


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
@pilot_test
async def test_neuron_values_are_drawn_in_the_box(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right", "right")
        await pilot.click("#neuron-1-0")
        await pilot.pause()
        drawn = screen_text(app)
        assert "layer 1, unit 1" in drawn
        for name, value in (("s(1)[1]", "5"), ("a'(1)[1]", "1"), ("δ(1)[1]", "not yet"),
                            ("row 1 of W(1)", "[1, -2, 1]")):
            assert re.search(rf"{re.escape(name)}\s+{re.escape(value)}", drawn), (name, drawn)


@pilot_test
async def test_help_full_view_palette_and_quit(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("right", "f")
        assert isinstance(app.screen, FullViewScreen)
        assert any(name.startswith("s(1)") for name, _ in app.screen.arrays)
        await pilot.press("escape")
        await pilot.press("space")
        assert app.playing and "playing" in status(app)
        await pilot.press("space")
        assert not app.playing
        await pilot.press("q")
    assert app.return_code == 0


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (120, 40)])
@pilot_test
async def test_small_terminals_keep_status_step_and_footer(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right", "right", "right", "right")
        await pilot.pause()
        text = screen_text(app).splitlines()
        assert len(text) == size[1] and all(len(line) == size[0] for line in text)
        assert text[0].lstrip().startswith("step 7 of 14")
        assert "Next" in text[-1]
        assert "δ(2) = a'(2) ⊙ (W(3)ᵀ δ(3))" in "\n".join(text)


@pilot_test
async def test_mnist_trace_sample_switching_and_image(mnist_trace_path):
    with TraceFile(mnist_trace_path) as tf:
        app = TutorApp(tf)
        async with app.run_test(size=(100, 30)) as pilot:
            assert "sample 0 of 0–499" in status(app)
            image = app.query_one("#layer-0 .image", Static)
            # 28×28 pixels, two rows per line; at half size on 30 rows, where 14 lines do not fit the pane
            assert image.display and image.size.width == 14 and image.size.height == 7
            await pilot.resize_terminal(160, 48)
            await pilot.pause()
            assert image.display and image.size.width == 28 and image.size.height == 14
            await pilot.resize_terminal(100, 30)
            before = step_panel(app)
            await pilot.press("right_square_bracket")
            assert "sample 1 of 0–499" in status(app)
            assert step_panel(app) != before  # another digit
            await pilot.press("left_square_bracket", "left_square_bracket")
            assert "sample 499 of 0–499" in status(app)
            for _ in range(6):
                await pilot.press("right")
            assert "δ(4)" in status(app)
            assert app.source.bytes_read < 2_000_000


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pilot_test
async def test_footer_always_shows_help_quit_and_export(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()  # Textual's Footer fills in after the first idle, which the pause waits for
        footer = screen_text(app).splitlines()[-1]
        for key in ("? Help", "q Quit", "e Export", "→ Next"):
            assert key in footer, footer


def top_line(app: TutorApp) -> str:
    return screen_text(app).splitlines()[0].strip()


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
@pilot_test
async def test_layer_keys_stay_in_the_phase(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        walk = [  # (keys, the step the status line then names)
            (["right"] * 7, "step 8 of 14 · backward · δ(1)"),
            (["up"], "step 7 of 14 · backward · δ(2)"),
            (["up"], "step 6 of 14 · backward · δ(3)"),
            (["up"], "step 6 of 14 · backward · δ(3)"),  # the first δ: stays (and rings)
            (["down"], "step 7 of 14 · backward · δ(2)"),  # ↓ goes on with the backward pass
            (["left", "left"], "step 5 of 14 · loss"),
            (["up"], "step 5 of 14 · loss"),
            (["down"], "step 5 of 14 · loss"),
            (["right"] * 6, "step 11 of 14 · backward · ∇W(1)"),
            (["down"], "step 11 of 14 · backward · ∇W(1)"),  # the last gradient: not the input, not an update
            (["up"], "step 10 of 14 · backward · ∇W(2)"),
            (["end"], "step 14 of 14 · update · W(1)"),
            (["up"], "step 13 of 14 · update · W(2)"),
            (["home", "down"], "step 2 of 14 · forward · s(1)"),
        ]
        for keys, expected in walk:
            await pilot.press(*keys)
            await pilot.pause()
            assert top_line(app).startswith(expected), (keys, top_line(app))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
@pilot_test
async def test_help_explains_keys_symbols_and_numbers(hand_float64, size):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        seen = screen_text(app)
        for _ in range(12):  # scroll the help to its end, keeping what was drawn on the way
            await pilot.press("pagedown")
            await pilot.pause()
            seen += screen_text(app)
        for text in ("phase", "⊙", "elementwise", "transpose", "∇a C", "Jacobian", "‖ΔW(l)‖", "exactly 5",
                     "1.0", "rounded", "from 1", "from 0", "PgDn", "+ / −", "n / p"):
            assert text in seen, text


@pytest.mark.parametrize(("size", "steps", "hidden"), [
    ((80, 24), 5, "δ(3) = A ∇a C"),  # the output δ the long way: its last lines
    ((80, 24), 11, "= [-0.5, -4, -1.5]"),  # step 12: the W(3) update's b(3) result
])
@pilot_test
async def test_step_panel_scrolls_with_the_keyboard(hand_float64, size, steps, hidden):
    app = TutorApp(hand_float64)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * steps)
        await pilot.pause()
        drawn = screen_text(app)
        assert hidden not in drawn
        assert "▼ PgDn: more below" in drawn  # the step panel's title says there is more, and how to see it
        for _ in range(3):
            await pilot.press("pagedown")
            await pilot.pause()
        drawn = screen_text(app)
        assert hidden in drawn and "▲ PgUp" in drawn and "PgDn" not in drawn
        await pilot.press("right", "left")  # a step starts at its first line again
        await pilot.pause()
        assert "▼ PgDn: more below" in screen_text(app)


@pilot_test
async def test_play_pauses_on_a_step_key_and_changes_speed(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        # on a loaded machine a 0.8 s tick may come before the pause returns: any step, as long as it plays
        assert re.search(r"▶ playing 0\.8 s/step · step \d+ of 14", top_line(app)), top_line(app)
        await pilot.press("plus")
        await pilot.pause()
        assert "▶ playing 0.5 s/step" in top_line(app)
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert "▶ playing 1.2 s/step" in top_line(app)
        await pilot.press("right")
        await pilot.pause()
        paused = top_line(app)
        assert "playing" not in paused and paused.startswith("step ")
        await pilot.pause(1.4)  # longer than a 1.2 s tick: paused, so still the same step
        assert top_line(app) == paused


@pytest.mark.parametrize("app_class", ["viewer", "practice"])
@pilot_test
async def test_a_play_tick_while_the_app_shuts_down_does_nothing(hand_float64, app_class):
    """The play timer runs until the app's very end, after its screens' widgets are gone: a tick then (quitting
    while playing) used to draw a step and raise NoMatches for the status line."""
    app = TutorApp(hand_float64) if app_class == "viewer" else PracticeApp(
        PracticeSession(reference_for(load_spec(resolve_example("hand-backprop"))), spec="hand-backprop"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        assert app.playing
    step = app.step
    app._timer._callback()  # the timer's own callback, as it would fire during the shutdown
    assert app.step == step and app._exception is None


def _damage_a_later_step(path):
    """Damage the first compressed array after event 0: the file passes the checks on open (they read no array)
    and fails when that step is shown."""
    with h5py.File(path, "r") as f:
        events = f["events"]
        chunked = next(ds.name for name in sorted(events)[1:] for ds in events[name].values()
                       if isinstance(ds, h5py.Dataset) and ds.chunks)
    damage_chunk(path, chunked)


@pilot_test
async def test_a_damaged_step_ends_the_viewer_with_the_file_named_not_a_traceback(mnist_trace_path, tmp_path):
    path = tmp_path / "damaged.h5"
    shutil.copyfile(mnist_trace_path, path)
    _damage_a_later_step(path)
    with TraceFile(path) as trace:
        app = TutorApp(trace)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*["right"] * 8)
        assert app.return_code == 2 and app._exception is None  # ended, without Textual's traceback
        assert isinstance(app.bad_input, TraceError) and f"{path}: damaged trace: event " in str(app.bad_input)


@pilot_test
async def test_a_terminal_too_small_says_so(hand_float64):
    app = TutorApp(hand_float64)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        drawn = screen_text(app)
        assert "terminal too small: 40×12 (need 60×18)" in drawn
        assert "W(1)" not in drawn and "Next" not in drawn  # no half-drawn layout around it
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        drawn = screen_text(app)
        assert "too small" not in drawn and top_line(app).startswith("step 1 of 14") and "q Quit" in drawn
