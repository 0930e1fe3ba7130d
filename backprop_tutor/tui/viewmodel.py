"""What each widget shows, as plain data: (trace, step, sample, digits) → `StepView`.

No Textual here: the content of the screen is testable without a terminal, and the widgets only lay
it out. Step k means events 0..k of the trace have happened: the worksheet holds their values, the
network diagram shows the newest value of each neuron, and the step panel writes event k's equation
in the course's notation, then with the numbers of the chosen sample substituted, then its result.

Every number goes through `backprop_tutor.render.format` so it reads as in the Markdown export.
Long vectors are cut to their first values ("… N more") and large matrices are summarised (shape,
min/max/mean); the full values are one key away (`full_view`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from backprop_tutor.render.format import fmt, fmt_matrix, fmt_summary, fmt_vector
from backprop_tutor.tui.source import PER_SAMPLE_KINDS, TraceSource

#: the `d` key cycles through these (None: every digit the number has)
DIGIT_CYCLE: tuple[int | None, ...] = (3, 6, None)
MAX_VECTOR = 8  # values of a vector written out before "… N more"
MAX_MATRIX = 36  # elements of a matrix written out before it is summarised
TABLE_VECTOR = 4  # values of a vector written out in a worksheet cell
MAX_COLUMNS = 6  # columns of a matrix written out before it is summarised

def next_digits(digits: int | None) -> int | None:
    """3 → 6 → full → 3 (a --digits N outside the cycle goes to the next larger step)."""
    if digits is None:
        return DIGIT_CYCLE[0]
    bigger = [d for d in DIGIT_CYCLE if d is not None and d > digits]
    return bigger[0] if bigger else None


def digits_label(digits: int | None) -> str:
    return "full digits" if digits is None else f"{digits} digits"


# --- numbers as text ----------------------------------------------------------------------------
def vector_text(values: np.ndarray, digits: int | None, limit: int = MAX_VECTOR) -> str:
    """[5, -5]; a long vector shows its first ``limit`` values and how many more there are."""
    return fmt_vector(values, digits, limit)


def is_small(matrix: np.ndarray) -> bool:
    return matrix.size <= MAX_MATRIX and (matrix.ndim < 2 or matrix.shape[-1] <= MAX_COLUMNS)


def summary_text(values: np.ndarray, digits: int | None) -> str:
    """Shape, min, max, mean: how a large matrix is shown (computed in float64)."""
    shape, low, high, mean = fmt_summary(values, digits)
    return f"{shape}: min {low}, max {high}, mean {mean}"


def matrix_text(values: np.ndarray, digits: int | None) -> str:
    arr = np.asarray(values)
    return fmt_matrix(arr, digits) if is_small(arr) else f"({summary_text(arr, digits)})"


def matrix_lines(values: np.ndarray, digits: int | None) -> list[str]:
    """One line per row for a small matrix (as written by hand); a summary for a large one."""
    arr = np.asarray(values)
    if arr.ndim < 2:
        return [vector_text(arr, digits)]
    if is_small(arr):
        return [fmt_vector(row, digits) for row in arr]
    shape, low, high, mean = fmt_summary(arr, digits)
    return [shape, f"min {low}", f"max {high}", f"mean {mean}"]


def norm(values: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(values, dtype=np.float64)))


def square_side(n: int) -> int | None:
    """28 for 784: an input that is a square image is drawn as one."""
    side = math.isqrt(n)
    return side if side * side == n and n >= 49 else None


# --- the views ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Equation:
    """``symbolic`` in the slide notation, then the numbers substituted, then the result."""

    symbolic: str
    substituted: str | None
    result: str | None
    note: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    new: bool = False  # written by the current step


@dataclass(frozen=True)
class TableView:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: tuple[Cell, ...] = ()

    @property
    def current(self) -> bool:
        return any(c.new for row in self.rows for c in row) or any(c.new for c in self.caption)


@dataclass(frozen=True)
class NeuronView:
    layer: int
    unit: int
    text: str
    current: bool = False
    selected: bool = False
    known: bool = True


@dataclass(frozen=True)
class ColumnView:
    """Layer l as a column of neurons (a window of them for a wide layer), or an image for a(0)."""

    layer: int
    title: str
    neurons: tuple[NeuronView, ...]
    hidden_before: int = 0
    hidden_after: int = 0
    current: bool = False
    image: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class WeightView:
    """W(l), b(l) between columns l-1 and l: one line per unit of layer l, or a summary (and the
    selected unit's weight row as an image when layer l-1 is a square image)."""

    layer: int
    title: str
    lines: tuple[str, ...]
    current: bool = False
    image: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StepView:
    step: int
    count: int
    kind: str
    layer: int
    phase: str
    label: str
    sample: int
    samples: int
    digits: int | None
    precision: str
    title: str
    equations: tuple[Equation, ...]
    tables: tuple[TableView, ...]
    columns: tuple[ColumnView, ...]
    weights: tuple[WeightView, ...]

    @property
    def status(self) -> str:
        sample = f" · sample {self.sample} of 0–{self.samples - 1}" if self.samples > 1 else ""
        return (f"step {self.step + 1} of {self.count} · {self.phase} · {self.label} · {self.precision}"
                f"{sample} · {digits_label(self.digits)}")


# --- building them --------------------------------------------------------------------------------
class StepModel:
    """Turns (step, sample, digits, selected neuron) into a `StepView` for one trace.

    Only the arrays the view needs are read (one sample's rows; W(l) when an equation uses it), and the
    last few views are cached so stepping back is instant and shows exactly what it showed before."""

    def __init__(self, source: TraceSource, max_units: int = 8, cache_size: int = 16) -> None:
        self.source = source
        self.header = source.header
        self.L = source.L
        self.max_units = max_units
        self._views: OrderedDict[tuple, StepView] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return len(self.source)

    # reading -------------------------------------------------------------------------------------
    def known(self, kind: str, layer: int, step: int) -> int | None:
        """The event index of (kind, layer) if it has happened by ``step``."""
        i = self.source.find(kind, layer)
        return i if i is not None and i <= step else None

    def value(self, kind: str, layer: int, name: str, step: int, sample: int) -> np.ndarray | None:
        i = self.known(kind, layer, step)
        return None if i is None else self.source.array(i, name, sample)

    def activation(self, l: int, step: int, sample: int) -> np.ndarray | None:
        """a(l) as of ``step``: x for l = 0."""
        if l == 0:
            return self.value("input", 0, "x", step, sample)
        return self.value("forward", l, "a", step, sample)

    def delta(self, l: int, step: int, sample: int) -> np.ndarray | None:
        kind = "output_delta" if self.source.find("output_delta", l) is not None else "delta"
        return self.value(kind, l, "delta", step, sample)

    def weights(self, l: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """W(l), b(l) as used by this step's forward and backward passes (the Update's "before")."""
        i = self.source.find("update", l)
        if i is None:
            return None, None
        return self.source.array(i, "W_before"), self.source.array(i, "b_before")

    def activation_name(self, l: int) -> str:
        acts = self.header.activations
        return acts[l - 1] if 0 < l <= len(acts) else "h"

    # the view ------------------------------------------------------------------------------------
    def view(self, step: int, sample: int = 0, digits: int | None = 3,
             selected: tuple[int, int] | None = None) -> StepView:
        key = (step, sample, digits, selected)
        if key in self._views:
            self._views.move_to_end(key)
            return self._views[key]
        info = self.source.info(step)
        view = StepView(
            step=step, count=len(self.source), kind=info.kind, layer=info.layer, phase=info.phase,
            label=info.label, sample=sample, samples=self.source.samples, digits=digits,
            precision=self.header.precision, title=self.header.title,
            equations=tuple(self.equations(step, sample, digits)),
            tables=self.tables(step, sample, digits),
            columns=self.columns(step, sample, digits, selected),
            weights=self.weight_views(step, digits, selected),
        )
        self._views[key] = view
        if len(self._views) > self._cache_size:
            self._views.popitem(last=False)
        return view

    # step panel ----------------------------------------------------------------------------------
    def equations(self, step: int, sample: int, digits: int | None) -> list[Equation]:
        info = self.source.info(step)
        build = {
            "input": self._eq_input, "forward": self._eq_forward, "loss": self._eq_loss,
            "output_delta": self._eq_output_delta, "delta": self._eq_delta, "gradient": self._eq_gradient,
            "update": self._eq_update,
        }[info.kind]
        return build(step, info.layer, sample, digits)

    def _eq_input(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        x = self.source.array(step, "x", sample)
        y = self.source.array(step, "y", sample)
        eqs = [Equation("a(0) = x", None, vector_text(x, d))]
        side = square_side(x.size)
        if side:
            eqs[0] = Equation("a(0) = x", None, f"{side}×{side} image, {summary_text(x, d)} (drawn on the left)")
        target = vector_text(y, d)
        if self.header.loss == "cross-entropy" and y.size > 1:
            target += f"  (class {int(np.argmax(np.asarray(y, dtype=np.float64)))})"
        eqs.append(Equation("y", None, target, note="the target"))
        return eqs

    def _eq_forward(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        W, b = self.weights(l)
        a_prev = self.activation(l - 1, step, sample)
        s = self.source.array(step, "s", sample)
        a = self.source.array(step, "a", sample)
        a_prime = self.source.array(step, "a_prime", sample)
        h = self.activation_name(l)
        subst = None
        if W is not None and a_prev is not None:
            subst = f"{matrix_text(W, d)}·{vector_text(a_prev, d)} + {vector_text(b, d)}"
        eqs = [Equation(f"s({l}) = W({l}) a({l - 1}) + b({l})", subst, vector_text(s, d)),
               Equation(f"a({l}) = {h}(s({l}))", f"{h}({vector_text(s, d)})", vector_text(a, d))]
        if a_prime is not None:
            eqs.append(Equation(f"a'({l}) = {h}'(s({l}))", f"{h}'({vector_text(s, d)})", vector_text(a_prime, d)))
        else:
            eqs.append(Equation(f"a'({l})", None, None,
                                note=f"{h} is not elementwise: its derivative is the matrix A = ∂a({l})/∂s({l}), "
                                     f"used at δ({l})"))
        return eqs

    def _eq_loss(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        a = self.activation(self.L, step, sample)
        y = self.value("input", 0, "y", step, sample)
        C = self.source.array(step, "C", sample)
        L = self.L
        if self.header.loss == "cross-entropy":
            symbolic = f"C = −Σ_k y_k log a_k({L})"
            if y is not None and a is not None and np.count_nonzero(np.asarray(y, dtype=np.float64)) == 1:
                k = int(np.argmax(np.asarray(y, dtype=np.float64)))
                subst = f"−log a_{k + 1}({L}) = −log {fmt(np.asarray(a).ravel()[k], d)}"
            else:
                subst = None
        else:
            symbolic = f"C = ½ ‖a({L}) − y‖²"
            subst = f"½ ‖{vector_text(a, d)} − {vector_text(y, d)}‖²" if a is not None and y is not None else None
        eqs = [Equation(symbolic, subst, fmt(np.asarray(C).item(), d))]
        if self.source.samples > 1:
            all_C = self.source.array(step, "C")
            mean = np.asarray(all_C, dtype=np.float64).mean()
            eqs.append(Equation(f"minibatch C = mean over {self.source.samples} samples", None, fmt(mean, d)))
        return eqs

    def _eq_output_delta(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        a = self.activation(l, step, sample)
        y = self.value("input", 0, "y", step, sample)
        delta = self.source.array(step, "delta", sample)
        A = self.source.array(step, "jacobian", sample)
        grad_a = self.source.array(step, "grad_a", sample)
        if self.header.loss == "cross-entropy":
            eqs = [Equation(f"δ({l}) = a({l}) − y", f"{vector_text(a, d)} − {vector_text(y, d)}", vector_text(delta, d),
                            note="softmax with cross-entropy: the short way")]
            route = (f"A = ∂a({l})/∂s({l}) = diag(a) − a aᵀ", f"∇a C = −y ⊘ a({l})")
        else:
            a_prime = self.value("forward", l, "a_prime", step, sample)
            h = self.activation_name(l)
            eqs = [Equation(f"δ({l}) = (a({l}) − y) ⊙ {h}'(s({l}))",
                            f"({vector_text(a, d)} − {vector_text(y, d)}) ⊙ {vector_text(a_prime, d)}",
                            vector_text(delta, d))]
            route = (f"A = ∂a({l})/∂s({l}) = diag(a'({l}))", f"∇a C = a({l}) − y")
        eqs += [Equation(route[0], None, matrix_text(A, d), note="the long way: δ = A ∇a C"),
                Equation(route[1], None, vector_text(grad_a, d)),
                Equation(f"δ({l}) = A ∇a C", None, vector_text(delta, d))]
        return eqs

    def _eq_delta(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        a_prime = self.value("forward", l, "a_prime", step, sample)
        W_next, _ = self.weights(l + 1)
        delta_next = self.delta(l + 1, step, sample)
        delta = self.source.array(step, "delta", sample)
        subst = None
        if a_prime is not None and W_next is not None and delta_next is not None:
            subst = f"{vector_text(a_prime, d)} ⊙ ({matrix_text(np.asarray(W_next).T, d)}·{vector_text(delta_next, d)})"
        return [Equation(f"δ({l}) = a'({l}) ⊙ (W({l + 1})ᵀ δ({l + 1}))", subst, vector_text(delta, d),
                         note=f"W({l + 1}) as in the forward pass, before its update")]

    def _eq_gradient(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        dW = self.source.array(step, "dW")
        db = self.source.array(step, "db")
        delta = self.delta(l, step, sample)
        a_prev = self.activation(l - 1, step, sample)
        B = self.source.samples
        l2 = self.source.header.l2
        penalty = f" + λ W({l})" if l2 else ""
        note = f"λ = {fmt(l2, None)}: the gradient of the L2 penalty (λ/2)‖W({l})‖²" if l2 else None
        if B == 1:
            subst = f"{vector_text(delta, d)}·{vector_text(a_prev, d)}ᵀ" + (f" + {fmt(l2, None)}·W({l})" if l2 else "")
            return [Equation(f"∇W({l}) = δ({l}) a({l - 1})ᵀ{penalty}", subst, matrix_text(dW, d), note=note),
                    Equation(f"∇b({l}) = δ({l})", vector_text(delta, d), vector_text(db, d))]
        return [Equation(f"∇W({l}) = (1/{B}) Σ_samples δ({l}) a({l - 1})ᵀ{penalty}",
                         f"this sample's δ({l}) = {vector_text(delta, d)}, a({l - 1}) = {vector_text(a_prev, d)}",
                         matrix_text(dW, d), note=note),
                Equation(f"∇b({l}) = (1/{B}) Σ_samples δ({l})", None, vector_text(db, d))]

    def _eq_update(self, step: int, l: int, sample: int, d: int | None) -> list[Equation]:
        W0, W1 = self.source.array(step, "W_before"), self.source.array(step, "W_after")
        b0, b1 = self.source.array(step, "b_before"), self.source.array(step, "b_after")
        g = self.source.find("gradient", l)
        dW = self.source.array(g, "dW") if g is not None else None
        db = self.source.array(g, "db") if g is not None else None
        eta = fmt(self.source.eta_of(step), d)
        W_sub = f"{matrix_text(W0, d)} − {eta}·{matrix_text(dW, d)}" if dW is not None else None
        b_sub = f"{vector_text(b0, d)} − {eta}·{vector_text(db, d)}" if db is not None else None
        change = norm(np.asarray(W1, dtype=np.float64) - np.asarray(W0, dtype=np.float64))
        momentum = self.source.header.momentum
        if momentum:
            vW, vb = self.source.array(step, "v_W"), self.source.array(step, "v_b")
            mu = fmt(momentum, d)
            return [Equation(f"v ← μ v − η ∇W({l})", f"{mu}·v − {eta}·{matrix_text(dW, d)}" if dW is not None else None,
                             matrix_text(vW, d), note=f"momentum μ = {mu}: v keeps a running sum of past steps"),
                    Equation(f"W({l}) ← W({l}) + v", f"{matrix_text(W0, d)} + {matrix_text(vW, d)}",
                             matrix_text(W1, d), note=f"‖ΔW({l})‖ = {fmt(change, d)}"),
                    Equation(f"b({l}) ← b({l}) + v_b", f"{vector_text(b0, d)} + {vector_text(vb, d)}",
                             vector_text(b1, d))]
        return [Equation(f"W({l}) ← W({l}) − η ∇W({l})", W_sub, matrix_text(W1, d),
                         note=f"‖ΔW({l})‖ = {fmt(change, d)}"),
                Equation(f"b({l}) ← b({l}) − η ∇b({l})", b_sub, vector_text(b1, d))]

    # worksheet -----------------------------------------------------------------------------------
    def tables(self, step: int, sample: int, d: int | None) -> tuple[TableView, ...]:
        current = self.source.info(step)

        def cell(kind: str, layer: int, text: str | None) -> Cell:
            return Cell(text or "", new=(current.kind, current.layer) == (kind, layer))

        L = self.L
        ff_rows = [(Cell("0"), Cell("—"), cell("input", 0, _maybe(self.activation(0, step, sample), d)), Cell("—"))]
        for l in range(1, L + 1):
            s = self.value("forward", l, "s", step, sample)
            a = self.value("forward", l, "a", step, sample)
            known = s is not None
            a_prime = self.value("forward", l, "a_prime", step, sample)
            ap_text = _maybe(a_prime, d) if a_prime is not None else ("A, see δ" if known else "")
            ff_rows.append((Cell(str(l)), cell("forward", l, _maybe(s, d)), cell("forward", l, _maybe(a, d)),
                            cell("forward", l, ap_text)))
        y = self.value("input", 0, "y", step, sample)
        C = self.value("loss", L, "C", step, sample)
        caption = (cell("input", 0, f"y = {vector_text(y, d)}" if y is not None else ""),
                   cell("loss", L, f"C = {fmt(np.asarray(C).item(), d)}" if C is not None else "C = "))
        feed_forward = TableView("feed-forward", ("l", "s(l)", "a(l)", "a'(l)"), tuple(ff_rows), caption)

        bp_rows = []
        for l in range(L, 0, -1):
            kind = "output_delta" if l == L and self.source.find("output_delta", l) is not None else "delta"
            g = self.known("gradient", l, step)
            dW = self.source.array(g, "dW") if g is not None else None
            db = self.source.array(g, "db") if g is not None else None
            bp_rows.append((Cell(str(l)), cell(kind, l, _maybe(self.delta(l, step, sample), d)),
                            cell("gradient", l, "\n".join(matrix_lines(dW, d)) if dW is not None else ""),
                            cell("gradient", l, _maybe(db, d))))
        backprop = TableView("backprop", ("l", "δ(l)", "∇W(l)", "∇b(l)"), tuple(bp_rows))

        up_rows = []
        for l in range(L, 0, -1):
            u = self.known("update", l, step)
            W1 = self.source.array(u, "W_after") if u is not None else None
            b1 = self.source.array(u, "b_after") if u is not None else None
            up_rows.append((Cell(str(l)), cell("update", l, "\n".join(matrix_lines(W1, d)) if W1 is not None else ""),
                            cell("update", l, _maybe(b1, d))))
        updated = TableView("updated parameters", ("l", "W(l) new", "b(l) new"), tuple(up_rows))
        return feed_forward, backprop, updated

    # network diagram -----------------------------------------------------------------------------
    def window(self, units: int, selected_unit: int | None) -> range:
        """The units of a layer shown as neurons: the first ``max_units``, or a window around the selected one.
        A layer with up to two more units is shown whole: the rows of "↑ …" and "↓ …" are free then."""
        if units <= self.max_units + 2:
            return range(units)
        start = 0
        if selected_unit is not None and selected_unit >= self.max_units:
            start = min(selected_unit - self.max_units // 2, units - self.max_units)
        return range(start, start + self.max_units)

    def resize(self, max_units: int) -> None:
        """Show up to ``max_units`` neurons per column (the rows the diagram has); forgets cached views."""
        if max_units != self.max_units:
            self.max_units = max(1, max_units)
            self._views.clear()

    def columns(self, step: int, sample: int, d: int | None,
                selected: tuple[int, int] | None) -> tuple[ColumnView, ...]:
        current = self.source.info(step)
        columns = []
        for l, units in enumerate(self.source.sizes):
            # an update writes W(l), b(l), drawn beside the layer: the layer's neurons keep their δ(l)
            is_current = (current.layer == l and current.kind not in ("loss", "update")) or (
                current.kind == "loss" and l == self.L)
            sel_unit = selected[1] if selected and selected[0] == l else None
            title, values = self._neuron_values(l, step, sample, d, current.kind if is_current else None)
            if l == 0 and square_side(units) and units > self.max_units:
                x = self.activation(0, step, sample)
                side = square_side(units)
                image = None if x is None else np.asarray(x, dtype=np.float64).reshape(side, side)
                columns.append(ColumnView(0, f"a(0): {side}×{side}", (), current=is_current, image=image))
                continue
            shown = self.window(units, sel_unit)
            neurons = tuple(NeuronView(l, j, values(j), current=is_current, selected=(sel_unit == j),
                                       known=values(j) != "·") for j in shown)
            columns.append(ColumnView(l, title, neurons, hidden_before=shown.start,
                                      hidden_after=units - shown.stop, current=is_current))
        return tuple(columns)

    def _neuron_values(self, l: int, step: int, sample: int, d: int | None, current_kind: str | None):
        """(column title, unit → text): what the neurons of layer l show as of ``step``."""
        pick: list[tuple[str, np.ndarray | None]] = []
        if current_kind == "forward":
            pick = [(name, self.value("forward", l, field_name, step, sample))
                    for name, field_name in (("s", "s"), ("a", "a"), ("a'", "a_prime"))]
        elif current_kind == "loss":
            pick = [("a", self.activation(l, step, sample)), ("y", self.value("input", 0, "y", step, sample))]
        elif current_kind == "gradient":
            g = self.known("gradient", l, step)
            pick = [("∇b", self.source.array(g, "db") if g is not None else None)]
        elif current_kind in ("delta", "output_delta"):
            pick = [("δ", self.delta(l, step, sample))]
        elif current_kind == "input":
            x = self.activation(0, step, sample)
            return "a(0) = x", lambda j: fmt(np.asarray(x).ravel()[j], d)
        if pick:
            pick = [(n, v) for n, v in pick if v is not None]
            if len(pick) == 1:
                name, arr = pick[0]
                return f"{name}({l})", lambda j: fmt(np.asarray(arr).ravel()[j], d)
            title = " ".join(f"{n}({l})" if n != "y" else "y" for n, _ in pick)  # y has no layer
            return title, lambda j: " ".join(f"{n}={fmt(np.asarray(v).ravel()[j], d)}" for n, v in pick)
        delta = self.delta(l, step, sample) if l > 0 else None
        if delta is not None:
            return f"δ({l})", lambda j: fmt(np.asarray(delta).ravel()[j], d)
        a = self.activation(l, step, sample)
        if a is not None:
            return f"a({l})", lambda j: fmt(np.asarray(a).ravel()[j], d)
        return f"a({l})", lambda j: "·"

    def weight_views(self, step: int, d: int | None, selected: tuple[int, int] | None) -> tuple[WeightView, ...]:
        """Small W(l) in full beside its neurons; a large one by its shape (from the header, so nothing
        is read), plus for W(1) on an image input the selected unit's weight row drawn as an image."""
        current = self.source.info(step)
        sizes = self.source.sizes
        views = []
        for l in range(1, self.L + 1):
            is_current = (current.layer == l and current.kind in ("forward", "update", "gradient")) or (
                current.kind == "delta" and current.layer == l - 1)
            u = self.known("update", l, step)
            i = u if u is not None else self.source.find("update", l)
            W_name, b_name = ("W_after", "b_after") if u is not None else ("W_before", "b_before")
            title = f"W({l}) b({l})" + (" new" if u is not None else "")
            n_out, n_in = sizes[l], sizes[l - 1]
            if i is None:
                views.append(WeightView(l, title, ("not in trace",), is_current))
                continue
            if n_out * n_in <= MAX_MATRIX and n_in <= MAX_COLUMNS and n_out <= self.max_units:
                W, b = np.asarray(self.source.array(i, W_name)), np.asarray(self.source.array(i, b_name))
                width = max(len(fmt(v, d)) for v in W.ravel())
                lines = tuple(" ".join(fmt(v, d).rjust(width) for v in row) + " │ " + fmt(bj, d)
                              for row, bj in zip(W, b.ravel(), strict=True))
                views.append(WeightView(l, title, lines, is_current))
                continue
            lines: tuple[str, ...] = (f"{n_out}×{n_in}",)
            image = None
            side = square_side(n_in)
            if l == 1 and side:
                unit = selected[1] if selected and selected[0] == 1 else 0
                row = self.source.row(i, W_name, unit)
                image = np.asarray(row, dtype=np.float64).reshape(side, side)
                lines = (*lines, f"row {unit + 1} (into unit {unit + 1}):")
            views.append(WeightView(l, title, lines, is_current, image=image))
        return tuple(views)

    # details ---------------------------------------------------------------------------------------
    def neuron_detail(self, step: int, sample: int, d: int | None, layer: int, unit: int) -> list[tuple[str, str]]:
        """(name, value) pairs of one neuron, as far as the trace has got by ``step``."""
        j = unit

        def pick(arr: np.ndarray | None) -> str:
            return "not yet" if arr is None else fmt(np.asarray(arr).ravel()[j], d)

        if layer == 0:
            return [(f"x_{j + 1} = a_{j + 1}(0)", pick(self.activation(0, step, sample)))]
        rows = [(f"s_{j + 1}({layer})", pick(self.value("forward", layer, "s", step, sample))),
                (f"a_{j + 1}({layer})", pick(self.value("forward", layer, "a", step, sample)))]
        a_prime = self.value("forward", layer, "a_prime", step, sample)
        if a_prime is not None or self.activation_name(layer) != "softmax":
            rows.append((f"a'_{j + 1}({layer})", pick(a_prime)))
        rows.append((f"δ_{j + 1}({layer})", pick(self.delta(layer, step, sample))))
        W, b = self.weights(layer)
        if W is not None:
            rows.append((f"b_{j + 1}({layer})", fmt(np.asarray(b).ravel()[j], d)))
            rows.append((f"row {j + 1} of W({layer})", vector_text(np.asarray(W)[j], d, limit=12)))
        u = self.known("update", layer, step)
        if u is not None:
            rows.append((f"b_{j + 1}({layer}) new", fmt(np.asarray(self.source.array(u, "b_after")).ravel()[j], d)))
        return rows

    def full_view(self, step: int, sample: int, d: int | None) -> list[tuple[str, str]]:
        """Every array of the current step in full (this sample's rows; matrices one row per line)."""
        info = self.source.info(step)
        out = []
        names = info.cls.array_names()
        for name in names:
            arr = self.source.array(step, name, sample if info.kind in PER_SAMPLE_KINDS else None)
            if arr is None:
                continue
            arr = np.asarray(arr)
            title = f"{name}({info.layer})" + (f", sample {sample}" if info.kind in PER_SAMPLE_KINDS else "")
            if arr.ndim >= 2:
                rows = arr.reshape(arr.shape[0], -1)
                text = "\n".join(f"{i + 1:>4}: {fmt_vector(row, d)}" for i, row in enumerate(rows))
            else:
                text = fmt_vector(arr, d)
            out.append((f"{title}  {'×'.join(map(str, arr.shape))}", text))
        if info.kind == "forward":
            W, b = self.weights(info.layer)
            if W is not None:
                W = np.asarray(W)
                out.append((f"W({info.layer})  {W.shape[0]}×{W.shape[1]}",
                            "\n".join(f"{i + 1:>4}: {fmt_vector(row, d)}" for i, row in enumerate(W))))
                out.append((f"b({info.layer})", fmt_vector(b, d)))
        return out


def _maybe(arr: np.ndarray | None, d: int | None) -> str:
    return "" if arr is None else vector_text(arr, d, limit=TABLE_VECTOR)
