"""Random problems a person can compute by hand, like the course's hand-worked example.

Small integer inputs, weights and biases; ReLU hidden layers where every layer has an active unit
and no unit sits exactly at s = 0 (where ReLU has no derivative); a softmax output with
cross-entropy, or an identity/sigmoid output with ½ squared error; η a simple fraction. The same
seed always gives the same problem. Each is a spec (TOML, the format of examples/hand_backprop.toml).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.templates import render
from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.spec import NetworkSpec, load_spec, parse_spec, run_spec
from backprop_tutor.trace.events import Delta, Forward

OUTPUTS = {"softmax": "cross-entropy", "identity": "squared-error", "sigmoid": "squared-error"}
HIDDEN = ("relu", "identity")
ETAS = (Decimal("0.5"), Decimal("0.25"), Decimal("0.1"))
#: Largest |s(l)| allowed: hidden layers stay in mental-arithmetic range, softmax's e^s on a calculator.
MAX_HIDDEN_S, MAX_OUTPUT_S = 12, 6
ATTEMPTS = 10_000


@dataclass(frozen=True)
class ProblemSettings:
    sizes: tuple[int, ...] = (3, 2, 2, 3)
    hidden: str = "relu"
    output: str = "softmax"

    def check(self) -> None:
        if len(self.sizes) < 2 or any(n < 1 for n in self.sizes) or max(self.sizes) > 6:
            raise UsageError(f"sizes {'-'.join(map(str, self.sizes))}: give at least an input and an output layer, "
                             "1 to 6 units each (a hand calculation), e.g. 3-2-2-3")
        if self.hidden not in HIDDEN:
            raise UsageError(f"hidden activation {self.hidden!r}: choose one of {', '.join(HIDDEN)}")
        if self.output not in OUTPUTS:
            raise UsageError(f"output activation {self.output!r}: choose one of {', '.join(OUTPUTS)}")
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise UsageError("a softmax output needs at least 2 units")


def random_problem(seed: int, settings: ProblemSettings = ProblemSettings()) -> dict[str, Any]:
    """The spec (as the dict its TOML holds) of problem ``seed``: deterministic, hand-computable."""
    settings.check()
    rng = np.random.default_rng(seed)
    for _ in range(ATTEMPTS):
        raw = _draw(rng, seed, settings)
        if _hand_computable(parse_spec(raw, source=f"<problem {seed}>"), settings):
            return raw
    raise UsageError(f"no hand-computable problem found for seed {seed} with these settings; try other sizes")


def _ints(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> list[Any]:
    return rng.integers(low, high + 1, size=shape).tolist()


def _draw(rng: np.random.Generator, seed: int, s: ProblemSettings) -> dict[str, Any]:
    sizes, L = s.sizes, len(s.sizes) - 1
    layers = [{"activation": s.hidden if l < L else s.output,
               "W": _ints(rng, (sizes[l], sizes[l - 1]), -2, 2), "b": _ints(rng, (sizes[l],), -2, 2)}
              for l in range(1, L + 1)]
    x = _ints(rng, (sizes[0],), -2, 2)
    if s.output == "softmax":
        y = [0] * sizes[-1]
        y[int(rng.integers(sizes[-1]))] = 1
    elif s.output == "sigmoid":
        y = _ints(rng, (sizes[-1],), 0, 1)
    else:
        y = _ints(rng, (sizes[-1],), -2, 2)
    eta = ETAS[int(rng.integers(len(ETAS)))]
    title = (f"Practice problem {seed}: {'-'.join(map(str, sizes))} {s.hidden}/{s.output}, one SGD step, "
             f"η = {eta}")
    return {"title": title, "loss": OUTPUTS[s.output], "learning_rate": eta, "data": {"x": x, "y": y},
            "layer": layers}


def _hand_computable(spec: NetworkSpec, s: ProblemSettings) -> bool:
    trace = run_spec(spec, "float64")
    L = len(s.sizes) - 1
    for e in trace:
        if isinstance(e, Forward):
            values = e.s[0]
            if not np.all(np.isfinite(values)):
                return False
            if e.layer < L and (np.any(values == 0) or not np.any(values > 0)
                                or np.max(np.abs(values)) > MAX_HIDDEN_S):
                return False  # a dead layer, a unit at ReLU's kink, or big numbers
            if e.layer == L and np.max(np.abs(values)) > MAX_OUTPUT_S:
                return False
        elif isinstance(e, Delta) and not np.max(np.abs(e.delta[0])) > 1e-9:
            # nothing flows back to this layer (with |s(L)| ≤ 6 a true δ is far above 1e-9; float noise is not)
            return False
    return True


def spec_toml(raw: dict[str, Any]) -> str:
    """The TOML text of a problem spec (the layout of examples/hand_backprop.toml)."""
    lines = ["# A practice problem from `tutor worksheet --random`: compute one SGD step by hand.",
             "# Notation: s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)), δ(l) = ∇s(l) C; W(l) is (units out × units in).",
             "", f'title = "{raw["title"]}"', f'loss = "{raw["loss"]}"', f"learning_rate = {raw['learning_rate']}",
             "", "[data]", f"x = {raw['data']['x']}", f"y = {raw['data']['y']}"]
    for l, layer in enumerate(raw["layer"], start=1):
        lines += ["", f"[[layer]]                       # layer {l}", f'activation = "{layer["activation"]}"',
                  f"W = {layer['W']}", f"b = {layer['b']}"]
    return "\n".join(lines) + "\n"


def parse_sizes(text: str) -> tuple[int, ...]:
    """'3-2-2-3' → (3, 2, 2, 3)."""
    try:
        return tuple(int(n) for n in text.split("-"))
    except ValueError:
        raise UsageError(f"--sizes {text!r}: give the units per layer joined by -, e.g. 3-2-2-3") from None


def write_problem(seed: int, settings: ProblemSettings, folder: Path, fmt_name: str = "md") -> dict[str, str]:
    """Write problem ``seed`` into ``folder``: spec.toml, the blank worksheet and the answer key (in
    ``fmt_name``: md, toml or json). Returns its row of the instructor's index."""
    raw = random_problem(seed, settings)
    spec_path = write_text_atomic(folder / "spec.toml", spec_toml(raw))
    ref = reference_for(load_spec(spec_path))
    sheet = write_text_atomic(folder / f"worksheet.{fmt_name}", render(ref, "spec.toml", fmt_name))
    key = write_text_atomic(folder / f"key.{fmt_name}", render(ref, "spec.toml", fmt_name, key=True))
    return {"seed": str(seed), "spec": str(spec_path), "worksheet": str(sheet), "key": str(key),
            "sizes": "-".join(map(str, settings.sizes)),
            "activations": ",".join(layer["activation"] for layer in raw["layer"]), "loss": raw["loss"],
            "learning_rate": str(raw["learning_rate"])}


def write_index(path: Path, rows: list[dict[str, str]]) -> None:
    """The instructor's index of a class set (CSV: seed, files, sizes, activations, loss, η)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())
