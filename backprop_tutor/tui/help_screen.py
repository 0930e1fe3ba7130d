"""The ? screen: what is on the screen and the keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Stepping through backpropagation

Each step is one event of the trace, in the order a student works by hand: the input a(0) = x,
the forward pass s(l), a(l), a'(l) layer by layer, the loss C, the output error δ(L), the hidden
errors δ(l) from the output back, the gradients ∇W(l), ∇b(l), and the updates W(l) ← W(l) − η ∇W(l).

- **network**: layers as columns of neurons with W(l) │ b(l) beside them (row j of W(l) holds the
  weights into neuron j). The current layer is highlighted; click a neuron to see its values.
- **step**: the equation, the same equation with the numbers substituted, and the result.
- **worksheet**: the tables you would fill in by hand; the cells written by this step are highlighted.

| key | does |
|---|---|
| → or l / ← or h | next / previous step (stepping back shows exactly what was there) |
| ↓ or j / ↑ or k | the same kind of step one layer further on / back |
| Home / End | first / last step |
| space | play / pause |
| ] / [ | next / previous sample of the minibatch |
| d | digits: 3 → 6 → full → 3 |
| f | every value of this step, in full (scrollable) |
| e | export the worksheet to Markdown |
| ctrl+p | command palette |
| ? | this help |
| q | quit |

Press escape or ? to close.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close"),
                          ("q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)
