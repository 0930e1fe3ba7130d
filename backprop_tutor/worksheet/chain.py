"""The chain rule for one weight W(l)[i,j], with one sample's numbers (the views' "how did this weight change").

    ∂C/∂W(l)[i,j] = δ(l)[i] · a(l-1)[j]                 ∂s(l)[i]/∂W(l)[i,j] = a(l-1)[j]
    δ(l)[i]       = ∂C/∂a(l)[i] · a'(l)[i]              ∂a(l)[i]/∂s(l)[i] = h'(s(l)[i])
    ∂C/∂a(L)[i]   = a(L)[i] − y[i]  (½‖a − y‖²)   or  ∂C/∂a(l)[i] = Σ_k W(l+1)[k,i] δ(l+1)[k]   (a hidden layer)
    W(l)[i,j] ← W(l)[i,j] − η ∇W(l)[i,j]

so ∂C/∂W(l)[i,j] is the product of the local derivatives along the way back from C, e.g. Mazur's
∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041. Going back from a hidden layer, the
sum over the next layer's units is written out and the largest of its terms is followed to the output.
Every value comes from the trace; the products are the multiplications a student writes on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.notation import cell_text
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Update
from backprop_tutor.trace.reader import TraceReader, read
from backprop_tutor.worksheet.equations import ASSIGN, EQ, MINUS, SPACE, Equation, Sym, num, scalar_sym, sym
from backprop_tutor.worksheet.model import check_sample, delta_field
from backprop_tutor.worksheet.notes import carried_noise
from backprop_tutor.worksheet.terms import (
    TIMES_SCALAR,
    joined,
    partial,
    product,
    signed,
    sum_of_products,
    times,
)


@dataclass(frozen=True)
class WeightRef:
    """W(l)[i,j]: the weight from unit j of layer l-1 into unit i of layer l (``unit`` = i and ``input`` = j,
    both counted from 0 here and written from 1)."""

    layer: int
    unit: int
    input: int

    def moved(self, sizes: list[int], layer: int = 0, unit: int = 0, input: int = 0) -> WeightRef:
        """Another weight: ``layer`` layers on, ``unit`` rows down, ``input`` columns right (kept in range)."""
        L = len(sizes) - 1
        l = min(max(1, self.layer + layer), L)
        i = min(max(0, self.unit + unit), sizes[l] - 1)
        j = min(max(0, self.input + input), sizes[l - 1] - 1)
        return WeightRef(l, i, j)


def check_weight(trace: TraceReader, ref: WeightRef) -> None:
    sizes = list(trace.header.sizes)
    L = len(sizes) - 1
    if not 1 <= ref.layer <= L:
        raise UsageError(f"layer {ref.layer} does not exist: the layers with weights are 1 to {L}")
    if not (0 <= ref.unit < sizes[ref.layer] and 0 <= ref.input < sizes[ref.layer - 1]):
        raise UsageError(f"{cell_text('W', ref.layer)} is {sizes[ref.layer]}×{sizes[ref.layer - 1]}: it has no weight "
                         f"{ref.unit + 1},{ref.input + 1}")


class _Values:
    """One sample's values of the whole trace, as the chain rule needs them (scalars, row i)."""

    def __init__(self, trace: TraceReader, sample: int) -> None:
        self.trace, self.sample, self.header = trace, sample, trace.header
        self.L = trace.header.L

    def at(self, field: fields.Field, layer: int) -> np.ndarray | None:
        return read(self.trace, field, layer, self.sample)

    def a(self, l: int) -> np.ndarray:
        return self.at(fields.X, 0) if l == 0 else self.at(fields.A, l)

    def delta(self, l: int) -> np.ndarray:
        return self.at(delta_field(self.trace, l), l)

    def elementwise(self, l: int) -> bool:
        return self.at(fields.A_PRIME, l) is not None


def chain_equations(trace: TraceReader, ref: WeightRef, sample: int = 0) -> list[Equation]:
    """∂C/∂W(l)[i,j] for sample ``sample`` (0-based), back through the layers to C, then the update."""
    check_weight(trace, ref)
    check_sample(trace, sample)
    v = _Values(trace, sample)
    if v.delta(ref.layer) is None:
        return [Equation((Sym("∂C/∂W", r"\partial C/\partial W"),),
                         note="the trace has no backward pass: nothing to go back through")]
    eqs = weight_gradient(v, ref)
    l, i = ref.layer, ref.unit
    while l <= v.L:
        step, follow = delta_link(v, l, i)
        eqs += step
        if follow is None:
            break
        l, i = l + 1, follow
    return carried_noise(trace, eqs + weight_update(v, ref))


def weight_gradient(v: _Values, ref: WeightRef) -> list[Equation]:
    """∂C/∂W(l)[i,j] = δ(l)[i] · a(l-1)[j], and (when h is elementwise) as the product of three local derivatives."""
    l, i, j = ref.layer, ref.unit, ref.input
    W_ij, d_i, a_j = scalar_sym("W", l, i, j), scalar_sym("δ", l, i), scalar_sym("a", l - 1, j)
    delta, a_prev = v.delta(l)[i], v.a(l - 1)[j]
    dC_dW = partial(Sym("C", "C"), W_ij)
    eqs = [Equation((dC_dW,), (d_i, TIMES_SCALAR, a_j), times(delta, a_prev),
                    num(product([delta, a_prev])), note=f"∂{cell_text('s', l, i)}/∂W = {cell_text('a', l - 1, j)}; "
                    + ("this sample's share of ∇W" if v.trace.header.batch_size > 1 else "= ∇W of this step"))]
    if v.elementwise(l):
        g, a_prime = dC_da(v, l, i), v.at(fields.A_PRIME, l)[i]
        a_i = scalar_sym("a", l, i)
        eqs.append(Equation((dC_dW,), (partial(Sym("C", "C"), a_i), TIMES_SCALAR, scalar_sym("a'", l, i),
                                       TIMES_SCALAR, a_j),
                            times(g, a_prime, a_prev),
                            num(product([g, a_prime, a_prev])),
                            note="the chain rule: ∂C/∂a · ∂a/∂s · ∂s/∂W, one local derivative per link"))
    return eqs


def dC_da(v: _Values, l: int, i: int) -> Any:
    """∂C/∂a(l)[i] as the trace recorded it: ∇a C at the output, W(l+1)ᵀ δ(l+1) for a hidden layer."""
    if l == v.L:
        return v.at(fields.GRAD_A, l)[i]
    back = v.at(fields.BACK, l)
    if back is not None:
        return back[i]
    W_next = read(v.trace, fields.W_BEFORE, l + 1)
    return sum_of_products(np.asarray(W_next)[:, i], v.delta(l + 1))[2].sum()


def delta_link(v: _Values, l: int, i: int) -> tuple[list[Equation], int | None]:
    """δ(l)[i] from the layer after it (or from C at the output), and the unit of layer l+1 to follow next:
    the largest term of Σ_k W(l+1)[k,i] δ(l+1)[k] (None at the output)."""
    d_i, a_i = scalar_sym("δ", l, i), scalar_sym("a", l, i)
    delta = v.delta(l)[i]
    if l == v.L and not v.elementwise(l):  # softmax with cross-entropy: the short way
        y_i = scalar_sym("y", None, i)
        return [Equation((d_i,), (a_i, MINUS, y_i), (num(v.a(l)[i]), MINUS, *signed(v.at(fields.Y, 0)[i])), num(delta),
                         note="softmax with cross-entropy: ∂C/∂s(L) = a(L) − y")], None
    g, a_prime = dC_da(v, l, i), v.at(fields.A_PRIME, l)[i]
    eqs = [Equation((d_i,), (partial(Sym("C", "C"), a_i), TIMES_SCALAR, scalar_sym("a'", l, i)),
                    times(g, a_prime), num(delta),
                    note=f"∂{cell_text('a', l, i)}/∂{cell_text('s', l, i)} = "
                         f"{v.header.activations[l - 1]}'({cell_text('s', l, i)})")]
    dC = partial(Sym("C", "C"), a_i)
    if l == v.L:
        y_i = scalar_sym("y", None, i)
        if v.header.loss == "cross-entropy":
            eqs.append(Equation((dC,), (Sym("−", "-"), y_i, Sym(" / ", "/"), a_i),
                                (Sym("−", "-"), num(v.at(fields.Y, 0)[i]), Sym(" / ", "/"), num(v.a(l)[i])), num(g)))
        else:
            eqs.append(Equation((dC,), (a_i, MINUS, y_i), (num(v.a(l)[i]), MINUS, *signed(v.at(fields.Y, 0)[i])),
                                num(g), note="the derivative of ½‖a − y‖²"))
        return eqs, None
    W_next = np.asarray(read(v.trace, fields.W_BEFORE, l + 1))
    factors, values, terms = sum_of_products(W_next[:, i], v.delta(l + 1))
    k = int(np.argmax(np.abs(np.asarray([float(t) for t in terms]))))
    notation = (Sym("Σ_k ", r"\sum_k "), scalar_sym("W", l + 1, "k", i), SPACE, scalar_sym("δ", l + 1, "k"))
    note = (f"C depends on {cell_text('a', l, i)} through every unit of layer {l + 1} ({cell_text('W', l + 1)} "
            f"before its update); the largest term is k = {k + 1}: {cell_text('δ', l + 1, k)} next")
    eqs.append(Equation((dC,), notation, (*factors, EQ, *values), num(g), note=note))
    return eqs, k


def weight_update(v: _Values, ref: WeightRef) -> list[Equation]:
    """W(l)[i,j] ← W(l)[i,j] − η ∇W(l)[i,j] with the minibatch's ∇W (its mean over the samples)."""
    l, i, j = ref.layer, ref.unit, ref.input
    u = v.trace.find(Update, l)
    dW = read(v.trace, fields.DW, l)
    if u is None or dW is None:
        return [Equation((scalar_sym("W", l, i, j),), note="the trace has no update of this layer")]
    eta = v.trace.scalar(u, fields.ETA) or v.header.learning_rate
    W0 = np.asarray(v.trace.array(u, fields.W_BEFORE))[i, j]
    W1 = np.asarray(v.trace.array(u, fields.W_AFTER))[i, j]
    g = np.asarray(dW)[i, j]
    W_ij, gsym = scalar_sym("W", l, i, j), scalar_sym("∇W", l, i, j)
    B = max(1, int(v.header.batch_size or 1))
    notes = [f"∇W = the mean over the {B} samples" if B > 1 else ""]
    if v.header.momentum or v.header.l2:
        notes.append("with momentum/L2 the step is not only η ∇W: see the update step")
    return [Equation((W_ij,), (W_ij, MINUS, sym("η"), SPACE_SYM, gsym),
                     joined([(num(W0),), times(eta, g)], MINUS), num(W1), relation=ASSIGN,
                     note="; ".join(n for n in notes if n))]


SPACE_SYM = Sym(" ", r"\,")
