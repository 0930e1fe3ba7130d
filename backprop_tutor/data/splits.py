"""One split of a data set, and only that split: the training images without the test files, or the reverse.

`load_dataset` reads both splits of a source at once. A sweep must not open the test files before it has
chosen and retrained its configuration, and inference needs only the test images, so both read one split
here: the IDX pair, the course HDF5 file or the npz arrays of that split, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backprop_tutor.data.datasets import (
    IDX_FILES,
    NAMED_SETS,
    _course_pair,
    dataset_locations,
    find_dataset,
    idx_files_in,
    ways_to_get,
)
from backprop_tutor.data.formats import (
    COURSE_TEST_FILE,
    COURSE_TRAIN_FILE,
    NPZ_READ_ERRORS,
    LabelledImages,
    labelled_images,
    npz_problem,
    read_course_hdf5,
    read_idx_pair,
)
from backprop_tutor.errors import DataError
from backprop_tutor.plural import plural

SPLITS = ("train", "test")
_LABEL = {"train": "training", "test": "test"}
_IDX_PREFIX = {"train": "train", "test": "t10k"}


@dataclass
class Split(LabelledImages):
    """One split ("train" or "test") of the data set called ``name``."""

    name: str = ""
    split: str = "train"
    #: the files read (no output may replace one of them)
    files: tuple[Path, ...] = ()


def load_split(spec: str, split: str) -> Split:
    """Load the ``split`` ("train" or "test") of ``spec`` (a named set or a path, as `load_dataset` takes),
    opening only that split's files."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if spec in NAMED_SETS and not Path(spec).exists():
        folder = find_dataset(spec)
        if folder is None:
            places = "; ".join(str(p) for p in dataset_locations(spec))
            raise DataError(f"data set '{spec}' was not found: looked for its four IDX files in {places}. "
                            f"To get it: {ways_to_get(spec)}")
        found = _idx_split(folder, spec, split)
        found.notes.insert(0, f"{spec} found in {folder}")
        return found
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file or folder. Give a named set ({', '.join(NAMED_SETS)}), a folder "
                        f"of IDX files, an .npz with x_{split}/y_{split}, or a course HDF5 file.")
    if path.is_dir():
        course = path / (COURSE_TRAIN_FILE if split == "train" else COURSE_TEST_FILE)
        if (path / COURSE_TRAIN_FILE).is_file() or (path / COURSE_TEST_FILE).is_file():
            return _course_split(course, path.name, split)
        return _idx_split(path, path.name, split)
    if path.suffix == ".npz":
        return _npz_split(path, split)
    if path.suffix in (".hdf5", ".h5", ".hdf"):
        train_file, test_file = _course_pair(path)
        return _course_split(train_file if split == "train" else test_file, path.stem, split)
    raise DataError(f"{path}: unknown kind of data file (suffix '{path.suffix}'); expected a folder of IDX files, "
                    f"an .npz with x_{split}/y_{split}, or a course HDF5 file ({COURSE_TRAIN_FILE}).")


def _idx_split(folder: Path, name: str, split: str) -> Split:
    files = idx_files_in(folder)
    images, labels = files.get(f"{split}_images"), files.get(f"{split}_labels")
    if images is None or labels is None:
        raise DataError(f"{folder}: has no {_LABEL[split]} set: expected {IDX_FILES[f'{split}_images']}[.gz] and "
                        f"{IDX_FILES[f'{split}_labels']}[.gz] ({_IDX_PREFIX[split]}-… files) in it.")
    pair = read_idx_pair(images, labels)
    return Split(pair.x, pair.y, pair.source, list(pair.notes), name=name, split=split, files=(images, labels))


def _course_split(file: Path, name: str, split: str) -> Split:
    if not file.is_file():
        raise DataError(f"{file}: no such file; the {_LABEL[split]} set of the course's data is "
                        f"{COURSE_TRAIN_FILE if split == 'train' else COURSE_TEST_FILE} with xdata and ydata.")
    images = read_course_hdf5(file)
    return Split(images.x, images.y, images.source, list(images.notes), name=name, split=split, files=(file,))


def _npz_split(path: Path, split: str) -> Split:
    keys = (f"x_{split}", f"y_{split}")
    try:
        with np.load(path, allow_pickle=False) as archive:  # an NpzFile reads an array only when asked
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise DataError(f"{path}: has no {plural(len(missing), 'array')} {', '.join(missing)}; arrays present: "
                                f"{', '.join(sorted(archive.files)) or 'none'}.")
            raw_x, raw_y = archive[keys[0]], archive[keys[1]]
    except DataError:
        raise
    except NPZ_READ_ERRORS as err:
        raise DataError(f"{path}: cannot be read as an .npz archive of plain arrays ({npz_problem(path, err)}).") \
            from None
    images = labelled_images(raw_x, raw_y, str(path), *keys)
    return Split(images.x, images.y, images.source, list(images.notes), name=path.stem, split=split,
                 files=(path,))

