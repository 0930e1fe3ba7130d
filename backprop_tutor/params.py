"""Network parameters on disk: the course's `mnist_network_params.hdf5` layout.

Keys W1, b1, W2, b2, …; W(l) shaped (units out, units in), b(l) shaped (units out,).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import h5py
import numpy as np

from backprop_tutor.errors import DataError
from backprop_tutor.fileio import HDF5_READ_ERRORS, atomic_hdf5, describe_hdf5_error
from backprop_tutor.plural import count


def read_parameters(path: str | os.PathLike[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W(1), b(1)), (W(2), b(2)), …] from an HDF5 file with keys W1, b1, …; checked for shape."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give an HDF5 parameter file (keys W1, b1, W2, b2, …)")
    try:
        f = h5py.File(path, "r")
    except FileNotFoundError:
        raise DataError(f"{path}: no such parameter file") from None
    except OSError as err:
        kind = "not an HDF5 file" if path.is_file() and not h5py.is_hdf5(path) else "cannot be read"
        raise DataError(f"{path}: {kind} ({describe_hdf5_error(err)})") from None
    with f:
        try:
            return _layers(f, path)
        except HDF5_READ_ERRORS as err:
            raise DataError(f"{path}: cannot be read ({describe_hdf5_error(err)}); it may be truncated or damaged: "
                            "copy or download it again") from None


def _layers(f: h5py.File, path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (W(l), b(l)) of an open parameter file, checked for shape."""
    layers = []
    l = 1
    while f"W{l}" in f:
        if f"b{l}" not in f:
            raise DataError(f"{path}: has W{l} but no b{l}; keys present: {', '.join(sorted(f.keys()))}")
        W, b = _numbers(f, f"W{l}", path), _numbers(f, f"b{l}", path)
        b = b.reshape(-1) if b.ndim == 2 and 1 in b.shape else b
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise DataError(f"{path}: W{l} is {'×'.join(map(str, W.shape))} and b{l} is "
                            f"{'×'.join(map(str, b.shape))}; W(l) must be (units out, units in) "
                            "and b(l) (units out,)")
        if layers and layers[-1][0].shape[0] != W.shape[1]:
            raise DataError(f"{path}: W{l} is {W.shape[0]}×{W.shape[1]} but layer {l - 1} has "
                            f"{count(layers[-1][0].shape[0], 'unit')}, so W{l} needs "
                            f"{count(layers[-1][0].shape[0], 'column')}")
        layers.append((W, b))
        l += 1
    if not layers:
        raise DataError(f"{path}: no W1/b1 found; keys present: {', '.join(sorted(f.keys())) or 'none'} "
                        "(expected W1, b1, W2, b2, … as in mnist_network_params.hdf5)")
    beyond = sorted(k for k in f.keys() if re.fullmatch(r"[Wb]\d+", k) and int(k[1:]) > len(layers))
    if beyond:
        raise DataError(f"{path}: has {', '.join(beyond)} but no W{len(layers) + 1}, b{len(layers) + 1}: the "
                        f"layers must be numbered W1, b1, W2, b2, … without a gap (found W1 to W{len(layers)})")
    return layers


def _numbers(f: h5py.File, key: str, path: Path) -> np.ndarray:
    """The array ``key`` as float64, or a DataError naming it: text, a group or damaged data are not weights."""
    ds = f[key]
    if not isinstance(ds, h5py.Dataset):
        raise DataError(f"{path}: {key} is a group, not an array of numbers")
    if ds.dtype.kind not in "fiub":
        held = "text" if h5py.check_string_dtype(ds.dtype) else f"{ds.dtype} values"
        raise DataError(f"{path}: {key} ({'×'.join(map(str, ds.shape)) or 'a scalar'}) holds {held}, not numbers; "
                        "weights and biases must be numbers")
    try:
        return np.asarray(ds[()], dtype=np.float64)
    except (OSError, ValueError, TypeError) as err:
        raise DataError(f"{path}: {key} cannot be read ({describe_hdf5_error(err)}); the file may be damaged") \
            from None


def write_parameters(path: str | os.PathLike[str], params: dict[str, np.ndarray]) -> Path:
    """Write {"W1": …, "b1": …} atomically (temporary file, renamed when complete)."""
    with atomic_hdf5(path) as f:
        for key, value in params.items():
            f.create_dataset(key, data=np.asarray(value, dtype=np.float64))
    return Path(path)
