"""The η schedule and the checks on a run's settings."""

from __future__ import annotations

import pytest

from backprop_tutor.errors import UsageError
from backprop_tutor.train.config import SettingError, TrainConfig, parse_hidden, parse_int_list
from backprop_tutor.train.schedule import StepDecay


def test_default_schedule_halves_after_20_and_40_ending_at_a_quarter() -> None:
    s = StepDecay(0.01)
    assert [s.learning_rate(e) for e in (1, 20, 21, 40, 41, 50)] == [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]
    assert [(c.after_epoch, c.learning_rate) for c in s.changes(50)] == [(20, 0.005), (40, 0.0025)]
    assert s.changes(30) == s.changes(50)[:1]  # a decay after the last epoch never happens


def test_schedule_without_decay_and_with_another_factor() -> None:
    assert StepDecay(0.1, 2, ()).learning_rate(50) == 0.1
    assert StepDecay(1.0, 10, (1, 2)).learning_rate(3) == pytest.approx(0.01)


def test_parse_hidden() -> None:
    assert parse_hidden("100,50,25") == [100, 50, 25]
    assert parse_hidden(" 64 ") == [64]
    assert parse_hidden("none") == []
    for bad in ("100,x", "100,,50", "100,0", "-5", "1.5", "", "  "):  # '' is not 'none' (a missing variable)
        with pytest.raises(UsageError, match="--hidden"):
            parse_hidden(bad)


def test_parse_int_list_needs_a_number() -> None:
    with pytest.raises(UsageError, match="--trace-batch"):
        parse_int_list("", "--trace-batch")


@pytest.mark.parametrize(("changes", "message"), [
    ({"learning_rate": 0.0}, "learning_rate = 0.0: the learning rate η must be > 0, e.g. 0.01"),
    ({"learning_rate": -0.01}, "must be > 0"),
    ({"activation": "softplus"}, "activation = 'softplus': unknown activation; choose one of tanh, relu, sigmoid"),
    ({"hidden": [100, 0]}, "hidden = [100, 0]: hidden layer widths"),
    ({"epochs": 0}, "epochs = 0: the number of epochs must be ≥ 1"),
    ({"momentum": 1.0}, "momentum = 1.0: momentum μ must be in [0, 1)"),
    ({"l2": -1.0}, "l2 = -1.0: the L2 strength"),
    ({"init": "zeros"}, "init = 'zeros': unknown init scheme"),
    ({"init": "normal"}, "init = normal needs init_sigma, e.g. init_sigma = 0.1"),
    ({"trace_batches": [0]}, "trace_batches = [0]: a 1-based"),
    ({"epochs": 3, "trace_epochs": [4]}, "trace_epochs = [4]: outside the run's epochs 1..3"),
    ({"seed": -1}, "seed = -1: must be ≥ 0"),
    ({"blas_threads": 0}, "blas_threads = 0: the BLAS thread count must be ≥ 1"),
    ({"learning_rate": float("inf")}, "learning_rate = inf: must be a finite number (not inf or nan"),
    ({"learning_rate": float("nan")}, "learning_rate = nan"),
    ({"decay_factor": float("inf")}, "decay_factor = inf"),
    ({"momentum": float("nan")}, "momentum = nan"),
    ({"l2": float("inf")}, "l2 = inf"),
    ({"init": "normal", "init_sigma": float("inf")}, "init_sigma = inf"),
    ({"init": "uniform", "init_low": float("-inf"), "init_high": 0.1}, "init_low = -inf"),
    ({"init": "uniform", "init_low": -0.1, "init_high": float("nan")}, "init_high = nan"),
    ({"subset": 100, "n_validation": 100}, "n_validation = 100 holds out all of the subset = 100 images"),
])
def test_bad_settings_are_refused_naming_the_setting(changes: dict, message: str) -> None:
    with pytest.raises(SettingError) as err:
        TrainConfig(**changes).check()
    assert message in str(err.value)
    assert "--" not in str(err.value)  # the library speaks of settings; the CLI turns them into flags


def test_a_setting_error_is_spelled_with_flags_by_whoever_shows_it() -> None:
    with pytest.raises(SettingError) as err:
        TrainConfig(init="uniform").check()
    flags = {"init": "--init", "init_low": "--init-low", "init_high": "--init-high"}
    assert err.value.render(flags.get) == ("--init uniform needs --init-low and --init-high, "
                                           "e.g. --init-low -0.1 --init-high 0.1")


def test_config_from_json_checks_each_type() -> None:
    assert TrainConfig.from_dict({"hidden": [3], "learning_rate": 1}).learning_rate == 1.0
    for bad, message in (({"hidden": "100"}, "hidden = '100': must be a list of whole numbers"),
                         ({"epochs": 2.5}, "epochs = 2.5: must be a whole number"),
                         ({"test": 1}, "test = 1: must be true or false"),
                         ({"learning_rate": "0.1"}, "learning_rate = '0.1': must be a number"),
                         ({"wings": 2}, "unknown training settings: wings")):
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(".", r"\.")):
            TrainConfig.from_dict(bad)


def test_batch_size_that_does_not_divide_suggests_the_nearest_that_do() -> None:
    with pytest.raises(UsageError) as err:
        TrainConfig(batch_size=300).check_data(50_000)
    assert "does not divide the 50000 training images" in str(err.value)
    assert "batch_size = 250 or batch_size = 400" in str(err.value)
    assert TrainConfig(batch_size=500).check_data(50_000) == 100


def test_trace_batch_beyond_the_epoch_is_refused() -> None:
    with pytest.raises(UsageError, match="only 10 minibatches"):
        TrainConfig(batch_size=50, trace_batches=[11]).check_data(500)
