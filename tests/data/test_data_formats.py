"""The three readers (course HDF5, IDX, npz) and the course writer: real data and every bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import h5py
import numpy as np
import pytest
from damage import flipped
from data_helpers import idx_bytes, write_idx

from backprop_tutor.data.formats import (
    read_course_hdf5,
    read_idx,
    read_idx_pair,
    read_idx_shape,
    read_npz,
    write_course_hdf5,
)
from backprop_tutor.errors import DataError


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[labels]


def _course_file(path: Path, x: np.ndarray, y: np.ndarray, **extra: np.ndarray) -> Path:
    with h5py.File(path, "w") as f:
        f["xdata"] = x
        f["ydata"] = y
        for key, value in extra.items():
            f[key] = value
    return path


def _good_xy(n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.random((n, 784)), _one_hot(np.arange(n) % 10)


# --- real data ------------------------------------------------------------------------------------


def test_idx_pair_reads_real_mnist_t10k(mnist_t10k_dir: Path) -> None:
    images = mnist_t10k_dir / "t10k-images-idx3-ubyte.gz"
    raw = read_idx(images)
    assert raw.shape == (10000, 28, 28) and raw.dtype == np.uint8
    data = read_idx_pair(images, mnist_t10k_dir / "t10k-labels-idx1-ubyte.gz")
    assert data.x.shape == (10000, 784) and data.x.dtype == np.float32
    assert data.y.shape == (10000, 10) and data.y.dtype == np.float32
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    np.testing.assert_array_equal(data.x, raw.reshape(10000, 784).astype(np.float32) / np.float32(255))
    assert (data.y.sum(axis=1) == 1).all()
    # The official MNIST test set's class counts.
    assert data.y.sum(axis=0).astype(int).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert any("divided by 255" in note for note in data.notes)


def test_idx_shape_reads_only_the_header(fashion_dir: Path) -> None:
    assert read_idx_shape(fashion_dir / "train-images-idx3-ubyte.gz") == (60000, 28, 28)
    assert read_idx_shape(fashion_dir / "t10k-labels-idx1-ubyte.gz") == (10000,)


def test_course_hdf5_written_from_real_data_reads_back_bit_identical(mnist_t10k_dir: Path, tmp_path: Path) -> None:
    data = read_idx_pair(mnist_t10k_dir / "t10k-images-idx3-ubyte.gz", mnist_t10k_dir / "t10k-labels-idx1-ubyte.gz")
    path = write_course_hdf5(tmp_path / "mnist_testdata.hdf5", data.x, data.y)
    with h5py.File(path, "r") as f:
        assert sorted(f.keys()) == ["xdata", "ydata"]
        assert f["xdata"].shape == (10000, 784) and f["ydata"].shape == (10000, 10)
    back = read_course_hdf5(path)
    assert back.x.tobytes() == data.x.tobytes() and back.y.tobytes() == data.y.tobytes()
    assert any("kept as they are" in note for note in back.notes)
    assert [p.name for p in tmp_path.iterdir()] == ["mnist_testdata.hdf5"]  # no temp file left


# --- course HDF5 ----------------------------------------------------------------------------------


def test_course_hdf5_float64_is_kept_as_is_in_float32(tmp_path: Path) -> None:
    x, y = _good_xy()
    data = read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y.astype(np.float64)))
    np.testing.assert_array_equal(data.x, x.astype(np.float32))
    assert "float64 pixels already in [0, 1]" in data.notes[0] and "stored as float32" in data.notes[0]


def test_course_hdf5_missing_key_lists_keys_present(tmp_path: Path) -> None:
    path = tmp_path / "c.hdf5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((2, 784))
        f["ydata"] = np.zeros((2, 10))
    with pytest.raises(DataError, match=r"no dataset 'xdata'.*keys present: \['images', 'ydata'\]") as err:
        read_course_hdf5(path)
    assert str(path) in str(err.value)


def test_course_hdf5_wrong_x_shape(tmp_path: Path) -> None:
    x, y = _good_xy()
    with pytest.raises(DataError, match=r"'xdata' has shape \(6, 100\).*\(N, 784\)"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x[:, :100], y))


def test_course_hdf5_length_mismatch(tmp_path: Path) -> None:
    x, y = _good_xy()
    with pytest.raises(DataError, match=r"'xdata' has 6 images.*'ydata' has 5 labels"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y[:5]))


def test_course_hdf5_labels_not_one_hot_names_the_row(tmp_path: Path) -> None:
    x, y = _good_xy()
    y[3, 7] = 1.0  # row 3 now has two 1s
    with pytest.raises(DataError, match=r"not probabilities: row 3 is .* summing to 1: one-hot .* or soft"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y))
    y[3] = 0.5
    with pytest.raises(DataError, match=r"row 3"):
        read_course_hdf5(_course_file(tmp_path / "c2.hdf5", x, y))


def test_course_hdf5_nan_and_inf_are_counted(tmp_path: Path) -> None:
    x, y = _good_xy()
    x[2, 5] = np.nan
    x[4, 0] = np.inf
    with pytest.raises(DataError, match=r"2 NaN or infinite pixel values, the first in row 2"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y))


def test_course_hdf5_float_pixels_outside_unit_range(tmp_path: Path) -> None:
    x, y = _good_xy()
    x[1] *= 255.0
    with pytest.raises(DataError, match=r"outside \[0, 1\], the first in row 1.*uint8"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y))


def test_course_hdf5_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.hdf5: no such file"):
        read_course_hdf5(tmp_path / "nope.hdf5")


def test_not_an_hdf5_file(tmp_path: Path) -> None:
    path = tmp_path / "mnist_traindata.hdf5"
    path.write_text("xdata,ydata\n1,2\n")
    with pytest.raises(DataError, match=r"is not an HDF5 file"):
        read_course_hdf5(path)


def test_write_course_hdf5_refuses_bad_data_and_leaves_nothing(tmp_path: Path) -> None:
    x, y = _good_xy()
    with pytest.raises(DataError, match="one label per image"):
        write_course_hdf5(tmp_path / "out.hdf5", x, y[:2])
    assert list(tmp_path.iterdir()) == []


# --- IDX ------------------------------------------------------------------------------------------


def test_idx_uncompressed_and_gzipped_read_the_same(tmp_path: Path) -> None:
    images = np.arange(3 * 28 * 28, dtype=np.uint64).reshape(3, 28, 28).astype(np.uint8)
    plain = read_idx(write_idx(tmp_path / "a-idx3-ubyte", images, compress=False))
    packed = read_idx(write_idx(tmp_path / "a-idx3-ubyte.gz", images))
    np.testing.assert_array_equal(plain, images)
    np.testing.assert_array_equal(packed, images)


def test_idx_float_type_code_is_read_big_endian(tmp_path: Path) -> None:
    values = np.array([0.5, 0.25, 1.0], dtype=np.float32)
    path = tmp_path / "f.idx"
    path.write_bytes(idx_bytes(values, type_code=0x0D))
    np.testing.assert_array_equal(read_idx(path), values)


def test_idx_truncated_gzip(mnist_t10k_dir: Path, tmp_path: Path) -> None:
    data = (mnist_t10k_dir / "t10k-images-idx3-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"gzip stream ends early.*truncated"):
        read_idx(path)


def test_idx_corrupt_gzip(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(idx_bytes(np.zeros((4, 28, 28), np.uint8))))
    data[-8:-4] = b"\xff\xff\xff\xff"  # wrong CRC
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"not a valid gzip file.*corrupt"):
        read_idx(path)


def test_idx_truncated_payload(tmp_path: Path) -> None:
    data = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(data[:-100])
    with pytest.raises(DataError, match=r"shape \(10, 28, 28\).*needs 7856 bytes.*7756.*truncated"):
        read_idx(path)


def test_idx_truncated_header(tmp_path: Path) -> None:
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DataError, match=r"3 dimensions.*truncated"):
        read_idx(path)


def test_idx_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(b"P5\n28 28\n255\n" + bytes(784))
    with pytest.raises(DataError, match=r"is not an IDX file: its magic number is 50 35 0a 32"):
        read_idx(path)


def test_idx_pair_swapped_files(tmp_path: Path) -> None:
    images = write_idx(tmp_path / "i.gz", np.zeros((3, 28, 28), np.uint8))
    labels = write_idx(tmp_path / "l.gz", np.zeros(3, np.uint8))
    with pytest.raises(DataError, match=r"shape \(3,\); expected \(N, 28, 28\)"):
        read_idx_pair(labels, images)


def test_idx_pair_count_mismatch(tmp_path: Path) -> None:
    images = write_idx(tmp_path / "i.gz", np.zeros((3, 28, 28), np.uint8))
    labels = write_idx(tmp_path / "l.gz", np.zeros(4, np.uint8))
    with pytest.raises(DataError, match=r"holds 3 images.*holds 4 labels"):
        read_idx_pair(images, labels)


def test_idx_labels_out_of_range(tmp_path: Path) -> None:
    images = write_idx(tmp_path / "i.gz", np.zeros((3, 28, 28), np.uint8))
    labels = write_idx(tmp_path / "l.gz", np.array([1, 12, 3], np.uint8))
    with pytest.raises(DataError, match=r"class id 12 in row 1"):
        read_idx_pair(images, labels)


def test_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: no such file"):
        read_idx(tmp_path / "train-images-idx3-ubyte.gz")


# --- npz ------------------------------------------------------------------------------------------


def test_npz_uint8_pixels_and_integer_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, (8, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (3, 784), dtype=np.uint8)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=np.arange(8) % 10, x_test=x_test, y_test=np.array([9, 0, 4]))
    train, test = read_npz(path)
    np.testing.assert_array_equal(train.x, x_train.reshape(8, 784) / np.float32(255))
    assert train.x.dtype == np.float32 and train.y.dtype == np.float32
    np.testing.assert_array_equal(test.y, _one_hot(np.array([9, 0, 4])))
    assert "uint8 pixels 0..255" in train.notes[0] and "divided by 255" in train.notes[0]


def test_npz_float_pixels_and_one_hot_labels(tmp_path: Path) -> None:
    x, y = _good_xy()
    path = tmp_path / "d.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x[:2].astype(np.float32), y_test=y[:2].astype(np.uint8))
    train, test = read_npz(path)
    np.testing.assert_array_equal(train.x, x.astype(np.float32))
    np.testing.assert_array_equal(test.y, y[:2])
    assert "kept as they are" in test.notes[0]


def test_npz_missing_keys_lists_keys_present(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, images=np.zeros((2, 784)), labels=np.zeros(2, int))
    with pytest.raises(
        DataError, match=r"no arrays x_train, y_train, x_test, y_test; arrays present: images, labels"
    ):
        read_npz(path)


def test_npz_label_shape(tmp_path: Path) -> None:
    x, y = _good_xy()
    path = tmp_path / "d.npz"
    np.savez(path, x_train=x, y_train=y[:, :9], x_test=x, y_test=y)
    with pytest.raises(DataError, match=r"'y_train' has shape \(6, 9\)"):
        read_npz(path)


def test_npz_integer_pixels_above_255(tmp_path: Path) -> None:
    x = np.zeros((2, 784), np.int32)
    x[1, 3] = 300
    path = tmp_path / "d.npz"
    np.savez(path, x_train=x, y_train=np.array([0, 1]), x_test=x, y_test=np.array([0, 1]))
    with pytest.raises(DataError, match=r"integer pixels from 0 to 300, the first outside 0\.\.255 in row 1"):
        read_npz(path)


def test_npz_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match=r"cannot be read as an \.npz archive"):
        read_npz(path)


def test_soft_labels_are_kept(tmp_path: Path) -> None:
    # issue 9, item 19: cross-entropy's δ = a − y holds for any y summing to 1
    x, y = _good_xy()
    y[3] = [0.05] * 8 + [0.2, 0.4]  # sums to 1
    images = read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, y))
    assert images.y[3] == pytest.approx(y[3]) and images.y[3].sum() == pytest.approx(1)


def test_binarised_8bit_pixels_are_refused(tmp_path: Path) -> None:
    # issue 9, item 18: 0/1 stored as uint8 would be divided by 255 into almost black images
    x = (np.random.default_rng(2).random((6, 784)) > 0.5).astype(np.uint8)
    with pytest.raises(DataError, match=r"all 0 or 1: binarised images.*almost black.*floats 0\.0/1\.0"):
        read_course_hdf5(_course_file(tmp_path / "c.hdf5", x, _good_xy()[1]))


def test_a_training_set_of_one_class_is_refused(tmp_path: Path) -> None:
    # issue 9, item 18: it trains to 100% by answering that class for everything
    from backprop_tutor.data.datasets import load_dataset

    x = np.random.default_rng(3).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    path = tmp_path / "one.npz"
    np.savez(path, x_train=x, y_train=np.full(5, 4), x_test=x[:2], y_test=np.arange(2))
    with pytest.raises(DataError, match=r"every one of the 5 training images is labelled class 4.*two of the 10"):
        load_dataset(str(path))


def test_soft_labels_spread_over_classes_are_not_one_class(tmp_path: Path) -> None:
    from backprop_tutor.data.datasets import load_dataset

    x = np.random.default_rng(3).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    path = tmp_path / "soft.npz"
    np.savez(path, x_train=x, y_train=np.full((5, 10), 0.1), x_test=x[:2], y_test=np.arange(2))
    assert load_dataset(str(path)).y_train.sum() == pytest.approx(5)


def test_damaged_npz_and_course_files_are_named_never_a_traceback(tmp_path: Path) -> None:
    """Bits flipped in an .npz (its zip directory and the arrays' headers) and in a course HDF5 file (its metadata),
    and truncations: each is read or refused with a DataError naming it. Was: numpy's tokenize.TokenError for an
    array header it could not parse, as a traceback."""
    rng = np.random.default_rng(1)
    x, y = rng.random((60, 784)).astype(np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60)]
    np.savez(tmp_path / "good.npz", x_train=x, y_train=y.argmax(1), x_test=x[:10], y_test=y[:10].argmax(1))
    write_course_hdf5(tmp_path / "good.hdf5", x, y)
    refused = 0
    for suffix in ("npz", "hdf5"):
        good = (tmp_path / f"good.{suffix}").read_bytes()
        for seed in range(40):
            damaged = tmp_path / f"flipped-{seed}.{suffix}"
            damaged.write_bytes(flipped(good, seed, within=4096, most=30, truncate=seed % 4 == 3))
            try:
                read_npz(damaged) if suffix == "npz" else read_course_hdf5(damaged)
            except DataError as err:
                assert str(damaged) in str(err) and "EOF in multi-line" not in str(err), str(err)
                refused += 1
    assert refused
