"""The course's notation, in one place: what each recorded value and each written quantity is called,
in text (the screen, messages), in LaTeX (the Markdown) and in ASCII (answer-file keys).

One index style for a single number of a vector or matrix, everywhere text is read or typed: the
layer in round brackets, then the unit in square brackets, counted from 1: s(2)[1] is unit 1 of s(2),
W(1)[2,3] is row 2, column 3 of W(1) (unit 2 of layer 1, unit 3 of layer 0), y[1] the first target.
LaTeX typesets the same cell as s_{1}^{(2)}.

Every view reads its names from here: the trace's step labels, the UI's full view, the overflow
messages, the checker's templates and cell names. A name is a template: {l} is the layer, {n} the next
one, {p} the one before.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Quantity(StrEnum):
    """What a student writes, in the notation; W and b are the values after the update."""

    X = "x"
    Y = "y"
    S = "s"
    A = "a"
    A_PRIME = "a'"
    COST = "C"
    MEAN_COST = "mean C"  # the minibatch's loss (only when it has more than one sample)
    DELTA = "δ"
    GRAD_W = "∇W"
    GRAD_B = "∇b"
    W_NEW = "W"
    B_NEW = "b"


#: What each quantity a student writes is, for templates and messages.
MEANINGS: dict[Quantity, str] = {
    Quantity.S: "s({l}) = W({l}) a({p}) + b({l})",
    Quantity.A: "a({l}) = h(s({l}))",
    Quantity.A_PRIME: "a'({l}) = h'(s({l}))",
    Quantity.COST: "the cost C",
    Quantity.DELTA: "δ({l}) = ∇s({l}) C",
    Quantity.GRAD_W: "∇W({l}) = δ({l}) a({p})ᵀ",
    Quantity.GRAD_B: "∇b({l}) = δ({l})",
    Quantity.W_NEW: "W({l}) after the update",
    Quantity.B_NEW: "b({l}) after the update",
}

#: Each value a trace records, by its field's name (`backprop_tutor.trace.fields`: δ(L) of OutputDelta and
#: δ(l) of Delta are both "delta"). Where the UI's full view and the overflow messages once named a value
#: differently, the clearer name won: "the target y", "∇a C", "W(3)ᵀ δ(3)", "the velocity v of W(2)".
FIELD_NAMES: dict[str, str] = {
    "x": "a(0) = x", "y": "the target y",
    "s": "s({l})", "a": "a({l})", "a_prime": "a'({l}) = h'(s({l}))",
    "C": "C",
    "delta": "δ({l})", "jacobian": "A = ∂a({l})/∂s({l})", "grad_a": "∇a C",
    "jacobian_times_grad_a": "A ∇a C (δ({l}) the long way)", "back": "W({n})ᵀ δ({n})",
    "dW": "∇W({l})", "db": "∇b({l})",
    "W_before": "W({l}) before the update", "W_after": "W({l}) after the update",
    "b_before": "b({l}) before the update", "b_after": "b({l}) after the update",
    "eta": "η", "momentum": "μ",
    "v_W": "the velocity v of W({l})", "v_b": "the velocity v of b({l})",
}

#: Each kind of trace event as a step's title (the UI, the worked solution's headings, error messages).
EVENT_LABELS: dict[str, str] = {
    "input": "a(0) = x, target y",
    "forward": "s({l}), a({l}), a'({l})",
    "loss": "C",
    "output_delta": "δ({l})",
    "delta": "δ({l})",
    "gradient": "∇W({l}), ∇b({l})",
    "update": "W({l}), b({l}) updated",
}

#: Symbols that LaTeX writes with a command.
LATEX: dict[str, str] = {"δ": r"\delta", "∇W": r"\nabla W", "∇b": r"\nabla b", "η": r"\eta", "μ": r"\mu",
                         "λ": r"\lambda", "·": r"\cdot"}


def field_name(name: str, layer: int) -> str:
    """The recorded value ``name`` (a field's name: "v_W") of ``layer`` in the notation: the velocity v of W(2)."""
    return FIELD_NAMES.get(name, name).format(l=layer, n=layer + 1)


def event_label(kind: str, layer: int) -> str:
    """An event of ``kind`` ("forward") of ``layer`` as a step's title: s(2), a(2), a'(2)."""
    return EVENT_LABELS.get(kind, kind).format(l=layer)


def meaning(quantity: Quantity, layer: int) -> str:
    """What ``quantity`` of ``layer`` is: s(2) = W(2) a(1) + b(2)."""
    return MEANINGS[quantity].format(l=layer, p=layer - 1)


def ascii_name(quantity: Quantity) -> str:
    """The notation spelled in ASCII, as a TOML key: a' → a_prime, δ → delta, ∇W → grad_W."""
    text = str(quantity).replace("'", "_prime").replace("∇", "grad_")
    # a Greek letter by its Unicode name: δ is GREEK SMALL LETTER DELTA
    return "".join(c if c.isascii() else unicodedata.name(c).split()[-1].lower() for c in text)


#: An index that is not a number: a sum's running index (k), a whole row or column (·).
Index = int | str


def unit_index(*indices: Index) -> str:
    """0-based positions as the notation counts them, from 1: (0,) → "1", (1, 2) → "2,3"; a named index as it
    is: ("k",) → "k", (0, "·") → "1,·" (row 1 of a matrix)."""
    return ",".join(i if isinstance(i, str) else str(i + 1) for i in indices)


def cell_text(name: str, layer: int | None, *indices: Index) -> str:
    """One number of a vector or matrix in text, units from 1: s(2)[1], W(1)[2,3], y[1]; s(2) without indices."""
    return name + (f"({layer})" if layer is not None else "") + (f"[{unit_index(*indices)}]" if indices else "")


def cell_latex(name: str, layer: int | None, *indices: Index) -> str:
    """The same cell typeset: s_{1}^{(2)}, W_{2,3}^{(1)}, \\delta_{1}^{(2)}, W_{1,\\cdot}^{(2)}."""
    index = ",".join(LATEX.get(i, i) if isinstance(i, str) else str(i + 1) for i in indices)
    return (LATEX.get(name, name) + (f"_{{{index}}}" if indices else "")
            + (f"^{{({layer})}}" if layer is not None else ""))


def symbol(name: str, layer: int | None = None, T: bool = False, unit: str = "") -> tuple[str, str]:
    """A whole vector or matrix, in text and in LaTeX: ("W(3)ᵀ", "W^{(3)\\top}"); ``unit`` a subscript that names,
    not counts (v_b)."""
    text, latex = name + (f"_{unit}" if unit else ""), LATEX.get(name, name) + (f"_{{{unit}}}" if unit else "")
    top = r"\top" if T else ""
    if layer is not None:
        return f"{text}({layer})" + ("ᵀ" if T else ""), latex + f"^{{({layer}){top}}}"
    return text + ("ᵀ" if T else ""), latex + (f"^{{{top}}}" if T else "")


def column_title(quantity: Quantity) -> str:
    """A worksheet table's column of ``quantity``, one row per layer l: s(l), δ(l); the updated W(l) new."""
    return f"{quantity}(l)" + (" new" if quantity in (Quantity.W_NEW, Quantity.B_NEW) else "")


def cell_name(quantity: Quantity, layer: int, index: tuple[int, ...]) -> str:
    """A worksheet cell (0-based ``index``) in the notation: s(2)[1], W(1)[2,3]; the cost is C."""
    return "C" if quantity is Quantity.COST else cell_text(str(quantity), layer, *index)
