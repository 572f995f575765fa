"""The legal references in the trace are exact, and the decision date — not the month — chooses the law
(issue 17 §1; shared/reference/law-2025.md). SOSFS 2013:1 is cited as allmänna råd, never as lagrum."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.engine import batch_io
from bistand.engine.cli import main
from bistand.rules import CalculationInputError, calculate

ROOT = Path(__file__).resolve().parents[2]

OLD_LAW = "2025-06-30"
NEW_LAW = "2025-07-01"

HOUSEHOLD = {
    "month": "2025-06",
    "household": {
        "adults": [{"id": "a1", "age": 40, "consecutive_months_on_assistance": 12}],
        "children": [{"id": "c1", "age": 16, "days_present": 15}],
        "dwelling_size": 3,
    },
    "costs": [
        {"type": "rent", "amount": 6000},
        {"type": "glasses", "amount": 900},
        {"type": "childcare_fee", "amount": 300},
    ],
    "incomes": [
        {"type": "wage", "member": "a1", "amount": 4000},
        {"type": "wage", "member": "c1", "amount": 2000},
        {"type": "child_benefit", "amount": 1250},
    ],
}

#: (trace line code, reference under SoL 2001:453, reference under SoL 2025:400)
PROVISIONS = [
    ("personal_costs.adults", "4 kap. 3 § första stycket 1 socialtjänstlagen (2001:453)",
     "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)"),
    ("personal_costs.child.c1", "4 kap. 3 § första stycket 1 socialtjänstlagen (2001:453)",
     "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)"),
    ("norm", "4 kap. 3 § första stycket 1 socialtjänstlagen (2001:453)",
     "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)"),
    ("shared_costs", "Allmänna råd: Socialstyrelsens allmänna råd (SOSFS 2013:1)",
     "12 kap. 3 § socialtjänstförordningen (2025:468)"),
    ("costs.rent", "4 kap. 3 § första stycket 2 socialtjänstlagen (2001:453)",
     "12 kap. 7 § första stycket 2 socialtjänstlagen (2025:400)"),
    ("costs.glasses", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
    ("costs.childcare_fee", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
    ("need", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
    ("income.child_benefit", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
    ("income_counted", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
    ("disregard.jobbstimulans.a1", "4 kap. 1 b § socialtjänstlagen (2001:453)",
     "12 kap. 8 § socialtjänstlagen (2025:400)"),
    ("disregard.child_earnings.c1", "4 kap. 1 a § socialtjänstlagen (2001:453)",
     "12 kap. 9 § socialtjänstlagen (2025:400)"),
    ("amount", "4 kap. 1 § socialtjänstlagen (2001:453)", "12 kap. 1 § socialtjänstlagen (2025:400)"),
]


def _references(decision_date: str | None, month: str = "2025-06") -> dict[str, str]:
    document = {**HOUSEHOLD, "month": month}
    if decision_date is not None:
        document["decision_date"] = decision_date
    return {line["code"]: line["reference"] for line in calculate(document).to_dict()["lines"]}


@pytest.mark.parametrize(("code", "old", "new"), PROVISIONS, ids=[p[0] for p in PROVISIONS])
def test_each_provision_is_the_old_act_before_1_july_2025_and_the_new_act_from_that_day(code, old, new):
    before, after = _references(OLD_LAW)[code], _references(NEW_LAW)[code]
    assert old in before
    assert new in after
    assert "2025:400" not in before and "2025:468" not in before
    assert "2001:453" not in after and "2001:937" not in after


def test_the_decision_date_not_the_month_chooses_the_law():
    # June 2025 decided in July: the new act; July 2025 decided in June (in advance): the old act.
    assert "12 kap. 1 § socialtjänstlagen (2025:400)" in _references("2025-07-10", month="2025-06")["amount"]
    assert "4 kap. 1 § socialtjänstlagen (2001:453)" in _references("2025-06-20", month="2025-07")["amount"]


def test_without_a_decision_date_the_first_day_of_the_month_chooses_the_law():
    assert "4 kap. 1 § socialtjänstlagen (2001:453)" in _references(None, month="2025-06")["amount"]
    assert "12 kap. 1 § socialtjänstlagen (2025:400)" in _references(None, month="2025-07")["amount"]


def test_the_riksnorm_amounts_cite_the_ordinance_in_force_for_the_month():
    assert "12 kap. 2 § socialtjänstförordningen (2025:468) i lydelse enligt SFS 2025:1046" in _references(
        "2026-01-05", month="2026-01")["personal_costs.adults"]
    assert "2 kap. 1 § socialtjänstförordningen (2001:937)" in _references(OLD_LAW)["personal_costs.adults"]


@settings(max_examples=30, deadline=None)
@given(day=st.dates(min_value=__import__("datetime").date(2020, 1, 1),
                    max_value=__import__("datetime").date(2030, 12, 31)))
def test_the_decision_date_never_changes_an_amount(day):
    plain = calculate(HOUSEHOLD).to_dict()
    dated = calculate({**HOUSEHOLD, "decision_date": day.isoformat()}).to_dict()
    assert [(x["code"], x["amount"]) for x in dated["lines"]] == [(x["code"], x["amount"]) for x in plain["lines"]]
    assert dated["amount"] == plain["amount"] and dated["warnings"] == plain["warnings"]


def test_sosfs_2013_1_is_cited_only_as_allmanna_rad():
    for day in (OLD_LAW, NEW_LAW):
        for reference in _references(day).values():
            for part in reference.split(";"):
                if "SOSFS" in part:
                    assert part.strip().startswith("Allmänna råd:"), part


@pytest.mark.parametrize("bad", ["2025-02-30", "2025-13-01"])
def test_a_decision_date_that_is_not_a_calendar_day_is_an_error_naming_the_field(bad):
    with pytest.raises(CalculationInputError) as error:
        calculate({**HOUSEHOLD, "decision_date": bad})
    assert error.value.field == "decision_date"


def test_a_decision_date_in_another_form_is_an_error_naming_the_field():
    with pytest.raises(CalculationInputError) as error:
        calculate({**HOUSEHOLD, "decision_date": "1/7 2025"})
    assert error.value.field == "decision_date"
    assert "ÅÅÅÅ-MM-DD" in str(error.value)


def test_the_cli_accepts_a_decision_date(tmp_path, capsys):
    path = tmp_path / "hushall.json"
    path.write_text(json.dumps({**HOUSEHOLD, "decision_date": NEW_LAW}), encoding="utf-8")
    assert main([str(path)]) == 0
    lines = {line["code"]: line["reference"] for line in json.loads(capsys.readouterr().out)["lines"]}
    assert "12 kap. 1 § socialtjänstlagen (2025:400)" in lines["amount"]


def test_no_reference_anywhere_says_the_paragraph_is_unchecked():
    pattern = re.compile(r"paragraf(?:numret)? (?:ej|inte) kontroller", re.I)
    found = []
    for folder in ("src", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt", ".yaml", ".md"} and path.is_file():
                if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                    found.append(str(path.relative_to(ROOT)))
    assert found == []


@pytest.mark.parametrize("reader", ["compiled", "python"])
def test_the_batch_gives_the_single_paths_result_for_lines_with_a_decision_date(tmp_path, monkeypatch, reader):
    # The reader is chosen when batch_io is imported (BISTAND_BATCH_READER): setting the variable here would
    # change nothing, so the choice itself is set.
    if reader == "compiled" and batch_io._linescan is None:
        pytest.skip("the compiled reader is not built")
    monkeypatch.setattr(batch_io, "use_compiled_reader", reader == "compiled")
    documents = [{**HOUSEHOLD, "decision_date": NEW_LAW}, {**HOUSEHOLD, "month": "2026-02", "decision_date": "2026-01-20"},
                 HOUSEHOLD]
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    for trace in ([], ["--trace"]):
        out = tmp_path / "out.jsonl"
        assert main(["--batch", str(batch), "--out", str(out), *trace]) == 0
        got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert got == [json.loads(calculate(d).to_json(trace=bool(trace))) for d in documents]
