"""The dashboards' reads (bistand.followup.dashboard) on the hand-computed table of test_indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bistand.followup import dashboard as dash
from bistand.followup import indicators as ind
from bistand.tenancy.models import Municipality
from tests.followup.test_indicators import EXPECTED_A, EXPECTED_B, region  # noqa: F401 (fixture)


def _municipality(code):
    return Municipality.objects.get(code=code)


def test_the_dashboard_without_filters_gives_exactly_the_indicators_of_the_contract(region):
    board = dash.municipality_dashboard(_municipality("0680"), 2025)
    assert board.indicators == EXPECTED_A
    assert board.latest_month == dt.date(2026, 4, 1)
    assert board.data_changed_at is not None


def test_the_monthly_trend_counts_each_month_and_the_same_month_last_year(region):
    board = dash.municipality_dashboard(_municipality("0680"), 2025)
    january = board.months[0]
    assert january.month == dt.date(2025, 1, 1)
    assert january.values == {"households": 4, "recipients": 6, "adults": 5, "amount": Decimal("26000.50")}
    assert january.last_year == {"households": 1, "recipients": 1, "adults": 1, "amount": Decimal("10000")}
    assert january.change("households") == 3
    may = board.months[4]  # A-1 only (P3's gap, P2 still in A-2, P4 gone)
    assert may.values["households"] == 2
    assert [point.month.month for point in board.months] == list(range(1, 13))


def test_filter_by_sex_counts_only_the_persons_of_that_sex(region):
    board = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(sex="women"))
    assert board.indicators["adult_recipients"] == 3
    assert board.indicators["adult_men"] == 0
    assert board.indicators["child_recipients"] == 1  # C1 (a girl, a child until September); C2 is a boy
    men = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(sex="men"))
    assert men.indicators["adult_recipients"] == 2


def test_filter_by_household_type_uses_the_household_of_each_month(region):
    # Single men without children (3): A-2 January–June, A-4 in June (P5 has left); A-4 was a couple before.
    board = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(household_type="3"))
    assert board.indicators["households"] == 2
    assert board.indicators["household_months"] == 7
    couples = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(household_type="7"))
    assert couples.indicators["household_months"] == 1  # A-4 in January 2025
    # A single woman whose child turns 18 in September has no child that month (5), with one before (6).
    with_child = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(household_type="6"))
    assert with_child.months[7].values["households"] == 2  # August
    assert with_child.months[8].values["households"] == 1  # September: A-1 only


def test_filter_by_age_group_uses_the_age_on_the_last_day_of_the_month(region):
    board = dash.municipality_dashboard(_municipality("0680"), 2025, dash.Filters(age_group="18-19"))
    assert board.indicators["recipients"] == 1  # C1, from September
    assert board.months[8].values["recipients"] == 1
    assert board.months[7].values["recipients"] == 0


@pytest.mark.parametrize("kwargs, field", [({"sex": "x"}, "Kön"), ({"household_type": "2"}, "Hushållstyp"),
                                           ({"age_group": "10-12"}, "Åldersgrupp")])
def test_an_unknown_filter_value_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        dash.Filters(**kwargs)


@pytest.mark.parametrize("adults, children, code", [
    ([], 1, "1"), ([True], 0, "3"), ([True], 2, "4"), ([False], 0, "5"), ([False], 1, "6"),
    ([True, False], 0, "7"), ([False, False], 3, "8"), ([True, False, True], 0, "9"), ([], 0, "9"),
])
def test_household_type_codes_of_socialstyrelsen(adults, children, code):
    assert dash.household_type(adults, children) == code


def test_the_region_overview_gives_each_municipality_and_the_region_as_the_indicators_do(region):
    overview = dash.region_overview(region, 2025)
    assert [m.code for m, _ in overview.municipalities] == ["0662", "0680"]
    assert dict((m.code, result) for m, result in overview.municipalities) == {"0662": EXPECTED_B, "0680": EXPECTED_A}
    assert overview.total == ind.compute(ind.Scope.region(region), 2025)


def test_suppression_hides_counts_of_one_to_four_and_the_ratios_built_on_them():
    shown = dash.suppress(EXPECTED_A)
    assert shown["households"] == dash.SUPPRESSED
    assert shown["recipients"] == 7
    assert shown["long_term_adults"] == dash.SUPPRESSED
    assert shown["long_term_share"] == dash.SUPPRESSED  # 1 of 5: would give the count away
    assert shown["average_months_per_household"] == dash.SUPPRESSED
    assert shown["amount_total"] == dash.SUPPRESSED
    assert shown["household_months"] == 27
    assert dash.suppress(EXPECTED_B)["adult_women"] == 0  # zero is not suppressed


def test_cases_behind_a_month_are_the_households_of_that_month(region):
    rows = dash.cases_behind(_municipality("0680"), dt.date(2025, 6, 1))
    assert [row["household_key"] for row in rows] == ["x:A-1", "x:A-2", "x:A-4"]
    a2 = rows[1]
    assert a2["amount"] == Decimal("5000") and a2["end_reason"] == "work"
    assert dash.cases_behind(_municipality("0680"), dt.date(2025, 6, 1), dash.Filters(sex="women"))[0]["persons"]
