"""The settings of one training run, checked before any data is touched, and stored as config.json.

Every knob of the homework is here: the network (hidden layers, activation, init), SGD (η, batch size,
epochs, momentum, L2), the η schedule, the train/validation split, the seed and which minibatches to trace.
"""

from __future__ import annotations

import math
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
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"unknown training settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)

    def check(self) -> None:
        """Raise UsageError for settings that can never work, whatever the data."""
        numbers = {"--lr": self.learning_rate, "--decay-factor": self.decay_factor, "--momentum": self.momentum,
                   "--l2": self.l2, "--init-sigma": self.init_sigma, "--init-low": self.init_low,
                   "--init-high": self.init_high}
        bad = [f"{flag} {value}" for flag, value in numbers.items() if value is not None and not math.isfinite(value)]
        if bad:
            raise UsageError(f"{', '.join(bad)}: every number must be finite (not inf or nan)")
        if not self.learning_rate > 0:
            raise UsageError(f"learning rate η = {self.learning_rate} must be > 0 (e.g. --lr 0.01)")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise UsageError(f"unknown activation {self.activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)} "
                             "(the output layer is always softmax with cross-entropy)")
        if any(n < 1 for n in self.hidden):
            raise UsageError(f"hidden layer widths must be ≥ 1, got {self.hidden}")
        if self.batch_size < 1:
            raise UsageError(f"batch size must be ≥ 1, got {self.batch_size}")
        if self.epochs < 1:
            raise UsageError(f"epochs must be ≥ 1, got {self.epochs}")
        if not self.decay_factor > 0:
            raise UsageError(f"decay factor must be > 0 (η is divided by it), got {self.decay_factor}")
        if any(e < 1 for e in self.decay_at):
            raise UsageError(f"--decay-at epochs must be ≥ 1 (η changes after that epoch), got {self.decay_at}")
        if not 0 <= self.momentum < 1:
            raise UsageError(f"momentum μ must be in [0, 1), got {self.momentum}")
        if self.l2 < 0:
            raise UsageError(f"L2 strength λ must be ≥ 0, got {self.l2}")
        if self.init not in INIT_SCHEMES:
            raise UsageError(f"unknown init scheme {self.init!r}; choose one of {', '.join(INIT_SCHEMES)}")
        if self.init == "normal" and self.init_sigma is None:
            raise UsageError("--init normal needs --init-sigma, e.g. --init-sigma 0.1")
        if self.init == "uniform" and (self.init_low is None or self.init_high is None):
            raise UsageError("--init uniform needs --init-low and --init-high, e.g. --init-low -0.1 --init-high 0.1")
        if self.precision not in ("float32", "float64"):
            raise UsageError(f"training precision must be float32 or float64, got {self.precision!r}")
        if self.seed < 0:
            raise UsageError(f"--seed must be ≥ 0 (numpy's generators take no negative seeds), got {self.seed}")
        if self.n_validation < 1:
            raise UsageError(f"validation set size must be ≥ 1, got {self.n_validation}")
        if self.subset is not None and self.subset < 2:
            raise UsageError(f"--subset must be ≥ 2 images, got {self.subset}")
        if self.subset is not None and self.n_validation >= self.subset:
            raise UsageError(f"--validation {self.n_validation} holds out all of the --subset {self.subset} images: "
                             "keep fewer for validation than the subset has, e.g. --validation "
                             f"{max(1, self.subset // 5)}")
        if any(k < 1 for k in self.trace_batches):
            raise UsageError(f"--trace-batch is a 1-based minibatch index (1 = the first), got {self.trace_batches}")
        bad = [e for e in self.trace_epochs if not 1 <= e <= self.epochs]
        if bad:
            raise UsageError(f"--trace-epochs {bad} outside the run's epochs 1..{self.epochs}")

    def check_data(self, n_train: int) -> int:
        """Check the settings against a training set of ``n_train`` images; returns batches per epoch."""
        if n_train % self.batch_size:
            raise UsageError(f"batch size {self.batch_size} does not divide the {n_train} training images "
                             f"({n_train} = {n_train // self.batch_size} × {self.batch_size} + "
                             f"{n_train % self.batch_size}); every epoch must use every image exactly once. "
                             f"Nearest sizes that divide {n_train}: {_nearest_divisors(n_train, self.batch_size)}")
        n_batches = n_train // self.batch_size
        bad = [k for k in self.trace_batches if k > n_batches]
        if bad:
            raise UsageError(f"--trace-batch {bad}: an epoch has only {n_batches} minibatches "
                             f"({n_train} images / batch size {self.batch_size})")
        return n_batches


def _nearest_divisors(n: int, wanted: int) -> str:
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    below = [d for d in divisors if d < wanted]
    above = [d for d in divisors if d > wanted]
    near = ([below[-1]] if below else []) + ([above[0]] if above else [])
    return " or ".join(f"--batch-size {d}" for d in near)


# --- parsing the command line's lists -----------------------------------------------------------
def parse_int_list(text: str, what: str, *, allow_empty: bool = False) -> list[int]:
    """"100,50,25" → [100, 50, 25]; "" or "none" → [] when ``allow_empty``."""
    stripped = text.strip().lower()
    if stripped in ("", "none"):
        if allow_empty:
            return []
        raise UsageError(f"{what}: give at least one number, e.g. 1 or 1,2")
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
