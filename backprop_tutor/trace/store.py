"""Traces on disk: HDF5, read lazily.

Layout of a trace group (the file's root, or a named group when one file holds several traces):

    attrs   format = "backprop_tutor.trace", version, header (JSON of TraceHeader), index (JSON list
            of [kind, layer] per event)
    events/000000, events/000001, …   one group per event, attrs kind/layer (and eta for updates);
            one dataset per array, chunked and gzip-compressed. Exact-mode arrays are stored as
            strings (attrs ``exact``, ``bounds``): a value known exactly as its decimal ("0.5"), any
            other as the bounds of the interval that holds it ("[0.0999…9, 0.1000…1]"); they come
            back as `Certain` values, which show the same certain digits as before saving.

Opening reads the header and the index only; an event's arrays are read when it is asked for, and
`TraceFile.array` can read one sample's row of one array.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from backprop_tutor.engine.certain import certain_array, from_text, legacy_text, to_text
from backprop_tutor.errors import TraceError
from backprop_tutor.fileio import atomic_path
from backprop_tutor.trace.events import EVENT_TYPES, SCALARS, Event, Trace, TraceHeader

FORMAT = "backprop_tutor.trace"
VERSION = 1


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
        return self.cls.LABEL.format(l=self.layer)


# --- writing ----------------------------------------------------------------------------------
def _write_array(group: h5py.Group, name: str, arr: np.ndarray) -> None:
    if arr.dtype == object:  # exact mode: each value as text, with the bounds that say which digits are certain
        text = np.vectorize(to_text, otypes=[object])(certain_array(arr))
        ds = group.create_dataset(name, data=text.astype(h5py.string_dtype()) if text.size else text,
                                  dtype=h5py.string_dtype(), compression="gzip" if arr.ndim else None)
        ds.attrs["exact"] = True
        ds.attrs["bounds"] = True
        return
    big = arr.ndim >= 1 and arr.size >= 64
    group.create_dataset(name, data=arr, compression="gzip" if big else None, compression_opts=4 if big else None,
                         shuffle=big, chunks=_chunks(arr) if big else None)


def _chunks(arr: np.ndarray) -> tuple[int, ...]:
    # one chunk per sample row (rows are read one sample at a time by the UI), at least 16 KiB
    row = max(1, int(np.prod(arr.shape[1:])) * arr.itemsize) if arr.ndim > 1 else arr.itemsize
    rows = max(1, min(arr.shape[0], 16384 // row))
    return (rows, *arr.shape[1:])


def write_trace(group: h5py.Group, trace: Trace) -> None:
    """Write ``trace`` into an open HDF5 group (the root of a file, or a sub-group)."""
    group.attrs["format"] = FORMAT
    group.attrs["version"] = VERSION
    group.attrs["header"] = json.dumps(asdict(trace.header))
    group.attrs["index"] = json.dumps([[e.kind, e.layer] for e in trace.events])
    events = group.create_group("events")
    for i, event in enumerate(trace.events):
        g = events.create_group(f"{i:06d}")
        g.attrs["kind"] = event.kind
        g.attrs["layer"] = event.layer
        for name, value in event.scalars().items():
            g.attrs[name] = float(value)
        for name, arr in event.arrays().items():
            if arr is not None:
                _write_array(g, name, np.asarray(arr))


def save_trace(trace: Trace, path: str | os.PathLike[str]) -> Path:
    """Save to ``path`` atomically (a temporary file in the same folder, renamed when complete)."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        write_trace(f, trace)
    return Path(path)


# --- reading ----------------------------------------------------------------------------------
def _read(ds: h5py.Dataset, sel: Any = ()) -> np.ndarray:
    data = ds[sel] if sel != () else ds[()]
    if not ds.attrs.get("exact", False):
        return np.asarray(data)
    raw = np.asarray(data, dtype=object)
    read = from_text if ds.attrs.get("bounds", False) else legacy_text
    return np.vectorize(lambda t: read(t.decode() if isinstance(t, bytes) else t), otypes=[object])(raw)


class TraceFile:
    """A trace in an HDF5 file, read lazily. Same reading interface as `Trace`: ``header``,
    ``len()``, ``[i]`` (an Event, arrays read then), plus ``info(i)`` and ``array(i, name, sample)``.

    Use as a context manager, or call ``close()``."""

    def __init__(self, path: str | os.PathLike[str], group: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise TraceError(f"{self.path}: no such trace file")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as err:
            raise TraceError(f"{self.path}: not an HDF5 trace file ({err})") from None
        names = list_traces(self._file)
        if group is None:
            if not names:
                self._file.close()
                raise TraceError(f"{self.path}: no backprop_tutor trace in this HDF5 file (save one with "
                                 "`tutor example … --save-trace FILE.h5` or `tutor train --trace-batch K`)")
            group = names[0]
        if group not in names:
            self._file.close()
            raise TraceError(f"{self.path}: no trace named {group!r}; this file holds: {', '.join(names) or 'none'}")
        self.group_name = group
        self.traces = names
        self._group = self._file[group]
        try:
            self.header = TraceHeader(**json.loads(self._group.attrs["header"]))
            index = json.loads(self._group.attrs["index"])
            self._index = [EventInfo(i, kind, int(layer)) for i, (kind, layer) in enumerate(index)]
            unknown = sorted({info.kind for info in self._index} - set(EVENT_TYPES))
            if unknown:
                raise ValueError(f"unknown event kind(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
        except (KeyError, TypeError, ValueError) as err:
            self._file.close()
            raise TraceError(f"{self.path}: damaged trace header or index ({err})") from None

    # the Trace interface
    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i: int) -> Event:
        info = self.info(i)
        g = self._event_group(info)
        kwargs: dict[str, Any] = {name: (_read(g[name]) if name in g else None) for name in info.cls.array_names()}
        kwargs.update({name: float(g.attrs[name]) for name in SCALARS if name in g.attrs})
        return info.cls(layer=info.layer, **kwargs)

    def _event_group(self, info: EventInfo) -> h5py.Group:
        try:
            return self._group["events"][f"{info.index:06d}"]
        except KeyError:
            raise TraceError(f"{self.path}: damaged trace: event {info.index} ({info.label}) is listed in the "
                             "index but missing from events/") from None

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def events(self) -> list[EventInfo]:
        """The index (no arrays read)."""
        return list(self._index)

    def info(self, i: int) -> EventInfo:
        if not -len(self._index) <= i < len(self._index):
            raise IndexError(f"event {i} out of range: the trace has {len(self._index)} events")
        return self._index[i]

    def array(self, i: int, name: str, sample: int | None = None) -> np.ndarray | None:
        """One array of event ``i``; with ``sample``, only that sample's row (read from disk alone)."""
        g = self._event_group(self.info(i))
        if name not in g:
            return None
        ds = g[name]
        return _read(ds, sample) if sample is not None and ds.ndim >= 1 else _read(ds)

    def eta(self, i: int) -> float | None:
        """η used by update event ``i`` (None for other events); reads one attribute, no arrays."""
        g = self._event_group(self.info(i))
        return float(g.attrs["eta"]) if "eta" in g.attrs else None

    def load(self) -> Trace:
        """Everything, into memory."""
        return Trace(self.header, list(self))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def list_traces(f: h5py.Group) -> list[str]:
    """Names of the trace groups in an open file: "/" for a file that is one trace, else its top-level
    groups that are traces (only attributes are read: no walk through the events)."""
    if f.attrs.get("format") == FORMAT:
        return ["/"]
    return [name for name, obj in f.items() if isinstance(obj, h5py.Group) and obj.attrs.get("format") == FORMAT]


def load_trace(path: str | os.PathLike[str], group: str | None = None) -> Trace:
    """Read a whole trace into memory."""
    with TraceFile(path, group) as tf:
        return tf.load()
