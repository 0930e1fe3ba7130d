"""Lazy, cached reading of a trace for the UI: the same calls for an in-memory `Trace` and an on-disk
`TraceFile`.

The UI asks for one sample's row of one array at a time (``array(i, name, sample=k)``), so stepping
through a 500-sample MNIST minibatch reads a few kilobytes per step, never the whole batch. Reads are
kept in a small LRU cache, so stepping back and forth does not touch the disk again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from backprop_tutor.trace.events import Trace, TraceHeader
from backprop_tutor.trace.store import EventInfo, TraceFile

#: event kinds whose arrays have one row per sample (the others hold minibatch-wide parameters)
PER_SAMPLE_KINDS = frozenset({"input", "forward", "loss", "output_delta", "delta"})


class TraceSource:
    """Reads ``trace`` (a Trace or a TraceFile) lazily: ``info(i)`` from the index, arrays on demand.

    ``bytes_read`` counts what came from disk (0 for an in-memory trace), so tests and the benchmark
    can check that the UI only reads what the step on screen needs."""

    def __init__(self, trace: Trace | TraceFile, cache_size: int = 256) -> None:
        self.trace = trace
        self.header: TraceHeader = trace.header
        if isinstance(trace, TraceFile):
            self.infos = trace.events
        else:
            self.infos = [EventInfo(i, e.kind, e.layer) for i, e in enumerate(trace.events)]
        self._where: dict[tuple[str, int], int] = {}
        for info in self.infos:
            self._where.setdefault((info.kind, info.layer), info.index)
        self._cache: OrderedDict[tuple[int, str, int | None], Any] = OrderedDict()
        self._cache_size = cache_size
        self.bytes_read = 0
        self.samples = max(1, int(self.header.batch_size or 1))
        self.eta = self.header.learning_rate

    def __len__(self) -> int:
        return len(self.infos)

    @property
    def L(self) -> int:
        return self.header.L

    @property
    def sizes(self) -> list[int]:
        return list(self.header.sizes)

    def info(self, i: int) -> EventInfo:
        return self.infos[i]

    def find(self, kind: str, layer: int) -> int | None:
        """Index of the (first) event of ``kind`` for ``layer``, or None."""
        return self._where.get((kind, layer))

    def array(self, i: int, name: str, sample: int | None = None) -> np.ndarray | None:
        """Array ``name`` of event ``i``: one sample's row when ``sample`` is given (and the array has
        rows), else the whole array. None when the event has no such array (a'(L) of a softmax)."""
        if self.infos[i].kind not in PER_SAMPLE_KINDS:
            sample = None
        key = (i, name, sample)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._read(i, name, sample)
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    def row(self, i: int, name: str, j: int) -> np.ndarray | None:
        """Row j of a parameter matrix (e.g. W(1)'s weights into unit j) without reading the others."""
        whole = self._cache.get((i, name, None))
        if whole is not None:
            return whole[j]
        key = (i, f"{name}[{j}]", None)
        if key not in self._cache:
            self._cache[key] = self._read(i, name, j)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return self._cache[key]

    def _read(self, i: int, name: str, sample: int | None) -> np.ndarray | None:
        if isinstance(self.trace, TraceFile):
            value = self.trace.array(i, name, sample=sample)
            if value is not None:
                self.bytes_read += value.size * (8 if value.dtype == object else value.itemsize)
            return value
        value = getattr(self.trace[i], name, None)
        if value is None:
            return None
        value = np.asarray(value)
        return value[sample] if sample is not None and value.ndim >= 1 else value

    def eta_of(self, i: int) -> float:
        """η of an Update event (the header's learning rate if the event does not say)."""
        if isinstance(self.trace, TraceFile):
            eta = self.trace.eta(i)  # one attribute: a schedule may have changed η since the header
            return self.eta if eta is None else eta
        return float(getattr(self.trace[i], "eta", self.eta) or self.eta)
