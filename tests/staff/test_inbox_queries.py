"""The inbox is one of the load test's hot pages (issue 16 §4): the user's own units are read once, for
the filter form, the inbox query and the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, UnitFactory, user_with_role
from tests.staff.test_inbox import INBOX, application

pytestmark = pytest.mark.django_db


def test_the_inbox_reads_the_users_units_once(client):
    municipality = MunicipalityFactory()
    unit = UnitFactory(municipality=municipality)
    UnitFactory(municipality=municipality)
    worker = user_with_role(Role.CASEWORKER, municipality, unit=unit)
    application(municipality, unit, kind="new")
    client.force_login(worker)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(INBOX)
    assert response.status_code == 200 and "Mina enheter" in response.content.decode()
    unit_reads = [q["sql"] for q in captured.captured_queries if 'FROM "tenancy_unit"' in q["sql"]]
    assert len(unit_reads) == 2, unit_reads  # the municipality's units (the filter) and the user's own
