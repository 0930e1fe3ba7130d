"""`tutor train` and `tutor export` from the command line: success, bad inputs, resume, export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from train_helpers import make_npz, same_parameters

from backprop_tutor.cli import main
from backprop_tutor.params import read_parameters
from backprop_tutor.train import TrainConfig, prepare_data, train
from backprop_tutor.train.resources import lone_run_threads

SMALL = ["--hidden", "16,12", "--batch-size", "50", "--validation", "100", "--epochs", "2", "--lr", "0.1",
         "--seed", "2", "--decay-at", "1"]


def tutor(*args: object) -> int:
    return main([str(a) for a in args])


def test_train_writes_the_run_folder_and_a_trace_export_reads(tiny_npz: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--activation", "relu", "--momentum", "0.9",
                 "--trace-batch", "1", "--trace-batch", "2,3", "--out", run) == 0
    out = capsys.readouterr().out
    assert "500 training, 100 validation, 100 test images" in out and "done: training accuracy" in out
    assert re.search(r"epoch 2/2 .* s +[\d,]+ samples/s +[\d.]+ GFLOP/s\n", out)  # the epoch's throughput
    config = json.loads((run / "config.json").read_text())["config"]
    assert (config["activation"], config["momentum"], config["trace_batches"]) == ("relu", 0.9, [1, 2, 3])
    assert [W.shape for W, _ in read_parameters(run / "params.h5")] == [(16, 784), (12, 16), (10, 12)]

    assert tutor("export", run / "trace.h5", "--list") == 0
    assert capsys.readouterr().out.split() == ["epoch1-batch1", "epoch1-batch2", "epoch1-batch3"]
    md = tmp_path / "batch2.md"
    assert tutor("export", run / "trace.h5", "--group", "epoch1-batch2", "--markdown", md, "--sample", "3",
                 "--layer", "2") == 0
    text = md.read_text()
    assert "epoch 1, minibatch 2" in text and "### Updated parameters" in text and "\n| 2 | [" in text
    assert "sample 3 (of 50, numbered from 0)" in text
    assert "\n| 1 |" not in text  # only the layer asked for
    capsys.readouterr()
    assert tutor("export", run / "trace.h5", "--markdown", "-", "--full") == 0
    full = capsys.readouterr().out
    assert full.startswith("# tiny: epoch 1, minibatch 1") and "\n| 1 | [" in full
    assert "more]" not in full and ": min " not in full  # nothing cut or summarised


@pytest.mark.parametrize(("args", "message"), [
    (["--batch-size", "64"], "--batch-size 64 does not divide the 500 training images"),
    (["--lr", "0"], "--lr 0.0: the learning rate η must be > 0, e.g. 0.01"),
    (["--lr", "-0.01"], "must be > 0"),
    (["--activation", "softplus"], "--activation 'softplus': unknown activation"),
    (["--hidden", "100,x"], "--hidden: '100,x' is not a comma-separated list of whole numbers"),
    (["--hidden", "100,0"], "at least 1 unit"),
    (["--hidden", ""], "--hidden '': give at least one number, e.g. 1 or 1,2, or 'none' for none"),
    (["--threads", "0"], "--threads 0: the BLAS thread count must be ≥ 1"),
    (["--trace-batch", "11"], "--trace-batch [11]: an epoch has only 10 minibatches"),
    (["--trace-epochs", "3"], "--trace-epochs [3]: outside the run's epochs 1..2"),
    (["--init", "normal"], "--init normal needs --init-sigma, e.g. --init-sigma 0.1"),
])
def test_bad_inputs_give_one_clear_message_and_exit_2(tiny_npz: Path, tmp_path: Path, args: list[str],
                                                      message: str, capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, *args, "--out", tmp_path / "run", "--quiet") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run" / "params.h5").exists()


def test_batch_size_message_names_the_nearest_valid_sizes(tiny_npz: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, "--batch-size", "60", "--out", tmp_path / "r") == 2
    assert "--batch-size 50 or --batch-size 100" in " ".join(capsys.readouterr().err.split())


def test_missing_data_and_unknown_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--out", tmp_path / "r") == 2
    assert "--data is required" in capsys.readouterr().err
    assert tutor("train", "--data", tmp_path / "nowhere.npz", "--out", tmp_path / "r") == 2
    assert "no such file" in capsys.readouterr().err


def test_divergence_exits_2_naming_the_epoch(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, "--activation", "relu", "--lr", "1e8", "--quiet",
                 "--out", tmp_path / "run") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "training diverged in epoch 1" in err and "smaller learning rate" in err


def test_resume_from_the_command_line_matches_an_uninterrupted_run(tiny_npz: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture) -> None:
    assert tutor("train", "--data", tiny_npz, *SMALL, "--quiet", "--out", tmp_path / "whole") == 0
    threads = json.loads((tmp_path / "whole" / "config.json").read_text())["config"]["blas_threads"]
    assert threads == lone_run_threads()  # without --threads: a lone run's default, recorded for --resume
    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], batch_size=50, n_validation=100, epochs=2,
                         learning_rate=0.1, seed=2, decay_at=[1], blas_threads=threads)
    stopped = train(config, prepare_data(config), tmp_path / "run", should_stop=lambda e, b: (e, b) == (1, 7))
    assert stopped.status == "interrupted"
    assert tutor("train", "--resume", tmp_path / "run", "--lr", "0.2") == 2
    assert "drop --lr" in capsys.readouterr().err
    assert tutor("train", "--resume", tmp_path / "run", "--quiet") == 0
    assert same_parameters(tmp_path / "whole" / "params.h5", tmp_path / "run" / "params.h5")
    assert tutor("train", "--resume", tmp_path / "run", "--quiet") == 2  # finished: no checkpoint left
    assert "nothing to resume" in capsys.readouterr().err


def test_export_refuses_bad_choices(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--epochs", "1", "--trace-batch", "1", "--quiet",
                 "--out", run) == 0
    capsys.readouterr()
    for args, message in ((["--markdown", tmp_path / "x.md", "--sample", "50"], "numbered 0 to 49"),
                          (["--markdown", tmp_path / "x.md", "--layer", "4"], "layers 1 to 3"),
                          ([], "--markdown FILE"),
                          (["--markdown", tmp_path / "x.md", "--group", "epoch9-batch9"], "no trace named")):
        assert tutor("export", run / "trace.h5", *args) == 2
        assert message in " ".join(capsys.readouterr().err.split())
    assert tutor("export", run / "params.h5", "--markdown", tmp_path / "x.md") == 2
    assert "no backprop_tutor trace" in capsys.readouterr().err
    assert not (tmp_path / "x.md").exists()


def test_flag_lists_parse_into_the_config() -> None:
    from backprop_tutor.cli import build_parser
    from backprop_tutor.cli.train import config_from_args

    args = build_parser().parse_args(["train", "--data", "x.npz", "--hidden", "none", "--decay-at", "none",
                                      "--epochs", "3", "--trace-batch", "2", "--trace-batch", "1,2",
                                      "--trace-epochs", "all", "--init", "uniform", "--init-low", "-0.1",
                                      "--init-high", "0.1"])
    config = config_from_args(args)
    assert (config.hidden, config.sizes, config.decay_at) == ([], [784, 10], [])
    assert (config.trace_batches, config.trace_epochs) == ([1, 2], [1, 2, 3])
    assert (config.init, config.init_low, config.init_high) == ("uniform", -0.1, 0.1)


def test_the_loader_notes_are_printed_and_test_with_no_test_images_says_so(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    data = make_npz(tmp_path / "no-test.npz", n_test=0)
    assert tutor("train", "--data", data, *SMALL, "--epochs", "1", "--test", "--quiet", "--out", tmp_path / "r") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "x_train: 600 images, uint8 pixels 0..255 (max 255): divided by 255 to get [0, 1]" in out
    assert "warning: --test, but no-test has no test images" in out and ", no test images" in out
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["test"] is None


def test_a_resumed_epochs_throughput_counts_the_minibatches_it_trained(tiny_npz: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """Stopped after minibatch 7 of 10, the resumed epoch 1 trains 3 × 50 images: its samples/s is of those."""
    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], batch_size=50, n_validation=100, epochs=2,
                         learning_rate=0.1, seed=2, decay_at=[1], blas_threads=lone_run_threads())
    stopped = train(config, prepare_data(config), tmp_path / "run", should_stop=lambda e, b: (e, b) == (1, 7))
    assert stopped.status == "interrupted"
    capsys.readouterr()
    assert tutor("train", "--resume", tmp_path / "run") == 0
    out = capsys.readouterr().out
    seconds = [e["seconds"] for e in json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"]]
    for epoch, samples in ((1, 3 * 50), (2, 10 * 50)):
        rate = re.search(rf"epoch {epoch}/2 .* s +([\d,]+) samples/s", out)
        assert rate is not None and rate[1] == f"{samples / seconds[epoch - 1]:,.0f}"


def test_resume_honours_test(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    config = TrainConfig(data=str(tiny_npz), hidden=[16, 12], batch_size=50, n_validation=100, epochs=2,
                         learning_rate=0.1, seed=2, decay_at=[1])
    train(config, prepare_data(config), run, should_stop=lambda e, b: (e, b) == (1, 7))
    assert tutor("train", "--resume", run, "--test", "--quiet") == 0
    assert ", test " in capsys.readouterr().out
    test = json.loads((run / "metrics.json").read_text())["test"]
    assert test["n_test"] == 100 and 0 <= test["accuracy"] <= 1
    assert json.loads((run / "config.json").read_text())["config"]["test"] is False  # the run's own settings


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "FILE"], "is a file, not a folder; choose another --out"),
    (["--out", "RUN"], "already holds an unfinished run (config.json); continue it with tutor train --resume"),
    (["--subset", "600", "--trace-batch", "11"], "--trace-batch [11]: an epoch has only 10 minibatches"),
    (["--subset", "560"], "--batch-size 50 does not divide the 460 training images"),
    (["--seed", "-3"], "--seed -3: must be ≥ 0"),
    (["--lr", "inf"], "--lr inf: must be a finite number (not inf or nan"),
])
def test_checks_that_need_no_data_come_before_loading_it(tiny_npz: Path, tmp_path: Path, args: list[str],
                                                         message: str, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "RUN").mkdir()
    (tmp_path / "RUN" / "config.json").write_text('{"format": "backprop_tutor.run", "config": {}}')
    args = [str(tmp_path / a) if a in ("FILE", "RUN") else a for a in args]
    out = [] if "--out" in args else ["--out", tmp_path / "new"]
    # the data path does not exist: had it been loaded first, the error would be about the data
    assert tutor("train", "--data", tmp_path / "nowhere.npz", *SMALL, *args, *out, "--quiet") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "nowhere" not in err


def test_resume_of_a_finished_run_is_refused_before_loading_data(tiny_npz: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    assert tutor("train", "--data", tiny_npz, *SMALL, "--epochs", "1", "--quiet", "--out", run) == 0
    config = json.loads((run / "config.json").read_text())
    config["config"]["data"] = str(tmp_path / "moved-away.npz")
    (run / "config.json").write_text(json.dumps(config))
    assert tutor("train", "--resume", run, "--quiet") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "nothing to resume" in err and "moved-away" not in err

