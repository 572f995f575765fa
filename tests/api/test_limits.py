"""The API's limits (bistand.api.limits): what it refuses, how, and that the OpenAPI document says so."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import override_settings

from bistand.api.limits import MAX_AMOUNT_KRONOR, MAX_NESTING, supported_years
from bistand.api.openapi import openapi_document
from bistand.api.services import create_api_client

from .test_calculations_api import BATCH_URL, FAMILY, URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(client):
    _, key = create_api_client(name="Gränstest")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def send(client, body, url=URL, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data=data, content_type=content_type)


def with_value(path, value):
    document = copy.deepcopy(FAMILY)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize("month", ["0000-01", "0001-12", "1999-01", "9999-12"])
def test_a_month_in_a_year_without_riksnorm_is_a_422_naming_the_month(key_client, month):
    response = send(key_client, with_value(["month"], month))
    assert response.status_code == 422
    assert response.json()["field"] == "month"
    assert "Riksnorm saknas" in response.json()["message"]


def test_a_year_without_riksnorm_in_a_batch_names_the_household(key_client):
    response = send(key_client, [FAMILY, with_value(["month"], "0000-01")], url=BATCH_URL)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["index"]) == ("month", 1)


@pytest.mark.parametrize(
    "path, field",
    [
        (["costs", 0, "amount"], "costs[0].amount"),
        (["incomes", 1, "amount"], "incomes[1].amount"),
        (["household", "children", 1, "earnings_this_year_before_month"],
         "household.children[1].earnings_this_year_before_month"),
    ],
)
def test_an_amount_above_the_ceiling_is_refused_by_name(key_client, path, field):
    response = send(key_client, with_value(path, MAX_AMOUNT_KRONOR + 0.01))
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert "10 000 000 kronor" in response.json()["message"]


def test_an_amount_at_the_ceiling_is_calculated(key_client):
    assert send(key_client, with_value(["costs", 0, "amount"], MAX_AMOUNT_KRONOR)).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", ""]
)
@pytest.mark.parametrize("url", [URL, BATCH_URL])
def test_a_body_that_is_not_json_is_refused_with_415(key_client, content_type, url):
    body = json.dumps(FAMILY if url == URL else [FAMILY])
    response = key_client.generic("POST", url, data=body, content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("url", [URL, BATCH_URL])
def test_a_key_given_twice_in_an_object_is_refused(key_client, url):
    text = json.dumps(FAMILY).replace('"month": "2026-03"', '"month": "2026-03", "month": "2026-04"', 1)
    response = send(key_client, text if url == URL else f"[{text}]", url=url)
    assert response.status_code == 422
    assert "'month' finns två gånger" in response.json()["message"]


def test_a_key_given_twice_deep_inside_is_refused(key_client):
    text = json.dumps(FAMILY).replace('"age": 34', '"age": 34, "age": 35', 1)
    response = send(key_client, text)
    assert response.status_code == 422
    assert "'age' finns två gånger" in response.json()["message"]


@pytest.mark.parametrize("url", [URL, BATCH_URL])
def test_json_nested_too_deeply_gets_the_documented_error(key_client, url):
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    text = json.dumps(with_value(["costs", 0, "note"], "x")).replace('"x"', deep)
    response = send(key_client, text if url == URL else f"[{text}]", url=url)
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "field", "message", "index"}
    assert "nästlat för djupt" in response.json()["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(key_client):
    response = send(key_client, with_value(["costs", 0, "note"], "[" * 100 + '{"'))
    assert response.status_code == 200


@pytest.mark.parametrize("settings_module", ["test", "production"])
def test_a_body_above_the_size_limit_gets_the_documented_error(key_client, settings_module):
    # production settings keep Django's own DATA_UPLOAD_MAX_MEMORY_SIZE; both limits must answer in JSON
    limits = {"BISTAND_API_MAX_BODY_BYTES": 1000}
    if settings_module == "production":
        limits["DATA_UPLOAD_MAX_MEMORY_SIZE"] = 500
    with override_settings(**limits):
        response = send(key_client, [FAMILY] * 3, url=BATCH_URL)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert "för stort" in response.json()["message"]


def test_a_body_larger_than_django_allows_is_answered_in_json_even_without_content_length(rf):
    from bistand.api.limits import read_json_body
    from bistand.rules import CalculationInputError

    request = rf.post(URL, data=json.dumps([FAMILY] * 3), content_type="application/json")
    del request.META["CONTENT_LENGTH"]
    with override_settings(BISTAND_API_MAX_BODY_BYTES=500):
        with pytest.raises(CalculationInputError, match="för stort"):
            read_json_body(request)


def test_openapi_states_the_business_limits():
    document = json.loads(json.dumps(openapi_document()))
    schema = document["components"]["schemas"]["CalculationInput"]["properties"]
    years = supported_years()
    assert schema["month"]["pattern"] == f"^({'|'.join(map(str, years))})-(0[1-9]|1[0-2])$"
    assert schema["costs"]["items"]["properties"]["amount"]["maximum"] == MAX_AMOUNT_KRONOR
    assert schema["incomes"]["items"]["properties"]["amount"]["maximum"] == MAX_AMOUNT_KRONOR
    child = schema["household"]["properties"]["children"]["items"]["properties"]
    assert child["earnings_this_year_before_month"]["maximum"] == MAX_AMOUNT_KRONOR
    for path in ("/api/v1/calculations", "/api/v1/calculations/batch"):
        responses = document["paths"][path]["post"]["responses"]
        assert "415" in responses and "422" in responses
