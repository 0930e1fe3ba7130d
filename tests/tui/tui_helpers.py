"""Helpers for the Pilot tests (no pytest-asyncio needed)."""

from __future__ import annotations

import asyncio
import functools
import os
import random
import re
import time
import unicodedata
from collections.abc import Callable, Coroutine
from typing import Any

from textual import events
from textual._context import visible_screen_stack
from textual.app import App
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.timer import Timer
from textual.worker import WorkerState

#: the environment variables that set how many keys a random walk of the UI presses (tests/tui/test_*_walk.py)
#: and the seed of its choices
WALK_KEYS_VARIABLE, WALK_SEED_VARIABLE = "BACKPROP_TUTOR_WALK_KEYS", "BACKPROP_TUTOR_WALK_SEED"
#: the suite's seed for the walks (issue 18's)
WALK_SEED = 18


def walk_length(default: int) -> int:
    """Keys a random walk presses: `BACKPROP_TUTOR_WALK_KEYS` if set (issue 18's figure is 2,000), else the
    suite's ``default``."""
    return int(os.environ.get(WALK_KEYS_VARIABLE, default))


def walk_rng() -> random.Random:
    """The random choices of a walk: seeded with `BACKPROP_TUTOR_WALK_SEED` if set (to walk other paths), else
    `WALK_SEED`."""
    return random.Random(int(os.environ.get(WALK_SEED_VARIABLE, WALK_SEED)))


def shows_step(line: str, step: int, count: int) -> bool:
    """Whether a status line names step ``step`` (0-based) of ``count``, in its long form ("step 3 of 18 · ") or
    the short one a long line falls back to ("step 3/18 · "), after "▶ playing … · " when playing."""
    return re.search(rf"\bstep {step + 1}( of |/){count} · ", line) is not None


def pilot_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio.run; pytest still sees the fixtures it asks for."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


#: seconds after which an app that still has something to do is called unsettled (Pilot's own limit)
SETTLE_TIMEOUT = 30.0
#: how long a round that found something still to do sleeps, for timers to come due
TIMER_STEP = 1 / 500
#: turns of the event loop a wait for busy message queues yields before it sleeps between looks
YIELDS = 200


def _timer_pending(timer: Timer) -> bool:
    """A one-shot timer (`set_timer`, e.g. the app's resize, 1/120 s after the event) that has yet to fire;
    intervals (`set_interval`: playing, a cursor's blink) never end and are not waited for."""
    return timer._repeat == 0 and timer._task is not None and not timer._task.done()


def _pumps(app: App) -> list:
    """The app and every widget of its screen: what can hold queued messages that change what is drawn."""
    return [app, *app.screen.walk_children(with_self=True)]


def _busy(pump) -> bool:
    """A message queued, or one taken and still being handled: the pump's loop is not back waiting on its
    queue (Textual's queue counts no unfinished tasks). A closed pump has nothing more to do."""
    if pump._closed:
        return False
    queue = pump._message_queue
    waiting = any(not waiter.done() for waiter in queue.ready_event._waiters)
    return bool(queue.values) or pump._pending_message is not None or (pump._running and not waiting)


def _ended(app: App) -> bool:
    """The app stopped on an exception, or is exiting (`App.exit`: a quit key, or bad input found mid-session):
    what is still queued will not be handled, so there is nothing to wait for."""
    return app._exception_event.is_set() or app._exit or not app.is_running


async def _drain(app: App, deadline: float) -> None:
    """Wait until no pump of the app's screen has a message queued or in hand, by looking at the queues.
    (Pilot's `_wait_for_screen` posts a callback to every widget of the screen and waits for each, a hundred
    on an MNIST trace: most of the messages these tests handled.) A handler that waits for time (a sleep, a
    timer) is given it in steps of `TIMER_STEP` after `YIELDS` turns of the loop."""
    turns = 0
    while any(_busy(pump) for pump in _pumps(app)):
        if _ended(app):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the app still had messages to handle after {SETTLE_TIMEOUT} s")
        turns += 1
        await asyncio.sleep(0 if turns < YIELDS else TIMER_STEP)


def _settled(app: App) -> bool:
    """Nothing left to do: no message or callback queued in the app or a widget of its screen, no layout,
    repaint or after-refresh callback pending on the screen (none is done inside `App.batch_update`, which
    holds them to its end), no one-shot timer, animation or worker running."""
    screen = app.screen
    pumps = _pumps(app)
    if any(_busy(pump) or pump._next_callbacks for pump in pumps):
        return False
    pending = (screen._layout_required, screen._scroll_required, screen._repaint_required,
               screen._recompose_required, screen._dirty_widgets, screen._callbacks) if not app._batch_count else ()
    timing = any(_timer_pending(timer) for pump in pumps for timer in pump._timers)
    animating = app.animator._animations or app.animator._scheduled
    working = any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in app.workers)
    return not (any(pending) or timing or animating or working)


async def settle(app: App) -> None:
    """Wait until the app has done everything the last input set going (see `_settled`), applying a pending
    layout at once instead of at the screen's next update tick. Deterministic, unlike Pilot's idle windows
    (20 ms of low CPU, twice a key), which are most of the UI tests' wall time."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        await _drain(app, deadline)  # test-only: every message queued now handled
        if _ended(app):
            return
        app.screen._on_timer_update()  # the layout and callbacks the update tick would run
        await app.animator.wait_until_complete()  # a scroll glides over a few frames, as Pilot waits for it
        await asyncio.sleep(0)
        if _settled(app):
            return
        await asyncio.sleep(TIMER_STEP)
    raise AssertionError(f"the app still had work to do after {SETTLE_TIMEOUT} s")


async def press_and_settle(app: App, keys) -> None:
    """`Pilot.press`'s key sending (`App._press_keys`, its key-to-event lines as Textual writes them), each key
    handled and settled before the next. (Putting `settle` in place of Textual's `wait_for_idle` instead would
    keep Textual's own `_press_keys`, but it waits twice a key and cannot skip the second wait safely: the
    driver posts the key a loop iteration later. Tried: `tests/tui` took 10-28 s more CPU.)"""
    for key in keys:
        if key.startswith("wait:"):
            await asyncio.sleep(float(key.split(":")[1]) / 1000)
            await settle(app)
            continue
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)
        await settle(app)


async def press_settled(pilot: Pilot, *keys: str) -> None:
    """`Pilot.press`: the keys pressed one by one, each settled before the next (`press_and_settle`). Pilot's
    own press ends with a wait for every widget of the screen, which the settle after the last key has made."""
    await press_and_settle(pilot.app, keys)


async def pause_or_settle(pilot: Pilot, delay: float | None = None) -> None:
    """`Pilot.pause`: a pause of `delay` seconds as asked, and without one, until the app has settled (where
    Pilot waits for a 20 ms idle window)."""
    if delay is None:
        await settle(pilot.app)
    else:
        await PILOT_PAUSE(pilot, delay)


PILOT_PAUSE = Pilot.pause


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
