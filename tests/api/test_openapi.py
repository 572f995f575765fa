"""The OpenAPI document committed in docs/api/openapi.json is what the code produces."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from django.core.management import call_command

from bistand.api.limits import with_business_limits
from bistand.api.openapi import openapi_document, openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
REGENERATE = "bistand export-openapi --out docs/api/openapi.json"
RESULT_FIELDS = [
    "month",
    "norm_year",
    "norm",
    "costs",
    "need",
    "income_counted",
    "income_disregarded",
    "amount",
    "outcome",
    "lines",
    "warnings",
]


def test_committed_openapi_document_matches_the_code():
    assert COMMITTED.exists(), f"{COMMITTED} saknas. Skapa den med: {REGENERATE}"
    committed = COMMITTED.read_text(encoding="utf-8")
    if committed != openapi_json():
        pytest.fail(
            "docs/api/openapi.json stämmer inte med API:t i koden. Skapa om den med\n"
            f"    {REGENERATE}\n"
            "och lägg med den ändrade filen i samma commit som ändringen av API:t.",
            pytrace=False,
        )


def test_export_openapi_command_writes_the_document(tmp_path, capsys):
    out = tmp_path / "openapi.json"
    call_command("export-openapi", "--out", str(out))
    assert out.read_text(encoding="utf-8") == openapi_json()

    call_command("export-openapi")
    assert capsys.readouterr().out == openapi_json()


def test_request_schema_is_the_input_contract():
    contract = json.loads(
        resources.files("bistand.rules").joinpath("contract/calculation.schema.json").read_text("utf-8")
    )
    document = openapi_document()
    body = document["paths"]["/api/v1/calculations"]["post"]["requestBody"]
    batch_body = document["paths"]["/api/v1/calculations/batch"]["post"]["requestBody"]

    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CalculationInput"}
    assert batch_body["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/CalculationInput"
    }
    contract.pop("$schema")
    contract.pop("$id")
    # the contract as it is, narrowed only by the API's documented limits (bistand.api.limits)
    assert document["components"]["schemas"]["CalculationInput"] == with_business_limits(contract)


def test_response_schema_has_exactly_the_result_fields():
    schemas = openapi_document()["components"]["schemas"]
    result = schemas["CalculationResult"]

    assert list(result["properties"]) == RESULT_FIELDS
    assert result["required"] == RESULT_FIELDS
    assert result["additionalProperties"] is False
    assert list(schemas["TraceLine"]["properties"]) == ["code", "label", "amount", "reference"]
    for name in ("norm", "costs", "need", "income_counted", "income_disregarded"):
        assert result["properties"][name]["type"] == "number"
    assert result["properties"]["amount"]["type"] == "integer"
    assert schemas["BatchCalculationResult"]["required"] == [f for f in RESULT_FIELDS if f != "lines"]


def test_both_ways_of_signing_in_are_documented():
    document = openapi_document()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "http", "scheme": "bearer", "description": schemes["ApiKey"]["description"]}
    assert (schemes["StaffSession"]["type"], schemes["StaffSession"]["in"]) == ("apiKey", "cookie")
    for path in document["paths"].values():
        assert path["post"]["security"] == [{"ApiKey": []}, {"StaffSession": []}]


def test_served_openapi_document_is_the_committed_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(openapi_json())


def test_every_component_schema_is_valid_json_schema_2020_12():
    from jsonschema import Draft202012Validator

    for name, schema in openapi_document()["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)  # raises SchemaError naming the problem
        assert schema.get("description"), f"{name} needs a description"


def test_api_docs_page_loads_swagger_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    markup = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in markup
    assert "cdn." not in markup
