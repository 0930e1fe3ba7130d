"""One neuron's computation with every term, for one sample:

    s(l)[j] = Σ_i W(l)[j,i] a(l-1)[i] + b(l)[j],   a(l)[j] = h(s(l)[j]),   a'(l)[j] = h'(s(l)[j])

A large fan-in (784 pixels into a unit of layer 1) is written as its largest |terms| and "… N more,
together X". s, a and a' are the values the trace recorded; the terms are the products a student
writes on the way.
"""

from __future__ import annotations

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.notation import cell_text
from backprop_tutor.trace import fields
from backprop_tutor.trace.reader import TraceReader, read
from backprop_tutor.worksheet.equations import (
    CLOSE,
    EQ,
    OPEN,
    PLUS,
    SPACE,
    Equation,
    Sym,
    activation_name,
    fn,
    num,
    scalar_sym,
)
from backprop_tutor.worksheet.model import check_sample
from backprop_tutor.worksheet.terms import signed, softmax_unit, sum_of_products


def neuron_equations(trace: TraceReader, layer: int, unit: int, sample: int = 0) -> list[Equation]:
    """s(l)[j], a(l)[j] and a'(l)[j] of unit ``unit`` (0-based) of layer ``layer``, for sample ``sample``."""
    sizes = list(trace.header.sizes)
    if not 0 <= layer < len(sizes) or not 0 <= unit < sizes[layer]:
        raise UsageError(f"layer {layer} has units 1 to {sizes[layer]}" if 0 <= layer < len(sizes)
                         else f"layer {layer} does not exist: layers are 0 to {len(sizes) - 1}")
    check_sample(trace, sample)
    j = unit
    if layer == 0:
        x = read(trace, fields.X, 0, sample)
        return [Equation((scalar_sym("a", 0, j),), (scalar_sym("x", None, j),), result=num(x[j]),
                         note="the input: layer 0 computes nothing")]
    W, b = read(trace, fields.W_BEFORE, layer), read(trace, fields.B_BEFORE, layer)
    a_prev = read(trace, fields.X, 0, sample) if layer == 1 else read(trace, fields.A, layer - 1, sample)
    s, a = read(trace, fields.S, layer, sample), read(trace, fields.A, layer, sample)
    if W is None or s is None:
        return [Equation((scalar_sym("s", layer, j),), note="the trace has no forward pass of this layer")]
    factors, values, terms = sum_of_products(np.asarray(W)[j], a_prev)
    b_j = np.asarray(b)[j]
    s_j = scalar_sym("s", layer, j)
    notation = (Sym("Σ_i ", r"\sum_i "), scalar_sym("W", layer, j, "i"), SPACE, scalar_sym("a", layer - 1, "i"), PLUS,
                scalar_sym("b", layer, j))
    n = len(terms)
    note = f"{n} term{'s' if n > 1 else ''} W·a and the bias; {cell_text('W', layer)} before its update"
    eqs = [Equation((s_j,), notation, (*factors, PLUS, *signed(b_j), EQ, *values, PLUS, *signed(b_j)), num(s[j]),
                    note=note)]
    h = activation_name(trace.header, layer)
    a_j = scalar_sym("a", layer, j)
    if h == "softmax":
        eqs.append(Equation((a_j,), softmax_unit(layer, j), result=num(a[j]),
                            note=f"softmax: every {cell_text('s', layer)} enters every {cell_text('a', layer)}"))
        return eqs
    eqs.append(Equation((a_j,), (fn(h), OPEN, s_j, CLOSE), (fn(h), OPEN, num(s[j]), CLOSE), num(a[j])))
    a_prime = read(trace, fields.A_PRIME, layer, sample)
    if a_prime is not None:
        eqs.append(Equation((scalar_sym("a'", layer, j),), (fn(h, prime=True), OPEN, s_j, CLOSE),
                            (fn(h, prime=True), OPEN, num(s[j]), CLOSE), num(a_prime[j])))
    return eqs
