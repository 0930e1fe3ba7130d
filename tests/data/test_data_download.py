"""Downloads from a mirror served on 127.0.0.1: real checksums, corrupt files, unreachable mirrors."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from backprop_tutor.data.download import (
    CHECKSUMS,
    MIRRORS,
    Checksum,
    MirrorUnreachable,
    download_dataset,
    download_file,
    mirrors_for,
)
from backprop_tutor.errors import DataError

T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def test_published_checksums_match_the_shared_mnist_test_files(mnist_t10k_dir: Path) -> None:
    for name in T10K:
        data = (mnist_t10k_dir / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == CHECKSUMS["mnist"][name].sha256
        assert len(data) == CHECKSUMS["mnist"][name].size
    assert hashlib.md5((mnist_t10k_dir / T10K[0]).read_bytes()).hexdigest() == "9fb629c4189551a2d022fa330f9573f3"


@pytest.mark.parametrize("progress", [False, True])
def test_download_file_verifies_and_renames(mnist_t10k_dir: Path, tmp_path: Path, serve, progress: bool) -> None:
    base = serve(mnist_t10k_dir)
    for name in T10K:
        dest = download_file(base + name, tmp_path / "mnist" / name, CHECKSUMS["mnist"][name], progress=progress)
        assert dest.read_bytes() == (mnist_t10k_dir / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(T10K)  # no .part left


def test_corrupt_download_is_rejected_and_leaves_nothing(mnist_t10k_dir: Path, tmp_path: Path, serve) -> None:
    served = tmp_path / "served"
    served.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    data = bytearray((mnist_t10k_dir / name).read_bytes())
    data[100] ^= 0xFF
    (served / name).write_bytes(bytes(data))
    actual = hashlib.sha256(bytes(data)).hexdigest()
    dest = tmp_path / "out" / name
    with pytest.raises(DataError) as err:
        download_file(serve(served) + name, dest, CHECKSUMS["mnist"][name], progress=False)
    message = str(err.value)
    assert name in message and CHECKSUMS["mnist"][name].sha256 in message and actual in message
    assert list((tmp_path / "out").iterdir()) == []


def test_corrupt_download_does_not_replace_a_file_already_there(mnist_t10k_dir: Path, tmp_path: Path, serve) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    dest = tmp_path / name
    dest.write_bytes(b"old")
    with pytest.raises(DataError, match="is corrupt and was deleted"):
        download_file(serve(mnist_t10k_dir) + name, dest, Checksum(4542, "0" * 64), progress=False)
    assert dest.read_bytes() == b"old" and not (tmp_path / f"{name}.part").exists()


def test_unreachable_mirror(tmp_path: Path, closed_port_url: str) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    with pytest.raises(MirrorUnreachable, match="cannot be reached"):
        download_file(closed_port_url + name, tmp_path / name, CHECKSUMS["mnist"][name], progress=False, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_offline_download_dataset_lists_other_ways(tmp_path: Path, closed_port_url: str) -> None:
    with pytest.raises(DataError) as err:
        download_dataset("fashion-mnist", tmp_path / "fm", mirrors=[closed_port_url], progress=False)
    message = str(err.value)
    for expected in (
        "If you are offline",
        "apt-get install dataset-fashion-mnist",
        "BACKPROP_TUTOR_DATA",
        "BACKPROP_TUTOR_MIRROR",
        closed_port_url,
    ):
        assert expected in message
    assert not any((tmp_path / "fm").glob("*"))


def test_download_dataset_keeps_present_files_and_fetches_the_rest(
    fashion_dir: Path, mnist_t10k_dir: Path, tmp_path: Path, serve, closed_port_url: str
) -> None:
    # The mirror holds only the MNIST test files; the training files are already in the folder
    # (checked by their IDX content, never by .gz hash). The first mirror is down: the second is used.
    dest = tmp_path / "mnist"
    dest.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (dest / name).symlink_to(fashion_dir / name)
    folder = download_dataset("mnist", dest, mirrors=[closed_port_url, serve(mnist_t10k_dir)], progress=False)
    assert folder == dest
    for name in T10K:
        assert (dest / name).read_bytes() == (mnist_t10k_dir / name).read_bytes()


def test_recompressed_debian_files_count_as_present(fashion_dir: Path, tmp_path: Path, closed_port_url: str) -> None:
    dest = tmp_path / "fm"
    shutil.copytree(fashion_dir, dest)
    assert download_dataset("fashion-mnist", dest, mirrors=[closed_port_url], progress=False) == dest


def test_download_dataset_defaults_to_the_data_folder(
    mnist_t10k_dir: Path, tmp_path: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("BACKPROP_TUTOR_MIRROR", serve(mnist_t10k_dir).rstrip("/"))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz of 'mnist'.*HTTP 404"):
        download_dataset("mnist", progress=False)
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_mirror_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mirrors_for("mnist") == list(MIRRORS["mnist"])
    assert MIRRORS["mnist"][0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    monkeypatch.setenv("BACKPROP_TUTOR_MIRROR", "http://127.0.0.1:9/data")
    assert mirrors_for("mnist") == ["http://127.0.0.1:9/data/"]
    assert mirrors_for("mnist", ["http://a/", "http://b"]) == ["http://a/", "http://b/"]
    with pytest.raises(DataError, match="known names are mnist, fashion-mnist"):
        mirrors_for("cifar10")
