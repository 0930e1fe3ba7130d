"""One number of a quantity worked out, from any values: the equations of `equations`, cell by cell,
in the same parts (`Sym`, `Num`, `Equation`) and the same notation, which `backprop_tutor.render.math`
writes. The checker's working reads them, from the true values or from a student's own earlier ones
(what their inputs give), e.g. s(2)[1] = W(2)[1,·] a(1) + b(2)[1] = 1·5 + (-2)·0 + 1 = 6.

A cell has a route where a student may take either of two: C from s(L) or from a(L); a'(l) as
h'(s(l)) or from a(l) (a(1 − a), 1 − a²).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from backprop_tutor.notation import Index, Quantity
from backprop_tutor.worksheet.equations import (
    ASSIGN,
    CLOSE,
    EQ,
    MINUS,
    OPEN,
    PLUS,
    SPACE,
    TIMES,
    Equation,
    Expr,
    Sym,
    fn,
    num,
    scalar_sym,
    sym,
)
from backprop_tutor.worksheet.terms import joined, power, signed, softmax_unit


class Via(StrEnum):
    """Which of a quantity's routes a value followed (the checker's recompute and this working name them alike)."""

    EQUATION = ""
    FROM_S = "from s"  # C from s(L); a'(l) as h'(s(l))
    FROM_A = "from a"  # C from a(L); a'(l) from a(l): a(1 − a), 1 − a²


Values = Mapping[tuple[Quantity, int], Any]


class Givens(Protocol):
    """The problem as stated (`check.expected.Given` is one): x, y, W(l) and b(l) before the update, η, λ
    (L2), each layer's h, the loss and the minibatch's size."""

    x: Any
    y: Any
    W: Any
    b: Any
    eta: Any
    activations: list[str]
    loss: str
    l2: Any
    batch_size: int


@dataclass(frozen=True)
class _Cell:
    quantity: Quantity
    l: int
    index: tuple[int, ...]
    given: Givens
    values: Values
    result: Any
    via: Via

    @property
    def j(self) -> int:
        return self.index[0] if self.index else 0

    def me(self, *more: Index) -> Sym:
        """This cell in the notation: s(2)[1]; the cost is C."""
        return Sym("C", "C") if self.quantity is Quantity.COST else scalar_sym(str(self.quantity), self.l, *more)

    def value(self, quantity: Quantity, l: int) -> Any:
        return self.given.x if quantity is Quantity.A and l == 0 else self.values[(quantity, l)]

    def h(self) -> str:
        return self.given.activations[self.l - 1]

    def equation(self, notation: Expr, substituted: Expr = (), relation: Sym = EQ, term: bool = False) -> Equation:
        """``term``: ``substituted`` is this sample's term of a minibatch's mean, which the result is."""
        if term:
            return Equation((self.me(*self.index),), notation, (*substituted, _THEN, num(self.result)),
                            relation=relation, writes=self.quantity)
        return Equation((self.me(*self.index),), notation, substituted, num(self.result), relation,
                        writes=self.quantity)


def cell_equation(quantity: Quantity, layer: int, index: Sequence[int], given: Givens, values: Values, result: Any,
                  via: Via = Via.EQUATION) -> Equation:
    """The cell ``index`` (0-based; () for C) of ``quantity`` of ``layer`` worked out with ``values`` (every
    quantity it needs, by (quantity, layer)) and ``given``, coming to ``result``, by the route ``via``."""
    cell = _Cell(quantity, layer, tuple(int(i) for i in index), given, values, result, via)
    return BUILDERS[quantity](cell)


def _s(c: _Cell) -> Equation:
    l, j, g = c.l, c.j, c.given
    a = c.value(Quantity.A, l - 1)
    terms = joined([(*signed(w), TIMES, *signed(v)) for w, v in zip(g.W[l][j], a, strict=True)], PLUS)
    return c.equation((scalar_sym("W", l, j, "·"), SPACE, sym("a", l - 1), PLUS, scalar_sym("b", l, j)),
                      (*terms, PLUS, *signed(g.b[l][j])))


def _a(c: _Cell) -> Equation:
    l, j, s = c.l, c.j, c.value(Quantity.S, c.l)
    if c.h() == "softmax":
        each = joined([power(*signed(v)) for v in s], PLUS)
        return c.equation(softmax_unit(l, j),
                          (*power(*signed(s[j])), Sym(" / ", " / "), OPEN, *each, CLOSE))
    return c.equation((fn(c.h()), OPEN, scalar_sym("s", l, j), CLOSE), (fn(c.h()), OPEN, num(s[j]), CLOSE))


#: h'(s) written in a = h(s), as students compute it from their a(l)
_FROM_A: dict[str, Callable[[Expr], Expr]] = {
    "sigmoid": lambda a: (*a, TIMES, OPEN, Sym("1", "1"), MINUS, *a, CLOSE),
    "tanh": lambda a: (Sym("1", "1"), MINUS, *a, Sym("²", "^2")),
    "relu": lambda a: (Sym("[", r"\left["), *a, Sym(" > 0]", r" > 0\right]")),
}


def _a_prime(c: _Cell) -> Equation:
    l, j, h = c.l, c.j, c.h()
    if c.via == Via.FROM_A and h in _FROM_A:
        return c.equation(_FROM_A[h]((scalar_sym("a", l, j),)), _FROM_A[h](signed(c.value(Quantity.A, l)[j])))
    s = c.value(Quantity.S, l)[j]
    return c.equation((fn(h, prime=True), OPEN, scalar_sym("s", l, j), CLOSE),
                      (fn(h, prime=True), OPEN, num(s), CLOSE))


def _cost(c: _Cell) -> Equation:
    l, g = c.l, c.given
    y, yk = g.y, scalar_sym("y", None, "k")
    if c.via == Via.FROM_S:
        return _cost_from_s(c)
    a, ak = c.value(Quantity.A, l), scalar_sym("a", l, "k")
    if g.loss == "cross-entropy":
        terms = joined([(*signed(t), TIMES, Sym("log ", r"\log "), *signed(v)) for t, v in zip(y, a, strict=True)
                        if t != 0], MINUS)
        return c.equation((Sym("−Σ_k ", r"-\sum_k "), yk, Sym(" log ", r" \log "), ak), (Sym("−", "-"), *terms))
    squares = joined([(OPEN, *signed(v), MINUS, *signed(t), CLOSE, Sym("²", "^2")) for t, v in zip(y, a, strict=True)],
                     PLUS)
    return c.equation((Sym("½ Σ_k ", r"\tfrac{1}{2} \sum_k "), OPEN, ak, MINUS, yk, CLOSE, Sym("²", "^2")),
                      (Sym("½ ", r"\tfrac{1}{2} "), OPEN, *squares, CLOSE))


def _cost_from_s(c: _Cell) -> Equation:
    """C from s(L) alone, without a(L): log Σ e^s − Σ y s for softmax + cross-entropy."""
    l, g, s = c.l, c.given, c.value(Quantity.S, c.l)
    y, yk, sk = g.y, scalar_sym("y", None, "k"), scalar_sym("s", l, "k")
    if g.loss == "cross-entropy":
        exps = joined([power(*signed(v)) for v in s], PLUS)
        ys = joined([(*signed(t), TIMES, *signed(v)) for t, v in zip(y, s, strict=True) if t != 0], PLUS)
        return c.equation((Sym("log Σ_k ", r"\log \sum_k "), *power(sk), Sym(" − Σ_k ", r" - \sum_k "), yk, SPACE, sk),
                          (Sym("log", r"\log"), OPEN, *exps, CLOSE, MINUS, OPEN, *ys, CLOSE))
    h = fn(c.h())
    squares = joined([(OPEN, h, OPEN, num(v), CLOSE, MINUS, *signed(t), CLOSE, Sym("²", "^2"))
                      for t, v in zip(y, s, strict=True)], PLUS)
    return c.equation((Sym("½ Σ_k ", r"\tfrac{1}{2} \sum_k "), OPEN, h, OPEN, sk, CLOSE, MINUS, yk, CLOSE,
                       Sym("²", "^2")),
                      (Sym("½ ", r"\tfrac{1}{2} "), OPEN, *squares, CLOSE))


def _delta(c: _Cell) -> Equation:
    l, j, g = c.l, c.j, c.given
    if l == len(g.activations):
        a, y = c.value(Quantity.A, l)[j], g.y[j]
        difference: Expr = (scalar_sym("a", l, j), MINUS, scalar_sym("y", None, j))
        if g.loss == "cross-entropy":
            return c.equation(difference, (*signed(a), MINUS, *signed(y)))
        ap = c.value(Quantity.A_PRIME, l)[j]
        return c.equation((OPEN, *difference, CLOSE, SPACE, scalar_sym("a'", l, j)),
                          (OPEN, *signed(a), MINUS, *signed(y), CLOSE, TIMES, *signed(ap)))
    later = c.value(Quantity.DELTA, l + 1)
    terms = joined([(*signed(w), TIMES, *signed(d)) for w, d in zip(g.W[l + 1][:, j], later, strict=True)], PLUS)
    ap = c.value(Quantity.A_PRIME, l)[j]
    return c.equation((scalar_sym("a'", l, j), Sym(" Σ_k ", r" \sum_k "), scalar_sym("W", l + 1, "k", j), SPACE,
                       scalar_sym("δ", l + 1, "k")),
                      (*signed(ap), TIMES, OPEN, *terms, CLOSE))


#: With a minibatch the cell is the mean of every sample's term: this sample's term is shown, then the mean.
_THEN = Sym(" (this sample's term; the mean over the minibatch) → ",
            r"\ \text{(this sample's term; the mean over the minibatch)} \rightarrow ")


def _gradient(c: _Cell) -> Equation:
    l, j, g, batch = c.l, c.j, c.given, c.given.batch_size > 1
    d = c.value(Quantity.DELTA, l)[j]
    if c.quantity is Quantity.GRAD_B:
        if not batch:
            return c.equation((scalar_sym("δ", l, j),))
        return c.equation((scalar_sym("δ", l, j),), (num(d),), term=True)
    i = c.index[1]
    a = c.value(Quantity.A, l - 1)[i]
    penalty: Expr = (PLUS, sym("λ"), SPACE, scalar_sym("W", l, j, i)) if g.l2 else ()
    product: Expr = (*signed(d), TIMES, *signed(a))
    if batch:
        return c.equation((scalar_sym("δ", l, j), SPACE, scalar_sym("a", l - 1, i), *penalty), product, term=True)
    with_l2: Expr = (PLUS, *signed(g.l2), TIMES, *signed(g.W[l][j, i])) if g.l2 else ()
    return c.equation((scalar_sym("δ", l, j), SPACE, scalar_sym("a", l - 1, i), *penalty), (*product, *with_l2))


def _update(c: _Cell) -> Equation:
    l, idx, g = c.l, c.index, c.given
    w = c.quantity is Quantity.W_NEW
    name, grad_name = ("W", Quantity.GRAD_W) if w else ("b", Quantity.GRAD_B)
    before = (g.W if w else g.b)[l][idx]
    grad = c.value(grad_name, l)[idx]
    return c.equation((scalar_sym(name, l, *idx), MINUS, sym("η"), SPACE, scalar_sym(str(grad_name), l, *idx)),
                      (*signed(before), MINUS, *signed(g.eta), TIMES, *signed(grad)), relation=ASSIGN)


BUILDERS: dict[Quantity, Callable[[_Cell], Equation]] = {
    Quantity.S: _s, Quantity.A: _a, Quantity.A_PRIME: _a_prime, Quantity.COST: _cost, Quantity.DELTA: _delta,
    Quantity.GRAD_W: _gradient, Quantity.GRAD_B: _gradient, Quantity.W_NEW: _update, Quantity.B_NEW: _update,
}

