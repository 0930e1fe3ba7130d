"""Random problems a person can compute by hand, like the course's hand-worked example.

Small integer inputs, weights and biases; ReLU hidden layers where every layer has an active unit
and no unit sits exactly at s = 0 (where ReLU has no derivative); a softmax output with
cross-entropy, or an identity/sigmoid output with ½ squared error; η a simple fraction. The same
seed always gives the same problem. Each is a spec (TOML, the format of examples/hand_backprop.toml).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import tomllib
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
from backprop_tutor.trace import fields
from backprop_tutor.trace.reader import read

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


@dataclass(frozen=True)
class Layer:
    activation: str
    W: list[list[int]]
    b: list[int]


@dataclass(frozen=True)
class Problem:
    """A practice problem: what its spec file says (`spec_toml` writes it)."""

    title: str
    loss: str
    eta: Decimal
    x: list[int]
    y: list[int]
    layers: tuple[Layer, ...]


def random_problem(seed: int, settings: ProblemSettings = ProblemSettings()) -> Problem:
    """Problem ``seed``: deterministic, hand-computable."""
    settings.check()
    rng = np.random.default_rng(seed)
    for _ in range(ATTEMPTS):
        problem = _draw(rng, seed, settings)
        if _hand_computable(problem_spec(problem, f"<problem {seed}>"), settings):
            return problem
    raise UsageError(f"no hand-computable problem found for seed {seed} with these settings; try other sizes")


def problem_spec(problem: Problem, source: str) -> NetworkSpec:
    """The problem as the engine reads it: its spec file's text, parsed."""
    return parse_spec(tomllib.loads(spec_toml(problem), parse_float=Decimal), source=source)


def _ints(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> list[Any]:
    return rng.integers(low, high + 1, size=shape).tolist()


def _draw(rng: np.random.Generator, seed: int, s: ProblemSettings) -> Problem:
    sizes, L = s.sizes, len(s.sizes) - 1
    layers = tuple(Layer(s.hidden if l < L else s.output, _ints(rng, (sizes[l], sizes[l - 1]), -2, 2),
                         _ints(rng, (sizes[l],), -2, 2)) for l in range(1, L + 1))
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
    return Problem(title, OUTPUTS[s.output], eta, x, y, layers)


def _hand_computable(spec: NetworkSpec, s: ProblemSettings) -> bool:
    trace = run_spec(spec, "float64")
    L = len(s.sizes) - 1
    for l in range(1, L + 1):
        values = read(trace, fields.S, l, 0)
        if not np.all(np.isfinite(values)):
            return False
        if l < L and (np.any(values == 0) or not np.any(values > 0) or np.max(np.abs(values)) > MAX_HIDDEN_S):
            return False  # a dead layer, a unit at ReLU's kink, or big numbers
        if l == L and np.max(np.abs(values)) > MAX_OUTPUT_S:
            return False
        # nothing flows back to a hidden layer (with |s(L)| ≤ 6 a true δ is far above 1e-9; float noise is not)
        if l < L and not np.max(np.abs(read(trace, fields.DELTA, l, 0))) > 1e-9:
            return False
    return True


def spec_toml(problem: Problem) -> str:
    """The TOML text of a problem spec (the layout of examples/hand_backprop.toml)."""
    lines = ["# A practice problem from `tutor worksheet --random`: compute one SGD step by hand.",
             "# Notation: s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)), δ(l) = ∇s(l) C; W(l) is (units out × units in).",
             "", f'title = "{problem.title}"', f'loss = "{problem.loss}"', f"learning_rate = {problem.eta}",
             "", "[data]", f"x = {problem.x}", f"y = {problem.y}"]
    for l, layer in enumerate(problem.layers, start=1):
        lines += ["", f"[[layer]]                       # layer {l}", f'activation = "{layer.activation}"',
                  f"W = {layer.W}", f"b = {layer.b}"]
    return "\n".join(lines) + "\n"


def parse_sizes(text: str) -> tuple[int, ...]:
    """'3-2-2-3' → (3, 2, 2, 3)."""
    try:
        return tuple(int(n) for n in text.split("-"))
    except ValueError:
        raise UsageError(f"--sizes {text!r}: give the units per layer joined by -, e.g. 3-2-2-3") from None


@dataclass(frozen=True)
class IndexRow:
    """One problem of a class set, as the instructor's index (CSV) lists it."""

    seed: int
    spec: Path
    worksheet: Path
    key: Path
    sizes: str
    activations: str
    loss: str
    learning_rate: str


def write_problem(seed: int, settings: ProblemSettings, folder: Path, fmt_name: str = "md") -> IndexRow:
    """Write problem ``seed`` into ``folder``: spec.toml, the blank worksheet and the answer key (in
    ``fmt_name``: md, toml or json). Returns its row of the instructor's index."""
    problem = random_problem(seed, settings)
    spec_path = write_text_atomic(folder / "spec.toml", spec_toml(problem))
    ref = reference_for(load_spec(spec_path))
    sheet = write_text_atomic(folder / f"worksheet.{fmt_name}", render(ref, "spec.toml", fmt_name))
    key = write_text_atomic(folder / f"key.{fmt_name}", render(ref, "spec.toml", fmt_name, key=True))
    return IndexRow(seed, spec_path, sheet, key, "-".join(map(str, settings.sizes)),
                    ",".join(layer.activation for layer in problem.layers), problem.loss, str(problem.eta))


def write_index(path: Path, rows: list[IndexRow]) -> None:
    """The instructor's index of a class set (CSV: seed, files, sizes, activations, loss, η)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in dataclasses.fields(IndexRow)])
    writer.writeheader()
    writer.writerows(dataclasses.asdict(row) for row in rows)
    write_text_atomic(path, buffer.getvalue())
