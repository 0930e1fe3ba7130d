"""The ? screen: what is on the screen, the keys, the symbols, how numbers are written.

Drawn with Rich renderables built once per process (a Markdown widget took 300–500 ms to open)."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = """\
Each step is one event of the trace, in the order a student works by hand: the input a(0) = x, the \
forward pass s(l), a(l), a'(l) layer by layer, the loss C, the output error δ(L), the hidden errors δ(l) \
from the output back, the gradients ∇W(l), ∇b(l), and the updates W(l) ← W(l) − η ∇W(l)."""

PANES: tuple[tuple[str, str], ...] = (
    ("network", "layers as columns of neurons with W(l) │ b(l) beside them (row j of W(l) holds the weights "
                "into neuron j). The current layer is highlighted; click a neuron (or select it with n/p, "
                "then enter) to see its values. Columns that do not fit are left out whole (◂ ▸ say on "
                "which side), never cut."),
    ("step", "the equation, the same equation with the numbers substituted, and the result"),
    ("worksheet", "the tables you would fill in by hand; the cells written by this step are highlighted"),
)

KEYS: tuple[tuple[str, str], ...] = (
    ("→ or l / ← or h", "next / previous step (stepping back shows exactly what was there); → also pauses play"),
    ("↓ or j / ↑ or k", "the same quantity one layer on / back, staying in this phase: s(1) → s(2) → s(3) "
                        "forward; δ(3) → δ(2) → δ(1), ∇W(3) → ∇W(1), W(3) → W(1) backward and in the update"),
    ("Home / End", "first / last step"),
    ("space", "play / pause"),
    ("+ / −", "play faster / slower"),
    ("PgDn / PgUp", "scroll the step panel (when its lines do not all fit)"),
    ("n / p", "select the next / previous neuron of the current layer (the column follows it)"),
    ("enter", "the selected neuron's values"),
    ("> / <", "show the network columns further right / left, when they do not all fit"),
    ("] / [", "next / previous sample of the minibatch"),
    ("d", "digits: 3 → 6 → full → 3"),
    ("f", "every value of this step, in full (scrollable)"),
    ("t", "hide / show the worksheet (the step panel takes its rows: on a small terminal)"),
    ("g", "on a ∇W(l), ∇b(l) step: the gradient checked against finite differences"),
    ("e", "export the worksheet, as filled in so far, to Markdown"),
    ("w", "the chain rule for one weight (into the selected neuron; or click a weight of W(l)): ∂C/∂W(l)[i,j] = "
          "δ(l)[i] × a(l-1)[j], back through the layers to C, then its update; arrows pick another weight, , and . "
          "another layer"),
    ("s", "the selected neuron's sum s(l)[j] = Σ_i W(l)[j,i] a(l-1)[i] + b(l)[j], term by term"),
    (": / #", "go to step N (from 1) / sample N (from 0)"),
    ("m", "the next misclassified sample (a classifier's trace)"),
    ("i", "on an image input: W(1) row j before, ∇W(1) row j and row j after, as images"),
    ("ctrl+p", "command palette"),
    ("? / q", "this help / quit"),
)

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("s(l)", "W(l) a(l-1) + b(l): what neuron j of layer l sums (its weighted input)"),
    ("a(l), a'(l)", "h(s(l)), the activation, and h'(s(l)), its derivative, elementwise"),
    ("δ(l)", "∇s(l) C: how much C changes per unit change of s(l)"),
    ("⊙", "elementwise product: [1, 2] ⊙ [3, 4] = [3, 8]"),
    ("⊘", "elementwise division"),
    ("ᵀ", "transpose: W(l)ᵀ has W(l)'s rows as columns, so W(l+1)ᵀ δ(l+1) sends δ back a layer"),
    ("∇a C", "the gradient of the loss with respect to the output a(L)"),
    ("A", "∂a(L)/∂s(L), the output layer's Jacobian (diag(a') for an elementwise h; "
          "diag(a) − a aᵀ for softmax), so δ(L) = A ∇a C"),
    ("∇W(l), ∇b(l)", "∂C/∂W(l) = δ(l) a(l-1)ᵀ and ∂C/∂b(l) = δ(l), averaged over the minibatch"),
    ("η", "the learning rate"),
    ("‖ΔW(l)‖", "how far the update moved W(l): the square root of the sum of the squared changes"),
)

NUMBERS = """\
5          exactly 5.
1.0        not exactly 1, but 1 when rounded to the digits shown (press d for more digits).
1.98e-32   1.98 × 10⁻³². A value too wide for its column is shown with fewer digits or as …, never cut.
Neurons (units) are numbered from 1: s(1)[2] is unit 2 of layer 1, row 2 of W(1). Samples of the \
minibatch and classes are numbered from 0, as in the data: class 2 is the third output unit."""


def _two_columns(rows: tuple[tuple[str, str], ...], title: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None,
                  padding=(0, 2, 0, 0), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for left, right in rows:
        table.add_row(left, right)
    return table


@cache
def help_renderable(extra: tuple[str, tuple[tuple[str, str], ...]] | None = None) -> Group:
    """The whole help text (built once: opening ? again costs only the screen); ``extra``, a mode's own keys
    (practice's) as (title, rows), comes before the viewer's."""
    mode = [_two_columns(extra[1], extra[0]), Text("")] if extra else []
    parts = [Text("Stepping through backpropagation\n", style="bold"), Text(INTRO + "\n"),
             _two_columns(PANES, "On the screen"), Text(""), *mode, _two_columns(KEYS, "Keys"), Text(""),
             _two_columns(GLOSSARY, "Symbols"), Text(""), Text("Numbers", style="bold"), Text(NUMBERS + "\n"),
             Text("Press escape or ? to close.", style="dim")]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close"),
                          ("q", "dismiss", "Close")]

    def __init__(self, extra: tuple[str, tuple[tuple[str, str], ...]] | None = None) -> None:
        super().__init__()
        self.extra = extra

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_renderable(self.extra), id="help-text")
