"""Every text the UI draws is readable: its colour against the colour behind it reaches WCAG 2 AA for text
(contrast ratio ≥ 4.5:1), in the terminal and in the browser (`tutor serve` draws the same colours).

The colours are read from the screen as Textual composes it (the theme's variables and the .tcss rules
already resolved and blended), cell by cell, on the main screen at every step, in every dialog, in
practice and in a marked worksheet. Panel titles are checked on their own too, so that a panel whose
title is unreadable is named. What is not text is left out: box and block drawing (borders, scroll bars,
images), and the step behind a dialog, which the dialog dims on purpose."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.geometry import Region
from textual.screen import ModalScreen
from tui_helpers import contrast_ratio, pilot_test, screen_strips

from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.check.templates import render
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.trace.store import TraceFile
from backprop_tutor.tui.answers_overlay import AnswersApp
from backprop_tutor.tui.app import READABLE_THEMES, TutorApp
from backprop_tutor.tui.practice import PracticeApp

AA = 4.5  # WCAG 2.x success criterion 1.4.3, normal-size text (a terminal's bold cell is not "large")
SIZE = (100, 30)
DIM = 0.5  # how strong xterm.js draws dim text (SGR 2); most terminals draw it between 0.5 and 0.66


def test_the_contrast_ratio_is_wcags():
    assert contrast_ratio(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21)
    assert contrast_ratio(Color(255, 255, 255), Color(255, 255, 255)) == 1
    assert contrast_ratio(Color.parse("#767676"), Color.parse("#FFFFFF")) == pytest.approx(4.54, abs=0.01)  # AA's grey


def is_drawing(char: str) -> bool:
    """Not text: blanks, box drawing (borders, rules) and block elements (scroll bars, images)."""
    return char.isspace() or 0x2500 <= ord(char) <= 0x259F


@dataclass(frozen=True)
class Cells:
    """Text drawn in one colour on one background, where it was first seen."""

    text: str
    fg: Color
    bg: Color
    where: str

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.fg, self.bg)

    def __str__(self) -> str:
        return f"{self.text!r} {self.fg.hex} on {self.bg.hex}: {self.ratio:.2f} ({self.where})"


def theme_colors(app) -> tuple[Color, Color]:
    """(text colour, background colour) the theme gives a segment that sets none (read once per screen: building
    the theme's variables took most of this file's CPU when done per segment)."""
    theme = app.get_css_variables()
    return Color.parse(theme["foreground"]), Color.parse(theme["background"])


def segment_colors(segment: Segment, theme: tuple[Color, Color]) -> tuple[Color, Color]:
    """(text colour, background colour) of a segment; unset ones are the theme's foreground and background."""
    style = segment.style
    fg = Color.from_rich_color(style.color) if style and style.color else theme[0]
    bg = Color.from_rich_color(style.bgcolor) if style and style.bgcolor else theme[1]
    if style and style.dim:  # the terminal draws it fainter: xterm.js (the browser) at half strength
        fg = bg.blend(fg, DIM)
    return (bg, fg) if style and style.reverse else (fg, bg)


def dialog_regions(app) -> list[Region]:
    """Where the top screen draws: all of it, or only its boxes when it is a dialog over the step."""
    screen = app.screen
    if isinstance(screen, ModalScreen):
        return [child.region for child in screen.children if child.display]
    return [screen.region]


def drawn_text(app, where: str) -> list[Cells]:
    """Every run of text on the screen with its colours (drawing characters and a dialog's backdrop left out)."""
    regions, theme = dialog_regions(app), theme_colors(app)
    found = []
    for y, strip in enumerate(screen_strips(app)):
        x = 0
        for segment in strip:
            text = segment.text.strip() if not all(map(is_drawing, segment.text)) else ""
            inside = any(region.contains(x, y) for region in regions)
            x += segment.cell_length
            if text and inside:
                fg, bg = segment_colors(segment, theme)
                found.append(Cells(text, fg, bg, f"{where}, row {y}"))
    return found


def unreadable(cells: list[Cells]) -> str:
    """One line per pair of colours below AA, with the first text seen in it ("" when all are readable)."""
    seen: dict[tuple[Color, Color], str] = {}
    for cell in cells:
        if cell.ratio < AA:
            seen.setdefault((cell.fg, cell.bg), str(cell))
    return "\n".join(seen.values())


def panel_titles(app, where: str, cells: list[Cells]) -> list[Cells]:
    """The cells of every panel title on the top screen (a widget's border title, drawn on its top row), among
    the screen's ``cells`` (what `drawn_text` found)."""
    found = []
    for widget in app.screen.query("*"):
        title = str(widget.border_title or "")
        if title and widget.display and widget.region.height:
            row = f"{where}, row {widget.region.y}"
            found += [cell for cell in cells if cell.where == row and cell.text.rstrip("…") in title]
    return found


@dataclass
class Seen:
    """What the test saw on the way: every run of text, the panel titles' cells, the screens' names."""

    cells: list[Cells]
    titles: list[Cells]
    screens: set[str]


async def visit(app, stops: list[tuple[str, tuple[str, ...]]]) -> Seen:
    """What is drawn after each stop's keys (pressed in order, each stop after the previous one)."""
    seen = Seen([], [], set())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for where, keys in stops:
            await pilot.press(*keys)
            await pilot.pause()
            cells = drawn_text(app, where)
            seen.cells += cells
            seen.titles += panel_titles(app, where, cells)
            seen.screens.add(type(app.screen).__name__)
    return seen


def assert_readable(seen: Seen, titles: set[str]) -> None:
    for title in titles:  # the titles were found (and so measured)
        assert any(cell.text.startswith(title) for cell in seen.titles), f"no panel title {title!r} seen"
    assert unreadable(seen.titles) == "", f"panel titles below AA:\n{unreadable(seen.titles)}"
    assert unreadable(seen.cells) == "", f"text below AA:\n{unreadable(seen.cells)}"


STEPS = [(f"step {n}", ("right",) if n > 1 else ()) for n in range(1, 15)]
DIALOGS = [("help", ("question_mark",)), ("help closed", ("escape", "home")),
           ("full view", ("f",)), ("full view closed", ("escape",)),
           ("jump", ("colon",)), ("jump: no such step", ("9", "9", "enter")), ("jump closed", ("escape",)),
           ("neuron sum", ("right", "right", "s")), ("neuron sum closed", ("escape",)),
           ("neuron values", ("n", "enter")), ("neuron values closed", ("escape", "end")),
           ("chain rule", ("w",)), ("chain rule closed", ("escape",)),
           ("gradient check", ("colon", "9", "enter", "g"))]


@pilot_test
async def test_every_step_and_dialog_of_the_hand_example_is_readable(hand_float64):
    seen = await visit(TutorApp(hand_float64), STEPS + DIALOGS)
    assert seen.screens >= {"HelpScreen", "FullViewScreen", "JumpScreen", "NeuronSumScreen", "NeuronScreen",
                            "ChainScreen", "GradCheckScreen"}
    assert_readable(seen, {"worksheet", "step 7: δ(2)", "Hand-worked backprop: 3-2-2-3 ReLU/softmax, one SGD step"})


@pilot_test
async def test_an_mnist_trace_and_its_weight_images_are_readable(mnist_trace_path):
    trace = TraceFile(mnist_trace_path)
    try:
        stops = [("step 1", ()), ("step 3", ("right", "right")), ("C", ("colon", "5", "enter")),
                 ("next wrong", ("m",)), ("update", ("end",)), ("W(1) images", ("i",))]
        seen = await visit(TutorApp(trace), stops)
    finally:
        trace.close()
    assert "WeightImagesScreen" in seen.screens
    assert_readable(seen, {"worksheet"})


@pytest.fixture(scope="module")
def hand_ref():
    return reference_for(load_spec(resolve_example("hand-backprop")))


@pilot_test
async def test_practice_with_right_wrong_and_revealed_values_is_readable(hand_ref):
    stops = [("asked", ("right",)), ("right", (*"[5, -5]", "enter")), ("wrong", (*"[6, 0]", "enter")),
             ("revealed", ("ctrl+r",)), ("details", ("f2",)), ("left the box", ("escape",)), ("help", ("f1",))]
    seen = await visit(PracticeApp(PracticeSession(hand_ref)), stops)
    assert_readable(seen, {"worksheet", "practice", "next steps use the true values shown"})  # marks, answer box


@pilot_test
async def test_a_marked_worksheet_is_readable(hand_ref, hand_float64, tmp_path):
    key = render(hand_ref, "hand-backprop", "md", key=True)  # s(1) = [4, -5]: one root mistake, one carried
    sheet = tmp_path / "mine.md"
    sheet.write_text(key.replace("| 1 | [5, -5] | [5, 0] | [1, 0] |", "| 1 | [4, -5] | [4, 0] | [1, 0] |"))
    seen = await visit(AnswersApp(hand_float64, check_answers(sheet)), STEPS[:4])
    assert_readable(seen, {"worksheet", "your answers: 70 right"})


def test_the_palette_offers_only_the_readable_themes(hand_float64):
    assert sorted(TutorApp(hand_float64).available_themes) == sorted(READABLE_THEMES)


THEME_STOPS = [("step 1", ()), ("step 7", ("colon", "7", "enter")), ("help", ("question_mark",))]
PRACTICE_STOPS = [("asked", ("right",)), ("wrong", (*"[6, 0]", "enter")), ("details", ("f2",))]


@pytest.mark.parametrize("theme", [name for name in READABLE_THEMES if name != "textual-dark"])
@pilot_test
async def test_every_theme_the_palette_offers_is_readable(hand_float64, hand_ref, theme):
    viewer, practice = TutorApp(hand_float64), PracticeApp(PracticeSession(hand_ref))
    viewer.theme = practice.theme = theme
    seen = await visit(viewer, THEME_STOPS)
    assert_readable(seen, {"worksheet", "step 7: δ(2)"})
    assert_readable(await visit(practice, PRACTICE_STOPS), {"worksheet", "practice"})
