"""Helpers for the Pilot tests (no pytest-asyncio needed)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual._context import visible_screen_stack


def pilot_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio.run; pytest still sees the fixtures it asks for."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def screen_strips(app) -> list:
    """The screen as the terminal shows it, one strip of segments a row, composed now from the widgets (as
    `export_screenshot` does): a dialog drawn over the screens it leaves visible behind it."""
    token = visible_screen_stack.set(app._background_screens)  # what Textual sets before drawing an update
    try:
        return app.screen._compositor.render_strips()  # test-only: the composited screen as segments
    finally:
        visible_screen_stack.reset(token)


def screen_text(app) -> str:
    """The characters on the screen, one line per row (what a student sees, without colours)."""
    return "\n".join("".join(segment.text for segment in strip) for strip in screen_strips(app))


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour (channels 0-255)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = rgb
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(a, b) -> float:
    """WCAG 2's contrast ratio of two colours, each (r, g, b) or a Textual Color: 1 to 21."""
    light, dark = sorted((relative_luminance(tuple(a)[:3]), relative_luminance(tuple(b)[:3])), reverse=True)
    return (light + 0.05) / (dark + 0.05)
