"""The law's way to a changed parameter set for a what-if simulation (bistand.rules.whatif)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.rules import CalculationInputError, calculate, decode_input, load_parameters
from bistand.rules.calculate import encode_json
from bistand.rules.whatif import ParameterChange, apply_change, parse_setting


def test_a_zero_change_gives_the_very_same_parameter_set():
    ps = load_parameters("2025-03", "0680")
    assert apply_change(ps, ParameterChange.build("0")) is ps
    assert apply_change(ps, ParameterChange.build("0,0", ["riksnorm.personal_costs.single_adult=3910"])) is ps


def test_a_riksnorm_percentage_scales_every_norm_amount_rounded_half_up_to_whole_kronor():
    ps = load_parameters("2025-03", None)
    changed = apply_change(ps, ParameterChange.build("10"))
    assert changed.single_adult.value == 4301_00  # 3910 × 1.10
    assert changed.cohabiting_pair.value == 7755_00  # 7050 × 1.10
    assert changed.shared_costs_table[0].value == 1397_00  # 1270 × 1.10
    assert changed.child_costs["0"].value == 2992_00  # 2720 × 1.10
    half = apply_change(ps, ParameterChange.build("0.5"))
    assert half.single_adult.value == 3930_00  # 3929.55 → 3930
    assert half.shared_costs_table[0].value == 1276_00  # 1276.35 → 1276
    assert changed.parameter_hash != ps.parameter_hash
    assert ps.single_adult.value == 3910_00  # the loaded set is untouched


def test_a_setting_wins_over_the_percentage_for_the_value_it_names():
    ps = load_parameters("2025-03", None)
    changed = apply_change(ps, ParameterChange.build("10", ["riksnorm.personal_costs.single_adult=4000"]))
    assert changed.single_adult.value == 4000_00
    assert changed.cohabiting_pair.value == 7755_00


def test_a_municipalitys_rent_ceiling_is_set_by_its_path_and_other_municipalities_keep_theirs():
    change = ParameterChange.build(0, ["local.0680.housing_cost_ceiling.2.0=7000"])
    jonkoping = apply_change(load_parameters("2026-03", "0680"), change)
    assert jonkoping.housing_ceiling(2, 0) == 7000_00
    assert jonkoping.housing_ceiling(1, 0) == 5900_00
    other = load_parameters("2026-03", "0662")
    assert apply_change(other, change) is other


def test_every_municipality_is_changed_by_the_star_and_a_set_without_a_ceiling_gets_one():
    change = ParameterChange.build(0, ["local.*.housing_cost_ceiling.1.0=5000"])
    national = load_parameters("2025-03", "1499")  # no local file: no ceiling
    assert national.housing_ceiling(1, 0) is None
    assert apply_change(national, change).housing_ceiling(1, 0) == 5000_00


@pytest.mark.parametrize(
    ("text", "attribute", "expected"),
    [
        ("prisbasbelopp=60000", "prisbasbelopp", 60000_00),
        ("jobbstimulans.rate=50", "jobbstimulans_rate", Fraction(1, 2)),
        ("jobbstimulans.qualifying_months=3", "jobbstimulans_qualifying_months", 3),
        ("local.*.rounding=down", "rounding", "down"),
        ("local.*.part_month_divisor=30", "part_month_divisor", Fraction(30)),
        ("riksnorm.shared_costs.7=3000", None, None),
        ("riksnorm.personal_costs.children.4-6=3100", None, None),
        ("riksnorm.personal_costs.children_lunch_away_from_home.0=2000", None, None),
        ("local.*.cost_caps.other=900", "cost_caps", {"other": 900_00}),
    ],
)
def test_each_documented_path_changes_its_parameter(text, attribute, expected):
    ps = load_parameters("2025-03", None)
    changed = apply_change(ps, ParameterChange.build(0, [text]))
    if attribute is not None:
        value = getattr(changed, attribute).value
        assert value == expected if not isinstance(expected, dict) else value.items() >= expected.items()
    if text.startswith("riksnorm.shared_costs.7"):
        assert changed.shared_costs_table[6].value == 3000_00
    if text.startswith("riksnorm.personal_costs.children.4-6"):
        assert changed.child_costs["4-6"].value == 3100_00
    if "lunch" in text:
        assert changed.child_costs_lunch_away["0"].value == 2000_00


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("riksnorm.personal_costs.single=4000", "ingen sådan parameter"),
        ("riksnorm.personal_costs.single_adult=tre", "hela kronor"),
        ("riksnorm.personal_costs.single_adult", "PARAMETER=VÄRDE"),
        ("local.68.housing_cost_ceiling.1.0=5000", "kommunkod"),
        ("local.0680.housing_cost_ceiling.3.0=5000", "från 1 till 2"),
        ("local.0680.cost_caps.rent=5000", "kostnadstypen"),
        ("local.0680.rounding=sometimes", "half_up"),
        ("jobbstimulans.rate=150", "0–100"),
    ],
)
def test_a_bad_setting_is_refused_with_a_swedish_message_naming_the_path(text, words):
    with pytest.raises(CalculationInputError) as caught:
        parse_setting(text)
    assert caught.value.field == "set"
    assert words in caught.value.message


@pytest.mark.parametrize("value", ["abc", "-101", "NaN", "5000"])
def test_a_bad_riksnorm_change_is_refused(value):
    with pytest.raises(CalculationInputError) as caught:
        ParameterChange.build(value)
    assert caught.value.field == "riksnorm_change"


def _doc(rent: int, wage: int, adults: int, children: int) -> dict:
    doc = {
        "month": "2025-03",
        "household": {"adults": [{"id": f"a{i}", "age": 40} for i in range(adults)],
                      "children": [{"id": f"b{i}", "age": 2 * i + 1} for i in range(children)]},
        "costs": [{"type": "rent", "amount": rent}],
        "incomes": [{"type": "wage", "amount": wage, "member": "a0"}] if wage else [],
    }
    return doc


@settings(max_examples=60, deadline=None)
@given(rent=st.integers(0, 15_000), wage=st.integers(0, 30_000), adults=st.integers(1, 2),
       children=st.integers(0, 4), percent=st.integers(0, 30))
def test_raising_the_riksnorm_never_lowers_a_households_amount(rent, wage, adults, children, percent):
    inp = decode_input(encode_json(_doc(rent, wage, adults, children)))
    ps = load_parameters("2025-03", None)
    before = calculate(inp, parameters=ps).amount
    after = calculate(inp, parameters=apply_change(ps, ParameterChange.build(str(percent)))).amount
    assert after >= before
    if percent == 0:
        assert after == before


def test_parameters_for_another_month_are_refused_by_the_calculation():
    inp = decode_input(encode_json(_doc(5000, 0, 1, 0)))
    with pytest.raises(ValueError):
        calculate(inp, parameters=load_parameters("2025-04", None))


def test_the_percentage_is_exact_decimal_arithmetic():
    assert ParameterChange.build("2,5").riksnorm_change == Decimal("2.5")
