"""The one way to read a trace: `TraceReader`, which the in-memory `Trace`, the on-disk `TraceFile`
and the UI's cached `TraceSource` all satisfy.

Events are addressed by class (``find(Forward, 2)``) and values by `Field` constants
(`backprop_tutor.trace.fields`), so a misspelt name fails loudly instead of reading as a blank.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from backprop_tutor.trace.events import Event, EventInfo, Field, TraceHeader


@runtime_checkable
class TraceReader(Protocol):
    header: TraceHeader

    def __len__(self) -> int: ...

    @property
    def index(self) -> list[EventInfo]:
        """Kind and layer of every event, in order (no arrays read)."""
        ...

    def info(self, i: int) -> EventInfo: ...

    def find(self, event: type[Event], layer: int) -> int | None:
        """Index of the first event of class ``event`` for ``layer``, or None."""
        ...

    def array(self, i: int, field: Field, row: int | None = None) -> np.ndarray | None:
        """``field`` of event ``i`` (FieldError if that event has no such field); with ``row``, only
        that row of its first axis (one sample's, or one unit's row of W). None when the event
        recorded no such array (a'(L) of a softmax output)."""
        ...

    def scalar(self, i: int, field: Field) -> float:
        """A number of event ``i``: η or μ of an update."""
        ...


def sample_row(field: Field, sample: int | None) -> int | None:
    """The row to read for ``sample``: its own for per-sample events, none for the minibatch's parameters."""
    return sample if field.event.per_sample else None


def read(trace: TraceReader, field: Field, layer: int, sample: int | None = None,
         upto: int | None = None) -> np.ndarray | None:
    """``field`` of the (first) event of its class at ``layer``, for ``sample`` if per sample; None if the
    trace has no such event, or it comes after step ``upto``."""
    i = trace.find(field.event, layer)
    if i is None or (upto is not None and i > upto):
        return None
    return trace.array(i, field, sample_row(field, sample))
