"""The settings of one training run, checked before any data is touched, and stored as config.json.

Every knob of the homework is here: the network (hidden layers, activation, init), SGD (η, batch size,
epochs, momentum, L2), the η schedule, the train/validation split, the seed and which minibatches to trace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from backprop_tutor.data.formats import IMAGE_PIXELS, NUM_CLASSES
from backprop_tutor.engine.init import SCHEMES
from backprop_tutor.errors import UsageError

#: Activations a hidden layer can use (the output is always softmax with cross-entropy).
HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid")
INIT_SCHEMES = tuple(s for s in SCHEMES if s != "file")
OUTPUT_ACTIVATION = "softmax"
LOSS = "cross-entropy"


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


@dataclass
class TrainConfig:
    """One run's settings. ``trace_batches`` are 1-based minibatch indices within an epoch, traced in
    each of ``trace_epochs``; ``subset`` keeps only the first N images of the training file (before the
    split) for quick runs."""

    data: str = "mnist"
    hidden: list[int] = field(default_factory=lambda: [100, 50, 25])
    activation: str = "tanh"
    learning_rate: float = 0.01
    batch_size: int = 500
    epochs: int = 50
    decay_at: list[int] = field(default_factory=lambda: [20, 40])
    decay_factor: float = 2.0
    momentum: float = 0.0
    l2: float = 0.0
    init: str = "he"
    init_sigma: float | None = None
    init_low: float | None = None
    init_high: float | None = None
    seed: int = 0
    n_validation: int = 10_000
    subset: int | None = None
    precision: str = "float32"
    trace_batches: list[int] = field(default_factory=list)
    trace_epochs: list[int] = field(default_factory=lambda: [1])
    #: evaluate the test set at the end: only for the configuration chosen on validation accuracy
    test: bool = False
    #: BLAS threads for the matrix products. Fixed, recorded and reused on resume, because the sum order
    #: of a threaded product depends on it: same seed + same threads → bit-identical parameters
    blas_threads: int = 1

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
            kind = _KINDS[name]
            if not _has_kind(value, kind):
                raise UsageError(f"setting {name} = {value!r}: must be {_KIND_WORDS[kind]}")
        return cls(**{k: (float(v) if _KINDS[k] in ("float", "float?") and v is not None else v)
                      for k, v in values.items()})

    def check(self) -> None:
        """Raise SettingError for settings that can never work, whatever the data (and, with ``subset``,
        for minibatch counts that the subset already fixes). Run once per run, before any data is read."""
        numbers = ("learning_rate", "decay_factor", "momentum", "l2", "init_sigma", "init_low", "init_high")
        bad = [name for name in numbers if getattr(self, name) is not None and not math.isfinite(getattr(self, name))]
        if bad:
            raise SettingError(", ".join(f"{{{name}}} {getattr(self, name)}" for name in bad)
                               + ": every number must be finite (not inf or nan)")
        if not self.learning_rate > 0:
            raise SettingError(f"{{learning_rate}} {self.learning_rate}: the learning rate η must be > 0 "
                               "(e.g. {learning_rate} 0.01)")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise SettingError(f"{{activation}} {self.activation!r}: unknown activation; choose one of "
                               f"{', '.join(HIDDEN_ACTIVATIONS)} (the output is always softmax with cross-entropy)")
        if any(n < 1 for n in self.hidden):
            raise SettingError(f"{{hidden}} {self.hidden}: hidden layer widths must be ≥ 1")
        for name, what in (("batch_size", "the batch size"), ("epochs", "the number of epochs"),
                           ("n_validation", "the validation set size"), ("blas_threads", "the BLAS thread count")):
            if getattr(self, name) < 1:
                raise SettingError(f"{{{name}}} {getattr(self, name)}: {what} must be ≥ 1")
        if not self.decay_factor > 0:
            raise SettingError(f"{{decay_factor}} {self.decay_factor}: must be > 0 (η is divided by it)")
        if any(e < 1 for e in self.decay_at):
            raise SettingError(f"{{decay_at}} {self.decay_at}: epochs must be ≥ 1 (η changes after that epoch)")
        if not 0 <= self.momentum < 1:
            raise SettingError(f"{{momentum}} {self.momentum}: momentum μ must be in [0, 1)")
        if self.l2 < 0:
            raise SettingError(f"{{l2}} {self.l2}: the L2 strength λ must be ≥ 0")
        self._check_init()
        if self.precision not in ("float32", "float64"):
            raise SettingError(f"{{precision}} {self.precision!r}: training precision must be float32 or float64")
        if self.seed < 0:
            raise SettingError(f"{{seed}} {self.seed}: must be ≥ 0 (numpy's generators take no negative seeds)")
        self._check_subset_and_tracing()

    def _check_init(self) -> None:
        if self.init not in INIT_SCHEMES:
            raise SettingError(f"{{init}} {self.init!r}: unknown init scheme; choose one of {', '.join(INIT_SCHEMES)}")
        if self.init == "normal" and self.init_sigma is None:
            raise SettingError("{init} normal needs {init_sigma:name}, e.g. {init_sigma} 0.1")
        if self.init == "uniform" and (self.init_low is None or self.init_high is None):
            raise SettingError("{init} uniform needs {init_low:name} and {init_high:name}, "
                               "e.g. {init_low} -0.1 {init_high} 0.1")

    def _check_subset_and_tracing(self) -> None:
        if self.subset is not None and self.subset < 2:
            raise SettingError(f"{{subset}} {self.subset}: must be ≥ 2 images")
        if self.subset is not None and self.n_validation >= self.subset:
            raise SettingError(f"{{n_validation}} {self.n_validation} holds out all of the {{subset}} {self.subset} "
                               f"images: keep fewer for validation than the subset has, e.g. {{n_validation}} "
                               f"{max(1, self.subset // 5)}")
        if any(k < 1 for k in self.trace_batches):
            raise SettingError(f"{{trace_batches}} {self.trace_batches}: a 1-based minibatch index (1 = the first)")
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
            raise SettingError(f"{{trace_batches}} {bad}: an epoch has only {n_batches} minibatches "
                               f"({n_train} images / batch size {self.batch_size})")
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

#: The JSON type each setting must have in config.json ("?": may also be null).
_KINDS = {"data": "str", "hidden": "ints", "activation": "str", "learning_rate": "float", "batch_size": "int",
          "epochs": "int", "decay_at": "ints", "decay_factor": "float", "momentum": "float", "l2": "float",
          "init": "str", "init_sigma": "float?", "init_low": "float?", "init_high": "float?", "seed": "int",
          "n_validation": "int", "subset": "int?", "precision": "str", "trace_batches": "ints",
          "trace_epochs": "ints", "test": "bool", "blas_threads": "int"}
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
