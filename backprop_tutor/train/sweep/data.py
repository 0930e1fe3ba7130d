"""The images a sweep reads: the training split for the runs (loaded once per process), and the test split
behind `SealedTestSet`, which stays closed until the chosen configuration is retrained."""

from __future__ import annotations

import functools

import numpy as np

from backprop_tutor.data.datasets import train_validation_split
from backprop_tutor.data.splits import Split, load_split
from backprop_tutor.errors import TutorError
from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.training_data import TrainingData


class SealedTestSetError(TutorError):
    """The test images were asked for before the configuration was chosen and retrained."""


# --- data: the training images for the runs, the test images only when unsealed ---------------------
@functools.lru_cache(maxsize=1)
def training_split(spec: str) -> Split:
    """The training images of ``spec``, loaded once per process (a pool's tasks share them)."""
    return load_split(spec, "train")


def training_data(config: TrainConfig, *, merged: bool = False) -> TrainingData:
    """The data a run of ``config`` trains on: the first images (``subset``) split into training and the last
    ``n_validation`` for validation, no test images. ``merged``: training on all of them (the final run; its
    "validation" figures are then on images it trained on). The runs of one process that share these settings
    share one `TrainingData` (only read), so its fingerprint is computed once (~0.1 s a run)."""
    return _training_data(config.data, config.subset, config.n_validation, config.precision, merged)


@functools.lru_cache(maxsize=2)
def _training_data(spec: str, subset: int | None, n_validation: int, precision: str, merged: bool) -> TrainingData:
    split = training_split(spec)
    x, y = split.x[:subset], split.y[:subset]  # (check_sizes made sure the subset is there)
    x_train, y_train, x_val, y_val = train_validation_split(x, y, n_validation)
    if merged:
        x_train, y_train = x, y
    dtype = np.dtype(precision)
    none = np.zeros((0, x.shape[1]), dtype), np.zeros((0, y.shape[1]), dtype)
    sets = [np.ascontiguousarray(a, dtype=dtype) for a in (x_train, y_train, x_val, y_val)]
    return TrainingData(split.name, split.source, *sets, *none, notes=list(split.notes))


def forget_loaded_data() -> None:
    """Load the images again at next use (a new sweep session: the files may have changed)."""
    training_split.cache_clear()
    _training_data.cache_clear()


class SealedTestSet:
    """The test split of a data set, which stays closed until ``unseal`` (after the choice is retrained):
    choosing or tuning with test figures would make the final test accuracy an optimistic estimate."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.sealed = True

    def unseal(self) -> None:
        self.sealed = False

    def load(self) -> Split:
        if self.sealed:
            raise SealedTestSetError(f"the test images of {self.spec} are opened only after the configuration "
                                     "is chosen on validation accuracy and retrained")
        return load_split(self.spec, "test")
