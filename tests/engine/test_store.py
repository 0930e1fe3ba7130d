"""Traces on disk: round trips in every precision, lazy reads, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import h5py
import mpmath
import numpy as np
import pytest

from backprop_tutor.engine.network import mlp
from backprop_tutor.errors import TraceError
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Delta, FieldError, Forward, Input, Trace, TraceHeader, Update
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.trace.recorder import Recorder
from backprop_tutor.trace.store import TraceFile, list_traces, load_trace, save_trace, write_trace


def assert_same_events(a, b):
    assert len(a) == len(b)
    for ea, eb in zip(a, b, strict=True):
        assert type(ea) is type(eb) and ea.layer == eb.layer
        for name, va in ea.arrays().items():
            vb = eb.arrays()[name]
            if va is None:
                assert vb is None
            else:
                assert va.shape == vb.shape and va.dtype == vb.dtype
                assert (va == vb).all(), name


@pytest.mark.parametrize("precision", ["float32", "float64", "exact"])
def test_round_trip_is_bit_exact(tmp_path: Path, precision):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), precision)
    save_trace(trace, tmp_path / "t.h5")
    back = load_trace(tmp_path / "t.h5")
    assert back.header == trace.header
    assert_same_events(back, trace)


def test_exact_values_keep_every_digit_on_disk(tmp_path: Path):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "exact")
    save_trace(trace, tmp_path / "t.h5")
    with TraceFile(tmp_path / "t.h5") as tf:
        delta2 = tf.array(6, fields.DELTA, row=0)
    with mpmath.workdps(50):
        assert mpmath.almosteq(delta2[0], mpmath.mpf("1.9792597960067817061140898181382e-32"), rel_eps=1e-30)


def test_opening_reads_only_the_index_and_samples_read_alone(tmp_path: Path):
    net = mlp([784, 100, 50, 25, 10], ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    rng = np.random.default_rng(0)
    x = rng.random((500, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 500)]
    recorder = Recorder(TraceHeader([784, 100, 50, 25, 10], ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32",
                                    0.01, 500))
    net.train_step(x, y, 0.01, recorder)
    path = save_trace(recorder.trace, tmp_path / "big.h5")
    assert path.stat().st_size < 10_000_000
    with TraceFile(path) as tf:
        assert [i.cls for i in tf.index][:2] == [Input, Forward]
        assert tf.info(1).label == "s(1), a(1), a'(1)"
        row = tf.array(0, fields.X, row=41)
        assert row.shape == (784,)
        np.testing.assert_array_equal(row, x[41])
        assert tf.scalar(len(tf) - 1, fields.ETA) == pytest.approx(0.01)
        assert tf.array(3 + 1, fields.A_PRIME) is None  # softmax output: a' is a matrix, not stored as a vector
        assert tf.find(Update, 1) == len(tf) - 1 and tf.find(Delta, 4) is None


def test_several_traces_in_one_file(tmp_path: Path):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    with h5py.File(tmp_path / "many.h5", "w") as f:
        write_trace(f.create_group("epoch1-batch1"), trace)
        write_trace(f.create_group("epoch1-batch2"), trace)
    with h5py.File(tmp_path / "many.h5") as f:
        assert list_traces(f) == ["epoch1-batch1", "epoch1-batch2"]
    with TraceFile(tmp_path / "many.h5", "epoch1-batch2") as tf:
        assert len(tf) == len(trace)
    with pytest.raises(TraceError, match="no trace named 'nope'; this file holds: epoch1-batch1, epoch1-batch2"):
        TraceFile(tmp_path / "many.h5", "nope")


def test_bad_trace_files_give_clear_errors(tmp_path: Path):
    with pytest.raises(TraceError, match="no such trace file"):
        TraceFile(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(TraceError, match="not an HDF5 trace file"):
        TraceFile(tmp_path / "text.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["W1"] = np.zeros((2, 2))
    with pytest.raises(TraceError, match="no backprop_tutor trace in this HDF5 file"):
        TraceFile(tmp_path / "other.h5")


def test_an_interrupted_save_leaves_no_file(tmp_path: Path, monkeypatch):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("backprop_tutor.trace.store.write_trace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_trace(trace, tmp_path / "t.h5")
    assert list(tmp_path.iterdir()) == []


def test_damaged_traces_give_trace_errors(tmp_path: Path):
    import json

    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    path = save_trace(trace, tmp_path / "t.h5")
    with h5py.File(path, "a") as f:
        del f["events/000003"]
    with pytest.raises(TraceError, match=r"event 3 \(s\(3\), a\(3\), a'\(3\)\) is listed"):
        TraceFile(path)  # found on open, before a viewer steps to it
    with h5py.File(path, "a") as f:
        f.attrs["index"] = json.dumps([["input", 0], ["weird", 1]])
    with pytest.raises(TraceError, match="event kind weird that this backprop_tutor does not know"):
        TraceFile(path)


def test_both_readers_give_the_same_values_and_refuse_a_wrong_field(tmp_path: Path):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    with TraceFile(save_trace(trace, tmp_path / "t.h5")) as tf:
        for reader in (trace, tf):
            assert isinstance(reader, TraceReader)
            i = reader.find(Delta, 2)
            assert reader.info(i).cls is Delta and reader.index[i] == reader.info(i)
            np.testing.assert_array_equal(reader.array(i, fields.DELTA, row=0), trace[i].delta[0])
            np.testing.assert_array_equal(reader.array(i, fields.BACK), trace[i].back)  # W(3)ᵀ δ(3), before ⊙
            with pytest.raises(FieldError, match=r"Delta\(2\), which has no Forward.a_prime"):
                reader.array(i, fields.A_PRIME)
    with pytest.raises(FieldError, match="Forward has no field 'a_primе'"):
        fields.Field(Forward, "a_primе")  # a Cyrillic е: a typo is an error, not a blank
    assert isinstance(Trace(trace.header), TraceReader)


def test_a_row_out_of_range_is_a_trace_error_naming_the_rows(tmp_path: Path):
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")  # one sample
    with TraceFile(save_trace(trace, tmp_path / "t.h5")) as tf:
        for reader, where in ((tf, "t.h5"), (trace, "the trace")):
            with pytest.raises(TraceError, match=rf"{where}: no row 41 in x of event 0 .*: it has 1 sample: row 0$"):
                reader.array(0, fields.X, row=41)
            update = reader.find(Update, 1)
            with pytest.raises(TraceError, match=r"no row 2 in W_before of event \d+ .*: it has 2 rows, rows 0 to 1$"):
                reader.array(update, fields.W_BEFORE, row=2)
            with pytest.raises(TraceError, match="no row -2 in x"):
                reader.array(0, fields.X, row=-2)
            # -1 is the last row, as numpy counts
            np.testing.assert_array_equal(reader.array(0, fields.X, row=-1), trace[0].x[0])
