"""A run split over processes (`train.processes`, the ``processes`` setting): the whole step's math to float
rounding, its own results bit for bit (also stopped and resumed), the figures of a one-process pass, helpers that
never outlive their run and a helper's death reported, the settings refused where they cannot work, and a sweep's
retraining split where it has two cores. (Its traced minibatches: `test_tracing`; a kill or Ctrl-C at a spread
of moments: `test_fault_injection`.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from cores import hold_to_cores
from train_helpers import figures, same_parameters

from backprop_tutor.cli import main
from backprop_tutor.engine.network import Network, mlp
from backprop_tutor.train import TrainConfig, prepare_data, train
from backprop_tutor.train.config import SettingError, split_problem
from backprop_tutor.train.metrics import Evaluator
from backprop_tutor.train.processes import HelperLost, SplitRun

pytestmark = pytest.mark.skipif(split_problem(2) is not None, reason=str(split_problem(2)))


def config_for(data: Path, **changes) -> TrainConfig:
    settings = dict(data=str(data), hidden=[16, 12], batch_size=50, n_validation=100, epochs=4, learning_rate=0.1,
                    seed=2, decay_at=[2], momentum=0.5, l2=1e-3, processes=2)
    return TrainConfig(**(settings | changes))


def run(config: TrainConfig, folder: Path, **kwargs):
    return train(config, prepare_data(config), folder, **kwargs)


class InTurn:
    """The other parts of a minibatch computed in this process when waited for (`engine.network.Parts`)."""

    def __init__(self, net: Network, x: np.ndarray, y: np.ndarray, n: int) -> None:
        rows = x.shape[0] // n
        self.networks = [Network(net.layers, net.loss, net.ops) for _ in range(n - 1)]
        self.parts = [(x[k * rows:(k + 1) * rows], y[k * rows:(k + 1) * rows]) for k in range(1, n)]

    def wait(self) -> None:
        for net, (x, y) in zip(self.networks, self.parts, strict=True):
            net.forward(x)
            net.backward(y)


@pytest.mark.parametrize(("parts", "momentum", "l2"), [(2, 0.0, 0.0), (3, 0.9, 0.0), (4, 0.5, 1e-2)])
def test_a_step_in_parts_is_the_whole_step(parts: int, momentum: float, l2: float) -> None:
    """∇W(l) = (1/N) Σ ∇W(l)_part + λ W(l) is the minibatch's mean gradient: in float64 the parameters after
    three steps in parts are the whole steps' to rounding (λ's term added once, momentum's v kept once)."""
    rng = np.random.default_rng(parts)
    x, y = rng.random((12, 784)), np.eye(10)[rng.integers(0, 10, 12)]
    whole, split = (mlp([784, 20, 15, 10], ["tanh", "relu", "softmax"], "cross-entropy", "float64", seed=1)
                    for _ in range(2))
    for _ in range(3):
        whole.train_step(x, y, 0.1, momentum=momentum, l2=l2)
        split.train_step(x, y, 0.1, momentum=momentum, l2=l2, parts=InTurn(split, x, y, parts))
    for a, b in zip(whole.layers, split.layers, strict=True):
        np.testing.assert_allclose(b.W, a.W, rtol=0, atol=1e-14)
        np.testing.assert_allclose(b.b, a.b, rtol=0, atol=1e-14)
    assert not np.array_equal(whole.layers[0].W, mlp([784, 20, 15, 10], ["tanh", "relu", "softmax"],
                                                     "cross-entropy", "float64", seed=1).layers[0].W)


def test_a_split_run_is_the_one_process_run_to_rounding_and_its_own_bit_for_bit(tiny_npz: Path,
                                                                                 tmp_path: Path) -> None:
    one = run(config_for(tiny_npz, processes=1), tmp_path / "one")
    split, again = (run(config_for(tiny_npz), tmp_path / name) for name in ("split", "again"))
    assert one.status == split.status == again.status == "complete"
    assert figures(tmp_path / "split") == figures(tmp_path / "again") and len(figures(tmp_path / "split")) == 4
    assert same_parameters(tmp_path / "split" / "params.h5", tmp_path / "again" / "params.h5")
    assert not same_parameters(tmp_path / "one" / "params.h5", tmp_path / "split" / "params.h5")  # another order
    for a, b in zip(one.network.layers, split.network.layers, strict=True):
        np.testing.assert_allclose(b.W, a.W, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.array(figures(tmp_path / "split"), float), np.array(figures(tmp_path / "one"), float),
                               rtol=1e-4)
    assert json.loads((tmp_path / "split" / "config.json").read_text())["config"]["processes"] == 2


@pytest.mark.parametrize("stop_at", [(2, 3), (2, 10)], ids=["mid-epoch", "epoch-end"])
def test_a_split_run_stops_and_resumes_to_the_same_result(tiny_npz: Path, tmp_path: Path,
                                                          stop_at: tuple[int, int]) -> None:
    config = config_for(tiny_npz)
    run(config, tmp_path / "whole")
    stopped = run(config, tmp_path / "parts", should_stop=lambda epoch, batch: (epoch, batch) == stop_at)
    assert stopped.status == "interrupted" and stopped.stopped_at == stop_at
    assert run(config, tmp_path / "parts", resume=True).status == "complete"
    assert figures(tmp_path / "parts") == figures(tmp_path / "whole")
    assert same_parameters(tmp_path / "whole" / "params.h5", tmp_path / "parts" / "params.h5")


@pytest.mark.parametrize("helpers", [1, 2, 4])
def test_the_measuring_pass_split_over_processes_gives_the_figures_of_one_process(tiny_npz: Path,
                                                                                  helpers: int) -> None:
    """Each chunk computed as one process computes it, the sums added in order: the same figures to the last
    digit, whatever the number of helpers (more helpers than chunks too); a set they do not hold is measured
    here."""
    config = config_for(tiny_npz)
    data = prepare_data(config)
    rng = np.random.default_rng(0)
    big = (rng.random((3500, 784), dtype=np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, 3500)])
    net = mlp(config.sizes, config.activations, "cross-entropy", "float32", seed=3)
    alone = Evaluator(net)
    expected = [alone(*big), alone(data.x_val, data.y_val), alone(data.x_test, data.y_test)]
    split = SplitRun(net, [big, (data.x_val, data.y_val)], helpers + 1, 50).start()
    try:
        evaluator = Evaluator(net, helpers=split)
        assert [evaluator(*big), evaluator(data.x_val, data.y_val), evaluator(data.x_test, data.y_test)] == expected
        # chunks of another size than the helpers measure in: measured here, the figures of such a pass alone
        assert Evaluator(net, chunk=300, helpers=split)(*big) == Evaluator(net, chunk=300)(*big)
    finally:
        split.stop()


def test_a_helper_that_dies_stops_the_run_which_then_resumes_to_the_same_result(
        tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_for(tiny_npz)
    run(config, tmp_path / "whole")
    started: list[SplitRun] = []
    real_start = SplitRun.start
    monkeypatch.setattr(SplitRun, "start", lambda self: started.append(self) or real_start(self))

    def kill_at(epoch: int, batch: int) -> bool:
        if (epoch, batch) == (3, 4):
            os.kill(started[0].helpers[0].pid, signal.SIGKILL)
        return False

    with pytest.raises(HelperLost, match=r"helper process 1 of the run \(pid \d+\) ended: killed by signal 9; "
                                         r"the run stopped, and can continue from its last checkpoint"):
        run(config, tmp_path / "parts", should_stop=kill_at)
    assert len(figures(tmp_path / "parts")) == 2  # the epochs before, checkpointed
    assert run(config, tmp_path / "parts", resume=True).status == "complete"
    assert same_parameters(tmp_path / "whole" / "params.h5", tmp_path / "parts" / "params.h5")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (Linux's /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # a zombie: dead, its exit not yet collected by whoever adopted it


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_the_helpers_die_with_their_run(tiny_npz: Path, tmp_path: Path, how: str) -> None:
    """However the run's process ends, its helpers end with it: none is left spinning on a core."""
    script = textwrap.dedent(f"""
        from backprop_tutor.train import TrainConfig, prepare_data, train
        config = TrainConfig(data={str(tiny_npz)!r}, hidden=[16, 12], batch_size=50, n_validation=100, epochs=1000,
                             processes=5)
        train(config, prepare_data(config), {str(tmp_path / "run")!r})
    """)
    process, helpers = subprocess.Popen([sys.executable, "-c", script]), []
    try:
        deadline = time.monotonic() + 60
        while len(children(process.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        helpers = children(process.pid)
        assert len(helpers) == 4, "the run did not start its helpers"
        time.sleep(0.3)  # epochs under way
        process.send_signal(getattr(signal, how))
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while not all(gone(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(gone(pid) for pid in helpers)
    finally:
        for pid in ([process.pid] if process.poll() is None else []) + [p for p in helpers if not gone(p)]:
            os.kill(pid, signal.SIGKILL)
        process.wait()


@pytest.mark.parametrize(("changes", "message"), [
    ({"processes": 3}, "processes = 3 does not divide batch_size = 50: each process takes an equal part of every "
                       "minibatch"),
    ({"processes": 2, "blas_threads": 2}, "processes = 2 runs each process on one BLAS thread: give blas_threads = 1 "
                                          "with it"),
    ({"processes": 0}, "processes = 0: the number of processes must be ≥ 1"),
])
def test_settings_a_split_run_cannot_work_with_are_refused(tiny_npz: Path, changes: dict, message: str) -> None:
    with pytest.raises(SettingError) as refused:
        config_for(tiny_npz, **changes).check()
    assert str(refused.value) == message


def test_a_split_run_is_refused_where_the_platform_cannot_fork(tiny_npz: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert main(["train", "--data", str(tiny_npz), "--hidden", "16", "--batch-size", "50", "--validation", "100",
                 "--processes", "2", "--quiet", "--out", str(tmp_path / "run")]) == 2
    assert ("--processes 2: a run is split over processes only on Linux (its helpers are forked): give 1"
            in " ".join(capsys.readouterr().err.split()))
    assert not (tmp_path / "run").exists()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr("platform.machine", lambda: "aarch64")
    assert "only on x86-64 processors, not aarch64" in str(split_problem(2))


def test_tutor_train_splits_a_run_over_processes_and_resumes_it_so(tiny_npz: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    hold_to_cores(monkeypatch, 2)
    hold_args = ["--data", str(tiny_npz), "--hidden", "16,12", "--batch-size", "50", "--validation", "100",
                 "--epochs", "3", "--lr", "0.1", "--seed", "2"]
    assert main(["train", *hold_args, "--processes", "2", "--out", str(tmp_path / "run")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 BLAS thread in each of 2 processes" in out and "note:" not in out
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert (recorded["processes"], recorded["blas_threads"]) == (2, 1)
    stopped = tmp_path / "stopped"
    config = TrainConfig.from_dict(recorded)
    run(config, stopped, should_stop=lambda epoch, batch: (epoch, batch) == (2, 5))
    assert main(["train", "--resume", str(stopped), "--quiet"]) == 0
    assert same_parameters(tmp_path / "run" / "params.h5", stopped / "params.h5")


@pytest.mark.parametrize(("cores", "processes"), [(1, 1), (2, 2)])
def test_a_sweep_retrains_its_choice_split_over_two_cores(tiny_npz: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, cores: int,
                                                          processes: int) -> None:
    hold_to_cores(monkeypatch, cores)
    assert main(["sweep", "--data", str(tiny_npz), "--hidden", "16,12", "--validation", "100", "--batch-size", "50",
                 "--epochs", "2", "--lrs", "0.1,0.05", "--seed", "3", "--quiet", "--out", str(tmp_path / "s")]) == 0
    final = json.loads((tmp_path / "s" / "final" / "config.json").read_text())["config"]
    grid = json.loads((tmp_path / "s" / "runs" / "lr0.1" / "config.json").read_text())["config"]
    assert (final["processes"], final["blas_threads"], grid["processes"]) == (processes, 1, 1)
    report = json.loads((tmp_path / "s" / "report.json").read_text())
    assert report["status"] == "complete" and report["final"]["processes"] == processes


def test_a_split_run_works_from_a_thread_other_than_the_main_one(tiny_npz: Path, tmp_path: Path) -> None:
    """A notebook or a GUI may train from a thread of its own: the helper forked there still ignores Ctrl-C
    and steps (the forking thread is its process's main thread)."""
    import threading

    config = config_for(tiny_npz, epochs=2)
    results = []
    thread = threading.Thread(target=lambda: results.append(run(config, tmp_path / "thread")))
    thread.start()
    thread.join(120)
    run(config, tmp_path / "main")
    assert results and results[0].status == "complete"
    assert same_parameters(tmp_path / "main" / "params.h5", tmp_path / "thread" / "params.h5")


def test_a_helper_that_cannot_be_started_is_one_clear_message(tiny_npz: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def no_fork() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_fork)
    assert main(["train", "--data", str(tiny_npz), "--hidden", "16", "--batch-size", "50", "--validation", "100",
                 "--epochs", "2", "--processes", "2", "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert ("helper process 1 of the run could not be started (Cannot allocate memory); train with one process "
            "(--processes 1)") in err and "Traceback" not in err
    monkeypatch.undo()
    assert main(["train", "--resume", str(tmp_path / "run"), "--quiet"]) == 0  # nothing lost: it starts again


@pytest.mark.parametrize("ending", ["complete", "interrupted", "diverged", "helper lost"])
def test_no_helper_outlives_its_run_however_it_ends(tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    ending: str) -> None:
    from backprop_tutor.train.divergence import DivergenceError

    started: list[SplitRun] = []
    real_start = SplitRun.start
    monkeypatch.setattr(SplitRun, "start", lambda self: started.append(self) or real_start(self))
    config = config_for(tiny_npz, **({"learning_rate": 1e6, "momentum": 0.0} if ending == "diverged" else {}))
    before = set(children(os.getpid()))  # (a pool's fork server left by an earlier test of this worker, say)
    helpers: list[int] = []

    def stop_at(epoch: int, batch: int) -> bool:
        helpers[:] = [helper.pid for helper in started[0].helpers]
        if ending == "helper lost" and (epoch, batch) == (2, 2):
            os.kill(started[0].helpers[0].pid, signal.SIGKILL)
        return ending == "interrupted" and (epoch, batch) == (2, 2)

    try:
        result = run(config, tmp_path / "run", should_stop=stop_at)
        assert result.status == ending
    except (DivergenceError, HelperLost) as err:
        assert {DivergenceError: "diverged", HelperLost: "helper lost"}[type(err)] == ending
    assert helpers and set(children(os.getpid())) <= before  # stopped and collected: not even a zombie
    assert all(not Path(f"/proc/{pid}").exists() for pid in helpers)


def test_a_helper_that_fails_stops_the_run_with_its_reason(tiny_npz: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception in a helper (here in its gather; say a MemoryError) reaches the run as the reason it ended."""
    from backprop_tutor.train import processes

    real_gather, run_process = processes._gather, os.getpid()

    def failing(*args) -> None:
        if os.getpid() != run_process:  # in a helper
            raise RuntimeError("no memory for the minibatch")
        real_gather(*args)

    monkeypatch.setattr(processes, "_gather", failing)
    with pytest.raises(HelperLost, match=r"helper process 1 of the run \(pid \d+\) ended: RuntimeError: no memory for "
                                         r"the minibatch; the run stopped"):
        run(config_for(tiny_npz), tmp_path / "run")


def test_tutor_train_notes_more_processes_than_cores(tiny_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    hold_to_cores(monkeypatch, 2)
    assert main(["train", "--data", str(tiny_npz), "--hidden", "16", "--batch-size", "50", "--validation", "100",
                 "--epochs", "1", "--processes", "5", "--out", str(tmp_path / "run")]) == 0
    assert ("note: 5 processes is more than the 2 cores here; they will slow each other down"
            in " ".join(capsys.readouterr().out.split()))
