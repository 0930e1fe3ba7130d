"""A student's numpy MLP step, written from the lecture's equations without the engine: the tests' reference.

Rows are samples (x is B × n0); W[l] is (units out, units in). The tests copy this file and plant one bug
by replacing one line (each line they replace is unique here)."""

import numpy as np

HIDDEN = "tanh"      # tanh | relu
OUTPUT = "softmax"   # softmax (cross-entropy) | sigmoid | identity (½ squared error)


def h(s):
    if HIDDEN == "tanh":
        return np.tanh(s)
    return np.maximum(s, 0)


def h_prime(s):
    if HIDDEN == "tanh":
        return 1 - np.tanh(s) ** 2
    return (s > 0).astype(float)


def output(s):
    if OUTPUT == "softmax":
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if OUTPUT == "sigmoid":
        return 1 / (1 + np.exp(-s))
    return s


def output_delta(a, y):
    if OUTPUT == "softmax":
        return a - y  # softmax + cross-entropy
    if OUTPUT == "sigmoid":
        return (a - y) * a * (1 - a)
    return a - y  # identity: h' = 1


def step(W, b, x, y, eta):
    B, L = x.shape[0], len(W)
    a, s = [x], []
    for l in range(L):
        s.append(a[-1] @ W[l].T + b[l])
        a.append(h(s[-1]) if l < L - 1 else output(s[-1]))
    delta = [None] * L
    delta[L - 1] = output_delta(a[L], y)
    for l in range(L - 2, -1, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(s[l])
    grad_W = [delta[l].T @ a[l] / B for l in range(L)]
    grad_b = [delta[l].mean(axis=0) for l in range(L)]
    W_new = [W[l] - eta * grad_W[l] for l in range(L)]
    b_new = [b[l] - eta * grad_b[l] for l in range(L)]
    return {"s": s, "a": a, "delta": delta, "grad_W": grad_W, "grad_b": grad_b, "W": W_new, "b": b_new}
