"""Key i on an image input (MNIST): W(1) row j before the update, ∇W(1) row j and row j after, each as a
28×28 half-block image (red > 0, blue < 0); ↑/↓ another unit j of layer 1."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.tui.halfblock import HalfBlockImage, _diverging
from backprop_tutor.worksheet.images import RowImage, weight_row_images


class ScaledImage(HalfBlockImage):
    """A signed image on a given colour scale: ±``scale`` at full blue/red (HalfBlockImage scales each
    image by its own largest value; before and after must share one). Its segments are made once: the
    screen measures and draws it more than once."""

    def __init__(self, values: np.ndarray, scale: float) -> None:
        super().__init__(np.clip(values / scale, -1.0, 1.0))
        self.colour = _diverging
        self._segments: list[Segment] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._segments is None:
            self._segments = list(super().__rich_console__(console, options))
        yield from self._segments


def scaled_image(image: RowImage) -> ScaledImage:
    return ScaledImage(image.values, image.scale)


class WeightImagesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    WeightImagesScreen { align: center middle; background: $background; }
    WeightImagesScreen > #images-body { width: 96%; height: 94%; border: round $accent; background: $surface; }
    WeightImagesScreen #images-grid { grid-size: 3; grid-gutter: 0 2; height: auto; }
    WeightImagesScreen.narrow #images-grid { grid-size: 2; }
    WeightImagesScreen .row-image { height: auto; width: 30; }
    """
    BINDINGS: ClassVar = [Binding("escape,q,i", "dismiss", "Close"), Binding("up", "unit(-1)", "Unit ↑"),
                          Binding("down", "unit(1)", "Unit ↓")]

    def __init__(self, trace: TraceReader, unit: int) -> None:
        super().__init__()
        self.trace, self.unit = trace, unit

    def compose(self) -> ComposeResult:
        self.set_class(self.app.size.width < 100, "narrow")
        with VerticalScroll(id="images-body") as body:
            body.can_focus = False
            body.border_subtitle = "red > 0, blue < 0 · ↑↓ unit · escape"
            with Grid(id="images-grid"):
                for k, image in enumerate(weight_row_images(self.trace, self.unit)):
                    with Vertical(classes="row-image"):
                        yield Static(self.caption(image), id=f"caption-{k}")
                        yield Static(scaled_image(image), id=f"image-{k}")

    def on_mount(self) -> None:
        self.title_body()

    def title_body(self) -> None:
        self.query_one("#images-body").border_title = (
            f"unit {self.unit + 1} of layer 1: the weights of its {count(self.trace.header.sizes[0], 'input')}")

    @staticmethod
    def caption(image: RowImage) -> str:
        return f"{image.title}\n±{fmt(image.scale)} at full colour"

    def draw(self) -> None:
        """Another unit: the same three places, new images (nothing remounted)."""
        self.title_body()
        for k, image in enumerate(weight_row_images(self.trace, self.unit)):
            self.query_one(f"#caption-{k}", Static).update(self.caption(image))
            self.query_one(f"#image-{k}", Static).update(scaled_image(image))

    def action_unit(self, delta: int) -> None:
        unit = min(max(0, self.unit + delta), self.trace.header.sizes[1] - 1)
        if unit == self.unit:
            self.app.bell()
            return
        self.unit = unit
        self.draw()
