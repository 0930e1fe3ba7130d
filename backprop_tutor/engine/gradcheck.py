"""Gradient checking: backprop's ∇W(l), ∇b(l) against finite differences, as a lesson.

For a parameter θ (one entry of some W(l) or b(l)) the central difference

    ∂C/∂θ ≈ (C(θ + h) − C(θ − h)) / 2h,      C = mean over the minibatch of the loss (+ (λ/2) Σ_l ‖W(l)‖²)

costs two forward passes per parameter, while one forward and one backward pass give every ∂C/∂θ at
once: that is why we backpropagate. The difference errs by ~h² (truncation) plus the rounding of C
divided by h; in float64 the usual h = 1e-6 leaves ~1e-10, in exact mode a tiny h leaves dozens of
agreeing digits.

Relative error: |g − d| / max(|g|, |d|, s), g the backprop value, d the difference, and s the largest
|∂C/∂θ| of the whole gradient: the rounding error of a difference does not shrink with the entry, so
an entry far smaller than the gradient's scale is measured against that scale.

ReLU has a kink at s = 0: when a pre-activation s(l) of a ReLU layer changes sign between θ − h, θ
and θ + h (in exact mode: or moves while its interval holds 0, so its sign is not known), the
difference straddles the kink and means nothing there; such a parameter is flagged as a kink, not
counted as a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.engine.network import Network
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers.certain import EXACT_DIGITS, bounds, certain_array

#: Default h: float64's usual step, and exact mode's tiny one (truncation ~h² = 1e-50).
DEFAULT_H = {"float32": Decimal("1e-3"), "float64": Decimal("1e-6"), "exact": Decimal("1e-25")}
#: The sign of an interval that holds 0 but is not 0: treated as a kink.
UNKNOWN_SIGN = 2
#: Relative error below which backprop and the difference agree (float64; float32 is far coarser).
TOLERANCE = {"float32": 1e-2, "float64": 1e-6, "exact": 1e-30}
#: How far a computed C(θ) may be from the true one, relative to |C|: a few units in the last place of each
#: number type (a forward pass and a mean add several roundings). Exact mode has no such bound: intervals.
ROUNDING = {"float32": 16 * 2.0**-24, "float64": 16 * 2.0**-53}


@dataclass(frozen=True)
class Parameter:
    """One entry of W(l) (``kind`` "W", index (i, j)) or b(l) (``kind`` "b", index (i,)), 0-based."""

    layer: int
    kind: str
    index: tuple[int, ...]

    @property
    def label(self) -> str:
        """W(2)[1,3] or b(1)[2]: 1-based, as the worksheet numbers units."""
        return cell_text(self.kind, self.layer, *self.index)


@dataclass(frozen=True)
class Comparison:
    """Backprop's value g and the central difference d for one parameter."""

    parameter: Parameter
    backprop: Any
    difference: Any
    error: float
    #: −log10 of g and d's largest possible relative difference, rounded down (exact mode; None in float)
    agreeing_digits: int | None
    kink: bool
    tolerance: float
    #: float only: the most the difference can be off by rounding alone, |C(θ±h)| × ROUNDING / h
    rounding: float = 0.0

    @property
    def agrees(self) -> bool:
        return self.error < self.tolerance

    @property
    def unresolved(self) -> bool:
        """The gap between g and d is within the difference's rounding: this number type cannot tell
        whether backprop is right (a saturated network's gradient of 1e-21 against C's rounding of 1e-10)."""
        return self.rounding > 0 and not self.agrees and \
            abs(float(self.backprop) - float(self.difference)) <= self.rounding  # exact mode: intervals say it

    @property
    def verdict(self) -> str:
        return "kink" if self.kink else "agree" if self.agrees else "cannot tell" if self.unresolved else "DISAGREE"


@dataclass
class GradCheck:
    """The comparisons, h, and what each way of getting the gradient cost."""

    comparisons: list[Comparison]
    h: Decimal
    precision: str
    tolerance: float
    batch_size: int
    parameter_count: int
    #: entries of W(l) and b(l) per layer l = 1..L
    layer_sizes: list[int]
    backprop_seconds: float
    difference_seconds: float
    forward_passes: int = field(init=False)

    def __post_init__(self) -> None:
        self.forward_passes = 2 * len(self.comparisons)

    def layer_size(self, l: int) -> int:
        return self.layer_sizes[l - 1]

    @property
    def kinks(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.kink]

    @property
    def disagreements(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.verdict == "DISAGREE"]

    @property
    def unresolved(self) -> list[Comparison]:
        """Away from kinks, too small for this number type's difference to judge (see Comparison.unresolved)."""
        return [c for c in self.comparisons if not c.kink and c.unresolved]

    @property
    def agreements(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.kink and c.agrees]

    @property
    def worst(self) -> Comparison | None:
        """The largest relative error away from kinks (and from gaps rounding alone can make)."""
        away = [c for c in self.comparisons if not c.kink and not c.unresolved]
        return max(away, key=lambda c: c.error) if away else None

    @property
    def fewest_digits(self) -> int | None:
        """Exact mode: the fewest agreeing digits away from kinks."""
        digits = [c.agreeing_digits for c in self.comparisons if not c.kink and c.agreeing_digits is not None]
        return min(digits) if digits else None

    @property
    def passed(self) -> bool:
        return not self.disagreements


# --- which parameters -------------------------------------------------------------------------------
def forward_seconds(network: Network, x: np.ndarray) -> float:
    """The time of one forward pass over ``x`` (the second of two: the first allocates the work arrays)."""
    network.forward(x)
    started = time.perf_counter()
    network.forward(x)
    return time.perf_counter() - started


def all_parameters(network: Network) -> list[Parameter]:
    """Every entry of every W(l) and b(l), layer 1 first."""
    params = []
    for l, layer in enumerate(network.layers, start=1):
        params += [Parameter(l, "W", idx) for idx in np.ndindex(layer.W.shape)]
        params += [Parameter(l, "b", idx) for idx in np.ndindex(layer.b.shape)]
    return params


def parameter_count(network: Network) -> int:
    return sum(layer.W.size + layer.b.size for layer in network.layers)


def sample_parameters(network: Network, n: int | None, seed: int = 0, layer: int | None = None) -> list[Parameter]:
    """``n`` parameters drawn at random without replacement (seeded), in network order; every one when
    ``n`` is None or not smaller than their number. ``layer`` keeps only that layer's W(l), b(l)."""
    shapes = [(l, kind, arr.shape) for l, lay in enumerate(network.layers, start=1)
              for kind, arr in (("W", lay.W), ("b", lay.b)) if layer in (None, l)]
    sizes = [int(np.prod(shape)) for _, _, shape in shapes]
    total = sum(sizes)
    chosen = range(total) if n is None or n >= total else np.sort(np.random.default_rng(seed).choice(total, n, False))
    offsets = np.cumsum([0, *sizes])
    params = []
    for flat in chosen:
        k = int(np.searchsorted(offsets, flat, side="right")) - 1
        l, kind, shape = shapes[k]
        params.append(Parameter(l, kind, tuple(int(i) for i in np.unravel_index(int(flat - offsets[k]), shape))))
    return params


# --- a recorded step, checked again -------------------------------------------------------------------
@dataclass
class RecordedStep:
    """The network and minibatch of a traced SGD step, rebuilt from its trace: W(l), b(l) as they were
    before the update (the Update events' "before"), x and y (the Input event), λ."""

    network: Network
    x: np.ndarray
    y: np.ndarray
    l2: float


def step_from_trace(trace: Any) -> RecordedStep:
    """Rebuild what a trace's step computed with (a `Trace` or a `TraceFile`). Exact traces stay exact;
    float32 and float64 ones are checked in float64 (float32's rounding would swamp any difference)."""
    from backprop_tutor.engine.activations import activation
    from backprop_tutor.engine.losses import loss
    from backprop_tutor.engine.network import Layer
    from backprop_tutor.engine.precision import ops_for
    from backprop_tutor.trace import fields
    from backprop_tutor.trace.events import Input, Update

    header = trace.header
    ops = ops_for("exact" if header.precision == "exact" else "float64")
    updates = {l: trace.find(Update, l) for l in range(1, header.L + 1)}
    inputs = trace.find(Input, 0)
    missing = [f"{cell_text('W', l)}, {cell_text('b', l)}" for l, i in updates.items() if i is None]
    if inputs is None or missing:
        raise ValueError(f"the trace lacks {', '.join(missing) or 'the input x, y'}: it cannot be checked again")
    layers = [Layer(ops.asarray(trace.array(updates[l], fields.W_BEFORE)),
                    ops.asarray(trace.array(updates[l], fields.B_BEFORE)), activation(name))
              for l, name in enumerate(header.activations, start=1)]
    network = Network(layers, loss(header.loss), ops, float(header.config.get("relu_prime_at_zero", 0.0)))
    x, y = (ops.asarray(np.asarray(a) if ops.exact else np.asarray(a, dtype=np.float64))
            for a in (trace.array(inputs, fields.X), trace.array(inputs, fields.Y)))
    return RecordedStep(network, x, y, float(header.l2))


# --- the check ------------------------------------------------------------------------------------
def total_cost(network: Network, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> Any:
    """C(θ) = mean over the minibatch of the loss, + (λ/2) Σ_l ‖W(l)‖² with L2 (what ∇W(l) differentiates)."""
    ops = network.ops
    C = network.cost(y, x)
    with ops.context():
        total = np.sum(C) / ops.scalar(len(C))
        if l2:
            total = total + ops.scalar(l2) / ops.scalar(2) * sum(np.sum(layer.W * layer.W) for layer in network.layers)
    return total


def relu_state(network: Network, B: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(sign(s(l)), a copy of s(l)) of every ReLU layer after the last forward pass. A sign is +1, −1, 0,
    or (exact mode) UNKNOWN_SIGN for an interval that holds 0 without being 0."""
    ws = network._workspace(B)
    state = []
    for l, layer in enumerate(network.layers, start=1):
        if layer.h.name == "relu":
            s = ws.s[l]
            signs = np.sign(s) if not network.ops.exact else np.vectorize(_interval_sign, otypes=[int])(s)
            state.append((signs, s.copy()))
    return state


def crosses_kink(state: list[tuple[np.ndarray, np.ndarray]], base: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """A ReLU s(l) changed sign from ``base``, or moved while its sign was not known (exact mode)."""
    for (signs, s), (signs0, s0) in zip(state, base, strict=True):
        if np.any(signs != signs0):
            return True
        unknown = signs0 == UNKNOWN_SIGN
        if unknown.any() and any(a._mpi_ != b._mpi_ for a, b in zip(s[unknown], s0[unknown], strict=True)):
            return True
    return False


def _interval_sign(x: Any) -> int:
    lo, hi = bounds(x)
    return 1 if lo > 0 else -1 if hi < 0 else 0 if lo == hi else UNKNOWN_SIGN


def check_gradients(network: Network, x: np.ndarray, y: np.ndarray, parameters: list[Parameter],
                    h: Decimal | float | str | None = None, l2: float = 0.0,
                    tolerance: float | None = None, each: Callable[[], None] | None = None) -> GradCheck:
    """Backprop's gradient (one forward + one backward pass) against (C(θ+h) − C(θ−h)) / 2h for each of
    ``parameters`` (two forward passes each). ``network`` is left as it was. ``each``: called after each
    parameter's difference (a progress bar)."""
    ops = network.ops
    h = Decimal(str(h)) if h is not None else DEFAULT_H[ops.name]
    if not h > 0:
        raise ValueError(f"h = {h}: the step of a finite difference must be > 0")
    tolerance = tolerance if tolerance is not None else _tolerance(ops.name, h)
    B = x.shape[0]
    network.forward(x)  # once untimed: the first pass of a batch size allocates the work arrays
    started = time.perf_counter()
    network.forward(x)
    network.backward(y, l2=l2)
    backprop_seconds = time.perf_counter() - started
    ws = network._workspace(B)
    keep = certain_array if ops.exact else np.copy
    grads = {(l, "W"): keep(ws.dW[l]) for l in range(1, network.L + 1)}
    grads.update({(l, "b"): keep(ws.db[l]) for l in range(1, network.L + 1)})
    # the gradient's largest entry (exact: a Certain, which cannot overflow as a float would)
    scale = max((abs(v) for g in grads.values() for v in g.ravel().tolist()), default=0.0)
    base = relu_state(network, B)
    started = time.perf_counter()
    differences = []
    for p in parameters:
        differences.append(_difference(network, x, y, p, ops.scalar(h), l2, base))
        if each is not None:
            each()
    difference_seconds = time.perf_counter() - started
    comparisons = [_compare(p, grads[(p.layer, p.kind)][p.index], d, kink, scale, tolerance, ops.exact, rounding)
                   for p, (d, kink, rounding) in zip(parameters, differences, strict=True)]
    layer_sizes = [layer.W.size + layer.b.size for layer in network.layers]
    return GradCheck(comparisons, h, ops.name, tolerance, B, sum(layer_sizes), layer_sizes, backprop_seconds,
                     difference_seconds)


def _tolerance(precision: str, h: Decimal) -> float:
    # exact mode: the truncation error ~h² sets the bar when h is not tiny
    return max(TOLERANCE[precision], 1e4 * float(h) ** 2) if precision == "exact" else TOLERANCE[precision]


def _difference(network: Network, x: np.ndarray, y: np.ndarray, p: Parameter, h: Any, l2: float,
                base: list[tuple[np.ndarray, np.ndarray]]) -> tuple[Any, bool, float]:
    """((C(θ+h) − C(θ−h)) / 2h, whether a ReLU s(l) changed sign or touched 0 on the way, and the most
    rounding can move that difference: (|C(θ+h)| + |C(θ−h)|) × ROUNDING / 2h)."""
    layer = network.layers[p.layer - 1]
    arr = layer.W if p.kind == "W" else layer.b
    theta = arr[p.index]
    costs, kink = [], False
    with network.ops.context():  # exact mode: θ ± h at the working precision, not mpmath's default
        try:
            for shifted in (theta + h, theta - h):
                arr[p.index] = shifted
                costs.append(total_cost(network, x, y, l2))
                kink = kink or crosses_kink(relu_state(network, x.shape[0]), base)
        finally:
            arr[p.index] = theta
        rounding = 0.0 if network.ops.exact else \
            (abs(float(costs[0])) + abs(float(costs[1]))) * ROUNDING[network.ops.name] / (2 * float(h))
        return (costs[0] - costs[1]) / (h + h), kink, rounding


def _compare(p: Parameter, g: Any, d: Any, kink: bool, scale: Any, tolerance: float, exact: bool,
             rounding: float = 0.0) -> Comparison:
    if not exact:
        g, d = float(g), float(d)
        denominator = max(abs(g), abs(d), float(scale))
        error = abs(g - d) / denominator if denominator else 0.0
        return Comparison(p, g, d, error, None, kink, tolerance, rounding)
    g, d, s = certain_array(np.array([g, d, scale], dtype=object))
    if g.lo == g.hi == d.lo == d.hi:  # the same number, known exactly (0 = 0 at a dead unit…)
        return Comparison(p, g, d, 0.0, EXACT_DIGITS, kink, tolerance)
    gap, size = abs(g - d), max(abs(g), abs(d))
    # upper bounds of the relative difference: against max(|g|, |d|, s) for the verdict, against the
    # entry itself (when it is surely not 0) for the agreeing digits; absolute when there is no scale at all
    error = _ratio(gap.hi, max(size.lo, s.lo))
    entry = _ratio(gap.hi, size.lo if size.lo > 0 else s.lo)
    digits = EXACT_DIGITS if entry == 0 else min(EXACT_DIGITS, int(-mpmath.floor(mpmath.log10(entry))) - 1)
    return Comparison(p, g, d, float(error), max(0, digits), kink, tolerance)


def _ratio(gap: mpmath.mpf, denominator: mpmath.mpf) -> mpmath.mpf:
    return gap / denominator if denominator > 0 else gap
