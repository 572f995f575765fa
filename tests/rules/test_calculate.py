"""Details of `calculate` that the golden cases do not show: exactness, output format, metadata."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from bistand.rules import ENGINE_VERSION, CalculationInputError, calculate, decode_input
from bistand.rules.calculate import encode_json, kronor, round_half_up

SINGLE = {"month": "2026-03", "household": {"adults": [{"id": "a1", "age": 30}]}}


def test_quarter_ore_from_jobbstimulans_is_carried_exactly():
    # 25 % of 1,01 kr = 0,2525 kr: the disregard is 25¼ öre, not rounded.
    doc = {**SINGLE, "household": {"adults": [{"id": "a1", "age": 30, "consecutive_months_on_assistance": 6}]},
           "incomes": [{"type": "wage", "member": "a1", "amount": 1.01}]}
    result = calculate(doc)
    assert result.income_disregarded == Fraction(101, 4)
    assert result.income_counted == Fraction(303, 4)
    # 5 220 kr − 0,7575 kr = 5 219,2425 kr → 5 219
    assert result.amount == 5219


def test_only_the_payable_amount_is_rounded():
    # Three children 10 days of 31 each: every part is a fraction of an öre; the sum is what counts.
    children = [{"id": f"c{i}", "age": 8, "days_present": 10} for i in range(3)]
    result = calculate({"month": "2026-01", "household": {"adults": [{"id": "a1", "age": 30}], "children": children}})
    child_cost = Fraction(382_000 * 10, 31)
    assert result.norm == 394_000 + 3 * child_cost + 203_000  # four persons: 2 030 kr
    assert result.amount == round_half_up(result.norm / 100)


def test_kronor_display_rounds_half_up_to_the_ore_and_keeps_whole_kronor_as_int():
    assert kronor(522_000) == 5220 and isinstance(kronor(522_000), int)
    assert kronor(Fraction(1, 2)) == Decimal("0.01")
    assert kronor(Fraction(1, 3)) == 0
    assert kronor(123_450) == Decimal("1234.5")
    assert kronor(123_456) == Decimal("1234.56")
    assert str(kronor(5)) == "0.05"


def test_json_output_writes_amounts_as_numbers():
    doc = {**SINGLE, "costs": [{"type": "rent", "amount": 100.1}]}
    text = calculate(doc).to_json().decode()
    assert '"costs":100.1' in text
    assert json.loads(text)["need"] == 5320.1
    assert encode_json({"x": Decimal("0.50")}) == b'{"x":0.50}'


def test_accepts_a_decoded_input_a_dict_and_json_text_alike():
    text = json.dumps({**SINGLE, "costs": [{"type": "rent", "amount": 5000}]})
    a = calculate(text).to_dict()
    assert calculate(text.encode()).to_dict() == a
    assert calculate(json.loads(text)).to_dict() == a
    assert calculate(decode_input(text)).to_dict() == a


def test_invalid_input_raises_calculation_input_error():
    with pytest.raises(CalculationInputError) as info:
        calculate({**SINGLE, "incomes": [{"type": "wage", "amount": 5}]})
    assert info.value.field == "incomes[0].member"


def test_metadata_names_engine_hash_and_a_new_jobbstimulans_window():
    doc = {**SINGLE, "household": {"adults": [{"id": "a1", "age": 30, "consecutive_months_on_assistance": 6},
                                              {"id": "a2", "age": 30, "consecutive_months_on_assistance": 9,
                                               "jobbstimulans_since": "2025-11"}]},
           "incomes": [{"type": "wage", "member": "a1", "amount": 100}, {"type": "wage", "member": "a2", "amount": 100}]}
    meta = calculate(doc).metadata()
    assert meta["engine_version"] == ENGINE_VERSION
    assert len(meta["parameter_hash"]) == 64
    assert meta["jobbstimulans_started"] == {"a1": "2026-03"}  # a2's window started earlier


def test_no_disregard_line_for_an_adult_without_wage():
    doc = {**SINGLE, "household": {"adults": [{"id": "a1", "age": 30, "consecutive_months_on_assistance": 6}]},
           "incomes": [{"type": "sickness_benefit", "member": "a1", "amount": 1000}]}
    codes = [line.code for line in calculate(doc).lines]
    assert not any(code.startswith("disregard.") for code in codes)
    assert "income.sickness_benefit" in codes


def test_labels_explain_why_jobbstimulans_does_or_does_not_apply():
    doc = {**SINGLE, "household": {"adults": [{"id": "a1", "age": 30, "consecutive_months_on_assistance": 4}]},
           "incomes": [{"type": "wage", "member": "a1", "amount": 1000}]}
    line = next(ln for ln in calculate(doc).lines if ln.code == "disregard.jobbstimulans.a1")
    assert "gäller inte" in line.label and "4 av 6 månader" in line.label


def test_estimated_parameter_warning_names_the_value_once():
    children = [{"id": f"c{i}", "age": 2, "lunch_away_from_home": True} for i in range(3)]
    result = calculate({"month": "2024-05", "household": {"adults": [{"id": "a1", "age": 30}], "children": children}})
    assert len(result.warnings) == 1
    assert "2\u00a0700\u00a0kr" in result.warnings[0] and "riksnorm/2024.yaml" in result.warnings[0]


def test_hushallsgemenskap_line_shows_the_share():
    doc = {"month": "2026-03", "household": {"adults": [{"id": "a1", "age": 30}], "dwelling_size": 4}}
    line = next(ln for ln in calculate(doc).lines if ln.code == "shared_costs")
    assert line.amount == Fraction(203_000, 4)
    assert "1/4" in line.label
