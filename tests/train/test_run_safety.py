"""Nothing lost, no traceback, no silent nonsense (issue 9's training items): the run folder's lock and
ownership, stale temporary files, runs killed before their first checkpoint, damaged run files, the
BLAS thread count, memory, divergence, and what the messages call things."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from cores import hold_to_cores
from threadpoolctl import threadpool_info
from train_helpers import TUTOR, make_npz, same_parameters

from backprop_tutor.cli import main
from backprop_tutor.train import RunFolder, RunFolderBusy, TrainConfig, prepare_data, train
from backprop_tutor.train.divergence import DivergenceError, DivergenceWatch
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.resources import NotEnoughMemory, check_memory

SMALL = ["--hidden", "16,12", "--batch-size", "50", "--validation", "100", "--epochs", "2", "--lr", "0.1",
         "--seed", "2", "--decay-at", "1", "--quiet"]


def tutor(*args: object) -> int:
    return main([str(a) for a in args])


def config_for(data: Path, **changes) -> TrainConfig:
    settings = dict(data=str(data), hidden=[16, 12], batch_size=50, n_validation=100, epochs=2, learning_rate=0.1,
                    seed=2, decay_at=[1])
    return TrainConfig(**(settings | changes))


def err_text(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return " ".join(err.split())


def ctrl_c_at_step_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the third minibatch is trained."""
    from backprop_tutor.engine.network import Network

    steps, original = [], Network.train_step

    def train_step(self, *args, **kwargs):
        steps.append(1)
        if len(steps) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "train_step", train_step)


# --- 2: one run per folder --------------------------------------------------------------------
def test_a_claimed_run_folder_refuses_a_second_claim_until_released(tmp_path: Path) -> None:
    first = RunFolder(tmp_path / "run").claim()
    with pytest.raises(RunFolderBusy, match="another tutor process is using this run folder"):
        RunFolder(tmp_path / "run").claim()
    assert RunFolder(tmp_path / "run").status() == "running"
    first.release()
    RunFolder(tmp_path / "run").claim().release()


def test_a_run_folder_keeps_no_lock_file_once_its_run_has_ended(tiny_npz: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 18: finished runs kept an empty .lock
    first = RunFolder(tmp_path / "run").claim()
    assert (tmp_path / "run" / ".lock").is_file()
    first.release()
    assert not (tmp_path / "run").exists()  # made by the claim and nothing written: removed again
    assert tutor("train", "--data", tiny_npz, *SMALL, "--out", tmp_path / "done") == 0
    assert ".lock" not in {p.name for p in (tmp_path / "done").iterdir()}
    assert RunFolder(tmp_path / "done").status() == "complete"

    ctrl_c_at_step_3(monkeypatch)
    assert tutor("train", "--data", tiny_npz, *SMALL, "--out", tmp_path / "stopped") == 130
    assert ".lock" not in {p.name for p in (tmp_path / "stopped").iterdir()}
    held = RunFolder(tmp_path / "stopped").claim(resume=True)  # and it can be claimed again, once at a time
    with pytest.raises(RunFolderBusy):
        RunFolder(tmp_path / "stopped").claim(resume=True)
    held.release()


def test_a_second_tutor_train_into_a_folder_in_use_is_refused(tiny_npz: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    # a run long enough to be under way while the others try (stopped with Ctrl-C below)
    first = subprocess.Popen([*TUTOR, "train", "--data", str(tiny_npz), *SMALL[:-5], "--epochs", "5000",
                              "--decay-at", "none", "--quiet", "--out", str(run)], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if (run / "metrics.json").exists() or first.poll() is not None:
                break
            time.sleep(0.05)
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        first.send_signal(signal.SIGSTOP)  # under way and holding the folder, without training on meanwhile
        for extra in (["--data", str(tiny_npz), *SMALL, "--seed", "5", "--out", str(run)],
                      ["--data", str(tiny_npz), *SMALL, "--out", str(run), "--force"],
                      ["--resume", str(run), "--quiet"]):
            # the second `tutor train` in this process: the first one's lock is another process's all the same
            assert tutor("train", *extra) == 2
            assert "another tutor process is using this run folder" in err_text(capsys)
    finally:
        first.send_signal(signal.SIGINT)
        first.send_signal(signal.SIGCONT)
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 130, first_err
    assert json.loads((run / "config.json").read_text())["config"]["seed"] == 0  # the first run's, untouched


# --- 3: never replace what is not ours --------------------------------------------------------
def test_a_folder_with_files_we_did_not_write_is_never_replaced(tiny_npz: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("params.h5", "metrics.json", "trace.h5", "notes.txt"):
        (folder / name).write_text(f"the user's own {name}")
    for force in ([], ["--force"]):
        assert tutor("train", "--data", tiny_npz, *SMALL, "--out", folder, *force) == 2
        assert "holds files that are not a backprop_tutor run" in err_text(capsys)
    assert {p.name: p.read_text() for p in folder.iterdir()} == {
        name: f"the user's own {name}" for name in ("params.h5", "metrics.json", "trace.h5", "notes.txt")}


def test_an_empty_out_is_refused_instead_of_meaning_the_current_folder(tmp_path: Path, monkeypatch,
                                                                       capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.h5").write_text("mine")
    assert tutor("train", "--data", "mnist", "--out", "") == 2
    assert "give a folder name" in capsys.readouterr().err
    assert (tmp_path / "params.h5").read_text() == "mine"


def test_force_replaces_only_the_files_of_a_run_of_ours(tiny_npz: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--epochs", "1", "--trace-batch", "1", "--out", run) == 0
    (run / "my-notes.txt").write_text("keep me")
    assert tutor("train", "--data", tiny_npz, *SMALL, "--epochs", "1", "--out", run, "--force") == 0
    assert (run / "my-notes.txt").read_text() == "keep me"
    assert not (run / "trace.h5").exists()


# --- 5 and 6: leftovers of a killed run -------------------------------------------------------
def test_temporary_files_left_by_a_kill_are_removed_on_next_use(tiny_npz: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = config_for(tiny_npz)
    data = prepare_data(config)
    train(config, data, run, should_stop=lambda e, b: (e, b) == (1, 4))
    for name in (".checkpoint.h5.x1.part", ".params.h5.x2.part", ".metrics.json.x3.part"):
        (run / name).write_bytes(b"")  # what a kill between creating a temporary file and renaming it leaves
    assert train(config, data, run, resume=True).status == "complete"
    assert not [p.name for p in run.iterdir() if p.name.endswith(".part")]


def test_a_second_ctrl_c_during_a_write_waits_for_the_file(tiny_npz: Path, tmp_path: Path, monkeypatch) -> None:
    config = config_for(tiny_npz)
    data = prepare_data(config)
    whole = train(config, data, tmp_path / "whole")
    original = RunFolder.write_checkpoint

    def pressed_twice_while_writing(self: RunFolder, cp):
        if cp.epochs_done == 1:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, cp)

    monkeypatch.setattr(RunFolder, "write_checkpoint", pressed_twice_while_writing)
    run = tmp_path / "run"
    stopped = train(config, data, run)
    assert stopped.status == "interrupted" and stopped.stopped_at == (1, 10)
    assert not [p.name for p in run.iterdir() if p.name.endswith(".part")]
    assert json.loads((run / "metrics.json").read_text())["status"] == "interrupted"
    monkeypatch.setattr(RunFolder, "write_checkpoint", original)
    resumed = train(config, data, run, resume=True)
    assert all(np.array_equal(a.W, b.W) for a, b in zip(whole.network.layers, resumed.network.layers, strict=True))


def test_a_run_killed_before_its_first_checkpoint_can_be_resumed_or_restarted(tiny_npz: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    whole, run = tmp_path / "whole", tmp_path / "run"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--trace-batch", "1", "--out", whole) == 0
    assert tutor("train", "--data", tiny_npz, *SMALL, "--trace-batch", "1", "--out", run) == 0
    # what a SIGKILL in epoch 1 leaves: config.json, a started trace, no checkpoint, no metrics
    for name in ("params.h5", "metrics.json", "metrics.csv", "accuracy.png", "complete.json"):
        (run / name).unlink()
    (run / "trace.h5").write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    assert RunFolder(run).status() == "interrupted"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--trace-batch", "1", "--out", run) == 2
    assert f"already holds an unfinished run (config.json); continue it with tutor train --resume {run}" in err_text(
        capsys)
    assert tutor("train", "--resume", run, "--quiet") == 0
    assert same_parameters(whole / "params.h5", run / "params.h5")
    assert RunFolder(run).status() == "complete" and RunFolder(run).read_metrics().status == "complete"


def test_status_is_true_after_a_kill_whatever_metrics_json_says(tiny_npz: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = config_for(tiny_npz, epochs=3)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (2, 10))
    metrics = json.loads((run / "metrics.json").read_text())
    (run / "metrics.json").write_text(json.dumps(metrics | {"status": "running"}))  # as a kill leaves it
    assert RunFolder(run).status() == "interrupted"
    assert RunFolder(tmp_path / "nothing").status() == "none"


def test_the_interrupted_message_says_how_to_continue(tiny_npz: Path, tmp_path: Path, monkeypatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    ctrl_c_at_step_3(monkeypatch)
    assert tutor("train", "--data", tiny_npz, *SMALL, "--out", tmp_path / "run") == 130
    out = " ".join(capsys.readouterr().out.split())
    assert f"stopped after minibatch 3 of epoch 1; checkpoint saved in {tmp_path / 'run'}. Continue with: " \
           f"tutor train --resume {tmp_path / 'run'}" in out


# --- 7: damaged run files ---------------------------------------------------------------------
@pytest.mark.parametrize(("damage", "message"), [
    (lambda c: c["config"].update(epochs="2"), "setting epochs = '2': must be a whole number"),
    (lambda c: c["config"].update(hidden=None), "setting hidden = None: must be a list of whole numbers"),
    (lambda c: c["config"].update(learning_rate=-1), "learning_rate = -1.0: the learning rate η must be > 0"),
    (lambda c: c.update(config=[1]), "damaged run config (no \"config\" object)"),
])
def test_resume_with_a_damaged_config_names_the_setting(tiny_npz: Path, tmp_path: Path, damage, message: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    config = config_for(tiny_npz)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 4))
    saved = json.loads((run / "config.json").read_text())
    damage(saved)
    (run / "config.json").write_text(json.dumps(saved))
    assert tutor("train", "--resume", run, "--quiet") == 2
    err = err_text(capsys)
    assert str(run / "config.json") in err and message in err


def test_resume_given_a_file_says_it_takes_the_run_folder(tiny_npz: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    # was: "damaged run config ([Errno 20] Not a directory …)"
    run = tmp_path / "run"
    config = config_for(tiny_npz)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 4))
    assert tutor("train", "--resume", run / "checkpoint.h5", "--quiet") == 2
    err = err_text(capsys)
    assert f"{run / 'checkpoint.h5'}: is a file, not a run folder" in err and "Errno" not in err


def _damage_checkpoint(run: Path, action) -> None:
    with h5py.File(run / "checkpoint.h5", "a") as f:
        action(f)


@pytest.mark.parametrize(("action", "message"), [
    (lambda f: f.__delitem__("velocity"),
     "the run uses momentum μ = 0.5 but the velocity v(l) is missing"),
    (lambda f: f.attrs.__setitem__("state", json.dumps({"epochs_done": "one"})),
     "epochs_done = 'one' is not a whole number"),
    (lambda f: f.attrs.__setitem__("state", "{not json"), "damaged checkpoint"),
    (lambda f: (f.__delitem__("W2"), f.create_dataset("W2", data=np.zeros((3, 3)))),
     "its W(l), b(l) are shaped"),
    (lambda f: f["W1"].__setitem__((0, 0), np.nan), "NaN/inf weights"),
    # issue 19: the missing array is named (was HDF5's "Unable to synchronously open object")
    (lambda f: f.__delitem__("b2"), "damaged checkpoint: b2 missing (it holds W1, W2, W3, b1, b3, velocity)"),
    (lambda f: f.__delitem__("velocity/W1"), "damaged checkpoint: velocity/W1 missing"),
    (lambda f: f.attrs.__setitem__("state", json.dumps({"epochs_done": 0, "next_batch": 4, "rng_state": {"x": 1},
                                                        "history": []})),
     "the shuffling generator's state is not valid"),
])
def test_resume_refuses_a_damaged_checkpoint(tiny_npz: Path, tmp_path: Path, action, message: str,
                                             capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    config = config_for(tiny_npz, momentum=0.5)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 4))
    _damage_checkpoint(run, action)
    assert tutor("train", "--resume", run, "--quiet") == 2
    err = err_text(capsys)
    assert str(run / "checkpoint.h5") in err and message in err
    assert not (run / "params.h5").exists()


def test_resume_on_other_data_is_refused(tiny_npz: Path, tmp_path: Path) -> None:
    from backprop_tutor.errors import UsageError

    run = tmp_path / "run"
    config = config_for(tiny_npz)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 4))
    other = make_npz(tmp_path / "other.npz", n_train=1100)
    with pytest.raises(UsageError, match=r"started on 500 training and 100 validation images, but .* 1000 and 100"):
        train(config, prepare_data(config_for(other)), run, resume=True)


def test_resume_on_changed_images_of_the_same_size_is_refused(tiny_npz: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture) -> None:
    # issue 19: the images replaced after the interrupt (same sizes): the resume went on silently
    data = make_npz(tmp_path / "d.npz")
    run = tmp_path / "run"
    config = config_for(data)
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 4))
    with np.load(data) as arrays:
        changed = dict(arrays)
    changed["x_train"] = 255 - changed["x_train"]
    np.savez(data, **changed)
    assert tutor("train", "--resume", run, "--quiet") == 2
    err = err_text(capsys)
    assert "the training data changed since the run started: the images of" in err and "labels" not in err
    assert "--force" in err and RunFolder(run).status() == "interrupted"


# --- 8: the BLAS thread count ------------------------------------------------------------------
def _blas_threads_now() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_the_run_fixes_its_blas_threads_records_them_and_resume_uses_them(tiny_npz: Path, tmp_path: Path) -> None:
    seen: list[list[int]] = []

    def look(epoch: int, batch: int) -> bool:
        seen.append(_blas_threads_now())
        return (epoch, batch) == (1, 3) and len(seen) < 5

    run = tmp_path / "run"
    config = config_for(tiny_npz, blas_threads=1)
    train(config, prepare_data(config), run, should_stop=look)
    assert json.loads((run / "config.json").read_text())["config"]["blas_threads"] == 1
    resumed_config = RunFolder(run).read_config()
    train(resumed_config, prepare_data(resumed_config), run, resume=True, should_stop=look)
    assert seen and all(threads == [1] * len(threads) for threads in seen)


def test_the_result_does_not_depend_on_the_machines_blas_threads(tiny_npz: Path, tmp_path: Path) -> None:
    args = ["--data", str(tiny_npz), "--hidden", "300,200", "--batch-size", "100", "--validation", "100",
            "--epochs", "1", "--lr", "0.05", "--seed", "1", "--quiet"]
    for threads in ("1", "2"):
        env = os.environ | {"OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        done = subprocess.run([*TUTOR, "train", *args, "--out",
                               str(tmp_path / f"t{threads}")], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert same_parameters(tmp_path / "t1" / "params.h5", tmp_path / "t2" / "params.h5")


# --- 14: memory ------------------------------------------------------------------------------
def test_a_network_too_big_for_memory_is_refused_with_the_figure(tmp_path: Path, capsys) -> None:
    with pytest.raises(NotEnoughMemory, match=r"784-100-10 would need ~[\d.]+ MB .* only ~1.0 MB is available"):
        check_memory(TrainConfig(hidden=[100]), available=1024 * 1024)
    assert tutor("train", "--data", tmp_path / "nowhere.npz", "--hidden", "10000000", "--out", tmp_path / "r") == 2
    err = err_text(capsys)
    assert "the network 784-10000000-10 would need ~" in err and "GB of memory" in err and "--hidden" in err
    assert not (tmp_path / "r").exists()


# --- 17: divergence ----------------------------------------------------------------------------
def test_a_loss_far_above_chance_stops_the_run_with_the_figures(tiny_npz: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, "--lr", "1e6", "--out", tmp_path / "run") == 2
    err = err_text(capsys)
    assert "training diverged in epoch 1: the training loss is" in err and "far above chance level" in err
    assert "η = 1e+06 is very large" in err and "--lr 10000" in err
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "diverged"
    assert RunFolder(tmp_path / "run").status() == "diverged"


def _history(losses: list[float]) -> list[EpochMetrics]:
    return [EpochMetrics(e, 0.5, v, 0.1, v, 0.1, 1.0) for e, v in enumerate(losses, start=1)]


def test_a_growing_or_stubbornly_high_loss_draws_one_warning() -> None:
    watch = DivergenceWatch(TrainConfig(learning_rate=0.5))
    assert watch.check(_history([2.5, 2.6, 2.7])) is None
    warning = watch.check(_history([2.5, 2.6, 2.7, 2.9]))
    assert warning and "has grown for 3 epochs in a row (2.5 → 2.6 → 2.7 → 2.9" in warning and "η = 0.5" in warning
    assert watch.check(_history([2.5, 2.6, 2.7, 2.9, 3.1])) is None  # said once
    warning = DivergenceWatch(TrainConfig()).check(_history([9.0, 15.0, 11.0, 14.0]))
    assert warning and "stayed above twice chance level" in warning
    assert DivergenceWatch(TrainConfig()).check(_history([2.0, 1.0, 0.5, 0.4])) is None


def test_a_short_run_stuck_far_above_chance_is_warned_about_without_four_epochs_of_history() -> None:
    # issue 19: a 3-epoch run at ~7× chance finished "complete" without a word (the rule needed 4 epochs)
    seven = 7 * 2.3026
    watch = DivergenceWatch(TrainConfig(epochs=3))
    assert watch.check(_history([seven])) is None  # one epoch of a longer run: not yet
    warning = watch.check(_history([seven, seven - 0.5]))
    assert warning and "has stayed above twice chance level (4.61) for 2 epochs in a row" in warning
    warning = DivergenceWatch(TrainConfig(epochs=1)).check(_history([seven]))
    assert warning and "in its only epoch (16.12" in warning


def test_a_nan_names_the_likely_cause() -> None:
    nan = _history([float("nan")])
    with pytest.raises(DivergenceError, match="initial weights are large"):
        DivergenceWatch(TrainConfig(init="normal", init_sigma=5.0, learning_rate=0.01)).check(nan)
    with pytest.raises(DivergenceError, match="checkpoint may be damaged"):
        DivergenceWatch(TrainConfig(learning_rate=0.01), resumed_at_epoch=1).check(nan)
    with pytest.raises(DivergenceError, match=r"smaller learning rate, e\.g\. learning_rate = 0\.001"):
        DivergenceWatch(TrainConfig(learning_rate=0.01)).check(nan)


# --- 20: messages name what the user set --------------------------------------------------------
def test_a_validation_set_as_big_as_the_data_names_the_flag(tiny_npz: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, "--validation", "600", "--out", tmp_path / "r") == 2
    err = err_text(capsys)
    assert "--validation 600 holds out all of the 600 training images" in err and "n_validation" not in err


def test_a_lone_run_counts_the_cores_it_may_run_on_not_the_machines(tiny_npz: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """A process held to 2 of a machine's 16 cores (`taskset`, a container): one BLAS thread, as on a 2-core
    machine, not two threads and a measuring pass crowding 2 cores."""
    hold_to_cores(monkeypatch, 2, machine=16)
    out = tmp_path / "run"
    assert main(["train", "--data", str(tiny_npz), "--hidden", "8", "--batch-size", "50", "--validation", "100",
                 "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    assert "1 BLAS thread →" in capsys.readouterr().out
    assert json.loads((out / "config.json").read_text())["config"]["blas_threads"] == 1


def test_a_lone_run_takes_two_threads_where_two_cores_stay_free_and_a_retraining_up_to_two() -> None:
    from backprop_tutor.train.resources import lone_run_threads, measures_behind, retraining_threads

    assert [lone_run_threads(cores) for cores in (1, 2, 3, 4, 8)] == [1, 1, 1, 2, 2]
    # a retraining on 2 cores keeps one for its measuring passes, run behind the next epoch's steps; on 2 threads
    # it measures in turn, as every run on more than one BLAS thread does
    assert [retraining_threads(cores) for cores in (1, 2, 3, 8)] == [1, 1, 2, 2]
    assert [measures_behind(retraining_threads(cores), cores) for cores in (1, 2, 3, 8)] == [False, True, False, False]
    assert [measures_behind(threads, 8) for threads in (1, 2, 3)] == [True, False, False]
    # runs side by side (a sweep's workers) each need a core of their own to measure on
    assert [measures_behind(1, cores, runs=2) for cores in (2, 3, 4)] == [False, False, True]
