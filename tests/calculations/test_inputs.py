"""Building the contract input from facts about a household (pure Python)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from bistand.calculations.inputs import (
    AdultFacts,
    AdultHistory,
    ChildFacts,
    DecimalJSONDecoder,
    DecimalJSONEncoder,
    InputBuildError,
    build_contract_input,
    canonical_json,
    input_hash,
)
from bistand.common.months import add_months, age_at, month_range, parse_month
from bistand.rules import calculate
from bistand.rules.parameters import PARAMETERS_DIR

SCHEMA = json.loads((PARAMETERS_DIR.parent / "contract" / "calculation.schema.json").read_text(encoding="utf-8"))
M = parse_month


def test_age_counts_whole_years_on_the_day():
    assert age_at(dt.date(2000, 3, 15), dt.date(2025, 3, 14)) == 24
    assert age_at(dt.date(2000, 3, 15), dt.date(2025, 3, 15)) == 25
    assert age_at(dt.date(2004, 2, 29), dt.date(2025, 2, 28)) == 20
    assert age_at(dt.date(2004, 2, 29), dt.date(2025, 3, 1)) == 21


def test_ages_are_taken_on_the_first_day_of_the_month():
    document = build_contract_input(
        month=M("2025-06"),
        adults=[AdultFacts("a", dt.date(1990, 6, 1)), AdultFacts("b", dt.date(1990, 6, 2))],
        children=[ChildFacts("c", dt.date(2018, 6, 30))],
    )
    assert [a["age"] for a in document["household"]["adults"]] == [35, 34]
    assert document["household"]["children"][0]["age"] == 6


def test_a_child_born_during_the_month_counts_with_age_zero_and_an_unborn_child_not_at_all():
    document = build_contract_input(
        month=M("2025-06"),
        adults=[AdultFacts("a", dt.date(1990, 1, 1))],
        children=[ChildFacts("born", dt.date(2025, 6, 20)), ChildFacts("unborn", dt.date(2025, 7, 1))],
    )
    assert document["household"]["children"] == [{"id": "born", "age": 0}]


def test_a_child_older_than_twenty_is_refused_with_a_swedish_message():
    with pytest.raises(InputBuildError, match="21 år"):
        build_contract_input(
            month=M("2025-06"),
            adults=[AdultFacts("a", dt.date(1970, 1, 1))],
            children=[ChildFacts("c", dt.date(2004, 5, 1))],
        )


def test_an_adult_under_eighteen_is_refused():
    with pytest.raises(InputBuildError, match="minst 18"):
        build_contract_input(month=M("2025-06"), adults=[AdultFacts("a", dt.date(2008, 1, 1))])


def test_more_than_two_adults_are_refused():
    adults = [AdultFacts(str(i), dt.date(1980, 1, 1)) for i in range(3)]
    with pytest.raises(InputBuildError):
        build_contract_input(month=M("2025-06"), adults=adults)


def test_lunch_away_from_home_is_only_given_for_children_up_to_six():
    document = build_contract_input(
        month=M("2025-06"),
        adults=[AdultFacts("a", dt.date(1990, 1, 1))],
        children=[ChildFacts("small", dt.date(2022, 1, 1), lunch_away_from_home=True),
                  ChildFacts("big", dt.date(2015, 1, 1), lunch_away_from_home=True)],
    )
    small, big = document["household"]["children"]
    assert small["lunch_away_from_home"] is True
    assert "lunch_away_from_home" not in big


def test_history_gives_months_on_assistance_and_the_jobbstimulans_window():
    assisted = frozenset(month_range(M("2024-12"), M("2025-08")))
    wages = frozenset({M("2025-07"), M("2025-08")})
    document = build_contract_input(
        month=M("2025-09"),
        adults=[AdultFacts("a", dt.date(1990, 1, 1)), AdultFacts("b", dt.date(1991, 1, 1))],
        history={"a": AdultHistory(assisted, wages), "b": AdultHistory(assisted, frozenset())},
        incomes=[{"type": "wage", "amount": 9000, "member": "a"}],
    )
    a, b = document["household"]["adults"]
    assert a["consecutive_months_on_assistance"] == 9
    assert a["jobbstimulans_since"] == "2025-07"
    assert b["consecutive_months_on_assistance"] == 9
    assert "jobbstimulans_since" not in b


def test_the_built_input_follows_the_contract_schema_and_can_be_calculated():
    document = build_contract_input(
        month=M("2026-02"),
        municipality_code="0680",
        adults=[AdultFacts("1", dt.date(1985, 4, 2)), AdultFacts("2", dt.date(1987, 9, 9))],
        children=[ChildFacts("3", dt.date(2021, 1, 1), lunch_away_from_home=True),
                  ChildFacts("4", dt.date(2012, 5, 5), days_present=14)],
        dwelling_size=5,
        costs=[{"type": "rent", "amount": 7200}, {"type": "household_electricity", "amount": Decimal("412.35")}],
        incomes=[{"type": "child_benefit", "amount": 1250, "member": "1"},
                 {"type": "wage", "amount": "8000.50", "member": "2"}],
        child_earnings_before={"4": Decimal("1200")},
    )
    wire = json.loads(json.dumps(document, cls=DecimalJSONEncoder))
    Draft202012Validator(SCHEMA).validate(wire)
    assert wire["costs"][1]["amount"] == 412.35
    result = calculate(document)
    assert result.amount >= 0


def test_amounts_with_more_than_two_decimals_are_refused():
    with pytest.raises(InputBuildError, match="två decimaler"):
        build_contract_input(month=M("2025-06"), adults=[AdultFacts("a", dt.date(1990, 1, 1))],
                             costs=[{"type": "rent", "amount": Decimal("100.005")}])


def test_float_amounts_are_refused():
    with pytest.raises(InputBuildError):
        build_contract_input(month=M("2025-06"), adults=[AdultFacts("a", dt.date(1990, 1, 1))],
                             costs=[{"type": "rent", "amount": 100.5}])


def test_the_input_hash_ignores_key_order_and_trailing_zeros():
    one = {"month": "2025-06", "costs": [{"type": "rent", "amount": Decimal("5000.50")}]}
    two = {"costs": [{"amount": Decimal("5000.5"), "type": "rent"}], "month": "2025-06"}
    assert canonical_json(one) == canonical_json(two)
    assert input_hash(one) == input_hash(two)
    three = {"month": "2025-06", "costs": [{"type": "rent", "amount": Decimal("5000.51")}]}
    assert input_hash(one) != input_hash(three)


def test_decimal_amounts_survive_a_round_trip_through_json_exactly():
    values = [Decimal("0.01"), Decimal("412.35"), Decimal("8747.25"), Decimal("123456789.99")]
    text = json.dumps(values, cls=DecimalJSONEncoder)
    assert json.loads(text, cls=DecimalJSONDecoder) == values


def test_a_decimal_that_a_json_number_cannot_hold_exactly_is_refused():
    with pytest.raises(ValueError):
        json.dumps(Decimal("0.1234567890123456789"), cls=DecimalJSONEncoder)


def test_month_arithmetic_crosses_years():
    assert add_months(M("2025-11"), 3) == M("2026-02")
    assert add_months(M("2025-01"), -1) == M("2024-12")
    assert len(month_range(M("2024-12"), M("2026-11"))) == 24
    with pytest.raises(ValueError):
        parse_month("2025-13")
