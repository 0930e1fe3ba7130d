"""Fixtures for the UI tests: the hand-worked example (float64 and exact) and a 500-sample MNIST
minibatch through a 784-100-50-25-10 tanh/softmax network, saved with the engine's store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual import constants
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.screen import Screen
from tui_helpers import pause_or_settle, press_settled

from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import Trace, TraceHeader

MNIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist-t10k"
MNIST_SIZES = [784, 100, 50, 25, 10]


def _refresh_unseen_terminal(screen: Screen) -> None:
    """The tests' headless terminal shows nothing: the changed regions are forgotten instead of drawn."""
    screen._compositor._dirty_regions.clear()
    screen._dirty_widgets.clear()
    screen.app._update_mouse_over(screen)


@pytest.fixture(autouse=True)
def _no_drawing_for_the_headless_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """After each change Textual composes the changed parts of the screen for the terminal, and the headless
    terminal of `run_test` throws them away: about a quarter of these tests' CPU. The tests read the screen
    themselves (`screen_text`, `export_screenshot`), which composes the whole of it anew from the widgets, so
    drawing for the terminal is left out here; what is on screen when a test reads it is the same."""
    refresh = Screen._compositor_refresh

    def compositor_refresh(screen: Screen) -> None:
        app = screen.app
        if app.is_headless and not app.is_inline and screen is app.screen:
            _refresh_unseen_terminal(screen)
        else:
            refresh(screen)

    monkeypatch.setattr(Screen, "_compositor_refresh", compositor_refresh)


@pytest.fixture(autouse=True)
def _keys_handled_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Pilot.press` waits twice after each key, and `Pilot.pause()` once, for 20 ms in which the process used
    under 1 ms of CPU: most of these tests' wall time (709 waits, 24 s of test_one_story's 29 s), and under
    load a window can end before the work is done. Here each key and pause is followed until the app has
    handled everything it set going (`tui_helpers.settle`), which is both sooner and certain."""
    monkeypatch.setattr(Pilot, "press", press_settled)
    monkeypatch.setattr(Pilot, "pause", pause_or_settle)


@pytest.fixture(autouse=True)
def _scrolls_jump(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scroll by Textual's own keys (PgDn in the help) glides over ~0.1 s of frames, and a test that reads the
    screen after each waits for the glide to end: 1.2-1.5 s of the help test's 1.6-1.8 s, the process idle.
    Textual's animation level "none" (`TEXTUAL_ANIMATIONS=none`, read once at its import) puts each scroll at
    its end at once: the screen the test reads is the one the glide ends on."""
    monkeypatch.setattr(constants, "TEXTUAL_ANIMATIONS", "none")


#: the rules parsed from each piece of CSS with each set of theme variables, for every app the worker starts
_PARSED_CSS: dict[tuple, list[RuleSet]] = {}


@pytest.fixture(autouse=True)
def _css_parsed_once_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each app parses its CSS (app.tcss and every widget's DEFAULT_CSS) anew, 15-30 ms of each start; a user
    starts one app, the tests hundreds. The same CSS with the same variables gives the same rules (Textual keeps
    them per stylesheet the same way, and only reads them), so the tests parse each once."""
    parse_rules = Stylesheet._parse_rules

    def parsed_once(sheet: Stylesheet, css: str, read_from, is_default_rules: bool = False,
                    tie_breaker: int = 0, scope: str = "") -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope, frozenset(sheet._variables.items()))
        if key not in _PARSED_CSS:
            _PARSED_CSS[key] = parse_rules(sheet, css, read_from, is_default_rules, tie_breaker, scope)
        return _PARSED_CSS[key]

    monkeypatch.setattr(Stylesheet, "_parse_rules", parsed_once)


@pytest.fixture(scope="session")
def hand_float64() -> Trace:
    return run_spec(load_spec(resolve_example("hand-backprop")), "float64")


@pytest.fixture(scope="session")
def hand_exact() -> Trace:
    return run_spec(load_spec(resolve_example("hand-backprop")), "exact")


def mnist_minibatch(n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` MNIST test images as (n, 784) floats in [0, 1] and one-hot labels (n, 10)."""
    from backprop_tutor.data.formats import read_idx

    images = MNIST / "t10k-images-idx3-ubyte.gz"
    labels = MNIST / "t10k-labels-idx1-ubyte.gz"
    if not images.exists():
        pytest.skip(f"MNIST test images not found at {images}")
    x = read_idx(images)[:n].reshape(n, -1).astype(np.float32) / 255
    y = np.eye(10, dtype=np.float32)[read_idx(labels)[:n].astype(int)]
    return x, y


def record_mnist_trace(path: Path, n: int = 500) -> Path:
    from backprop_tutor.engine.network import mlp
    from backprop_tutor.trace.recorder import Recorder
    from backprop_tutor.trace.store import save_trace

    x, y = mnist_minibatch(n)
    activations = ["tanh"] * 3 + ["softmax"]
    net = mlp(MNIST_SIZES, activations, "cross-entropy", "float32", seed=1)
    header = TraceHeader(sizes=MNIST_SIZES, activations=activations, loss="cross-entropy", precision="float32",
                         learning_rate=0.01, batch_size=n, title="MNIST minibatch: 784-100-50-25-10 tanh/softmax")
    recorder = Recorder(header)
    net.train_step(x, y, 0.01, recorder)
    return save_trace(recorder.trace, path)


@pytest.fixture(scope="session")
def mnist_trace_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_mnist_trace(tmp_path_factory.mktemp("mnist") / "mnist-batch.h5")


@pytest.fixture(scope="session")
def mnist_practice_ref():
    """Practice on MNIST: test image 0 through a 784-4-10 tanh/softmax network (He init, seed 1), small
    enough for exact mode (under a second)."""
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.spec import parse_spec

    x, y = mnist_minibatch(1)
    spec = parse_spec({"title": "MNIST image 0: 784-4-10 tanh/softmax", "loss": "cross-entropy",
                       "learning_rate": 0.1, "init": {"scheme": "he", "seed": 1},
                       "data": {"x": [[float(v) for v in x[0]]], "y": [[int(v) for v in y[0]]]},
                       "layer": [{"activation": "tanh", "units": 4}, {"activation": "softmax", "units": 10}]},
                      "<mnist image 0>")
    return reference_for(spec)
