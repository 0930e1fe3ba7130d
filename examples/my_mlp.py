"""A student's numpy MLP training step, as HW5 has one write it, with ONE planted bug. Find it with

    tutor compare examples/my_mlp.py:my_step --data fashion-mnist --activation relu

(docs/compare.md shows what that says.) Samples are columns here (x is n0 × B), as in many course notebooks;
`tutor compare` reads that layout and says so. W[l] is (units out, units in), as in mnist_network_params.hdf5.
"""

import numpy as np


def relu(s):
    return np.maximum(s, 0)


def relu_prime(s):
    return (s > 0).astype(float)


def softmax(s):
    e = np.exp(s - s.max(axis=0))  # subtract each sample's largest s: e^s cannot overflow
    return e / e.sum(axis=0)


def my_step(W, b, x, y, eta):
    """One SGD step on the minibatch x (B × n0, one-hot y B × nL), returning every array along the way."""
    x, y = x.T, y.T  # samples as columns from here on
    L = len(W)
    a, s = [x], []
    for l in range(L):  # s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l))
        s.append(W[l] @ a[l] + b[l][:, None])
        a.append(relu(s[l]) if l < L - 1 else softmax(s[l]))
    delta = [None] * L
    delta[L - 1] = a[L] - y  # softmax + cross-entropy
    for l in range(L - 2, -1, -1):  # δ(l) = h'(s(l)) ⊙ (W(l+1)ᵀ δ(l+1))
        delta[l] = relu_prime(s[l]) * (W[l + 1].T @ delta[l + 1])
    grad_W = [delta[l] @ a[l].T for l in range(L)]  # ∇W(l) = δ(l) a(l-1)ᵀ over the minibatch
    grad_b = [delta[l].mean(axis=1) for l in range(L)]
    W_new = [W[l] - eta * grad_W[l] for l in range(L)]
    b_new = [b[l] - eta * grad_b[l] for l in range(L)]
    return {"s": s, "a": a[1:], "delta": delta, "grad_W": grad_W, "grad_b": grad_b, "W": W_new, "b": b_new}
