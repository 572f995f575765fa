"""List pages run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bistand.audit.models import AccessLog
from bistand.tenancy.roles import Role
from tests.factories import (
    AccessLogFactory,
    MunicipalityFactory,
    grant_protected_identity,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db

LIST_PAGES = ["staff:person_list", "staff:household_list", "staff:access_log"]


def municipality_with(rows: int):
    """A municipality with ``rows`` households (two adults and a child each), ``rows`` access-log rows
    and a manager (who may see every list page)."""
    municipality = MunicipalityFactory()
    reader = user_with_role(Role.CASEWORKER, municipality)
    for index in range(rows):
        household = household_with_members(municipality, adults=2, children=1, protected_identity=index % 3 == 0)
        AccessLogFactory(user=reader, person=household.members.first().person)
    manager = user_with_role(Role.MANAGER, municipality)
    return municipality, manager


def count_queries(client, user, url: str) -> tuple[int, int]:
    client.force_login(user)
    client.get(url)  # warm up: the first request may load things once per process
    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), AccessLog.objects.count() - before


@pytest.mark.parametrize("url_name", LIST_PAGES)
@pytest.mark.parametrize("with_protected_permission", [False, True])
def test_list_page_runs_the_same_queries_for_3_and_30_rows(client, url_name, with_protected_permission):
    few_municipality, few_user = municipality_with(3)
    many_municipality, many_user = municipality_with(30)
    if with_protected_permission:
        grant_protected_identity(few_user)
        grant_protected_identity(many_user)
    url = reverse(url_name)

    few, few_logged = count_queries(client, few_user, url)
    many, many_logged = count_queries(client, many_user, url)

    assert few == many, f"{url_name}: {few} queries for 3 rows, {many} for 30"
    assert many <= 15
    # More rows shown, more access-log rows written, in the same single INSERT.
    assert many_logged > few_logged > 0
