"""The first wrong entry's equation with its numbers, computed from the student's own earlier arrays
(``own``), so they can redo that one entry by hand: which sample, which inputs, what it should come to."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop_tutor.compare import rules
from backprop_tutor.compare.problem import QUANTITY, Problem
from backprop_tutor.notation import cell_text as c
from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count

Index = tuple[int, ...]


def n(value: float) -> str:
    """A number of the working, at 6 digits, written as every view writes numbers."""
    return fmt(float(value), 6)


def _s(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    product = float((p.x if l == 1 else own("a", l - 1))[i] @ p.W[l - 1][j])
    return (f"{c('s', l, j)} = {c('W', l, j, '·')} · {c('a', l - 1)} + {c('b', l, j)} = {n(product)} + "
            f"{n(p.b[l - 1][j])}")


def _a(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    s = own("s", l)[i]
    if p.activations[l - 1] == "softmax":
        return (f"{c('a', l, j)} = e^({c('s', None, j)} − max s) / Σ_k e^({c('s', None, 'k')} − max s) with "
                f"{c('s', l, j)} = {n(s[j])}, max s = {n(np.max(s))}")
    return f"{c('a', l, j)} = {p.activations[l - 1]}({c('s', l, j)}) = {p.activations[l - 1]}({n(s[j])})"


def _delta(l: int, index: Index, p: Problem, own: rules.Own) -> str:
    i, j = index
    if l == p.L:
        a, y = own("a", l)[i, j], p.y[i, j]
        if p.loss == "cross-entropy":
            return f"{c('δ', l, j)} = {c('a', l, j)} − {c('y', None, j)} = {n(a)} − {n(y)}"
        return (f"{c('δ', l, j)} = ({c('a', l, j)} − {c('y', None, j)}) h'({c('s', l, j)}) = ({n(a)} − {n(y)}) × "
                f"{n(rules.h_prime(p, l, own('s', l))[i, j])}")
    back = float(own("delta", l + 1)[i] @ p.W[l][:, j])
    back_j = c(f"({c('W', l + 1)}ᵀ {c('δ', l + 1)})", None, j)
    return (f"{c('δ', l, j)} = h'({c('s', l, j)}) × {back_j} = "
            f"{n(rules.h_prime(p, l, own('s', l))[i, j])} × {n(back)}")


def _gradient(name: str) -> Callable[[int, Index, Problem, rules.Own], str]:
    def working(l: int, index: Index, p: Problem, own: rules.Own) -> str:
        delta = own("delta", l)[:, index[0]]
        if name == "grad_W":
            a = (p.x if l == 1 else own("a", l - 1))[:, index[1]]
            term, total = f"{c('δ', l, index[0])} {c('a', l - 1, index[1])}", float(delta @ a)
        else:
            term, total = c("δ", l, index[0]), float(delta.sum())
        return (f"{c(QUANTITY[name], l, *index)} = (1/B) Σ over the B = {count(p.B, 'sample')} of {term} = "
                f"{n(total)} / {p.B}")

    return working


def _update(name: str) -> Callable[[int, Index, Problem, rules.Own], str]:
    def working(l: int, index: Index, p: Problem, own: rules.Own) -> str:
        before = (p.W if name == "W" else p.b)[l - 1][index]
        grad = own(f"grad_{name}", l)[index]
        return (f"{c(name, l, *index)} ← {c(name, l)} − η {c(QUANTITY['grad_' + name], l)} = {n(before)} − "
                f"{p.eta:g} × {n(grad)}")

    return working


WORKING = {"s": _s, "a": _a, "delta": _delta, "grad_W": _gradient("grad_W"), "grad_b": _gradient("grad_b"),
           "W": _update("W"), "b": _update("b")}


def equation(key: tuple[str, int], index: Index, p: Problem, own: rules.Own) -> str:
    """``key``'s entry ``index`` (sample first for s, a, δ): its equation, numbers, and what it comes to."""
    name, l = key
    sample = f"sample {index[0]}: " if name in ("s", "a", "delta") else ""
    return f"{sample}{WORKING[name](l, index, p, own)} = {n(own.right(name, l)[index])}"
