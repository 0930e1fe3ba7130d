"""Readers and a writer for the image files the course uses: course HDF5, IDX (gzipped or not), npz.

Every reader returns `LabelledImages`: x float32 (N, 784) with pixels in [0, 1] and y float32 (N, 10)
one-hot, one row per image. The homework forbids preprocessing beyond that, so the only change ever
made to pixels is the scale: floats already in [0, 1] are kept as they are, 8-bit pixels (0..255) are
divided by 255. What was found and what was done is written to `notes` so the CLI can show it.

Anything unusable raises `DataError` with one paragraph naming the file, the field, what was found
and what would be valid.
"""

from __future__ import annotations

import gzip
import math
import os
import tokenize
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from backprop_tutor.errors import DataError
from backprop_tutor.fileio import HDF5_READ_ERRORS, atomic_hdf5, describe_hdf5_error
from backprop_tutor.plural import count, plural

IMAGE_SIDE = 28
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE
NUM_CLASSES = 10

COURSE_X_KEY = "xdata"
COURSE_Y_KEY = "ydata"
COURSE_TRAIN_FILE = "mnist_traindata.hdf5"
COURSE_TEST_FILE = "mnist_testdata.hdf5"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

# IDX type codes (third byte of the magic number) and the big-endian numpy type each one stores.
_IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class LabelledImages:
    """Images and their labels, ready for the network.

    x: float32 (N, 784), pixels in [0, 1], row i is image i flattened row by row.
    y: float32 (N, 10), one-hot (or soft: probabilities summing to 1), row i is the label of image i.
    source: where they came from (file names), for messages.
    notes: what the reader found and did (pixel scale, dtype), one sentence each.
    """

    x: np.ndarray
    y: np.ndarray
    source: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.x.shape[0])


# ---------------------------------------------------------------------------------------------------
# Shared checks: pixels and labels


def _first_row(mask: np.ndarray) -> int:
    """The first row (axis 0) where `mask` has a True, for messages."""
    rows = mask.reshape(mask.shape[0], -1).any(axis=1) if mask.ndim > 1 else mask
    return int(np.argmax(rows))


def images_to_unit_floats(raw: np.ndarray, source: str, field_name: str,
                          rows: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Turn pixels as stored into float32 (N, 784) in [0, 1]; return them and a note on the scale.

    Accepts (N, 784) or (N, 28, 28). Floats must already be in [0, 1] and are kept as they are
    (only cast to float32); 8-bit (or other integer) pixels in 0..255 are divided by 255. ``rows``: only the
    first that many images are returned (all are checked, and the note counts them all); converting MNIST's
    60,000 training images costs ~0.3 s of CPU, mostly for the 188 MB it fills.
    """
    if raw.ndim == 3 and raw.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        raw = raw.reshape(raw.shape[0], IMAGE_PIXELS)
    if raw.ndim != 2 or raw.shape[1] != IMAGE_PIXELS:
        raise DataError(
            f"{source}: '{field_name}' has shape {raw.shape}, but images must be shaped "
            f"(N, {IMAGE_PIXELS}) or (N, {IMAGE_SIDE}, {IMAGE_SIDE}): one row of {IMAGE_PIXELS} "
            f"grey pixels per {IMAGE_SIDE}×{IMAGE_SIDE} image."
        )
    n = raw.shape[0]
    if np.issubdtype(raw.dtype, np.floating):
        # min and max are NaN or infinite exactly when a pixel is: one pass over the images, and only a bad
        # file pays for the mask (a 47 MB one for MNIST's training set)
        low, high = (float(raw.min()), float(raw.max())) if raw.size else (0.0, 0.0)
        if not (math.isfinite(low) and math.isfinite(high)):
            bad = ~np.isfinite(raw)
            raise DataError(
                f"{source}: '{field_name}' (shape {raw.shape}) holds {int(bad.sum())} NaN or infinite "
                f"pixel {plural(int(bad.sum()), 'value')}, the first in row {_first_row(bad)}; every pixel must "
                "be a finite "
                "number in [0, 1]."
            )
        if low < 0.0 or high > 1.0:
            outside = (raw < 0.0) | (raw > 1.0)
            raise DataError(
                f"{source}: '{field_name}' (shape {raw.shape}, {raw.dtype}) has float pixels from {low:g} "
                f"to {high:g}, {int(outside.sum())} of them outside [0, 1], the first in row "
                f"{_first_row(outside)}. Float pixels must already be in [0, 1]; 8-bit pixels (0..255) "
                "must be stored as integers (uint8) so they can be divided by 255 on load."
            )
        note = f"{field_name}: {count(n, 'image')}, {raw.dtype} pixels already in [0, 1] (min {low:g}, max {high:g}): "
        note += "kept as they are" if raw.dtype == np.float32 else "kept as they are, stored as float32"
        return np.ascontiguousarray(raw[:rows], dtype=np.float32), [note]
    if np.issubdtype(raw.dtype, np.integer):
        low, high = (int(raw.min()), int(raw.max())) if raw.size else (0, 0)
        if low < 0 or high > 255:
            outside = (raw < 0) | (raw > 255)
            raise DataError(
                f"{source}: '{field_name}' (shape {raw.shape}, {raw.dtype}) has integer pixels from {low} "
                f"to {high}, the first outside 0..255 in row {_first_row(outside)}; integer pixels must "
                "be 8-bit grey levels 0..255."
            )
        if high == 1:
            raise DataError(
                f"{source}: '{field_name}' (shape {raw.shape}, {raw.dtype}) has integer pixels that are all 0 or 1: "
                "binarised images. Integer pixels are 8-bit grey levels divided by 255, so these would be almost "
                "black (at most 1/255 = 0.004). Store them as floats 0.0/1.0 (kept as they are) or as 0/255."
            )
        x = raw[:rows].astype(np.float32)
        x /= np.float32(255.0)
        note = (f"{field_name}: {count(n, 'image')}, {raw.dtype} pixels 0..255 (max {high}): divided by 255 to get "
                "[0, 1]")
        return x, [note]
    raise DataError(
        f"{source}: '{field_name}' has pixels of type {raw.dtype} (shape {raw.shape}); pixels must be "
        "floats in [0, 1] or 8-bit integers 0..255."
    )


def labels_to_one_hot(raw: np.ndarray, source: str, field_name: str) -> np.ndarray:
    """Turn labels as stored into float32 (N, 10) one-hot rows.

    Accepts class ids (N,) or (N, 1) as integers 0..9, or rows (N, 10) of values ≥ 0 summing to 1:
    one-hot (0s and a single 1) or soft labels, kept as they are.
    """
    if raw.ndim == 2 and raw.shape[1] == 1 and np.issubdtype(raw.dtype, np.integer):
        raw = raw[:, 0]
    if raw.ndim == 1:
        if not np.issubdtype(raw.dtype, np.integer):
            raise DataError(
                f"{source}: '{field_name}' is a vector of {raw.dtype} (shape {raw.shape}); labels given "
                f"as one number per image must be integer class ids 0..{NUM_CLASSES - 1}, otherwise "
                f"give one-hot rows shaped (N, {NUM_CLASSES})."
            )
        bad = (raw < 0) | (raw >= NUM_CLASSES)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{source}: '{field_name}' (shape {raw.shape}) has class id {int(raw[row])} in row {row}; "
                f"class ids must be 0..{NUM_CLASSES - 1}."
            )
        y = np.zeros((raw.shape[0], NUM_CLASSES), dtype=np.float32)
        y[np.arange(raw.shape[0]), raw] = 1.0
        return y
    if raw.ndim != 2 or raw.shape[1] != NUM_CLASSES:
        raise DataError(
            f"{source}: '{field_name}' has shape {raw.shape}; labels must be one-hot rows shaped "
            f"(N, {NUM_CLASSES}) or integer class ids shaped (N,)."
        )
    if not (np.issubdtype(raw.dtype, np.floating) or np.issubdtype(raw.dtype, np.integer)):
        raise DataError(
            f"{source}: '{field_name}' holds {raw.dtype} values (shape {raw.shape}); one-hot labels must "
            "be numbers, 0 or 1."
        )
    # one-hot rows, or soft labels (probabilities summing to 1): δ(L) = a − y holds for either
    with np.errstate(all="ignore"):
        bad_rows = ~np.isfinite(raw).all(axis=1) | (raw < 0).any(axis=1) | \
            (np.abs(raw.sum(axis=1, dtype=np.float64) - 1) > 1e-4)
    if bad_rows.any():
        row = int(np.argmax(bad_rows))
        values = np.array2string(np.asarray(raw[row]), separator=", ", precision=4)
        raise DataError(
            f"{source}: '{field_name}' (shape {raw.shape}) has labels that are not probabilities: row {row} is "
            f"{values} ({count(int(bad_rows.sum()), 'such row')}); every row must be {NUM_CLASSES} values ≥ 0 summing "
            "to 1: one-hot (a single 1 at the class index) or soft labels."
        )
    return np.ascontiguousarray(raw, dtype=np.float32)


def check_same_length(x: np.ndarray, y: np.ndarray, source: str, x_name: str, y_name: str) -> None:
    """Images and labels must pair up one to one."""
    if x.shape[0] != y.shape[0]:
        raise DataError(
            f"{source}: '{x_name}' has {count(x.shape[0], 'image')} (shape {x.shape}) but '{y_name}' has "
            f"{count(y.shape[0], 'label')} (shape {y.shape}); there must be exactly one label per image."
        )


def labelled_images(raw_x: np.ndarray, raw_y: np.ndarray, source: str, x_name: str, y_name: str,
                    rows: int | None = None) -> LabelledImages:
    """Validate stored images and labels and turn them into `LabelledImages` (the first ``rows`` of them)."""
    check_same_length(raw_x, raw_y, source, x_name, y_name)
    x, notes = images_to_unit_floats(raw_x, source, x_name, rows)
    y = labels_to_one_hot(raw_y, source, y_name)[:rows]
    return LabelledImages(x=x, y=y, source=source, notes=notes)


def _require_file(path: Path, what: str) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file; expected {what} here.")
    if not path.is_file():
        raise DataError(f"{path}: is a folder, not a file; expected {what} here.")


# ---------------------------------------------------------------------------------------------------
# Course HDF5


def read_course_hdf5(path: str | os.PathLike[str]) -> LabelledImages:
    """Read a course file such as `mnist_traindata.hdf5`: datasets `xdata` (N, 784) and `ydata` (N, 10)."""
    path = Path(path)
    what = (
        f"a course HDF5 file with datasets '{COURSE_X_KEY}' (N, {IMAGE_PIXELS}) and '{COURSE_Y_KEY}' (N, {NUM_CLASSES})"
    )
    _require_file(path, what)
    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: is not an HDF5 file (its first bytes are not an HDF5 signature); expected {what}.")
    try:
        with h5py.File(path, "r") as f:
            present = sorted(f.keys())
            arrays = {}
            for key in (COURSE_X_KEY, COURSE_Y_KEY):
                if key not in f:
                    raise DataError(
                        f"{path}: has no dataset '{key}'; keys present: {present or 'none'}. Expected {what}."
                    )
                node = f[key]
                if not isinstance(node, h5py.Dataset):
                    raise DataError(f"{path}: '{key}' is a group, not a dataset; expected {what}.")
                arrays[key] = node[()]
    except HDF5_READ_ERRORS as err:
        raise DataError(f"{path}: the HDF5 file cannot be read ({describe_hdf5_error(err)}); it may be truncated, "
                        "corrupt, or being written by another program.") from None
    images = labelled_images(arrays[COURSE_X_KEY], arrays[COURSE_Y_KEY], str(path), COURSE_X_KEY, COURSE_Y_KEY)
    images.notes = [f"{path.name} {note}" for note in images.notes]
    return images


def write_course_hdf5(path: str | os.PathLike[str], x: np.ndarray, y: np.ndarray) -> Path:
    """Write `x` (N, 784) in [0, 1] and `y` (N, 10) one-hot in the course layout, atomically.

    The file has exactly two datasets, `xdata` and `ydata`, stored as float32: every reader here
    (and h5py/numpy in the homework) accepts float32 or float64, and float32 keeps the files half
    the size while the values read back bit for bit as loaded. The file is written to a temporary
    name in the same folder and renamed into place, so a crash never leaves a half-written file.
    """
    path = Path(path)
    checked = labelled_images(np.asarray(x), np.asarray(y), str(path), COURSE_X_KEY, COURSE_Y_KEY)
    with atomic_hdf5(path) as f:
        f.create_dataset(COURSE_X_KEY, data=checked.x, dtype=np.float32)
        f.create_dataset(COURSE_Y_KEY, data=checked.y, dtype=np.float32)
    return path


# ---------------------------------------------------------------------------------------------------
# IDX


def _read_maybe_gzip(path: Path) -> bytes:
    """The file's bytes, decompressed if it is gzip (told by its magic bytes, not its name)."""
    data = path.read_bytes()
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except EOFError as err:
        raise DataError(
            f"{path}: the gzip stream ends early ({len(data)} bytes on disk): the file is truncated, "
            "probably an interrupted download. Delete it and download it again."
        ) from err
    except (OSError, zlib.error) as err:
        raise DataError(
            f"{path}: is not a valid gzip file ({err}); it is corrupt. Delete it and download it again."
        ) from err


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a numpy array shaped by its header.

    The header is a magic number (two zero bytes, a type code, the number of dimensions) followed by
    one big-endian uint32 per dimension; the values follow in C order.
    """
    path = Path(path)
    _require_file(path, "an IDX file (e.g. train-images-idx3-ubyte.gz)")
    data = _read_maybe_gzip(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        magic = data[:4].hex(" ") if data else "nothing (empty file)"
        raise DataError(
            f"{path}: is not an IDX file: its magic number is {magic}, but an IDX file starts with "
            "00 00, a type code (08 for unsigned bytes) and the number of dimensions "
            "(00 00 08 03 for images, 00 00 08 01 for labels)."
        )
    dtype = _IDX_TYPES[data[2]]
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{path}: the IDX header announces {count(ndim, 'dimension')} but the file ends after {len(data)} "
            "bytes, before the dimension sizes: the file is truncated."
        )
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = header_size + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        state = "is truncated" if len(data) < expected else "has extra bytes at the end"
        raise DataError(
            f"{path}: the IDX header says shape {dims} of {dtype.newbyteorder('=')}, which needs "
            f"{expected} bytes of IDX data, but there are {len(data)}: the file {state}. Delete it and "
            "download it again."
        )
    return np.frombuffer(data, dtype=dtype, offset=header_size).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx_shape(path: str | os.PathLike[str]) -> tuple[int, ...]:
    """The shape an IDX file's header announces, reading only the header (cheap even for large files)."""
    path = Path(path)
    _require_file(path, "an IDX file")
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_TYPES:
                raise DataError(f"{path}: is not an IDX file (magic number {head.hex(' ') or 'missing'}).")
            dims = f.read(4 * head[3])
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: cannot be read as gzip ({err}); it is corrupt or truncated.") from err
    if len(dims) < 4 * head[3]:
        raise DataError(f"{path}: the IDX header ends early: the file is truncated.")
    return tuple(int(d) for d in np.frombuffer(dims, dtype=">u4"))


def read_idx_pair(images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str],
                  rows: int | None = None) -> LabelledImages:
    """Read an IDX image file (N, 28, 28) and its IDX label file (N,) into `LabelledImages` (the first ``rows``
    images; all are checked)."""
    images_path, labels_path = Path(images_path), Path(labels_path)
    images = read_idx(images_path)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{images_path}: the IDX images have shape {images.shape}; expected (N, {IMAGE_SIDE}, "
            f"{IMAGE_SIDE}) (an idx3-ubyte image file). Is this a label file?"
        )
    labels = read_idx(labels_path)
    if labels.ndim != 1:
        raise DataError(
            f"{labels_path}: the IDX labels have shape {labels.shape}; expected (N,) (an idx1-ubyte "
            "label file). Is this an image file?"
        )
    source = f"{images_path} + {labels_path.name}"
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{source}: the image file holds {count(images.shape[0], 'image')} (shape {images.shape}) but the "
            f"label file holds {count(labels.shape[0], 'label')} (shape {labels.shape}); they must pair up one "
            "to one. Are they from the same set (train / t10k)?"
        )
    return labelled_images(images, labels, source, images_path.name, labels_path.name, rows)


# ---------------------------------------------------------------------------------------------------
# npz


#: what numpy raises for a damaged .npz: a bad zip, a truncated member, or an array header it cannot parse (a
#: damaged header reaches the tokenizer: TokenError, or SyntaxError)
NPZ_READ_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, ValueError, OSError, EOFError, tokenize.TokenError,
                                                SyntaxError)


def npz_problem(path: Path, err: BaseException) -> str:
    """Why numpy could not read ``path`` as an .npz, in words: numpy's own message for a file that is not a zip
    archive at all is about pickles and allow_pickle, which is neither the cause nor a safe way out."""
    if path.is_file() and not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(64)
        text = head and all(32 <= c < 127 or c in b"\t\r\n" for c in head)
        return ("it is a text file, not a zip archive of .npy arrays" if text else
                f"it is not a zip archive of .npy arrays (its first bytes are {head[:8]!r})")
    if "pickle" in str(err):
        return ("it holds an array of Python objects (pickled), which is never loaded, being able to run code; "
                "save plain numeric arrays")
    if isinstance(err, tokenize.TokenError | SyntaxError):
        return "an array's header is damaged"
    return str(err)


def read_npz(path: str | os.PathLike[str]) -> tuple[LabelledImages, LabelledImages]:
    """Read an `.npz` with x_train, y_train, x_test, y_test; return (training, test).

    Images (N, 784) or (N, 28, 28), uint8 0..255 or floats in [0, 1]; labels integer class ids (N,)
    or one-hot (N, 10). This is the layout of Keras' `mnist.npz`.
    """
    path = Path(path)
    _require_file(path, f"an .npz archive with arrays {', '.join(NPZ_KEYS)}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            present = sorted(archive.files)
            missing = [k for k in NPZ_KEYS if k not in archive.files]
            if missing:
                raise DataError(
                    f"{path}: has no {plural(len(missing), 'array')} {', '.join(missing)}; arrays present: "
                    f"{', '.join(present) or 'none'}. Expected {', '.join(NPZ_KEYS)} (images (N, 784) or "
                    "(N, 28, 28); labels class ids (N,) or one-hot (N, 10))."
                )
            arrays = {k: archive[k] for k in NPZ_KEYS}
    except DataError:
        raise
    except NPZ_READ_ERRORS as err:
        raise DataError(
            f"{path}: cannot be read as an .npz archive of plain arrays ({npz_problem(path, err)}); expected a "
            f"file saved with numpy.savez holding {', '.join(NPZ_KEYS)}."
        ) from None
    train = labelled_images(arrays["x_train"], arrays["y_train"], str(path), "x_train", "y_train")
    test = labelled_images(arrays["x_test"], arrays["y_test"], str(path), "x_test", "y_test")
    return train, test
