"""Invariants of the calculation, checked on generated households (Hypothesis)."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bistand.rules import calculate, load_parameters
from bistand.rules.calculate import encode_json
from bistand.rules.model import COST_TYPES, INCOME_TYPES

SETTINGS = settings(max_examples=100, deadline=None)

amounts = st.one_of(
    st.integers(min_value=0, max_value=40_000),
    st.decimals(min_value=0, max_value=40_000, places=2, allow_nan=False, allow_infinity=False),
)
months = st.builds(lambda y, m: f"{y}-{m:02d}", st.sampled_from([2024, 2025, 2026]), st.integers(1, 12))


def child_strategy(member_id: str):
    return st.fixed_dictionaries(
        {"id": st.just(member_id), "age": st.integers(0, 20)},
        optional={
            "lunch_away_from_home": st.booleans(),
            "days_present": st.one_of(st.none(), st.integers(0, 31)),
            "earnings_this_year_before_month": amounts.map(lambda a: a * 2),
        },
    )


@st.composite
def households(draw, municipalities=(None, "0680", "0662", "0684", "9999")):
    n_adults = draw(st.integers(1, 2))
    adults = []
    for i in range(n_adults):
        adult = {"id": f"a{i + 1}", "age": draw(st.integers(18, 90))}
        if draw(st.booleans()):
            adult["consecutive_months_on_assistance"] = draw(st.integers(0, 40))
        if draw(st.booleans()):
            adult["jobbstimulans_since"] = draw(st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2022, 2026), st.integers(1, 12)))
        adults.append(adult)
    children = [draw(child_strategy(f"c{i + 1}")) for i in range(draw(st.integers(0, 9)))]
    members = [a["id"] for a in adults] + [c["id"] for c in children]
    household = {"adults": adults, "children": children}
    if draw(st.booleans()):
        household["dwelling_size"] = len(members) + draw(st.integers(0, 4))
    doc = {"month": draw(months), "household": household}
    municipality = draw(st.sampled_from(municipalities))
    if municipality is not None:
        doc["municipality"] = municipality
    doc["costs"] = draw(st.lists(st.fixed_dictionaries({"type": st.sampled_from(COST_TYPES), "amount": amounts}), max_size=5))
    incomes = []
    for _ in range(draw(st.integers(0, 5))):
        income = {"type": draw(st.sampled_from(INCOME_TYPES)), "amount": draw(amounts)}
        if income["type"] == "wage" or draw(st.booleans()):
            income["member"] = draw(st.sampled_from(members))
        incomes.append(income)
    doc["incomes"] = incomes
    return doc


def kr(value) -> Fraction:
    return Fraction(Decimal(str(value)))


@SETTINGS
@given(households())
def test_amount_is_a_whole_non_negative_number_and_outcome_follows_it(doc):
    result = calculate(doc)
    assert isinstance(result.amount, int) and result.amount >= 0
    assert result.outcome == ("granted" if result.amount > 0 else "refused")


@SETTINGS
@given(households())
def test_totals_add_up_exactly(doc):
    result = calculate(doc)
    lines = {line.code: line.amount for line in result.lines}
    personal = sum(line.amount for line in result.lines if line.code.startswith("personal_costs."))
    assert result.norm == personal + lines["shared_costs"] == lines["norm"]
    assert result.costs == sum(line.amount for line in result.lines if line.code.startswith("costs.")) == lines["costs"]
    assert result.need == result.norm + result.costs == lines["need"]
    total_income = sum(kr(i["amount"]) for i in doc["incomes"]) * 100
    assert result.income_counted + result.income_disregarded == total_income
    assert result.income_counted == sum(line.amount for line in result.lines if line.code.startswith("income."))
    assert result.income_disregarded == sum(line.amount for line in result.lines if line.code.startswith("disregard."))
    assert result.income_disregarded >= 0


@SETTINGS
@given(households())
def test_amount_is_the_shortfall_rounded_once_by_the_local_rule(doc):
    result = calculate(doc)
    shortfall = max(Fraction(0), result.need - result.income_counted)
    rule = result.parameters.rounding.value
    difference = result.amount * 100 - shortfall
    if rule == "half_up":
        assert -50 < difference <= 50
    elif rule == "down":
        assert -100 < difference <= 0
    else:
        assert 0 <= difference < 100


@SETTINGS
@given(households(), st.sampled_from(INCOME_TYPES), amounts)
def test_more_income_never_raises_the_amount(doc, income_type, extra):
    before = calculate(doc).amount
    richer = copy.deepcopy(doc)
    income = {"type": income_type, "amount": extra}
    if income_type == "wage":
        members = [m["id"] for m in doc["household"]["adults"] + doc["household"]["children"]]
        income["member"] = members[len(doc["incomes"]) % len(members)]
    richer["incomes"].append(income)
    assert calculate(richer).amount <= before


@SETTINGS
@given(households(), amounts)
def test_a_higher_existing_income_never_raises_the_amount(doc, extra):
    assume(doc["incomes"])
    richer = copy.deepcopy(doc)
    richer["incomes"][0]["amount"] = Decimal(str(richer["incomes"][0]["amount"])) + Decimal(str(extra))
    assert calculate(richer).amount <= calculate(doc).amount


@SETTINGS
@given(households(), st.data())
def test_an_extra_child_never_lowers_the_norm(doc, data):
    extra = data.draw(child_strategy("extra"))
    bigger = copy.deepcopy(doc)
    bigger["household"]["children"].append(extra)
    household = bigger["household"]
    size = len(household["adults"]) + len(household["children"])
    if household.get("dwelling_size") is not None and household["dwelling_size"] < size:
        household["dwelling_size"] = size
    assert calculate(bigger).norm >= calculate(doc).norm


@SETTINGS
@given(households(), st.integers(0, 31))
def test_more_days_present_never_lowers_the_norm(doc, days):
    assume(doc["household"]["children"])
    fewer = copy.deepcopy(doc)
    more = copy.deepcopy(doc)
    fewer["household"]["children"][0]["days_present"] = days
    more["household"]["children"][0]["days_present"] = min(31, days + 1)
    assert calculate(more).norm >= calculate(fewer).norm


@SETTINGS
@given(households(), amounts)
def test_higher_costs_never_lower_the_amount(doc, extra):
    assume(doc["costs"])
    dearer = copy.deepcopy(doc)
    dearer["costs"][0]["amount"] = Decimal(str(dearer["costs"][0]["amount"])) + Decimal(str(extra))
    assert calculate(dearer).amount >= calculate(doc).amount


@SETTINGS
@given(households(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_cost_or_income_lines(doc, rnd):
    shuffled = copy.deepcopy(doc)
    rnd.shuffle(shuffled["costs"])
    rnd.shuffle(shuffled["incomes"])
    a, b = calculate(doc), calculate(shuffled)
    for field in ("norm", "costs", "need", "income_counted", "income_disregarded", "amount", "outcome"):
        assert getattr(a, field) == getattr(b, field)
    assert sorted((ln.code, ln.amount) for ln in a.lines) == sorted((ln.code, ln.amount) for ln in b.lines)
    assert sorted(a.warnings) == sorted(b.warnings)


@SETTINGS
@given(households())
def test_disregards_stay_within_the_law(doc):
    result = calculate(doc)
    params = load_parameters(doc["month"], doc.get("municipality"))
    wages: dict[str, Fraction] = {}
    for income in doc["incomes"]:
        if income["type"] == "wage":
            wages[income["member"]] = wages.get(income["member"], 0) + kr(income["amount"]) * 100
    children = {c["id"]: c for c in doc["household"]["children"]}
    for line in result.lines:
        if line.code.startswith("disregard.jobbstimulans."):
            member = line.code.rsplit(".", 1)[1]
            assert line.amount in (0, wages[member] / 4)
        if line.code.startswith("disregard.child_earnings."):
            member = line.code.rsplit(".", 1)[1]
            before = kr(children[member].get("earnings_this_year_before_month", 0)) * 100
            assert line.amount == min(wages[member], max(0, params.prisbasbelopp.value - before))


LINE_ORDER = re.compile(
    r"^personal_costs\.adults (personal_costs\.child\.\S+ )*shared_costs norm (costs\.\S+ )*costs need "
    r"(income\.\S+ )*(disregard\.jobbstimulans\.\S+ )*(disregard\.child_earnings\.\S+ )*"
    r"income_counted income_disregarded amount$"
)


@SETTINGS
@given(households())
def test_trace_lines_follow_the_order_of_the_specification(doc):
    result = calculate(doc)
    assert LINE_ORDER.match(" ".join(line.code for line in result.lines))
    assert list(result.to_dict()) == [
        "month", "norm_year", "norm", "costs", "need", "income_counted", "income_disregarded",
        "amount", "outcome", "lines", "warnings",
    ]
    assert "lines" not in result.to_dict(trace=False)
    for line in result.to_dict()["lines"]:
        assert set(line) == {"code", "label", "amount", "reference"}
        assert line["label"] and line["reference"]


@SETTINGS
@given(households())
def test_json_text_and_parsed_object_give_the_same_result(doc):
    assert calculate(encode_json(doc)).to_dict() == calculate(doc).to_dict()


@SETTINGS
@given(households(municipalities=("0680",)))
def test_counted_rent_never_exceeds_the_ceiling(doc):
    result = calculate(doc)
    household = doc["household"]
    ceiling = result.parameters.housing_ceiling(len(household["adults"]), len(household["children"]))
    for line in result.lines:
        if line.code == "costs.rent":
            assert line.amount <= ceiling
            rent = sum(kr(c["amount"]) for c in doc["costs"] if c["type"] == "rent") * 100
            assert line.amount == min(rent, ceiling)
            assert any("tak för boendekostnad" in w for w in result.warnings)
