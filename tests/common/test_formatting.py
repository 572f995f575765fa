"""The project's one kronor formatter (bistand.rules.formatting, re-exported by bistand.common.formatting):
"3 681 kr", öre only where there are any ("1 132,90 kr"), "−250 kr", no-break spaces."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bistand.common import formatting as common_formatting
from bistand.rules import formatting
from bistand.rules.formatting import KR_SUFFIX, MINUS, THOUSANDS_SEPARATOR, format_kronor

NBSP = "\u00a0"
_SHAPE = re.compile(r"^−?\d{1,3}(\u00a0\d{3})*(,\d\d)?\u00a0kr$")


@pytest.mark.parametrize(("ore", "text"), [
    (0, "0\u00a0kr"),
    (5, "0,05\u00a0kr"),
    (368100, "3\u00a0681\u00a0kr"),
    (113290, "1\u00a0132,90\u00a0kr"),
    (-25000, "−250\u00a0kr"),
    (-1, "−0,01\u00a0kr"),
    (100_000_000, "1\u00a0000\u00a0000\u00a0kr"),
    (99999, "999,99\u00a0kr"),
])
def test_amounts_are_written_as_the_rule_says(ore, text):
    assert format_kronor(ore) == text


def test_the_separator_is_one_no_break_space_and_the_minus_is_u2212():
    assert THOUSANDS_SEPARATOR == NBSP
    assert KR_SUFFIX == NBSP + "kr"
    assert MINUS == "\u2212"


def test_the_kernel_re_exports_the_law_packages_formatter():
    assert common_formatting.format_kronor is formatting.format_kronor


@pytest.mark.parametrize(("ore", "text"), [
    (Fraction(1, 2), "0,01\u00a0kr"),
    (Fraction(-1, 2), "−0,01\u00a0kr"),
    (Fraction(49, 100), "0\u00a0kr"),
    (Fraction(-49, 100), "0\u00a0kr"),
    (Decimal("12345.5"), "123,46\u00a0kr"),
    (Decimal("-12345.5"), "−123,46\u00a0kr"),
    (Decimal("522000"), "5\u00a0220\u00a0kr"),
])
def test_fractions_and_decimals_of_ore_are_rounded_half_away_from_zero(ore, text):
    assert format_kronor(ore) == text


@pytest.mark.parametrize("bad", [1.5, "100", None, True, Decimal("NaN")])
def test_anything_but_an_exact_amount_of_ore_is_refused(bad):
    with pytest.raises((TypeError, ValueError)):
        format_kronor(bad)


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_the_digits_are_kept_and_the_ore_shown_only_when_there_are_any(ore):
    text = format_kronor(ore)
    assert _SHAPE.match(text), text
    assert text.startswith(MINUS) == (ore < 0)
    assert (", " not in text) and (" " not in text)  # never an ordinary space
    digits = re.sub(r"\D", "", text)
    kronor, rest = divmod(abs(ore), 100)
    assert digits == (str(kronor) + (f"{rest:02d}" if rest else ""))
    assert ("," in text) == (rest != 0)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_reading_the_text_back_gives_the_amount(ore):
    assert _read_back(format_kronor(ore)) == ore


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_int_fraction_and_decimal_of_the_same_whole_ore_read_the_same(ore):
    assert format_kronor(ore) == format_kronor(Fraction(ore)) == format_kronor(Decimal(ore))


def _read_back(text: str) -> Decimal:
    """The amount in öre that a formatted text says."""
    return Decimal(text.removesuffix(KR_SUFFIX).replace(NBSP, "").replace(MINUS, "-").replace(",", ".")) * 100


@given(st.fractions(min_value=-10**9, max_value=10**9))
def test_a_fraction_is_written_as_its_nearest_whole_ore(ore):
    whole = _read_back(format_kronor(ore))
    if ore.denominator == 2:  # an exact half: away from zero
        assert abs(whole) == abs(ore) + Fraction(1, 2)
    else:
        assert whole == round(ore)
