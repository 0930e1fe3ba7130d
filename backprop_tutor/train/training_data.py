"""The three sets a run uses, prepared from ``config.data``: training, validation (the last
``n_validation`` training images, never trained on) and test (looked at only when asked)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.plural import count
from backprop_tutor.train.config import SettingError, TrainConfig


@dataclass
class TrainingData:
    """x float (N, 784) in [0, 1], y one-hot (N, 10), in the run's precision."""

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"data_name": self.name, "data_source": self.source, "n_train": int(self.x_train.shape[0]),
                "n_validation": int(self.x_val.shape[0]), "n_test": int(self.x_test.shape[0]),
                "data_fingerprint": self.fingerprint}

    @cached_property
    def fingerprint(self) -> dict[str, str]:
        """A hash of the training and validation images and of their labels, as trained on: a resumed run
        refuses data that changed since it started, even at the same sizes."""
        return {"images": _digest(self.x_train, self.x_val), "labels": _digest(self.y_train, self.y_val)}


def _digest(*arrays: np.ndarray) -> str:
    """Every row's sum and every column's sum (in float64) of each array, hashed: any changed pixel changes
    both of its sums, reordered images reorder the row sums, and it reads memory once (~0.1 s for MNIST's
    55,000 × 784, where hashing the 170 MB itself takes ~0.8 s)."""
    h = hashlib.blake2b(digest_size=12)
    for a in arrays:
        h.update(repr((a.shape, a.dtype.str)).encode())
        for axis in (0, 1):
            h.update(np.ascontiguousarray(a.sum(axis=axis, dtype=np.float64)).data)
    return h.hexdigest()


def prepare_data(config: TrainConfig) -> TrainingData:
    """Load ``config.data`` (a named set or a path), keep ``config.subset`` images if asked, and split off
    the last ``config.n_validation`` training images for validation."""
    from backprop_tutor.data import load_dataset, train_validation_split

    ds = load_dataset(config.data, train_rows=config.subset)  # (only the images used become floats)
    if not ds.has_train:
        raise UsageError(f"{config.data}: has no training images ({ds.source}); training needs them. "
                         + " ".join(ds.notes))
    x, y = ds.x_train, ds.y_train
    if config.subset is not None:
        if config.subset > x.shape[0]:
            raise SettingError(f"{{subset}} {config.subset}: the training file has only {count(x.shape[0], 'image')}")
        x, y = x[:config.subset], y[:config.subset]
    config.check_split(x.shape[0])
    x_train, y_train, x_val, y_val = train_validation_split(x, y, config.n_validation)
    dtype = np.dtype(config.precision)
    sets = [np.ascontiguousarray(a, dtype=dtype) for a in (x_train, y_train, x_val, y_val, ds.x_test, ds.y_test)]
    return TrainingData(ds.name, ds.source, *sets, notes=list(ds.notes))
