"""The equations of each step: in the slide notation, with the numbers of one sample substituted, and
the result, as structured data (`Equation`) that the UI's step panel, the Markdown worked solution and
the answer checker all read. `backprop_tutor.render.math` writes them as text or as LaTeX.

An expression is a tuple of parts: `Sym` (notation, with its text and LaTeX spellings) and `Num` (a
number, vector or matrix, formatted only when shown). Every result is a value the trace recorded (or
the minibatch's mean C), except one product a student writes on the way: this sample's δ(l) a(l-1)ᵀ
in a minibatch (the trace keeps only the mean), one multiplication per element in the trace's number
type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from backprop_tutor.engine.activations import ACTIVATIONS
from backprop_tutor.notation import Index, cell_latex, cell_text, field_name, symbol
from backprop_tutor.numbers.arithmetic import vector_norm
from backprop_tutor.numbers.certain import EXACT_DIGITS
from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import (
    Delta,
    Event,
    Field,
    Forward,
    Gradient,
    Input,
    Loss,
    OutputDelta,
    TraceHeader,
    Update,
)
from backprop_tutor.trace.reader import TraceReader, read, sample_row
from backprop_tutor.worksheet.after import CostAfterError, cost_after_update, last_update
from backprop_tutor.worksheet.classes import is_classifier, predicted_class, target_class, unit_label
from backprop_tutor.worksheet.model import Quantity, check_sample, delta_field, mean


@dataclass(frozen=True)
class Sym:
    """A piece of notation: how it is written in text (the UI) and in LaTeX (the Markdown)."""

    text: str
    latex: str


@dataclass(frozen=True, eq=False)
class Num:
    """Numbers: a scalar, a (column) vector, or a matrix; ``row`` writes a vector as a row (aᵀ)."""

    values: np.ndarray
    row: bool = False


Part = Sym | Num
Expr = tuple[Part, ...]

EQ, ASSIGN = Sym(" = ", " = "), Sym(" ← ", r" \leftarrow ")
PLUS, MINUS, SPACE = Sym(" + ", " + "), Sym(" − ", " - "), Sym(" ", r"\,")
TIMES = Sym("·", r" \cdot ")  # a number times a vector or matrix
MATMUL = Sym("·", r"\,")  # a matrix product of written-out numbers (juxtaposed in LaTeX)
ODOT, OSLASH = Sym(" ⊙ ", r" \odot "), Sym(" ⊘ ", r" \oslash ")
OPEN, CLOSE = Sym("(", r"\left("), Sym(")", r"\right)")

FUNCTIONS = {"tanh": r"\tanh", "sigmoid": r"\sigma", "softmax": r"\operatorname{softmax}"}


def sym(name: str, layer: int | None = None, T: bool = False, unit: str = "") -> Sym:
    """x(l) in the notation: "W(3)ᵀ" / W^{(3)\\top}; ``unit``: a subscript that names, not counts (v_b)."""
    return Sym(*symbol(name, layer, T, unit))


def scalar_sym(name: str, layer: int | None, *indices: Index) -> Sym:
    """One number of a vector or matrix (0-based ``indices``), as the notation writes it: a(2)[1], W(2)[1,2],
    y[1] in text; a_{1}^{(2)} in LaTeX; a named index as it is: a(2)[k], W(2)[1,·]."""
    return Sym(cell_text(name, layer, *indices), cell_latex(name, layer, *indices))


def fn(name: str, prime: bool = False) -> Sym:
    latex = FUNCTIONS.get(name, rf"\operatorname{{{name}}}")
    return Sym(name + ("'" if prime else ""), latex + ("'" if prime else ""))


def num(values: object, row: bool = False) -> Num:
    return Num(np.asarray(values), row)


@dataclass(frozen=True, eq=False)
class Equation:
    """``lhs relation notation = substituted = result``, e.g. s(2) = W(2) a(1) + b(2) = [[1, -2], [3, 4]]·[5, 0]
    + [1, 0] = [6, 15]. ``writes``: the worksheet quantity the result is (None for an intermediate)."""

    lhs: Expr
    notation: Expr = ()
    substituted: Expr = ()
    result: Num | None = None
    relation: Sym = EQ
    note: str = ""
    writes: Quantity | None = None


class _Step:
    """Reads the values one step's equations need, for one sample."""

    def __init__(self, trace: TraceReader, step: int, sample: int) -> None:
        self.trace, self.i, self.sample = trace, step, sample
        self.info = trace.info(step)
        self.l, self.header, self.L = self.info.layer, trace.header, trace.header.L
        self.B = check_sample(trace, sample)

    def here(self, field: Field) -> np.ndarray | None:
        return self.trace.array(self.i, field, sample_row(field, self.sample))

    def at(self, field: Field, layer: int) -> np.ndarray | None:
        return read(self.trace, field, layer, self.sample)

    def a(self, l: int) -> np.ndarray | None:
        return self.at(fields.X, 0) if l == 0 else self.at(fields.A, l)

    def delta(self, l: int) -> np.ndarray | None:
        return self.at(delta_field(self.trace, l), l)

    def h(self, l: int) -> str:
        return activation_name(self.header, l)


def activation_name(header: TraceHeader, l: int) -> str:
    """The name of layer l's h (relu, tanh, softmax…); "h" where the header does not say."""
    acts = header.activations
    return acts[l - 1] if 0 < l <= len(acts) else "h"


def elementwise(header: TraceHeader, l: int) -> bool:
    """Whether layer l's h acts on each s_j alone, so h'(s(l)) is the vector a'(l); not so for softmax, whose
    derivative is the matrix A = ∂a/∂s (an h the header does not name counts as elementwise)."""
    known = ACTIVATIONS.get(activation_name(header, l))
    return known is None or known.elementwise


def equations_for(trace: TraceReader, step: int, sample: int = 0) -> list[Equation]:
    """The equations of step ``step`` (event ``step`` of the trace) for sample ``sample`` (0-based)."""
    here = _Step(trace, step, sample)
    return BUILDERS[here.info.cls](here)


def input_value(x: np.ndarray) -> tuple[Num, str]:
    """x as written down: a vector, or for a square image (784 = 28×28) the image, summarised."""
    side = math.isqrt(x.size)
    if side * side == x.size and x.size >= 49:
        return num(np.asarray(x).reshape(side, side)), f"a {side}×{side} image"
    return num(x), ""


def _input(t: _Step) -> list[Equation]:
    x, y = t.here(fields.X), t.here(fields.Y)
    shown, note = input_value(x)
    eqs = [Equation((sym("a", 0),), (Sym("x", "x"),), result=shown, note=note, writes=Quantity.X)]
    note = "the target"
    if is_classifier(t.header):
        note += f": {unit_label(t.header, target_class(y))}"
    eqs.append(Equation((Sym("y", "y"),), result=num(y), note=note, writes=Quantity.Y))
    return eqs


def _forward(t: _Step) -> list[Equation]:
    l, h = t.l, t.h(t.l)
    W, b, a_prev = t.at(fields.W_BEFORE, l), t.at(fields.B_BEFORE, l), t.a(l - 1)
    s, a, a_prime = t.here(fields.S), t.here(fields.A), t.here(fields.A_PRIME)
    subst: Expr = () if W is None else (num(W), MATMUL, num(a_prev), PLUS, num(b))
    eqs = [Equation((sym("s", l),), (sym("W", l), SPACE, sym("a", l - 1), PLUS, sym("b", l)), subst, num(s),
                    writes=Quantity.S),
           Equation((sym("a", l),), (fn(h), OPEN, sym("s", l), CLOSE), (fn(h), OPEN, num(s), CLOSE), num(a),
                    writes=Quantity.A)]
    if a_prime is not None:
        eqs.append(Equation((sym("a'", l),), (fn(h, prime=True), OPEN, sym("s", l), CLOSE),
                            (fn(h, prime=True), OPEN, num(s), CLOSE), num(a_prime), writes=Quantity.A_PRIME))
    else:
        note = f"{h} is not elementwise: its derivative is the matrix {field_name(fields.JACOBIAN.name, l)}, used at "
        eqs.append(Equation((sym("a'", l),), note=note + cell_text("δ", l)))
    return eqs


def _loss(t: _Step) -> list[Equation]:
    L, a, y, C = t.L, t.a(t.L), t.at(fields.Y, 0), t.here(fields.C)
    if t.header.loss == "cross-entropy":
        notation: Expr = (Sym("−Σ_k ", r"-\sum_k "), scalar_sym("y", None, "k"), Sym(" log ", r" \log "),
                          scalar_sym("a", L, "k"))
        hot = np.flatnonzero(np.asarray(y, dtype=np.float64))
        subst: Expr = ()
        note = ""
        if len(hot) == 1:
            k = int(hot[0])
            subst = (Sym("−log", r"-\log"), OPEN, num(a[k]), CLOSE)
            note = f"y is one-hot: only the term k = {k + 1} is left, {unit_label(t.header, k)}"
    else:
        notation = (Sym("½ ‖", r"\tfrac{1}{2} \left\|"), sym("a", L), MINUS, Sym("y", "y"), Sym("‖²", r"\right\|^2"))
        subst = (Sym("½ ‖", r"\tfrac{1}{2} \left\|"), num(a), MINUS, num(y), Sym("‖²", r"\right\|^2"))
        note = ""
    eqs = [Equation((Sym("C", "C"),), notation, subst, num(C), note=note, writes=Quantity.COST)]
    if t.B > 1:
        eqs.append(Equation((Sym("C (minibatch)", r"C_{\text{minibatch}}"),),
                            (Sym(f"(1/{t.B}) Σ_samples C", rf"\tfrac{{1}}{{{t.B}}} \sum_{{\text{{samples}}}} C"),),
                            result=num(mean(t.trace.array(t.i, fields.C))), note=f"the mean over the "
                                                                                 f"{count(t.B, 'sample')}",
                            writes=Quantity.MEAN_COST))
    if is_classifier(t.header):
        eqs.append(_prediction(t.header, a, y))
    return eqs


def _prediction(header: TraceHeader, a: np.ndarray, y: np.ndarray) -> Equation:
    """The predicted unit, argmax a(L) (counted from 1, as k is everywhere), its class, and whether it is the
    target's."""
    k, target = predicted_class(a), target_class(y)
    verdict = "right" if k == target else f"wrong: the target is {unit_label(header, target)}"
    label = Sym("predicted unit", r"\text{predicted unit}")
    return Equation((label,), (Sym("argmax_k ", r"\arg\max_k "), scalar_sym("a", header.L, "k")),
                    result=num(k + 1), note=f"{unit_label(header, k)}: {verdict}")


def _output_delta(t: _Step) -> list[Equation]:
    l = t.l
    a, y, delta = t.a(l), t.at(fields.Y, 0), t.here(fields.OUTPUT_DELTA)
    A, grad_a, A_grad = t.here(fields.JACOBIAN), t.here(fields.GRAD_A), t.here(fields.JACOBIAN_TIMES_GRAD_A)
    dl, al, y_ = sym("δ", l), sym("a", l), Sym("y", "y")
    if t.header.loss == "cross-entropy":
        eqs = [Equation((dl,), (al, MINUS, y_), (num(a), MINUS, num(y)), num(delta),
                        note="softmax with cross-entropy: the short way", writes=Quantity.DELTA)]
        jac = (Sym("diag(a) − a aᵀ", r"\operatorname{diag}(a) - a a^{\top}"),)
        grad: Expr = (Sym("−", "-"), y_, OSLASH, al)
        grad_subst: Expr = (Sym("−", "-"), num(y), OSLASH, num(a))
    else:
        a_prime, h = t.at(fields.A_PRIME, l), t.h(l)
        eqs = [Equation((dl,), (OPEN, al, MINUS, y_, CLOSE, ODOT, fn(h, prime=True), OPEN, sym("s", l), CLOSE),
                        (OPEN, num(a), MINUS, num(y), CLOSE, ODOT, num(a_prime)), num(delta), writes=Quantity.DELTA)]
        jac = (Sym("diag(", r"\operatorname{diag}("), sym("a'", l), Sym(")", ")"))
        grad, grad_subst = (al, MINUS, y_), (num(a), MINUS, num(y))
    A_sym = Sym(field_name(fields.JACOBIAN.name, l),
                rf"A = \partial {sym('a', l).latex} / \partial {sym('s', l).latex}")
    grad_sym = Sym("∇a C", r"\nabla_a C")
    eqs += [Equation((A_sym,), jac, result=num(A), note="the long way: δ = A ∇a C"),
            Equation((grad_sym,), grad, grad_subst, num(grad_a)),
            Equation((dl,), (Sym("A ", "A"), grad_sym), (num(A), MATMUL, num(grad_a)), num(A_grad))]
    return eqs


def _delta(t: _Step) -> list[Equation]:
    l = t.l
    W_next, delta_next = t.at(fields.W_BEFORE, l + 1), t.delta(l + 1)
    a_prime, back, delta = t.at(fields.A_PRIME, l), t.here(fields.BACK), t.here(fields.DELTA)
    bracket = (sym("W", l + 1, T=True), SPACE, sym("δ", l + 1))
    note = f"{cell_text('W', l + 1)} as in the forward pass, before its update"
    product = () if W_next is None else (num(np.asarray(W_next).T), MATMUL, num(delta_next))
    notation = (sym("a'", l), ODOT, OPEN, *bracket, CLOSE)
    if back is None:  # a trace from before W(l+1)ᵀ δ(l+1) was recorded: substitute in one go
        return [Equation((sym("δ", l),), notation, (num(a_prime), ODOT, OPEN, *product, CLOSE), num(delta),
                         note=note, writes=Quantity.DELTA)]
    return [Equation(bracket, (), product, num(back), note=note),
            Equation((sym("δ", l),), notation, (num(a_prime), ODOT, num(back)), num(delta), writes=Quantity.DELTA)]


def _gradient(t: _Step) -> list[Equation]:
    l, B, l2 = t.l, t.B, t.header.l2
    dW, db = t.here(fields.DW), t.here(fields.DB)
    delta, a_prev = t.delta(l), t.a(l - 1)
    outer = (sym("δ", l), SPACE, sym("a", l - 1, T=True))
    penalty: Expr = (PLUS, sym("λ"), SPACE, sym("W", l)) if l2 else ()
    note = f"λ = {fmt(l2, None)}: the gradient of the L2 penalty (λ/2)‖{cell_text('W', l)}‖²" if l2 else ""
    W = t.at(fields.W_BEFORE, l) if l2 else None
    with_l2: Expr = (PLUS, num(l2), TIMES, num(W)) if W is not None else ()
    product = (num(delta), MATMUL, num(a_prev, row=True))
    if B == 1:
        return [Equation((sym("∇W", l),), (*outer, *penalty), (*product, *with_l2), num(dW), note=note,
                         writes=Quantity.GRAD_W),
                Equation((sym("∇b", l),), (sym("δ", l),), result=num(db), writes=Quantity.GRAD_B)]
    mean = Sym(f"(1/{B}) Σ_samples ", rf"\tfrac{{1}}{{{B}}} \sum_{{\text{{samples}}}} ")
    return [Equation(outer, (), product, num(_outer(delta, a_prev)), note=f"sample {t.sample}'s share"),
            Equation((sym("∇W", l),), (mean, *outer, *penalty), result=num(dW),
                     note=f"the mean over the {B} samples of the minibatch" + (f"; {note}" if note else ""),
                     writes=Quantity.GRAD_W),
            Equation((sym("∇b", l),), (mean, sym("δ", l)), result=num(db), writes=Quantity.GRAD_B)]


def _outer(delta: np.ndarray, a: np.ndarray) -> np.ndarray:
    """δ aᵀ of one sample: one multiplication per element, in the trace's own number type."""
    if np.asarray(delta).dtype == object:
        with mpmath.workdps(EXACT_DIGITS):
            return np.outer(delta, a)
    return np.outer(delta, a)


def _update(t: _Step) -> list[Equation]:
    l = t.l
    W0, W1, b0, b1 = (t.here(f) for f in (fields.W_BEFORE, fields.W_AFTER, fields.B_BEFORE, fields.B_AFTER))
    dW, db = t.at(fields.DW, l), t.at(fields.DB, l)
    eta = t.trace.scalar(t.i, fields.ETA) or t.header.learning_rate
    change = vector_norm(np.asarray(W1) - np.asarray(W0))  # exact values: certain digits only
    W, b, dWs, dbs = sym("W", l), sym("b", l), sym("∇W", l), sym("∇b", l)
    eta_s, mu_s = sym("η"), sym("μ")
    if t.header.momentum:
        mu = t.header.momentum
        vW, vb = t.here(fields.V_W), t.here(fields.V_B)
        v = Sym("v", "v")
        return [Equation((v,), (mu_s, SPACE, v, MINUS, eta_s, SPACE, dWs), (num(mu), TIMES, v, MINUS, num(eta), TIMES,
                         num(dW)), num(vW), relation=ASSIGN,
                         note=f"momentum μ = {fmt(mu, None)}: v keeps a running sum of past steps"),
                Equation((W,), (W, PLUS, v), (num(W0), PLUS, num(vW)), num(W1), relation=ASSIGN,
                         note=f"‖Δ{cell_text('W', l)}‖ = {fmt(change)}", writes=Quantity.W_NEW),
                Equation((b,), (b, PLUS, sym("v", unit="b")), (num(b0), PLUS, num(vb)), num(b1), relation=ASSIGN,
                         writes=Quantity.B_NEW)]
    return [Equation((W,), (W, MINUS, eta_s, SPACE, dWs), (num(W0), MINUS, num(eta), TIMES, num(dW)), num(W1),
                     relation=ASSIGN, note=f"‖Δ{cell_text('W', l)}‖ = {fmt(change)}", writes=Quantity.W_NEW),
            Equation((b,), (b, MINUS, eta_s, SPACE, dbs), (num(b0), MINUS, num(eta), TIMES, num(db)), num(b1),
                     relation=ASSIGN, writes=Quantity.B_NEW), *_after(t)]


def _after(t: _Step) -> list[Equation]:
    """On the last update: C once more, with every new W(l), b(l) (one more forward pass by the engine)."""
    if t.i != last_update(t.trace):
        return []
    try:
        costs = cost_after_update(t.trace)
    except CostAfterError as err:
        return [Equation((Sym("C after the update", r"\text{C after the update}"),), note=str(err))]
    if costs is None:
        return []
    k, mine = t.sample, f" (sample {t.sample})" if t.B > 1 else ""
    eqs = [_cost_line(f"C before the update{mine}", "C(W, b)", costs.before[k], costs.after[k]),
           _cost_line(f"C after the update{mine}", "C(W new, b new)", costs.after[k], None,
                      "one more forward pass of the same input with every new W(l), b(l)"),
           _cost_line(f"C with only W updated{mine}", "C(W new, b)", costs.weights_only[k], None,
                      "b(l) left as it was, as texts that keep one fixed bias per layer do")]
    if t.B > 1:
        eqs += [_cost_line("C before (minibatch)", f"(1/{t.B}) Σ_samples C(W, b)", costs.mean("before"),
                           costs.mean("after")),
                _cost_line("C after (minibatch)", f"(1/{t.B}) Σ_samples C(W new, b new)", costs.mean("after"), None,
                           f"the mean over the {count(t.B, 'sample')}")]
    spec_note = (t.header.config.get("notes") or {}).get("after_update") if isinstance(t.header.config, dict) else None
    if spec_note:
        eqs.append(Equation((Sym("Note", r"\text{Note}"),), note=spec_note))
    return eqs


def _cost_line(name: str, notation: str, value: object, after: object | None, note: str = "") -> Equation:
    """``name = notation = value``; given the value after the step, the note says whether the step lowered it."""
    if after is not None:
        lower = float(after) < float(value)
        note = "the step lowered C" if lower else "the step did not lower C"
    latex = r"\text{" + name + "}"
    return Equation((Sym(name, latex),), (Sym(notation, r"\text{" + notation + "}"),), result=num(value), note=note)


BUILDERS: dict[type[Event], Callable[[_Step], list[Equation]]] = {
    Input: _input, Forward: _forward, Loss: _loss, OutputDelta: _output_delta, Delta: _delta,
    Gradient: _gradient, Update: _update,
}
