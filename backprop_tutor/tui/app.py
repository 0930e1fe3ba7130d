"""The step-through UI: replay a trace one event at a time with the arrow keys.

The app's state is four watched attributes (step, sample, digits, selected neuron) plus "playing";
the screen is a function of them (`StepModel.view`), so stepping back shows exactly what was shown
before. The app only reads the trace, lazily (`TraceSource`): one sample's rows per step.

Entry point: `run_app(trace)` with any `TraceReader` (a `Trace` or a `TraceFile`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from backprop_tutor.errors import TutorError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.render.markdown import tables_to_markdown
from backprop_tutor.trace.events import Delta, Event, Forward, Gradient, Input, Loss, OutputDelta, Update
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.tui.detail_screens import FullViewScreen, NeuronScreen
from backprop_tutor.tui.help_screen import HelpScreen
from backprop_tutor.tui.keys import KeyFooter
from backprop_tutor.tui.messages import NeuronSelected, WeightSelected
from backprop_tutor.tui.network_diagram import NEURON_WIDGETS, NetworkDiagram
from backprop_tutor.tui.sizing import set_border_title, update_in_place
from backprop_tutor.tui.source import TraceSource
from backprop_tutor.tui.step_panel import StepBox, StepPanel
from backprop_tutor.tui.viewmodel import StepModel, StepView, digits_label, next_digits
from backprop_tutor.tui.worksheet import Worksheet

PLAY_SPEEDS = (2.0, 1.2, 0.8, 0.5, 0.3, 0.15)  # seconds per step when playing; + and − move along
DIAGRAM_SHARE = {False: 0.45, True: 0.40}  # of the terminal's rows, by "short" (below 26 rows)
MIN_SIZE = (60, 18)  # columns × rows below which the screen says so instead of drawing a broken layout


#: what ↓/↑ step through: the same quantity layer by layer (a(0) leads the forward pass; δ(L) is the
#: output error, δ(l) a hidden one)
QUANTITY: dict[type[Event], type[Event]] = {Input: Forward, Forward: Forward, Loss: Loss, OutputDelta: Delta,
                                             Delta: Delta, Gradient: Gradient, Update: Update}


def layer_jump(source: TraceSource, step: int, direction: int) -> int | None:
    """The step that computes the same quantity one layer further along this phase (direction +1) or
    one layer back (−1), never leaving the phase: the forward pass goes a(0) → s(1) → … → s(L), the
    backward pass δ(L) → … → δ(1) and ∇W(L) → … → ∇W(1), the update W(L) → … → W(1). None at either end."""
    here = source.info(step)
    same = [info.index for info in source.index
            if info.phase == here.phase and QUANTITY[info.cls] == QUANTITY[here.cls]]
    position = same.index(step) + direction
    return same[position] if 0 <= position < len(same) else None


def layer_end_notice(source: TraceSource, step: int, direction: int) -> str:
    """Why ↓ (direction +1) or ↑ (−1) does not move from ``step``: the phase has no further layer."""
    info = source.info(step)
    if info.cls is Loss:
        return "C is one number, not one per layer: ↓ ↑ move through the layers of a phase, → ← through the steps"
    key, end, other = ("↓", "last", "→ is the next step") if direction > 0 else ("↑", "first", "← is the step before")
    return f"{info.label} is the {end} of its kind in the {info.phase} phase: {key} goes no further ({other})"


def diagram_rows(height: int) -> int:
    """The rows inside the network pane (below its title rule) on a terminal ``height`` rows tall."""
    return int(height * DIAGRAM_SHARE[height < 26]) - 1


def export_stem(trace: TraceReader, title: str | None) -> str:
    """The file stem of exports: the trace file's and its group's, the spec file's, or the title's."""
    path, group = getattr(trace, "path", None), getattr(trace, "group_name", "/")
    if path is not None:
        return Path(path).stem + ("" if group == "/" else "-" + re.sub(r"[^A-Za-z0-9]+", "-", group).strip("-"))
    source = str(trace.header.config.get("source", "")) if isinstance(trace.header.config, dict) else ""
    if source and not source.startswith("<"):
        return Path(source).stem.replace("_", "-")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title or trace.header.title).strip("-").lower()
    return slug[:40] or "trace"


# The themes the palette offers: those in which every text the app draws reaches WCAG AA (4.5:1) against its
# background, measured by tests/tui/test_contrast.py. The others (the light ones, nord, gruvbox, solarized,
# atom-one, monokai, flexoki, tokyo-night, catppuccin-frappe, the ansi ones) draw some text below 4.5:1.
READABLE_THEMES = ("textual-dark", "catppuccin-mocha", "catppuccin-macchiato", "dracula", "rose-pine",
                   "rose-pine-moon")


class TutorApp(App[None]):
    """Step through one trace: network diagram, step panel, worksheet, status line, footer."""

    CSS_PATH = "app.tcss"

    # help, quit and export first (as nano does): the footer is cut at the right on a narrow terminal
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("e", "export", "Export"),
        Binding("right,l", "step(1)", "Next", key_display="→"),
        Binding("left,h", "step(-1)", "Back", key_display="←"),
        Binding("down,j", "layer(1)", "Layer", key_display="↓↑"),
        Binding("up,k", "layer(-1)", "Layer", key_display="↑", show=False),
        Binding("home", "go(0)", "First", show=False),
        Binding("end", "go(-1)", "Last", show=False),
        Binding("space", "play", "Play"),
        Binding("right_square_bracket", "sample(1)", "Sample", key_display="[]"),
        Binding("left_square_bracket", "sample(-1)", "Sample−", key_display="[", show=False),
        Binding("d", "digits", "Digits"),
        Binding("f", "full_view", "Full"),
        Binding("g", "gradcheck", "Check ∇"),  # issue 10: finite differences on a ∇W(l) step
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+", show=False),
        Binding("minus", "speed(-1)", "Slower", key_display="−", show=False),
        Binding("pagedown,shift+down", "scroll_step(1)", "Step panel down", key_display="PgDn", show=False),
        Binding("pageup,shift+up", "scroll_step(-1)", "Step panel up", key_display="PgUp", show=False),
        Binding("n", "unit(1)", "Next neuron", show=False),
        Binding("p", "unit(-1)", "Previous neuron", show=False),
        Binding("enter", "open_unit", "Neuron values", show=False),
        Binding("greater_than_sign", "pan(1)", "Columns right", key_display=">", show=False),
        Binding("less_than_sign", "pan(-1)", "Columns left", key_display="<", show=False),
        Binding("w", "chain", "Chain"),  # issue 13: ∂C/∂W(l)[i,j] for one weight
        Binding("s", "neuron_sum", "Sum"),  # issue 13: s(l)[j] term by term
        Binding("colon", "jump('step')", "Go to", key_display=":"),  # issue 13: jump keys
        Binding("number_sign", "jump('sample')", "Go to sample", show=False),
        Binding("m", "misclassified", "Next wrong", show=False),
        Binding("i", "weight_images", "W(1) images", show=False),
        Binding("t", "toggle_worksheet", "Worksheet", show=False),  # issue 18: room for the step at 80×24
    ]

    # vars, not reactives: the watchers redraw what changed (a reactive of the App repaints the whole screen)
    step: var[int] = var(0, init=False)
    sample: var[int] = var(0, init=False)
    digits: var[int | None] = var(3, init=False)
    selected: var[tuple[int, int] | None] = var(None, init=False)
    playing: var[bool] = var(False, init=False)

    def __init__(self, trace: TraceReader, *, digits: int | None = 3, title: str | None = None,
                 export_dir: Path | None = None, sample: int = 0) -> None:
        super().__init__()
        for theme in set(self.available_themes) - set(READABLE_THEMES):
            self.unregister_theme(theme)
        self.trace = trace
        self.source = TraceSource(trace)
        self.model = StepModel(self.source)
        self.pan = 0  # columns the user moved the diagram by (> and <); a new step starts at 0
        self.export_dir = export_dir
        self.trace_title = title or trace.header.title or "backprop_tutor"
        self.title = self.trace_title
        self._timer: Timer | None = None
        self.speed = PLAY_SPEEDS.index(0.8)
        self._shown: tuple[int, int, int | None] | None = None  # (step, sample, digits) on screen
        self._step_title = "step"
        self._columns = 0  # the terminal's width, from the last resize event
        #: bad input found during the session (a damaged part of the trace, read when its step is shown): the app
        #: ends and `run_to_end` raises it, so the command says it as every command does, exit 2
        self.bad_input: TutorError | None = None
        self.set_reactive(TutorApp.digits, digits)
        self.set_reactive(TutorApp.sample, min(max(0, sample), self.source.samples - 1))

    # layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self._size_classes(*self.size)  # before the widgets get their styles: the first resize changes nothing
        yield Static(id="too-small")
        yield Static(id="status")
        with Container(id="diagram-box") as box:
            box.border_title = self.trace_title
            box.can_focus = False
            yield NetworkDiagram(self.source.sizes, self.diagram_rows(self.size.height), id="diagram")
        with StepBox(id="step-box") as box:
            box.border_title = "step"
            box.can_focus = False
            yield StepPanel(id="step-panel")
        worksheet = Worksheet(id="worksheet")
        worksheet.border_title = "worksheet"
        yield worksheet
        yield KeyFooter.for_width(self.size.width)  # as many keys as fit, a newcomer's first (`keys`)

    def on_mount(self) -> None:
        if len(self.source) == 0:
            self.exit(message="this trace has no events")
            return
        self._timer = self.set_interval(PLAY_SPEEDS[self.speed], self._play_tick, pause=True)
        box = self.query_one("#step-box", VerticalScroll)
        for attribute in ("virtual_size", "size", "scroll_y"):  # the panel's title follows every layout and scroll
            self.watch(box, attribute, lambda *_: self.call_after_refresh(self._mark_step_overflow), init=False)
        self._fit_diagram(*self.size)
        self.refresh_view()

    def diagram_rows(self, height: int) -> int:
        """The network pane's rows on a terminal ``height`` rows tall (fewer where a mode adds panels of its own)."""
        return diagram_rows(height)

    def _fit_diagram(self, width: int, height: int) -> None:
        """Give the network diagram its share of the rows, and tell it (and the model) what fits there."""
        box = self.query_one("#diagram-box", Container)
        box.styles.max_height = self.diagram_rows(height) + box.styles.border.spacing.height
        diagram = self.query_one(NetworkDiagram)
        diagram.rows = self.diagram_rows(height)
        diagram.width_cells = width - box.styles.padding.width
        self.model.resize(min(diagram.rows - 3, NEURON_WIDGETS - 2))  # a title and "↑ …", "↓ …" rows

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self._columns = width  # App.size may still hold the size before this event
        if self._timer is not None:  # mounted
            self._fit_diagram(width, height)
            self.refresh_view()
        too_small = self._size_classes(width, height)
        if too_small:
            self.query_one("#too-small", Static).update(
                f"terminal too small: {width}×{height} (need {MIN_SIZE[0]}×{MIN_SIZE[1]})\n"
                "make the window larger, or press q to quit")

    def _size_classes(self, width: int, height: int) -> bool:
        """The main screen's classes for a terminal ``width`` × ``height``, set at once (each change of them
        styles every widget again); whether the terminal is too small."""
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.screen_stack[0].update_classes({"narrow": width < 90, "short": height < 26, "too-small": too_small})
        return too_small

    # drawing -----------------------------------------------------------------------------------
    @property
    def view(self) -> StepView:
        return self.model.view(self.step, self.sample, self.digits, self.selected)

    def refresh_view(self) -> None:
        view = self.view
        # playing first: the end of a long status line is cut on a narrow terminal
        playing = f"▶ playing {PLAY_SPEEDS[self.speed]:g} s/step · " if self.playing else ""
        status = playing + view.status_for((self._columns or self.size.width) - 2 - len(playing))  # 2: padding
        update_in_place(self.query_one("#status", Static), status)
        self._show_diagram(view)
        self.query_one(StepPanel).show(view.equations)
        box = self.query_one("#step-box", VerticalScroll)
        self._step_title = f"step {view.step + 1}: {view.label}"
        if (view.step, view.sample, view.digits) != self._shown:  # a new step starts at its first line
            self._shown = (view.step, view.sample, view.digits)
            box.scroll_home(animate=False, immediate=True)
        self._mark_step_overflow()  # as the box is laid out now, and again once the new step is
        self.call_after_refresh(self._mark_step_overflow)
        self.query_one(Worksheet).show(view.tables)

    def _show_diagram(self, view: StepView) -> None:
        def views_at(d: int | None):  # the diagram's columns written with d digits (when they do not fit)
            if d == view.digits:
                return view.columns, view.weights
            step = self.diagram_step()
            return (self.model.columns(step, view.sample, d, self.selected),
                    self.model.weight_views(step, d, self.selected))

        plan = self.query_one(NetworkDiagram).show(views_at, view.digits, self.pan)
        # the notes first: a long title is cut at the right
        notes = [f"{digits_label(plan.digits)} to fit" if plan.digits != view.digits else "",
                 "< > more columns" if plan.hidden_left or plan.hidden_right else ""]
        set_border_title(self.query_one("#diagram-box"), " · ".join([*filter(None, notes), self.trace_title]))

    def diagram_step(self) -> int:
        """The step whose values the network diagram draws (`tutor practice`: the one before, until the
        step's values are typed)."""
        return self.step

    def watch_step(self) -> None:
        self.pan = 0
        self.refresh_view()

    def watch_sample(self) -> None:
        self.refresh_view()

    def watch_digits(self) -> None:
        self.refresh_view()

    def watch_selected(self) -> None:
        self.refresh_view()

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            self._timer.resume() if playing else self._timer.pause()
        self.refresh_view()

    # actions -----------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        self.playing = False  # a step by hand takes over from play
        target = self.step + delta
        if 0 <= target < len(self.source):
            self.step = target
        else:
            self.bell()

    def action_go(self, step: int) -> None:
        self.step = step % len(self.source)

    def action_layer(self, direction: int) -> None:
        target = layer_jump(self.source, self.step, direction)
        if target is None:
            self.bell()
            self.notify(layer_end_notice(self.source, self.step, direction), timeout=3)
        else:
            self.step = target

    def action_play(self) -> None:
        if not self.playing and self.step == len(self.source) - 1:
            self.step = 0
        self.playing = not self.playing

    def _handle_exception(self, error: Exception) -> None:
        """Textual's end for an exception in a handler (a traceback), except for bad input: a trace whose arrays
        are damaged passes the checks on open and fails only when a step reads them; the app then ends at once
        and the error is said by `run_to_end`'s caller, naming the file."""
        if isinstance(error, TutorError):
            self.bad_input = self.bad_input or error
            self.exit(return_code=2)
            return
        super()._handle_exception(error)

    def _play_tick(self) -> None:
        """The play timer's tick. None once the app is shutting down: its timers still run while its screens'
        widgets are removed, and a step drawn then found no status line (a traceback on quitting while playing)."""
        if self.is_running:
            self._tick()

    def _tick(self) -> None:
        if self.step < len(self.source) - 1:
            self.step += 1
        else:
            self.playing = False

    def action_speed(self, change: int) -> None:
        faster = min(max(0, self.speed + change), len(PLAY_SPEEDS) - 1)
        if faster == self.speed:
            self.bell()
            return
        self.speed = faster
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(PLAY_SPEEDS[self.speed], self._play_tick, pause=not self.playing)
        self.notify(f"play: {PLAY_SPEEDS[self.speed]:g} s per step", timeout=1.5)
        self.refresh_view()

    def action_scroll_step(self, pages: int) -> None:
        box = self.query_one("#step-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + pages * max(1, box.scrollable_content_region.height - 1), animate=False,
                      immediate=True)
        self._mark_step_overflow()

    def _mark_step_overflow(self) -> None:
        """Say on the step panel's border when some of its lines are out of view, and which key shows them."""
        box = self.query_one("#step-box", VerticalScroll)
        below, above = box.scroll_y < box.max_scroll_y, box.scroll_y > 0
        hints = (["▲ PgUp"] if above else []) + (["▼ PgDn: more below"] if below else []) + (
            ["t: worksheet"] if self.screen_stack[0].has_class("no-worksheet") else [])
        set_border_title(box, " · ".join([self._step_title, *hints]))

    def action_toggle_worksheet(self) -> None:
        """Hide the worksheet (the step panel takes its rows) or show it again."""
        self.screen_stack[0].toggle_class("no-worksheet")  # the step panel's title then says how to undo it
        self.call_after_refresh(self._mark_step_overflow)

    def action_sample(self, delta: int) -> None:
        self.sample = (self.sample + delta) % self.source.samples

    def action_digits(self) -> None:
        self.digits = next_digits(self.digits)
        self.notify(digits_label(self.digits), timeout=1.5)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sample" and self.source.samples < 2:
            return False  # one sample: hide [ and ] from the footer
        return True

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_full_view(self) -> None:
        view = self.view
        arrays = self.model.full_view(self.step, self.sample)
        self.push_screen(FullViewScreen(f"step {view.step + 1}: {view.label} · every digit", arrays))

    def action_gradcheck(self) -> None:
        from backprop_tutor.tui.gradcheck_screen import open_gradcheck  # computes only when asked

        open_gradcheck(self)

    def action_chain(self) -> None:
        from backprop_tutor.tui.chain_screen import ChainScreen, start_weight

        ref = start_weight(self.source, self.step, self.selected)
        self.push_screen(ChainScreen(self.source, ref, self.sample, self.digits))

    def on_weight_selected(self, message: WeightSelected) -> None:
        from backprop_tutor.tui.chain_screen import ChainScreen
        from backprop_tutor.worksheet.chain import WeightRef

        ref = WeightRef(message.layer, message.unit, message.input)
        self.push_screen(ChainScreen(self.source, ref, self.sample, self.digits))

    def action_neuron_sum(self) -> None:
        from backprop_tutor.tui.chain_screen import NeuronSumScreen

        layer, unit = self.selected or (max(self.source.info(self.step).layer, 1), 0)
        self.push_screen(NeuronSumScreen(self.source, layer, unit, self.sample, self.digits))

    def action_jump(self, what: str) -> None:
        from backprop_tutor.tui.jump_screen import JumpScreen

        name = f"jump-{what}"
        if not self.is_screen_installed(name):  # one dialog per kind, kept for the next time
            low, high = (1, len(self.source)) if what == "step" else (0, self.source.samples - 1)
            self.install_screen(JumpScreen(what, low, high), name)
        self.get_screen(name).clear()
        if what == "step":  # steps are numbered from 1 on screen, samples from 0
            self.push_screen(name, lambda n: self._go("step", None if n is None else n - 1))
        else:
            self.push_screen(name, lambda n: self._go("sample", n))

    def _go(self, what: str, n: int | None) -> None:
        if n is not None:
            setattr(self, what, n)

    def action_misclassified(self) -> None:
        from backprop_tutor.worksheet.classes import class_label, next_misclassified, predictions

        classes = predictions(self.source)
        k = next_misclassified(self.source, self.sample) if classes is not None else None
        if k is None:
            self.notify("this trace has no classes (m needs softmax with cross-entropy)" if classes is None
                        else "no sample of this minibatch is misclassified")
            return
        target, predicted = classes
        self.sample = k
        self.notify(f"sample {k}: {class_label(self.source.header, int(target[k]))}, predicted "
                    f"{class_label(self.source.header, int(predicted[k]))}", title="misclassified")

    def action_weight_images(self) -> None:
        from backprop_tutor.tui.weight_images import WeightImagesScreen
        from backprop_tutor.worksheet.images import weight_row_images

        unit = self.selected[1] if self.selected and self.selected[0] == 1 else 0
        if not weight_row_images(self.source, unit):
            self.notify("W(1) rows are drawn as images when the input is a square image (e.g. 28×28)")
            return
        self.push_screen(WeightImagesScreen(self.source, unit))

    def on_neuron_selected(self, message: NeuronSelected) -> None:
        self.selected = (message.layer, message.unit)
        self.action_open_unit()

    def action_open_unit(self) -> None:
        if self.selected is None:
            self.action_unit(0)
        layer, unit = self.selected
        rows = self.model.neuron_detail(self.step, self.sample, self.digits, layer, unit)
        title = f"layer {layer}, unit {unit + 1} · step {self.step + 1}"
        self.push_screen(NeuronScreen(title, rows))

    def action_unit(self, delta: int) -> None:
        """Select the next (previous) neuron of the layer this step writes; the column's window follows."""
        layer = self.view.layer if self.source.info(self.step).cls is not Loss else self.source.L
        units = self.source.sizes[layer]
        if self.selected is not None and self.selected[0] == layer:
            self.selected = (layer, (self.selected[1] + delta) % units)
        else:
            self.selected = (layer, 0 if delta >= 0 else units - 1)

    def action_pan(self, direction: int) -> None:
        plan = self.query_one(NetworkDiagram).plan
        if plan is None or not (plan.hidden_right if direction > 0 else plan.hidden_left):
            self.bell()
            return
        self.pan += direction
        self.refresh_view()

    def export_path(self) -> Path:
        """<trace>[-<group>]-sample<K>-step<k>.md: two exports of different steps, samples or groups
        never overwrite each other."""
        folder = Path(self.export_dir) if self.export_dir is not None else Path.cwd()
        stem = export_stem(self.trace, self.trace_title)
        return (folder / f"{stem}-sample{self.sample}-step{self.step + 1}.md").resolve()

    def action_export(self) -> None:
        path = self.export_path()
        try:
            # exactly the worksheet on screen: the same tables, the same digits
            write_text_atomic(path, tables_to_markdown(self.view.heading, self.view.tables))
        except OSError as err:
            self.notify(f"could not write {path}: {err.strerror or err}", severity="error")
            return
        self.notify(f"wrote {path}", title="exported to Markdown")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("First step", "Go to the first step (the input)", lambda: self.action_go(0))
        yield SystemCommand("Last step", "Go to the last step (the last update)", lambda: self.action_go(-1))
        yield SystemCommand("Play / pause", "Step forward at a steady pace", self.action_play)
        yield SystemCommand("More digits", "Cycle 3 → 6 → full digits", self.action_digits)
        yield SystemCommand("Full values", "Every value of this step, scrollable", self.action_full_view)
        yield SystemCommand("Export Markdown", "Write the worksheet tables to a .md file", self.action_export)
        if self.source.samples > 1:
            yield SystemCommand("Next sample", "Show the next sample of the minibatch", lambda: self.action_sample(1))
            yield SystemCommand("Previous sample", "Show the previous sample", lambda: self.action_sample(-1))


def run_app(trace: TraceReader, *, digits: int | None = 3, title: str | None = None,
            export_dir: Path | None = None, sample: int = 0) -> int:
    """Open the step-through UI on ``trace`` (in memory or a TraceFile); when the user quits, return
    the app's exit code (non-zero if it stopped on an error)."""
    return run_to_end(TutorApp(trace, digits=digits, title=title, export_dir=export_dir, sample=sample))


def run_to_end(app: TutorApp) -> int:
    """Run ``app`` until the user quits; its exit code, or the bad input that ended it (raised, for the command to
    say as a message)."""
    app.run()
    if app.bad_input is not None:
        raise app.bad_input
    return app.return_code or 0
