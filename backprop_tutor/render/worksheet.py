"""What goes on the student's worksheet: the tables of one sample of a trace, as text cells.

The feed-forward table (l, s(l), a(l), a'(l)), the loss, the backprop table (l, δ(l)), the output
layer "the long way" (A = ∂a/∂s, ∇a C, A ∇a C), and each updated W(l), b(l). The Markdown and the
terminal renderers lay this out; neither decides what is in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.render.format import fmt, fmt_matrix, fmt_summary, fmt_vector, precision_label, vector_norm
from backprop_tutor.trace.events import Delta as DeltaEvent
from backprop_tutor.trace.events import Event, Forward, Input, Loss, OutputDelta, TraceHeader, Update

#: Vectors and matrices larger than this are summarised unless ``full`` is asked for.
SHOW_AT_MOST = 12


class TraceLike(Protocol):
    header: TraceHeader

    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Event: ...


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Worksheet:
    title: str
    summary: str
    tables: list[Table]


def network_summary(header: TraceHeader) -> str:
    acts = ", ".join(header.activations)
    return (f"{'-'.join(map(str, header.sizes))} network ({acts}), {header.loss} loss, "
            f"η = {fmt(header.learning_rate, None)}, precision {precision_label(header)}")


def build_worksheet(trace: TraceLike, *, sample: int = 0, digits: int | None = 3, layer: int | None = None,
                    full: bool = False, upto: int | None = None) -> Worksheet:
    """The worksheet of sample ``sample`` (0-based) of the trace; ``layer`` keeps only that layer's
    rows; ``full`` shows long vectors and big matrices in full instead of summarised; ``upto=k``
    uses only events 0..k (the worksheet part-way through the step)."""
    header = trace.header
    B = header.batch_size or 1
    if not 0 <= sample < B:
        raise UsageError(f"sample {sample} does not exist: the trace holds {B} sample(s), numbered 0 to {B - 1}")

    def vec(values: Any) -> str:
        return fmt_vector(values, digits, limit=None if full else SHOW_AT_MOST)

    keep = (lambda l: True) if layer is None else (lambda l: l == layer)
    forward = Table("Feed-forward", ["l", "s(l)", "a(l)", "a'(l)"], [])
    backprop = Table("Backpropagation", ["l", "δ(l)"], [])
    tables: list[Table] = [forward]
    long_way: Table | None = None
    updates: list[Table] = []
    loss_note = ""
    for i in range(len(trace) if upto is None else min(len(trace), upto + 1)):
        e = trace[i]
        if isinstance(e, Input) and keep(0):
            forward.rows.append(["0 (x)", "", vec(e.x[sample]), ""])
            forward.notes.append(f"target y = {vec(e.y[sample])}")
        elif isinstance(e, Forward) and keep(e.layer):
            a_prime = vec(e.a_prime[sample]) if e.a_prime is not None else "matrix A, below"
            forward.rows.append([str(e.layer), vec(e.s[sample]), vec(e.a[sample]), a_prime])
        elif isinstance(e, Loss):
            mean = fmt(_mean(e.C), digits)
            loss_note = f"C = {fmt(e.C[sample], digits)}" + (f" (minibatch mean {mean})" if B > 1 else "")
        elif isinstance(e, OutputDelta | DeltaEvent) and keep(e.layer):
            backprop.rows.append([str(e.layer), vec(e.delta[sample])])
            if isinstance(e, OutputDelta) and (full or e.grad_a.shape[1] <= SHOW_AT_MOST):
                long_way = Table(f"Output layer {e.layer}, the long way: δ({e.layer}) = A ∇a C",
                                 ["", "value"],
                                 [["A = ∂a/∂s", fmt_matrix(e.jacobian[sample], digits)],
                                  ["∇a C", vec(e.grad_a[sample])],
                                  ["A ∇a C", vec(e.jacobian_times_grad_a[sample])],
                                  [f"δ({e.layer})", vec(e.delta[sample])]])
        elif isinstance(e, Update) and keep(e.layer):
            updates.append(_update_table(e, digits, full, B, header.l2))
    if loss_note:
        forward.notes.append(loss_note)
    tables.append(backprop)
    if long_way is not None:
        tables.append(long_way)
    tables.extend(updates)
    title = header.title or "Backpropagation trace"
    summary = network_summary(header) + (f"; sample {sample} (of {B}, numbered from 0)" if B > 1 else "")
    return Worksheet(title, summary, tables)


def update_rule(l: int, eta: float, momentum: float = 0.0, l2: float = 0.0, averaged: bool = False) -> str:
    """The update rule of layer l as used, in the notation: plain SGD, or with momentum and L2."""
    if momentum:
        rule = (f"v ← μ v − η ∇W({l}), W({l}) ← W({l}) + v (and likewise b({l})), "
                f"η = {fmt(eta, None)}, μ = {fmt(momentum, None)}")
    else:
        rule = f"W({l}) ← W({l}) − η ∇W({l}), b({l}) ← b({l}) − η ∇b({l}), η = {fmt(eta, None)}"
    if l2:
        rule += f"; ∇W({l}) includes λ W({l}) (L2), λ = {fmt(l2, None)}"
    return rule + (" (∇ averaged over the minibatch)" if averaged else "")


def _update_table(e: Update, digits: int | None, full: bool, B: int, l2: float) -> Table:
    l = e.layer
    n_out, n_in = e.W_after.shape
    title = f"W({l}), b({l}) after the update"
    rule = update_rule(l, e.eta, e.momentum, l2, averaged=B > 1)
    if full or (n_in <= SHOW_AT_MOST and n_out <= SHOW_AT_MOST):
        columns = ["unit", *(f"W({l})[·,{j}]" for j in range(1, n_in + 1)), f"b({l})"]
        rows = [[str(i + 1), *(fmt(v, digits) for v in e.W_after[i]), fmt(e.b_after[i], digits)]
                for i in range(n_out)]
        return Table(title, columns, rows, notes=[rule])
    rows = []
    for name, before, after in ((f"W({l})", e.W_before, e.W_after), (f"b({l})", e.b_before, e.b_after)):
        change = np.asarray(after) - np.asarray(before)
        rows.append([name, *fmt_summary(after, digits), fmt(vector_norm(change), digits)])
    return Table(title, ["", "shape", "min", "max", "mean", "‖update‖"], rows,
                 notes=[rule, "summarised: `--full` shows every value"])


def _mean(values: np.ndarray) -> Any:
    return sum(values.ravel().tolist()) / values.size

