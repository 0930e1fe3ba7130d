"""A small image in the terminal: two pixels per character cell with the half block ▀ (the top pixel
is the foreground colour, the bottom one the background), so a 28×28 MNIST digit takes 28×14 cells
(14×7 drawn at half size, when the pane is short).

Grey for values in [0, 1] (an input image); blue–white–red for signed values (a row of W(1), scaled
by its largest magnitude, so the sign of each weight reads at a glance).
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style


def _grey(v: float) -> Color:
    g = round(255 * min(1.0, max(0.0, v)))
    return Color.from_rgb(g, g, g)


def _diverging(v: float) -> Color:
    # −1 → blue, 0 → white-ish grey, +1 → red
    v = min(1.0, max(-1.0, v))
    if v >= 0:
        return Color.from_rgb(230, int(230 * (1 - v)), int(230 * (1 - v)))
    return Color.from_rgb(int(230 * (1 + v)), int(230 * (1 + v)), 230)


def shrunk(arr: np.ndarray, factor: int) -> np.ndarray:
    """The image at 1/factor of its size, each pixel the mean of a factor × factor block (edges padded)."""
    if factor <= 1:
        return arr
    rows, cols = -(-arr.shape[0] // factor) * factor, -(-arr.shape[1] // factor) * factor
    padded = np.pad(arr, ((0, rows - arr.shape[0]), (0, cols - arr.shape[1])), mode="edge")
    return padded.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))


class HalfBlockImage:
    """A Rich renderable drawing ``values`` (rows × columns) with ▀, two rows per line."""

    def __init__(self, values: np.ndarray, signed: bool = False, shrink: int = 1) -> None:
        arr = shrunk(np.asarray(values, dtype=np.float64), shrink)
        if signed:
            scale = float(np.abs(arr).max()) or 1.0
            arr = arr / scale
        elif arr.size and arr.max() > 1.0:
            arr = arr / arr.max()
        if arr.shape[0] % 2:
            arr = np.vstack([arr, np.zeros((1, arr.shape[1]))])
        self.values = arr
        self.colour = _diverging if signed else _grey

    @property
    def width(self) -> int:
        return int(self.values.shape[1])

    @property
    def height(self) -> int:
        return int(self.values.shape[0] // 2)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        colour = self.colour
        for top, bottom in zip(self.values[0::2], self.values[1::2], strict=True):
            for t, b in zip(top, bottom, strict=True):
                yield Segment("▀", Style(color=colour(t), bgcolor=colour(b)))
            yield Segment.line()
