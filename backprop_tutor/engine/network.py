"""A multilayer perceptron trained by backpropagation, in the course's notation.

Layers l = 1..L; a(0) = x.
    forward    s(l) = W(l) a(l-1) + b(l),  a(l) = h(s(l)),  a'(l) = h'(s(l))
    output     δ(L) = ∇s(L) C               (a − y for softmax + cross-entropy)
    backward   δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))   with the weights *before* this step's update
    gradient   ∇W(l) = mean over the minibatch of δ(l) a(l-1)ᵀ (+ λ W(l)),  ∇b(l) = mean of δ(l)
               (a minibatch in N equal parts: ∇W(l) = (1/N) Σ_parts ∇W(l)_part + λ W(l), `combine_gradients`)
    update     W(l) ← W(l) − η ∇W(l),  b(l) ← b(l) − η ∇b(l)   (with momentum μ: v ← μv − η∇, W ← W + v)

W(l) has shape (units out, units in), as in the course's files. A minibatch is B samples stored as
rows, so in code a column vector v of the slides is the row v[i] of a (B, units) array, and
W(l) a(l-1) for every sample at once is a(l-1) @ W(l)ᵀ, shape (B, n_l).

Work arrays are allocated once per batch size and reused, so a training step allocates nothing
big. forward, backward and update hold only the math; `train_step` with a `Recorder` copies the step's
values into events for the trace once the step is done (`record_step`, at the end of this file: the work
arrays keep every value until the next step), and without one copies nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from backprop_tutor.engine.activations import Activation, activation
from backprop_tutor.engine.init import init_weights
from backprop_tutor.engine.losses import Loss, loss
from backprop_tutor.engine.precision import Ops, ops_for
from backprop_tutor.plural import count
from backprop_tutor.trace.events import Delta, Forward, Gradient, Input, OutputDelta, Update
from backprop_tutor.trace.events import Loss as LossEvent
from backprop_tutor.trace.recorder import Recorder

Array = np.ndarray


@dataclass
class Layer:
    """Layer l: W(l) (units out, units in), b(l) (units out,), and its activation h."""

    W: Array
    b: Array
    h: Activation

    @property
    def units(self) -> int:
        return self.W.shape[0]


class _Workspace:
    """Preallocated arrays for one batch size B; index l = 0..L (s[0], a_prime[0] unused). ``zeros`` allocates
    each (default: the precision's own; e.g. memory another process shares)."""

    def __init__(self, sizes: list[int], B: int, ops: Ops, zeros: Callable[[tuple[int, ...]], Array] | None = None
                 ) -> None:
        zeros = zeros or ops.zeros
        self.s = [zeros((B, n)) for n in sizes]
        self.a = [zeros((B, n)) for n in sizes]
        self.x = self.a[0]  # a(0) when x must be converted; see Network.forward
        self.a_prime = [zeros((B, n)) for n in sizes]
        self.delta = [zeros((B, n)) for n in sizes]
        self.back = [zeros((B, n)) for n in sizes]  # W(l+1)ᵀ δ(l+1), before ⊙ a'(l) makes it δ(l)
        self.dW = [zeros((n, m)) for m, n in zip([0, *sizes[:-1]], sizes, strict=True)]
        self.db = [zeros((n,)) for n in sizes]

    @classmethod
    def joined(cls, parts: list[_Workspace], x: Array) -> _Workspace:
        """The minibatch x's rows from its parts' (in order): s, a, a', δ, W(l+1)ᵀ δ(l+1) of every sample; ∇W(l),
        ∇b(l) are the first part's (`Network.combine_gradients` made them the minibatch's)."""
        whole = cls.__new__(cls)
        for name in ("s", "a", "a_prime", "delta", "back"):
            setattr(whole, name, [np.concatenate(rows) for rows in zip(*(getattr(p, name) for p in parts),
                                                                       strict=True)])
        whole.a[0] = whole.x = x  # (a part's a(0) is its rows of x, wherever its process took them)
        whole.dW, whole.db = parts[0].dW, parts[0].db
        return whole


class Parts(Protocol):
    """The other parts of a minibatch computed in parts (`Network.train_step`)."""

    networks: list[Network]  # each computing its part's forward and backward (λ = 0) on the same layers

    def wait(self) -> None:
        """Return once every part's gradients are in its network's work arrays."""


class Network:
    """An MLP with one loss, computing in one precision (`Ops`).

    ``layers[l-1]`` is layer l. ``relu_prime_at_zero`` is the value used for ReLU's h'(0)."""

    def __init__(self, layers: list[Layer], loss: Loss, ops: Ops, relu_prime_at_zero: float = 0.0) -> None:
        self.layers = layers
        self.loss = loss
        self.ops = ops
        self.relu_prime_at_zero = relu_prime_at_zero
        self._workspaces: dict[int, _Workspace] = {}
        self._velocity: list[tuple[Array, Array]] | None = None
        self._step: list[tuple[Array, Array]] = [(ops.zeros(layer.W.shape), ops.zeros(layer.b.shape))
                                                  for layer in layers]

    @property
    def sizes(self) -> list[int]:
        """[n_0, n_1, …, n_L]: units of the input and of each layer."""
        return [self.layers[0].W.shape[1]] + [layer.units for layer in self.layers]

    @property
    def L(self) -> int:
        return len(self.layers)

    def _workspace(self, B: int) -> _Workspace:
        ws = self._workspaces.get(B)
        if ws is None:
            ws = self._workspaces[B] = _Workspace(self.sizes, B, self.ops)
        return ws

    def place_workspace(self, B: int, zeros: Callable[[tuple[int, ...]], Array]) -> None:
        """Make the work arrays for minibatches of B rows with ``zeros`` (e.g. in memory shared with another
        process, which then reads this network's s(l), a(l), δ(l), ∇W(l) of every step)."""
        self._workspaces[B] = _Workspace(self.sizes, B, self.ops, zeros)

    # --- forward --------------------------------------------------------------------------------
    def forward(self, x: Array, derivatives: bool = True) -> Array:
        """Feed x (B, n_0) forward; returns a(L) (B, n_L), a view of a work array (copy to keep it).
        x itself serves as a(0) (no copy) until the next forward, so leave it unchanged until backward.

        ``derivatives=False`` skips a'(l) (inference: accuracy and loss only)."""
        ops = self.ops
        with ops.context():
            ws = self._workspace(x.shape[0])
            ws.a[0] = self._input(x, ws)  # a(0) = x
            for l, layer in enumerate(self.layers, start=1):
                # s(l) = W(l) a(l-1) + b(l)        (rows: a(l-1) @ W(l)ᵀ, shape (B, n_l))
                ops.matmul(ws.a[l - 1], layer.W.T, out=ws.s[l])
                ws.s[l] += layer.b
                # a(l) = h(s(l)),  a'(l) = h'(s(l))
                layer.h.h(ws.s[l], ws.a[l], ops)
                if derivatives and layer.h.elementwise:
                    layer.h.h_prime(ws.s[l], ws.a[l], ws.a_prime[l], ops, self.relu_prime_at_zero)
            return ws.a[self.L]

    def _input(self, x: Array, ws: _Workspace) -> Array:
        """x as a(0). A float array already of the work type and shape is used as it is: copying it would be
        the step's biggest memory traffic after the matrix products. Anything else is converted."""
        if not self.ops.exact and x.dtype == ws.x.dtype and x.shape == ws.x.shape:
            return x
        ws.x[...] = x
        return ws.x

    def cost(self, y: Array, x: Array | None = None) -> Array:
        """C per sample (B,) for the last forward pass (or forward x first)."""
        if x is not None:
            self.forward(x, derivatives=False)
        with self.ops.context():
            ws = self._workspace(y.shape[0])
            return self.loss.cost(ws.s[self.L], ws.a[self.L], y, self.ops)

    # --- backward -------------------------------------------------------------------------------
    def backward(self, y: Array, l2: float = 0.0) -> None:
        """δ(l) for l = L..1 and ∇W(l), ∇b(l), after a forward pass of the same minibatch."""
        ops, L, B = self.ops, self.L, y.shape[0]
        with ops.context():
            ws = self._workspace(B)
            # δ(L) = ∇s(L) C
            self.loss.delta(ws.a[L], y, ws.a_prime[L] if self.layers[-1].h.elementwise else None, ws.delta[L])
            # δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))      (rows: (δ(l+1) @ W(l+1)) ⊙ a'(l), shape (B, n_l))
            for l in range(L - 1, 0, -1):
                ops.matmul(ws.delta[l + 1], self.layers[l].W, out=ws.back[l])
                np.multiply(ws.back[l], ws.a_prime[l], out=ws.delta[l])
            # ∇W(l) = (1/B) Σ_samples δ(l) a(l-1)ᵀ (+ λ W(l)),  ∇b(l) = (1/B) Σ_samples δ(l)
            #                                      (rows: δ(l)ᵀ @ a(l-1) / B, shape (n_l, n_{l-1}))
            inv_B = ops.scalar(1) / ops.scalar(B)
            for l in range(L, 0, -1):
                ops.matmul(ws.delta[l].T, ws.a[l - 1], out=ws.dW[l])
                ws.dW[l] *= inv_B
                ops.column_sum(ws.delta[l], ws.db[l])
                ws.db[l] *= inv_B
                if l2:  # ∇ of (λ/2)‖W(l)‖² (array first: an interval × array fails)
                    ws.dW[l] += self.layers[l - 1].W * ops.scalar(l2)

    def combine_gradients(self, B: int, parts: list[Network], l2: float = 0.0) -> None:
        """A minibatch's ∇W(l), ∇b(l) from its N equal parts of B rows, each part's from a backward with λ = 0
        (this network's own first, then ``parts``'): ∇W(l) = (1/N) Σ_parts ∇W(l)_part + λ W(l), the mean over
        the whole minibatch; likewise ∇b(l) without λ. The result is this network's, for `update(η, B)`."""
        ops = self.ops
        with ops.context():
            ws, others = self._workspace(B), [part._workspace(B) for part in parts]
            inv_N = ops.scalar(1) / ops.scalar(len(parts) + 1)
            for l in range(self.L, 0, -1):
                for other in others:
                    ws.dW[l] += other.dW[l]
                    ws.db[l] += other.db[l]
                ws.dW[l] *= inv_N
                ws.db[l] *= inv_N
                if l2:
                    ws.dW[l] += self.layers[l - 1].W * ops.scalar(l2)

    # --- update ---------------------------------------------------------------------------------
    def update(self, eta: float, B: int, momentum: float = 0.0) -> None:
        """W(l) ← W(l) − η ∇W(l), b(l) ← b(l) − η ∇b(l), with the gradients of the last backward
        (with momentum μ: v ← μ v − η ∇, W ← W + v)."""
        ops = self.ops
        with ops.context():
            ws = self._workspace(B)
            eta_, mu = ops.scalar(eta), ops.scalar(momentum)
            if momentum and self._velocity is None:
                self._velocity = [(ops.zeros(layer.W.shape), ops.zeros(layer.b.shape)) for layer in self.layers]
            for l in range(self.L, 0, -1):  # the order a student writes them: W(L) first
                layer, (step_W, step_b) = self.layers[l - 1], self._step[l - 1]
                np.multiply(ws.dW[l], eta_, out=step_W)  # η ∇W(l)
                np.multiply(ws.db[l], eta_, out=step_b)  # η ∇b(l)
                if momentum:  # v ← μ v − η ∇,  W ← W + v
                    vW, vb = self._velocity[l - 1]  # type: ignore[index]
                    vW *= mu
                    vW -= step_W
                    vb *= mu
                    vb -= step_b
                    layer.W += vW
                    layer.b += vb
                else:  # W ← W − η ∇
                    layer.W -= step_W
                    layer.b -= step_b

    def train_step(self, x: Array, y: Array, eta: float, recorder: Recorder | None = None,
                   momentum: float = 0.0, l2: float = 0.0, parts: Parts | None = None) -> None:
        """One SGD step on the minibatch (x, y), each (B, units). With a ``recorder``, every value of the step
        is recorded afterwards (the weights before the update are kept first); without, nothing is copied.
        With ``parts``, the minibatch is computed in N equal parts at once: this network takes the first B/N
        rows, ``parts.networks`` the others' (in other processes: `train.processes`), and the gradients are
        combined (`combine_gradients`) for one update once ``parts.wait()`` returns."""
        before = None if recorder is None else [(layer.W.copy(), layer.b.copy()) for layer in self.layers]
        if parts is None:
            B = x.shape[0]
            self.forward(x)
            self.backward(y, l2=l2)
        else:  # λ's term is added once, to the combined gradient
            B = x.shape[0] // (len(parts.networks) + 1)
            self.forward(x[:B])
            self.backward(y[:B])
            parts.wait()
            self.combine_gradients(B, parts.networks, l2)
        self.update(eta, B, momentum=momentum)
        if recorder is not None:
            record_step(recorder, self, x, y, before, eta, momentum,  # type: ignore[arg-type]
                        None if parts is None else parts.networks)

    @property
    def velocity(self) -> list[tuple[Array, Array]] | None:
        """Momentum's v(l) for W(l) and b(l), layer 1 first; None until a step with momentum ran.
        Part of the training state: a checkpoint needs it to continue bit-identically."""
        return self._velocity

    @velocity.setter
    def velocity(self, value: list[tuple[Array, Array]] | None) -> None:
        if value is not None and [(vW.shape, vb.shape) for vW, vb in value] != [
                (layer.W.shape, layer.b.shape) for layer in self.layers]:
            raise ValueError("velocity shapes do not match the layers' W(l), b(l)")
        self._velocity = value

    def parameters(self) -> dict[str, Any]:
        """{"W1": W(1), "b1": b(1), …}: the layout of the course's mnist_network_params.hdf5."""
        params: dict[str, Any] = {}
        for l, layer in enumerate(self.layers, start=1):
            params[f"W{l}"] = layer.W
            params[f"b{l}"] = layer.b
        return params


# --- recording ------------------------------------------------------------------------------------
def record_step(recorder: Recorder, net: Network, x: Any, y: Any, before: list[tuple[Any, Any]], eta: float,
                momentum: float, parts: list[Network] | None = None) -> None:
    """Record the step ``net`` just took on (x, y), in the order a student writes it: x, y; s(l), a(l), a'(l)
    for l = 1..L; C; δ(L) (also the long way, A ∇a C); δ(l) with W(l+1)ᵀ δ(l+1) for l = L-1..1; ∇W(l), ∇b(l)
    and the update, l = L..1. ``before``: [(W(l), b(l))] as they were before the update. ``parts``: for a step
    computed in parts (`Network.combine_gradients`), the other parts' networks: their rows follow ``net``'s."""
    ops, L = net.ops, net.L
    if parts:
        rows = x.shape[0] // (len(parts) + 1)
        ws = _Workspace.joined([n._workspace(rows) for n in [net, *parts]], x)
    else:
        ws = net._workspace(x.shape[0])
    with ops.context():
        recorder.record(Input(0, x.copy(), y.copy()))
        for l, layer in enumerate(net.layers, start=1):
            recorder.record(Forward(l, ws.s[l].copy(), ws.a[l].copy(),
                                    ws.a_prime[l].copy() if layer.h.elementwise else None))
        recorder.record(LossEvent(L, net.loss.cost(ws.s[L], ws.a[L], y, ops)))
        jacobian, grad_a = net.loss.long_way(ws.a[L], y, ws.a_prime[L] if net.layers[-1].h.elementwise else None,
                                             ops)
        # A ∇a C, per sample: (B, n, n) · (B, n) → (B, n); equals δ(L) (the trace shows both)
        recorder.record(OutputDelta(L, ws.delta[L].copy(), jacobian, grad_a,
                                    np.matmul(jacobian, grad_a[:, :, None])[:, :, 0]))
        for l in range(L - 1, 0, -1):
            recorder.record(Delta(l, ws.delta[l].copy(), ws.back[l].copy()))
        for l in range(L, 0, -1):
            recorder.record(Gradient(l, ws.dW[l].copy(), ws.db[l].copy()))
        for l in range(L, 0, -1):
            layer, (W_before, b_before) = net.layers[l - 1], before[l - 1]
            v_W, v_b = (v.copy() for v in net.velocity[l - 1]) if momentum and net.velocity else (None, None)
            recorder.record(Update(l, W_before, layer.W.copy(), b_before, layer.b.copy(), eta=float(eta),
                                   momentum=float(momentum), v_W=v_W, v_b=v_b))


def network_from_parameters(params: list[tuple[Any, Any]], activations: list[str], loss_name: str,
                            precision: str = "float64", relu_prime_at_zero: float = 0.0) -> Network:
    """The one way to build a Network: [(W(1), b(1)), …] with W(l) shaped (units out, units in), one
    activation per layer (the last is the output's), a loss, and the precision to compute in. The
    arrays are copied into that precision. Used by spec files, the trainer and inference alike."""
    if len(activations) != len(params):
        raise ValueError(f"{count(len(params), 'layer')} need {len(params)} activations, got {len(activations)}")
    ops = ops_for(precision)
    layers = [Layer(ops.asarray(W), ops.asarray(b), activation(name))
              for (W, b), name in zip(params, activations, strict=True)]
    return Network(layers, loss(loss_name), ops, relu_prime_at_zero)


def mlp(sizes: list[int], activations: list[str], loss_name: str, precision: str = "float64",
        init: str = "he", seed: int = 0, relu_prime_at_zero: float = 0.0, **init_params: float) -> Network:
    """A freshly initialised network: ``sizes`` = [n_0, …, n_L], one activation per layer (the
    last is the output's: "softmax" with "cross-entropy"), weights drawn by ``init`` with ``seed``,
    biases 0. E.g. ``mlp([784, 100, 50, 25, 10], ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32")``."""
    if len(activations) != len(sizes) - 1:
        raise ValueError(f"{count(len(sizes) - 1, 'layer')} need {len(sizes) - 1} activations, got {len(activations)}")
    rng = np.random.default_rng(seed)
    params = [(init_weights(init, n_in, n_out, rng, **init_params), np.zeros(n_out))
              for n_in, n_out in itertools.pairwise(sizes)]
    return network_from_parameters(params, activations, loss_name, precision, relu_prime_at_zero)
