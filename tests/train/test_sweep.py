"""`tutor sweep`: the whole workflow on tiny data and on Fashion-MNIST, the choice, the test-set guard, resume
after a kill, failures, and bad grids."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pytest
from cores import hold_to_cores
from shared_data import SHARED_DATA, unpacked_shared_data
from train_helpers import recorded_tasks

from backprop_tutor.cli import main
from backprop_tutor.errors import UsageError, install_hint
from backprop_tutor.params import read_parameters
from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.resources import retraining_threads
from backprop_tutor.train.sweep import data as sweep_data
from backprop_tutor.train.sweep.data import SealedTestSet, SealedTestSetError
from backprop_tutor.train.sweep.results import RunSummary, run_state, select

FASHION = SHARED_DATA / "fashion-mnist"
#: The tiny set's settings (500 training + 100 validation images); the batch size is given by each test.
TINY = ["--hidden", "16,12", "--validation", "100", "--decay-at", "1", "--seed", "3"]
B50 = ["--batch-size", "50"]


def tutor(*args: object) -> int:
    return main([str(a) for a in args])


def report_of(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def test_the_whole_workflow_on_tiny_data(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hw"
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "3", "--activations", "tanh,relu",
                 "--lrs", "0.1,0.01", "--out", out, "--quiet") == 0
    text = capsys.readouterr().out
    names = ["tanh-lr0.1", "tanh-lr0.01", "relu-lr0.1", "relu-lr0.01"]
    record = json.loads((out / "sweep.json").read_text())
    assert record["configurations"] == names
    assert record["grid"]["axes"] == {"activation": ["tanh", "relu"], "learning_rate": [0.1, 0.01]}
    assert "--activations tanh,relu --lrs 0.1,0.01" in " ".join(record["sessions"][0]["command_line"])
    for name in names:
        run = out / "runs" / name
        assert {"config.json", "metrics.json", "params.h5"} <= {p.name for p in run.iterdir()}
        assert (out / "plots" / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "overview.png").is_file()
    # the choice: the highest last-epoch validation accuracy, read back from the runs' own metrics
    val = {n: json.loads((out / "runs" / n / "metrics.json").read_text())["epochs"][-1]["val_accuracy"]
           for n in names}
    chosen = max(names, key=lambda n: val[n])
    report = report_of(out)
    assert report["selection"]["chosen"] == chosen and report["selection"]["rule"] == "final"
    assert report["learning_rates"] == [0.1, 0.01] and report["batch_sizes"] == [50]
    assert report["network"]["hidden_layers"] == [[16, 12]] and report["initialisation"] == ["he"]
    assert report["regulariser"]["text"] == "none"
    assert report["data"] == {"name": "tiny", "source": str(tiny_npz), "training_images": 500,
                              "validation_images": 100, "final_training_images": 600}
    assert [r["final_validation_accuracy"] for r in report["runs"]] == [val[n] for n in names]
    final = json.loads((out / "final" / "config.json").read_text())
    assert final["config"]["activation"] == chosen.split("-")[0] and final["n_train"] == 600
    # the grid's runs take one BLAS thread each; the retraining, alone, a lone run's (recorded, reported)
    assert report["blas_threads"] == [1] and final["config"]["blas_threads"] == retraining_threads()
    assert report["final"]["blas_threads"] == retraining_threads()
    test = json.loads((out / "final" / "test.json").read_text())
    assert report["test"]["accuracy"] == test["accuracy"] and test["n_test"] == 100
    assert report["wall_seconds"]["all_sessions"] > 0
    md = (out / "report.md").read_text()
    assert f"**{chosen}** ★" in md and "![all configurations](overview.png)" in md
    assert f"![{names[0]}](plots/{names[0]}.png)" in md and "Test accuracy:" in md
    assert f"★ {chosen}" in text and "evaluated once" in text
    # the retrained choice is what `tutor infer` reads for a sweep folder
    assert tutor("infer", "--params", out, "--data", tiny_npz) == 0
    assert f"{test['correct']} / 100 correct" in capsys.readouterr().out


def _summary(name: str, val: list[float], status: str = "complete") -> RunSummary:
    history = [EpochMetrics(e, 0.1, 0.5, 0.5, 0.5, v, 1.0) for e, v in enumerate(val, start=1)]
    return RunSummary(name, {}, TrainConfig(), Path(name), status, history)


def test_selection_by_last_epoch_or_best_epoch_ties_to_the_first() -> None:
    runs = [_summary("a", [0.5, 0.9, 0.7]), _summary("b", [0.6, 0.8]), _summary("c", [0.99], status="failed"),
            _summary("d", [0.6, 0.8]), _summary("e", [0.6, math.nan])]
    assert select(runs, "final").name == "b"  # b and d tie at 0.8: the first in grid order
    assert select(runs, "best-epoch").name == "a"
    with pytest.raises(UsageError, match="nothing to choose from"):
        select([runs[2]], "final")


def test_the_test_set_is_opened_once_after_the_retrained_choice(tiny_npz: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "hw"
    asked: list[tuple[str, bool]] = []
    real = sweep_data.load_split

    def load_split(spec: str, split: str):
        runs = list((out / "runs").iterdir()) if (out / "runs").is_dir() else []
        runs_done = len(runs) == 2 and all(run_state(p) == "complete" for p in runs)
        final_done = run_state(out / "final") == "complete"
        asked.append((split, runs_done and final_done))
        return real(spec, split)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a loader of both splits was called")

    monkeypatch.setattr(sweep_data, "load_split", load_split)
    monkeypatch.setattr("backprop_tutor.data.datasets.load_dataset", never)
    monkeypatch.setattr("backprop_tutor.train.trainer.prepare_data", never)
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--lrs", "0.1,0.05", "--out", out,
                 "--quiet") == 0
    assert asked == [("train", False), ("test", True)]  # the test images: once, after the final run
    asked.clear()
    assert tutor("sweep", "--resume", out, "--quiet") == 0  # nothing to do: the test figure is not re-evaluated
    assert ("test", True) not in asked

    sealed = SealedTestSet(str(tiny_npz))
    with pytest.raises(SealedTestSetError, match="opened only after the configuration is chosen"):
        sealed.load()
    sealed.unseal()
    assert len(sealed.load()) == 100


def test_a_killed_sweep_resumes_without_redoing_finished_runs(tiny_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "hw"
    # e30 lasts long enough (30 × 50 steps) to be caught under way, and is short to finish on resume
    command = [sys.executable, "-m", "backprop_tutor", "sweep", "--data", str(tiny_npz), *TINY,
               "--batch-size", "10", "--epochs", "2,30", "--lr", "0.05", "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    first, second = out / "runs" / "e2", out / "runs" / "e30"
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (second / "checkpoint.h5").exists():  # the first run is complete, the second under way
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert run_state(first) == "complete"
    assert run_state(second) == "interrupted"
    finished = {p: p.stat().st_mtime_ns for p in (first / "params.h5", first / "metrics.json")}
    started = (second / "config.json").read_text()
    assert tutor("sweep", "--resume", out, "--quiet") == 0  # in this process (the kill was the other's)
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # the finished run was not redone
    assert (second / "config.json").read_text() == started  # the interrupted one continued, not restarted
    assert len(json.loads((second / "metrics.json").read_text())["epochs"]) == 30
    report = report_of(out)
    assert report["status"] == "complete" and len(report["command_lines"]) == 2
    killed = json.loads((out / "sweep.json").read_text())["sessions"][0]
    assert killed["status"] == "killed" and killed["seconds"] > 0  # up to the last file it wrote
    assert report["command_lines"][0] == report["command_lines"][1] and "--epochs 2,30" in report["command_lines"][0]


def test_ctrl_c_stops_every_worker_at_a_checkpoint_and_resume_finishes(tiny_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "hw"
    # 50 epochs of 50 steps: both workers' runs are still under way when the second one's first checkpoint is
    # written, however late its worker started; the resume then finishes them all (the test's main cost)
    command = ["tutor", "sweep", "--data", str(tiny_npz), *TINY, "--batch-size", "10", "--epochs", "50",
               "--lrs", "0.1,0.05,0.02", "--workers", "2", "--out", str(out), "--quiet"]
    process = subprocess.Popen([sys.executable, "-m", "backprop_tutor", *command[1:]], start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not all((out / "runs" / name / "checkpoint.h5").exists() for name in ("lr0.1", "lr0.05")):
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()  # type: ignore[union-attr]
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "Continue with: tutor sweep --resume" in output
    states = [run_state(out / "runs" / name) for name in ("lr0.1", "lr0.05", "lr0.02")]
    assert states[:2] == ["interrupted", "interrupted"] and states[2] != "complete"
    stopped = json.loads((out / "sweep.json").read_text())["sessions"]
    assert stopped[0]["status"] == "interrupted" and stopped[0]["seconds"] > 0  # issue 18: it had no wall time
    assert tutor("sweep", "--resume", out, "--workers", "2", "--quiet") == 0
    report = report_of(out)
    assert report["status"] == "complete"
    # issue 18: the resumed session's command line left its --workers out
    assert [line.count("--workers 2") for line in report["command_lines"]] == [1, 1]
    assert report["wall_seconds"]["all_sessions"] > report["wall_seconds"]["this_session"]
    assert not list(out.rglob(".lock"))  # issue 18: no empty lock file left, in the sweep folder or its runs


def test_a_failing_configuration_does_not_stop_the_others(tiny_npz: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hw"
    grid = ["--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--activation", "relu", "--lrs", "1e12,0.1", "--quiet"]
    assert tutor("sweep", *grid, "--out", out) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "failed: lr1e+12: training diverged in epoch 1" in text
    report = report_of(out)
    assert [r["status"] for r in report["runs"]] == ["failed", "complete"]
    assert report["selection"]["chosen"] == "lr0.1" and report["test"] is not None
    assert "lr1e+12** failed: training diverged" in (out / "report.md").read_text()
    failure = out / "runs" / "lr1e+12" / "failure.json"
    kept = (out / "runs" / "lr0.1" / "params.h5").stat().st_mtime_ns
    stamp = failure.stat().st_mtime_ns
    assert tutor("sweep", "--resume", out, "--quiet") == 1  # failed runs are not retried unless asked
    assert failure.stat().st_mtime_ns == stamp
    assert tutor("sweep", "--resume", out, "--retry-failed", "--quiet") == 1
    assert failure.stat().st_mtime_ns != stamp
    assert (out / "runs" / "lr0.1" / "params.h5").stat().st_mtime_ns == kept

    fast = tmp_path / "fast"
    assert tutor("sweep", *grid, "--out", fast, "--fail-fast") == 1
    assert not (fast / "runs" / "lr0.1").exists() and not (fast / "final").exists()
    assert report_of(fast)["status"] == "failed"


def test_a_sweep_says_when_its_workers_threads_are_more_than_the_cores_it_may_run_on(
        tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Counted as a run counts them (`memory.cores_here`): a process held to 1 core of 16."""
    hold_to_cores(monkeypatch, 1, machine=16)
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--lrs", "0.1", "--threads", "2",
                 "--out", tmp_path / "hw", "--quiet") == 0
    assert "note: 1 worker × 2 BLAS threads is more than the 1 core here" in capsys.readouterr().out


def test_process_pool_gives_the_same_runs(tiny_npz: Path, tmp_path: Path) -> None:
    grid = ["--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--lrs", "0.1,0.05", "--quiet"]
    assert tutor("sweep", *grid, "--out", tmp_path / "one") == 0
    assert tutor("sweep", *grid, "--out", tmp_path / "two", "--workers", "2") == 0
    one, two = report_of(tmp_path / "one"), report_of(tmp_path / "two")
    # seeded runs that hold their BLAS thread count: the same figures and parameters in any process
    assert [r["final_validation_accuracy"] for r in one["runs"]] == [r["final_validation_accuracy"]
                                                                      for r in two["runs"]]
    assert one["selection"]["chosen"] == two["selection"]["chosen"]
    for name in ("runs/lr0.1", "runs/lr0.05", "final"):
        for (W1, b1), (W2, b2) in zip(*(read_parameters(tmp_path / s / name / "params.h5") for s in ("one", "two")),
                                      strict=True):
            assert np.array_equal(W1, W2) and np.array_equal(b1, b2)


@pytest.fixture(scope="module")
def local_dask() -> Iterator[Executor]:
    """`--cluster local`'s executor (`dask_executor`): a local cluster of one worker process (a fresh Python
    importing Dask and the package, ~1.2 s of CPU), made once for the module's Dask tests."""
    pytest.importorskip("distributed", reason=f"Dask distributed is not installed ({install_hint('cluster')})")
    from backprop_tutor.train.sweep.executors import dask_executor

    with dask_executor("local", 1) as executor:
        yield executor


def test_the_sweep_runs_on_a_dask_cluster(local_dask: Executor, tiny_npz: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep given a running scheduler's address: the local cluster's, which gets both configurations as a
    cluster of any size would, and the retraining; none measures behind by the cores of the sweep's machine."""
    address = local_dask._client.scheduler.address  # type: ignore[attr-defined]
    assert address.startswith("tcp://127.0.0.1:")
    tasks = recorded_tasks(monkeypatch)
    hold_to_cores(monkeypatch, 8)
    out = tmp_path / "hw"
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--lrs", "0.1,0.05", "--cluster",
                 address, "--out", out, "--quiet") == 0
    assert "Dask cluster at tcp://127.0.0.1:" in capsys.readouterr().out
    report = report_of(out)
    assert [r["status"] for r in report["runs"]] == ["complete", "complete"] and report["test"] is not None
    assert [t.measure_behind for t in tasks] == [False, False, False]


def test_a_local_dask_cluster_drops_malloc_trim_and_runs_one_thread_per_worker(local_dask: Executor) -> None:
    # os.getenv travels by reference, so it reads the worker's own environment
    trim, blas = (local_dask.submit(functools.partial(os.getenv, name)).result()
                  for name in ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS"))
    threads = sum(local_dask._client.nthreads().values())  # type: ignore[attr-defined]
    assert (trim, blas, threads) == (None, "1", 1)


def test_without_dask_the_hint_says_how_to_install_it_both_ways(tiny_npz: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--cluster", "local",
                 "--out", tmp_path / "hw", "--quiet") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--cluster needs Dask distributed: pip install 'backprop_tutor[cluster]'" in err
    assert "from a clone of the repository: pip install '.[cluster]'" in err


def test_unreachable_cluster(tiny_npz: Path, tmp_path: Path, closed_port: int, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("distributed", reason="Dask distributed is not installed")
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--cluster", f"tcp://127.0.0.1:{closed_port}",
                 "--out", tmp_path / "hw", "--quiet") == 2
    assert "cannot reach a Dask scheduler there" in capsys.readouterr().err


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--activations", "tanh,swish"], "--activation 'swish': unknown activation"),
    (["--lrs", "0.1,x"], "--lrs: 'x' is not a valid value"),
    (["--lrs", "0.1,0.1"], "learning_rate: a value is listed twice"),
    (["--batch-size", "60"], "--batch-size 60 does not divide the 500 training images"),
    (["--batch-size", "125", "--subset", "600"],
     "retrained on all 600 training + validation images: --batch-size 125 does not divide the 600"),
    (["--subset", "700"], "--subset 700: the training file has only 600 images"),
    (["--lrs", "0.1,0"], "--lr 0.0: the learning rate η must be > 0"),
    (["--workers", "0"], "--workers must be ≥ 1"),
    # issue 19: accepted without a word before
    (["--lrs", ""], "--lrs '': no value given; give one or more, e.g. --lrs 0.01"),
    (["--epochs", "2", "--epochs", "3"], "--epochs is given 3 times (1, 2, 3); give its value once"),
    (["--cluster", "not an address"], "--cluster 'not an address': not a Dask scheduler's address"),
])
def test_bad_grids_give_one_clear_message(tiny_npz: Path, tmp_path: Path, args: list[str], message: str,
                                          capsys: pytest.CaptureFixture) -> None:
    batch = [] if "--batch-size" in args else B50
    assert tutor("sweep", "--data", tiny_npz, *TINY, *batch, "--epochs", "1", *args, "--out", tmp_path / "hw") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "hw" / "runs").exists()


def test_resume_rules(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hw"
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--out", out, "--quiet") == 0
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--out", out, "--quiet") == 2
    assert "holds a sweep of another grid" in capsys.readouterr().err
    assert tutor("sweep", "--resume", out, "--lrs", "0.1") == 2
    assert "drop --lr" in capsys.readouterr().err
    assert tutor("sweep", "--resume", tmp_path / "none") == 2
    assert "no sweep.json here" in capsys.readouterr().err
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--out", out, "--quiet", "--force") == 0
    assert report_of(out)["epochs"] == [2]
    tested = (out / "final" / "test.json").read_text()
    assert tutor("sweep", "--resume", out, "--select", "best-epoch", "--quiet") == 0
    assert report_of(out)["selection"]["rule"] == "best-epoch"
    assert "in any epoch" in (out / "report.md").read_text()
    assert (out / "final" / "test.json").read_text() == tested  # the same choice: tested once, not again


@pytest.mark.skipif(not (FASHION / "train-images-idx3-ubyte.gz").is_file(), reason=f"real data not found: {FASHION}")
def test_the_homework_grid_on_fashion_mnist(tmp_path: Path) -> None:
    """Six configurations (tanh and ReLU × three η₀) on real Fashion-MNIST images: few epochs, a subset."""
    out = tmp_path / "hw"
    fashion = unpacked_shared_data() / FASHION.name  # the same images, un-gzipped once
    assert tutor("sweep", "--data", fashion, "--activations", "tanh,relu", "--lrs", "0.1,0.01,0.001",
                 "--hidden", "32,16", "--batch-size", "100", "--epochs", "3", "--decay-at", "1,2", "--init", "he",
                 "--subset", "1200", "--validation", "200", "--out", out, "--quiet") == 0
    report = report_of(out)
    assert len(report["runs"]) == 6 and all(r["status"] == "complete" for r in report["runs"])
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(f"{r['name']}.png" for r in report["runs"])
    assert (out / "overview.png").is_file()
    assert report["data"]["final_training_images"] == 1200
    assert report["test"]["n_test"] == 10_000 and 0.5 < report["test"]["accuracy"] < 1
    chosen = max(report["runs"], key=lambda r: r["final_validation_accuracy"])
    assert report["selection"]["chosen"] == chosen["name"]
    assert np.isclose(report["selection"]["validation_accuracy"], chosen["final_validation_accuracy"])


# --- issue 19: the sweep folder is ours and locked; every failure said; test.json trusted only as written ---
def test_a_sweep_never_writes_into_a_folder_that_is_not_a_sweep(tiny_npz: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.md").write_text("my own notes")
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--out", out, "--quiet", "--force") == 2
    assert "holds files that are not a backprop_tutor sweep (report.md)" in " ".join(capsys.readouterr().err.split())
    assert [p.name for p in out.iterdir()] == ["report.md"] and (out / "report.md").read_text() == "my own notes"


def test_a_second_sweep_into_a_folder_in_use_is_refused(tiny_npz: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    import filelock

    out = tmp_path / "hw"
    out.mkdir()
    with filelock.FileLock(out / ".lock", thread_local=False):  # what a running `tutor sweep` holds
        assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--out", out, "--quiet") == 2
    assert "another tutor sweep is using this sweep folder" in " ".join(capsys.readouterr().err.split())
    assert not (out / "runs").exists() and not (out / "sweep.json").exists()


def test_a_busy_run_folder_is_not_marked_failed(tiny_npz: Path, tmp_path: Path) -> None:
    from backprop_tutor.train.run_folder import RunFolder
    from backprop_tutor.train.sweep.executors import run_task, task_for

    folder = tmp_path / "run"
    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, epochs=1, n_validation=100)
    with RunFolder(folder).claim():  # another process's run, under way
        outcome = run_task(task_for("r", config, folder))
    assert outcome.status == "failed" and "another tutor process is using this run folder" in outcome.error
    assert not (folder / "failure.json").exists()


def test_a_grid_run_draws_its_sweep_plot_as_it_ends_and_the_report_keeps_it(tiny_npz: Path, tmp_path: Path) -> None:
    from backprop_tutor.train.report import write_plots
    from backprop_tutor.train.sweep.executors import run_task, task_for
    from backprop_tutor.train.sweep.grid import Configuration
    from backprop_tutor.train.sweep.results import SweepResult, summarize

    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, epochs=2, n_validation=100)
    folder = tmp_path / "runs" / "r"
    assert run_task(task_for("r", config, folder, sweep=tmp_path)).status == "complete"
    plot = tmp_path / "plots" / "r.png"
    assert plot.read_bytes().startswith(b"\x89PNG")
    drawn = plot.stat().st_mtime_ns
    summary = summarize(Configuration("r", {}, config), folder)
    assert write_plots(SweepResult("complete", tmp_path, [summary])) == {"r": "plots/r.png", "overview": "overview.png"}
    assert plot.stat().st_mtime_ns == drawn and (tmp_path / "overview.png").is_file()  # not drawn twice


def test_the_runs_of_a_worker_share_their_data_and_its_fingerprint_until_a_new_session(tiny_npz: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, epochs=1, n_validation=100)
    sweep_data.forget_loaded_data()
    first = sweep_data.training_data(config)
    fingerprint = first.fingerprint
    assert sweep_data.training_data(dataclasses.replace(config, learning_rate=0.5)) is first  # same data
    merged = sweep_data.training_data(config, merged=True)
    assert merged.x_train.shape[0] == first.x_train.shape[0] + 100 and merged.fingerprint != fingerprint
    sweep_data.forget_loaded_data()
    again = sweep_data.training_data(config)
    assert again is not first and again.fingerprint == fingerprint


def test_when_every_configuration_fails_each_cause_is_said_and_the_exit_code_is_1(
        tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hw"
    assert tutor("sweep", "--data", tiny_npz, *TINY, *B50, "--epochs", "2", "--activation", "relu",
                 "--lrs", "1e12,1e13", "--quiet", "--out", out) == 1
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert "failed: lr1e+12: training diverged" in text and "failed: lr1e+13: training diverged" in text
    assert "nothing to choose from" not in text
    assert report_of(out)["status"] == "failed"


def test_a_hand_edited_test_json_is_measured_again(tiny_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "hw"
    grid = ["--data", tiny_npz, *TINY, *B50, "--epochs", "1", "--quiet"]
    assert tutor("sweep", *grid, "--out", out) == 0
    measured = report_of(out)["test"]["accuracy"]
    test_file = out / "final" / "test.json"
    edited = json.loads(test_file.read_text()) | {"accuracy": 0.999}
    test_file.write_text(json.dumps(edited))
    assert tutor("sweep", "--resume", out, "--quiet") == 0
    assert report_of(out)["test"]["accuracy"] == measured != 0.999


def _session_processes(session: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # field 6 of stat: the session id
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_die_with_a_killed_sweep(tiny_npz: Path, tmp_path: Path) -> None:
    # was: SIGKILL of the parent left the forkserver, the resource tracker and the workers training on
    out = tmp_path / "hw"
    # killed at the first checkpoint: 30 epochs keep the workers busy well past it; the resume finishes all three
    command = [sys.executable, "-m", "backprop_tutor", "sweep", "--data", str(tiny_npz), *TINY, "--batch-size", "10",
               "--epochs", "30", "--lrs", "0.1,0.05,0.02", "--workers", "2", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        deadline = time.monotonic() + 120
        while not any((out / "runs" / name / "checkpoint.h5").exists() for name in ("lr0.1", "lr0.05")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        assert len(_session_processes(process.pid)) >= 3  # the sweep, its forkserver, workers
        process.kill()
        process.wait()
        deadline = time.monotonic() + 20
        while _session_processes(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _session_processes(process.pid)
    finally:
        for pid in _session_processes(process.pid):
            os.kill(pid, signal.SIGKILL)
    assert left == []
    assert tutor("sweep", "--resume", out, "--quiet") == 0  # what the orphans left is continued, not redone


def test_the_retraining_prep_leaves_the_merged_images_and_their_fingerprint_ready(tiny_npz: Path) -> None:
    from backprop_tutor.train.sweep.workflow import RetrainingPrep

    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], n_validation=100)
    sweep_data.forget_loaded_data()
    prep = RetrainingPrep(config)
    prep.start()
    prep.wait()
    data = sweep_data.training_data(config, merged=True)  # the retraining's call: served from what prep made
    assert sweep_data._training_data.cache_info().hits == 1
    assert "fingerprint" in vars(data) and data.x_train.shape[0] == 600
