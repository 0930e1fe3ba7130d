"""The finite-difference check of one layer's gradient, on a ∇W(l) step (key g).

The step's network is rebuilt from the trace (W(l), b(l) before the update, the minibatch x, y) and
each entry of ∇W(l), ∇b(l) (a sample of them in a big layer) is compared with the central difference
(C(θ+h) − C(θ−h)) / 2h: the table `tutor gradcheck` prints, for this layer only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from backprop_tutor.notation import cell_text
from backprop_tutor.trace.events import Gradient

if TYPE_CHECKING:
    from backprop_tutor.engine.gradcheck import GradCheck

#: Entries of a layer checked at most (two forward passes of the whole minibatch each).
MOST_ENTRIES = 24


class GradCheckScreen(ModalScreen[None]):
    """Backprop vs finite differences for the entries of W(l), b(l) of one layer."""

    BINDINGS: ClassVar = [("escape", "dismiss", "Close"), ("g", "dismiss", "Close"), ("q", "dismiss", "Close")]
    DEFAULT_CSS = """
    GradCheckScreen { align: center middle; }
    #gradcheck-body { width: 95%; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, layer: int, check: GradCheck, digits: int | None) -> None:
        super().__init__()
        self.layer_number = layer
        self.check = check
        self.digits = digits

    def compose(self) -> ComposeResult:
        from backprop_tutor.render.gradcheck import check_table, h_text, summary_lines

        l, check = self.layer_number, self.check
        with VerticalScroll(id="gradcheck-body") as body:
            body.border_title = (f"{cell_text('∇W', l)}, {cell_text('∇b', l)}: backprop vs (C(θ+h) − C(θ−h)) / 2h, "
                                 f"h = {h_text(check.h)}, {check.precision}")
            body.border_subtitle = "arrows scroll · escape to close"
            yield Static(check_table(check, self.digits), id="gradcheck-table")
            yield Static("\n".join(summary_lines(check, seed=0, layer=l)), id="gradcheck-summary")


def layer_check(trace: Any, layer: int) -> GradCheck:
    """The check of layer ``layer``'s entries (at most MOST_ENTRIES, drawn with seed 0) for the trace's step."""
    from backprop_tutor.engine.gradcheck import check_gradients, sample_parameters, step_from_trace

    step = step_from_trace(trace)
    params = sample_parameters(step.network, MOST_ENTRIES, seed=0, layer=layer)
    return check_gradients(step.network, step.x, step.y, params, l2=step.l2)


def open_gradcheck(app: Any) -> None:
    """Key g: on a ∇W(l) step, push the check of layer l; elsewhere say where it works."""
    info = app.source.info(app.step)
    if info.cls is not Gradient:
        app.notify("g checks a layer's gradient against finite differences: step to a ∇W(l), ∇b(l) step first",
                   timeout=3)
        return
    try:
        check = layer_check(app.trace, info.layer)
    except ValueError as err:  # a trace without the update or input events
        app.notify(str(err), severity="error")
        return
    app.push_screen(GradCheckScreen(info.layer, check, app.digits))
