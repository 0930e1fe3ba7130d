"""Numbers as students type them, and the judging rule (the issue's examples, with the defaults)."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from backprop_tutor.check.numbers import NumberError, Tolerance, decimal_comma, judge, parse_array, parse_number

TINY = Fraction(198, 10**34)


@pytest.mark.parametrize("text", ["1.98e-32", "1.98E-32", "1.98×10^-32", "1.98 x 10^-32", "1.98*10**-32",
                                  "1.98·10⁻³²", "1.98 × 10^(-32)", " 1.98e-32 "])
def test_scientific_notations_read_exactly(text):
    assert parse_number(text) == TINY


@pytest.mark.parametrize(("text", "value"), [("−0.5", Fraction(-1, 2)), ("1/2", Fraction(1, 2)),
                                             ("-3/4", Fraction(-3, 4)), ("5", 5), ("+2.50", Fraction(5, 2)),
                                             (".25", Fraction(1, 4)), ("4.140×10^-8", Fraction(414, 10**10))])
def test_signs_fractions_and_decimals(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1/0", "1e", "--1", "5 6"])
def test_not_a_number_says_what_would_be(text):
    with pytest.raises(NumberError, match=r"e\.g\. 0\.5, -3, 1/2|divides by zero"):
        parse_number(text)


@pytest.mark.parametrize("text", ["[5, -5]", "5, -5", "[5, −5]"])
def test_vectors(text):
    assert parse_array(text) == [5, -5]


@pytest.mark.parametrize("text", ["[[1, -2], [0.5, 4]]", "1, -2; 0.5, 4", "[1, -2]; [0.5, 4]", "1, -2; 1/2, 4;"])
def test_matrices(text):
    assert parse_array(text) == [[1, -2], [Fraction(1, 2), 4]]


def test_ragged_matrix_and_empty_entry_are_named():
    with pytest.raises(NumberError, match="different lengths"):
        parse_array("1, 2; 3")
    with pytest.raises(NumberError, match="empty entry"):
        parse_array("[5, , -5]")


def mp(text: str):
    return mpmath.mpf(text)


# (written, true value, largest entry of the same quantity)
RIGHT = [("1", "0.99999995860062", "1"), ("4.14e-8", "4.13994e-8", "1"), ("4.140×10^-8", "4.13994e-8", "1"),
         ("-0.5", "-0.4999999793", "5"), ("5", "5.00000010", "8.5"), ("0", "1.979259796e-32", "0.9999999586")]
WRONG = [("27", "25", "42"), ("6", "5", "5"), ("1", "1.4", "1.4"), ("4.25e-8", "4.14e-8", "1")]


@pytest.mark.parametrize(("written", "true", "scale"), RIGHT)
def test_right_with_the_defaults(written, true, scale):
    assert judge(parse_number(written), mp(true), mp(scale), Tolerance()).right


@pytest.mark.parametrize(("written", "true", "scale"), WRONG)
def test_wrong_with_the_defaults(written, true, scale):
    assert not judge(parse_number(written), mp(true), mp(scale), Tolerance()).right


def test_zero_for_a_tiny_value_is_right_by_the_absolute_tolerance_only():
    j = judge(Fraction(0), mp("1.98e-32"), mp("1"), Tolerance())
    assert j.right and j.by_atol
    # alone in its quantity, the same tiny value is not zero: the tolerance scales with the quantity
    assert not judge(Fraction(0), mp("1.98e-32"), mp("1.98e-32"), Tolerance()).right
    assert not judge(Fraction(0), mp("4.14e-8"), mp("1"), Tolerance()).right


def test_rtol_atol_and_sigfigs_options():
    assert judge(Fraction(27), mp(25), mp(42), Tolerance(rtol=0.1)).right
    assert judge(Fraction(6), mp(5), mp(5), Tolerance(atol=1)).right
    assert not judge(Fraction(0), mp("1e-32"), mp(1), Tolerance(atol=0)).right
    # sigfigs 3: half a unit in the third figure of 4.13994e-8 is 5e-11
    assert judge(parse_number("4.14e-8"), mp("4.13994e-8"), mp(1), Tolerance(sigfigs=3)).right
    assert not judge(parse_number("4.13e-8"), mp("4.13994e-8"), mp(1), Tolerance(sigfigs=3)).right
    assert judge(parse_number("4.1e-8"), mp("4.13994e-8"), mp(1), Tolerance(sigfigs=2)).right


def test_a_value_whose_sign_exact_mode_does_not_know_reads_and_judges_as_its_interval():
    from mpmath import iv

    from backprop_tutor.numbers.certain import Certain
    from backprop_tutor.numbers.format import fmt

    with mpmath.workdps(120):
        unknown = Certain.of(iv.mpf(("-6e-101", "5e-101")))  # a true 0 computed with cancellation
    shown = fmt(unknown)
    assert shown.startswith("0±") and parse_number(shown) == 0
    assert judge(parse_number(shown), unknown, unknown, Tolerance(atol=0)).right  # 0 lies in [lo, hi]
    assert not judge(parse_number("1e-99"), unknown, unknown, Tolerance(atol=0)).right
    with pytest.raises(NumberError):
        parse_number("0±x")


@pytest.mark.parametrize(("text", "value"), [("5 -5", [5, -5]), ("5 0", [5, 0]), ("[5 −5]", [5, -5]),
                                             ("  5   -5 ", [5, -5]), ("1 -2; 0.5 4", [[1, -2], [Fraction(1, 2), 4]]),
                                             ("[[1 -2] [0.5 4]]", [[1, -2], [Fraction(1, 2), 4]]),
                                             ("1.98 x 10^-32", [TINY]), ("[1,5]", [1, 5])])
def test_values_separated_by_spaces_are_a_vector_and_a_number_with_spaces_stays_one(text, value):
    assert parse_array(text) == value


def test_a_vector_that_is_not_one_says_how_to_write_one():
    with pytest.raises(NumberError, match=r"'5 - 5' is not a number .*a vector \[5, -5\], 5, -5 or 5 -5"):
        parse_array("5 - 5")


@pytest.mark.parametrize(("text", "message"), [
    ("[[5, -5]", r"1 closing '\]' missing \(2 '\[' opened, 1 closed"),
    ("[5, -5", r"1 closing '\]' missing"),
    ("[5, -5]]", r"the '\]' at character 8 closes no '\['"),
])
def test_an_unbalanced_bracket_is_named(text, message):
    with pytest.raises(NumberError, match=message):
        parse_array(text)


@pytest.mark.parametrize(("text", "message"), [
    ("1e99999999", "far beyond any float"), ("1e4400", "far beyond any float"), ("-1e4400", "far beyond any float"),
    ("1×10^99999999999999999999", "far beyond any float"), ("1e" + "9" * 5000, "far beyond any float"),
    ("1e-99999999", "far below any float"), ("1/1e-4400", "far below any float"),
    ("0." + "1" * 200, "has 200 significant digits"),
])
def test_work_on_a_number_is_bounded_and_a_huge_one_is_named(text, message):
    with pytest.raises(NumberError, match=message):
        parse_number(text)


def test_exact_modes_values_beyond_a_float_still_read():
    assert parse_number("1e400") == Fraction(10) ** 400 and parse_number("2.5e-400") == Fraction(1, 4 * 10**399)


@pytest.mark.parametrize(("text", "read"), [("17,0", "17.0"), ("-0,125", "-0.125"), ("0,125", "0.125"),
                                            ("[1,5]", "[1,5]"), ("1, 5", "1, 5"), ("17", "17")])
def test_a_decimal_comma_where_one_number_is_expected(text, read):
    assert decimal_comma(text) == read


def test_a_comma_that_may_separate_thousands_is_named():
    with pytest.raises(NumberError, match="a decimal comma or a thousands separator"):
        decimal_comma("1,000")
