"""The student's side: find their function, call it on copies of the inputs, and read what it returns.

The contract (also in `tutor compare --help` and docs/compare.md): ``my_step(W, b, x, y, eta)`` gets lists
W = [W(1), …, W(L)] (each (units out, units in)) and b = [b(1), …] (vectors), x (B × n0), one-hot y (B × nL)
and η; it returns a dict with any of the keys "s", "a", "delta", "grad_W", "grad_b", "W", "b", each a list
with one array per layer (layer 1 first; "a" may start with a(0) = x). Common layouts are accepted and named:
samples as columns (n × B), a single sample as a vector, W(l) and ∇W(l) as (in, out).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.compare.problem import KEYS, QUANTITY, Problem
from backprop_tutor.errors import UsageError
from backprop_tutor.notation import cell_text
from backprop_tutor.plural import count, plural

Array = np.ndarray
Key = tuple[str, int]

PER_SAMPLE = frozenset({"s", "a", "delta"})
COLUMNS = "samples as columns (n × B), read transposed"
CONTRACT = ('my_step(W, b, x, y, eta) gets W = [W(1), …, W(L)] (each (units out, units in)), b = [b(1), …], '
            'x (B × n0), one-hot y (B × nL) and η, and returns a dict with any of the keys "s", "a", "delta", '
            '"grad_W", "grad_b", "W", "b" (the W and b after the update), each a list of one array per layer, '
            'layer 1 first')


class StudentFailed(Exception):
    """The student's function raised, or returned something that is not the contract's dict: ``report`` says
    what (their traceback, their file and line first) and with which inputs."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


def load_function(target: str) -> Callable[..., Any]:
    """FILE.py:FUNC → the function. UsageError (exit 2) for a missing file or function; an error while the
    file itself runs is their traceback, as a UsageError too (nothing could be compared)."""
    file, sep, name = target.rpartition(":")
    if not sep or not file or not name:
        raise UsageError(f"{target!r}: give the file and the function as FILE.py:FUNC, e.g. my_mlp.py:my_step")
    path = Path(file)
    if not path.is_file():
        raise UsageError(f"{file}: no such file (give FILE.py:FUNC, e.g. my_mlp.py:my_step)")
    spec = importlib.util.spec_from_file_location(f"_student_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{file}: not a Python file (give FILE.py:FUNC)")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # their own helper modules beside it
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:  # their file failed (or exited) while it ran: their traceback, not ours
        raise UsageError(f"{file} failed while it was loaded, before {name} could be called:\n"
                         f"{their_traceback(err)}") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    function = getattr(module, name, None)
    if not callable(function):
        found = sorted(k for k, v in vars(module).items() if callable(v) and getattr(v, "__module__", "") ==
                       module.__name__)
        raise UsageError(f"{file}: no function {name!r} (functions there: {', '.join(found) or 'none'})")
    return function


def their_traceback(err: BaseException) -> str:
    """The traceback of ``err`` from the first frame outside backprop_tutor: their file and line, never ours."""
    tb = err.__traceback__
    ours = str(Path(__file__).resolve().parents[1])
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(ours):
        tb = tb.tb_next
    if isinstance(err, SystemExit):
        frames = "".join(traceback.format_list(traceback.extract_tb(tb))).rstrip()
        return f"{frames}\nSystemExit: sys.exit({err.code!r}) was called; keep a script's own code under " \
               "`if __name__ == \"__main__\":`"
    return "".join(traceback.format_exception(type(err), err, tb)).rstrip()


def call(function: Callable[..., Any], p: Problem) -> dict[str, Any]:
    """Call ``function`` on copies of the inputs (so in-place updates cannot change ours); its dict."""
    W, b = [w.copy() for w in p.W], [v.copy() for v in p.b]
    try:
        with np.errstate(all="ignore"):
            out = function(W, b, p.x.copy(), p.y.copy(), p.eta)
    except (Exception, SystemExit) as err:  # sys.exit() in their function ends their step, not the comparison
        raise StudentFailed(f"your function raised an exception, called with {inputs_text(p)}:\n"
                            f"{their_traceback(err)}{_signature_hint(err)}") from None
    if out is None:
        raise StudentFailed(f"your function returned nothing (None): {CONTRACT}")
    if not isinstance(out, dict):
        raise StudentFailed(f"your function returned a {type(out).__name__}, not a dict: {CONTRACT}")
    if not out:
        raise StudentFailed(f"your function returned an empty dict: {CONTRACT}")
    if not any(k in KEYS for k in out):
        raise StudentFailed(f"your dict has the {plural(len(out), 'key')} {', '.join(map(repr, out))} and none "
                            "of the keys compared: "
                            f"{', '.join(map(repr, KEYS))}")
    return out


def ignored_keys(out: dict[str, Any]) -> list[str]:
    """Keys of the student's dict that are not compared (a loss, a misspelt key): named, not refused."""
    return [str(k) for k in out if k not in KEYS]


def _signature_hint(err: BaseException) -> str:
    if isinstance(err, TypeError) and err.__traceback__ is not None and err.__traceback__.tb_next is None:
        return f"\n(the call itself failed: {CONTRACT})"  # no frame of theirs ran: the signature does not fit
    return ""


def inputs_text(p: Problem) -> str:
    shapes = ", ".join(f"{w.shape[0]}×{w.shape[1]}" for w in p.W)
    return (f"W = [{shapes}], b = [{', '.join(str(v.shape[0]) for v in p.b)}], x {p.B}×{p.sizes[0]}, "
            f"y {p.B}×{p.sizes[-1]}, eta = {p.eta:g}")


@dataclass
class Returned:
    """The student's arrays in the engine's layout (per-sample arrays (B, n), W (out, in)), with what was
    changed to get there (`notes`) and what could not be read (`problems`: the array's shape and what fits)."""

    arrays: dict[Key, Array] = field(default_factory=dict)
    raw: dict[Key, Array] = field(default_factory=dict)
    notes: dict[Key, str] = field(default_factory=dict)
    problems: dict[Key, str] = field(default_factory=dict)
    single: set[Key] = field(default_factory=set)  # given in float32 or float16


def read(out: dict[str, Any], p: Problem, expected: dict[Key, Array]) -> Returned:
    """The arrays of the student's dict, per key and layer, each brought to the engine's layout."""
    got = Returned()
    for name in KEYS:
        if name not in out:
            continue
        layers = _layers(name, out[name], p)
        shapes = [expected[name, l].shape for l in range(1, p.L + 1)]
        reversed_ = _listed_backwards(layers, shapes, p.B, name)
        for l, value in enumerate(layers[::-1] if reversed_ else layers, start=1):
            _read_array(got, (name, l), value, shapes[l - 1], p.B)
            if reversed_:
                got.notes[name, l] = "listed from layer L down to 1, read reversed"
    _columns_when_square(got, p.B)
    return got


def _columns_when_square(got: Returned, B: int) -> None:
    """A (B, B) array cannot say whether samples are rows: like the student's other arrays, when they are columns."""
    if B == 1 or COLUMNS not in got.notes.values():
        return
    for key, arr in got.arrays.items():
        if key[0] in PER_SAMPLE and arr.shape == (B, B) and key not in got.notes:
            got.arrays[key], got.notes[key] = arr.T, COLUMNS


def _listed_backwards(layers: list[Any], shapes: list[tuple[int, ...]], B: int, name: str) -> bool:
    """A list built in the backward pass, δ(L) first: it fits no layer in order but every layer reversed."""
    def fits(values: list[Any]) -> bool:
        try:
            return all(fit(np.asarray(v, dtype=np.float64), shape, B, name)[0] is not None
                       for v, shape in zip(values, shapes, strict=True))
        except (TypeError, ValueError):
            return False

    return len(set(shapes)) > 1 and not fits(layers) and fits(layers[::-1])


def _layers(name: str, value: Any, p: Problem) -> list[Any]:
    if (isinstance(value, np.ndarray) and value.dtype != object) or not isinstance(value, list | tuple | np.ndarray):
        raise StudentFailed(f'your "{name}" is a {type(value).__name__}: give a list with one array per layer '
                            f"(L = {p.L}: layer 1 first)")
    value = list(value)
    if len(value) == p.L + 1 and name in ("s", "a", "delta"):
        value = value[1:]  # a(0) = x (or an unused slot 0) first
    if len(value) != p.L:
        raise StudentFailed(f'your "{name}" holds {count(len(value), "array")}; the network has L = '
                            f'{count(p.L, "layer")}: give one '
                            f"per layer, layer 1 first{' (a(0) = x first is fine too)' if name == 'a' else ''}")
    return value


def _read_array(got: Returned, key: Key, value: Any, shape: tuple[int, ...], B: int) -> None:
    name, l = key
    label = cell_text(QUANTITY[name], l)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        got.problems[key] = f"{label} is not an array of numbers ({type(value).__name__})"
        return
    got.raw[key] = arr
    fitted, note = fit(arr, shape, B, name)
    if getattr(value, "dtype", None) in (np.float32, np.float16):
        got.single.add(key)
        note = ", ".join(filter(None, (note, f"{value.dtype}: compared within float32's rounding")))
    if fitted is None:
        got.problems[key] = f"{label} is {_shape(arr.shape)}; expected {_shape(shape)}{_layout_hint(name, shape)}"
    else:
        got.arrays[key] = fitted
        if note:
            got.notes[key] = note


def fit(arr: Array, shape: tuple[int, ...], B: int, name: str) -> tuple[Array | None, str]:
    """``arr`` in ``shape`` and what was done to get there; (None, "") when no accepted layout fits."""
    if arr.shape == shape:
        return arr, ""
    if len(shape) == 2 and arr.shape == shape[::-1] and shape[0] != shape[1]:
        if name in PER_SAMPLE:
            return arr.T, COLUMNS
        return arr.T, "(in, out): transposed relative to the course's (out, in), which is fine if used consistently"
    if arr.size == int(np.prod(shape)) and (len(shape) == 1 or B == 1) and max(arr.shape, default=1) == arr.size:
        return arr.reshape(shape), "a vector, read as one sample" if name in PER_SAMPLE else ""
    return None, ""


def _shape(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "(" + ", ".join(map(str, shape)) + ")"


def _layout_hint(name: str, shape: tuple[int, ...]) -> str:
    if name in PER_SAMPLE:
        return " (B, units), or (units, B) with samples as columns"
    if len(shape) == 2:
        return " (units out, units in), or (in, out)"
    return " (one entry per unit)"
