"""η, μ and λ: one rule each, said in the same words by every reader of them (a spec file, the training settings
of the library and of `tutor train`, a trace header), each naming where the value came from."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import h5py
import pytest

from backprop_tutor.cli import main
from backprop_tutor.errors import SpecError, TraceError
from backprop_tutor.spec import load_spec, parse_spec, resolve_example, run_spec
from backprop_tutor.trace.store import TraceFile, save_trace
from backprop_tutor.train.config import SettingError, TrainConfig

BAD = [
    ("learning_rate", "--lr", "0", "the learning rate η must be > 0, e.g. 0.01"),
    ("learning_rate", "--lr", "-0.5", "the learning rate η must be > 0, e.g. 0.01"),
    ("momentum", "--momentum", "1", "momentum μ must be in [0, 1), e.g. 0.9 (0: plain SGD)"),
    ("l2", "--l2", "-1", "the L2 strength λ must be ≥ 0 (0: no penalty)"),
]


@pytest.mark.parametrize(("name", "flag", "text", "rule"), BAD)
def test_a_spec_file_says_the_rule(name: str, flag: str, text: str, rule: str) -> None:
    path = resolve_example("hand-backprop")
    raw = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    raw[name] = Decimal(text)
    with pytest.raises(SpecError) as err:
        parse_spec(raw, source="net.toml")
    assert str(err.value) == f"net.toml: {name} = {text}: {rule}"


@pytest.mark.parametrize(("name", "flag", "text", "rule"), BAD)
def test_the_training_settings_say_the_rule_in_the_library_and_on_the_command_line(
        name: str, flag: str, text: str, rule: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SettingError) as err:
        TrainConfig(**{name: float(text)}).check()
    assert str(err.value) == f"{name} = {float(text)}: {rule}"
    # checked before the data is read: the data file need not exist
    assert main(["train", "--data", str(tmp_path / "none.npz"), flag, text, "--out", str(tmp_path / "r")]) == 2
    assert f"{flag} {float(text)}: {rule}" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(("name", "flag", "text", "rule"), BAD)
def test_a_trace_header_says_the_rule(name: str, flag: str, text: str, rule: str, tmp_path: Path) -> None:
    path = save_trace(run_spec(load_spec(resolve_example("hand-backprop"))), tmp_path / "t.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["header"] = json.dumps({**json.loads(f.attrs["header"]), name: float(text)})
    with pytest.raises(TraceError) as err:
        TraceFile(path)
    assert f"damaged trace header: {name} = {float(text)}: {rule}" in str(err.value)


def test_a_value_beyond_float64_is_named_as_such() -> None:
    raw = tomllib.loads(resolve_example("hand-backprop").read_text(encoding="utf-8"), parse_float=Decimal)
    raw["l2"] = Decimal("1e400")
    with pytest.raises(SpecError, match=r"l2 = 1E\+400: must be a finite number \(not inf or nan, and within "):
        parse_spec(raw, source="net.toml")
    with pytest.raises(SettingError, match=r"^momentum = nan: must be a finite number"):
        TrainConfig(momentum=float("nan")).check()


def test_a_finite_learning_rate_beyond_the_training_type_states_the_real_limit(tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture) -> None:
    # was: "must be > 0 (and finite)" for η = 1e308, which is finite: float32 training holds at most 3.4e38
    assert main(["train", "--data", str(tmp_path / "none.npz"), "--lr", "1e308", "--out", str(tmp_path / "r")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--lr 1e+308: beyond the largest float32 number (±3.4e+38)" in err
    assert "must be at most 3.4e+38" in err and "--precision float64" in err and "finite" not in err
    TrainConfig(learning_rate=1e308, precision="float64").check()  # float64 holds it (and training will diverge)
