"""Data sets by name or by path: where they are looked for, how they are loaded, how they are split.

A spec given to `load_dataset` is one of
- a named set, `mnist` or `fashion-mnist`, looked for in `dataset_locations(name)`;
- a folder of IDX files (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
  `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`);
- an `.npz` with x_train, y_train, x_test, y_test;
- the course's `mnist_traindata.hdf5` (its test set is the sibling `mnist_testdata.hdf5`), or a
  folder holding them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backprop_tutor.data.formats import (
    COURSE_TEST_FILE,
    COURSE_TRAIN_FILE,
    IMAGE_PIXELS,
    NUM_CLASSES,
    LabelledImages,
    read_course_hdf5,
    read_idx,
    read_idx_pair,
    read_idx_shape,
    read_npz,
    write_course_hdf5,
)
from backprop_tutor.errors import DataError
from backprop_tutor.plural import count

DATA_ENV = "BACKPROP_TUTOR_DATA"
NAMED_SETS = ("mnist", "fashion-mnist")
DEBIAN_PATHS = {"fashion-mnist": Path("/usr/share/datasets/fashion-mnist")}

# The four IDX files of MNIST and Fashion-MNIST (same names, shapes and format), by role.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# How many images each split of the named sets has, to check a folder's content without hashes.
EXPECTED_COUNTS = {"train": 60_000, "test": 10_000}


@dataclass
class Dataset:
    """A training and a test set, as the network reads them.

    x_*: float32 (N, 784) in [0, 1]; y_*: float32 (N, 10) one-hot (or soft: probabilities summing to 1).
    A split the source does not have (e.g. a folder with only the t10k files) is empty, shaped (0, 784) /
    (0, 10), and a note says so. source: where it was loaded from; notes: what the readers found and did.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def has_train(self) -> bool:
        return self.x_train.shape[0] > 0

    @property
    def has_test(self) -> bool:
        return self.x_test.shape[0] > 0


def _empty_split() -> LabelledImages:
    return LabelledImages(
        x=np.zeros((0, IMAGE_PIXELS), np.float32),
        y=np.zeros((0, NUM_CLASSES), np.float32),
        source="",
        notes=[],
    )


# ---------------------------------------------------------------------------------------------------
# Where named sets live


def cache_root() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/backprop_tutor`: where downloads go unless told otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backprop_tutor"


def _check_name(name: str) -> None:
    if name not in NAMED_SETS:
        raise DataError(
            f"'{name}' is not a known data set name; known names are {', '.join(NAMED_SETS)}. "
            "Give a path instead for other data (an IDX folder, an .npz or a course HDF5 file)."
        )


def dataset_locations(name: str) -> list[Path]:
    """The folders a named set is looked for in, in order.

    `$BACKPROP_TUTOR_DATA/<name>/` (if the variable is set), the cache
    `${XDG_CACHE_HOME:-~/.cache}/backprop_tutor/<name>/`, and for fashion-mnist Debian's
    `/usr/share/datasets/fashion-mnist/` (package dataset-fashion-mnist).
    """
    _check_name(name)
    places = []
    if os.environ.get(DATA_ENV):
        places.append(Path(os.environ[DATA_ENV]).expanduser() / name)
    places.append(cache_root() / name)
    if name in DEBIAN_PATHS:
        places.append(DEBIAN_PATHS[name])
    return places


def idx_files_in(folder: Path) -> dict[str, Path]:
    """The IDX files present in `folder`, by role (train_images, …); gzipped or not, gzipped preferred."""
    found = {}
    for role, stem in IDX_FILES.items():
        for candidate in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
            if (folder / candidate).is_file():
                found[role] = folder / candidate
                break
    return found


def find_dataset(name: str) -> Path | None:
    """The first of `dataset_locations(name)` that holds all four IDX files, or None."""
    for place in dataset_locations(name):
        if place.is_dir() and len(idx_files_in(place)) == len(IDX_FILES):
            return place
    return None


def ways_to_get(name: str, download: bool = True) -> str:
    """One sentence on how to get a named set onto this machine (without `download`: the other ways)."""
    ways = [f"run `tutor data download {name}`"] if download else []
    if name in DEBIAN_PATHS:
        ways.append("install Debian's package (`apt-get install dataset-fashion-mnist`)")
    ways.append(f"set {DATA_ENV} to a folder holding {name}/ with the four IDX .gz files")
    ways.append("or pass a path (an IDX folder, an .npz or mnist_traindata.hdf5) instead of the name")
    return "; ".join(ways) + "."


@dataclass
class NamedSetStatus:
    """Whether a named set is on this machine: where, how many images, how many bytes on disk."""

    name: str
    folder: Path | None
    looked_in: list[Path]
    train_images: int = 0
    test_images: int = 0
    size_bytes: int = 0


def named_set_status(name: str) -> NamedSetStatus:
    """Where `name` is found and what its IDX headers announce (reads only the headers)."""
    folder = find_dataset(name)
    status = NamedSetStatus(name=name, folder=folder, looked_in=dataset_locations(name))
    if folder is not None:
        files = idx_files_in(folder)
        status.train_images = read_idx_shape(files["train_images"])[0]
        status.test_images = read_idx_shape(files["test_images"])[0]
        status.size_bytes = sum(p.stat().st_size for p in files.values())
    return status


# ---------------------------------------------------------------------------------------------------
# Loading


def _load_idx_folder(folder: Path, name: str, train_rows: int | None = None) -> Dataset:
    files = idx_files_in(folder)
    splits = {}
    notes = []
    for split in ("train", "test"):
        images, labels = files.get(f"{split}_images"), files.get(f"{split}_labels")
        if images and labels:
            splits[split] = read_idx_pair(images, labels, train_rows if split == "train" else None)
            notes += splits[split].notes
        elif images or labels:
            present = (images or labels).name  # type: ignore[union-attr]
            missing = IDX_FILES[f"{split}_labels" if images else f"{split}_images"]
            raise DataError(
                f"{folder}: has {present} but not its partner {missing}[.gz]; an IDX set needs the "
                "image file and the label file of each split."
            )
        else:
            splits[split] = _empty_split()
    if not files:
        raise DataError(
            f"{folder}: holds no IDX files and no {COURSE_TRAIN_FILE}; expected "
            f"{', '.join(s + '.gz' for s in IDX_FILES.values())} (gzipped or not), or the course's "
            f"{COURSE_TRAIN_FILE} and {COURSE_TEST_FILE}."
        )
    for split, label in (("train", "training"), ("test", "test")):
        if len(splits[split]) == 0:
            notes.append(f"no {label} files ({IDX_FILES[split + '_images']}) in {folder}: the {label} set is empty")
    class_weights = None  # with only the first train_rows read, the class check still reads every training label
    if train_rows is not None and len(splits["train"]):  # (class ids 0..9, checked as the pair was read)
        class_weights = np.bincount(read_idx(files["train_labels"]).astype(np.int64), minlength=NUM_CLASSES)
    return _dataset(name, splits["train"], splits["test"], str(folder), notes, class_weights)


def _course_pair(path: Path) -> tuple[Path, Path]:
    """The (training, test) file names that go with one course file, e.g. mnist_traindata/mnist_testdata."""
    if "testdata" in path.name:
        return path.with_name(path.name.replace("testdata", "traindata")), path
    return path, path.with_name(path.name.replace("traindata", "testdata"))


def _load_course(path: Path, name: str) -> Dataset:
    """Load a course HDF5 file and its sibling (the test file beside the training file, or the reverse).

    The file given must exist; its partner is loaded when present, else that split is empty with a note.
    """
    train_file, test_file = _course_pair(path)
    notes: list[str] = []
    splits = {}
    for split, file, label in (("train", train_file, "training"), ("test", test_file, "test")):
        if file == path or (file != path and file.is_file()):
            splits[split] = read_course_hdf5(file)
            notes += splits[split].notes
        else:
            splits[split] = _empty_split()
            notes.append(f"no {label} file {file.name} beside {path.name}: the {label} set is empty")
    source = " + ".join(str(f) for f in (train_file, test_file) if f == path or f.is_file())
    return _dataset(name, splits["train"], splits["test"], source, notes)


def _dataset(name: str, train: LabelledImages, test: LabelledImages, source: str, notes: list[str],
             class_weights: np.ndarray | None = None) -> Dataset:
    """The data set of ``train`` and ``test``; refused if every training image is of one class (judged on
    ``class_weights``, each class's total weight in the whole training file, when ``train`` holds only its
    first images)."""
    weights = train.y.sum(axis=0) if class_weights is None else class_weights
    n = len(train) if class_weights is None else int(class_weights.sum())
    present = np.flatnonzero(weights)  # classes with any weight (soft labels spread theirs)
    if len(present) == 1:  # a network would learn to answer that class for everything, at "100%"
        raise DataError(f"{train.source or source}: every one of the {n} training images is labelled "
                        f"class {int(present[0])}: a network trained on it learns to answer {int(present[0])} for "
                        "any image (100% training accuracy that means nothing). Use a training set with at "
                        f"least two of the {NUM_CLASSES} classes.")
    return Dataset(name, train.x, train.y, test.x, test.y, source=source, notes=notes)


def load_path(path: str | os.PathLike[str], train_rows: int | None = None) -> Dataset:
    """Load a data set from a path: an IDX folder, an `.npz`, a course HDF5 file or a folder of them
    (``train_rows``: as `load_dataset`)."""
    path = Path(path).expanduser()
    name = path.stem if path.is_file() else path.name
    if not path.exists():
        raise DataError(
            f"{path}: no such file or folder. Give a named set ({', '.join(NAMED_SETS)}), a folder of IDX "
            f"files, an .npz with x_train/y_train/x_test/y_test, or the course's {COURSE_TRAIN_FILE}."
        )
    if path.is_dir():
        for course_file in (COURSE_TRAIN_FILE, COURSE_TEST_FILE):
            if (path / course_file).is_file():
                return _first_rows(_load_course(path / course_file, path.name), train_rows)
        return _load_idx_folder(path, name, train_rows)
    if path.suffix == ".npz":
        train, test = read_npz(path)
        return _first_rows(_dataset(name, train, test, str(path), train.notes + test.notes), train_rows)
    if path.suffix in (".hdf5", ".h5", ".hdf"):
        return _first_rows(_load_course(path, name), train_rows)
    raise DataError(
        f"{path}: unknown kind of data file (suffix '{path.suffix}'); expected a folder of IDX files, "
        f"an .npz with x_train/y_train/x_test/y_test, or a course HDF5 file ({COURSE_TRAIN_FILE})."
    )


def load_named(name: str, train_rows: int | None = None) -> Dataset:
    """Load a named set from the first place it is found; DataError listing the places and ways if none
    (``train_rows``: as `load_dataset`)."""
    folder = find_dataset(name)
    if folder is None:
        places = "; ".join(str(p) for p in dataset_locations(name))
        raise DataError(
            f"data set '{name}' was not found: looked for its four IDX files in {places}. "
            f"To get it: {ways_to_get(name)}"
        )
    dataset = _load_idx_folder(folder, name, train_rows)
    dataset.notes.insert(0, f"{name} found in {folder}")
    return dataset


def load_dataset(spec: str, train_rows: int | None = None) -> Dataset:
    """Load a named set (`mnist`, `fashion-mnist`) or a path; see the module docstring for what paths can be.

    An existing path wins over a name, so a folder called `mnist` in the working folder is loaded as a path.
    ``train_rows``: only the first that many training images are kept (every image is still checked), for a
    run on a subset: an IDX file's others are then never turned into floats.
    """
    if spec in NAMED_SETS and not Path(spec).exists():
        return load_named(spec, train_rows)
    return load_path(spec, train_rows)


def _first_rows(dataset: Dataset, train_rows: int | None) -> Dataset:
    """``dataset`` with only its first ``train_rows`` training images (all if None)."""
    if train_rows is not None:
        dataset.x_train, dataset.y_train = dataset.x_train[:train_rows], dataset.y_train[:train_rows]
    return dataset


def train_validation_split(
    x: np.ndarray, y: np.ndarray, n_validation: int = 10_000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split off the last `n_validation` rows as a validation set: (x_train, y_train, x_val, y_val).

    Deterministic and without shuffling: the first N − n_validation rows train, the last n_validation
    validate (for MNIST's 60,000 training images: 50,000 + 10,000). Returns views, not copies.
    """
    n = x.shape[0]
    if y.shape[0] != n:
        raise DataError(f"cannot split: x has {count(n, 'row')} but y has {y.shape[0]}; they must pair up one to one.")
    if not 0 < n_validation < n:
        raise DataError(
            f"cannot hold out {n_validation} validation images from a training set of {n} (x shape "
            f"{x.shape}); n_validation must be at least 1 and less than {n}."
        )
    cut = n - n_validation
    return x[:cut], y[:cut], x[cut:], y[cut:]


def class_counts(y: np.ndarray) -> np.ndarray:
    """How many rows of labels `y` (N, 10) belong to each class (the most probable one, for soft labels),
    as int64 (10,)."""
    return np.bincount(y.argmax(axis=1), minlength=y.shape[1]).astype(np.int64) if len(y) else \
        np.zeros(y.shape[1], np.int64)


def convert_to_course(spec: str, out_dir: str | os.PathLike[str]) -> tuple[Dataset, list[Path]]:
    """Load `spec` (a name or path) and write it as the course's two HDF5 files in `out_dir`.

    Writes `mnist_traindata.hdf5` and `mnist_testdata.hdf5` (each only if that split is present),
    atomically; returns the data set and the files written.
    """
    dataset = load_dataset(spec)
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: is a file; --out must be a folder to write {COURSE_TRAIN_FILE} into.")
    written = []
    if dataset.has_train:
        written.append(write_course_hdf5(out / COURSE_TRAIN_FILE, dataset.x_train, dataset.y_train))
    if dataset.has_test:
        written.append(write_course_hdf5(out / COURSE_TEST_FILE, dataset.x_test, dataset.y_test))
    return dataset, written
