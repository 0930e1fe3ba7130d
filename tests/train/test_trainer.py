"""Training runs on a tiny image set: the run folder, reproducibility, resume, divergence."""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.engine.network import Network
from backprop_tutor.params import read_parameters
from backprop_tutor.train import DivergenceError, TrainConfig, prepare_data, train
from backprop_tutor.train.trainer import RUN_FILES, initial_network


def small_config(data: Path, **changes) -> TrainConfig:
    """784-16-12-10, 500 training + 100 validation images, minibatches of 50 (10 per epoch)."""
    settings = dict(data=str(data), hidden=[16, 12], activation="tanh", learning_rate=0.1, batch_size=50,
                    epochs=4, decay_at=[2, 3], n_validation=100, seed=3, init="xavier")
    settings.update(changes)
    return TrainConfig(**settings)


def params_of(net: Network) -> list[np.ndarray]:
    return [p.copy() for layer in net.layers for p in (layer.W, layer.b)]


def assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_run_folder_holds_config_metrics_params_and_plot(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, test=True)
    data = prepare_data(config)
    assert (data.x_train.shape, data.x_val.shape, data.x_test.shape) == ((500, 784), (100, 784), (100, 784))
    result = train(config, data, tmp_path / "run")
    folder = tmp_path / "run"
    assert result.status == "complete"
    assert sorted(p.name for p in folder.iterdir()) == sorted(  # no checkpoint, no .part, no .lock left
        ["config.json", "metrics.json", "metrics.csv", "params.h5", "accuracy.png", "complete.json"])
    saved = json.loads((folder / "config.json").read_text())
    assert saved["config"]["hidden"] == [16, 12] and saved["sizes"] == [784, 16, 12, 10]
    assert (saved["n_train"], saved["n_validation"], saved["batches_per_epoch"]) == (500, 100, 10)

    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "complete"
    assert [m["epoch"] for m in metrics["epochs"]] == [1, 2, 3, 4]
    assert [m["learning_rate"] for m in metrics["epochs"]] == [0.1, 0.1, 0.05, 0.025]
    assert metrics["learning_rate_changes"] == [
        {"after_epoch": 2, "first_epoch": 3, "learning_rate": 0.05},
        {"after_epoch": 3, "first_epoch": 4, "learning_rate": 0.025}]
    assert metrics["test"]["n_test"] == 100 and 0 <= metrics["test"]["accuracy"] <= 1
    last = metrics["epochs"][-1]
    assert last["train_accuracy"] > 0.8 and last["val_accuracy"] > 0.8  # the tiny set is learnable

    with open(folder / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["val_accuracy"]) == last["val_accuracy"]

    layers = read_parameters(folder / "params.h5")
    assert [W.shape for W, _ in layers] == [(16, 784), (12, 16), (10, 12)]  # W(l) is (out, in)
    assert all(np.array_equal(W, layer.W) and np.array_equal(b, layer.b)
               for (W, b), layer in zip(layers, result.network.layers, strict=True))
    assert (folder / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validation_set_is_only_read_never_trained_on(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, epochs=2)
    data = prepare_data(config)
    before = data.x_val.copy()
    a = train(config, data, tmp_path / "a")
    data.x_val[:] = np.random.default_rng(0).random(data.x_val.shape, dtype=np.float32)  # other validation images
    b = train(config, data, tmp_path / "b")
    assert_same(params_of(a.network), params_of(b.network))
    assert not np.array_equal(before, data.x_val)


def test_same_seed_gives_bit_identical_parameters_and_another_seed_does_not(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, epochs=2, momentum=0.9, l2=1e-3)
    data = prepare_data(config)
    a = train(config, data, tmp_path / "a")
    b = train(config, data, tmp_path / "b")
    assert_same(params_of(a.network), params_of(b.network))
    c = train(small_config(tiny_npz, epochs=2, momentum=0.9, l2=1e-3, seed=4), data, tmp_path / "c")
    assert not np.array_equal(a.network.layers[0].W, c.network.layers[0].W)


@pytest.fixture(scope="module")
def uninterrupted(tiny_npz: Path, tmp_path_factory: pytest.TempPathFactory):
    """A run with momentum and L2 (velocity and L2 must survive the checkpoint), never stopped: the
    reference the resume tests compare with (only read)."""
    config = small_config(tiny_npz, momentum=0.5, l2=1e-4)
    data = prepare_data(config)
    whole = train(config, data, tmp_path_factory.mktemp("uninterrupted") / "whole")
    return config, data, params_of(whole.network), [m.to_dict() | {"seconds": 0} for m in whole.history]


@pytest.mark.parametrize(("stop_epoch", "stop_batch"), [(2, 3), (1, 10), (3, 1)])
def test_resume_reaches_the_uninterrupted_result(uninterrupted, tmp_path: Path, stop_epoch: int,
                                                 stop_batch: int) -> None:
    config, data, whole_params, whole_history = uninterrupted
    stopped = train(config, data, tmp_path / "run", should_stop=lambda e, b: (e, b) == (stop_epoch, stop_batch))
    assert stopped.status == "interrupted" and stopped.stopped_at == (stop_epoch, stop_batch)
    assert (tmp_path / "run" / "checkpoint.h5").exists()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "interrupted"
    assert not (tmp_path / "run" / "params.h5").exists()

    resumed = train(config, data, tmp_path / "run", resume=True)
    assert resumed.status == "complete"
    assert_same(whole_params, params_of(resumed.network))
    assert [m.to_dict() | {"seconds": 0} for m in resumed.history] == whole_history
    assert not (tmp_path / "run" / "checkpoint.h5").exists()


def test_ctrl_c_stops_after_the_minibatch_and_resume_matches(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, epochs=2)
    data = prepare_data(config)
    whole = train(config, data, tmp_path / "whole")

    def press_ctrl_c(epoch: int, batch: int) -> bool:
        if (epoch, batch) == (1, 4):
            os.kill(os.getpid(), signal.SIGINT)  # what the terminal sends; the trainer catches it
        return False

    before = signal.getsignal(signal.SIGINT)  # Python's own; SIG_IGN when pytest runs in the background
    stopped = train(config, data, tmp_path / "run", should_stop=press_ctrl_c)
    assert stopped.status == "interrupted"
    assert stopped.stopped_at in ((1, 4), (1, 5))
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
    resumed = train(config, data, tmp_path / "run", resume=True)
    assert_same(params_of(whole.network), params_of(resumed.network))


def test_traced_run_trains_exactly_like_an_untraced_one(tiny_npz: Path, tmp_path: Path) -> None:
    data = prepare_data(small_config(tiny_npz))
    plain = train(small_config(tiny_npz, epochs=2), data, tmp_path / "plain")
    traced = train(small_config(tiny_npz, epochs=2, trace_batches=[1, 10], trace_epochs=[1, 2]), data,
                   tmp_path / "traced")
    assert_same(params_of(plain.network), params_of(traced.network))


def test_divergence_stops_with_the_epoch_and_a_smaller_learning_rate(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, activation="relu", learning_rate=1e8, init="he")
    with pytest.raises(DivergenceError) as err:
        train(config, prepare_data(config), tmp_path / "run")
    message = str(err.value)
    assert "diverged in epoch 1" in message and "η = 1e+08 is very large" in message
    assert "smaller learning rate, e.g. learning_rate = 1e+06" in message
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())  # strict JSON: NaN written as null
    assert metrics["status"] == "diverged" and metrics["epochs"][0]["train_loss"] is None


def test_a_fresh_run_refuses_an_existing_run_folder_unless_forced(tiny_npz: Path, tmp_path: Path) -> None:
    from backprop_tutor.errors import UsageError

    config = small_config(tiny_npz, epochs=1, trace_batches=[1])
    data = prepare_data(config)
    train(config, data, tmp_path / "run")
    with pytest.raises(UsageError, match="already holds a finished run"):
        train(config, data, tmp_path / "run")
    train(small_config(tiny_npz, epochs=1), data, tmp_path / "run", force=True)
    assert not (tmp_path / "run" / "trace.h5").exists()  # the old run's files are gone
    assert set(p.name for p in (tmp_path / "run").iterdir()) <= {*RUN_FILES, ".lock"}


def test_initial_weights_come_from_the_engine_init_with_the_seed(tiny_npz: Path) -> None:
    config = small_config(tiny_npz)
    a, b = initial_network(config), initial_network(small_config(tiny_npz))
    assert a.layers[0].W.dtype == np.float32
    assert_same(params_of(a), params_of(b))


def test_the_test_set_is_only_looked_at_when_asked(tiny_npz: Path, tmp_path: Path) -> None:
    config = small_config(tiny_npz, epochs=1)
    result = train(config, prepare_data(config), tmp_path / "run")
    assert np.isnan(result.test_accuracy)
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["test"] is None
