"""`bistand calculate FILE.json` (single household) and how `--batch` is handed on."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from bistand.engine.cli import main
from bistand.rules import CalculationInputError, calculate

HOUSEHOLD = {
    "month": "2026-03",
    "municipality": "0680",
    "household": {
        "adults": [{"id": "a1", "age": 34, "consecutive_months_on_assistance": 8}],
        "children": [{"id": "c1", "age": 5, "lunch_away_from_home": True, "days_present": 10}],
    },
    "costs": [{"type": "rent", "amount": 7450.5}],
    "incomes": [{"type": "wage", "member": "a1", "amount": 3001}, {"type": "child_benefit", "amount": 1250}],
}


@pytest.fixture
def household_file(tmp_path) -> Path:
    path = tmp_path / "hushall.json"
    path.write_text(json.dumps(HOUSEHOLD), encoding="utf-8")
    return path


def test_prints_the_result_with_every_line_as_json(household_file, capsys):
    assert main([str(household_file)]) == 0
    out, err = capsys.readouterr()
    printed = json.loads(out)
    expected = json.loads(calculate(HOUSEHOLD).to_json(trace=True))
    assert printed == expected
    assert list(printed) == ["month", "norm_year", "norm", "costs", "need", "income_counted",
                             "income_disregarded", "amount", "outcome", "lines", "warnings"]
    assert printed["lines"][0]["code"] == "personal_costs.adults"
    assert err == ""


def test_reads_standard_input_with_a_dash(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(json.dumps(HOUSEHOLD).encode())))
    assert main(["-"]) == 0
    assert json.loads(capsys.readouterr().out)["month"] == "2026-03"


def test_invalid_input_exits_2_with_a_swedish_message_naming_the_field(tmp_path, capsys):
    bad = json.loads(json.dumps(HOUSEHOLD))
    bad["incomes"][0]["member"] = "nobody"
    path = tmp_path / "fel.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "incomes[0].member" in err
    assert "Det finns ingen person med id 'nobody' i hushållet." in err


def test_a_year_without_riksnorm_exits_2_naming_month(tmp_path, capsys):
    path = tmp_path / "gammal.json"
    path.write_text(json.dumps({**HOUSEHOLD, "month": "2019-05"}), encoding="utf-8")
    assert main([str(path)]) == 2
    assert "month" in capsys.readouterr().err


def test_a_missing_file_exits_1(tmp_path, capsys):
    assert main([str(tmp_path / "finns-inte.json")]) == 1
    assert "kan inte läsa" in capsys.readouterr().err


def test_local_parameters_directory_is_used(tmp_path, household_file, capsys):
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "0680.yaml").write_text(
        'municipality: "0680"\nname: Egen\ndescription: t\nunit: kr\nvalues:\n  "2024-01-01":\n'
        "    source: t\n    rounding: {value: up, status: verified, confidence: D}\n",
        encoding="utf-8",
    )
    assert main(["--local-parameters", str(tmp_path / "local"), str(household_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lines"][-1]["reference"].endswith("local/0680.yaml (rounding)")


@pytest.mark.parametrize(
    "argv",
    [[], ["a.json", "--batch", "in.jsonl", "--out", "out.jsonl"], ["--batch", "in.jsonl"], ["a.json", "--trace"]],
)
def test_wrong_arguments_exit_2_with_swedish_usage(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Användning: bistand calculate" in err
    assert "fel:" in err


def test_help_is_in_swedish(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Räkna ut försörjningsstöd" in out and "flaggor:" in out


def test_batch_is_handed_to_batch_io_with_its_options(monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("bistand.engine.batch_io")

    def run_batch(in_path, out_path, *, trace, local_dir):
        calls.append((in_path, out_path, trace, local_dir))
        return 0

    fake.run_batch = run_batch
    monkeypatch.setitem(sys.modules, "bistand.engine.batch_io", fake)
    assert main(["--batch", "in.jsonl", "--out", "out.jsonl", "--trace"]) == 0
    assert calls == [("in.jsonl", "out.jsonl", True, None)]


def test_batch_input_error_names_the_line_and_field(monkeypatch, capsys):
    fake = types.ModuleType("bistand.engine.batch_io")

    def run_batch(in_path, out_path, *, trace, local_dir):
        raise CalculationInputError("household.adults[0].age", "Värdet måste vara minst 18.", index=4)

    fake.run_batch = run_batch
    monkeypatch.setitem(sys.modules, "bistand.engine.batch_io", fake)
    assert main(["--batch", "in.jsonl", "--out", "out.jsonl"]) == 2
    err = capsys.readouterr().err
    assert "rad 5" in err and "household.adults[0].age" in err and "minst 18" in err


def test_the_installed_bistand_command_calculates_without_django(household_file):
    script = Path(sys.executable).with_name("bistand")
    if not script.exists():
        pytest.skip("the bistand console script is not installed in this environment")
    ok = subprocess.run([str(script), "calculate", str(household_file)], capture_output=True, timeout=120)
    assert ok.returncode == 0, ok.stderr.decode()
    assert json.loads(ok.stdout) == json.loads(calculate(HOUSEHOLD).to_json(trace=True))
    bad = household_file.with_name("bad.json")
    bad.write_text(json.dumps({**HOUSEHOLD, "month": "2026-3"}), encoding="utf-8")
    failed = subprocess.run([str(script), "calculate", str(bad)], capture_output=True, timeout=120)
    assert failed.returncode == 2
    assert failed.stdout == b""
    assert "month" in failed.stderr.decode() and "ÅÅÅÅ-MM" in failed.stderr.decode()
