"""Classes of a classification trace: the target's class, the predicted class (argmax a(L)) and whether
it is right, named for Fashion-MNIST. Classes are counted from 0, as in the data files."""

from __future__ import annotations

import numpy as np

from backprop_tutor.trace import fields
from backprop_tutor.trace.events import TraceHeader
from backprop_tutor.trace.reader import TraceReader, read

#: Fashion-MNIST's labels 0–9
FASHION_MNIST = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot")


def is_classifier(header: TraceHeader) -> bool:
    """Softmax with cross-entropy over more than one class: the target is a class."""
    return header.loss == "cross-entropy" and header.sizes[-1] > 1


def class_names(header: TraceHeader) -> tuple[str, ...] | None:
    """Fashion-MNIST's names when the trace's data is Fashion-MNIST (as its run config says), else None."""
    config = header.config if isinstance(header.config, dict) else {}
    said = " ".join(str(config.get(key, "")) for key in ("data_name", "data_source", "data")) + " " + header.title
    fashion = "fashion" in said.lower() and header.sizes[-1] == len(FASHION_MNIST)
    return FASHION_MNIST if fashion else None


def class_label(header: TraceHeader, k: int) -> str:
    """"class 7 (Sneaker)" or "class 7"."""
    names = class_names(header)
    return f"class {k}" + (f" ({names[k]})" if names else "")


def unit_label(header: TraceHeader, k: int) -> str:
    """Output unit ``k`` (0-based) with its class beside it, the one way a step names it: "unit 3 (class 2)",
    "unit 8 (class 7, Sneaker)". Units count from 1 as in the notation, classes from 0 as in the data."""
    names = class_names(header)
    return f"unit {k + 1} (class {k}" + (f", {names[k]}" if names else "") + ")"


def target_class(y: np.ndarray) -> int:
    return int(np.argmax(np.asarray(y, dtype=np.float64)))


def predicted_class(a: np.ndarray) -> int:
    return int(np.argmax(np.asarray(a, dtype=np.float64)))


def predictions(trace: TraceReader) -> tuple[np.ndarray, np.ndarray] | None:
    """(target, predicted) class of every sample of the minibatch, or None (not a classifier's trace, or
    no output or target recorded)."""
    if not is_classifier(trace.header):
        return None
    L = trace.header.L
    y, a = read(trace, fields.Y, 0), read(trace, fields.A, L)
    if y is None or a is None:
        return None
    y, a = (np.asarray(v, dtype=np.float64).reshape(-1, trace.header.sizes[-1]) for v in (y, a))
    return np.argmax(y, axis=1), np.argmax(a, axis=1)


def next_misclassified(trace: TraceReader, sample: int) -> int | None:
    """The next sample after ``sample`` (wrapping round) whose predicted class is not its target's."""
    classes = predictions(trace)
    if classes is None:
        return None
    wrong = np.flatnonzero(classes[0] != classes[1])
    if not wrong.size:
        return None
    later = wrong[wrong > sample]
    return int(later[0] if later.size else wrong[0])
