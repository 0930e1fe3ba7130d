"""The first wrong entry's equation with its numbers, computed from the student's own earlier arrays
(``own``), so they can redo that one entry by hand: which sample, which inputs, what it should come to."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop_tutor.compare import rules
from backprop_tutor.compare.problem import Problem
from backprop_tutor.plural import count

Index = tuple[int, ...]


def n(value: float) -> str:
    return f"{float(value):.6g}"


def _s(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    product = float((p.x if l == 1 else own("a", l - 1))[i] @ p.W[l - 1][j])
    return f"s({l})[{j}] = W({l})[{j}, :] · a({l - 1}) + b({l})[{j}] = {n(product)} + {n(p.b[l - 1][j])}"


def _a(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    s = own("s", l)[i]
    if p.activations[l - 1] == "softmax":
        return (f"a({l})[{j}] = e^(s[{j}] − max s) / Σ_k e^(s[k] − max s) with s({l})[{j}] = {n(s[j])}, "
                f"max s = {n(np.max(s))}")
    return f"a({l})[{j}] = {p.activations[l - 1]}(s({l})[{j}]) = {p.activations[l - 1]}({n(s[j])})"


def _delta(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    if l == p.L:
        a, y = own("a", l)[i, j], p.y[i, j]
        if p.loss == "cross-entropy":
            return f"δ({l})[{j}] = a({l})[{j}] − y[{j}] = {n(a)} − {n(y)}"
        return (f"δ({l})[{j}] = (a({l})[{j}] − y[{j}]) h'(s({l})[{j}]) = ({n(a)} − {n(y)}) × "
                f"{n(rules.h_prime(p, l, own('s', l))[i, j])}")
    back = float(own("delta", l + 1)[i] @ p.W[l][:, j])
    return (f"δ({l})[{j}] = h'(s({l})[{j}]) × (W({l + 1})ᵀ δ({l + 1}))[{j}] = "
            f"{n(rules.h_prime(p, l, own('s', l))[i, j])} × {n(back)}")


def _gradient(name: str) -> Callable[[int, Index, Problem, rules.Own], str]:
    def working(l: int, index: Index, p: Problem, own: rules.Own) -> str:
        delta = own("delta", l)[:, index[0]]
        if name == "grad_W":
            a = (p.x if l == 1 else own("a", l - 1))[:, index[1]]
            term, total = f"δ({l})[{index[0]}] a({l - 1})[{index[1]}]", float(delta @ a)
        else:
            term, total = f"δ({l})[{index[0]}]", float(delta.sum())
        return (f"∇{name[-1]}({l}){list(index)} = (1/B) Σ over the B = {count(p.B, 'sample')} of {term} = "
                f"{n(total)} / {p.B}")

    return working


def _update(name: str) -> Callable[[int, Index, Problem, rules.Own], str]:
    def working(l: int, index: Index, p: Problem, own: rules.Own) -> str:
        before = (p.W if name == "W" else p.b)[l - 1][index]
        grad = own(f"grad_{name}", l)[index]
        return f"{name}({l}){list(index)} ← {name}({l}) − η ∇{name}({l}) = {n(before)} − {p.eta:g} × {n(grad)}"

    return working


WORKING = {"s": _s, "a": _a, "delta": _delta, "grad_W": _gradient("grad_W"), "grad_b": _gradient("grad_b"),
           "W": _update("W"), "b": _update("b")}


def equation(key: tuple[str, int], index: Index, p: Problem, own: rules.Own) -> str:
    """``key``'s entry ``index`` (sample first for s, a, δ): its equation, numbers, and what it comes to."""
    name, l = key
    sample = f"sample {index[0]}: " if name in ("s", "a", "delta") else ""
    return f"{sample}{WORKING[name](l, index, p, own)} = {n(own.right(name, l)[index])}"
