"""Bad specs get one clear paragraph naming the field, the layer and the shapes; never a traceback."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from backprop_tutor.cli import main
from backprop_tutor.errors import SpecError
from backprop_tutor.spec import build_network, load_spec, parse_spec, resolve_example

GOOD = {
    "loss": "cross-entropy", "learning_rate": 0.5,
    "data": {"x": [1, -1, 1], "y": [0, 0, 1]},
    "layer": [
        {"activation": "relu", "W": [[1, -2, 1], [3, 4, -2]], "b": [1, -2]},
        {"activation": "relu", "W": [[1, -2], [3, 4]], "b": [1, 0]},
        {"activation": "softmax", "W": [[2, 2], [3, -3], [2, 1]], "b": [0, -4, -2]},
    ],
}


def spec_with(**changes):
    raw = copy.deepcopy(GOOD)
    for path, value in changes.items():
        target = raw
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return raw


CASES = {
    "W shape vs previous layer": (spec_with(layer__1__W=[[1, -2, 0], [3, 4, 0]]),
                                  ["layer 2", "W(2) is 2×3", "a(1) has 2 units", "2×2"]),
    "W rows vs units": (spec_with(layer__0__units=3), ["layer 1", "W(1) has 2 rows", "units = 3"]),
    "b length": (spec_with(layer__2__b=[0, 1]), ["layer 3", "W(3) has 3 rows but b(3) has 2 values",
                                                 "one row of W(3) and one value of b(3) per unit"]),
    "ragged W": (spec_with(layer__0__W=[[1, 2, 3], [1, 2]]), ["W(1)", "different lengths"]),
    "missing loss": (spec_with(loss=KeyError), ["missing field 'loss'", "cross-entropy", "squared-error"]),
    "missing learning rate": (spec_with(learning_rate=KeyError), ["learning_rate"]),
    "missing W without init": (spec_with(layer__1__W=KeyError), ["layer 2", "W(2) not given", "[init]"]),
    "non-numeric weight": (spec_with(layer__0__W=[[1, "two", 1], [3, 4, -2]]), ["W(1) row 1[2]", "'two'",
                                                                                "not a (finite) number"]),
    "boolean is not a number": (spec_with(layer__0__b=[True, 1]), ["b(1)[1]", "not a (finite) number"]),
    "unknown activation": (spec_with(layer__0__activation="relu6"),
                           ["layer 1", "relu6", "relu, tanh, sigmoid, identity, softmax"]),
    "unknown loss": (spec_with(loss="hinge"), ["hinge", "cross-entropy, squared-error"]),
    "target not one-hot": (spec_with(data__y=[0, 1, 1]), ["not a probability vector", "[0, 1, 1]", "sums to 2",
                                                          "values ≥ 0 summing to 1"]),
    "target negative": (spec_with(data__y=[-0.5, 0.5, 1]), ["[-0.5, 0.5, 1]", "values ≥ 0 summing to 1"]),
    "unknown key in [data]": (spec_with(data__z=[1, 2, 3]), ["[data]: unknown field z", "x (the input)"]),
    "learning rate zero": (spec_with(learning_rate=0), ["learning_rate = 0", "must be > 0"]),
    "learning rate negative": (spec_with(learning_rate=-0.5), ["learning_rate = -0.5", "must be > 0"]),
    "input size": (spec_with(data__x=[1, 2]), ["data.x sample 1 has 2 values", "takes 3 inputs"]),
    "target size": (spec_with(data__y=[0, 1]), ["data.y sample 1 has 2 values", "3 units"]),
    "softmax in a hidden layer": (spec_with(layer__0__activation="softmax"), ["softmax is only for the output"]),
    "loss and output mismatch": (spec_with(loss="squared-error"), ["squared-error", "softmax"]),
    "unknown field": (spec_with(learning_rat=0.5), ["unknown field learning_rat"]),
    "no layers": (spec_with(layer=[]), ["no layers"]),
    "zero init": (spec_with(layer__0__W=KeyError, inputs=3, init={"scheme": "zeros"}), ["symmetry"]),
    "zero sigma": (spec_with(layer__0__W=KeyError, inputs=3, init={"scheme": "normal", "sigma": 0}), ["symmetry"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_spec_names_field_layer_and_shapes(case):
    raw, fragments = CASES[case]
    with pytest.raises(SpecError) as err:
        build_network(parse_spec(raw, source="net.toml"))
    message = str(err.value)
    assert message.startswith("net.toml:")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_good_spec_with_init_scheme_builds_reproducibly():
    raw = spec_with(layer__0__W=KeyError, layer__0__b=KeyError, inputs=3, init={"scheme": "he", "seed": 5})
    raw["layer"][0]["units"] = 2
    first = build_network(parse_spec(raw)).layers[0].W
    again = build_network(parse_spec(raw)).layers[0].W
    assert first.shape == (2, 3)
    assert (first == again).all()


def test_init_from_a_parameter_file(tmp_path: Path):
    from backprop_tutor.params import write_parameters

    write_parameters(tmp_path / "p.hdf5", {"W1": [[1, 2, 3], [4, 5, 6]], "b1": [1, 1],
                                           "W2": [[1, 0], [0, 1], [1, 1]], "b2": [0, 0, 0]})
    raw = {"loss": "cross-entropy", "learning_rate": 0.1, "inputs": 3, "init": {"scheme": "file", "path": "p.hdf5"},
           "layer": [{"activation": "relu", "units": 2}, {"activation": "softmax", "units": 3}]}
    net = build_network(parse_spec(raw, source=str(tmp_path / "net.toml")))
    assert net.layers[1].W.tolist() == [[1, 0], [0, 1], [1, 1]]
    raw["layer"][0]["units"] = 4
    raw["layer"][1]["units"] = 3
    with pytest.raises(SpecError, match="does not fit the layer sizes 3-4-3"):
        build_network(parse_spec(raw, source=str(tmp_path / "net.toml")))


def test_toml_errors_and_missing_files(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("loss = cross-entropy\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    with pytest.raises(SpecError, match="neither a built-in example"):
        resolve_example(str(tmp_path / "missing.toml"))


def test_cli_reports_a_bad_spec_with_exit_code_2_and_no_traceback(tmp_path: Path, capsys):
    text = resolve_example("hand-backprop").read_text().replace("W = [[1, -2],\n     [3, 4]]", "W = [[1, -2, 0],\n"
                                                                 "     [3, 4, 0]]")
    path = tmp_path / "mine.toml"
    path.write_text(text)
    assert main(["example", str(path), "--print"]) == 2
    err = capsys.readouterr().err
    assert "W(2) is 2×3 but a(1) has 2 units" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"inputs": -3}, "inputs = -3: must be a whole number ≥ 1"),
    ({"inputs": 2.5}, "inputs = 2.5: must be a whole number ≥ 1"),
    ({"momentum": -5}, "momentum = -5"),
    ({"momentum": 1}, "momentum = 1"),
    ({"l2": -1}, "l2 = -1"),
    ({"learning_rate": Decimal("1e400")}, "learning_rate = 1E+400: must be a finite number"),
    ({"learning_rate": float("inf")}, "learning_rate = inf is not a (finite) number"),
])
def test_out_of_range_numbers(changes, fragment):
    raw = spec_with(**changes)
    with pytest.raises(SpecError) as err:
        parse_spec(raw, source="net.toml")
    assert fragment in str(err.value)


def test_units_and_seed_must_be_whole():
    raw = spec_with(layer__0__W=KeyError, layer__0__b=KeyError, inputs=3, init={"scheme": "he", "seed": -1})
    raw["layer"][0]["units"] = 2
    with pytest.raises(SpecError, match="seed = -1: must be a whole number ≥ 0"):
        parse_spec(raw)
    raw["init"]["seed"] = 1
    raw["layer"][0]["units"] = 2.7
    with pytest.raises(SpecError, match=r"units = 2\.7: must be a whole number ≥ 1"):
        parse_spec(raw)


def test_the_editable_example_is_the_builtin_one():
    shipped = resolve_example("hand-backprop").read_text()
    copy = Path(__file__).resolve().parents[2] / "examples" / "hand_backprop.toml"
    assert copy.read_text() == shipped, "examples/hand_backprop.toml must stay a copy of the built-in example"


@pytest.mark.parametrize("y", [[Decimal("0.2"), Decimal("0.3"), Decimal("0.5")], [0, 0, 1]])
def test_soft_labels_summing_to_1_are_targets_like_one_hot(y):
    # δ(L) = a − y holds for any y with Σ y_k = 1 (issue 9, item 19): soft labels run, and δ(3) is a − y
    from backprop_tutor.spec import run_spec

    trace = run_spec(parse_spec(spec_with(data__y=y)))
    delta = next(e for e in trace.events if e.kind == "output_delta")
    a = [e for e in trace.events if e.kind == "forward"][-1].a
    assert delta.delta[0] == pytest.approx(a[0] - [float(v) for v in y])
