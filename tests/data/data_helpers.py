"""Small builders for data files used by the tests (kept tiny: a few images each)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file's bytes: magic (00 00 type ndim), big-endian uint32 dims, big-endian values."""
    dtype = {0x08: ">u1", 0x0D: ">f4"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.asarray(array, dtype=dtype).tobytes()


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    """Write `array` (uint8) as an IDX file, gzipped unless `compress` is False."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_idx_set(folder: Path, n_train: int = 12, n_test: int = 5, seed: int = 0) -> Path:
    """A small, valid IDX set (random uint8 images, labels cycling 0..9) in `folder`."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{stem}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder
