"""Traced minibatches: one group per (epoch, batch) in trace.h5, complete, consistent and small."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from train_helpers import make_npz

from backprop_tutor.engine.network import mlp
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Trace, TraceHeader
from backprop_tutor.trace.recorder import Recorder
from backprop_tutor.trace.store import TraceFile, load_trace, write_trace
from backprop_tutor.train import TrainConfig, prepare_data, tracing, train
from backprop_tutor.train.config import split_problem
from backprop_tutor.train.tracing import TraceWriter
from backprop_tutor.train.trainer import initial_network


@pytest.mark.parametrize("processes", [1, 2, 5], ids=["one-process", "split-in-2", "split-in-5"])
def test_trace_groups_hold_every_quantity_of_the_chosen_minibatches(tiny_npz: Path, tmp_path: Path,
                                                                    processes: int) -> None:
    """Every row of a traced minibatch, also of a run split over processes (each row from the process that
    computed it; ∇W(l) the combined one, the update made with it)."""
    if processes > 1 and split_problem(processes):
        pytest.skip(split_problem(processes))
    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], activation="sigmoid", learning_rate=0.2,
                         batch_size=50, epochs=3, decay_at=[1], n_validation=100, seed=5, l2=1e-3,
                         trace_batches=[1, 4], trace_epochs=[1, 2], processes=processes)
    data = prepare_data(config)
    initial = initial_network(config)
    train(config, data, tmp_path / "run")
    path = tmp_path / "run" / "trace.h5"
    with h5py.File(path) as f:
        assert sorted(f.keys()) == ["epoch1-batch1", "epoch1-batch4", "epoch2-batch1", "epoch2-batch4"]
        assert json.loads(f.attrs["run"])["config"]["trace_batches"] == [1, 4]

    for epoch, batch, eta in ((1, 1, 0.2), (1, 4, 0.2), (2, 1, 0.1), (2, 4, 0.1)):
        with TraceFile(path, f"epoch{epoch}-batch{batch}") as tf:
            h = tf.header
            assert (h.sizes, h.batch_size, h.learning_rate) == ([784, 16, 12, 10], 50, eta)
            assert h.activations == ["sigmoid", "sigmoid", "softmax"] and h.loss == "cross-entropy"
            assert (h.config["epoch"], h.config["batch"]) == (epoch, batch)
            assert h.config["config"]["l2"] == 1e-3
            rows = np.array(h.config["training_rows"])
            assert rows.shape == (50,) and len(set(rows)) == 50
            trace = tf.load()
        kinds = [(e.kind, e.layer) for e in trace]
        assert kinds == [("input", 0), ("forward", 1), ("forward", 2), ("forward", 3), ("loss", 3),
                         ("output_delta", 3), ("delta", 2), ("delta", 1), ("gradient", 3), ("gradient", 2),
                         ("gradient", 1), ("update", 3), ("update", 2), ("update", 1)]
        ev = {(e.kind, e.layer): e for e in trace}
        x = ev["input", 0].x
        assert np.array_equal(x, data.x_train[rows]) and np.array_equal(ev["input", 0].y, data.y_train[rows])
        a = {0: x} | {l: ev["forward", l].a for l in (1, 2, 3)}
        for l in (1, 2, 3):
            fwd, upd, grad = ev["forward", l], ev["update", l], ev["gradient", l]
            assert fwd.s.shape == fwd.a.shape == (50, h.sizes[l])
            # s(l) = W(l) a(l-1) + b(l) with the weights before the update
            np.testing.assert_allclose(fwd.s, a[l - 1] @ upd.W_before.T + upd.b_before, rtol=1e-4, atol=1e-5)
            delta = ev["output_delta", 3].delta if l == 3 else ev["delta", l].delta
            # ∇W(l) = mean of δ(l) a(l-1)ᵀ + λ W(l);  ∇b(l) = mean of δ(l)
            np.testing.assert_allclose(grad.dW, delta.T @ a[l - 1] / 50 + 1e-3 * upd.W_before, rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(grad.db, delta.mean(axis=0), rtol=1e-4, atol=1e-7)
            # W(l) ← W(l) − η ∇W(l)
            assert upd.eta == eta
            np.testing.assert_allclose(upd.W_after, upd.W_before - eta * grad.dW, rtol=1e-5, atol=1e-7)
        assert ev["forward", 1].a_prime is not None and ev["forward", 3].a_prime is None  # softmax: a Jacobian
        np.testing.assert_array_equal(ev["output_delta", 3].delta, a[3] - ev["input", 0].y)  # δ(L) = a − y
        if (epoch, batch) == (1, 1):
            assert np.array_equal(ev["update", 1].W_before, initial.layers[0].W)


def test_trace_of_a_500_sample_batch_of_the_784_100_50_25_10_network_is_under_10_mb(tmp_path: Path) -> None:
    data_file = make_npz(tmp_path / "random.npz", n_train=600, n_test=0, noise=1.0)
    config = TrainConfig(data=str(data_file), hidden=[100, 50, 25], activation="tanh", batch_size=500, epochs=1,
                         n_validation=100, trace_batches=[1])
    train(config, prepare_data(config), tmp_path / "run")
    size = (tmp_path / "run" / "trace.h5").stat().st_size
    assert 1_000_000 < size < 10_000_000
    with TraceFile(tmp_path / "run" / "trace.h5") as tf:
        assert tf.group_name == "epoch1-batch1" and tf.array(1, fields.S, row=499).shape == (100,)


def test_trace_file_is_appended_to_not_rewritten_and_a_resumed_run_adds_to_it(tiny_npz: Path,
                                                                               tmp_path: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, epochs=3, n_validation=100, seed=3,
                         momentum=0.5, trace_batches=[1, 2, 3], trace_epochs=[1, 2, 3])
    data = prepare_data(config)
    whole = tmp_path / "whole"
    train(config, data, whole)
    run, inodes = tmp_path / "run", set()

    def stop_in_epoch_2(epoch: int, batch: int) -> bool:
        inodes.add((run / "trace.h5").stat().st_ino)  # the same file throughout: appended to, never replaced
        return (epoch, batch) == (2, 2)

    assert train(config, data, run, should_stop=stop_in_epoch_2).status == "interrupted"
    assert len(inodes) == 1
    with h5py.File(run / "trace.h5") as f:  # closed by the stop; the groups finished so far are there
        assert sorted(f.keys()) == ["epoch1-batch1", "epoch1-batch2", "epoch1-batch3", "epoch2-batch1",
                                    "epoch2-batch2"]
    inode = (run / "trace.h5").stat().st_ino
    assert train(config, data, run, resume=True).status == "complete"
    assert (run / "trace.h5").stat().st_ino == inode
    with h5py.File(whole / "trace.h5") as f:
        names = sorted(f.keys())
    assert len(names) == 9
    for name in names:  # the resumed run's traces are those of the uninterrupted one
        a, b = load_trace(whole / "trace.h5", name), load_trace(run / "trace.h5", name)
        assert a.header == b.header
        for ea, eb in zip(a, b, strict=True):
            assert ea.kind == eb.kind and ea.layer == eb.layer
            for (key, x), y in zip(ea.arrays().items(), eb.arrays().values(), strict=True):
                assert (x is None and y is None) or np.array_equal(x, y), (name, ea.kind, key)


def test_a_group_is_complete_or_absent_when_writing_it_fails(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    net = mlp([4, 3, 2], ["tanh", "softmax"], "cross-entropy", "float32", seed=0)
    x, y = np.full((2, 4), 0.5, np.float32), np.eye(2, dtype=np.float32)

    def one_trace() -> Trace:
        recorder = Recorder(TraceHeader(sizes=[4, 3, 2], activations=["tanh", "softmax"], loss="cross-entropy",
                                        precision="float32", learning_rate=0.1, batch_size=2))
        net.train_step(x, y, 0.1, recorder)
        return recorder.trace

    def write_half(group: h5py.Group, trace: Trace) -> None:
        write_trace(group, Trace(trace.header, trace.events[:3]))  # a group that looks like a trace …
        raise KeyboardInterrupt  # … and the second Ctrl-C arrives before it is complete

    with TraceWriter(tmp_path, {"run": 1}) as writer:
        writer.write("epoch1-batch1", one_trace())
        monkeypatch.setattr(tracing, "write_trace", write_half)
        with pytest.raises(KeyboardInterrupt):
            writer.write("epoch1-batch2", one_trace())
        monkeypatch.undo()
        writer.write("epoch1-batch3", one_trace())
    with h5py.File(tmp_path / "trace.h5") as f:
        assert sorted(f.keys()) == ["epoch1-batch1", "epoch1-batch3"] and json.loads(f.attrs["run"]) == {"run": 1}
    with TraceFile(tmp_path / "trace.h5") as tf:
        assert tf.traces == ["epoch1-batch1", "epoch1-batch3"] and len(tf.load()) == 10  # every event

    with TraceWriter(tmp_path, {"run": 2}, append=True) as writer:  # a resumed run keeps what is there
        writer.write("epoch1-batch3", one_trace())  # and replaces a step it traces again
        writer.write("epoch2-batch1", one_trace())
    with TraceFile(tmp_path / "trace.h5") as tf:
        assert tf.traces == ["epoch1-batch1", "epoch1-batch3", "epoch2-batch1"]


def test_a_damaged_trace_file_is_moved_aside_not_deleted_when_appending(tmp_path: Path) -> None:
    (tmp_path / "trace.h5").write_bytes(b"not an HDF5 file")  # what a kill in the middle of a write can leave
    with TraceWriter(tmp_path, {"run": 1}, append=True) as writer:
        assert writer.set_aside is not None and writer.set_aside.read_bytes() == b"not an HDF5 file"
    with h5py.File(tmp_path / "trace.h5", "r") as f:
        assert json.loads(f.attrs["run"]) == {"run": 1}


def test_traced_header_carries_momentum_and_l2(tiny_npz, tmp_path):
    from backprop_tutor.train import TrainConfig, prepare_data, train

    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, n_validation=100, epochs=1, seed=1,
                         momentum=0.9, l2=0.01, trace_batches=[2])
    train(config, prepare_data(config), tmp_path / "run")
    with TraceFile(tmp_path / "run" / "trace.h5") as tf:
        assert (tf.header.momentum, tf.header.l2) == (0.9, 0.01)
        update = tf[len(tf) - 1]
        assert update.momentum == 0.9 and update.v_W is not None


def test_a_resumed_run_sets_aside_a_trace_file_damaged_in_the_middle(tiny_npz: Path, tmp_path: Path) -> None:
    """The file still opens (its superblock is intact) but a group's events cannot be read: a resume must not
    append to it and call the run complete."""
    config = TrainConfig(data=str(tiny_npz), hidden=[8], batch_size=50, epochs=2, n_validation=100, seed=3,
                         trace_batches=[1, 2, 3], trace_epochs=[1, 2])
    data, run = prepare_data(config), tmp_path / "run"
    assert train(config, data, run, should_stop=lambda epoch, batch: (epoch, batch) == (2, 1)).status == "interrupted"
    damaged = bytearray((run / "trace.h5").read_bytes())
    middle = len(damaged) // 2
    damaged[middle:middle + 4000] = b"\xff" * 4000
    (run / "trace.h5").write_bytes(bytes(damaged))
    with h5py.File(run / "trace.h5", "a"):
        pass  # HDF5 itself does not notice
    assert train(config, data, run, resume=True).status == "complete"
    aside = list(run.glob("trace-damaged-*.h5"))
    assert len(aside) == 1 and aside[0].read_bytes() == bytes(damaged)
    with h5py.File(run / "trace.h5") as f:
        names = list(f.keys())
    for name in names:  # every group of the new file reads whole
        with TraceFile(run / "trace.h5", name) as trace:
            trace.load()
