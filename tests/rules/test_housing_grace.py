"""Rent above the municipality's ceiling: the rådrum (issue 17 §2). The first time the rent is above the
ceiling the full rent counts for a rådrum (local parameter `housing_grace_months`, default 3 months); after
it only the ceiling counts. The rådrum is an optional input (`housing_grace`: first month, optionally last
month and the case worker's reason for an extension); its own trace line cites 12 kap. 7 § första stycket 2
SoL (2025:400), or 4 kap. 3 § första stycket 2 SoL (2001:453) for a decision before 1 July 2025."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bistand.rules import CalculationInputError, calculate, load_parameters
from bistand.rules.model import month_from_index, month_index

# Jönköping (0680) 2026: ceiling for 1 adult and no child is 5 900 kr (an invented demo figure).
CEILING = 590_000
BASE = {"month": "2026-03", "municipality": "0680", "household": {"adults": [{"id": "a1", "age": 40}]},
        "costs": [{"type": "rent", "amount": 8000}]}


def _lines(result):
    return {line.code: line for line in result.lines}


def test_without_a_rådrum_the_ceiling_applies_as_before():
    lines = _lines(calculate(BASE))
    assert lines["costs.rent"].amount == CEILING
    assert "housing_grace" not in lines


def test_inside_the_rådrum_the_full_rent_counts_with_its_own_line_and_provision():
    result = calculate({**BASE, "housing_grace": {"start": "2026-02"}})
    lines = _lines(result)
    assert lines["costs.rent"].amount == 800_000
    grace = lines["housing_grace"]
    assert grace.amount == 800_000 - CEILING
    assert "2026-02–2026-04 (månad 2 av 3)" in grace.label
    assert "från och med 2026-05 räknas högst taket" in grace.label
    assert grace.reference.startswith("12 kap. 7 § första stycket 2 socialtjänstlagen (2025:400)")
    assert "local/default.yaml (housing_grace_months)" in grace.reference
    assert any("Hela hyran räknas med under rådrummet till och med 2026-04" in w for w in result.warnings)
    assert result.costs == 800_000


def test_the_default_rådrum_is_three_months_a_local_decision():
    value = load_parameters("2026-03", "0680").housing_grace_months
    assert value.value == 3
    assert value.confidence == "L" and value.status == "verified"


def test_after_the_rådrum_only_the_ceiling_counts_and_the_line_says_the_rådrum_is_over():
    result = calculate({**BASE, "month": "2026-05", "housing_grace": {"start": "2026-02"}})
    lines = _lines(result)
    assert "housing_grace" not in lines
    assert lines["costs.rent"].amount == CEILING
    assert "rådrummet 2026-02–2026-04 är slut" in lines["costs.rent"].label
    assert any("Rådrummet, då hela hyran räknades med, var 2026-02–2026-04." in w for w in result.warnings)


def test_an_extended_rådrum_counts_the_full_rent_until_its_end_and_shows_the_case_workers_reason():
    reason = "Familjen har fått ett kontrakt på en billigare lägenhet från 1 juli."
    result = calculate({**BASE, "month": "2026-06",
                        "housing_grace": {"start": "2026-02", "end": "2026-06", "reason": reason}})
    grace = _lines(result)["housing_grace"]
    assert "(månad 5 av 5)" in grace.label
    assert f"Rådrummet är förlängt. Skäl: {reason}" in grace.label
    assert "housing_grace_months" not in grace.reference
    assert result.costs == 800_000


def test_a_rent_within_the_ceiling_has_no_rådrum_line():
    result = calculate({**BASE, "costs": [{"type": "rent", "amount": 5000}], "housing_grace": {"start": "2026-03"}})
    assert "housing_grace" not in _lines(result)
    assert result.costs == 500_000


def test_the_rådrum_cites_the_old_law_for_a_decision_before_july_2025():
    result = calculate({**BASE, "month": "2025-06", "decision_date": "2025-06-20",
                        "housing_grace": {"start": "2025-06"}})
    assert _lines(result)["housing_grace"].reference.startswith(
        "4 kap. 3 § första stycket 2 socialtjänstlagen (2001:453)")


def test_a_rådrum_ending_before_it_starts_is_refused_naming_the_field():
    with pytest.raises(CalculationInputError) as error:
        calculate({**BASE, "housing_grace": {"start": "2026-03", "end": "2026-02"}})
    assert error.value.field == "housing_grace.end"


def test_an_empty_extension_reason_is_refused_naming_the_field():
    with pytest.raises(CalculationInputError) as error:
        calculate({**BASE, "housing_grace": {"start": "2026-03", "end": "2026-08", "reason": "  "}})
    assert error.value.field == "housing_grace.reason"


def test_a_bad_month_is_refused_naming_the_field():
    with pytest.raises(CalculationInputError) as error:
        calculate({**BASE, "housing_grace": {"start": "2026-13"}})
    assert error.value.field == "housing_grace.start"


@settings(max_examples=150, deadline=None)
@given(rent=st.integers(min_value=0, max_value=30_000), start=st.integers(min_value=0, max_value=11),
       length=st.integers(min_value=1, max_value=12), offset=st.integers(min_value=-14, max_value=11),
       adults=st.integers(min_value=1, max_value=2), children=st.integers(min_value=0, max_value=5),
       explicit_end=st.booleans())
def test_housing_within_the_rådrum_is_the_full_rent_and_after_it_at_most_the_ceiling(
        rent, start, length, offset, adults, children, explicit_end):
    first = month_from_index(month_index("2026-01") + start)
    month = month_from_index(month_index(first) + offset)
    assume("2024-01" <= month <= "2026-12")  # the packaged years (a later year asks the database)
    grace = {"start": first}
    last = month_from_index(month_index(first) + (length if explicit_end else 3) - 1)
    if explicit_end:
        grace["end"] = last
    household = {"adults": [{"id": f"a{i}", "age": 40} for i in range(adults)],
                 "children": [{"id": f"c{i}", "age": 8} for i in range(children)]}
    result = calculate({"month": month, "municipality": "0680", "household": household,
                        "costs": [{"type": "rent", "amount": rent}], "housing_grace": grace})
    ceiling = load_parameters(month, "0680").housing_ceiling(adults, children)
    housing = _lines(result)["costs.rent"].amount
    if first <= month <= last:
        assert housing == rent * 100
    else:
        assert housing == min(rent * 100, ceiling)
    without = calculate({"month": month, "municipality": "0680", "household": household,
                         "costs": [{"type": "rent", "amount": rent}]})
    assert result.amount >= without.amount  # a rådrum never lowers the assistance
