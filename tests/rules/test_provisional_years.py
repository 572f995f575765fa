"""Years without confirmed figures (issue 17 §1): a year after the latest known one gets the previous year's
values, each marked estimated, with warnings; confirmed year documents from the outside replace them."""

from __future__ import annotations

import json

import pytest
import yaml

from bistand.engine.cli import main
from bistand.rules import CalculationInputError, ParameterFileError, calculate, load_parameters
from bistand.rules.parameters import PARAMETERS_DIR, check_year_document, set_documents_provider

SINGLE = {"month": "2027-01", "household": {"adults": [{"id": "a1", "age": 35}]}}


def year_document(year: int = 2027, *, single_adult: int = 4010, prisbasbelopp: int | None = 60_000,
                  sfs: str = "SFS 2026:1234") -> str:
    """A year document in the format of riksnorm/<year>.yaml (2026's cells, the single adult changed)."""
    data = yaml.safe_load((PARAMETERS_DIR / "riksnorm" / "2026.yaml").read_text(encoding="utf-8"))
    block = data["values"].pop("2026-01-01")
    block["legal_reference"] = f"12 kap. 2 § socialtjänstförordningen (2025:468) i lydelse enligt {sfs}"
    block["source"] = sfs
    block["personal_costs"]["single_adult"] = {"value": single_adult, "status": "verified", "confidence": "V"}
    if prisbasbelopp is not None:
        block["prisbasbelopp"] = {"value": prisbasbelopp, "status": "verified", "confidence": "V"}
    data["values"] = {f"{year}-01-01": block}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture(autouse=True)
def _no_provider():
    previous = set_documents_provider(None)  # the Django side's, when Django is set up
    yield
    set_documents_provider(previous)


def test_a_2027_month_is_calculated_with_2026_values_marked_estimated():
    result = calculate(SINGLE).to_dict()
    assert result["norm_year"] == 2027
    assert result["norm"] == 3940 + 1280
    assert result["warnings"][0].startswith("Riksnormen för 2027 är inte fastställd och bekräftad")
    estimated = [w for w in result["warnings"] if w.startswith("Ett uppskattat värde används: riksnorm 2027")]
    assert len(estimated) == 2  # the single adult and the shared costs for one person
    params = load_parameters("2027-01")
    assert params.single_adult.is_estimated and params.single_adult.confidence == "E"
    assert params.prisbasbelopp.is_estimated and params.prisbasbelopp.value == 59_200 * 100


def test_a_provisional_year_has_its_own_parameter_hash():
    assert load_parameters("2027-01").parameter_hash != load_parameters("2026-12").parameter_hash


def test_a_confirmed_year_document_replaces_the_provisional_values():
    documents = {"riksnorm/2027.yaml": year_document()}
    result = calculate(SINGLE, extra_documents=documents).to_dict()
    assert result["norm"] == 4010 + 1280
    assert result["warnings"] == []
    assert "i lydelse enligt SFS 2026:1234" in result["lines"][0]["reference"]
    confirmed = load_parameters("2027-01", extra_documents=documents)
    assert confirmed.prisbasbelopp.value == 60_000 * 100 and not confirmed.prisbasbelopp.is_estimated
    assert confirmed.parameter_hash != load_parameters("2027-01").parameter_hash
    assert "riksnorm/2027.yaml" in confirmed.files


def test_each_changed_value_changes_the_hash():
    one = load_parameters("2027-01", extra_documents={"riksnorm/2027.yaml": year_document(single_adult=4010)})
    two = load_parameters("2027-01", extra_documents={"riksnorm/2027.yaml": year_document(single_adult=4020)})
    assert one.parameter_hash != two.parameter_hash


def test_the_year_after_a_confirmed_year_is_provisional_from_it():
    result = calculate({**SINGLE, "month": "2028-02"}, extra_documents={"riksnorm/2027.yaml": year_document()})
    assert result.norm == (4010 + 1280) * 100
    assert "2027 års belopp används preliminärt" in result.warnings[0]


def test_a_year_document_never_replaces_a_packaged_year():
    documents = {"riksnorm/2026.yaml": year_document(2026, single_adult=9999)}
    assert calculate({**SINGLE, "month": "2026-05"}, extra_documents=documents).norm == (3940 + 1280) * 100


def test_the_registered_provider_is_asked_for_the_year_and_municipality():
    asked = []

    def provider(year, municipality):
        asked.append((year, municipality))
        return {"riksnorm/2027.yaml": year_document()}

    set_documents_provider(provider)
    assert calculate({**SINGLE, "municipality": "0684"}).to_dict()["norm"] == 4010 + 1280
    assert asked == [(2027, "0684")]


def test_a_year_before_the_first_known_year_is_still_an_error():
    with pytest.raises(CalculationInputError) as error:
        calculate({**SINGLE, "month": "2023-12"})
    assert error.value.field == "month"


def test_a_year_document_without_a_cell_is_refused_naming_it():
    data = yaml.safe_load(year_document())
    del data["values"]["2027-01-01"]["shared_costs"][7]
    with pytest.raises(ParameterFileError, match="7"):
        check_year_document(yaml.safe_dump(data, allow_unicode=True), 2027)


def test_a_year_document_for_another_year_is_refused():
    with pytest.raises(ParameterFileError, match="2027-01-01"):
        check_year_document(year_document(2028), 2027)


def test_the_cli_calculates_a_2027_month_provisionally(tmp_path, capsys):
    path = tmp_path / "hushall.json"
    path.write_text(json.dumps(SINGLE), encoding="utf-8")
    assert main([str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["norm_year"] == 2027 and result["norm"] == 5220
    assert any("preliminärt 2026 års belopp" in w for w in result["warnings"])


def test_the_cli_takes_a_confirmed_year_file(tmp_path, capsys):
    path = tmp_path / "hushall.json"
    path.write_text(json.dumps(SINGLE), encoding="utf-8")
    year_file = tmp_path / "2027.yaml"
    year_file.write_text(year_document(), encoding="utf-8")
    assert main(["--year-file", str(year_file), str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["norm"] == 5290 and result["warnings"] == []


def test_the_cli_batch_takes_a_confirmed_year_file(tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps(SINGLE) + "\n" + json.dumps({**SINGLE, "month": "2026-12"}) + "\n", encoding="utf-8")
    year_file = tmp_path / "2027.yaml"
    year_file.write_text(year_document(), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["--year-file", str(year_file), "--batch", str(batch), "--out", str(out)]) == 0
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert first["norm"] == 5290 and first["warnings"] == []
    assert second["norm"] == 5220


def test_the_cli_refuses_a_broken_year_file(tmp_path, capsys):
    path = tmp_path / "hushall.json"
    path.write_text(json.dumps(SINGLE), encoding="utf-8")
    year_file = tmp_path / "2027.yaml"
    year_file.write_text("values: {}\n", encoding="utf-8")
    assert main(["--year-file", str(year_file), str(path)]) == 1
    assert "riksnorm/<år>.yaml" in capsys.readouterr().err
