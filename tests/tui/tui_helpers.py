"""Helpers for the Pilot tests (no pytest-asyncio needed)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any


def pilot_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio.run; pytest still sees the fixtures it asks for."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def screen_text(app) -> str:
    """The characters on the screen, one line per row (what a student sees, without colours)."""
    strips = app.screen._compositor.render_strips()  # test-only: the composited screen as segments
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
