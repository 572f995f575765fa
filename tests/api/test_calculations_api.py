"""POST /api/v1/calculations (and /batch): same input, result and errors as `bistand calculate`."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from bistand.api.models import ApiClient
from bistand.api.openapi import openapi_document
from bistand.api.schemas import MAX_BATCH_SIZE
from bistand.api.services import create_api_client, deactivate_api_client, hash_key
from bistand.rules import CalculationInputError, decode_input, load_parameters
from bistand.rules.calculate import calculate, encode_json
from bistand.tenancy.roles import Role
from tests.factories import UserFactory
from tests.factories import user_with_role as staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/calculations"
BATCH_URL = "/api/v1/calculations/batch"
CONTRACT_FIELDS = [
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

FAMILY = {
    "month": "2026-03",
    "municipality": "0680",
    "household": {
        "adults": [
            {"id": "a1", "age": 34, "consecutive_months_on_assistance": 7},
            {"id": "a2", "age": 31, "jobbstimulans_since": "2025-06"},
        ],
        "children": [
            {"id": "c1", "age": 5, "lunch_away_from_home": True, "days_present": 10},
            {"id": "c2", "age": 16, "earnings_this_year_before_month": 20000},
        ],
        "dwelling_size": None,
    },
    "costs": [{"type": "rent", "amount": 9999.5}, {"type": "home_insurance", "amount": 189}],
    "incomes": [
        {"type": "wage", "member": "a1", "amount": 3000.25},
        {"type": "wage", "member": "c2", "amount": 2500},
        {"type": "child_benefit", "member": "a2", "amount": 2500},
    ],
}


def post(client, document, url=URL, **extra):
    body = document if isinstance(document, (bytes, str)) else json.dumps(document)
    return client.post(url, data=body, content_type="application/json", **extra)


def expected_bytes(document, trace=True) -> bytes:
    """What `bistand calculate` writes for the same document."""
    return encode_json(calculate(decode_input(json.dumps(document))).to_dict(trace=trace))


def rules_error(document) -> CalculationInputError:
    """The error the rules package (and so the CLI) gives for the same document."""
    with pytest.raises(CalculationInputError) as info:
        raw = document if isinstance(document, (bytes, str)) else json.dumps(document)
        calculate(decode_input(raw))
    return info.value


@pytest.fixture
def staff_client(client):
    client.force_login(staff_user())
    return client


@pytest.fixture
def api_key():
    _, key = create_api_client(name="Statistikverktyget")
    return key


# --- results ------------------------------------------------------------------------------------------


def test_valid_request_returns_exactly_what_the_rules_package_writes(staff_client):
    response = post(staff_client, FAMILY)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == expected_bytes(FAMILY)
    body = response.json()
    assert list(body) == CONTRACT_FIELDS
    assert [list(line) for line in body["lines"]] == [["code", "label", "amount", "reference"]] * len(body["lines"])


def test_result_values_follow_the_riksnorm_for_a_single_adult(staff_client):
    document = {
        "month": "2025-11",
        "household": {"adults": [{"id": "a", "age": 40}]},
        "costs": [{"type": "rent", "amount": 6000}],
        "incomes": [{"type": "sickness_benefit", "member": "a", "amount": 2500.5}],
    }
    params = load_parameters("2025-11")
    norm_ore = params.single_adult.value + params.shared_costs(1)

    body = post(staff_client, document).json()

    assert Decimal(str(body["norm"])) * 100 == norm_ore
    assert Decimal(str(body["need"])) * 100 == norm_ore + 600_000
    assert Decimal(str(body["income_counted"])) == Decimal("2500.5")
    expected_amount = (Decimal(norm_ore) / 100 + 6000 - Decimal("2500.5")).quantize(Decimal("1"), "ROUND_HALF_UP")
    assert body["amount"] == int(expected_amount)
    assert body["outcome"] == "granted"
    assert body["lines"][-1]["code"] == "amount"


def test_income_above_the_need_is_refused_with_amount_zero(staff_client):
    document = {
        "month": "2026-01",
        "household": {"adults": [{"id": "a", "age": 40}]},
        "incomes": [{"type": "pension", "member": "a", "amount": 40000}],
    }
    body = post(staff_client, document).json()
    assert body["amount"] == 0
    assert body["outcome"] == "refused"


def test_response_matches_the_documented_response_schema(staff_client):
    document = openapi_document()
    schema = {"$ref": "#/components/schemas/CalculationResult", "components": document["components"]}
    body = post(staff_client, FAMILY).json()
    jsonschema.validate(body, schema)


def test_amounts_are_json_numbers_not_strings(staff_client):
    body = post(staff_client, FAMILY).json()
    for name in ("norm", "costs", "need", "income_counted", "income_disregarded"):
        assert isinstance(body[name], (int, float)) and not isinstance(body[name], bool), name
    assert all(isinstance(line["amount"], (int, float)) for line in body["lines"])


# --- errors -------------------------------------------------------------------------------------------


def _with(path, value):
    """FAMILY with one value replaced; `value=...` deletes it."""
    document = copy.deepcopy(FAMILY)
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


ERROR_CASES = {
    "not JSON": (b'{"month": ', ""),
    "missing month": (_with(["month"], ...), "month"),
    "month in the wrong format": (_with(["month"], "2026-3"), "month"),
    "no riksnorm for the year": (_with(["month"], "1999-05"), "month"),
    "municipality code not four digits": (_with(["municipality"], "680"), "municipality"),
    "unknown field": (_with(["colour"], "blue"), "colour"),
    "age as text": (_with(["household", "adults", 0, "age"], "34"), "household.adults[0].age"),
    "child too old": (_with(["household", "children", 1, "age"], 21), "household.children[1].age"),
    "three adults": (
        _with(["household", "adults"], [{"id": "x", "age": 20}, {"id": "y", "age": 20}, {"id": "z", "age": 20}]),
        "household.adults",
    ),
    "unknown cost type": (_with(["costs", 1, "type"], "car"), "costs[1].type"),
    "more than two decimals": (_with(["costs", 0, "amount"], 10.555), "costs[0].amount"),
    "negative income": (_with(["incomes", 2, "amount"], -5), "incomes[2].amount"),
    "wage without member": (_with(["incomes", 0, "member"], ...), "incomes[0].member"),
    "member who is not in the household": (_with(["incomes", 2, "member"], "c9"), "incomes[2].member"),
    "dwelling smaller than household": (_with(["household", "dwelling_size"], 3), "household.dwelling_size"),
    "same id twice": (_with(["household", "children", 0, "id"], "a1"), "household.children[0].id"),
}


@pytest.mark.parametrize("document, field", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_invalid_input_gives_422_with_the_field_and_the_message_of_the_rules_decoder(staff_client, document, field):
    response = post(staff_client, document)

    assert response.status_code == 422
    body = response.json()
    error = rules_error(document)
    assert error.field == field  # the case tests what it says it tests
    assert body == {"detail": str(error), "field": field, "message": error.message, "index": None}
    assert body["message"] and not body["message"].startswith("Expected")  # Swedish, not msgspec's English


def test_error_message_is_plain_swedish(staff_client):
    body = post(staff_client, ERROR_CASES["child too old"][0]).json()
    assert body["message"] == "Värdet får vara högst 20."
    assert body["detail"] == "Fel i fältet household.children[1].age: Värdet får vara högst 20."


# --- authentication -----------------------------------------------------------------------------------


def test_anonymous_request_is_refused_with_401(client):
    response = post(client, FAMILY)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "logga in" in response.json()["detail"]


def test_signed_in_user_without_a_staff_role_is_refused(client):
    client.force_login(UserFactory())
    assert post(client, FAMILY).status_code == 403


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.REGIONAL_COORDINATOR])
def test_roles_outside_case_work_are_not_staff(client, role):
    client.force_login(staff_user(role=role))
    assert post(client, FAMILY).status_code == 403


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.MANAGER, Role.ADMIN])
def test_every_staff_role_may_calculate(client, role):
    client.force_login(staff_user(role=role))
    assert post(client, FAMILY).status_code == 200


def test_staff_session_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user())

    refused = post(client, FAMILY)
    client.get("/handlaggning/berakning/")  # sets the CSRF cookie, as the staff pages do
    token = client.cookies["csrftoken"].value
    accepted = post(client, FAMILY, headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200


def test_api_key_works_without_session_or_csrf(api_key):
    client = Client(enforce_csrf_checks=True)
    response = post(client, FAMILY, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 200
    assert response.content == expected_bytes(FAMILY)


def test_api_key_use_is_recorded(client, api_key):
    post(client, FAMILY, headers={"Authorization": f"Bearer {api_key}"})
    assert ApiClient.objects.get(name="Statistikverktyget").last_used_at is not None


def test_inactive_api_key_is_refused(client, api_key):
    deactivate_api_client(client=ApiClient.objects.get(name="Statistikverktyget"))
    response = post(client, FAMILY, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer bst_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "bst_no-scheme"])
def test_wrong_or_malformed_key_is_refused(client, api_key, header):
    assert post(client, FAMILY, headers={"Authorization": header}).status_code == 401


def test_key_is_stored_only_as_a_hash(api_key):
    stored = ApiClient.objects.get(name="Statistikverktyget")
    assert stored.key_hash == hash_key(api_key)
    assert api_key not in {stored.key_hash, stored.key_prefix, stored.name}
    assert api_key.startswith(stored.key_prefix)


def test_create_api_client_command_prints_the_key_once(capsys, client):
    call_command("create-api-client", "Uppföljningssystemet")
    out, err = capsys.readouterr()
    key = out.strip()

    assert "visas" in err or "Spara nyckeln" in err
    assert ApiClient.objects.get(name="Uppföljningssystemet").key_hash == hash_key(key)
    assert post(client, FAMILY, headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_create_api_client_command_refuses_a_name_in_use(api_key):
    with pytest.raises(CommandError, match="finns redan"):
        call_command("create-api-client", "Statistikverktyget")


# --- batch --------------------------------------------------------------------------------------------

SINGLE = {"month": "2024-07", "household": {"adults": [{"id": "a", "age": 67}]}}


def test_batch_returns_one_result_per_household_in_order_without_lines(staff_client):
    response = post(staff_client, [FAMILY, SINGLE], url=BATCH_URL)

    assert response.status_code == 200
    expected = json.loads(b"[" + expected_bytes(FAMILY, trace=False) + b"," + expected_bytes(SINGLE, trace=False) + b"]")
    assert response.json() == expected
    assert "lines" not in response.json()[0]


def test_batch_with_trace_includes_the_lines(staff_client):
    response = post(staff_client, [SINGLE, FAMILY], url=f"{BATCH_URL}?trace=true")
    assert response.json()[1] == json.loads(expected_bytes(FAMILY))


def test_batch_error_names_the_household_and_field_and_calculates_nothing(staff_client):
    bad = _with(["household", "children", 0, "age"], 30)
    response = post(staff_client, [SINGLE, bad], url=BATCH_URL)

    assert response.status_code == 422
    error = rules_error(bad)
    assert response.json() == {
        "detail": str(error.with_index(1)),
        "field": "household.children[0].age",
        "message": error.message,
        "index": 1,
    }


def test_batch_missing_riksnorm_year_names_the_household(staff_client):
    response = post(staff_client, [SINGLE, SINGLE, dict(SINGLE, month="1990-01")], url=BATCH_URL)
    assert response.status_code == 422
    assert (response.json()["index"], response.json()["field"]) == (2, "month")


def test_batch_must_be_a_list(staff_client):
    response = post(staff_client, FAMILY, url=BATCH_URL)
    assert response.status_code == 422
    assert response.json()["field"] == ""


def test_batch_larger_than_the_documented_maximum_is_refused(staff_client):
    response = post(staff_client, [SINGLE] * (MAX_BATCH_SIZE + 1), url=BATCH_URL)
    assert response.status_code == 422
    assert str(MAX_BATCH_SIZE) in response.json()["message"]


def test_batch_of_the_maximum_size_is_calculated(staff_client):
    response = post(staff_client, [SINGLE] * MAX_BATCH_SIZE, url=BATCH_URL)
    assert response.status_code == 200
    assert len(response.json()) == MAX_BATCH_SIZE


def test_batch_needs_authentication(client):
    assert post(client, [SINGLE], url=BATCH_URL).status_code == 401


# --- the same as the CLI ------------------------------------------------------------------------------


def test_result_is_byte_for_byte_what_bistand_calculate_prints(staff_client, tmp_path, capsys):
    from bistand.engine.cli import main as cli

    path = tmp_path / "hushall.json"
    path.write_text(json.dumps(FAMILY), encoding="utf-8")
    assert cli([str(path)]) == 0
    printed = capsys.readouterr().out.encode()

    assert post(staff_client, FAMILY).content + b"\n" == printed


@pytest.mark.parametrize("case", ["child too old", "wage without member", "no riksnorm for the year", "not JSON"])
def test_error_is_the_one_bistand_calculate_reports(staff_client, tmp_path, capsys, case):
    from bistand.engine.cli import main as cli

    document = ERROR_CASES[case][0]
    path = tmp_path / "hushall.json"
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    assert cli([str(path)]) != 0
    reported = capsys.readouterr().err.strip()

    assert reported == f"bistand calculate: {path}: {post(staff_client, document).json()['detail']}"


def test_batch_is_calculated_by_the_engine_of_bistand_calculate_batch(staff_client, tmp_path, monkeypatch):
    """The batch endpoint goes through the batch engine (bistand.engine), and its answer is byte for byte the
    lines that `bistand calculate --batch` writes for the same households, as one JSON array — also for a
    household written over several lines (pretty-printed JSON inside the list)."""
    from bistand.engine import batch_io
    from bistand.engine.cli import main as cli

    households = [FAMILY, SINGLE, dict(FAMILY, municipality="0662"), SINGLE]
    source = tmp_path / "hushall.jsonl"
    source.write_text("".join(json.dumps(h) + "\n" for h in households), encoding="utf-8")
    out = tmp_path / "resultat.jsonl"
    assert cli(["--batch", str(source), "--out", str(out)]) == 0
    written = out.read_bytes().splitlines()

    engine_calls = []
    original = batch_io.calculate_jsonl
    monkeypatch.setattr(batch_io, "calculate_jsonl", lambda *a, **k: engine_calls.append(a) or original(*a, **k))
    body = "[" + ",".join([json.dumps(FAMILY, indent=2), *(json.dumps(h) for h in households[1:])]) + "]"
    response = post(staff_client, body, url=BATCH_URL)

    assert response.status_code == 200
    assert response.content == b"[" + b",".join(written) + b"]"
    assert len(engine_calls) == 1

