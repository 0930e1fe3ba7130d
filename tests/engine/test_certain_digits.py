"""Exact mode shows only digits that are certain (issue 10): every digit printed is a digit of the true
value, checked against an independent reference at twice the working precision, on the hand example
and on generated spec files full of cancellation."""

from __future__ import annotations

import itertools
import random
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from pathlib import Path

import mpmath
import numpy as np
import pytest
from mpmath import iv
from reference_mlp import reference_step

from backprop_tutor.cli import main
from backprop_tutor.numbers.certain import WORK_DIGITS, Certain, working_precision
from backprop_tutor.numbers.format import fmt
from backprop_tutor.render.markdown import trace_to_markdown
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.store import load_trace, save_trace

REFERENCE_DIGITS = 2 * WORK_DIGITS


def rounding_to(digits: int) -> Context:
    return Context(prec=digits, rounding=ROUND_HALF_UP, Emin=MIN_EMIN, Emax=MAX_EMAX)


def shown_is_true(text: str, value: Certain, digits: int | None, reference: mpmath.mpf) -> bool:
    """``text`` (fmt's output) is the reference rounded to the digits fmt claimed, or a true bound."""
    if text.startswith("0±"):
        return abs(reference) <= mpmath.mpf(text[2:])
    want = digits or 50
    claimed = want if value.rounded(want) is not None else value.certain_digits(want)
    exact = value.point and "." not in text and "e" not in text
    with mpmath.workdps(REFERENCE_DIGITS):
        ref = Decimal(mpmath.nstr(reference, REFERENCE_DIGITS, strip_zeros=False)) if reference else Decimal(0)
    if exact:
        return abs(ref - Decimal(text)) <= Decimal(10) ** (-WORK_DIGITS) * max(1, abs(ref))
    rounded = rounding_to(claimed).plus(ref)
    return rounded == Decimal(text.removesuffix(".0") if text.endswith(".0") and "e" not in text else text)


def check_trace_against_reference(trace, reference) -> int:
    """Every value of every event, shown in full and to 3 digits; returns how many values were checked."""
    checked = 0
    for event in trace:
        for name, arr in event.arrays().items():
            key = (event.kind, event.layer, name)
            if arr is None or key not in reference:
                continue
            ref = reference[key]
            assert arr.shape == ref.shape, key
            for idx, value in np.ndenumerate(arr):
                for digits in (None, 3):
                    text = fmt(value, digits)
                    assert shown_is_true(text, value, digits, ref[idx]), (key, idx, digits, text,
                                                                         mpmath.nstr(ref[idx], 60))
                checked += 1
    return checked


# --- the hand example's δ(2)₁ ---------------------------------------------------------------------
def hand_delta_2_1(dps: int) -> mpmath.mpf:
    """δ(2)₁ = 2·δ(3)₁ + 3·δ(3)₂ + 2·δ(3)₃ with δ(3) = softmax(42, −31, 25) − (0, 0, 1): terms near 1 cancel."""
    with mpmath.workdps(dps):
        e = [mpmath.exp(mpmath.mpf(v)) for v in (42, -31, 25)]
        a = [v / sum(e) for v in e]
        return 2 * a[0] + 3 * a[1] + 2 * (a[2] - 1)


def test_hand_delta_2_1_printed_in_full_is_true_in_every_digit():
    md = trace_to_markdown(run_spec(load_spec(resolve_example("hand-backprop")), "exact"), digits=None, full=True)
    row = next(line for line in md.splitlines() if line.startswith("| 2 | [") and "e-32" in line)
    shown = row.split("[")[1].split(",")[0]
    mantissa = shown.split("e")[0].replace(".", "").lstrip("0")
    assert len(mantissa) >= 30, shown
    with mpmath.workdps(100):
        truth = Decimal(mpmath.nstr(hand_delta_2_1(100), 80, strip_zeros=False))
    assert rounding_to(len(mantissa)).plus(truth) == Decimal(shown), (shown, truth)


def test_hand_example_every_value_is_true_against_the_reference():
    spec = {"loss": "cross-entropy", "learning_rate": "0.5",
            "data": {"x": [[1, -1, 1]], "y": [[0, 0, 1]]},
            "layer": [{"activation": "relu", "W": [[1, -2, 1], [3, 4, -2]], "b": [1, -2]},
                      {"activation": "relu", "W": [[1, -2], [3, 4]], "b": [1, 0]},
                      {"activation": "softmax", "W": [[2, 2], [3, -3], [2, 1]], "b": [0, -4, -2]}]}
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "exact")
    assert check_trace_against_reference(trace, reference_step(spec, REFERENCE_DIGITS)) > 40


def test_the_screen_says_how_many_digits_are_certain(capsys):
    assert main(["example", "hand-backprop", "--exact", "--print"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "every digit written is a digit of the true value" in out and "known to 50 significant digits" in out


# --- generated spec files with cancelling terms -----------------------------------------------------
def _num(rng: random.Random, digits: int = 12) -> str:
    return f"{rng.choice('-+').strip('+')}{rng.randint(1, 9)}.{rng.randint(0, 10**digits - 1):0{digits}d}"


def cancelling_spec(seed: int) -> dict:
    """A small network whose sums nearly cancel: the first layer's b(1) undoes W(1) x to ~25 digits (or
    exactly, putting s(1) on ReLU's kink), later weights are large so outputs saturate (a ≈ 1, a − y ≈ 0)."""
    rng = random.Random(seed)
    loss, out = rng.choice([("cross-entropy", "softmax"), ("squared-error", "sigmoid"),
                            ("squared-error", "identity"), ("squared-error", "tanh"), ("squared-error", "relu")])
    sizes = [rng.randint(2, 3), rng.randint(2, 3), rng.randint(2, 3), rng.randint(2, 3)]
    acts = [rng.choice(["relu", "tanh", "sigmoid", "identity"]) for _ in range(2)] + [out]
    B = rng.randint(1, 2)
    xs = [[Decimal(_num(rng, 6)) for _ in range(sizes[0])] for _ in range(B)]
    layers = []
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        scale = Decimal(rng.choice([1, 10, 30])) if l else Decimal(1)
        W = [[Decimal(_num(rng)) * scale for _ in range(n_in)] for _ in range(n_out)]
        if l == 0:  # b = −W x₀ + tiny: s(1) of sample 0 is 1e-25-ish, or exactly 0
            tiny = [Decimal(0) if rng.random() < 0.3 else Decimal(_num(rng, 3)) * Decimal("1e-25") for _ in W]
            b = [-sum(w * v for w, v in zip(row, xs[0], strict=True)) + t for row, t in zip(W, tiny, strict=True)]
        else:
            b = [Decimal(_num(rng, 4)) for _ in range(n_out)]
        layers.append({"activation": acts[l], "W": [[str(v) for v in row] for row in W], "b": [str(v) for v in b]})
    if loss == "cross-entropy":
        ys = [[1 if k == rng.randrange(sizes[-1]) else 0 for k in range(sizes[-1])] for _ in range(B)]
        for y in ys:
            if sum(y) != 1:
                y[:] = [1] + [0] * (sizes[-1] - 1)
    else:
        ys = [[rng.choice(["0", "1", "0.5", "0.99999999999999999999"]) for _ in range(sizes[-1])] for _ in range(B)]
    return {"loss": loss, "learning_rate": "0.1", "relu_prime_at_zero": rng.choice(["0", "0.5"]),
            "data": {"x": [[str(v) for v in row] for row in xs], "y": ys}, "layer": layers}


def to_toml(spec: dict) -> str:
    def val(v: object) -> str:
        return "[" + ", ".join(val(x) for x in v) + "]" if isinstance(v, list) else str(v).strip('"')

    lines = [f'loss = "{spec["loss"]}"', f"learning_rate = {spec['learning_rate']}",
             f"relu_prime_at_zero = {spec['relu_prime_at_zero']}", "[data]",
             f"x = {val(spec['data']['x'])}", f"y = {val(spec['data']['y'])}"]
    for layer in spec["layer"]:
        lines += ["[[layer]]", f'activation = "{layer["activation"]}"', f"W = {val(layer['W'])}",
                  f"b = {val(layer['b'])}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(24))
def test_generated_cancelling_specs_never_show_a_wrong_digit(tmp_path: Path, seed: int):
    spec = cancelling_spec(seed)
    path = tmp_path / f"cancel{seed}.toml"
    path.write_text(to_toml(spec))
    trace = run_spec(load_spec(path), "exact")
    assert check_trace_against_reference(trace, reference_step(spec, REFERENCE_DIGITS)) > 20


def test_cancellation_really_happens_in_the_generated_specs(tmp_path: Path):
    """The generator is worth its name: some values lose digits, some even their sign, yet stay true."""
    fewest = []
    for seed in range(24):
        path = tmp_path / f"c{seed}.toml"
        path.write_text(to_toml(cancelling_spec(seed)))
        fewest.append(run_spec(load_spec(path), "exact").header.config["certain_digits"])
    assert min(fewest) == 0 and any(0 < n < 50 for n in fewest), fewest


# --- a saved trace shows the same -----------------------------------------------------------------
def test_a_saved_trace_read_back_shows_the_same_digits(tmp_path: Path):
    spec_path = tmp_path / "c.toml"
    spec_path.write_text(to_toml(cancelling_spec(3)))
    trace = run_spec(load_spec(spec_path), "exact")
    back = load_trace(save_trace(trace, tmp_path / "t.h5"))
    assert back.header.config["certain_digits"] == trace.header.config["certain_digits"]
    for mine, theirs in zip(trace, back, strict=True):
        for name, arr in mine.arrays().items():
            if arr is not None:
                for digits in (None, 3, 6):
                    again = theirs.arrays()[name]
                    assert [fmt(v, digits) for v in arr.ravel()] == [fmt(v, digits) for v in again.ravel()]


# --- what one value shows ----------------------------------------------------------------------
def certain(lo: str, hi: str | None = None) -> Certain:
    with working_precision():
        return Certain.of(iv.mpf((mpmath.mpf(lo), mpmath.mpf(hi or lo))) if hi else iv.mpf(lo))


@pytest.mark.parametrize(("lo", "hi", "digits", "shown"), [
    ("0.1244999", "0.1245001", 3, "0.12"),       # 0.1245 is a half-way point: the third digit is not known
    ("0.12449", "0.12451", 4, "0.1245"),         # both ends round to 0.1245: four certain digits
    ("9.9999999", "10.0000001", 3, "10.0"),      # the carry 9.99… → 10.0 is certain
    ("-1e-120", "2e-120", 3, "0±2e-120"),        # the sign is not known: only a bound
    ("5", None, None, "5"),                       # a whole number known exactly
    ("0.5", None, None, "0.5"),
    ("2.5e-400", None, 3, "2.5e-400"),
    ("1e308", None, None, "1e308"),
])
def test_fmt_shows_only_what_the_bounds_pin_down(lo, hi, digits, shown):
    assert fmt(certain(lo, hi), digits) == shown


def test_a_product_of_certain_values_stays_certain():
    third = certain("0.33333333333333333333333333333333333333333333333333333", "0.3333333333333333333333333333334")
    assert fmt(third * 3, None) == "1.0"
    assert fmt(sum([third, third, third]) - 1, None).startswith("0±")


# --- huge and tiny values (issue 9, item 10) -----------------------------------------------------------
@pytest.mark.parametrize("w", ["1e4", "1e8", "1e308", "1e-400"])
def test_huge_and_tiny_weights_print_save_and_export(tmp_path: Path, capsys, w: str):
    """W(3)₁₁ = 1e4 once hit Python's int-to-string limit, 1e8 hung, 1e308 overflowed; now each prints
    only certain digits (an order of magnitude, ~1e(…), when the exponent alone is too long to show)."""
    hand = resolve_example("hand-backprop").read_text()
    spec = tmp_path / "w.toml"
    spec.write_text(hand.replace("W = [[2, 2],", f"W = [[{w}, 2],"))
    h5, md = tmp_path / "w.h5", tmp_path / "w.md"
    assert main(["example", str(spec), "--exact", "--print", "--full", "--save-trace", str(h5)]) == 0
    assert main(["export", str(h5), "--markdown", str(md), "--full"]) == 0
    out = capsys.readouterr().out
    assert "Backprop" in out and "| l | δ(l) |" in md.read_text()
    if w == "1e4":  # δ(3)₂ = a₂ ≈ e^(−60060) is tiny but certain; δ(2)₁ = 1e4·δ(3)₁ + … ≈ 9998
        assert "6.9043437994571643442434277993235611384791377192081e-26085" in md.read_text()


def test_derived_values_on_screen_stay_certain_the_norm_and_the_minibatch_mean(tmp_path: Path):
    """‖ΔW(l)‖ (the UI's update note) and the minibatch mean of C are computed on the intervals too."""
    from backprop_tutor.numbers.arithmetic import array_mean, vector_norm

    spec = cancelling_spec(5)
    spec["data"]["x"] = spec["data"]["x"] * 2 if len(spec["data"]["x"]) == 1 else spec["data"]["x"]
    spec["data"]["y"] = spec["data"]["y"] * 2 if len(spec["data"]["y"]) == 1 else spec["data"]["y"]
    path = tmp_path / "two.toml"
    path.write_text(to_toml(spec))
    trace = run_spec(load_spec(path), "exact")
    reference = reference_step(spec, REFERENCE_DIGITS)
    with mpmath.workdps(REFERENCE_DIGITS):
        C = reference[("loss", 3, "C")]
        ref_mean = sum(C.tolist()) / len(C)
        W0 = [[mpmath.mpf(str(v)) for v in row] for row in spec["layer"][2]["W"]]
        W1 = reference[("update", 3, "W_after")]
        ref_norm = mpmath.sqrt(sum((W1[i, j] - W0[i][j]) ** 2 for i in range(len(W0)) for j in range(len(W0[0]))))
    loss = next(e for e in trace if e.kind == "loss")
    update = next(e for e in trace if e.kind == "update" and e.layer == 3)
    for value, ref in ((array_mean(loss.C), ref_mean), (vector_norm(update.W_after - update.W_before), ref_norm)):
        assert isinstance(value, Certain)
        for digits in (None, 3):
            assert shown_is_true(fmt(value, digits), value, digits, ref), (fmt(value, digits), mpmath.nstr(ref, 60))


def test_a_trace_saved_before_bounds_were_stored_claims_15_digits(tmp_path: Path):
    """Old exact traces hold 55-digit strings without bounds: they are read, and show at most 15 digits."""
    import h5py

    path = save_trace(run_spec(load_spec(resolve_example("hand-backprop")), "exact"), tmp_path / "old.h5")
    with h5py.File(path, "r+") as f:
        for event in f["events"].values():
            for name, ds in list(event.items()):
                if ds.attrs.get("bounds"):  # rewrite it as the old writer did: one decimal, no bounds
                    shape = ds.shape
                    values = [t.decode() if isinstance(t, bytes) else t for t in np.asarray(ds[()]).ravel()]
                    lows = [t.strip("[]").split(",")[0] for t in values]
                    del event[name]
                    event.create_dataset(name, data=np.array(lows, dtype=object).reshape(shape),
                                         dtype=h5py.string_dtype()).attrs["exact"] = True
    delta = next(e for e in load_trace(path) if e.kind == "output_delta").delta[0]
    shown = fmt(delta[1], None)
    assert shown.startswith("1.97925979600678") and len(shown.split("e")[0].replace(".", "")) <= 15


def test_rounding_to_n_digits_matches_decimal_arithmetic_even_at_half_way_points():
    """round_digits against Python's Decimal on the exact binary value, many at (or 1e-60 off) a tie."""
    from fractions import Fraction

    from backprop_tutor.numbers.certain import round_digits

    rng = random.Random(1)
    exact_ctx = Context(prec=2000, Emin=MIN_EMIN, Emax=MAX_EMAX)
    for i in range(800):
        n = rng.randint(1, 50)
        e = rng.randint(-300, 300)
        with mpmath.workprec(336):
            if i % 2:
                x = mpmath.mpf(rng.random()) * mpmath.mpf(10) ** e
            else:  # d…d5 × 10^e: half-way at digit n, or just beside it
                x = (mpmath.mpf(f"{rng.randint(10 ** (n - 1), 10 ** n - 1)}5e{e}")
                     + mpmath.mpf(10) ** (e - 60) * rng.choice([-1, 0, 1]))
        _sign, man, exp, _bc = x._mpf_
        value = Fraction(man) * Fraction(2) ** exp
        want = rounding_to(n).plus(exact_ctx.divide(Decimal(value.numerator), Decimal(value.denominator)))
        sign, digits, exponent = round_digits(x, n)
        assert Decimal(f"{sign}{digits[0]}.{digits[1:]}e{exponent}") == want, (mpmath.nstr(x, 70), n)
