"""Personnummer and samordningsnummer: forms, centuries, dates, check digit, test series."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bistand.people import personnummer as pnr

TODAY = dt.date(2025, 6, 15)


def parse(value, today=TODAY):
    return pnr.parse(value, today=today)


def error_code(value, today=TODAY) -> str:
    with pytest.raises(pnr.PersonnummerError) as info:
        pnr.parse(value, today=today)
    assert info.value.message  # always a message for the person who typed the number
    return info.value.code


class TestForms:
    @pytest.mark.parametrize(
        "value",
        ["198112189876", "19811218-9876", "811218-9876", "8112189876", " 811218 - 9876 ", "19811218 9876"],
    )
    def test_every_accepted_form_gives_the_same_normalised_number(self, value):
        assert parse(value).normalised == "198112189876"

    def test_formatted_form_has_twelve_digits_and_a_hyphen(self):
        assert parse("8112189876").formatted == "19811218-9876"

    @pytest.mark.parametrize("value", ["", "   ", None])
    def test_empty_input_asks_for_a_number(self, value):
        assert error_code(value) == "empty"

    @pytest.mark.parametrize("value", ["81121898", "1981121898760", "811218-98", "12345678901"])
    def test_wrong_number_of_digits_is_refused_and_says_how_many_there_were(self, value):
        with pytest.raises(pnr.PersonnummerError) as info:
            parse(value)
        assert info.value.code == "format"
        digits = sum(c.isdigit() for c in value)
        assert f"{digits} siffror" in info.value.message

    @pytest.mark.parametrize("value", ["811218/9876", "81121a-9876", "811218--9876", "81-1218-9876"])
    def test_other_characters_are_refused(self, value):
        assert error_code(value) == "format"

    def test_plus_in_the_twelve_digit_form_is_refused(self):
        assert error_code("19121212+1212") == "plus_with_century"


class TestCentury:
    def test_hyphen_means_born_within_the_last_hundred_years(self):
        assert parse("121212-1212").birth_date == dt.date(2012, 12, 12)

    def test_plus_means_a_hundred_years_earlier(self):
        assert parse("121212+1212").birth_date == dt.date(1912, 12, 12)

    def test_a_birthday_later_this_year_belongs_to_the_previous_century(self):
        # Today is 2025-06-15: 25-12-24 has not happened yet this year, so it is 1925.
        number = pnr.Personnummer(dt.date(1925, 12, 24), 982)
        assert parse(number.normalised[2:]).birth_date == dt.date(1925, 12, 24)

    def test_a_birthday_earlier_this_year_is_this_year(self):
        number = pnr.Personnummer(dt.date(2025, 1, 2), 982)
        assert parse(number.normalised[2:]).birth_date == dt.date(2025, 1, 2)

    def test_someone_born_today_is_this_year(self):
        number = pnr.Personnummer(TODAY, 990)
        assert parse(number.ten_digit(TODAY)).birth_date == TODAY

    def test_ten_digit_form_switches_to_plus_on_the_hundredth_birthday(self):
        number = pnr.Personnummer(dt.date(1925, 6, 15), 984)
        assert number.ten_digit(dt.date(2025, 6, 14))[6] == "-"
        assert number.ten_digit(dt.date(2025, 6, 15))[6] == "+"

    def test_the_same_ten_digits_mean_different_people_depending_on_today(self):
        ten = pnr.Personnummer(dt.date(2025, 1, 1), 980).normalised[2:]
        assert parse(ten, today=dt.date(2025, 6, 1)).birth_date.year == 2025
        assert parse(ten, today=dt.date(2024, 6, 1)).birth_date.year == 1925

    def test_twelve_digit_birth_date_in_the_future_is_refused(self):
        number = pnr.Personnummer(dt.date(2025, 6, 16), 982)
        assert error_code(number.normalised) == "future"

    def test_more_than_130_years_is_refused(self):
        number = pnr.Personnummer(dt.date(1890, 1, 1), 982)
        assert error_code(number.normalised) == "too_old"
        assert parse(number.normalised, today=dt.date(2019, 1, 1)).age(dt.date(2019, 1, 1)) == 129


class TestDates:
    @pytest.mark.parametrize("month", ["00", "13", "99"])
    def test_month_must_exist(self, month):
        assert error_code(f"1981{month}189876") == "month"

    @pytest.mark.parametrize("day", ["00", "32", "45", "60"])
    def test_day_must_exist(self, day):
        with pytest.raises(pnr.PersonnummerError) as info:
            parse(f"198112{day}9876")
        assert info.value.code == "day"
        assert "61–91" in info.value.message  # tells about samordningsnummer days

    def test_31_april_is_refused(self):
        with pytest.raises(pnr.PersonnummerError) as info:
            parse("19810431-9876")
        assert info.value.code == "day"
        assert "31:e april 1981" in info.value.message

    def test_29_february_only_in_leap_years(self):
        leap = pnr.Personnummer(dt.date(2000, 2, 29), 985)
        assert parse(leap.normalised).birth_date == dt.date(2000, 2, 29)
        assert error_code("19000229-9800") == "day"  # 1900 was not a leap year
        assert error_code("20230229-9800") == "day"

    def test_29_february_00_depends_on_the_century_from_the_separator(self):
        number = pnr.Personnummer(dt.date(2000, 2, 29), 985)
        assert parse(number.ten_digit(TODAY)).birth_date == dt.date(2000, 2, 29)
        as_1900 = number.ten_digit(TODAY).replace("-", "+")
        assert error_code(as_1900) == "day"


class TestCheckDigit:
    @pytest.mark.parametrize("value", ["811218-9876", "19121212-1212", "640823-3234"])
    def test_known_valid_numbers(self, value):
        assert pnr.is_valid(value, today=TODAY)

    def test_luhn_digit_of_a_known_number(self):
        assert pnr.luhn_check_digit("811218987") == 6

    @pytest.mark.parametrize("last", [d for d in "0123456789" if d != "6"])
    def test_every_other_last_digit_is_refused(self, last):
        assert error_code(f"811218-987{last}") == "checksum"

    def test_checksum_message_is_swedish_and_says_what_to_do(self):
        with pytest.raises(pnr.PersonnummerError) as info:
            parse("811218-9875")
        assert "Kontrollsiffran" in info.value.message


class TestSamordningsnummer:
    def test_day_plus_sixty_is_a_samordningsnummer(self):
        number = parse("701063-2391")
        assert number.kind == pnr.SAMORDNINGSNUMMER
        assert number.birth_date == dt.date(1970, 10, 3)
        assert number.normalised == "197010632391"  # stored with the day + 60

    def test_check_digit_is_computed_over_the_day_plus_sixty(self):
        number = pnr.Personnummer(dt.date(1990, 5, 7), 981, coordination=True)
        assert number.normalised[6:8] == "67"
        assert number.check_digit == pnr.luhn_check_digit(number.normalised[2:11])

    def test_day_91_is_the_31st(self):
        number = pnr.Personnummer(dt.date(1990, 1, 31), 981, coordination=True)
        assert parse(number.formatted).birth_date == dt.date(1990, 1, 31)

    def test_impossible_samordningsnummer_date_is_refused(self):
        # 61 + 30 = 91 is the 31st; February 1990 has no 30th (day 90).
        assert error_code("19900290-9800") == "day"

    def test_ordinary_number_is_a_personnummer(self):
        assert parse("811218-9876").kind == pnr.PERSONNUMMER


class TestTestSeries:
    def test_birth_numbers_980_to_999_are_test_numbers(self):
        assert pnr.is_test_number("811218-9876", today=TODAY)
        assert not pnr.is_test_number("19121212-1212", today=TODAY)

    def test_invalid_numbers_are_not_test_numbers(self):
        assert not pnr.is_test_number("811218-9875", today=TODAY)

    def test_generator_gives_twenty_valid_test_numbers_for_a_date(self):
        numbers = pnr.test_numbers(dt.date(1985, 3, 12))
        assert len({n.normalised for n in numbers}) == 20
        for number in numbers:
            parsed = parse(number.normalised)
            assert parsed.is_test_number and parsed.birth_date == dt.date(1985, 3, 12)

    def test_generated_samordningsnummer_are_valid(self):
        for number in pnr.test_numbers(dt.date(1985, 3, 12), coordination=True):
            assert parse(number.formatted).kind == pnr.SAMORDNINGSNUMMER

    def test_index_out_of_range_is_refused(self):
        with pytest.raises(ValueError):
            pnr.test_number(dt.date(1985, 3, 12), 20)


numbers = st.builds(
    pnr.Personnummer,
    birth_date=st.dates(min_value=dt.date(1896, 1, 1), max_value=TODAY),
    birth_number=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
)


@given(numbers)
def test_round_trip_through_every_written_form(number):
    assert parse(number.normalised) == number
    assert parse(number.formatted) == number
    assert parse(number.ten_digit(TODAY)) == number
    assert parse(number.ten_digit(TODAY).replace("-", "").replace("+", "")) == number or number.age(TODAY) >= 100


@given(numbers, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_makes_the_number_invalid(number, position, delta):
    digits = list(number.normalised)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    try:
        parsed = parse(changed)
    except pnr.PersonnummerError:
        return
    # A change in the century digits gives another valid date with the same last ten digits and the
    # same check digit; every other single-digit change is caught.
    assert position < 2 and parsed.normalised[2:] == number.normalised[2:]


@pytest.mark.parametrize("value", ["00000101-0008", "000001010008", "01000101-0008", "17991231-0008"])
def test_a_century_that_gives_an_impossible_age_is_refused_with_a_message(value):
    with pytest.raises(pnr.PersonnummerError) as error:
        parse(value)
    assert error.value.code == "too_old" and "Kontrollera årtalet" in error.value.message


@given(st.text(max_size=20))
def test_arbitrary_text_either_parses_or_raises_a_personnummer_error(text):
    try:
        number = parse(text)
    except pnr.PersonnummerError as error:
        assert error.message and error.code
    else:
        assert len(number.normalised) == 12
