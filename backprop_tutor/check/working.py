"""The working of a wrong cell: the quantity's equation from the equations module (the one source of
equations the UI's step panel and the worked solution also draw), and one cell's sum with the
numbers substituted, which the equations module does not write: the correct working, e.g.
``s(2)[1] = W(2)[1,·] a(1) + b(2)[1] = 1·5 + (-2)·0 + 1 = 6``, and the same from the student's own
earlier values (what their inputs give).
"""

from __future__ import annotations

from typing import Any, Protocol

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import cell_name
from backprop_tutor.check.recompute import Via
from backprop_tutor.numbers.format import fmt
from backprop_tutor.render.math import equation_text, text_lines
from backprop_tutor.worksheet.equations import equations_for
from backprop_tutor.worksheet.model import Quantity, build_worksheet


class Cell(Protocol):
    """What the working needs of a marked cell (`check.marking.Marked` is one)."""

    quantity: Quantity
    layer: int
    index: tuple[int, ...]
    expected: Any

Values = dict[tuple[Quantity, int], Any]

DIGITS = 4


def _n(value: Any) -> str:
    text = fmt(value, DIGITS)
    return f"({text})" if text.startswith("-") else text


def quantity_equation(ref: Reference, quantity: Quantity, layer: int) -> str:
    """The equation that produces ``quantity`` of ``layer``, numbers substituted, on one line (what the
    UI's step panel shows for that step): s(2) = W(2) a(1) + b(2) = [[1, -2], [3, 4]]·[5, 0] + [1, 0] = [6, 15].
    Written once per problem: a class's sheets of one problem share it."""
    key = (quantity, layer)
    if key not in ref.equations:
        entry = build_worksheet(ref.trace, ref.sample).entry(quantity, layer)
        found = [] if entry is None else [eq for eq in equations_for(ref.trace, entry.step, ref.sample)
                                          if eq.writes is quantity]
        ref.equations[key] = " ".join(line.strip() for line in text_lines(equation_text(found[-1], DIGITS))) \
            if found else ""
    return ref.equations[key]


def working(cell: Cell, ref: Reference, values: Values | None = None, result: Any = None,
            via: Via = Via.EQUATION) -> str:
    """``cell``'s sum with ``values`` substituted (default: the true values, giving the true result), by
    the route ``via`` (C from s(L) or from a(L); a'(l) from s(l) or from a(l))."""
    q, l, idx = cell.quantity, cell.layer, cell.index
    g, true = ref.given, ref.expected if values is None else values
    j = idx[0] if idx else 0
    x = g.x if l == 1 else true.get((Quantity.A, l - 1))
    name = cell_name(q, l, idx)
    result = fmt(cell.expected if result is None else result, DIGITS)
    if q is Quantity.S:
        terms = " + ".join(f"{_n(w)}·{_n(a)}" for w, a in zip(g.W[l][j], x, strict=True))
        return f"{name} = W({l})[{j + 1},·] a({l - 1}) + b({l})[{j + 1}] = {terms} + {_n(g.b[l][j])} = {result}"
    if q is Quantity.A:
        h = g.activations[l - 1]
        if h == "softmax":
            s = true[(Quantity.S, l)]
            return (f"{name} = e^s({l})[{j + 1}] / Σ_k e^s({l})[k] = e^{_n(s[j])} / "
                    f"({' + '.join(f'e^{_n(v)}' for v in s)}) = {result}")
        return f"{name} = {h}(s({l})[{j + 1}]) = {h}({fmt(true[(Quantity.S, l)][j], DIGITS)}) = {result}"
    if q is Quantity.A_PRIME:
        h = g.activations[l - 1]
        if via is Via.FROM_A and h in _A_FORMS:
            a = f"a({l})[{j + 1}]"
            mine = _A_FORMS[h].format(a=_n(true[(Quantity.A, l)][j]))
            return f"{name} = {_A_FORMS[h].format(a=a)} = {mine} = {result}"
        return f"{name} = {h}'(s({l})[{j + 1}]) = {h}'({fmt(true[(Quantity.S, l)][j], DIGITS)}) = {result}"
    if q is Quantity.COST and via is Via.FROM_S:
        return _cost_from_s(l, g.activations[l - 1], g, true[(Quantity.S, l)], result)
    if q is Quantity.COST:
        a = true[(Quantity.A, l)]
        if g.loss == "cross-entropy":
            terms = " − ".join(f"{_n(y)}·log {_n(v)}" for y, v in zip(g.y, a, strict=True) if y != 0)
            return f"C = −Σ_k y_k log a({l})[k] = −{terms} = {result}"
        terms = " + ".join(f"({_n(v)} − {_n(y)})²" for y, v in zip(g.y, a, strict=True))
        return f"C = ½ Σ_k (a({l})[k] − y_k)² = ½ ({terms}) = {result}"
    if q is Quantity.DELTA:
        return _delta(name, l, j, ref, true, result)
    return _gradient_or_update(name, q, l, idx, ref, true, result)


#: h'(s) written in a = h(s), as students compute it from their a(l)
_A_FORMS = {"sigmoid": "{a}·(1 − {a})", "tanh": "1 − {a}²", "relu": "[{a} > 0]"}


def _cost_from_s(l: int, h: str, g: Any, s: Any, result: str) -> str:
    """C from s(L) alone, without a(L): log Σ e^s − Σ y s for softmax + cross-entropy."""
    if g.loss == "cross-entropy":
        ys = " + ".join(f"{_n(y)}·{_n(v)}" for y, v in zip(g.y, s, strict=True) if y != 0)
        exps = " + ".join(f"e^{_n(v)}" for v in s)
        return f"C = log Σ_k e^s({l})[k] − Σ_k y_k s({l})[k] = log({exps}) − ({ys}) = {result}"
    terms = " + ".join(f"({h}({_n(v)}) − {_n(y)})²" for y, v in zip(g.y, s, strict=True))
    return f"C = ½ Σ_k ({h}(s({l})[k]) − y_k)² = ½ ({terms}) = {result}"


def _delta(name: str, l: int, j: int, ref: Reference, true: Values, result: str) -> str:
    g = ref.given
    if l == len(g.activations):
        a, y = true[(Quantity.A, l)][j], g.y[j]
        if g.loss == "cross-entropy":
            return f"{name} = a({l})[{j + 1}] − y[{j + 1}] = {_n(a)} − {_n(y)} = {result}"
        ap = true[(Quantity.A_PRIME, l)][j]
        return f"{name} = (a({l})[{j + 1}] − y[{j + 1}]) a'({l})[{j + 1}] = ({_n(a)} − {_n(y)})·{_n(ap)} = {result}"
    terms = " + ".join(f"{_n(w)}·{_n(d)}" for w, d in zip(g.W[l + 1][:, j], true[(Quantity.DELTA, l + 1)],
                                                         strict=True))
    ap = true[(Quantity.A_PRIME, l)][j]
    return (f"{name} = a'({l})[{j + 1}] Σ_k W({l + 1})[k,{j + 1}] δ({l + 1})[k] = {_n(ap)}·({terms}) = {result}")


def _gradient_or_update(name: str, q: Quantity, l: int, idx: tuple[int, ...], ref: Reference, true: Values,
                        result: str) -> str:
    g = ref.given
    j = idx[0]
    # with a minibatch the cell is the mean of every sample's term: show this sample's term, then the mean
    then = " (this sample's term; the mean over the minibatch) → " if g.batch_size > 1 else " = "
    l2 = f" + λ W({l})[{j + 1},{idx[1] + 1}]" if q is Quantity.GRAD_W and g.l2 else ""
    if q is Quantity.GRAD_W:
        i = idx[1]
        a = g.x[i] if l == 1 else true[(Quantity.A, l - 1)][i]
        d = true[(Quantity.DELTA, l)][j]
        return f"{name} = δ({l})[{j + 1}] a({l - 1})[{i + 1}]{l2} = {_n(d)}·{_n(a)}{then}{result}"
    if q is Quantity.GRAD_B:
        if g.batch_size == 1:
            return f"{name} = δ({l})[{j + 1}] = {result}"
        return f"{name} = δ({l})[{j + 1}] = {fmt(true[(Quantity.DELTA, l)][j], DIGITS)}{then}{result}"
    grad, before = ((true[(Quantity.GRAD_W, l)][idx], g.W[l][idx]) if q is Quantity.W_NEW
                    else (true[(Quantity.GRAD_B, l)][idx], g.b[l][idx]))
    symbol = "∇W" if q is Quantity.W_NEW else "∇b"
    where = f"[{','.join(str(i + 1) for i in idx)}]"
    return f"{name} ← {q}({l}){where} − η {symbol}({l}){where} = {_n(before)} − {_n(g.eta)}·{_n(grad)} = {result}"
