"""Children 18–20 count as children of the household only while in upper-secondary school (issue 17 §2;
föräldrabalken 7 kap. 1 §, SOSFS 2013:1); the children's-earnings exemption (12 kap. 9 § SoL 2025:400)
follows the same rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.rules import CalculationInputError, calculate
from bistand.rules.model import convert_input


def household(age: int, in_school=None, wage: int = 0) -> dict:
    child = {"id": "u1", "age": age}
    if in_school is not None:
        child["in_upper_secondary_school"] = in_school
    doc = {"month": "2026-03", "household": {"adults": [{"id": "a1", "age": 45}], "children": [child]}}
    if wage:
        doc["incomes"] = [{"type": "wage", "member": "u1", "amount": wage}]
    return doc


@pytest.mark.parametrize("age", [18, 19, 20])
def test_a_young_person_of_18_to_20_out_of_school_is_not_a_child_of_the_household(age):
    with pytest.raises(CalculationInputError) as refused:
        calculate(household(age, in_school=False))
    assert refused.value.field == "household.children[0].in_upper_secondary_school"
    assert f"u1 är {age} år och går inte i gymnasieskolan" in refused.value.message
    assert "eget hushåll" in refused.value.message


@pytest.mark.parametrize("age", [18, 19, 20])
def test_a_young_person_in_upper_secondary_school_is_a_child_with_earnings_disregarded(age):
    result = calculate(household(age, in_school=True, wage=4000))
    codes = {line.code: line.amount for line in result.lines}
    assert "personal_costs.child.u1" in codes
    assert codes["disregard.child_earnings.u1"] == 400_000  # öre
    assert result.income_counted == 0


@pytest.mark.parametrize("in_school", [True, False])
def test_under_18_the_answer_does_not_matter(in_school):
    assert calculate(household(17, in_school=in_school, wage=2000)).amount == calculate(household(17, wage=2000)).amount


def test_the_field_must_be_true_or_false():
    with pytest.raises(CalculationInputError) as refused:
        convert_input(household(19, in_school="ja"))
    assert refused.value.field == "household.children[0].in_upper_secondary_school"


@settings(max_examples=60, deadline=None)
@given(age=st.integers(0, 20), wage=st.integers(0, 80_000), earlier=st.integers(0, 70_000), rent=st.integers(0, 12_000))
def test_declaring_school_changes_nothing_for_a_child_who_counts_as_one(age, wage, earlier, rent):
    """Invariant: a child who counts as a child (under 18, or 18–20 in school) gets exactly the result of a
    child whose schooling is not stated; the disregarded part of the child's wage never exceeds what is left
    of the prisbasbelopp (59 200 kr in 2026) nor the wage."""
    plain = household(age, wage=wage)
    plain["household"]["children"][0]["earnings_this_year_before_month"] = earlier
    plain["costs"] = [{"type": "rent", "amount": rent}]
    declared = {**plain, "household": {**plain["household"], "children": [
        {**plain["household"]["children"][0], "in_upper_secondary_school": True}]}}
    a, b = calculate(plain), calculate(declared)
    assert a.to_dict(trace=True)["lines"] == b.to_dict(trace=True)["lines"]
    assert a.amount == b.amount
    assert b.income_disregarded == min(wage * 100, max(0, 5_920_000 - earlier * 100))
