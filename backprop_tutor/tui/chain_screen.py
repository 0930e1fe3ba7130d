"""Key w: the chain rule for one weight, ∂C/∂W(l)[i,j] back through the layers to C, then its update
(`backprop_tutor.worksheet.chain`). The arrow keys pick another weight of W(l), , and . another layer.

Key s: one neuron's computation, s(l)[j] = Σ_i W(l)[j,i] a(l-1)[i] + b(l)[j] with every term
(`backprop_tutor.worksheet.neuron`); ↑/↓ another unit, ←/→ another layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from backprop_tutor.notation import cell_text
from backprop_tutor.render.math import equation_text
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.tui.step_panel import StepPanel
from backprop_tutor.worksheet.chain import WeightRef, chain_equations
from backprop_tutor.worksheet.equations import Equation
from backprop_tutor.worksheet.neuron import neuron_equations


def start_weight(trace: TraceReader, step: int, selected: tuple[int, int] | None) -> WeightRef:
    """The weight the chain-rule view opens on: into the selected neuron, else into unit 1 of the current
    step's layer, else of the output layer (where the chain starts: Mazur's w5 is W(2)₁₁)."""
    if selected is not None and selected[0] >= 1:
        return WeightRef(selected[0], selected[1], 0)
    layer = trace.info(step).layer
    return WeightRef(layer if layer >= 1 else trace.header.L, 0, 0)


class EquationScreen(ModalScreen[None]):
    """A scrollable column of equations drawn as the step panel draws them; ``describe`` gives the box's
    title, subtitle and the equations, and is asked again by ``refresh_equations``."""

    DEFAULT_CSS = """
    /* opaque: a dimmed step behind it would be repainted through the modal, slowly */
    EquationScreen { align: center middle; background: $background; }
    EquationScreen > #equations-body {
        width: 96%; height: 92%; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [Binding("escape,q", "dismiss", "Close"),
                          Binding("home", "scroll(-1)", "Top", show=False),
                          Binding("end", "scroll(1)", "Bottom", show=False),
                          Binding("pageup", "page(-1)", show=False), Binding("pagedown", "page(1)", show=False)]

    def __init__(self, trace: TraceReader, sample: int, digits: int | None,
                 describe: Callable[[], tuple[str, str, list[Equation]]]) -> None:
        super().__init__()
        self.trace, self.sample, self.digits, self.describe = trace, sample, digits, describe

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="equations-body") as body:
            body.can_focus = False
            yield StepPanel(id="equations")

    def on_mount(self) -> None:
        self.refresh_equations()

    def refresh_equations(self) -> None:
        title, subtitle, equations = self.describe()
        body = self.query_one("#equations-body")
        body.border_title, body.border_subtitle = title, subtitle
        self.query_one("#equations", StepPanel).show(tuple(equation_text(eq, self.digits) for eq in equations))

    def action_scroll(self, where: int) -> None:
        body = self.query_one("#equations-body", VerticalScroll)
        body.scroll_home(animate=False) if where < 0 else body.scroll_end(animate=False)

    def action_page(self, direction: int) -> None:
        body = self.query_one("#equations-body", VerticalScroll)
        body.scroll_page_up(animate=False) if direction < 0 else body.scroll_page_down(animate=False)


class ChainScreen(EquationScreen):
    """∂C/∂W(l)[i,j] for one weight; arrows move to the next weight, , and . to the layer before / after."""

    BINDINGS: ClassVar = [Binding("up", "move(0, -1, 0)", "Unit ↑"), Binding("down", "move(0, 1, 0)", "Unit ↓"),
                          Binding("left", "move(0, 0, -1)", "Input ←"), Binding("right", "move(0, 0, 1)", "Input →"),
                          Binding("comma", "move(-1, 0, 0)", "Layer −", key_display=","),
                          Binding("full_stop", "move(1, 0, 0)", "Layer +", key_display=".")]

    def __init__(self, trace: TraceReader, ref: WeightRef, sample: int, digits: int | None) -> None:
        super().__init__(trace, sample, digits, self.content)
        self.ref = ref

    def content(self) -> tuple[str, str, list[Equation]]:
        r = self.ref
        title = (f"chain rule for {cell_text('W', r.layer)} row {r.unit + 1}, column {r.input + 1}: "
                 f"unit {r.input + 1} of layer {r.layer - 1} → unit {r.unit + 1} of layer {r.layer}")
        return title, "↑↓ unit · ←→ input · , . layer · escape", chain_equations(self.trace, r, self.sample)

    def action_move(self, layer: int, unit: int, input_: int) -> None:
        moved = self.ref.moved(list(self.trace.header.sizes), layer, unit, input_)
        if moved == self.ref:
            self.app.bell()
            return
        self.ref = moved
        self.refresh_equations()


class NeuronSumScreen(EquationScreen):
    """s(l)[j] = Σ_i W(l)[j,i] a(l-1)[i] + b(l)[j] for one neuron; ↑/↓ another unit, ←/→ another layer."""

    BINDINGS: ClassVar = [Binding("up", "move(0, -1)", "Unit ↑"), Binding("down", "move(0, 1)", "Unit ↓"),
                          Binding("left", "move(-1, 0)", "Layer −"), Binding("right", "move(1, 0)", "Layer +")]

    def __init__(self, trace: TraceReader, layer: int, unit: int, sample: int, digits: int | None) -> None:
        super().__init__(trace, sample, digits, self.content)
        self.at_layer, self.unit = layer, unit

    def content(self) -> tuple[str, str, list[Equation]]:
        title = f"layer {self.at_layer}, unit {self.unit + 1} (units count from 1) · sample {self.sample}"
        return title, "↑↓ unit · ←→ layer · escape", neuron_equations(self.trace, self.at_layer, self.unit, self.sample)

    def action_move(self, layer: int, unit: int) -> None:
        sizes = list(self.trace.header.sizes)
        l = min(max(0, self.at_layer + layer), len(sizes) - 1)
        j = min(max(0, self.unit + unit), sizes[l] - 1)
        if (l, j) == (self.at_layer, self.unit):
            self.app.bell()
            return
        self.at_layer, self.unit = l, j
        self.refresh_equations()
