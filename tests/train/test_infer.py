"""`tutor infer`: result.json in the assignment's format, the tally on real MNIST digits with parameters saved
by `tutor train`, the gallery and the terminal drawing, and one clear message for unusable parameter files."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from damage import flipped
from train_helpers import make_npz

from backprop_tutor.cli import main
from backprop_tutor.data.splits import load_split
from backprop_tutor.params import read_parameters, write_parameters

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MNIST_T10K = SHARED_DATA / "mnist-t10k"


def tutor(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def mnist_t10k() -> Path:
    if not (MNIST_T10K / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real data not found: {MNIST_T10K} (the shared folder beside the checkout)")
    return MNIST_T10K


@pytest.fixture(scope="module")
def trained_run(mnist_t10k: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short `tutor train` run on the first 9,000 real MNIST test digits (the only MNIST here): its run folder."""
    digits = load_split(str(mnist_t10k), "test")
    folder = tmp_path_factory.mktemp("infer")
    labels = np.argmax(digits.y, axis=1)
    np.savez(folder / "digits.npz", x_train=digits.x[:9000], y_train=labels[:9000], x_test=digits.x[9000:],
             y_test=labels[9000:])
    run = folder / "run"
    assert tutor("train", "--data", folder / "digits.npz", "--hidden", "32", "--activation", "relu", "--lr", "0.1",
                 "--batch-size", "100", "--validation", "1000", "--epochs", "3", "--decay-at", "none",
                 "--quiet", "--out", run) == 0
    return run


def test_result_json_tally_and_confusion_on_real_digits(trained_run: Path, mnist_t10k: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    result_file = tmp_path / "result.json"
    assert tutor("infer", "--params", trained_run / "params.h5", "--data", mnist_t10k, "--json", result_file) == 0
    out = capsys.readouterr().out
    result = json.loads(result_file.read_text())
    assert isinstance(result, list) and len(result) == 10_000
    for i, entry in enumerate(result):
        assert list(entry) == ["index", "activations", "classification"]
        assert type(entry["index"]) is int and entry["index"] == i
        assert type(entry["classification"]) is int and 0 <= entry["classification"] <= 9
        assert len(entry["activations"]) == 10 and all(type(a) is float for a in entry["activations"])
    # The same classes computed here from the stored W(l), b(l): ReLU hidden, argmax of s(L) (= of softmax a(L))
    (W1, b1), (W2, b2) = read_parameters(trained_run / "params.h5")
    digits = load_split(str(mnist_t10k), "test")
    s2 = np.maximum(digits.x @ W1.T + b1, 0) @ W2.T + b2
    assert [e["classification"] for e in result] == np.argmax(s2, axis=1).tolist()
    a2 = np.exp(s2 - s2.max(axis=1, keepdims=True))
    np.testing.assert_allclose([e["activations"] for e in result], a2 / a2.sum(axis=1, keepdims=True), atol=1e-9)
    correct = int(np.sum(np.argmax(s2, axis=1) == np.argmax(digits.y, axis=1)))
    assert correct > 8500  # trained on 8,000 of these digits for 3 epochs: it has learnt something
    assert f"{correct} / 10000 correct" in out
    assert "confusion matrix" in out and "784-32-10 (relu hidden + softmax)" in out


def test_run_folder_gallery_and_mistakes_in_the_terminal(trained_run: Path, mnist_t10k: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    gallery = tmp_path / "digits.png"
    assert tutor("infer", "--params", trained_run, "--data", mnist_t10k, "--gallery", gallery, "--show", "2") == 0
    out = capsys.readouterr().out
    assert gallery.read_bytes().startswith(b"\x89PNG")
    assert "the first 2 mistakes" in out and "▀" in out and "true " in out


def test_activation_choice_changes_the_network(trained_run: Path, mnist_t10k: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    assert tutor("infer", "--params", trained_run / "params.h5", "--data", mnist_t10k,
                 "--activation", "tanh,sigmoid") == 0
    assert "784-32-10 (tanh hidden + sigmoid)" in capsys.readouterr().out
    assert tutor("infer", "--params", trained_run, "--data", mnist_t10k, "--activation", "tanh") == 2
    assert "records its activations (relu, softmax); drop --activation" in capsys.readouterr().err


def test_fashion_names_in_the_gallery_and_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = make_npz(tmp_path / "fashion.npz", n_train=10, n_test=30)
    rng = np.random.default_rng(0)
    write_parameters(tmp_path / "p.h5", {"W1": rng.standard_normal((20, 784)), "b1": np.zeros(20),
                                         "W2": rng.standard_normal((10, 20)), "b2": np.zeros(10)})
    assert tutor("infer", "--params", tmp_path / "p.h5", "--data", data, "--gallery", tmp_path / "g.png") == 0
    assert "9 Ankle boot" in capsys.readouterr().out
    assert (tmp_path / "g.png").is_file()


def _params(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value)
    return path


@pytest.mark.parametrize(("arrays", "message"), [
    ({"W1": np.zeros((30, 784)), "b1": np.zeros(30), "W2": np.zeros((10, 29)), "b2": np.zeros(10)},
     "W2 is 10×29 but layer 1 has 30 units, so W2 needs 30 columns"),
    ({"W1": np.zeros((30, 400)), "b1": np.zeros(30), "W2": np.zeros((10, 30)), "b2": np.zeros(10)},
     "W1 is 30×400, so the network takes 400 inputs, but the images of"),
    ({"W1": np.zeros((30, 784)), "b1": np.zeros(30), "W2": np.zeros((5, 30)), "b2": np.zeros(5)},
     "W2 gives 5 outputs, but the labels have 10 classes"),
    ({"W1": np.where(np.eye(30, 784) == 1, np.nan, 0.0), "b1": np.zeros(30), "W2": np.zeros((10, 30)),
      "b2": np.zeros(10)}, "W1 (30×784) holds 30 NaN or infinite values, the first at index (0, 0)"),
    ({"W1": np.zeros((30, 784)), "b1": np.zeros(31), "W2": np.zeros((10, 30)), "b2": np.zeros(10)},
     "W1 is 30×784 and b1 is 31"),
    ({"W2": np.zeros((10, 30))}, "no W1/b1 found"),
    # issue 19: a layer missing from the middle is named (was "W1 gives 32 outputs, but … 10 classes")
    ({"W1": np.zeros((32, 784)), "b1": np.zeros(32), "W3": np.zeros((10, 32)), "b3": np.zeros(10)},
     "has W3, b3 but no W2, b2: the layers must be numbered W1, b1, W2, b2, … without a gap"),
    # text where numbers belong (was numpy's "could not convert string to float")
    ({"W1": np.array([["a"] * 784] * 30, dtype=object).astype("S1"), "b1": np.zeros(30),
      "W2": np.zeros((10, 30)), "b2": np.zeros(10)}, "W1 (30×784) holds text, not numbers"),
])
def test_bad_parameter_files_give_one_clear_message(tmp_path: Path, tiny_npz: Path, arrays: dict, message: str,
                                                    capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "result.json"
    assert tutor("infer", "--params", _params(tmp_path / "p.h5", arrays), "--data", tiny_npz, "--json", out) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_a_parameter_file_with_flipped_bits_is_named_not_a_traceback(tmp_path: Path, tiny_npz: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """Bits flipped at random in a parameter file's HDF5 metadata (its first 4 kB): `tutor infer` either reads it or
    names the file and exits 2. Was: h5py's KeyError or RuntimeError as a traceback for 20 of 80 such files."""
    rng = np.random.default_rng(2)
    good = Path(_params(tmp_path / "good.h5", {"W1": rng.standard_normal((30, 784)), "b1": np.zeros(30),
                                                "W2": rng.standard_normal((10, 30)), "b2": np.zeros(10)})).read_bytes()
    codes = set()
    for seed in range(24):
        damaged = tmp_path / f"flipped-{seed}.h5"
        damaged.write_bytes(flipped(good, seed, within=4096))
        code = tutor("infer", "--params", damaged, "--data", tiny_npz, "--json", tmp_path / "result.json")
        err = " ".join(capsys.readouterr().err.split())
        assert code in (0, 2) and "Traceback" not in err, (seed, err)
        assert code == 0 or f"{damaged}: " in err, (seed, err)
        codes.add(code)
    assert 2 in codes


@pytest.mark.parametrize(("args", "message"), [
    (["--activation", "relu,relu,softmax"], "the parameters have 2 layers"),
    (["--activation", "softmax,softmax"], "softmax can only be the output layer's"),
    (["--activation", "swish"], "unknown activation 'swish' for layer 1"),
])
def test_bad_activation_choices(tmp_path: Path, tiny_npz: Path, args: list[str], message: str,
                                capsys: pytest.CaptureFixture) -> None:
    params = _params(tmp_path / "p.h5", {"W1": np.zeros((3, 784)), "b1": np.zeros(3), "W2": np.zeros((10, 3)),
                                         "b2": np.zeros(10)})
    assert tutor("infer", "--params", params, "--data", tiny_npz, *args) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_unfinished_run_and_missing_files(tmp_path: Path, tiny_npz: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text('{"format": "backprop_tutor.run", "config": {}}')
    assert tutor("infer", "--params", tmp_path / "run", "--data", tiny_npz) == 2
    assert "the run has not finished (interrupted), so it has no params.h5 yet" in capsys.readouterr().err
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    assert tutor("infer", "--params", tmp_path / "sweep", "--data", tiny_npz) == 2
    assert "the sweep has not retrained its choice yet" in capsys.readouterr().err
    assert tutor("infer", "--params", tmp_path / "none.h5", "--data", tiny_npz) == 2
    assert "no such parameter file" in capsys.readouterr().err
