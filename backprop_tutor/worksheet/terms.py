"""Scalars and sums written term by term: what the chain-rule and one-neuron views substitute.

A product of a few numbers (0.74136507 × 0.186815602 × 0.593269992) and a sum of products
(Σ_i W(l)[j,i] a(l-1)[i]), with a large fan-in written as its largest terms and "… N more". The products
are the multiplications a student does by hand, in the trace's own number type (exact stays exact).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.numbers.certain import EXACT_DIGITS
from backprop_tutor.worksheet.equations import CLOSE, OPEN, PLUS, Expr, Num, Sym, num, scalar_sym

TIMES_SCALAR = Sym(" × ", r" \times ")
#: a sum with more terms than this is written as its largest |terms| and "… N more"
MOST_TERMS = 6


def power(*exponent: Sym | Num) -> Expr:
    """e raised to ``exponent``: e^s(2)[1] in text, e^{s_{1}^{(2)}} in LaTeX."""
    return (Sym("e^", "e^{"), *exponent, Sym("", "}"))


def softmax_unit(layer: int, j: int) -> Expr:
    """Unit j of a softmax layer: e^s(l)[j] / Σ_k e^s(l)[k]."""
    return (*power(scalar_sym("s", layer, j)), Sym(" / Σ_k ", r" / \sum_k "), *power(scalar_sym("s", layer, "k")))


def partial(top: Sym, bottom: Sym) -> Sym:
    """∂top/∂bottom."""
    return Sym(f"∂{top.text}/∂{bottom.text}", rf"\frac{{\partial {top.latex}}}{{\partial {bottom.latex}}}")


def product(values: Sequence[Any]) -> Any:
    """The product of a few scalars in their own number type (exact values at the exact working precision)."""
    items = [v[()] if isinstance(v, np.ndarray) else v for v in values]
    if any(isinstance(v, mpmath.mpf) for v in items):
        with mpmath.workdps(EXACT_DIGITS):
            return functools.reduce(operator.mul, items)
    return float(functools.reduce(operator.mul, [float(v) for v in items]))


def joined(parts: Sequence[Expr], sep: Sym) -> Expr:
    """The expressions one after the other, ``sep`` between them."""
    out: list[Sym | Num] = []
    for k, part in enumerate(parts):
        out += [sep, *part] if k else list(part)
    return tuple(out)


def largest(terms: np.ndarray, most: int = MOST_TERMS) -> list[int]:
    """The indices of the ``most`` largest |terms|, in index order (all of them if there are few)."""
    n = len(terms)
    if n <= most:
        return list(range(n))
    size = np.abs(np.asarray([float(t) for t in terms]))
    return sorted(np.argsort(-size, kind="stable")[:most].tolist())


def sum_of_products(left: np.ndarray, right: np.ndarray, most: int = MOST_TERMS) -> tuple[Expr, Expr, np.ndarray]:
    """Σ_k left[k] right[k] written out: (the factors "0.4 × 0.593 + …", the terms "0.237 + …", the terms);
    with more than ``most`` terms, the largest |terms| and "+ … (N more, together X)"."""
    terms = np.asarray([product([u, v]) for u, v in zip(left.tolist(), right.tolist(), strict=True)], dtype=object)
    shown = largest(terms, most)
    factors = joined([(*signed(left[k]), TIMES_SCALAR, *signed(right[k])) for k in shown], PLUS)
    values = joined([signed(terms[k]) if n else (num(terms[k]),) for n, k in enumerate(shown)], PLUS)
    rest = len(terms) - len(shown)
    if rest:
        kept = set(shown)
        others = [terms[k] for k in range(len(terms)) if k not in kept]
        together = _sum(others)
        more = (PLUS, Sym(f"… ({rest} more terms, together ", rf"\dots ({rest}\text{{ more terms, together }}"),
                num(together), Sym(")", r"\text{)}"))
        factors, values = (*factors, *more), (*values, *more)
    return factors, values, terms


def times(*values: Any) -> Expr:
    """A product of numbers as written by hand, each negative factor in parentheses: "0.5 × (−1.11e-15)"."""
    return joined([signed(v) for v in values], TIMES_SCALAR)


def signed(value: Any) -> Expr:
    """A number to write after + or ×: in parentheses when negative, "0.5 × (−0.038)"."""
    return (OPEN, num(value), CLOSE) if float(value) < 0 else (num(value),)


def _sum(values: Sequence[Any]) -> Any:
    if any(isinstance(v, mpmath.mpf) for v in values):
        with mpmath.workdps(EXACT_DIGITS):
            return functools.reduce(operator.add, values)
    return float(sum(float(v) for v in values))
