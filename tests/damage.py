"""Damaged copies of good files, for the tests that every reader names a damaged file (exit 2) instead of failing
with a traceback: seeded bit flips and truncations, and a compressed HDF5 array's chunk overwritten."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


def flipped(good: bytes, seed: int, *, within: int | None = None, most: int = 40, truncate: bool = False) -> bytes:
    """``good`` with 1 to ``most`` - 1 bits flipped at random (seeded with ``seed``) in its first ``within`` bytes
    (anywhere by default: HDF5 keeps its object headers near the start, so a small ``within`` aims at them);
    ``truncate``: cut at a random length first."""
    rng = np.random.default_rng(seed)
    data = bytearray(good)
    if truncate:
        data = data[:int(rng.integers(len(data)))]
    for i in rng.integers(0, min(len(data), within or len(data)), size=rng.integers(1, most)):
        data[i] ^= 1 << int(rng.integers(8))
    return bytes(data)


def damage_chunk(path: Path, dataset: str) -> None:
    """Overwrite 64 bytes inside the first chunk of the compressed ``dataset`` (its inflate then fails), leaving the
    file's metadata whole: the file opens, and fails when that array is read."""
    with h5py.File(path, "r") as f:
        chunk = f[dataset].id.get_chunk_info(0)
    with Path(path).open("r+b") as raw:
        raw.seek(chunk.byte_offset + 10)
        raw.write(b"\xff" * 64)
