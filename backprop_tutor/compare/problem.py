"""What a student's training step is compared on: the parameters, one minibatch, η, and the engine's answer.

A `Problem` holds the inputs as the student's function receives them (W(l) shaped (units out, units in),
b(l) vectors, x (B × n0), one-hot y (B × nL), η) and `reference` runs the engine once on them, in float64,
with a recorder: the arrays to compare against are read from that trace, as every reader of the engine does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.notation import Quantity, ascii_name

#: The arrays a step returns, by key: the notation in ASCII (delta is δ, grad_W is ∇W; W and b after the update)
QUANTITIES = (Quantity.S, Quantity.A, Quantity.DELTA, Quantity.GRAD_W, Quantity.GRAD_B, Quantity.W_NEW, Quantity.B_NEW)
KEYS = tuple(ascii_name(q) for q in QUANTITIES)
#: each key's notation: delta → δ
QUANTITY = {ascii_name(q): str(q) for q in QUANTITIES}

Array = np.ndarray

#: What the data form of compare uses unless told: the homework's network and minibatch.
DATA_HIDDEN, DATA_BATCH, DATA_ETA = (100, 50, 25), 500, 0.1


@dataclass(frozen=True)
class Problem:
    """The inputs of one SGD step. ``W[l-1]``, ``b[l-1]`` are layer l's, before the step."""

    W: tuple[Array, ...]
    b: tuple[Array, ...]
    x: Array
    y: Array
    eta: float
    activations: tuple[str, ...]
    loss: str
    title: str
    relu_prime_at_zero: float = 0.0

    @property
    def L(self) -> int:
        return len(self.W)

    @property
    def B(self) -> int:
        return self.x.shape[0]

    @property
    def sizes(self) -> list[int]:
        return [self.W[0].shape[1], *(W.shape[0] for W in self.W)]


@dataclass(frozen=True)
class Reference:
    """The engine's arrays for a `Problem`, keyed by (name, layer): ("s", l), ("a", l), ("delta", l),
    ("grad_W", l), ("grad_b", l), ("W", l), ("b", l) (the last two after the update). Per-sample arrays are
    (B, n), as the engine keeps them."""

    arrays: dict[tuple[str, int], Array] = field(default_factory=dict)


def reference(problem: Problem) -> Reference:
    """One float64 step of the engine on ``problem``, read back from its trace."""
    from backprop_tutor.engine.network import network_from_parameters
    from backprop_tutor.trace.events import Delta, Forward, Gradient, OutputDelta, TraceHeader, Update
    from backprop_tutor.trace.recorder import Recorder

    net = network_from_parameters(list(zip(problem.W, problem.b, strict=True)), list(problem.activations),
                                  problem.loss, "float64", problem.relu_prime_at_zero)
    recorder = Recorder(TraceHeader(sizes=problem.sizes, activations=list(problem.activations), loss=problem.loss,
                                    precision="float64", learning_rate=problem.eta, batch_size=problem.B,
                                    title=problem.title))
    with np.errstate(all="ignore"):
        net.train_step(np.asarray(problem.x, np.float64), np.asarray(problem.y, np.float64), problem.eta, recorder)
    out: dict[tuple[str, int], Array] = {}
    for event in recorder.trace.events:
        l = event.layer
        if isinstance(event, Forward):
            out["s", l], out["a", l] = event.s, event.a
        elif isinstance(event, OutputDelta | Delta):
            out["delta", l] = event.delta
        elif isinstance(event, Gradient):
            out["grad_W", l], out["grad_b", l] = event.dW, event.db
        elif isinstance(event, Update):
            out["W", l], out["b", l] = event.W_after, event.b_after
    return Reference(out)


def from_spec(name_or_path: str) -> Problem:
    """A built-in example's or a spec file's network, data and η (plain SGD: no momentum, no λ)."""
    from backprop_tutor.spec import build_network, load_spec, resolve_example, spec_data

    spec = load_spec(resolve_example(name_or_path))
    if spec.momentum or spec.l2:
        raise UsageError(f"{name_or_path}: compare checks plain SGD (W ← W − η ∇W); this spec sets "
                         f"momentum = {spec.momentum} and l2 = {spec.l2}: set both to 0 in a copy")
    net = build_network(spec, "float64")
    x, y = spec_data(spec, "float64")
    return Problem(tuple(layer.W.copy() for layer in net.layers), tuple(layer.b.copy() for layer in net.layers),
                   x, y, float(spec.learning_rate), tuple(ls.activation for ls in spec.layers), spec.loss,
                   f"{spec.title or name_or_path} ({'-'.join(map(str, spec.sizes))})",
                   float(spec.relu_prime_at_zero))


def from_data(data: str, hidden: tuple[int, ...] = DATA_HIDDEN, activation: str = "tanh", batch: int = DATA_BATCH,
              seed: int = 0, eta: float = DATA_ETA) -> Problem:
    """The homework's setting: a softmax + cross-entropy network with ``hidden`` layers of ``activation``,
    He-initialised from ``seed``, and ``batch`` training images of ``data`` drawn with the same seed."""
    from backprop_tutor.data import load_dataset

    if activation not in ("tanh", "relu", "sigmoid"):
        raise UsageError(f"activation {activation!r}: choose tanh, relu or sigmoid")
    if not (np.isfinite(eta) and eta > 0):
        raise UsageError(f"eta {eta}: the learning rate η must be a number > 0, e.g. 0.1")
    if batch < 1 or any(n < 1 for n in hidden):
        raise UsageError(f"batch {batch}, hidden {list(hidden)}: give whole numbers ≥ 1")
    dataset = load_dataset(data)
    if batch > dataset.x_train.shape[0]:
        raise UsageError(f"batch {batch}: {data} holds {dataset.x_train.shape[0]} training images")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(dataset.x_train.shape[0], batch, replace=False))
    x = np.asarray(dataset.x_train[rows], np.float64)
    y = np.asarray(dataset.y_train[rows], np.float64)
    return random_problem([x.shape[1], *hidden, y.shape[1]], activation, x=x, y=y, seed=seed, eta=eta,
                          title=f"{data}, {batch} training images (seed {seed})")


def random_problem(sizes: list[int], activation: str, *, output: str = "softmax", batch: int = 1, seed: int = 0,
                   eta: float = DATA_ETA, x: Array | None = None, y: Array | None = None, title: str = "") -> Problem:
    """He-initialised weights (biases 0.1) for ``sizes``, and x, one-hot y drawn from ``seed`` unless given."""
    from backprop_tutor.engine.init import init_weights

    rng = np.random.default_rng(seed)
    W = tuple(init_weights("he", n_in, n_out, rng) for n_in, n_out in itertools.pairwise(sizes))
    b = tuple(np.full(n, 0.1) for n in sizes[1:])
    if x is None:
        x = rng.standard_normal((batch, sizes[0]))
    if y is None:
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], x.shape[0])]
    loss = "cross-entropy" if output == "softmax" else "squared-error"
    activations = (activation,) * (len(sizes) - 2) + (output,)
    return Problem(W, b, x, y, eta, activations, loss,
                   title or f"{'-'.join(map(str, sizes))} {activation}/{output}, B = {x.shape[0]} (seed {seed})")
