"""Swedish account numbers: clearing ranges, type 1 and type 2 check digits, Swedbank's fifth clearing
digit, and IBAN (SE + 22 digits, modulus 97).

The valid numbers are the published examples of the account types (Bankgirot's description of the
banks' account numbers and the examples libraries for it test against); the invalid ones are the same
numbers with one digit changed."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bistand.payments.accounts import (
    BANKS,
    AccountError,
    BankAccount,
    Iban,
    bank_for,
    mod10_valid,
    mod11_valid,
    parse_account,
    parse_bank_account,
    parse_iban,
)


def error_code(call, *args) -> str:
    with pytest.raises(AccountError) as info:
        call(*args)
    assert info.value.message  # a Swedish message for the person who typed the number
    return info.value.code


# --- type 1 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "clearing, number, bank",
    [
        ("5000", "1111116", "SEB"),  # type 1, comment 1 (clearing digits 2–4 + account, mod 11)
        ("5681", "0047158", "SEB"),
        ("5102", "0158751", "SEB"),
        ("5011", "0137396", "SEB"),
        ("5502", "003852-0", "SEB"),
        ("9550", "1111138", "Avanza Bank"),  # type 1, comment 2 (whole clearing + account, mod 11)
        ("9650", "1234567", "MedMera Bank"),  # in Bankgirot's table, missing from ours until issue 20
        ("9880", "1234564", "Riksgälden"),  # type 1 9880–9889 (type 2 is 9890–9899)
    ],
)
def test_type_1_accounts_with_a_correct_check_digit_are_accepted(clearing, number, bank):
    account = parse_bank_account(clearing, number)
    assert account.bank == bank
    assert account.clearing == clearing
    assert account.normalised == f"{clearing}-{number.replace('-', '')}"


@pytest.mark.parametrize("clearing, number", [("5000", "1111111"), ("5681", "0047150"), ("5102", "0158750"), ("9550", "1111139")])
def test_type_1_accounts_with_a_wrong_check_digit_are_refused(clearing, number):
    assert error_code(parse_bank_account, clearing, number) == "check_digit"


def test_type_1_comment_1_leaves_out_the_first_clearing_digit_and_comment_2_does_not():
    # The same seven digits are valid behind a comment-1 clearing number only when the first clearing
    # digit is left out of the check, and behind a comment-2 number only when it is included.
    assert mod11_valid("000" + "1111116") and not mod11_valid("5000" + "1111116")
    assert parse_bank_account("5000", "1111116").bank == "SEB"  # comment 1
    assert mod11_valid("9550" + "1111138") and not mod11_valid("550" + "1111138")
    assert parse_bank_account("9550", "1111138").bank == "Avanza Bank"  # comment 2


def test_type_1_account_numbers_have_seven_digits_but_may_have_zeros_in_front():
    assert parse_bank_account("5000", "000001111116").number == "1111116"
    assert error_code(parse_bank_account, "5000", "111116") == "number_length"
    assert error_code(parse_bank_account, "5000", "11111116") == "number_length"


# --- type 2 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "clearing, number, bank",
    [
        ("3300", "8411283941", "Nordea (personkonto)"),  # type 2, comment 1 (10 digits, mod 10)
        ("9300", "1234567897", "Swedbank (f.d. Sparbanken Öresund)"),
        ("6000", "301286698", "Handelsbanken"),  # type 2, comment 2 (9 digits, mod 11)
        ("8214", "9837107771", "Swedbank"),  # type 2, comment 3 (up to 10 digits, mod 10)
        ("8150", "9942266959", "Swedbank"),
        ("8424", "39984109", "Swedbank"),
        ("83279", "994 029 818-6", "Swedbank"),  # with Swedbank's fifth clearing digit
    ],
)
def test_type_2_accounts_with_a_correct_check_digit_are_accepted(clearing, number, bank):
    account = parse_bank_account(clearing, number)
    assert account.bank == bank
    assert len(account.clearing) == 4


@pytest.mark.parametrize(
    "clearing, number",
    [("3300", "8411283940"), ("6000", "301286699"), ("8214", "9837107772"), ("8150", "9942266951"), ("8424", "39984101")],
)
def test_type_2_accounts_with_a_wrong_check_digit_are_refused(clearing, number):
    assert error_code(parse_bank_account, clearing, number) == "check_digit"


def test_type_2_comment_1_accounts_need_ten_digits():
    assert error_code(parse_bank_account, "3300", "841128394") == "number_length"


def test_the_check_digit_of_a_type_2_account_does_not_include_the_clearing_number():
    # 8411283941 is valid on its own (Luhn); with the clearing number in front it is not.
    assert mod10_valid("8411283941") and not mod10_valid("3300" + "8411283941")
    assert parse_bank_account("3300", "8411283941")


def test_swedbank_fifth_clearing_digit_is_checked_and_left_out_of_the_stored_number():
    account = parse_bank_account("8327-9", "9940298186")
    assert account.clearing == "8327"
    assert account.normalised == "8327-9940298186"
    assert error_code(parse_bank_account, "8327-1", "9940298186") == "clearing_check_digit"
    # Only Swedbank's 8xxx numbers have a fifth digit.
    assert error_code(parse_bank_account, "50000", "1111116") == "clearing_length"


# --- clearing numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("clearing", ["0999", "1000", "2100", "9000", "9999", "9210"])
def test_clearing_numbers_outside_the_banks_ranges_are_refused(clearing):
    assert error_code(parse_bank_account, clearing, "1111116") == "clearing_unknown"


def test_the_clearing_ranges_do_not_overlap_and_every_range_has_a_known_rule():
    ordered = sorted(BANKS, key=lambda b: b.first)
    for before, after in itertools.pairwise(ordered):
        assert before.last < after.first, f"{before} overlaps {after}"
    for bank in BANKS:
        assert 1000 <= bank.first <= bank.last <= 9999
        assert (bank.type, bank.comment) in {(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)}


def test_the_big_banks_are_found_by_clearing_number():
    assert bank_for(5000).bank == "SEB"
    assert bank_for(6789).bank == "Handelsbanken"
    assert bank_for(8327).bank == "Swedbank"
    assert bank_for(7000).bank == "Swedbank"
    assert bank_for(3300).type == 2 and bank_for(3301).type == 1
    assert bank_for(1000) is None


def test_letters_and_empty_input_get_their_own_messages():
    assert error_code(parse_bank_account, "", "1111116") == "required"
    assert error_code(parse_bank_account, "5000", "") == "required"
    assert error_code(parse_bank_account, "50O0", "1111116") == "not_digits"
    assert error_code(parse_bank_account, "500", "1111116") == "clearing_length"


# --- every single wrong digit is caught ------------------------------------------------------------------------

_VALID = [("5000", "1111116"), ("9550", "1111138"), ("6000", "301286698"), ("3300", "8411283941"), ("8214", "9837107771")]


@given(which=st.sampled_from(_VALID), position=st.integers(min_value=0, max_value=9), new_digit=st.integers(0, 9))
def test_changing_any_one_digit_of_a_valid_account_number_is_caught(which, position, new_digit):
    clearing, number = which
    position %= len(number)
    assume(int(number[position]) != new_digit)
    changed = number[:position] + str(new_digit) + number[position + 1 :]
    with pytest.raises(AccountError):
        parse_bank_account(clearing, changed)


@given(clearing=st.sampled_from([b for b in BANKS if b.type == 1]), body=st.text("0123456789", min_size=6, max_size=6))
def test_for_type_1_exactly_one_check_digit_or_none_makes_an_account_valid(clearing, body):
    prefix = str(clearing.first)
    valid = []
    for digit in "0123456789":
        try:
            parse_bank_account(prefix, body + digit)
        except AccountError as error:
            assert error.code == "check_digit"
        else:
            valid.append(digit)
    assert len(valid) <= 1


# --- IBAN ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["SE4550000000058398257466", "SE45 5000 0000 0583 9825 7466", "se35 5000 0000 0549 1000 0003"])
def test_swedish_ibans_with_correct_check_digits_are_accepted(text):
    iban = parse_iban(text)
    assert iban.value == text.replace(" ", "").upper()
    assert iban.display.startswith(iban.value[:4] + " ")


@pytest.mark.parametrize(
    "text, code",
    [
        ("SE4550000000058398257467", "iban_check_digits"),
        ("SE4450000000058398257466", "iban_check_digits"),
        ("SE455000000005839825746", "iban_format"),  # 21 digits
        ("SE45500000000583982574661", "iban_format"),  # 23 digits
        ("SE45A0000000058398257466", "iban_format"),
        ("DK5000400440116243", "iban_country"),
        ("", "required"),
    ],
)
def test_wrong_or_foreign_ibans_are_refused(text, code):
    assert error_code(parse_iban, text) == code


# --- the stored and typed forms -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("5000-1111116", "5000-1111116"),
        ("5000, 111 111-6", "5000-1111116"),
        ("50001111116", "5000-1111116"),
        ("8327-9, 994 029 818-6", "8327-9940298186"),
        ("8327-9-9940298186", "8327-9940298186"),
        ("SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
    ],
)
def test_parse_account_reads_the_usual_ways_of_writing_an_account(text, expected):
    account = parse_account(text)
    assert account.normalised == expected
    assert parse_account(account.normalised) == account  # the stored form reads back the same


def test_parse_account_tells_bank_accounts_and_ibans_apart():
    assert isinstance(parse_account("5000-1111116"), BankAccount)
    assert isinstance(parse_account("SE4550000000058398257466"), Iban)
    assert parse_account("5000-1111116").bban == "50001111116"
    assert error_code(parse_account, "konto") == "format"
