"""Inference with given parameters: the feed-forward homework.

Parameters in the course's layout (W1, b1, W2, b2, …, W(l) shaped (units out, units in), any depth), or
a run folder of ours; the network computes s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)) for l = 1..L, and
the class of an image is argmax_k a(L)[k]. `result.json` holds, per image, its index, the ten outputs
a(L) and the class, as the assignment asks.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.engine.activations import ACTIVATIONS
from backprop_tutor.engine.network import Network, network_from_parameters
from backprop_tutor.errors import DataError, UsageError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.params import read_parameters
from backprop_tutor.plural import count, plural
from backprop_tutor.train.metrics import EVAL_CHUNK

#: The course's default for a given parameter file: ReLU in every hidden layer, softmax at the output.
DEFAULT_HIDDEN, DEFAULT_OUTPUT = "relu", "softmax"
DIGIT_NAMES = tuple(str(k) for k in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot")
RUN_CONFIG, SWEEP_FILE, SWEEP_FINAL = "config.json", "sweep.json", "final"


@dataclass
class LoadedNetwork:
    """A network built from stored parameters, with where they came from and how its layers are activated."""

    network: Network
    activations: list[str]
    source: Path

    @property
    def sizes(self) -> list[int]:
        return self.network.sizes

    def describe(self) -> str:
        hidden = sorted(set(self.activations[:-1]))
        kinds = (f"{'/'.join(hidden)} hidden + " if hidden else "") + self.activations[-1]
        return f"{'-'.join(map(str, self.sizes))} ({kinds})"


def parse_activations(text: str | None, n_layers: int) -> list[str]:
    """``None`` → ReLU hidden + softmax; ``"tanh"`` → tanh hidden + softmax; ``"tanh,tanh,sigmoid"`` → one
    name per layer (L names, the last the output's)."""
    names = [] if text is None else [t.strip().lower() for t in text.split(",") if t.strip()]
    if len(names) <= 1:
        hidden = names[0] if names else DEFAULT_HIDDEN
        names = [hidden] * (n_layers - 1) + [DEFAULT_OUTPUT]
    if len(names) != n_layers:
        raise UsageError(f"--activation {text!r}: the parameters have {count(n_layers, 'layer')}, so give one name "
                         f"(the hidden layers') or {n_layers} (one per layer, the last the output's)")
    for l, name in enumerate(names, start=1):
        if name not in ACTIVATIONS:
            raise UsageError(f"--activation: unknown activation {name!r} for layer {l}; "
                             f"choose from {', '.join(ACTIVATIONS)}")
        if not ACTIVATIONS[name].elementwise and l != n_layers:
            raise UsageError(f"--activation: {name} can only be the output layer's (layer {n_layers}), "
                             f"not layer {l}'s")
    return names


def params_location(path: Path) -> tuple[Path, list[str] | None]:
    """The parameter file ``path`` names, and the activations if it is a run folder of ours (a sweep folder
    stands for its retrained final run)."""
    if not path.is_dir():
        return path, None
    from backprop_tutor.train.run_folder import PARAMS_FILE, RunFolder

    if (path / SWEEP_FILE).is_file():
        if not RunFolder(path / SWEEP_FINAL).is_complete():
            raise DataError(f"{path}: the sweep has not retrained its choice yet ({SWEEP_FINAL}/ is not a finished "
                            f"run); finish it with `tutor sweep --resume {path}`")
        path = path / SWEEP_FINAL
    run = RunFolder(path)
    if not run.is_run():
        raise DataError(f"{path}: is not a run folder (no {RUN_CONFIG} of a run); give a parameter file "
                        "(W1, b1, …) or a run folder written by `tutor train` or `tutor sweep`")
    if not run.is_complete():
        raise DataError(f"{path}: the run has not finished ({run.status()}), so it has no {PARAMS_FILE} yet; "
                        f"finish it with `tutor train --resume {path}`")
    return path / PARAMS_FILE, run.read_config().activations


def load_network(path: str | os.PathLike[str], activations: str | None = None) -> LoadedNetwork:
    """The network stored at ``path`` (a parameter file or a run folder), checked: W(l) chain, all finite."""
    params_file, recorded = params_location(Path(path))
    if recorded is not None and activations is not None:
        raise UsageError(f"--activation: {path} is a run folder and records its activations "
                         f"({', '.join(recorded)}); drop --activation")
    params = read_parameters(params_file)  # checks that W(l) has as many columns as layer l-1 has units
    for l, (W, b) in enumerate(params, start=1):
        for name, array in ((f"W{l}", W), (f"b{l}", b)):
            bad = ~np.isfinite(array)
            if bad.any():
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                raise DataError(f"{params_file}: {name} ({'×'.join(map(str, array.shape))}) holds "
                                f"{int(bad.sum())} NaN or infinite {plural(int(bad.sum()), 'value')}, the first "
                                f"at index {where}; "
                                "every weight and bias must be a finite number")
    names = recorded if recorded is not None else parse_activations(activations, len(params))
    net = network_from_parameters(params, names, "cross-entropy" if names[-1] == "softmax" else "squared-error")
    return LoadedNetwork(net, names, params_file)


def check_fits(loaded: LoadedNetwork, x: np.ndarray, n_classes: int, data_source: str) -> None:
    """The first layer must take the images' pixels, the last give one output per class."""
    n_in, n_out = loaded.sizes[0], loaded.sizes[-1]
    if n_in != x.shape[1]:
        raise DataError(f"{loaded.source}: W1 is {loaded.sizes[1]}×{n_in}, so the network takes "
                        f"{count(n_in, 'input')}, "
                        f"but the images of {data_source} have {count(x.shape[1], 'pixel')}; W1 must be "
                        f"(units, {x.shape[1]})")
    if n_out != n_classes:
        L = len(loaded.activations)
        raise DataError(f"{loaded.source}: W{L} gives {count(n_out, 'output')}, but the labels have "
                        f"{count(n_classes, 'class', 'classes')}; "
                        f"W{L} must be ({n_classes}, {loaded.sizes[-2]})")


@dataclass
class Inference:
    """a(L) of every image (N, n_L), the predicted classes argmax_k a(L)[k] and the true ones."""

    outputs: np.ndarray
    predicted: np.ndarray
    labels: np.ndarray

    @property
    def n_correct(self) -> int:
        return int(np.count_nonzero(self.predicted == self.labels))

    @property
    def mistakes(self) -> np.ndarray:
        """Indices of the misclassified images, in order."""
        return np.flatnonzero(self.predicted != self.labels)

    def confusion(self) -> np.ndarray:
        """counts[true, predicted], (n_L, n_L) int."""
        n = self.outputs.shape[1]
        counts = np.zeros((n, n), dtype=np.int64)
        np.add.at(counts, (self.labels, self.predicted), 1)
        return counts


def run_inference(net: Network, x: np.ndarray, y: np.ndarray, chunk: int = EVAL_CHUNK) -> Inference:
    """Feed every image forward (in chunks; forward passes only) and classify it."""
    outputs = np.empty((x.shape[0], net.sizes[-1]), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, x.shape[0], chunk):
            outputs[start:start + chunk] = net.forward(x[start:start + chunk], derivatives=False)
    bad = ~np.isfinite(outputs).all(axis=1)
    if bad.any():
        raise DataError(f"the outputs a(L) of {count(int(bad.sum()), 'image')} are not finite (the first: image "
                        f"{int(np.argmax(bad))}): the parameters are too large for this output activation")
    return Inference(outputs, np.argmax(outputs, axis=1), np.argmax(y, axis=1))


def result_records(result: Inference) -> list[dict[str, Any]]:
    """The assignment's format: [{"index": i, "activations": [10 floats], "classification": k}, …]."""
    return [{"index": i, "activations": row, "classification": int(k)}
            for i, (row, k) in enumerate(zip(result.outputs.tolist(), result.predicted.tolist(), strict=True))]


def write_result_json(path: str | os.PathLike[str], result: Inference) -> Path:
    """result.json, written atomically; strict JSON (the outputs are checked finite)."""
    return write_text_atomic(path, json.dumps(result_records(result), allow_nan=False) + "\n")


def class_names(choice: str, data_name: str, n_classes: int) -> tuple[str, ...]:
    """Names to label classes with: "digits", "fashion-mnist", or "auto" (Fashion-MNIST's names when the
    data set's name says fashion, else the class numbers)."""
    if choice == "auto":
        choice = "fashion-mnist" if "fashion" in data_name.lower() else "digits"
    names = FASHION_NAMES if choice == "fashion-mnist" else DIGIT_NAMES
    return names if n_classes == len(names) else tuple(str(k) for k in range(n_classes))


def accuracy_text(result: Inference) -> str:
    n = result.labels.shape[0]
    share = f" ({100 * result.n_correct / n:.2f} %)" if n else ""
    return f"{result.n_correct} / {n} correct{share}"

