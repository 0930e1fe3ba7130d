"""`tutor example` with numbers that overflow: the step and layer named, what to try, no numpy warnings
and no table of NaN (issue 9, item 11)."""

from __future__ import annotations

import re
import tomllib
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.cli import main
from backprop_tutor.params import write_parameters
from backprop_tutor.spec import builtin_examples

HAND = builtin_examples()["hand-backprop"].read_text()
SMALL = ('inputs = 3\nloss = "cross-entropy"\nlearning_rate = 0.5\n[data]\nx = [1, -1, 1]\ny = [0, 0, 1]\n'
         '[[layer]]\nunits = 2\nactivation = "relu"\n[[layer]]\nunits = 3\nactivation = "softmax"\n')

CASES = {
    "W = 1e308": (HAND.replace("W = [[1, -2, 1],", "W = [[1e308, -2, 1],"),
                  "the forward step of layer 2 overflowed: s(2) is infinite; the numbers grew beyond the largest "
                  "float64 number"),
    "W = 1e400 (a finite decimal, no float64)": (HAND.replace("W = [[1, -2, 1],", "W = [[1e400, -2, 1],"),
                                                 "layer 1: W(1) holds a value beyond the largest float64 number"),
    "float32 with 1e300": (HAND.replace("W = [[1, -2, 1],", "W = [[1e300, -2, 1],")
                           .replace('precision = "float64"', 'precision = "float32"'),
                           "W(1) holds a value beyond the largest float32 number (±3.4e38); try --exact"),
    "x = 1e400": (HAND.replace("x = [1, -1, 1]", "x = [1e400, -1, 1]"), "data.x holds a value beyond"),
    "sigma = 1e308": (SMALL + '[init]\nscheme = "normal"\nsigma = 1e308\n', "overflowed: s(2) is infinite"),
    "sigma = 1e400": (SMALL + '[init]\nscheme = "normal"\nsigma = 1e400\n', "sigma = 1e+400 is beyond the largest"),
    "saturated softmax, W = 1e4": (HAND.replace("W = [[2, 2],", "W = [[1e4, 2],"),
                                   "the backward step of layer 3 overflowed: ∇a C is infinite; a(3) has rounded "
                                   "to 0 for a target class"),
    "NaN in an init file": (SMALL + '[init]\nscheme = "file"\npath = "nan.h5"\n',
                            "layer 1 (from nan.h5): W(1) holds NaN (not a number)"),
}


@pytest.mark.parametrize("case", CASES)
def test_overflow_is_named_with_its_step_and_layer(case: str, tmp_path: Path, capsys):
    text, message = CASES[case]
    W1 = np.ones((2, 3))
    W1[0, 1] = np.nan
    write_parameters(tmp_path / "nan.h5", {"W1": W1, "b1": np.zeros(2), "W2": np.ones((3, 2)), "b2": np.zeros(3)})
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning (overflow, invalid value) fails the test
        assert main(["example", str(spec), "--print"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err.replace("\n", " ").replace("  ", " ")
    assert "nan" not in captured.out.lower() and "Warning" not in captured.err


def test_exact_mode_computes_what_float64_cannot():
    import tomllib
    from decimal import Decimal

    from backprop_tutor.spec import parse_spec, run_spec

    raw = tomllib.loads(CASES["W = 1e400 (a finite decimal, no float64)"][0], parse_float=Decimal)
    trace = run_spec(parse_spec(raw), "exact")  # showing it is the exact formatter's business (issue 9, item 10)
    assert str(trace.events[1].s[0][0]) == "1.0e+400"


@pytest.mark.parametrize("changes, fragment", [
    ({"relu_prime_at_zero": Decimal("1e400")}, "relu_prime_at_zero = 1E+400: must be a finite number (not inf or nan"),
    ({"l2": Decimal("1e400")}, "l2 = 1E+400: must be a finite number (not inf or nan"),
    ({"learning_rate": Decimal("1e-400")}, "below the smallest float64 number (~5e-324), so it would be 0"),
])
def test_settings_the_engine_takes_as_float64_must_fit_one(changes, fragment):
    from backprop_tutor.errors import SpecError
    from backprop_tutor.spec import parse_spec

    raw = tomllib.loads(HAND, parse_float=Decimal)
    raw.update(changes)
    with pytest.raises(SpecError, match=re.escape(fragment)):
        parse_spec(raw)


def test_exact_softmax_and_sigmoid_outputs_stay_within_their_range():
    # issue 19: W(1) = 1e300 showed a softmax output as 0±~1e(1.662e+200): true, but a(L) lies in [0, 1]
    from backprop_tutor.numbers.certain import certain_array
    from backprop_tutor.spec import builtin_examples, parse_spec, run_spec
    from backprop_tutor.trace.events import Forward

    text = builtin_examples()["hand-backprop"].read_text().replace("W = [[1, -2, 1],", "W = [[1e300, -2, 1],")
    import tomllib
    from decimal import Decimal

    raw = tomllib.loads(text, parse_float=Decimal)
    for output, loss in (("softmax", "cross-entropy"), ("sigmoid", "squared-error")):
        raw["layer"][2]["activation"], raw["loss"] = output, loss
        trace = run_spec(parse_spec(raw, source="big.toml"), "exact")
        a = next(e for e in trace.events if isinstance(e, Forward) and e.layer == 3).a
        for v in certain_array(a).ravel():  # (the bounds as saved in text are rounded outward, by < 1e-90)
            assert v.lo >= -1e-90 and v.hi - 1 <= 1e-90, (output, v.lo, v.hi)
