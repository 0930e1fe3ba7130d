"""`bt.train`, `Run.view` and `bt.infer` on Fashion-MNIST from ../shared/data (skipped without it): a short
run, its traced minibatch in the stepper with the image drawn, and inference with the run's parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import SHARED_DATA, unpacked_shared_data

import backprop_tutor as bt
from backprop_tutor.errors import TutorError
from backprop_tutor.notebook.training import Run

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file(),
                                reason=f"needs Fashion-MNIST in {SHARED_DATA}")
SMALL = {"subset": 600, "n_validation": 100, "hidden": [10], "epochs": 2, "batch_size": 100}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    mp = pytest.MonkeyPatch()
    mp.setenv("BACKPROP_TUTOR_DATA", str(unpacked_shared_data()))
    try:
        return bt.train(data="fashion-mnist", trace_batch=1, out=tmp_path_factory.mktemp("runs") / "small", **SMALL)
    finally:
        mp.undo()


def test_a_run_reports_its_epochs_and_shows_them(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    assert run.status == "complete" and [m.epoch for m in run.history] == [1, 2]
    assert repr(run).startswith(f"run {run.folder} (complete, 2 epochs): training ")
    page = run._repr_html_()
    assert page.count("<polyline") == 2 and page.count("<tr><td>") == 2
    assert run.traces() == ["epoch1-batch1"]


def test_the_traced_minibatch_steps_with_the_image_drawn(run: Run) -> None:
    ex = run.view(sample=3)
    assert len(ex.steps) == len(ex.trace) and ex.trace.header.batch_size == 100
    assert "sample 3 of 0–99" in ex.steps[0].status
    assert "a(0): 28×28" in ex.steps[0].html and 'src="data:image/png;base64,' in ex.steps[0].html
    with pytest.raises(TutorError, match="sample 100 does not exist"):
        run.view(sample=100)


def test_inference_with_the_runs_parameters(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(unpacked_shared_data()))
    result = bt.infer(params=run.folder, data="fashion-mnist")
    assert repr(result).startswith("network 784-10-10 (tanh hidden + softmax) on 10000 test images")
    assert 0.1 < result.accuracy < 1 and "confusion matrix" in result._repr_html_()
    gallery = result.gallery(3)
    assert gallery._repr_html_().count("<figure") == 6 and "(true " in repr(gallery)
    written = result.write_json(tmp_path / "result.json")
    assert len(json.loads(written.read_text())) == 10000


def test_bad_training_settings_are_named_as_arguments(tmp_path: Path) -> None:
    with pytest.raises(TutorError, match="epochs = 0"):
        bt.train(data="fashion-mnist", epochs=0, out=tmp_path / "r")
    with pytest.raises(TutorError, match="setting hidden = 'x'"):
        bt.train(data="fashion-mnist", hidden="x", out=tmp_path / "r")
    with pytest.raises(TutorError, match="resume= continues a run with its own settings"):
        bt.train(resume=tmp_path, epochs=3)


def test_the_stop_button_leaves_a_run_that_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The kernel's stop button is SIGINT in the kernel's main thread, as Ctrl-C is in a terminal."""
    import signal

    from backprop_tutor.notebook.training import NotebookProgress

    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(unpacked_shared_data()))
    batch_done = NotebookProgress.batch_done

    def stop_at_the_second_minibatch(self: NotebookProgress, epoch: int, batch: int) -> None:
        batch_done(self, epoch, batch)
        if (epoch, batch) == (1, 2):
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(NotebookProgress, "batch_done", stop_at_the_second_minibatch)
    folder = tmp_path / "stopped"
    stopped = bt.train(data="fashion-mnist", out=folder, **SMALL)
    assert stopped.status == "interrupted" and stopped.history == []
    assert f"Continue with: bt.train(resume={str(folder)!r})" in capsys.readouterr().out
    monkeypatch.setattr(NotebookProgress, "batch_done", batch_done)
    resumed = bt.train(resume=folder)
    assert resumed.status == "complete" and [m.epoch for m in resumed.history] == [1, 2]
