"""Each epoch measured on a spare core while the next one trains (`train.behind`: a lone `tutor train` or
`bt.train`, a sweep's retraining): the same run folder, figure for figure and bit for bit, as the epochs
measured in turn; also when the run is stopped, resumed or diverges; and its figures reported once in."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from cores import hold_to_cores
from train_helpers import figures, make_npz, recorded_tasks, same_parameters

import backprop_tutor as bt
from backprop_tutor.cli import main
from backprop_tutor.train import TrainConfig, prepare_data, train
from backprop_tutor.train.behind import MeasuredBehind
from backprop_tutor.train.checkpoint import CHECKPOINT_FILE
from backprop_tutor.train.config import split_problem
from backprop_tutor.train.divergence import DivergenceError


def config_for(data: Path, **changes) -> TrainConfig:
    settings = dict(data=str(data), hidden=[16, 12], batch_size=50, n_validation=100, epochs=4, learning_rate=0.1,
                    seed=2, decay_at=[2], momentum=0.5)
    return TrainConfig(**(settings | changes))


def checkpoint_arrays(folder: Path) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(folder / CHECKPOINT_FILE, "r") as f:
        f.visititems(lambda name, obj: arrays.update({name: obj[()]}) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def run(config: TrainConfig, folder: Path, behind: bool, **kwargs):
    return train(config, prepare_data(config), folder, measure_behind=behind, **kwargs)


def test_a_run_measured_behind_is_the_run_measured_in_turn(tiny_npz: Path, tmp_path: Path) -> None:
    config = config_for(tiny_npz)
    turn, behind = run(config, tmp_path / "turn", False), run(config, tmp_path / "behind", True)
    assert turn.status == behind.status == "complete"
    assert figures(tmp_path / "turn") == figures(tmp_path / "behind") and len(figures(tmp_path / "turn")) == 4
    assert same_parameters(tmp_path / "turn" / "params.h5", tmp_path / "behind" / "params.h5")
    assert [m.seconds > 0 for m in behind.history] == [True] * 4


@pytest.mark.parametrize("stop_at", [(2, 3), (3, 1), (2, 10)], ids=["mid-epoch", "first-minibatch", "epoch-end"])
def test_a_run_measured_behind_stops_and_resumes_to_the_same_result(tiny_npz: Path, tmp_path: Path,
                                                                     stop_at: tuple[int, int]) -> None:
    config = config_for(tiny_npz)
    whole = tmp_path / "whole"
    run(config, whole, False)
    parts = tmp_path / "parts"
    stopped = run(config, parts, True, should_stop=lambda epoch, batch: (epoch, batch) == stop_at)
    assert stopped.status == "interrupted" and stopped.stopped_at == stop_at
    # every epoch finished before the stop is measured and in the checkpoint, as when measured in turn
    turn = tmp_path / "turn"
    run(config, turn, False, should_stop=lambda epoch, batch: (epoch, batch) == stop_at)
    assert figures(parts) == figures(turn) and len(figures(parts)) == stop_at[0] - (stop_at[1] < 10)
    turn_cp, parts_cp = checkpoint_arrays(turn), checkpoint_arrays(parts)
    assert turn_cp.keys() == parts_cp.keys() and all(np.array_equal(turn_cp[k], parts_cp[k]) for k in turn_cp)
    assert run(config, parts, True, resume=True).status == "complete"
    assert figures(parts) == figures(whole)
    assert same_parameters(whole / "params.h5", parts / "params.h5")


def test_a_run_measured_behind_that_diverges_records_the_epochs_before(tiny_npz: Path, tmp_path: Path) -> None:
    config = config_for(tiny_npz, learning_rate=1e6, momentum=0.0, decay_at=[])
    with pytest.raises(DivergenceError):
        run(config, tmp_path / "turn", False)
    with pytest.raises(DivergenceError):
        run(config, tmp_path / "behind", True)
    for folder in ("turn", "behind"):
        assert json.loads((tmp_path / folder / "metrics.json").read_text())["status"] == "diverged"
    assert figures(tmp_path / "turn") == figures(tmp_path / "behind")


class Events:
    """The trainer's progress reports, in order: ("batch", epoch, minibatch) and ("epoch", epoch)."""

    def __init__(self) -> None:
        self.seen: list[tuple[object, ...]] = []
        self.passes: dict[int, int] = {}  # epoch: measuring passes in its wall time

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None: ...
    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None: ...
    def stop(self) -> None: ...

    def batch_done(self, epoch: int, batch: int) -> None:
        self.seen.append(("batch", epoch, batch))

    def epoch_end(self, metrics, passes: int = 1) -> None:
        self.seen.append(("epoch", metrics.epoch))
        self.passes[metrics.epoch] = passes


def test_an_epoch_measured_behind_is_reported_as_soon_as_its_figures_are_in(tiny_npz: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Not one epoch late: the figures of epoch k come after the first minibatch of epoch k + 1 when the measuring
    pass is done by then (here it is made to be), and the run is still the run measured in turn."""
    submit = MeasuredBehind.submit

    def submit_and_wait(self: MeasuredBehind, net, ended) -> None:
        submit(self, net, ended)
        self.pending[1].result()

    monkeypatch.setattr(MeasuredBehind, "submit", submit_and_wait)
    config = config_for(tiny_npz)
    events = Events()
    assert run(config, tmp_path / "behind", True, progress=events).status == "complete"
    epochs = [events.seen.index(("epoch", k)) for k in (1, 2, 3, 4)]
    assert [events.seen[i - 1] for i in epochs] == [("batch", 2, 1), ("batch", 3, 1), ("batch", 4, 1), ("batch", 4, 10)]
    run(config, tmp_path / "turn", False)
    assert figures(tmp_path / "turn") == figures(tmp_path / "behind")
    assert same_parameters(tmp_path / "turn" / "params.h5", tmp_path / "behind" / "params.h5")


@pytest.mark.parametrize(("behind", "stop_at", "passes"), [
    (False, None, {1: 1, 2: 1, 3: 1, 4: 1}),
    (True, None, {1: 0, 2: 1, 3: 1, 4: 2}),  # the first has no pass beside it; the last its own and the third's
    (True, (2, 10), {1: 0, 2: 2, 3: 0, 4: 2}),  # stopped at epoch 2's end (measured in turn), then resumed
])
def test_each_epoch_reports_the_measuring_passes_made_in_its_wall_time(tiny_npz: Path, tmp_path: Path, behind: bool,
                                                                       stop_at, passes: dict[int, int]) -> None:
    """What `tutor train`'s line divides by the epoch's seconds: the steps, and every measuring pass the run made
    meanwhile, on this core or the other (`RichProgress.work`)."""
    config, events = config_for(tiny_npz), Events()
    stop = None if stop_at is None else (lambda epoch, batch: (epoch, batch) == stop_at)
    first = run(config, tmp_path / "run", behind, progress=events, should_stop=stop)
    if stop_at is not None:
        assert first.status == "interrupted"
        assert run(config, tmp_path / "run", behind, progress=events, resume=True).status == "complete"
    assert events.passes == passes


def test_the_epoch_line_counts_the_arithmetic_of_its_wall_time() -> None:
    from backprop_tutor.cli.train import RichProgress
    from backprop_tutor.engine.flops import forward_flops, step_flops

    progress = RichProgress(None)
    progress.config, progress.batches = TrainConfig(hidden=[100, 50, 25], batch_size=500, n_validation=10000), 100
    steps, measuring = 100 * step_flops([784, 100, 50, 25, 10], 500), forward_flops([784, 100, 50, 25, 10], 60000)
    assert [progress.work(1, passes) for passes in (0, 1, 2)] == [(50000, steps + k * measuring) for k in (0, 1, 2)]


@pytest.fixture
def behind_made(monkeypatch: pytest.MonkeyPatch) -> list[MeasuredBehind]:
    """Every MeasuredBehind made in this process (one per run that measures behind)."""
    made: list[MeasuredBehind] = []
    init = MeasuredBehind.__init__

    def counted(self: MeasuredBehind, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(MeasuredBehind, "__init__", counted)
    return made


@pytest.mark.parametrize(("cores", "threads", "behind"), [(2, 1, True), (2, 2, False), (8, 1, True), (8, 2, False)])
@pytest.mark.parametrize("entry", ["tutor train", "bt.train"])
def test_a_lone_run_measures_behind_when_its_threads_leave_a_core_free(
        tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behind_made: list[MeasuredBehind],
        capsys: pytest.CaptureFixture, entry: str, cores: int, threads: int, behind: bool) -> None:
    hold_to_cores(monkeypatch, cores)
    out = tmp_path / "run"
    if entry == "tutor train":
        assert main(["train", "--data", str(tiny_npz), "--hidden", "16,12", "--batch-size", "50", "--validation",
                     "100", "--epochs", "3", "--seed", "2", "--threads", str(threads), "--quiet", "--out",
                     str(out)]) == 0
    else:
        bt.train(str(tiny_npz), out=out, hidden=[16, 12], batch_size=50, n_validation=100, epochs=3, seed=2,
                 blas_threads=threads)
    assert bool(behind_made) == behind
    assert json.loads((out / "metrics.json").read_text())["status"] == "complete" and len(figures(out)) == 3
    if entry == "tutor train":  # the setup lines say so: the epochs' times and lines come from the steps' core
        noted = "epochs measured on a second core while the next one trains" in capsys.readouterr().out
        assert noted == behind


def test_a_two_thread_run_on_many_cores_has_the_figures_of_a_run_measured_in_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tutor train --threads 2` where cores are to spare (the default on 4 or more) measures in turn: BLAS holds
    one thread count for the process, so a pass beside the steps would split its products over 2 threads, where
    a pass in turn takes each chunk on 1, and other last digits came out (products large enough to be split)."""
    hold_to_cores(monkeypatch, 8)
    data = make_npz(tmp_path / "wide.npz", n_train=3000)
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--hidden", "100,50", "--batch-size", "100", "--validation", "1000",
                 "--epochs", "3", "--lr", "0.1", "--seed", "2", "--decay-at", "none", "--threads", "2", "--quiet",
                 "--out", str(out)]) == 0
    config = TrainConfig(data=str(data), hidden=[100, 50], batch_size=100, n_validation=1000, epochs=3,
                         learning_rate=0.1, seed=2, blas_threads=2)
    run(config, tmp_path / "turn", False)
    assert figures(out) == figures(tmp_path / "turn")


def test_a_sweep_in_this_process_measures_its_grid_runs_behind_where_a_core_is_free(
        tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behind_made: list[MeasuredBehind]) -> None:
    """`tutor sweep`'s default, one worker: on a 2-core machine each grid run measures on the other core (on 1
    core none does), and the grid is the one measured in turn: the runs' figures and parameters, the choice. (The
    retraining splits its minibatches over both cores there instead: `test_processes`.)"""
    grid = ["sweep", "--data", str(tiny_npz), "--hidden", "16,12", "--validation", "100", "--batch-size", "50",
            "--epochs", "2", "--lrs", "0.1,0.05", "--seed", "3", "--quiet"]
    hold_to_cores(monkeypatch, 1)
    assert main([*grid, "--out", str(tmp_path / "turn")]) == 0 and not behind_made
    hold_to_cores(monkeypatch, 2)
    assert main([*grid, "--out", str(tmp_path / "behind")]) == 0
    assert len(behind_made) == 2 + (split_problem(2) is not None)  # lr0.1, lr0.05 (and the retraining, unsplit)
    for run in ("runs/lr0.1", "runs/lr0.05"):
        assert figures(tmp_path / "turn" / run) == figures(tmp_path / "behind" / run)
        assert same_parameters(tmp_path / "turn" / run / "params.h5", tmp_path / "behind" / run / "params.h5")
    turn, behind = (json.loads((tmp_path / s / "report.json").read_text()) for s in ("turn", "behind"))
    assert turn["selection"]["chosen"] == behind["selection"]["chosen"]


def test_a_grid_of_one_configuration_measures_behind_whatever_the_workers(
        tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behind_made: list[MeasuredBehind]) -> None:
    """--workers 2 with one configuration to run: it runs alone, so on 2 cores it has the second to measure on
    (the task says so; it runs in a pool worker, whose MeasuredBehind this process does not see)."""
    hold_to_cores(monkeypatch, 2)
    tasks = recorded_tasks(monkeypatch)
    assert main(["sweep", "--data", str(tiny_npz), "--hidden", "16,12", "--validation", "100", "--batch-size", "50",
                 "--epochs", "2", "--lrs", "0.1", "--seed", "3", "--workers", "2", "--quiet",
                 "--out", str(tmp_path / "one")]) == 0
    split = split_problem(2) is None  # the retraining steps on both cores instead
    assert [(t.name, t.measure_behind) for t in tasks] == [("run", True), ("final", not split)]
