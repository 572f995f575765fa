"""schemathesis against the committed OpenAPI document (docs/api/openapi.json), in process through the
Django WSGI application: a bounded run (hypothesis max_examples per operation) with 0 server errors,
0 answers outside the documented responses, and 0 answers that break their documented schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bistand.api.services import create_api_client

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_path(COMMITTED)
schema.app = get_wsgi_application()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_key(db):
    return create_api_client(name="schemathesis")[1]


@pytest.fixture
def test_connection_kept_open():
    """The raw WSGI application sends request_started, whose close_old_connections closes the test's
    connection inside its transaction (PostgreSQL then answers "the connection is closed"). Django's own
    test client disconnects it around each request; this does the same for schemathesis' calls."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


OPERATIONS = [("/api/v1/calculations", "POST"), ("/api/v1/calculations/batch", "POST")]


@pytest.mark.django_db
@pytest.mark.parametrize("path, method", OPERATIONS)
def test_the_api_keeps_its_openapi_document(path, method, api_key, test_connection_kept_open):
    operation = schema[path][method]

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)

    run()


def test_every_operation_of_the_document_is_checked():
    labels = sorted(result.ok().label for result in schema.get_all_operations())
    assert labels == sorted(f"{method} {path}" for path, method in OPERATIONS)
