"""Higher or lower norm level (12 kap. 7 § tredje stycket SoL 2025:400; 4 kap. 3 § andra stycket SoL
2001:453): the case worker's adjustment of the riksnorm, with a required reason, is its own trace line
with that reason and the legal basis, and it changes the norm applied."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.rules import CalculationInputError, calculate

BASE = {"month": "2026-03", "household": {"adults": [{"id": "a1", "age": 40}]},
        "costs": [{"type": "rent", "amount": 5000}]}


def _with(*adjustments, **extra):
    return {**BASE, **extra, "norm_adjustments": list(adjustments)}


def test_a_higher_norm_level_for_a_special_diet_is_its_own_line_with_reason_and_provision():
    result = calculate(_with({"direction": "higher", "kind": "special_diet", "amount": 600,
                              "reason": "Glutenfri kost enligt läkarintyg", "member": "a1"}))
    lines = {line.code: line for line in result.lines}
    line = lines["norm_level.1"]
    assert line.amount == 60_000
    assert "Glutenfri kost enligt läkarintyg" in line.label
    assert "Särskild kost" in line.label
    assert "12 kap. 7 § tredje stycket socialtjänstlagen (2025:400)" in line.reference
    # 3 940 + 1 280 = 5 220 riksnorm; + 600 = 5 820; + 5 000 rent = 10 820
    assert lines["norm"].amount == 522_000
    assert result.norm == 582_000
    assert result.need == result.norm + result.costs
    assert result.amount == 10_820


def test_a_lower_norm_level_is_subtracted_and_cited():
    result = calculate(_with({"direction": "lower", "kind": "food_in_care_fee", "amount": 1000.50,
                              "reason": "Maten ingår i avgiften på behandlingshemmet"}))
    line = {line.code: line for line in result.lines}["norm_level.1"]
    assert line.amount == -100_050
    assert "Lägre nivå" in line.label
    assert result.norm == 522_000 - 100_050
    assert result.amount == 9_220  # 5 220 − 1 000,50 + 5 000 = 9 219,50, rounded half up


def test_the_law_cited_follows_the_decision_date():
    result = calculate(_with({"direction": "higher", "kind": "school_meals", "amount": 300, "reason": "Skolmat"},
                             month="2025-06", decision_date="2025-06-10"))
    line = {line.code: line for line in result.lines}["norm_level.1"]
    assert "4 kap. 3 § andra stycket socialtjänstlagen (2001:453)" in line.reference


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused_naming_the_field(reason):
    with pytest.raises(CalculationInputError) as error:
        calculate(_with({"direction": "higher", "kind": "special_diet", "amount": 100, "reason": reason}))
    assert error.value.field == "norm_adjustments[0].reason"
    assert "skäl" in error.value.message.lower()


def test_an_adjustment_for_an_unknown_member_is_refused():
    with pytest.raises(CalculationInputError) as error:
        calculate(_with({"direction": "higher", "kind": "special_diet", "amount": 100, "reason": "x", "member": "b9"}))
    assert error.value.field == "norm_adjustments[0].member"


def test_a_lowering_larger_than_the_norm_is_refused():
    with pytest.raises(CalculationInputError) as error:
        calculate(_with({"direction": "lower", "kind": "other", "amount": 6000, "reason": "x"}))
    assert error.value.field == "norm_adjustments"


def test_without_adjustments_nothing_changes():
    assert calculate({**BASE, "norm_adjustments": []}).to_dict() == calculate(BASE).to_dict()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["higher", "lower"]), st.integers(1, 100_000)), max_size=4))
def test_the_norm_applied_is_the_riksnorm_plus_raises_minus_lowerings(adjustments):
    docs = [{"direction": d, "kind": "other", "amount": Decimal(ore) / 100, "reason": "Särskilda skäl"}
            for d, ore in adjustments]
    net = sum(ore if d == "higher" else -ore for d, ore in adjustments)
    try:
        result = calculate(_with(*docs))
    except CalculationInputError:
        assert 522_000 + net < 0
        return
    assert result.norm == 522_000 + net
    assert result.need == result.norm + result.costs
    assert sum(line.amount for line in result.lines if line.code.startswith("norm_level.")) == net
