"""The golden cases in tests/rules/golden/*.yaml: inputs with expected lines, totals and warnings worked out
by hand from the riksnorm tables (see the comments above each case)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bistand.rules import CalculationInputError, calculate

from .conftest import golden_cases

CASES = golden_cases()
TOTALS = ("norm", "costs", "need", "income_counted", "income_disregarded", "amount")


def _kr(value) -> Decimal:
    return Decimal(str(value))


@pytest.mark.parametrize(
    ("file_name", "local_dir", "case"), CASES, ids=[f"{f}:{c['id']}" for f, _, c in CASES]
)
def test_golden_case(file_name, local_dir, case):
    expected = case["expected"]
    if "error" in expected:  # input the rules refuse: the field and a part of the message
        with pytest.raises(CalculationInputError) as refused:
            calculate(case["input"], local_dir=local_dir)
        assert refused.value.field == expected["error"]["field"]
        assert expected["error"]["message"] in refused.value.message
        return
    result = calculate(case["input"], local_dir=local_dir).to_dict(trace=True)

    got_lines = [(line["code"], _kr(line["amount"])) for line in result["lines"]]
    want_lines = [(code, _kr(amount)) for entry in expected["lines"] for code, amount in entry.items()]
    assert got_lines == want_lines

    for total in TOTALS:
        assert _kr(result[total]) == _kr(expected[total]), total
    assert isinstance(result["amount"], int)
    assert result["outcome"] == expected["outcome"]
    assert result["norm_year"] == int(case["input"]["month"][:4])

    assert len(result["warnings"]) == len(expected["warnings"]), result["warnings"]
    for got, fragment in zip(result["warnings"], expected["warnings"], strict=True):
        assert fragment in got

    by_code = {line["code"]: line["reference"] for line in result["lines"]}
    for code, fragment in (expected.get("references") or {}).items():
        assert fragment in by_code[code]


def test_golden_cases_cover_every_parameter_year_and_every_rule():
    """Each of 2024, 2025 and 2026 has a case for every rule of the specification."""
    rules_by_year: dict[int, set[str]] = {}
    for _, _, case in CASES:
        if "error" in case["expected"]:
            continue
        year = int(case["input"]["month"][:4])
        inp = case["input"]
        household = inp["household"]
        children = household.get("children", [])
        wages = [i for i in inp.get("incomes", []) if i["type"] == "wage"]
        child_ids = {c["id"] for c in children}
        found = rules_by_year.setdefault(year, set())
        found.add("pair" if len(household["adults"]) == 2 else "single")
        for child in children:
            found.add(f"age:{child['age']}")
            if child.get("lunch_away_from_home") and child["age"] <= 6:
                found.add("lunch_away")
            if child.get("days_present") is not None:
                found.add("part_month")
        if len(household["adults"]) + len(children) > 7:
            found.add("more_than_seven")
        if household.get("dwelling_size") is not None:
            found.add("hushallsgemenskap")
        if any(c["type"] == "rent" for c in inp.get("costs", [])) and inp.get("municipality") in {"0680", "0662", "0684"}:
            found.add("rent_ceiling")
        if any(w["member"] not in child_ids for w in wages):
            found.add("jobbstimulans")
        if any(w["member"] in child_ids for w in wages):
            found.add("child_earnings")
        if case["expected"]["outcome"] == "refused":
            found.add("refused")
        need = _kr(case["expected"]["need"]) - _kr(case["expected"]["income_counted"])
        if need != need.to_integral_value():
            found.add("rounding")
    ages = {f"age:{a}" for a in (0, 1, 2, 3, 4, 6, 7, 10, 11, 14, 15, 18, 19, 20)}
    required = ages | {
        "single", "pair", "lunch_away", "part_month", "more_than_seven", "hushallsgemenskap",
        "rent_ceiling", "jobbstimulans", "child_earnings", "refused", "rounding",
    }
    for year in (2024, 2025, 2026):
        assert required <= rules_by_year[year], (year, required - rules_by_year[year])
