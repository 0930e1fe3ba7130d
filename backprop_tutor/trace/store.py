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

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from backprop_tutor.engine.activations import ACTIVATIONS
from backprop_tutor.engine.hyperparameters import HYPERPARAMETERS, hyperparameter_problem
from backprop_tutor.engine.losses import LOSSES
from backprop_tutor.engine.precision import PRECISIONS
from backprop_tutor.errors import TraceError
from backprop_tutor.fileio import HDF5_READ_ERRORS, atomic_hdf5, describe_hdf5_error
from backprop_tutor.numbers.certain import certain_array, from_text, legacy_text, to_text
from backprop_tutor.plural import count, plural
from backprop_tutor.trace.events import (
    EVENT_TYPES,
    SCALARS,
    Event,
    EventInfo,
    Field,
    Forward,
    Trace,
    TraceHeader,
    check_field,
    check_row,
)

FORMAT = "backprop_tutor.trace"
VERSION = 1


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
    with atomic_hdf5(path) as f:
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
    """A trace in an HDF5 file, read lazily: a `backprop_tutor.trace.reader.TraceReader` like `Trace`
    (``header``, ``len()``, ``info(i)``, ``find``, ``array(i, field, row)``), and ``[i]`` (an Event, its
    arrays read then).

    Use as a context manager, or call ``close()``."""

    def __init__(self, path: str | os.PathLike[str], group: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise TraceError(f"{self.path}: no such trace file")
        self._file = _open_hdf5(self.path)
        try:
            names = list_traces(self._file)
            if group is None:
                if not names:
                    raise TraceError(f"{self.path}: no backprop_tutor trace in this HDF5 file (save one with "
                                     "`tutor example … --save-trace FILE.h5` or `tutor train --trace-batch K`)")
                group = names[0]
            if group not in names:
                raise TraceError(f"{self.path}: no trace named {group!r}; this file holds: "
                                 f"{', '.join(names) or 'none'}")
            self.group_name = group
            self.traces = names
            self._group = self._file[group]
            where = self.path if group == "/" else f"{self.path} (trace {group})"
            self.header = _read_header(self._group, where)
            self._index = _read_index(self._group, where, self.header)
            for info in self._index:
                _check_event(self._event_group(info), info, self.header, where)
            _check_index_covers_events(self._group, self._index, self.header, where)
            self._datasets: dict[tuple[int, str], h5py.Dataset | None] = {}
            self._first: dict[tuple[str, int], int] = {}
            for info in reversed(self._index):
                self._first[(info.kind, info.layer)] = info.index
        except HDF5_READ_ERRORS as err:  # a damaged object header or attribute (what our checks name is a TraceError)
            self._file.close()
            raise TraceError(f"{self.path}: damaged trace: HDF5 cannot read its metadata "
                             f"({describe_hdf5_error(err)}); save or copy the trace again") from None
        except BaseException:
            self._file.close()
            raise

    # the Trace interface
    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i: int) -> Event:
        info = self.info(i)
        g = self._event_group(info)
        with self._reading(info):
            kwargs: dict[str, Any] = {name: (_read(g[name]) if name in g else None) for name in info.cls.array_names()}
            kwargs.update({name: float(g.attrs[name]) for name in SCALARS if name in g.attrs})
        return info.cls(layer=info.layer, **kwargs)

    @contextlib.contextmanager
    def _reading(self, info: EventInfo) -> Iterator[None]:
        """Data that passed the checks on open but cannot be read (a damaged chunk) is a TraceError too."""
        try:
            yield
        except HDF5_READ_ERRORS as err:
            raise TraceError(f"{self.path}: damaged trace: event {info.index} ({info.label}) cannot be read "
                             f"({describe_hdf5_error(err)})") from None

    def _event_group(self, info: EventInfo) -> h5py.Group:
        try:
            return self._group["events"][f"{info.index:06d}"]
        except KeyError:
            raise TraceError(f"{self.path}: damaged trace: event {info.index} ({info.label}) is listed in the "
                             "index but missing from events/") from None

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def index(self) -> list[EventInfo]:
        """Kind and layer of every event (no arrays read)."""
        return list(self._index)

    def info(self, i: int) -> EventInfo:
        if not -len(self._index) <= i < len(self._index):
            raise IndexError(f"event {i} out of range: the trace has {count(len(self._index), 'event')}")
        return self._index[i]

    def find(self, event: type[Event], layer: int) -> int | None:
        return self._first.get((event.kind, layer))

    def array(self, i: int, field: Field, row: int | None = None) -> np.ndarray | None:
        """``field`` of event ``i``; with ``row``, only that row (one sample's), read from disk alone."""
        info = self.info(i)
        key = (info.index, check_field(info, field).name)
        with self._reading(info):
            if key not in self._datasets:  # h5py look-ups cost more than small reads: keep the handles
                g = self._event_group(info)
                self._datasets[key] = g[key[1]] if key[1] in g else None
            ds = self._datasets[key]
            if ds is None:
                return None
            if row is not None and ds.ndim >= 1:
                row = check_row(info, field, row, ds.shape[0], self.path)
            return np.asarray(_read(ds, row) if row is not None and ds.ndim >= 1 else _read(ds))

    def scalar(self, i: int, field: Field) -> float:
        """η or μ of update event ``i``: one attribute, no arrays (0 if the file did not record it)."""
        info = self.info(i)
        with self._reading(info):
            return float(self._event_group(info).attrs.get(check_field(info, field).name, 0.0))

    def load(self) -> Trace:
        """Everything, into memory."""
        return Trace(self.header, list(self))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- checking, on open: the header against the arrays' shapes (metadata only, no array is read) ------
def _open_hdf5(path: Path) -> h5py.File:
    if path.is_dir():
        raise TraceError(f"{path}: is a folder, not a trace file")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        reason = describe_hdf5_error(err)
        if "lock" in reason.lower() or "temporarily unavailable" in reason.lower():
            raise TraceError(f"{path}: another program is writing this file (e.g. a running `tutor train`); "
                             "open it when that has finished") from None
        if not h5py.is_hdf5(path):
            raise TraceError(f"{path}: not an HDF5 trace file (its first bytes are not an HDF5 signature)") from None
        raise TraceError(f"{path}: the HDF5 file cannot be read ({reason}); it may be truncated or damaged") from None


def _read_header(group: h5py.Group, where: object) -> TraceHeader:
    version = group.attrs.get("version")
    if not isinstance(version, int | np.integer) or version < 1:
        raise TraceError(f"{where}: damaged trace: no valid format version in its attributes")
    if version > VERSION:
        raise TraceError(f"{where}: written by a newer backprop_tutor (trace format version {version}; this one "
                         f"reads version {VERSION}): upgrade backprop_tutor to open it")
    if "header" not in group.attrs:
        raise TraceError(f"{where}: damaged trace: no header attribute")
    try:
        raw = json.loads(group.attrs["header"])
    except (TypeError, ValueError) as err:
        raise TraceError(f"{where}: damaged trace header: not JSON ({err})") from None
    if not isinstance(raw, dict):
        raise TraceError(f"{where}: damaged trace header (not a table of fields)")
    known = {f.name for f in fields(TraceHeader)}
    if set(raw) - known:
        raise TraceError(f"{where}: the header has {plural(len(set(raw) - known), 'field')} "
                         f"{', '.join(sorted(set(raw) - known))} that this "
                         "backprop_tutor does not know: written by a newer backprop_tutor; upgrade to open it")
    try:
        header = TraceHeader(**raw)
    except TypeError as err:
        raise TraceError(f"{where}: damaged trace header ({err})") from None
    problem = _header_problem(header)
    if problem:
        raise TraceError(f"{where}: damaged trace header: {problem}")
    header.title = "".join(c if c.isprintable() else " " for c in str(header.title))  # no terminal escapes
    return header


def _header_problem(h: TraceHeader) -> str | None:
    """The first of HEADER_CHECKS that finds the header wrong, in its words; None for a sound header."""
    return next((problem for check in HEADER_CHECKS if (problem := check(h))), None)


def _whole(v: object, least: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= least


def _sizes(h: TraceHeader) -> str | None:
    if isinstance(h.sizes, list) and len(h.sizes) >= 2 and all(_whole(n, 1) for n in h.sizes):
        return None
    return f"sizes = {h.sizes!r} (expected [n_0, …, n_L], whole numbers ≥ 1)"


def _one_activation_per_layer(h: TraceHeader) -> str | None:
    if isinstance(h.activations, list) and len(h.activations) == len(h.sizes) - 1:
        return None
    return f"{count(len(h.sizes) - 1, 'layer')} but activations = {h.activations!r}"


def _batch_size(h: TraceHeader) -> str | None:
    return None if _whole(h.batch_size, 1) else f"batch_size = {h.batch_size!r} (expected a whole number ≥ 1)"


def _precision(h: TraceHeader) -> str | None:
    return None if h.precision in PRECISIONS else \
        f"precision = {h.precision!r} (expected one of {', '.join(PRECISIONS)})"


def _known_functions(h: TraceHeader) -> str | None:
    """The loss and every activation are ones this engine can run."""
    named = ((h.loss, LOSSES), *((a, ACTIVATIONS) for a in h.activations))
    if all(isinstance(name, str) and name in table for name, table in named):
        return None
    return (f"loss = {h.loss!r}, activations = {h.activations!r} (known losses: {', '.join(LOSSES)}; "
            f"activations: {', '.join(ACTIVATIONS)})")


def _hyperparameters(h: TraceHeader) -> str | None:
    """η, μ and λ by the rules every reader of them shares (engine/hyperparameters.py)."""
    wrong = [f"{name} = {getattr(h, name)!r}: {problem}" for name in HYPERPARAMETERS
             if (problem := hyperparameter_problem(name, getattr(h, name)))]
    return ", ".join(wrong) or None


def _title_and_config(h: TraceHeader) -> str | None:
    return None if isinstance(h.title, str) and isinstance(h.config, dict) else "title must be text and config a table"


#: What a trace header must hold, checked in order on open; each names what is wrong, or None.
HEADER_CHECKS: tuple[Callable[[TraceHeader], str | None], ...] = (
    _sizes, _one_activation_per_layer, _batch_size, _precision, _known_functions, _hyperparameters, _title_and_config)


def _read_index(group: h5py.Group, where: object, header: TraceHeader) -> list[EventInfo]:
    try:
        raw = json.loads(group.attrs["index"]) if "index" in group.attrs else None
        index = [EventInfo(i, str(kind), int(layer)) for i, (kind, layer) in enumerate(raw)]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TraceError(f"{where}: damaged trace: the index attribute is missing or not a JSON list of "
                         "[kind, layer] pairs") from None
    unknown = sorted({info.kind for info in index} - set(EVENT_TYPES))
    if unknown:
        raise TraceError(f"{where}: the trace has event {plural(len(unknown), 'kind')} {', '.join(unknown)} "
                         "that this backprop_tutor does "
                         f"not know (known: {', '.join(EVENT_TYPES)}): written by a newer backprop_tutor?")
    bad = next((info for info in index if not 0 <= info.layer <= header.L), None)
    if bad is not None:
        raise TraceError(f"{where}: damaged trace index: event {bad.index} ({bad.kind}) is for layer {bad.layer}, "
                         f"but the network has layers 1 to {header.L}")
    return index


def _check_index_covers_events(group: h5py.Group, index: list[EventInfo], header: TraceHeader,
                               where: object) -> None:
    """The index lists every event group, and a forward step for each layer: an emptied or cut index
    would show a blank or partial worksheet as if it were the whole step."""
    events = group.get("events")
    held = len(events) if isinstance(events, h5py.Group) else 0
    if held != len(index):
        raise TraceError(f"{where}: damaged trace index: it lists {count(len(index), 'event')}, but events/ "
                         f"holds {held}")
    missing = sorted(set(range(1, header.L + 1)) - {i.layer for i in index if i.kind == Forward.kind})
    if missing:
        raise TraceError(f"{where}: damaged trace index: no forward step of {plural(len(missing), 'layer')} "
                         f"{', '.join(map(str, missing))} (the network has layers 1 to {header.L})")


def _expected_shapes(cls: type[Event], layer: int, header: TraceHeader) -> dict[str, tuple[int, ...]]:
    """The shape of each array of an event of class ``cls`` at ``layer``, from the header's sizes and batch."""
    B, n = header.batch_size, header.sizes
    units, below = n[layer], n[layer - 1] if layer >= 1 else 0
    per_sample = {"x": (B, n[0]), "y": (B, n[-1]), "C": (B,), "jacobian": (B, units, units)}
    per_layer = {"dW": (units, below), "W_before": (units, below), "W_after": (units, below), "v_W": (units, below),
                 "db": (units,), "b_before": (units,), "b_after": (units,), "v_b": (units,)}
    return {name: per_sample.get(name) or per_layer.get(name) or (B, units) for name in cls.array_names()}


def _optional(cls: type[Event], name: str) -> bool:
    field = next(f for f in fields(cls) if f.name == name)
    return "None" in str(field.type)


def _check_event(g: h5py.Group, info: EventInfo, header: TraceHeader, where: object) -> None:
    """Each array of the event is present (unless optional), numeric (or exact text) and shaped as the header says."""
    what = f"{where}: damaged trace: event {info.index} ({info.label})"
    kind, layer = g.attrs.get("kind"), g.attrs.get("layer")
    if kind is not None and (kind != info.kind or layer != info.layer):
        raise TraceError(f"{where}: damaged trace index: it lists event {info.index} as {info.kind} of layer "
                         f"{info.layer}, but events/{info.index:06d} is {kind} of layer {layer}")
    for name, shape in _expected_shapes(info.cls, info.layer, header).items():
        ds = g.get(name)
        if ds is None:
            if _optional(info.cls, name):
                continue
            raise TraceError(f"{what} has no {name} array")
        if not isinstance(ds, h5py.Dataset):
            raise TraceError(f"{what}: {name} is a group, not an array")
        exact = bool(ds.attrs.get("exact", False))
        if not (exact and h5py.check_string_dtype(ds.dtype)) and ds.dtype.kind not in "fiu":
            held = "text" if h5py.check_string_dtype(ds.dtype) else f"{ds.dtype} values"
            raise TraceError(f"{what}: {name} holds {held}, not numbers")
        if ds.shape != shape:
            raise TraceError(f"{what}: {name} is {_shape(ds.shape)} but the header (sizes "
                             f"{'-'.join(map(str, header.sizes))}, batch of {header.batch_size}) says {_shape(shape)}")
    for name in SCALARS:
        if name in g.attrs and not isinstance(g.attrs[name], int | float | np.number):
            raise TraceError(f"{what}: {name} = {g.attrs[name]!r} is not a number")


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "a scalar"


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
