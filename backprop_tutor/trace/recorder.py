"""The recorder the engine writes events into. No recorder, no recording: the engine checks
``recorder is not None`` once per step and otherwise pays nothing (no copies)."""

from __future__ import annotations

from backprop_tutor.numbers.certain import EXACT_DIGITS, certain_array
from backprop_tutor.trace.events import Event, Trace, TraceHeader


class Recorder:
    """Collects the events of the steps the engine runs while it is attached, in order.

    The engine hands over arrays it owns (copies of its work buffers), so the recorder only keeps
    references. Exact mode's intervals are kept as `Certain` values (each knows its certain digits)."""

    def __init__(self, header: TraceHeader) -> None:
        self.trace = Trace(header)

    def record(self, event: Event) -> None:
        for name, arr in event.arrays().items():
            if arr is not None and arr.dtype == object:
                values = certain_array(arr)
                setattr(event, name, values)
                config = self.trace.header.config  # the fewest certain digits of any value: the screen says it
                config["certain_digits"] = min([config.get("certain_digits", EXACT_DIGITS),
                                                *(v.certain_digits() for v in values.ravel())])
        self.trace.events.append(event)
