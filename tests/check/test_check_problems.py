"""Random practice problems: hand-computable, deterministic, and their answer keys check all-✓."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tutor.check.answers import read_answers, written_values
from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.layout import Quantity
from backprop_tutor.check.marking import mark
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.problems import ProblemSettings, random_problem, spec_toml, write_problem
from backprop_tutor.check.templates import render
from backprop_tutor.errors import UsageError
from backprop_tutor.spec import load_spec


def _hand_computable(ref, L: int) -> None:
    for (q, l), values in ref.expected.items():
        floats = np.array([float(v) for v in values.flat])
        assert np.all(np.isfinite(floats)), (q, l)
        if q in (Quantity.S, Quantity.A) and l < L:
            assert np.all(floats == np.round(floats)), (q, l, floats)  # integers, as on the course's sheets
        if q is Quantity.S and l < L:
            assert np.any(floats > 0) and np.all(floats != 0), (l, floats)  # alive, and off ReLU's kink
        if q is Quantity.DELTA and l < L:
            assert np.any(floats != 0), (l, floats)


def test_100_seeds_give_hand_computable_problems_whose_keys_check_all_right(tmp_path):
    for seed in range(100):
        raw = random_problem(seed)
        spec_path = tmp_path / "spec.toml"
        spec_path.write_text(spec_toml(raw), encoding="utf-8")
        spec = load_spec(spec_path)
        assert str(spec.learning_rate) in ("0.5", "0.25", "0.1")
        assert all(abs(w) <= 2 for layer in spec.layers for row in layer.W for w in row)
        ref = reference_for(spec)
        _hand_computable(ref, len(spec.layers))
        key = tmp_path / "key.md"
        key.write_text(render(ref, str(spec_path), "md", key=True), encoding="utf-8")
        marking = mark(ref, written_values(read_answers(key), ref), Tolerance())
        assert marking.all_right, (seed, marking.totals())


def test_the_same_seed_gives_the_same_problem_and_others_differ():
    assert random_problem(17) == random_problem(17)
    assert len({spec_toml(random_problem(seed)) for seed in range(10)}) == 10


@pytest.mark.parametrize("settings", [ProblemSettings((2, 3, 2), "relu", "identity"),
                                      ProblemSettings((2, 2, 2, 2, 2), "relu", "sigmoid"),
                                      ProblemSettings((4, 3, 2), "identity", "softmax")])
def test_sizes_and_activations_are_settable_and_keys_check(tmp_path, settings):
    row = write_problem(5, settings, tmp_path)
    spec = load_spec(row["spec"])
    assert [layer.activation for layer in spec.layers][-1] == settings.output
    assert tuple(spec.sizes) == settings.sizes and row["sizes"] == "-".join(map(str, settings.sizes))
    assert check_answers(row["key"]).all_right and check_answers(row["worksheet"]).totals()["right"] == 0


@pytest.mark.parametrize(("settings", "message"), [(ProblemSettings((3,)), "at least an input and an output"),
                                                   (ProblemSettings(hidden="tanh"), "hidden activation 'tanh'"),
                                                   (ProblemSettings(output="relu"), "output activation 'relu'")])
def test_bad_settings_say_what_is_valid(settings, message):
    with pytest.raises(UsageError, match=message):
        random_problem(1, settings)
