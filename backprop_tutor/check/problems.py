"""Random problems a person can compute by hand, like the course's hand-worked example.

Small integer inputs, weights and biases; ReLU hidden layers where every layer has an active unit
and no unit sits exactly at s = 0 (where ReLU has no derivative); a softmax output with
cross-entropy, or an identity/sigmoid output with ½ squared error; η a simple fraction. The same
seed always gives the same problem. Each is a spec (TOML, the format of examples/hand_backprop.toml).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.templates import render
from backprop_tutor.errors import NumericError, UsageError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.plural import count
from backprop_tutor.spec import NetworkSpec, parse_spec, run_spec
from backprop_tutor.trace import fields
from backprop_tutor.trace.reader import read

OUTPUTS = {"softmax": "cross-entropy", "identity": "squared-error", "sigmoid": "squared-error"}
HIDDEN = ("relu", "identity")
ETAS = (Decimal("0.5"), Decimal("0.25"), Decimal("0.1"))
#: Largest |s(l)| allowed: hidden layers stay in mental-arithmetic range, softmax's e^s on a calculator.
MAX_HIDDEN_S, MAX_OUTPUT_S = 12, 6
ATTEMPTS = 10_000
#: A problem is computed by hand: the course's example has 3 layers and 16 weights. Deeper or wider nets
#: are no longer a sheet of paper (and with a softmax output they saturate: e^s beyond a calculator).
MAX_LAYERS, MAX_WEIGHTS, MAX_UNITS = 4, 50, 6
#: One problem per student, in one call (each problem is three files; a second call adds to index.csv).
MAX_SEEDS = 1000
#: numpy's generators take seeds 0 … 2^63 − 1 here (a seed is also a folder name, seed-N).
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class ProblemSettings:
    sizes: tuple[int, ...] = (3, 2, 2, 3)
    hidden: str = "relu"
    output: str = "softmax"

    def check(self) -> None:
        named = "-".join(map(str, self.sizes))
        if len(self.sizes) < 2 or any(n < 1 for n in self.sizes) or max(self.sizes) > MAX_UNITS:
            raise UsageError(f"sizes {named}: give at least an input and an output layer, "
                             f"1 to {MAX_UNITS} units each (a hand calculation), e.g. 3-2-2-3")
        weights = sum(m * n for m, n in zip(self.sizes, self.sizes[1:], strict=False))
        if len(self.sizes) - 1 > MAX_LAYERS or weights > MAX_WEIGHTS:
            raise UsageError(f"sizes {named}: {count(len(self.sizes) - 1, 'layer')} and "
                             f"{count(weights, 'weight')} is not a problem to "
                             f"compute by hand (the course's 3-2-2-3 example has 3 layers and 16 weights); give at "
                             f"most {MAX_LAYERS} layers and {MAX_WEIGHTS} weights")
        if self.hidden not in HIDDEN:
            raise UsageError(f"hidden activation {self.hidden!r}: choose one of {', '.join(HIDDEN)}")
        if self.output not in OUTPUTS:
            raise UsageError(f"output activation {self.output!r}: choose one of {', '.join(OUTPUTS)}")
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise UsageError("a softmax output needs at least 2 units")


@dataclass(frozen=True)
class Layer:
    activation: str
    W: list[list[int]]
    b: list[int]


@dataclass(frozen=True)
class Problem:
    """A practice problem: what its spec file says (`spec_toml` writes it)."""

    title: str
    loss: str
    eta: Decimal
    x: list[int]
    y: list[int]
    layers: tuple[Layer, ...]


def random_problem(seed: int, settings: ProblemSettings = ProblemSettings()) -> Problem:
    """Problem ``seed``: deterministic, hand-computable."""
    check_seed(seed)
    settings.check()
    rng = np.random.default_rng(seed)
    for _ in range(ATTEMPTS):
        problem = _draw(rng, seed, settings)
        if _hand_computable(problem_spec(problem, f"<problem {seed}>"), settings):
            return problem
    raise UsageError(f"no hand-computable problem found for seed {seed} with these settings; try other sizes")


def check_seed(seed: int) -> None:
    """A seed numpy accepts, said in the user's terms."""
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed {seed}: a problem's seed is a whole number from 0 to {MAX_SEED}, e.g. 17")


def parse_seeds(text: str) -> list[int]:
    """'17' → [17]; '1-40' → 1..40; '1,5,9' and '1-5,9' too. Bounded: `MAX_SEEDS` problems per call."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not (first.isdigit() and (last.isdigit() or not dash)) or (dash and int(first) > int(last)):
            raise UsageError(f"--seeds {text!r}: give one seed (17), a range A-B with A ≤ B (1-40), or a list "
                             "(1,5,9 or 1-5,9)")
        low, high = int(first), int(last) if dash else int(first)
        if high - low + 1 + len(seeds) > MAX_SEEDS:
            raise UsageError(f"--seeds {text!r}: more than {MAX_SEEDS} problems in one call; a class set is one "
                             f"problem per student (run again with the next seeds: they are added to index.csv)")
        seeds += range(low, high + 1)
    for seed in seeds:
        check_seed(seed)
    return sorted(set(seeds))


def problem_spec(problem: Problem, source: str) -> NetworkSpec:
    """The problem as the engine reads it: its spec file's text, parsed."""
    return parse_spec(tomllib.loads(spec_toml(problem), parse_float=Decimal), source=source)


def _ints(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> list[Any]:
    return rng.integers(low, high + 1, size=shape).tolist()


def _draw(rng: np.random.Generator, seed: int, s: ProblemSettings) -> Problem:
    sizes, L = s.sizes, len(s.sizes) - 1
    layers = tuple(Layer(s.hidden if l < L else s.output, _ints(rng, (sizes[l], sizes[l - 1]), -2, 2),
                         _ints(rng, (sizes[l],), -2, 2)) for l in range(1, L + 1))
    x = _ints(rng, (sizes[0],), -2, 2)
    if s.output == "softmax":
        y = [0] * sizes[-1]
        y[int(rng.integers(sizes[-1]))] = 1
    elif s.output == "sigmoid":
        y = _ints(rng, (sizes[-1],), 0, 1)
    else:
        y = _ints(rng, (sizes[-1],), -2, 2)
    eta = ETAS[int(rng.integers(len(ETAS)))]
    title = (f"Practice problem {seed}: {'-'.join(map(str, sizes))} {s.hidden}/{s.output}, one SGD step, "
             f"η = {eta}")
    return Problem(title, OUTPUTS[s.output], eta, x, y, layers)


def _hand_computable(spec: NetworkSpec, s: ProblemSettings) -> bool:
    try:
        trace = run_spec(spec, "float64")
    except NumericError:  # an output saturated beyond float64: not a problem for a calculator either
        return False
    L = len(s.sizes) - 1
    for l in range(1, L + 1):
        values = read(trace, fields.S, l, 0)
        if not np.all(np.isfinite(values)):
            return False
        if l < L and (np.any(values == 0) or not np.any(values > 0) or np.max(np.abs(values)) > MAX_HIDDEN_S):
            return False  # a dead layer, a unit at ReLU's kink, or big numbers
        if l == L and np.max(np.abs(values)) > MAX_OUTPUT_S:
            return False
        # nothing flows back to a hidden layer (with |s(L)| ≤ 6 a true δ is far above 1e-9; float noise is not)
        if l < L and not np.max(np.abs(read(trace, fields.DELTA, l, 0))) > 1e-9:
            return False
    return True


def spec_toml(problem: Problem) -> str:
    """The TOML text of a problem spec (the layout of examples/hand_backprop.toml)."""
    lines = ["# A practice problem from `tutor worksheet --random`: compute one SGD step by hand.",
             "# Notation: s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)), δ(l) = ∇s(l) C; W(l) is (units out × units in).",
             "", f'title = "{problem.title}"', f'loss = "{problem.loss}"', f"learning_rate = {problem.eta}",
             "", "[data]", f"x = {problem.x}", f"y = {problem.y}"]
    for l, layer in enumerate(problem.layers, start=1):
        lines += ["", f"[[layer]]                       # layer {l}", f'activation = "{layer.activation}"',
                  f"W = {layer.W}", f"b = {layer.b}"]
    return "\n".join(lines) + "\n"


def parse_sizes(text: str) -> tuple[int, ...]:
    """'3-2-2-3' → (3, 2, 2, 3)."""
    try:
        return tuple(int(n) for n in text.split("-"))
    except ValueError:
        raise UsageError(f"--sizes {text!r}: give the units per layer joined by -, e.g. 3-2-2-3") from None


@dataclass(frozen=True)
class IndexRow:
    """One problem of a class set, as the instructor's index (CSV) lists it."""

    seed: int
    spec: Path
    worksheet: Path
    key: Path
    sizes: str
    activations: str
    loss: str
    learning_rate: str


def problem_files(seed: int, settings: ProblemSettings, folder: Path,
                  fmt_name: str = "md") -> tuple[IndexRow, dict[Path, str]]:
    """Problem ``seed``'s files for ``folder`` (spec.toml, the blank worksheet and the answer key in
    ``fmt_name``: md, toml or json) as {path: text}, not yet written, and its row of the index."""
    problem = random_problem(seed, settings)
    spec_path = folder / "spec.toml"
    ref = reference_for(problem_spec(problem, str(spec_path)))
    sheet, key = folder / f"worksheet.{fmt_name}", folder / f"key.{fmt_name}"
    files = {spec_path: spec_toml(problem), sheet: render(ref, "spec.toml", fmt_name),
             key: render(ref, "spec.toml", fmt_name, key=True)}
    row = IndexRow(seed, spec_path, sheet, key, "-".join(map(str, settings.sizes)),
                   ",".join(layer.activation for layer in problem.layers), problem.loss, str(problem.eta))
    return row, files


def refuse_replacing(files: dict[Path, str]) -> None:
    """A file already there is left alone unless it holds exactly what would be written (the same
    problem again): a user's own spec.toml or key.md in --out is never replaced."""
    for path, text in files.items():
        if path.is_dir() or (path.exists() and path.read_bytes() != text.encode("utf-8")):
            raise UsageError(f"{path} is already there and is not this problem's {path.name} (your own file, or "
                             "another problem's): nothing was written; choose another --out folder or move it away")


def write_files(files: dict[Path, str]) -> None:
    """Write ``files`` after `refuse_replacing` passed for every one of them."""
    for path, text in files.items():
        write_text_atomic(path, text)


def write_problem(seed: int, settings: ProblemSettings, folder: Path, fmt_name: str = "md") -> IndexRow:
    """Write problem ``seed`` into ``folder`` (see `problem_files`), refusing to replace a file that is not
    this problem's. Returns its row of the instructor's index."""
    row, files = problem_files(seed, settings, folder, fmt_name)
    refuse_replacing(files)
    write_files(files)
    return row


INDEX_FIELDS = [f.name for f in dataclasses.fields(IndexRow)]


def index_text(path: Path, rows: list[IndexRow]) -> str:
    """The instructor's index of a class set (CSV: seed, files relative to the index, sizes, activations,
    loss, η): the rows already in ``path`` (with any column the instructor added, e.g. student) and
    ``rows``, one per seed, in seed order."""
    old, extra = read_index_rows(path)
    merged = {int(r["seed"]): _relative_to_index(r, path.parent) for r in old}
    for row in rows:
        fields = dataclasses.asdict(row)
        for name in ("spec", "worksheet", "key"):
            fields[name] = Path(os.path.relpath(fields[name], path.parent)).as_posix()
        merged[row.seed] = {**merged.get(row.seed, {}), **fields}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDEX_FIELDS + extra, lineterminator="\n")
    writer.writeheader()
    writer.writerows(merged[seed] for seed in sorted(merged))
    return buffer.getvalue()


def _relative_to_index(row: dict[str, str], folder: Path) -> dict[str, str]:
    """A row of an index written before its paths were relative to it (relative to where the command ran):
    each file where `write_problem` puts it, seed-N/NAME, when that is where it is."""
    fixed = dict(row)
    for name in ("spec", "worksheet", "key"):
        listed = row.get(name) or ""
        beside = f"seed-{row['seed']}/{Path(listed).name}"
        if listed and not (folder / listed).is_file() and (folder / beside).is_file():
            fixed[name] = beside
    return fixed


def read_index_rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of an existing index and the columns it has beyond ours ([], [] when there is none)."""
    if not path.exists():
        return [], []
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows, header = list(reader), list(reader.fieldnames or [])
        bad = next((r for r in rows if not (r.get("seed") or "").isdigit()), None) if "seed" in header else {}
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{path}: not an index of problems ({err}); nothing was written") from None
    if bad is not None:
        raise UsageError(f"{path}: not an index this command wrote (it needs a seed column with a whole number on "
                         "each row); nothing was written: choose another --out folder or move it away")
    return rows, [h for h in header if h not in INDEX_FIELDS]
