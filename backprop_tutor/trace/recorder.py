"""The recorder the engine writes events into. No recorder, no recording: the engine checks
``recorder is not None`` once per layer and otherwise pays nothing (no copies)."""

from __future__ import annotations

from backprop_tutor.trace.events import Event, Trace, TraceHeader


class Recorder:
    """Collects the events of the steps the engine runs while it is attached, in order.

    The engine hands over arrays it owns (copies of its work buffers), so the recorder only keeps
    references."""

    def __init__(self, header: TraceHeader) -> None:
        self.trace = Trace(header)

    def record(self, event: Event) -> None:
        self.trace.events.append(event)
