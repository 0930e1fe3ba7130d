"""Every value a trace records, as a constant naming its event class and field: how every reader of
a trace asks for a value (``trace.array(i, fields.A_PRIME, row=k)``). A misspelt constant is an
AttributeError at import, and asking an event for another class's field is a `FieldError`."""

from __future__ import annotations

from backprop_tutor.trace.events import Delta, Event, Field, Forward, Gradient, Input, Loss, OutputDelta, Update

# a(0) = x and the target y
X = Field(Input, "x")
Y = Field(Input, "y")
# s(l), a(l) = h(s(l)), a'(l) = h'(s(l))
S = Field(Forward, "s")
A = Field(Forward, "a")
A_PRIME = Field(Forward, "a_prime")
# C per sample
C = Field(Loss, "C")
# δ(L), and the long way: A = ∂a/∂s, ∇a C, A ∇a C
OUTPUT_DELTA = Field(OutputDelta, "delta")
JACOBIAN = Field(OutputDelta, "jacobian")
GRAD_A = Field(OutputDelta, "grad_a")
JACOBIAN_TIMES_GRAD_A = Field(OutputDelta, "jacobian_times_grad_a")
# δ(l) of a hidden layer, and W(l+1)ᵀ δ(l+1) before the ⊙ a'(l)
DELTA = Field(Delta, "delta")
BACK = Field(Delta, "back")
# ∇W(l), ∇b(l)
DW = Field(Gradient, "dW")
DB = Field(Gradient, "db")
# W(l), b(l) before and after the update, η, μ and the momentum v
W_BEFORE = Field(Update, "W_before")
W_AFTER = Field(Update, "W_after")
B_BEFORE = Field(Update, "b_before")
B_AFTER = Field(Update, "b_after")
ETA = Field(Update, "eta")
MOMENTUM = Field(Update, "momentum")
V_W = Field(Update, "v_W")
V_B = Field(Update, "v_b")


def arrays_of(event: type[Event]) -> tuple[Field, ...]:
    """Every array field of an event class, in its order (what a "show everything" view lists)."""
    return tuple(Field(event, name) for name in event.array_names())
