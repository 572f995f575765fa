"""Nedsättning (12 kap. 5 § SoL 2025:400; 4 kap. 5 § SoL 2001:453): the case worker reduces or refuses the
norm part because a plan requirement was not followed. The law sets no amount: the case worker states what
the norm part is reduced to, from 0 up to the norm; the reason and the plan requirement are required; the
line is in the trace with the provision of the law in force on the decision date."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.rules import CalculationInputError, calculate

BASE = {"month": "2026-03", "household": {"adults": [{"id": "a1", "age": 40}]},
        "costs": [{"type": "rent", "amount": 5000}]}
REQUIREMENT = "Delta i praktik på kommunens arbetsmarknadsenhet tisdagar och torsdagar"
REASON = "Du har inte kommit till praktiken sedan den 3 februari och har inte sagt varför."


def _with(norm_amount, **extra):
    return {**BASE, **extra, "reduction": {"norm_amount": norm_amount, "reason": REASON, "requirement": REQUIREMENT}}


def test_a_reduction_is_its_own_line_with_reason_requirement_and_provision():
    result = calculate(_with(3000))
    lines = {line.code: line for line in result.lines}
    line = lines["reduction"]
    assert line.amount == 300_000 - 522_000  # 2026 single adult: 3 940 + 1 280 = 5 220
    assert REASON in line.label and REQUIREMENT in line.label
    assert "sätts ned till 3\u00a0000\u00a0kr" in line.label
    assert line.reference == "12 kap. 5 § socialtjänstlagen (2025:400)"
    assert result.norm == 300_000
    assert result.need == result.norm + result.costs
    assert result.amount == 8_000  # 3 000 + 5 000 rent: the rent is not reduced


def test_a_refusal_of_the_norm_part_is_a_reduction_to_zero():
    result = calculate(_with(0))
    assert "vägras" in {line.code: line for line in result.lines}["reduction"].label
    assert result.amount == 5_000


def test_the_law_cited_follows_the_decision_date():
    result = calculate(_with(3000, month="2025-06", decision_date="2025-06-20"))
    assert {line.code: line for line in result.lines}["reduction"].reference == "4 kap. 5 § socialtjänstlagen (2001:453)"


def test_the_reduced_amount_may_not_exceed_the_norm():
    with pytest.raises(CalculationInputError) as error:
        calculate(_with(5220.01))
    assert error.value.field == "reduction.norm_amount"


@pytest.mark.parametrize("missing", ["reason", "requirement"])
def test_reason_and_requirement_are_required(missing):
    document = _with(3000)
    document["reduction"][missing] = "   "
    with pytest.raises(CalculationInputError) as error:
        calculate(document)
    assert error.value.field == f"reduction.{missing}"


def test_a_negative_amount_is_refused():
    with pytest.raises(CalculationInputError) as error:
        calculate(_with(-1))
    assert error.value.field == "reduction.norm_amount"


@settings(max_examples=60, deadline=None)
@given(norm_amount=st.integers(min_value=0, max_value=522_000).map(lambda o: o - o % 100), wage=st.integers(min_value=0, max_value=15_000))
def test_a_reduction_lowers_the_amount_by_at_most_the_norm_and_never_below_zero(norm_amount, wage):
    base = {**BASE, "incomes": [{"type": "wage", "member": "a1", "amount": wage}]}
    full = calculate(base)
    reduced = calculate({**base, "reduction": {"norm_amount": norm_amount // 100, "reason": REASON,
                                               "requirement": REQUIREMENT}})
    assert 0 <= reduced.amount <= full.amount
    assert full.amount - reduced.amount <= 5_220
    assert reduced.costs == full.costs and reduced.income_counted == full.income_counted
