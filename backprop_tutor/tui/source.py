"""Lazy, cached reading of a trace for the UI: any `TraceReader` (an in-memory `Trace` or a `TraceFile`),
itself a `TraceReader`, so the worksheet model and the equations read through it.

The UI asks for one sample's row of one array at a time (``array(i, field, row=k)``), so stepping
through a 500-sample MNIST minibatch reads a few kilobytes per step, never the whole batch. Reads are
kept in a small LRU cache, so stepping back and forth does not read the trace again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from backprop_tutor.trace.events import Event, EventInfo, Field, TraceHeader
from backprop_tutor.trace.reader import TraceReader


class TraceSource:
    """Reads ``trace`` lazily: ``info(i)`` from the index, arrays on demand, cached.

    ``bytes_read`` counts the bytes of the arrays asked of the trace (from disk for a `TraceFile`), so
    tests and the benchmark can check that the UI only reads what the step on screen needs."""

    def __init__(self, trace: TraceReader, cache_size: int = 256) -> None:
        self.trace = trace
        self.header: TraceHeader = trace.header
        self._index = trace.index
        self._where: dict[tuple[type[Event], int], int] = {}
        for info in self._index:
            self._where.setdefault((info.cls, info.layer), info.index)
        self._cache: OrderedDict[tuple[int, Field, int | None], Any] = OrderedDict()
        self._cache_size = cache_size
        self.bytes_read = 0
        self.samples = max(1, int(self.header.batch_size or 1))

    def __len__(self) -> int:
        return len(self._index)

    @property
    def L(self) -> int:
        return self.header.L

    @property
    def sizes(self) -> list[int]:
        return list(self.header.sizes)

    @property
    def index(self) -> list[EventInfo]:
        return list(self._index)

    def info(self, i: int) -> EventInfo:
        return self._index[i]

    def find(self, event: type[Event], layer: int) -> int | None:
        return self._where.get((event, layer))

    def array(self, i: int, field: Field, row: int | None = None) -> np.ndarray | None:
        key = (i, field, row)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        whole = self._cache.get((i, field, None)) if row is not None else None
        if whole is not None:
            return np.asarray(whole[row])
        value = self.trace.array(i, field, row)
        if value is not None:
            self.bytes_read += value.size * (8 if value.dtype == object else value.itemsize)
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    def scalar(self, i: int, field: Field) -> float:
        return self.trace.scalar(i, field)
