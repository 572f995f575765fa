"""The pseudonymisation steps of a research export (bistand.research.anonymise), on crafted data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bistand.research.anonymise import (
    REDACTED,
    k_anonymise,
    month_of,
    normalise_personnummer,
    pseudonym,
    screen_free_text,
    ten_year_band,
    year_of_birth,
)

KEY_A = b"a" * 32
KEY_B = b"b" * 32


def test_a_pseudonym_is_stable_within_a_project_whatever_way_the_personnummer_is_written():
    assert pseudonym(KEY_A, "19850101-1234") == pseudonym(KEY_A, "198501011234") == pseudonym(KEY_A, "850101-1234")


def test_a_person_has_different_pseudonyms_in_different_projects_and_persons_differ_within_one():
    assert pseudonym(KEY_A, "198501011234") != pseudonym(KEY_B, "198501011234")
    assert pseudonym(KEY_A, "198501011234") != pseudonym(KEY_A, "198501021233")


@given(st.binary(min_size=32, max_size=64), st.from_regex(r"(19|20)[0-9]{10}", fullmatch=True))
def test_neither_the_key_nor_the_personnummer_can_be_read_in_the_pseudonym(key, personnummer):
    value = pseudonym(key, personnummer)
    assert len(value) == 32 and int(value, 16) >= 0
    assert personnummer not in value and personnummer[2:] not in value
    assert key.hex() not in value and key.hex()[:32] != value


def test_digits_of_other_scripts_are_not_a_personnummer():
    with pytest.raises(ValueError, match="siffror"):
        pseudonym(KEY_A, "19000000000\u0660")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError):
        pseudonym(b"short", "198501011234")



def test_a_plus_sign_means_a_hundred_years_or_older():
    assert normalise_personnummer("120101+1234") == "191201011234"
    assert normalise_personnummer("120101-1234") == "201201011234"


def test_dates_are_coarsened_to_months_and_birth_dates_to_years():
    assert month_of(dt.date(2025, 3, 17)) == "2025-03"
    assert year_of_birth(dt.date(1985, 1, 1)) == 1985


def _person(birth_year, sex="K", municipality="0680", household_type="single", first="2025-03"):
    return {"birth_year": birth_year, "sex": sex, "municipality": municipality, "household_type": household_type,
            "first_assistance_month": first}


QUASI = ("birth_year", "sex", "municipality", "household_type", "first_assistance_month")


def test_groups_of_at_least_k_are_left_as_they_are():
    rows = [_person(1985) for _ in range(5)]
    kept, report = k_anonymise(rows, QUASI, k=5)
    assert kept == rows
    assert report.rows_suppressed == 0 and report.steps == []


def test_months_of_first_assistance_are_coarsened_to_years_when_that_makes_groups_large_enough():
    rows = [_person(1985, first=f"2025-{m:02d}") for m in (1, 2, 3, 4, 5)]
    kept, report = k_anonymise(rows, QUASI, k=5)
    assert len(kept) == 5
    assert {row["first_assistance_month"] for row in kept} == {"2025"}
    assert report.steps[0]["step"] == "månad för första bistånd → år"


def test_years_of_birth_become_five_year_bands_next_and_the_rest_is_suppressed_and_reported():
    rows = [_person(y) for y in (1985, 1986, 1987, 1988, 1989)] + [_person(1990, sex="M")]
    kept, report = k_anonymise(rows, QUASI, k=5)
    assert len(kept) == 5
    assert {row["birth_year"] for row in kept} == {"1985–1989"}
    assert report.rows_suppressed == 1
    assert report.to_dict()["rows_out"] == 5
    assert "färre än 5" in report.steps[-1]["step"]


def test_k_is_a_setting():
    rows = [_person(1985) for _ in range(3)]
    assert len(k_anonymise(rows, QUASI, k=3)[0]) == 3
    assert k_anonymise(rows, QUASI, k=4)[0] == []


@given(st.lists(st.tuples(st.integers(1940, 2005), st.sampled_from("KM"), st.sampled_from(["0680", "0662"]),
                          st.integers(1, 12)), max_size=60), st.integers(2, 7))
def test_after_k_anonymisation_every_combination_has_at_least_k_persons(people, k):
    rows = [_person(y, s, m, first=f"2025-{mo:02d}") for y, s, m, mo in people]
    kept, report = k_anonymise(rows, QUASI, k=k)
    from collections import Counter

    counts = Counter(tuple(row[q] for q in QUASI) for row in kept)
    assert all(n >= k for n in counts.values())
    assert report.rows_in - report.rows_suppressed == len(kept)


@pytest.mark.parametrize(
    "text",
    [
        "Ring Anna Svensson på 070-123 45 67 om 19850101-1234.",
        "pnr 850101-1234, mejl anna.svensson@example.se",
        "samordningsnummer 198501611234 och ANNA",
    ],
)
def test_free_text_is_screened_for_personnummer_phone_numbers_e_mail_and_names(text):
    screened = screen_free_text(text, names=["Anna", "Svensson"])
    for secret in ("1234", "Anna", "ANNA", "Svensson", "070-123", "@example.se"):
        assert secret not in screened
    assert REDACTED in screened


def test_free_text_without_anything_to_screen_is_left_alone():
    assert screen_free_text("Vill börja studera till hösten.", names=["Anna"]) == "Vill börja studera till hösten."


def _spread_population():
    """40 persons in two municipalities, born in the 1980s, in four household types, first helped in three
    different years: after the month and the five-year band almost every group is still too small."""
    types = ["3", "5", "4", "6"]
    return [_person(1980 + i % 10, sex="M" if types[i % 4] in "34" else "K", municipality=["0680", "0662"][i % 2],
                    household_type=types[i % 4], first=f"{2022 + i % 3}-{1 + i % 12:02d}") for i in range(40)]


def test_further_steps_coarsen_until_no_more_than_the_allowed_share_is_suppressed():
    rows = _spread_population()
    assert k_anonymise(rows, QUASI, k=5)[1].rows_suppressed > 30  # the two first steps are not enough
    more = [("household_type", "hushållstyp → grupp", lambda v: {"3": "3+5", "5": "3+5", "4": "4+6", "6": "4+6"}[v]),
            ("birth_year", "födelseår → tioårsgrupp", ten_year_band),
            ("first_assistance_month", "år för första bistånd tas bort", lambda v: "*")]
    kept, report = k_anonymise(rows, QUASI, k=5, more_steps=more, max_suppressed_share=0.10)
    assert report.rows_suppressed <= 4 and len(kept) == 40 - report.rows_suppressed
    assert [s["step"] for s in report.steps][:3] == ["månad för första bistånd → år", "födelseår → femårsgrupp",
                                                     "hushållstyp → grupp"]
    from collections import Counter

    assert all(n >= 5 for n in Counter(tuple(row[q] for q in QUASI) for row in kept).values())


def test_a_ten_year_band_takes_a_year_or_a_five_year_band():
    assert ten_year_band(1987) == ten_year_band("1985–1989") == "1980–1989"
    assert ten_year_band(None) is None


@given(st.lists(st.tuples(st.integers(1940, 2005), st.sampled_from("KM"), st.sampled_from(["0680", "0662"]),
                          st.sampled_from(["3", "4", "5", "6", "7", "8"]), st.integers(1, 36)), max_size=80),
       st.integers(2, 7))
def test_with_the_exports_further_steps_every_combination_still_has_at_least_k_persons(people, k):
    from collections import Counter

    from bistand.research.export_tables import K_ANONYMITY_STEPS, MAX_SUPPRESSED_SHARE

    rows = [_person(y, s, m, t, first=f"{2024 + mo // 12}-{1 + mo % 12:02d}") for y, s, m, t, mo in people]
    kept, report = k_anonymise(rows, QUASI, k=k, more_steps=K_ANONYMITY_STEPS, max_suppressed_share=MAX_SUPPRESSED_SHARE)
    assert all(n >= k for n in Counter(tuple(row[q] for q in QUASI) for row in kept).values())
    assert {row["municipality"] for row in kept} <= {"0680", "0662"}  # the municipality is always kept
    assert report.rows_in - report.rows_suppressed == len(kept)
