"""How much arithmetic the engine's matrix products do: the figure behind "GFLOP/s" in `tutor train`'s
epoch line and in the benchmarks.

Only the matrix products are counted (one multiply-add = 2 floating-point operations); the elementwise
work (h, h', ⊙, the update) is a few percent of it for MNIST-sized layers. For a minibatch of B rows:

    forward    s(l) = W(l) a(l-1)           l = 1..L       2 B n_l n_(l-1)
    backward   W(l+1)ᵀ δ(l+1)               l = L-1..1     2 B n_(l+1) n_l   (no δ(0): x needs none)
    gradient   ∇W(l) = δ(l) a(l-1)ᵀ         l = 1..L       2 B n_l n_(l-1)
"""

from __future__ import annotations

from itertools import pairwise


def forward_flops(sizes: list[int], rows: int) -> int:
    """FLOP of the forward products for ``rows`` samples through a network of ``sizes`` = [n_0, …, n_L]."""
    return 2 * rows * sum(n_in * n_out for n_in, n_out in pairwise(sizes))


def step_flops(sizes: list[int], batch: int) -> int:
    """FLOP of one SGD step's products on a minibatch of ``batch``: forward, backward δ(l) and ∇W(l)."""
    backward = 2 * batch * sum(n_in * n_out for n_in, n_out in list(pairwise(sizes))[1:])
    return 2 * forward_flops(sizes, batch) + backward


def epoch_flops(sizes: list[int], batch: int, n_train: int, n_measured: int) -> int:
    """FLOP of one training epoch: n_train / batch steps, then forward passes over the ``n_measured`` images
    whose loss and accuracy the epoch reports (training + validation)."""
    return (n_train // batch) * step_flops(sizes, batch) + forward_flops(sizes, n_measured)
