"""Reading a run back through RunFolder: what the sweep's summary and `tutor infer` rely on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.errors import UsageError
from backprop_tutor.train import RunFolder, TrainConfig, prepare_data, train


def test_a_finished_run_reads_back_its_config_metrics_and_network(tiny_npz: Path, tmp_path: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[16], activation="relu", batch_size=50, n_validation=100,
                         epochs=2, learning_rate=0.1, decay_at=[], seed=1)
    data = prepare_data(config)
    result = train(config, data, tmp_path / "run")
    run = RunFolder(tmp_path / "run")
    assert run.status() == "complete" and run.is_complete() and not run.is_busy()
    assert run.read_config() == config
    assert run.read_info()["sizes"] == [784, 16, 10] and run.read_info()["format"] == "backprop_tutor.run"
    assert [m.to_dict() for m in run.read_history()] == [m.to_dict() for m in result.history]
    assert run.read_metrics().status == "complete"
    net = run.network()  # its activations from config.json, its parameters from params.h5
    assert [layer.h.name for layer in net.layers] == ["relu", "softmax"]
    expected = result.network.forward(data.x_val[:20].astype(np.float64), derivatives=False)
    assert np.allclose(net.forward(data.x_val[:20].astype(np.float64), derivatives=False), expected, atol=1e-6)
    marker = json.loads(run.file("complete.json").read_text())
    assert marker["status"] == "complete" and marker["epochs"] == 2


def test_an_unfinished_run_has_no_parameters_to_read(tiny_npz: Path, tmp_path: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[16], batch_size=50, n_validation=100, epochs=2, seed=1)
    train(config, prepare_data(config), tmp_path / "run", should_stop=lambda e, b: (e, b) == (1, 5))
    with pytest.raises(UsageError, match=r"the run has not finished \(interrupted\), so it has no params\.h5"):
        RunFolder(tmp_path / "run").read_parameters()


def test_a_run_finished_before_there_were_markers_counts_as_finished(tiny_npz: Path, tmp_path: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[16], batch_size=50, n_validation=100, epochs=1, seed=1)
    train(config, prepare_data(config), tmp_path / "run")
    run = RunFolder(tmp_path / "run")
    info = run.read_info()
    del info["format"]
    run.file("config.json").write_text(json.dumps(info))
    run.file("complete.json").unlink()
    assert run.status() == "complete"  # so --resume does not start it over
    with pytest.raises(UsageError, match="nothing to resume"):
        RunFolder(tmp_path / "run").claim(resume=True)


def test_writing_needs_the_claim(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="claim the run folder before writing"):
        RunFolder(tmp_path / "run").write_config({})
    with RunFolder(tmp_path / "new").claim() as run:
        assert run.claimed and run.is_busy()
    assert not (tmp_path / "new").exists()  # claimed, nothing written: the folder it made is gone again
