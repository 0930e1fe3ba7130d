"""The settings of one training run, checked before any data is touched, and stored as config.json.

Every knob of the homework is here: the network (hidden layers, activation, init), SGD (η, batch size,
epochs, momentum, L2), the η schedule, the train/validation split, the seed and which minibatches to trace.
Each is declared once, on its `TrainConfig` field (type, default, flag, help, sweep label, what values work);
the flags of `tutor train` and `tutor sweep`, the sweep's grid, the checks and the messages derive from it.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from backprop_tutor.data.formats import IMAGE_PIXELS, NUM_CLASSES
from backprop_tutor.engine.hyperparameters import (
    HYPERPARAMETERS,
    beyond_precision,
    finite_problem,
    hyperparameter_problem,
)
from backprop_tutor.engine.init import SCHEMES
from backprop_tutor.errors import UsageError
from backprop_tutor.plural import count, plural

#: Activations a hidden layer can use (the output is always softmax with cross-entropy).
HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid")
INIT_SCHEMES = tuple(s for s in SCHEMES if s != "file")
OUTPUT_ACTIVATION = "softmax"
LOSS = "cross-entropy"


# --- parsing the command line's lists -----------------------------------------------------------
def parse_int_list(text: str, what: str, *, allow_empty: bool = False) -> list[int]:
    """"100,50,25" → [100, 50, 25]; "none" → [] when ``allow_empty`` (an empty text is refused: it is
    more often a shell variable that was never set than a wish for no layers)."""
    stripped = text.strip().lower()
    if stripped == "none" and allow_empty:
        return []
    if not stripped:
        raise UsageError(f"{what} {text!r}: give at least one number, e.g. 1 or 1,2"
                         + (", or 'none' for none" if allow_empty else ""))
    try:
        return [int(part) for part in stripped.replace(" ", "").split(",")]
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a comma-separated list of whole numbers (e.g. 100,50,25)") from None


def parse_hidden(text: str) -> list[int]:
    """--hidden "100,50,25": widths of the hidden layers, in order from the input ("none": no hidden layer)."""
    widths = parse_int_list(text, "--hidden", allow_empty=True)
    if any(w < 1 for w in widths):
        raise UsageError(f"--hidden {text!r}: every hidden layer needs at least 1 unit (e.g. --hidden 100,50,25)")
    return widths


class SettingError(UsageError):
    """A training setting that cannot work. The message names settings as ``{name}`` (a setting
    followed by its value) or ``{name:name}`` (the setting alone); `render` spells them, by default as
    the library does ("learning_rate = 0.0", "init_sigma"), while the CLI spells them as its flags."""

    def __init__(self, template: str) -> None:
        self.template = template
        super().__init__(self.render())

    def render(self, flag: Callable[[str], str | None] = lambda name: None) -> str:
        def spell(match: re.Match[str]) -> str:
            name, alone = match.group(1), match.group(2)
            if name not in SETTING_NAMES:
                return match.group(0)
            given = flag(name)
            if given:
                return given
            return _LIBRARY_WORDS.get(name) or (name if alone else f"{name} =")
        return re.sub(r"\{(\w+)(:name)?\}", spell, self.template)


@dataclass(frozen=True)
class Setting:
    """One training setting as every interface names and checks it, declared once on its `TrainConfig` field
    with `setting(…)`: the flags of `tutor train` and `tutor sweep`, the sweep's grid and folder names, the
    checks of `TrainConfig.check` and how its messages spell the setting all derive from it."""

    flag: str  # the command-line flag; CLI messages spell the setting so
    help: str
    group: str  # its section in `tutor train --help`
    metavar: str | None = None
    label: str | None = None  # its prefix in a sweep's folder names (tanh-lr0.01); None: one value per sweep
    plural: str | None = None  # `tutor sweep`'s other spelling of the flag for several values (--lrs)
    parse: Callable[[str], Any] | None = None  # one value from the command line's text (default: by its kind)
    problem: Callable[[Any], str | None] | None = None  # what is wrong with a value, or None
    shows_default: bool = True  # False: the commands require the flag, so the help names no default
    repeatable: bool = False  # `tutor train` takes the flag several times and joins the values
    name: str = ""  # these three are filled in from the field
    kind: str = ""  # the JSON type: str, int, float, ints (a list), bool; "?": may also be null
    default: Any = None

    @property
    def in_grid(self) -> bool:
        return self.label is not None

    def parse_text(self, text: str) -> Any:
        return (self.parse or {"int": int, "float": float, "str": str}[self.kind.rstrip("?")])(text)

    def check(self, value: Any) -> str | None:
        """The problem with ``value`` for this setting, as the message's text after its name and value."""
        if value is None:
            return None if self.kind.endswith("?") else "must be given"
        problem = finite_problem(value) if self.kind.startswith("float") else None
        return problem or (self.problem(value) if self.problem else None)


def setting(**declared: Any) -> dict[str, Setting]:
    """A TrainConfig field's metadata: ``field(default=…, metadata=setting(flag=…, help=…, …))``."""
    return {"setting": Setting(**declared)}


def _unless(works: Callable[[Any], bool], problem: str) -> Callable[[Any], str | None]:
    return lambda value: None if works(value) else problem


def _hyperparameter(name: str) -> Callable[[Any], str | None]:
    return lambda value: hyperparameter_problem(name, value)


def _at_least(least: int, problem: str) -> Callable[[Any], str | None]:
    return _unless(lambda v: v >= least, problem)


def split_problem(processes: int) -> str | None:
    """Why a run cannot be split over ``processes`` processes on this machine (`train.processes`), or None."""
    if processes < 1:
        return "the number of processes must be ≥ 1"
    if processes > 1 and not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return "a run is split over processes only on Linux (its helpers are forked): give 1"
    if processes > 1 and platform.machine().lower() not in ("x86_64", "amd64"):
        return f"a run is split over processes only on x86-64 processors, not {platform.machine()}: give 1"
    return None


def _each_at_least(least: int, problem: str) -> Callable[[Any], str | None]:
    return _unless(lambda values: all(v >= least for v in values), problem)


@dataclass
class TrainConfig:
    """One run's settings. ``trace_batches`` are 1-based minibatch indices within an epoch, traced in
    each of ``trace_epochs``; ``subset`` keeps only the first N images of the training file (before the
    split) for quick runs. The fields in the order a sweep names its folders."""

    data: str = field(default="mnist", metadata=setting(
        flag="--data", metavar="SPEC", group="network", shows_default=False,
        help="mnist, fashion-mnist, an IDX folder, an .npz or the course's mnist_traindata.hdf5"))
    activation: str = field(default="tanh", metadata=setting(
        flag="--activation", plural="--activations", metavar="H", group="network", label="",
        help=f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)}; the output is softmax + cross-entropy",
        problem=_unless(lambda v: v in HIDDEN_ACTIVATIONS, f"unknown activation; choose one of "
                        f"{', '.join(HIDDEN_ACTIVATIONS)} (the output is always softmax with cross-entropy)")))
    learning_rate: float = field(default=0.01, metadata=setting(
        flag="--lr", plural="--lrs", metavar="η", group="SGD", label="lr",
        help="initial learning rate η₀", problem=_hyperparameter("learning_rate")))
    hidden: list[int] = field(default_factory=lambda: [100, 50, 25], metadata=setting(
        flag="--hidden", metavar="N,N,…", group="network", label="h", parse=parse_hidden,
        help="hidden layer widths from the input on, or 'none'",
        problem=_each_at_least(1, "hidden layer widths must be ≥ 1")))
    batch_size: int = field(default=500, metadata=setting(
        flag="--batch-size", plural="--batch-sizes", metavar="B", group="SGD", label="B",
        help="minibatch size; must divide the training set", problem=_at_least(1, "the batch size must be ≥ 1")))
    epochs: int = field(default=50, metadata=setting(
        flag="--epochs", metavar="N", group="SGD", label="e", help="epochs",
        problem=_at_least(1, "the number of epochs must be ≥ 1")))
    decay_at: list[int] = field(default_factory=lambda: [20, 40], metadata=setting(
        flag="--decay-at", metavar="E,E,…", group="SGD", label="decay",
        parse=lambda text: parse_int_list(text, "--decay-at", allow_empty=True),
        help="divide η after these epochs, or 'none'",
        problem=_each_at_least(1, "epochs must be ≥ 1 (η changes after that epoch)")))
    decay_factor: float = field(default=2.0, metadata=setting(
        flag="--decay-factor", metavar="F", group="SGD", label="factor", help="η is divided by this at each --decay-at",
        problem=_unless(lambda v: v > 0, "must be > 0 (η is divided by it)")))
    momentum: float = field(default=0.0, metadata=setting(
        flag="--momentum", metavar="μ", group="SGD", label="mu", help="momentum μ in [0, 1)",
        problem=_hyperparameter("momentum")))
    l2: float = field(default=0.0, metadata=setting(
        flag="--l2", metavar="λ", group="SGD", label="l2-", help="L2 penalty (λ/2)‖W‖², adds λW(l) to ∇W(l)",
        problem=_hyperparameter("l2")))
    init: str = field(default="he", metadata=setting(
        flag="--init", metavar="SCHEME", group="network", label="", help=", ".join(INIT_SCHEMES),
        problem=_unless(lambda v: v in INIT_SCHEMES,
                        f"unknown init scheme; choose one of {', '.join(INIT_SCHEMES)}")))
    init_sigma: float | None = field(default=None, metadata=setting(
        flag="--init-sigma", metavar="σ", group="network", label="init-sigma-", help="σ for --init normal"))
    init_low: float | None = field(default=None, metadata=setting(
        flag="--init-low", metavar="LOW", group="network", label="init-low-",
        help="lower bound for --init uniform"))
    init_high: float | None = field(default=None, metadata=setting(
        flag="--init-high", metavar="HIGH", group="network", label="init-high-",
        help="upper bound for --init uniform"))
    seed: int = field(default=0, metadata=setting(
        flag="--seed", plural="--seeds", metavar="SEED", group="SGD", label="seed",
        help="seed for the weights and the shuffles",
        problem=_at_least(0, "must be ≥ 0 (numpy's generators take no negative seeds)")))
    precision: str = field(default="float32", metadata=setting(
        flag="--precision", metavar="TYPE", group="network", label="", help="float32 or float64",
        problem=_unless(lambda v: v in ("float32", "float64"), "training precision must be float32 or float64")))
    #: BLAS threads for the matrix products. Fixed, recorded and reused on resume, because the sum order
    #: of a threaded product depends on it: same seed + same threads → bit-identical parameters
    blas_threads: int = field(default=1, metadata=setting(
        flag="--threads", metavar="N", group="network", label="threads",
        help="BLAS threads for the matrix products; the result is bit-identical only for the same N, so it is "
             "recorded and reused by --resume", problem=_at_least(1, "the BLAS thread count must be ≥ 1")))
    #: Processes each minibatch is split over (data-parallel SGD on one machine: `train.processes`). Recorded and
    #: reused on resume like the thread count: the gradients' parts are added in an order of their own
    processes: int = field(default=1, metadata=setting(
        flag="--processes", metavar="N", group="network", label="processes",
        help="split every minibatch over N processes, one BLAS thread each (Linux, x86-64); the result is "
             "bit-identical only for the same N, so it is recorded and reused by --resume", problem=split_problem))
    n_validation: int = field(default=10_000, metadata=setting(
        flag="--validation", metavar="N", group="data split",
        help="hold out the last N training images for validation",
        problem=_at_least(1, "the validation set size must be ≥ 1")))
    subset: int | None = field(default=None, metadata=setting(
        flag="--subset", metavar="N", group="data split",
        help="use only the first N training images (quick runs)", problem=_at_least(2, "must be ≥ 2 images")))
    #: evaluate the test set at the end: only for the configuration chosen on validation accuracy
    test: bool = field(default=False, metadata=setting(
        flag="--test", group="data split",
        help="evaluate the test set once at the end (for the configuration chosen on validation)"))
    trace_batches: list[int] = field(default_factory=lambda: [], metadata=setting(
        flag="--trace-batch", metavar="K[,K…]", group="tracing", repeatable=True,
        parse=lambda text: parse_int_list(text, "--trace-batch"),
        help="trace minibatch K (1 = first of the epoch); repeat or give a list",
        problem=_each_at_least(1, "a 1-based minibatch index (1 = the first)")))
    trace_epochs: list[int] = field(default_factory=lambda: [1], metadata=setting(
        flag="--trace-epochs", metavar="E,E,…|all", group="tracing",
        parse=lambda text: parse_int_list(text, "--trace-epochs"), help="epochs in which to trace them"))

    @property
    def sizes(self) -> list[int]:
        """[n_0, n_1, …, n_L]: 784 inputs, the hidden layers, 10 outputs."""
        return [IMAGE_PIXELS, *self.hidden, NUM_CLASSES]

    @property
    def activations(self) -> list[str]:
        return [self.activation] * len(self.hidden) + [OUTPUT_ACTIVATION]

    @property
    def init_params(self) -> dict[str, float]:
        named = {"sigma": self.init_sigma, "low": self.init_low, "high": self.init_high}
        return {k: v for k, v in named.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """The settings from JSON (a run's config.json), each checked for its type; not yet `check`ed."""
        if not isinstance(values, dict):
            raise UsageError(f"training settings must be a JSON object, got {type(values).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"unknown training settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name, value in values.items():
            kind = SETTINGS[name].kind
            if not _has_kind(value, kind):
                raise UsageError(f"setting {name} = {value!r}: must be {_KIND_WORDS[kind]}")
        return cls(**{k: (float(v) if SETTINGS[k].kind.startswith("float") and v is not None else v)
                      for k, v in values.items()})

    def check(self) -> None:
        """Raise SettingError for settings that can never work, whatever the data (and, with ``subset``,
        for minibatch counts that the subset already fixes). Run once per run, before any data is read."""
        for name, declared in SETTINGS.items():
            value = getattr(self, name)
            problem = declared.check(value)
            if problem:
                raise SettingError(f"{{{name}}} {value!r}: {problem}")
        for name in HYPERPARAMETERS:
            problem = beyond_precision(name, getattr(self, name), self.precision)
            if problem:
                raise SettingError(f"{{{name}}} {getattr(self, name)!r}: {problem}")
        self._check_init()
        self._check_processes()
        self._check_subset_and_tracing()

    def _check_processes(self) -> None:
        if self.processes > 1 and self.batch_size % self.processes:
            raise SettingError(f"{{processes}} {self.processes} does not divide {{batch_size}} {self.batch_size}: "
                               "each process takes an equal part of every minibatch")
        if self.processes > 1 and self.blas_threads != 1:
            raise SettingError(f"{{processes}} {self.processes} runs each process on one BLAS thread: give "
                               "{blas_threads} 1 with it")

    def _check_init(self) -> None:
        if self.init == "normal" and self.init_sigma is None:
            raise SettingError("{init} normal needs {init_sigma:name}, e.g. {init_sigma} 0.1")
        if self.init == "uniform" and (self.init_low is None or self.init_high is None):
            raise SettingError("{init} uniform needs {init_low:name} and {init_high:name}, "
                               "e.g. {init_low} -0.1 {init_high} 0.1")

    def _check_subset_and_tracing(self) -> None:
        if self.subset is not None and self.n_validation >= self.subset:
            raise SettingError(f"{{n_validation}} {self.n_validation} holds out all of the {{subset}} {self.subset} "
                               f"{plural(self.subset, 'image')}: keep fewer for validation than the subset has, "
                               f"e.g. {{n_validation}} "
                               f"{max(1, self.subset // 5)}")
        bad = [e for e in self.trace_epochs if not 1 <= e <= self.epochs]
        if bad:
            raise SettingError(f"{{trace_epochs}} {bad}: outside the run's epochs 1..{self.epochs}")
        if self.subset is not None:
            self.check_data(self.subset - self.n_validation)

    def check_data(self, n_train: int) -> int:
        """Check the settings against a training set of ``n_train`` images; returns batches per epoch."""
        if n_train % self.batch_size:
            raise SettingError(
                f"{{batch_size}} {self.batch_size} does not divide the {n_train} training images "
                f"({n_train} = {n_train // self.batch_size} × {self.batch_size} + {n_train % self.batch_size}); "
                f"every epoch must use every image exactly once. Nearest sizes that divide {n_train}: "
                + " or ".join(f"{{batch_size}} {d}" for d in _nearest_divisors(n_train, self.batch_size)))
        n_batches = n_train // self.batch_size
        bad = [k for k in self.trace_batches if k > n_batches]
        if bad:
            raise SettingError(f"{{trace_batches}} {bad}: an epoch has only "
                               f"{count(n_batches, 'minibatch', 'minibatches')} "
                               f"({count(n_train, 'image')} / batch size {self.batch_size})")
        return n_batches

    def check_split(self, n_images: int) -> None:
        """Check that holding out ``n_validation`` of ``n_images`` training images leaves some to train on."""
        if self.n_validation >= n_images:
            raise SettingError(f"{{n_validation}} {self.n_validation} holds out all of the {n_images} training "
                               f"images: keep fewer, e.g. {{n_validation}} {max(1, n_images // 6)}")


def _nearest_divisors(n: int, wanted: int) -> list[int]:
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    below = [d for d in divisors if d < wanted]
    above = [d for d in divisors if d > wanted]
    return ([below[-1]] if below else []) + ([above[0]] if above else [])


#: How the library spells the run-folder choices a message may suggest (the CLI spells them as flags).
_LIBRARY_WORDS = {"out": "run folder", "resume": "resume=True", "force": "force=True"}
SETTING_NAMES = frozenset(f.name for f in fields(TrainConfig)) | frozenset(_LIBRARY_WORDS)

#: A field's type → the JSON type of its value in config.json ("?": may also be null).
_KIND_OF_TYPE = {"list[int]": "ints", "float | None": "float?", "int | None": "int?"}
#: Each setting as its field declares it, in the fields' order.
SETTINGS: dict[str, Setting] = {
    f.name: replace(f.metadata["setting"], name=f.name, default=getattr(TrainConfig(), f.name),
                    kind=_KIND_OF_TYPE.get(str(f.type), str(f.type)))
    for f in fields(TrainConfig)}
#: The settings a sweep may list several values of (the data, its split and the tracing are one per sweep).
GRID_SETTINGS = tuple(name for name, s in SETTINGS.items() if s.in_grid)
_KIND_WORDS = {"str": "text", "int": "a whole number", "int?": "a whole number or null", "float": "a number",
               "float?": "a number or null", "ints": "a list of whole numbers", "bool": "true or false"}


def _has_kind(value: Any, kind: str) -> bool:
    if kind.endswith("?"):
        return value is None or _has_kind(value, kind[:-1])
    if kind == "ints":
        return isinstance(value, list) and all(_has_kind(v, "int") for v in value)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"str": str, "bool": bool}[kind])
