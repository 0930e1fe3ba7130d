"""The trace: plain data between the engine and everything that shows it.

A trace is a header (the network spec and run config) and an ordered list of events. Each event
is a small dataclass with a kind, a layer, a phase and its arrays, one row per sample of the
minibatch, in the course's notation:

    Input(0: x, y) → Forward(l: s, a, a') … → Loss(C) → OutputDelta(L: δ, A, ∇aC) → Delta(l: δ) …
    → Gradient(l: ∇W, ∇b) … → Update(l: W, b before and after, η) …

Arrays are numpy arrays: float32/float64, or object arrays of mpmath.mpf in exact mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from backprop_tutor.errors import TraceError
from backprop_tutor.notation import event_label
from backprop_tutor.plural import count

Array = np.ndarray

#: Event fields that are numbers, not arrays.
SCALARS = ("eta", "momentum")


@dataclass
class Event:
    """Base class. ``arrays()`` gives the array fields by name; ``label`` names it in the notation."""

    kind: ClassVar[str] = "event"
    phase: ClassVar[str] = "forward"
    #: True when the arrays hold one row per sample of the minibatch (False: the minibatch's parameters)
    per_sample: ClassVar[bool] = True
    layer: int

    @classmethod
    def array_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name != "layer" and f.name not in SCALARS)

    def scalars(self) -> dict[str, float]:
        """The event's plain numbers (η, μ of an update), stored on disk as attributes."""
        return {name: getattr(self, name) for name in SCALARS if hasattr(self, name)}

    def arrays(self) -> dict[str, Array | None]:
        return {name: getattr(self, name) for name in self.array_names()}


    @property
    def label(self) -> str:
        """The step's title in the notation (`backprop_tutor.notation.EVENT_LABELS`): s(2), a(2), a'(2)."""
        return event_label(self.kind, self.layer)


@dataclass
class Input(Event):
    """a(0) = x and the target y, each (B, units)."""

    kind: ClassVar[str] = "input"
    x: Array
    y: Array



@dataclass
class Forward(Event):
    """s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)), a'(l) = h'(s(l)); each (B, units of layer l).
    a_prime is None for a softmax output (its derivative is a matrix: see OutputDelta)."""

    kind: ClassVar[str] = "forward"
    s: Array
    a: Array
    a_prime: Array | None



@dataclass
class Loss(Event):
    """C per sample, shape (B,); the minibatch's loss is its mean."""

    kind: ClassVar[str] = "loss"
    phase: ClassVar[str] = "loss"
    C: Array



@dataclass
class OutputDelta(Event):
    """δ(L) = ∇s(L) C, (B, n_L); and the long way round: A = ∂a/∂s (B, n_L, n_L), ∇a C (B, n_L),
    and their product A ∇a C (B, n_L), which equals δ(L)."""

    kind: ClassVar[str] = "output_delta"
    phase: ClassVar[str] = "backward"
    delta: Array
    jacobian: Array
    grad_a: Array
    jacobian_times_grad_a: Array



@dataclass
class Delta(Event):
    """δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1)) for a hidden layer, (B, units); ``back`` is the bracket
    W(l+1)ᵀ δ(l+1) before the ⊙ (None in traces written before it was recorded)."""

    kind: ClassVar[str] = "delta"
    phase: ClassVar[str] = "backward"
    delta: Array
    back: Array | None = None



@dataclass
class Gradient(Event):
    """∇W(l) = mean over the minibatch of δ(l) a(l-1)ᵀ (+ λ W(l) with L2), (out, in); ∇b(l), (out,)."""

    kind: ClassVar[str] = "gradient"
    per_sample: ClassVar[bool] = False
    phase: ClassVar[str] = "backward"
    dW: Array
    db: Array



@dataclass
class Update(Event):
    """W(l) ← W(l) − η ∇W(l), b(l) ← b(l) − η ∇b(l): the values before and after, and η used.
    With momentum μ > 0 the step is v ← μ v − η ∇, W ← W + v, and v_W, v_b hold v after the step."""

    kind: ClassVar[str] = "update"
    per_sample: ClassVar[bool] = False
    phase: ClassVar[str] = "update"
    W_before: Array
    W_after: Array
    b_before: Array
    b_after: Array
    eta: float = 0.0
    momentum: float = 0.0
    v_W: Array | None = None
    v_b: Array | None = None



EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls for cls in (Input, Forward, Loss, OutputDelta, Delta, Gradient, Update)
}


@dataclass(frozen=True)
class EventInfo:
    """What the index knows of an event without reading its arrays."""

    index: int
    kind: str
    layer: int

    @property
    def cls(self) -> type[Event]:
        return EVENT_TYPES[self.kind]

    @property
    def phase(self) -> str:
        return self.cls.phase

    @property
    def label(self) -> str:
        return event_label(self.kind, self.layer)


@dataclass
class TraceHeader:
    """What produced the trace. ``spec``: sizes, activations, loss, learning rate, precision…;
    ``config``: anything else of the run (epoch, batch index, data set…). JSON-serialisable."""

    sizes: list[int]
    activations: list[str]
    loss: str
    precision: str
    learning_rate: float
    batch_size: int
    title: str = ""
    momentum: float = 0.0
    l2: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def L(self) -> int:
        return len(self.sizes) - 1


@dataclass
class Trace:
    """An in-memory trace. It and `backprop_tutor.trace.store.TraceFile` (the same from disk) are both
    a `backprop_tutor.trace.reader.TraceReader`."""

    header: TraceHeader
    events: list[Event] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, i: int) -> Event:
        return self.events[i]

    def __iter__(self):
        return iter(self.events)

    # the TraceReader interface
    @property
    def index(self) -> list[EventInfo]:
        return [EventInfo(i, e.kind, e.layer) for i, e in enumerate(self.events)]

    def info(self, i: int) -> EventInfo:
        e = self.events[i]
        return EventInfo(i % len(self.events), e.kind, e.layer)

    def find(self, event: type[Event], layer: int) -> int | None:
        return next((i for i, e in enumerate(self.events) if type(e) is event and e.layer == layer), None)

    def array(self, i: int, field: Field, row: int | None = None) -> Array | None:
        value = getattr(self.events[i], check_field(self.info(i), field).name)
        if value is None:
            return None
        value = np.asarray(value)
        if row is None or value.ndim == 0:
            return value
        return np.asarray(value[check_row(self.info(i), field, row, value.shape[0])])

    def scalar(self, i: int, field: Field) -> float:
        return float(getattr(self.events[i], check_field(self.info(i), field).name))


@dataclass(frozen=True)
class Field:
    """One named array or number of an event class, e.g. ``Field(Forward, "a_prime")``: how every reader
    of a trace addresses a value (the constants in `backprop_tutor.trace.fields`). A name the class
    does not have is an error when the field is made, not a blank later."""

    event: type[Event]
    name: str

    def __post_init__(self) -> None:
        names = {f.name for f in fields(self.event)} - {"layer"}
        if self.name not in names:
            raise FieldError(f"{self.event.__name__} has no field {self.name!r}; it has {', '.join(sorted(names))}")

    @property
    def scalar(self) -> bool:
        return self.name in SCALARS


class FieldError(LookupError):
    """A field asked of an event that does not have it: a programming error, never shown as a blank."""


def check_row(info: EventInfo, field: Field, row: int, rows: int, where: object = "the trace") -> int:
    """``row`` if ``field`` of event ``info`` has it (0 to rows − 1, or −rows to −1 from the end, as numpy
    counts); else a TraceError saying how many rows there are, never an IndexError from h5py."""
    if -rows <= row < rows:
        return row
    what = "sample" if field.event.per_sample else "row"
    numbered = {0: "", 1: ": row 0"}.get(rows, f", rows 0 to {rows - 1}")
    raise TraceError(f"{where}: no row {row} in {field.name} of event {info.index} ({info.label}): it has "
                     f"{count(rows, what)}{numbered}")


def check_field(info: EventInfo, field: Field) -> Field:
    """``field`` if event ``info`` has it; else FieldError naming both."""
    if field.event is not info.cls:
        raise FieldError(f"event {info.index} is {info.cls.__name__}({info.layer}), which has no "
                         f"{field.event.__name__}.{field.name}")
    return field
