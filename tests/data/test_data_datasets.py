"""Named sets, paths, conversion to the course layout and the validation split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from data_helpers import write_idx, write_idx_set

from backprop_tutor.data import datasets
from backprop_tutor.data.datasets import (
    convert_to_course,
    dataset_locations,
    find_dataset,
    load_dataset,
    named_set_status,
    train_validation_split,
)
from backprop_tutor.errors import DataError


def test_full_fashion_mnist_loads_from_its_folder(fashion_dir: Path) -> None:
    data = load_dataset(str(fashion_dir))
    assert data.x_train.shape == (60000, 784) and data.y_train.shape == (60000, 10)
    assert data.x_test.shape == (10000, 784) and data.y_test.shape == (10000, 10)
    assert {a.dtype for a in (data.x_train, data.y_train, data.x_test, data.y_test)} == {np.dtype(np.float32)}
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert (data.y_train.sum(axis=0) == 6000).all() and (data.y_test.sum(axis=0) == 1000).all()
    assert len([n for n in data.notes if "divided by 255" in n]) == 2


def test_named_set_found_through_env_var(fashion_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "data"
    root.mkdir()
    (root / "fashion-mnist").symlink_to(fashion_dir, target_is_directory=True)
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(root))
    assert dataset_locations("fashion-mnist")[0] == root / "fashion-mnist"
    assert find_dataset("fashion-mnist") == root / "fashion-mnist"
    data = load_dataset("fashion-mnist")
    assert data.name == "fashion-mnist" and data.x_train.shape == (60000, 784)
    assert data.notes[0] == f"fashion-mnist found in {root / 'fashion-mnist'}"
    status = named_set_status("fashion-mnist")
    assert (status.train_images, status.test_images) == (60000, 10000)


def test_named_set_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert dataset_locations("fashion-mnist") == [
        tmp_path / "env" / "fashion-mnist",
        tmp_path / "xdg" / "backprop_tutor" / "fashion-mnist",
        datasets.DEBIAN_PATHS["fashion-mnist"],
    ]
    assert dataset_locations("mnist") == [tmp_path / "env" / "mnist", tmp_path / "xdg" / "backprop_tutor" / "mnist"]
    assert find_dataset("mnist") is None
    write_idx_set(tmp_path / "xdg" / "backprop_tutor" / "mnist")
    assert find_dataset("mnist") == tmp_path / "xdg" / "backprop_tutor" / "mnist"
    write_idx_set(tmp_path / "env" / "mnist")
    assert find_dataset("mnist") == tmp_path / "env" / "mnist"


def test_debian_folder_is_used_for_fashion_mnist(tmp_path: Path) -> None:
    debian = write_idx_set(datasets.DEBIAN_PATHS["fashion-mnist"])
    assert find_dataset("fashion-mnist") == debian
    assert load_dataset("fashion-mnist").x_train.shape == (12, 784)


def test_named_set_not_found_lists_places_and_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(tmp_path / "env"))
    with pytest.raises(DataError) as err:
        load_dataset("fashion-mnist")
    message = str(err.value)
    for place in dataset_locations("fashion-mnist"):
        assert str(place) in message
    for way in ("tutor data download fashion-mnist", "apt-get install dataset-fashion-mnist", "BACKPROP_TUTOR_DATA"):
        assert way in message
    with pytest.raises(DataError) as err:
        load_dataset("mnist")
    assert "apt-get" not in str(err.value) and "tutor data download mnist" in str(err.value)


def test_unknown_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no such file or folder.*mnist, fashion-mnist"):
        load_dataset(str(tmp_path / "missing"))


def test_folder_without_data(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=r"holds no IDX files and no mnist_traindata\.hdf5"):
        load_dataset(str(tmp_path))


def test_idx_folder_with_a_missing_partner(tmp_path: Path) -> None:
    folder = write_idx_set(tmp_path / "set")
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"has train-images-idx3-ubyte\.gz but not its partner train-labels"):
        load_dataset(str(folder))


def test_test_only_idx_folder_has_an_empty_training_set(mnist_t10k_dir: Path) -> None:
    data = load_dataset(str(mnist_t10k_dir))
    assert data.x_train.shape == (0, 784) and data.y_train.shape == (0, 10) and not data.has_train
    assert data.x_test.shape == (10000, 784) and data.has_test
    assert any("training set is empty" in n for n in data.notes)


def test_npz_path(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    x = np.zeros((4, 28, 28), np.uint8)
    np.savez(path, x_train=x, y_train=np.arange(4), x_test=x[:2], y_test=np.arange(2))
    data = load_dataset(str(path))
    assert data.name == "mnist" and data.x_train.shape == (4, 784) and data.x_test.shape == (2, 784)


def test_unknown_file_kind(tmp_path: Path) -> None:
    path = tmp_path / "images.csv"
    path.write_text("1,2,3")
    with pytest.raises(DataError, match=r"unknown kind of data file \(suffix '\.csv'\)"):
        load_dataset(str(path))


def test_convert_then_load_is_bit_identical(fashion_dir: Path, tmp_path: Path) -> None:
    original, written = convert_to_course(str(fashion_dir), tmp_path / "course")
    assert [p.name for p in written] == ["mnist_traindata.hdf5", "mnist_testdata.hdf5"]
    assert sorted(p.name for p in (tmp_path / "course").iterdir()) == ["mnist_testdata.hdf5", "mnist_traindata.hdf5"]
    for spec in (tmp_path / "course", tmp_path / "course" / "mnist_traindata.hdf5"):
        back = load_dataset(str(spec))
        for name in ("x_train", "y_train", "x_test", "y_test"):
            a, b = getattr(original, name), getattr(back, name)
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name


def test_a_subset_loads_the_first_training_images_as_a_whole_load_does(tmp_path: Path) -> None:
    """`train_rows` (a run on --subset) turns only the first images into floats: the same bits, labels, test
    set and notes as the whole set's first rows; the one-class check still reads the whole training file."""
    folder = write_idx_set(tmp_path / "idx", n_train=30)
    whole, part = load_dataset(str(folder)), load_dataset(str(folder), train_rows=7)
    assert part.x_train.shape == (7, 784) and part.y_train.shape == (7, 10)
    for a, b in ((part.x_train, whole.x_train[:7]), (part.y_train, whole.y_train[:7]), (part.x_test, whole.x_test),
                 (part.y_test, whole.y_test)):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert part.notes == whole.notes and "30 images" in " ".join(part.notes)
    assert load_dataset(str(folder), train_rows=100).x_train.shape[0] == 30  # asked for more: all there is
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.array([4] * 29 + [5], np.uint8))  # class 4 but the last
    assert load_dataset(str(folder), train_rows=3).y_train.argmax(axis=1).tolist() == [4, 4, 4]
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(30, 4, np.uint8))
    with pytest.raises(DataError, match=r"every one of the 30 training images is labelled class 4"):
        load_dataset(str(folder), train_rows=3)


def test_course_training_file_without_its_test_file(tmp_path: Path) -> None:
    write_idx_set(tmp_path / "idx")
    convert_to_course(str(tmp_path / "idx"), tmp_path / "course")
    (tmp_path / "course" / "mnist_testdata.hdf5").unlink()
    data = load_dataset(str(tmp_path / "course" / "mnist_traindata.hdf5"))
    assert data.x_train.shape == (12, 784) and not data.has_test
    assert any("no test file mnist_testdata.hdf5" in n for n in data.notes)


def test_convert_into_a_file_is_refused(tmp_path: Path) -> None:
    write_idx_set(tmp_path / "idx")
    (tmp_path / "out").write_text("")
    with pytest.raises(DataError, match=r"--out must be a folder"):
        convert_to_course(str(tmp_path / "idx"), tmp_path / "out")


def test_train_validation_split_takes_the_last_rows() -> None:
    x = np.arange(60).reshape(12, 5).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[np.arange(12) % 10]
    x_train, y_train, x_val, y_val = train_validation_split(x, y, n_validation=3)
    np.testing.assert_array_equal(x_train, x[:9])
    np.testing.assert_array_equal(y_train, y[:9])
    np.testing.assert_array_equal(x_val, x[9:])
    np.testing.assert_array_equal(y_val, y[9:])


def test_train_validation_split_default_on_60000_rows() -> None:
    x = np.zeros((60000, 1), np.float32)
    parts = train_validation_split(x, x)
    assert [p.shape[0] for p in parts] == [50000, 50000, 10000, 10000]


@pytest.mark.parametrize("n_validation", [12, 13, 0])
def test_train_validation_split_too_many(n_validation: int) -> None:
    x = np.zeros((12, 784), np.float32)
    with pytest.raises(DataError, match=rf"cannot hold out {n_validation} validation images from a training set of 12"):
        train_validation_split(x, x[:, :10], n_validation=n_validation)
