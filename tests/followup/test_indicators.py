"""The indicators of shared contract contracts/indicators.md, each against a hand-computed table.

The table (year 2025; A = 0680, B = 0662, both in one region; amounts in kronor per month):

| person | born | household | role | months | amount |
|---|---|---|---|---|---|
| P1 woman | 1990-01-15 | A-1 | applicant | 2023-01 … 2026-04 | 10 000 |
| C2 | 2015-05-05 | A-1 | child | 2025-03 … 2025-12 | |
| P2 man | 2000-06-20 | A-2 | applicant | 2025-01 … 2025-06, end reason work in 2025-06 | 5 000 |
| P2 | | B-1 (moved) | applicant | 2025-08 … 2025-12 | 6 000 |
| P3 woman | 1985-03-03 | A-3 | applicant | 2025-01 … 04, then a gap of exactly three months, 2025-08 … 10 | 7 000.50 |
| C1 (turns 18 on 2025-09-10) | 2007-09-10 | A-3 | child | as P3 | |
| P4 man | 1970-02-02 | A-4 | applicant | 2024-11 … 2025-01 (end reason studies in 2025-01), 2025-06 | 4 000 |
| P5 woman | 1972-07-07 | A-4 | co_applicant | 2024-11 … 2025-01 | |

A's data reach 2026-04, B's 2025-12 (P2's December exit cannot be counted there: M+3 is not reached).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.common.months import add_months
from bistand.followup import indicators as ind
from bistand.followup.services import import_history
from bistand.people import personnummer as pnr
from tests.factories import MunicipalityFactory, RegionFactory

TODAY = dt.date(2026, 12, 7)
# Test numbers 980–999: an odd birth number (the sex digit) is a man.
P1 = pnr.test_number(dt.date(1990, 1, 15), 0).normalised
C2 = pnr.test_number(dt.date(2015, 5, 5), 1).normalised
P2 = pnr.test_number(dt.date(2000, 6, 20), 3).normalised
P3 = pnr.test_number(dt.date(1985, 3, 3), 2).normalised
C1 = pnr.test_number(dt.date(2007, 9, 10), 4).normalised
P4 = pnr.test_number(dt.date(1970, 2, 2), 5).normalised
P5 = pnr.test_number(dt.date(1972, 7, 7), 6).normalised


def _months(first: str, last: str) -> list[str]:
    start = dt.date(int(first[:4]), int(first[5:]), 1)
    end = dt.date(int(last[:4]), int(last[5:]), 1)
    out = []
    while start <= end:
        out.append(f"{start:%Y-%m}")
        start = add_months(start, 1)
    return out


def _table() -> bytes:
    lines = ["municipality,household,personnummer,role,month,amount,end_reason,name"]

    def add(code, household, number, role, months, amount="", reasons=None):
        for month in months:
            reason = (reasons or {}).get(month, "")
            lines.append(f"{code},{household},{number},{role},{month},{amount if role == 'applicant' else ''},{reason},")

    add("0680", "A-1", P1, "applicant", _months("2023-01", "2026-04"), "10000")
    add("0680", "A-1", C2, "child", _months("2025-03", "2025-12"))
    add("0680", "A-2", P2, "applicant", _months("2025-01", "2025-06"), "5000", {"2025-06": "work"})
    add("0662", "B-1", P2, "applicant", _months("2025-08", "2025-12"), "6000")
    p3_months = _months("2025-01", "2025-04") + _months("2025-08", "2025-10")
    add("0680", "A-3", P3, "applicant", p3_months, "7000.50")
    add("0680", "A-3", C1, "child", p3_months)
    add("0680", "A-4", P4, "applicant", [*_months("2024-11", "2025-01"), "2025-06"], "4000", {"2025-01": "studies"})
    add("0680", "A-4", P5, "co_applicant", _months("2024-11", "2025-01"))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def region(db):
    region = RegionFactory(code="06", name="Region Jönköpings län")
    MunicipalityFactory(code="0680", name="Jönköping", region=region)
    MunicipalityFactory(code="0662", name="Gislaved", region=region)
    import_history(_table(), file_name="tabell.csv", today=TODAY)
    return region


def _scope(code: str) -> ind.Scope:
    from bistand.tenancy.models import Municipality

    return ind.Scope.municipality(Municipality.objects.get(code=code))


EXPECTED_A = {
    "scope": {"municipality": "0680"}, "year": 2025,
    "households": 4, "recipients": 7, "adult_recipients": 5, "adult_women": 3, "adult_men": 2,
    "child_recipients": 2, "young_adults_18_24": 1, "long_term_adults": 1, "long_term_share": Decimal("0.2000"),
    "very_long_term_adults": 1, "children_in_long_term_households": 1, "household_months": 27,
    "average_months_per_household": Decimal("6.75"), "amount_total": Decimal("207003.50"),
    "amount_per_household": Decimal("51750.88"),
    "exits": 6, "exits_to_work_or_studies": 3, "exits_followed_12_months": 3, "returned_within_12_months": 2,
}
EXPECTED_B = {
    "scope": {"municipality": "0662"}, "year": 2025,
    "households": 1, "recipients": 1, "adult_recipients": 1, "adult_women": 0, "adult_men": 1,
    "child_recipients": 0, "young_adults_18_24": 0, "long_term_adults": 0, "long_term_share": Decimal("0.0000"),
    "very_long_term_adults": 0, "children_in_long_term_households": 0, "household_months": 5,
    "average_months_per_household": Decimal("5.00"), "amount_total": Decimal("30000.00"),
    "amount_per_household": Decimal("30000.00"),
    "exits": 0, "exits_to_work_or_studies": 0, "exits_followed_12_months": 0, "returned_within_12_months": 0,
}
EXPECTED_REGION = {
    "scope": {"region": "Region Jönköpings län"}, "year": 2025,
    "households": 5, "recipients": 7, "adult_recipients": 5, "adult_women": 3, "adult_men": 2,
    "child_recipients": 2, "young_adults_18_24": 1, "long_term_adults": 2, "long_term_share": Decimal("0.4000"),
    "very_long_term_adults": 1, "children_in_long_term_households": 1, "household_months": 32,
    "average_months_per_household": Decimal("6.40"), "amount_total": Decimal("237003.50"),
    "amount_per_household": Decimal("47400.70"),
    "exits": 6, "exits_to_work_or_studies": 2, "exits_followed_12_months": 3, "returned_within_12_months": 2,
}


def test_municipality_a_matches_the_hand_computed_table(region):
    assert ind.compute(_scope("0680"), 2025) == EXPECTED_A


def test_municipality_b_does_not_count_an_exit_whose_three_months_after_are_not_yet_in_the_data(region):
    assert ind.compute(_scope("0662"), 2025) == EXPECTED_B


def test_in_the_region_a_person_in_two_municipalities_counts_once_and_their_months_add_up(region):
    assert ind.compute(ind.Scope.region(region), 2025) == EXPECTED_REGION


def test_moving_to_another_municipality_ends_a_period_there_but_not_in_the_region(region):
    exits_a = {(e.person, e.month) for e in ind._exits(ind.load_base(_scope("0680"), 2025))}
    exits_region = {(e.person, e.month) for e in ind._exits(ind.load_base(ind.Scope.region(region), 2025))}
    assert (P2, 6) in exits_a and (P2, 6) not in exits_region
    assert (P2, 12) in exits_region


def test_a_gap_of_exactly_three_months_is_an_exit_and_the_fourth_month_a_return(region):
    exits = {(e.person, e.month): e for e in ind._exits(ind.load_base(_scope("0680"), 2025))}
    april = exits[(P3, 4)]
    assert (april.followed_12_months, april.returned_within_12_months) == (True, True)


def test_an_exit_whose_twelve_months_are_not_yet_in_the_data_is_counted_but_not_followed(region):
    exits = {(e.person, e.month): e for e in ind._exits(ind.load_base(_scope("0680"), 2025))}
    assert exits[(P3, 10)].followed_12_months is False
    assert exits[(P2, 6)].followed_12_months is False and exits[(P2, 6)].to_work_or_studies is True


def test_a_child_turning_18_is_a_child_only_in_the_months_before_and_never_an_adult_by_a_child_row(region):
    base = ind.load_base(_scope("0680"), 2025)
    (row,) = [r for r in base.of_year() if r.person == C1]
    assert ind._bits(row.child) == [1, 2, 3, 4, 8]  # 18 on 10 September: not a child in September and October
    assert ind._bits(row.months) == [1, 2, 3, 4, 8, 9, 10]
    assert row.adult == 0


def test_very_long_term_needs_three_years_of_data(region):
    assert ind.compute(_scope("0680"), 2024)["very_long_term_adults"] == 0  # 2022 has no data
    assert ind.compute(_scope("0680"), 2025)["very_long_term_adults"] == 1


def test_a_year_without_assistance_gives_zeros_and_nulls_for_ratios(region):
    result = ind.compute(_scope("0662"), 2020)
    assert result["households"] == 0 and result["exits"] == 0
    assert result["long_term_share"] is None and result["average_months_per_household"] is None
    assert result["amount_per_household"] is None and result["amount_total"] == Decimal("0.00")


def test_ratios_are_rounded_half_up_once_at_the_end():
    assert ind._ratio(61, 160, 4) == Decimal("0.3813")  # 0.38125
    assert ind._ratio(Decimal("0.125"), 1, 2) == Decimal("0.13")
    assert ind._ratio(1, 0, 4) is None


def test_json_writes_ratios_and_amounts_as_numbers_with_their_decimals():
    text = ind.to_json({"long_term_share": Decimal("0.2000"), "amount_total": Decimal("1234.50"), "x": None})
    assert '"long_term_share": 0.2000' in text and '"amount_total": 1234.50' in text
    assert json.loads(text) == {"long_term_share": 0.2, "amount_total": 1234.5, "x": None}


def test_the_command_prints_the_indicators_of_a_municipality_and_of_the_region(region):
    out = io.StringIO()
    call_command("indicators", "--municipality", "0680", "--year", "2025", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["scope"] == {"municipality": "0680"} and printed["exits"] == 6
    assert printed["long_term_share"] == 0.2 and printed["amount_total"] == 207003.5
    assert list(printed) == ["scope", "year", *ind.DEFINITIONS]
    out = io.StringIO()
    call_command("indicators", "--region", "--year", "2025", "--json", stdout=out)
    assert json.loads(out.getvalue())["long_term_adults"] == 2


def test_the_command_names_an_unknown_municipality(region):
    with pytest.raises(CommandError, match="--municipality: kommunen 9999"):
        call_command("indicators", "--municipality", "9999", "--year", "2025", "--json")


# --- invariants over any base ----------------------------------------------------------------------

_people = st.sampled_from([P1, C2, P2, P3, C1, P4, P5])
_rows = st.lists(
    st.tuples(
        st.sampled_from([1, 2]), st.sampled_from(["h1", "h2", "h3"]), _people,
        st.integers(min_value=0, max_value=47), st.sampled_from(["applicant", "co_applicant", "child"]),
        st.sampled_from(["", "work", "other"]),
    ),
    max_size=60,
)
_BORN = {P1: dt.date(1990, 1, 15), C2: dt.date(2015, 5, 5), P2: dt.date(2000, 6, 20), P3: dt.date(1985, 3, 3),
         C1: dt.date(2007, 9, 10), P4: dt.date(1970, 2, 2), P5: dt.date(1972, 7, 7)}


def _base(raw, municipalities, year=2025):
    seen, rows = set(), []
    for municipality, household, person, offset, role, reason in raw:
        month = add_months(dt.date(2023, 1, 1), offset)
        if municipality not in municipalities or (municipality, person, month) in seen:
            continue
        seen.add((municipality, person, month))
        amount = 100 if role == "applicant" else None
        rows.append((municipality, household, person, _BORN[person], month, role, amount,
                     reason if role == "applicant" else ""))
    latest = max((row[4] for row in rows), default=None)
    return ind.Base(year, ind.condense(rows), latest)


@settings(max_examples=60, deadline=None)
@given(_rows)
def test_indicators_keep_their_invariants(raw):
    result = ind.compute(ind.Scope((1, 2), {"region": "R"}), 2025, base=_base(raw, {1, 2}))
    assert result["adult_women"] + result["adult_men"] == result["adult_recipients"]
    assert result["very_long_term_adults"] <= result["long_term_adults"] <= result["adult_recipients"]
    assert result["returned_within_12_months"] <= result["exits_followed_12_months"] <= result["exits"]
    assert result["exits_to_work_or_studies"] <= result["exits"]
    assert result["households"] <= result["household_months"]
    assert result["recipients"] <= result["adult_recipients"] + result["child_recipients"] + len(_BORN)
    parts = [ind.compute(ind.Scope((m,), {"municipality": str(m)}), 2025, base=_base(raw, {m})) for m in (1, 2)]
    assert result["households"] == sum(part["households"] for part in parts)
    assert result["household_months"] == sum(part["household_months"] for part in parts)
    assert result["amount_total"] == sum(part["amount_total"] for part in parts)
    assert result["adult_recipients"] <= sum(part["adult_recipients"] for part in parts)
    assert result["long_term_adults"] >= max(part["long_term_adults"] for part in parts)
