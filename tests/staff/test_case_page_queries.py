"""The case page is one of the load test's hot pages (issue 16 §4, benchmarks/request_cost.py): it reads
each thing once. The register data (the application's persons, their newest fetches and facts) feed both the
comparison table and the kommunicering form; the household's members feed the household table, the
persons whose reading is logged and the names in the trace; the completion requests feed the list, the
reasons and the running kommunicering."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bistand.audit.models import AccessLog
from bistand.people.models import HouseholdMember
from tests.decisions.factories import standard_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_simulator(settings, tmp_path):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)


def _prepared_case(client, settings, adults=2):
    case = standard_case(settings, adults=adults)
    client.force_login(case.caseworker)
    url = reverse("staff:case_detail", args=[case.application.pk])
    assert client.post(reverse("staff:case_fetch_registers", args=[case.application.pk])).status_code == 302
    assert client.post(reverse("staff:case_calculate", args=[case.application.pk])).status_code == 302
    client.get(url)  # warm up: the first request may load things once per process
    return case, url


def _tables(queries) -> dict[str, int]:
    counts: dict[str, int] = {}
    for query in queries:
        sql = query["sql"]
        table = sql.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in sql else sql.split()[0]
        counts[table] = counts.get(table, 0) + 1
    return counts


def test_the_case_page_reads_the_register_data_members_and_completion_requests_once(client, settings):
    case, url = _prepared_case(client, settings)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skatteverket" in html and 'id="trace"' in html  # the comparison and the calculation are shown
    tables = _tables(captured.captured_queries)
    assert tables.get("registers_registerfetch", 0) <= 2, tables  # the newest fetches: once (two queries)
    assert tables.get("registers_registerfact", 0) <= 1, tables
    assert tables.get("people_householdmember", 0) <= 2, tables
    assert tables.get("applications_completionrequest", 0) <= 1, tables
    assert len(captured.captured_queries) <= 30, (len(captured.captured_queries), tables)


def test_the_case_page_still_logs_every_member_it_shows(client, settings):
    case, url = _prepared_case(client, settings)
    before = AccessLog.objects.count()
    assert client.get(url).status_code == 200
    members = set(HouseholdMember.objects.filter(household=case.household).values_list("person_id", flat=True))
    logged = AccessLog.objects.filter(target="staff:case_detail", pk__gt=0).order_by("-pk")[: len(members)]
    assert AccessLog.objects.count() - before == len(members) == 2
    assert {row.person_id for row in logged} == members
