"""Traced minibatches: one group per (epoch, batch) in trace.h5, complete, consistent and small."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
from train_helpers import make_npz

from backprop_tutor.trace.store import TraceFile
from backprop_tutor.train import TrainConfig, prepare_data, train
from backprop_tutor.train.trainer import build_network


def test_trace_groups_hold_every_quantity_of_the_chosen_minibatches(tiny_npz: Path, tmp_path: Path) -> None:
    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], activation="sigmoid", learning_rate=0.2,
                         batch_size=50, epochs=3, decay_at=[1], n_validation=100, seed=5, l2=1e-3,
                         trace_batches=[1, 4], trace_epochs=[1, 2])
    data = prepare_data(config)
    initial = build_network(config)
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
        assert tf.group_name == "epoch1-batch1" and tf.array(1, "s", sample=499).shape == (100,)
