"""Network spec files (TOML): parse, validate with clear errors, build the engine's `Network`.

A spec holds the layer sizes and activations, the loss, the weights and biases (or an init
scheme and seed), the input(s) and target(s), and the learning rate. The format is documented in
the README; `backprop_tutor/examples/hand_backprop.toml` is a complete example.

Numbers are read as exact decimals, so that in exact mode 0.1 means 1/10, not the nearest float.
"""

from __future__ import annotations

import math
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.engine.activations import ACTIVATIONS
from backprop_tutor.engine.hyperparameters import finite_problem, hyperparameter_problem
from backprop_tutor.engine.init import SCHEMES, init_weights
from backprop_tutor.engine.losses import LOSSES
from backprop_tutor.engine.network import Network, network_from_parameters
from backprop_tutor.engine.precision import PRECISIONS, ops_for
from backprop_tutor.errors import DataError, SpecError
from backprop_tutor.memory import check_exact_work, check_memory, estimate_bytes, format_sizes
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers import MAX_EXPONENT
from backprop_tutor.overflow import check_fits, check_trace_finite
from backprop_tutor.plural import count, plural
from backprop_tutor.trace.events import Trace, TraceHeader
from backprop_tutor.trace.recorder import Recorder

Number = int | Decimal


@dataclass
class LayerSpec:
    """Layer l: its units, activation and (optionally) explicit W(l) (units × inputs) and b(l)."""

    units: int
    activation: str
    W: list[list[Number]] | None = None
    b: list[Number] | None = None


@dataclass
class InitSpec:
    scheme: str = "he"
    seed: int = 0
    sigma: float | None = None
    low: float | None = None
    high: float | None = None
    path: str | None = None


@dataclass
class NetworkSpec:
    """A validated network spec. ``x``/``y`` are lists of rows, one per sample."""

    inputs: int
    layers: list[LayerSpec]
    loss: str
    learning_rate: Number
    title: str = ""
    precision: str = "float64"
    relu_prime_at_zero: Number = 0
    momentum: Number = 0
    l2: Number = 0
    init: InitSpec | None = None
    x: list[list[Number]] | None = None
    y: list[list[Number]] | None = None
    source: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # [notes] after_update = "…": shown with C after the step

    @property
    def sizes(self) -> list[int]:
        return [self.inputs] + [layer.units for layer in self.layers]

    @property
    def init_file(self) -> Path | None:
        """The ``[init] path`` file (scheme = "file"), relative to the spec file's folder; else None."""
        if self.init is None or self.init.scheme != "file" or self.init.path is None:
            return None
        base = Path(self.source).parent if self.source and not self.source.startswith("<") else Path()
        return base / self.init.path


# --- built-in examples ------------------------------------------------------------------------
def builtin_examples() -> dict[str, Path]:
    """{name: path} of the spec files shipped in backprop_tutor/examples (hand_backprop → hand-backprop)."""
    folder = resources.files("backprop_tutor") / "examples"
    return {Path(p.name).stem.replace("_", "-"): Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def example_name(source: str) -> str:
    """How to name a spec to `resolve_example`: a built-in example's name for its file, else the path."""
    found = [name for name, path in builtin_examples().items() if source and Path(source) == path]
    return found[0] if found else source


def resolve_example(name_or_path: str) -> Path:
    """A built-in example's name, or a path to a spec file."""
    examples = builtin_examples()
    if name_or_path in examples:
        return examples[name_or_path]
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise SpecError(f"{name_or_path!r} is neither a built-in example ({', '.join(sorted(examples))}) "
                    "nor an existing spec file (.toml)")


# --- parsing ----------------------------------------------------------------------------------
def load_spec(path: str | os.PathLike[str]) -> NetworkSpec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SpecError(f"{path}: cannot read the spec file ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        line = err.object[:err.start].count(b"\n") + 1
        raise SpecError(f"{path}: line {line}: byte 0x{err.object[err.start]:02x} is not UTF-8 text; a spec file "
                        "is TOML, which is UTF-8 (save it as UTF-8 in your editor)") from None
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: not valid TOML: {err}") from None
    return parse_spec(raw, source=str(path))


#: The top-level fields of a spec file.
FIELDS = ("title", "loss", "learning_rate", "precision", "relu_prime_at_zero", "momentum", "l2", "inputs", "init",
          "data", "layer", "notes")


def parse_spec(raw: dict[str, Any], source: str = "<spec>") -> NetworkSpec:
    """Validate a spec given as a dict (what the TOML file holds)."""
    where = f"{source}:"
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise SpecError(f"{where} unknown {plural(len(unknown), 'field')} {', '.join(unknown)}; the fields are "
                        f"{', '.join(sorted(FIELDS))}")
    layers_raw = raw.get("layer")
    if not layers_raw or not isinstance(layers_raw, list):
        raise SpecError(f"{where} no layers: add one [[layer]] table per layer, each with activation and "
                        "units (or W and b)")
    settings = _hyperparameters(raw, where)
    init = _init(raw["init"], where) if "init" in raw else None
    n_prev = _whole(raw, "inputs", where) if raw.get("inputs") is not None else None
    layers: list[LayerSpec] = []
    sizes: list[int] = []  # [n_0, n_1, …, n_L]
    for l, layer_raw in enumerate(layers_raw, start=1):
        layer, n_in = _layer(layer_raw, l, len(layers_raw), n_prev, init, raw, where)
        sizes += [n_in, layer.units] if l == 1 else [layer.units]
        layers.append(layer)
        n_prev = layer.units
    loss_name, outputs = settings["loss"], LOSSES[settings["loss"]].outputs
    if layers[-1].activation not in outputs:
        raise SpecError(f"{where} loss {loss_name!r} goes with a {' or '.join(outputs)} output, "
                        f"but layer {len(layers)} (the output) uses {layers[-1].activation!r}")
    x, y = _data(raw["data"], where, sizes, loss_name) if "data" in raw else (None, None)
    return NetworkSpec(inputs=sizes[0], layers=layers, title=_title(raw, where), init=init, x=x, y=y, source=source,
                       notes=_notes(raw.get("notes", {}), where), **settings)


def _hyperparameters(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The loss, η, μ, λ, ReLU's h'(0) and the number type: every top-level setting of the step."""
    eta, momentum, l2 = (_hyperparameter(raw, name, where) for name in ("learning_rate", "momentum", "l2"))
    relu_prime_at_zero = _number(raw, "relu_prime_at_zero", where, default=0)
    if finite_problem(relu_prime_at_zero):  # the engine takes it as float64
        raise SpecError(f"{where} relu_prime_at_zero = {relu_prime_at_zero}: {finite_problem(relu_prime_at_zero)}")
    return {"loss": _str(raw, "loss", where, choices=LOSSES), "learning_rate": eta, "momentum": momentum, "l2": l2,
            "relu_prime_at_zero": relu_prime_at_zero,
            "precision": _str(raw, "precision", where, choices=PRECISIONS, default="float64")}


def _layer(raw: Any, l: int, L: int, n_prev: int | None, init: InitSpec | None, spec: dict[str, Any],
           where: str) -> tuple[LayerSpec, int]:
    """Layer l of L from its [[layer]] table, fitted to the ``n_prev`` units below it (None: layer 1 with no
    inputs = N, so W(1) or [data] x tells); returns the layer and its input size."""
    lw, W_l, b_l = f"{where} layer {l}:", cell_text("W", l), cell_text("b", l)
    if not isinstance(raw, dict):
        raise SpecError(f"{lw} each [[layer]] must be a table")
    extra = sorted(set(raw) - {"units", "activation", "W", "b"})
    if extra:
        raise SpecError(f"{lw} unknown {plural(len(extra), 'field')} {', '.join(extra)}; a layer has units, "
                        "activation, W and b")
    act = _str(raw, "activation", lw, choices=ACTIVATIONS)
    W = _matrix(raw["W"], f"{lw} {W_l}") if "W" in raw else None
    b = _vector(raw["b"], f"{lw} {b_l}") if "b" in raw else None
    units = _whole(raw, "units", lw) if "units" in raw else len(W) if W is not None else len(b) if b is not None else 0
    if units < 1:
        raise SpecError(f"{lw} give units (a positive whole number), or {W_l} and {b_l}")
    if W is not None:
        n_prev = _check_W(W, units, n_prev, l, lw)
    if b is not None and len(b) != units:
        if W is not None and "units" not in raw:
            raise SpecError(f"{lw} {W_l} has {count(len(W), 'row')} but {b_l} has {count(len(b), 'value')}; they "
                            f"must agree: one row of {W_l} and one value of {b_l} per unit of layer {l}")
        raise SpecError(f"{lw} {b_l} has {count(len(b), 'value')} but the layer has {count(units, 'unit')}")
    if (W is None or b is None) and init is None:
        missing = " and ".join(n for n, v in ((W_l, W), (b_l, b)) if v is None)
        raise SpecError(f"{lw} {missing} not given and there is no [init] table to draw it from; give "
                        f"{missing}, or add [init] with scheme = \"he\" and seed = 1")
    n_prev = n_prev if n_prev is not None else _inputs_of_data(spec.get("data"))  # layer 1: [data] x tells
    if n_prev is None:
        raise SpecError(f"{lw} cannot tell the input size: give inputs = N at the top, W(1), or [data] x")
    if not ACTIVATIONS[act].elementwise and l != L:
        raise SpecError(f"{lw} {act} is only for the output layer (layer {L})")
    return LayerSpec(units, act, W, b), n_prev


def _check_W(W: list[list[Number]], units: int, n_prev: int | None, l: int, lw: str) -> int:
    """W(l) is (units out × units in): one row per unit, one column per unit below (``n_prev``, or its own
    width for layer 1 when nothing else says). Returns the units in."""
    W_l = cell_text("W", l)
    if len(W) != units:
        raise SpecError(f"{lw} {W_l} has {count(len(W), 'row')} but the layer has units = {units}; "
                        f"{W_l} is (units out × units in), one row per unit")
    n_in = len(W[0]) if n_prev is None else n_prev
    if len(W[0]) != n_in:
        prev = (f"{cell_text('a', l - 1)} has {count(n_in, 'unit')}" if l > 1 else
                f"the input x = a(0) has {count(n_in, 'value')}")
        raise SpecError(f"{lw} {W_l} is {len(W)}×{len(W[0])} but {prev}, so {W_l} must be "
                        f"{units}×{n_in} (units out × units in)")
    return n_in


def _notes(raw: Any, where: str) -> dict[str, str]:
    """[notes]: text the views show where it belongs; only after_update (beside C after the step) so far."""
    if not isinstance(raw, dict) or set(raw) - {"after_update"} or not all(isinstance(v, str) for v in raw.values()):
        raise SpecError(f"{where} [notes] holds text only, under after_update = \"…\" (shown with C after the step)")
    return dict(raw)


def _inputs_of_data(raw: Any) -> int | None:
    """The input size as [data] x shows it (its first sample's length), when no W(1) or inputs = N says;
    None when x is absent or malformed (`_data` then says what is wrong with it)."""
    x = raw.get("x") if isinstance(raw, dict) else None
    first = x[0] if isinstance(x, list) and x and isinstance(x[0], list) else x
    return len(first) if isinstance(first, list) and first else None


def _data(raw: Any, where: str, sizes: list[int], loss_name: str) -> tuple[list[list[Number]], list[list[Number]]]:
    if not isinstance(raw, dict) or "x" not in raw or "y" not in raw:
        raise SpecError(f"{where} [data] needs x (the input, one row per sample) and y (the target)")
    extra = sorted(set(raw) - {"x", "y"})
    if extra:
        raise SpecError(f"{where} [data]: unknown {plural(len(extra), 'field')} {', '.join(extra)}; [data] has "
                        "x (the input) and y "
                        "(the target)")
    x = _rows(raw["x"], f"{where} data.x")
    y = _rows(raw["y"], f"{where} data.y")
    if len(x) != len(y):
        raise SpecError(f"{where} data.x has {count(len(x), 'sample')} but data.y has {len(y)}")
    for i, (xi, yi) in enumerate(zip(x, y, strict=True), start=1):
        if len(xi) != sizes[0]:
            raise SpecError(f"{where} data.x sample {i} has {count(len(xi), 'value')} but layer 1 takes "
                            f"{count(sizes[0], 'input')} "
                            f"(W(1) is {sizes[1]}×{sizes[0]})")
        if len(yi) != sizes[-1]:
            raise SpecError(f"{where} data.y sample {i} has {count(len(yi), 'value')} but the output layer has "
                            f"{count(sizes[-1], 'unit')}")
        if loss_name == "cross-entropy" and (min(yi) < 0 or abs(sum(yi) - 1) > Decimal("1e-9")):
            # δ(L) = a − y holds for any target y with Σ y_k = 1: one-hot or soft labels alike
            raise SpecError(f"{where} data.y sample {i} = {[_plain(v) for v in yi]} is not a probability "
                            f"vector (it sums to {_plain(sum(yi))}): with a softmax output and cross-entropy the "
                            "target needs values ≥ 0 summing to 1, e.g. one-hot [0, 0, 1] or soft [0.1, 0.1, 0.8]")
    return x, y


def _title(raw: dict[str, Any], where: str) -> str:
    title = raw.get("title", "")
    if not isinstance(title, str):
        raise SpecError(f"{where} title = {title!r}: give the title as text in quotes")
    control = next((c for c in title if unicodedata.category(c) == "Cc"), None)
    if control is not None:  # e.g. ESC of a terminal escape sequence, which would reach the terminal raw
        raise SpecError(f"{where} title contains the control character {control!r}; give plain text")
    return title


def _plain(v: Number) -> int | float:
    return int(v) if v == int(v) else float(v)


def _init(raw: Any, where: str) -> InitSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where} [init] must be a table, e.g. [init] scheme = \"he\", seed = 1")
    scheme = _str(raw, "scheme", f"{where} init", choices=(*SCHEMES, "zero", "zeros"))
    spec = InitSpec(scheme=scheme, seed=_whole(raw, "seed", f"{where} init", default=0, least=0))
    for name in ("sigma", "low", "high"):
        if name in raw:
            value = float(_number(raw, name, f"{where} init"))
            if not math.isfinite(value):
                raise SpecError(f"{where} init: {name} = {raw[name]:g} is beyond the largest float64 number "
                                "(±1.8e308); weights are drawn in float64")
            setattr(spec, name, value)
    if scheme == "file":
        if not isinstance(raw.get("path"), str):
            raise SpecError(f"{where} init: scheme = \"file\" needs path = \"params.hdf5\" (keys W1, b1, …)")
        spec.path = raw["path"]
    return spec


def _str(raw: dict[str, Any], key: str, where: str, choices: Any, default: str | None = None) -> str:
    if key not in raw:
        if default is not None:
            return default
        raise SpecError(f"{where} missing field {key!r}; choose one of {', '.join(choices)}")
    value = raw[key]
    if value not in choices:
        raise SpecError(f"{where} {key} = {value!r} is not known; choose one of {', '.join(choices)}")
    return value


def _number(raw: dict[str, Any], key: str, where: str, default: Number | None = None) -> Number:
    if key not in raw:
        if default is not None:
            return default
        raise SpecError(f"{where} missing field {key!r} (a number)")
    return _check_number(raw[key], f"{where} {key}")


def _hyperparameter(raw: dict[str, Any], key: str, where: str) -> Number:
    """η (required), μ or λ (0 if not given), checked by the rules every reader of them shares."""
    value = _number(raw, key, where, default=None if key == "learning_rate" else 0)
    problem = hyperparameter_problem(key, value)
    if problem:
        raise SpecError(f"{where} {key} = {value}: {problem}")
    return value


def _whole(raw: dict[str, Any], key: str, where: str, default: int | None = None, least: int = 1) -> int:
    """A whole number ≥ ``least`` (sizes: ≥ 1; seeds: ≥ 0)."""
    value = _number(raw, key, where, default=default)
    if value != int(value) or value < least:
        raise SpecError(f"{where} {key} = {value}: must be a whole number ≥ {least}")
    return int(value)


def _check_number(value: Any, where: str) -> Number:
    given = value
    if isinstance(value, float):  # a spec built in Python: its shortest repr is the decimal the user typed
        value = Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or (
            isinstance(value, Decimal) and not value.is_finite()):
        raise SpecError(f"{where} = {given!r} is not a (finite) number")
    exponent = value.adjusted() if isinstance(value, Decimal) else len(str(abs(value))) - 1 if \
        abs(value).bit_length() > 3300 else 0
    if value and abs(exponent) > MAX_EXPONENT:
        raise SpecError(f"{where} = {_short(value)} is beyond the numbers a spec may hold: magnitudes from "
                        f"1e-{MAX_EXPONENT} to 1e{MAX_EXPONENT} (float64 itself holds about 1e-308 to 1.8e308)")
    return value


def _short(value: Number) -> str:
    """1e+99999999 rather than a hundred million digits."""
    return f"{Decimal(value):.3e}"


def _vector(raw: Any, where: str) -> list[Number]:
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{where} must be a non-empty list of numbers, e.g. [1, -2]")
    return [_check_number(v, f"{where}[{i}]") for i, v in enumerate(raw, start=1)]


def _matrix(raw: Any, where: str) -> list[list[Number]]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, list) for r in raw):
        raise SpecError(f"{where} must be a list of rows, e.g. [[1, -2, 1], [3, 4, -2]]")
    rows = [_vector(r, f"{where} row {i}") for i, r in enumerate(raw, start=1)]
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise SpecError(f"{where} rows have different lengths ({', '.join(str(len(r)) for r in rows)})")
    return rows


def _rows(raw: Any, where: str) -> list[list[Number]]:
    if isinstance(raw, list) and raw and not isinstance(raw[0], list):
        raw = [raw]  # a single sample may be written as one list
    return _matrix(raw, where)


# --- building ---------------------------------------------------------------------------------
def build_network(spec: NetworkSpec, precision: str | None = None, *, recorded: bool = False,
                  passes: float = 1.0) -> Network:
    """The engine's Network for this spec, computing in ``precision`` (default: the spec's), once it is
    known to fit in memory (``recorded``: a trace will copy every value) and, in exact mode, to take
    bounded time for ``passes`` SGD steps' worth of arithmetic."""
    precision = precision or spec.precision
    B = len(spec.x or [])
    what = f"{spec.source}: the network {format_sizes(spec.sizes)} with {count(B, 'sample')}"
    if precision == "exact":
        check_exact_work(spec.sizes, B, what, passes)
    check_memory(estimate_bytes(spec.sizes, B, precision, momentum=bool(spec.momentum), recorded=recorded,
                                drawn=spec.init is not None), f"{what} in {precision}")
    rng = np.random.default_rng(spec.init.seed) if spec.init else None
    from_file = None
    if spec.init_file is not None:
        from backprop_tutor.params import read_parameters  # h5py: loaded only for a spec with an [init] file

        try:
            from backprop_tutor.params import read_parameters  # h5py: imported only for an [init] file

            from_file = read_parameters(spec.init_file)
        except DataError as err:
            raise SpecError(f"{spec.source}: init: {err}") from None
        if [w.shape for w, _ in from_file] != [(n, m) for m, n in zip(spec.sizes, spec.sizes[1:], strict=False)]:
            shapes = ", ".join(f"W{l}: {w.shape[0]}×{w.shape[1]}" for l, (w, _) in enumerate(from_file, start=1))
            raise SpecError(f"{spec.source}: init: {spec.init.path} holds {shapes}, which does not fit the layer "
                            f"sizes {'-'.join(map(str, spec.sizes))}")
    params = []
    for l, (ls, n_in) in enumerate(zip(spec.layers, spec.sizes, strict=False), start=1):
        W: Any = ls.W
        b: Any = ls.b
        if W is None:
            assert spec.init is not None
            if from_file is not None:
                W = from_file[l - 1][0]
            else:
                try:
                    W = init_weights(spec.init.scheme, n_in, ls.units, rng,  # type: ignore[arg-type]
                                     sigma=spec.init.sigma, low=spec.init.low, high=spec.init.high)
                except SpecError as err:
                    raise SpecError(f"{spec.source}: layer {l}: {err}") from None
        if b is None:
            b = from_file[l - 1][1] if from_file is not None else np.zeros(ls.units)
        params.append((W, b))
    with np.errstate(all="ignore"):  # 1e400 becomes inf in float64: found and named just below
        network = network_from_parameters(params, [ls.activation for ls in spec.layers], spec.loss,
                                          precision, float(spec.relu_prime_at_zero))
    for l, (ls, layer) in enumerate(zip(spec.layers, network.layers, strict=True), start=1):
        check_fits({cell_text("W", l): layer.W, cell_text("b", l): layer.b}, network.ops.name,
                   f"{spec.source}: layer {l}{_drawn_by(ls, spec)}:")
    return network


def _drawn_by(ls: LayerSpec, spec: NetworkSpec) -> str:
    if ls.W is not None or spec.init is None:
        return ""
    if spec.init_file is not None:
        return f" (from {spec.init.path})"
    given = ", ".join(f"{k} = {v:g}" for k, v in (("sigma", spec.init.sigma), ("low", spec.init.low),
                                                  ("high", spec.init.high)) if v is not None)
    return f" (drawn by [init] scheme = \"{spec.init.scheme}\"{', ' + given if given else ''})"


def spec_data(spec: NetworkSpec, precision: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The spec's (x, y) as arrays of the chosen precision, each (B, units)."""
    if spec.x is None or spec.y is None:
        raise SpecError(f"{spec.source}: no [data] table: give x (the input) and y (the target) to run a step")
    ops = ops_for(precision or spec.precision)
    with np.errstate(all="ignore"):  # a value beyond the number type becomes inf: run_spec names it
        return ops.asarray(spec.x), ops.asarray(spec.y)


def run_spec(spec: NetworkSpec, precision: str | None = None) -> Trace:
    """Build the network, run one SGD step on the spec's data with a recorder, return the trace."""
    precision = precision or spec.precision
    x, y = spec_data(spec, precision)
    network = build_network(spec, precision, recorded=True)
    check_fits({"data.x": x, "data.y": y}, precision, f"{spec.source}:")
    header = TraceHeader(
        sizes=spec.sizes, activations=[layer.activation for layer in spec.layers], loss=spec.loss,
        precision=precision, learning_rate=float(spec.learning_rate), batch_size=len(spec.x or []), title=spec.title,
        momentum=float(spec.momentum), l2=float(spec.l2),
        config={"source": spec.source, "relu_prime_at_zero": float(spec.relu_prime_at_zero),
                **({"notes": spec.notes} if spec.notes else {})},
    )
    recorder = Recorder(header)
    with np.errstate(all="ignore"):  # an overflow is reported below, by quantity and layer, not as a warning
        network.train_step(x, y, spec.learning_rate, recorder,  # as written: update() makes it the work type
                           momentum=float(spec.momentum), l2=float(spec.l2))
    check_trace_finite(recorder.trace, f"{spec.source}:")
    return recorder.trace
