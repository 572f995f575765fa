"""The follow-up pages: the manager's dashboard (charts with tables, CSV, the cases behind a month with
access logging), the regional coordinator's region page with implementation goals, the start pages."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bistand.audit.models import AccessLog
from bistand.followup.models import ImplementationGoal
from bistand.tenancy.models import Municipality
from bistand.tenancy.roles import Role
from tests.factories import user_with_role
from tests.followup.test_indicators import C1, P1, region  # noqa: F401 (fixture)


@pytest.fixture
def manager(region):
    return user_with_role(Role.MANAGER, Municipality.objects.get(code="0680"))


@pytest.fixture
def coordinator(region):
    return user_with_role(Role.REGIONAL_COORDINATOR, region=region)


def test_the_manager_sees_the_dashboard_with_charts_and_their_tables(client, manager):
    client.force_login(manager)
    response = client.get("/handlaggning/uppfoljning/", {"year": 2025})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Uppföljning för Jönköping 2025" in page
    assert page.count("<svg") == 4 and page.count('aria-hidden="true"') >= 4
    assert "Hushåll med försörjningsstöd" in page and "Underlaget ändrades senast" in page
    assert response.context["board"].indicators["households"] == 4  # the manager's own: not suppressed


def test_the_manager_downloads_the_dashboard_as_csv(client, manager):
    client.force_login(manager)
    response = client.get("/handlaggning/uppfoljning/", {"year": 2025, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="uppfoljning-0680-2025.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["households", "Hushåll", "4"] in rows
    january = next(row for row in rows if row and row[0] == "2025-01")
    assert january[1:3] == ["4", "1"]  # households this January and the January before


def test_a_filter_with_an_unknown_value_shows_a_swedish_error(client, manager):
    client.force_login(manager)
    response = client.get("/handlaggning/uppfoljning/", {"year": 2025, "sex": "x"})
    assert response.status_code == 200
    assert "Kön: välj ett värde i listan." in response.content.decode()


def test_the_cases_behind_a_month_are_listed_and_access_logged(client, manager):
    client.force_login(manager)
    response = client.get("/handlaggning/uppfoljning/manad/2025-06/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "x:A-1" in page and "x:A-4" in page and "x:A-3" not in page
    assert f"{P1[:8]}-{P1[8:]}" in page
    logged = AccessLog.objects.filter(user=manager, target="staff:followup_cases")
    assert logged.count() == 4  # P1, C2, P2, P4


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.RESEARCHER])
def test_roles_without_the_dashboard_get_403(client, region, role):
    client.force_login(user_with_role(role, Municipality.objects.get(code="0680")))
    assert client.get("/handlaggning/uppfoljning/").status_code == 403


def test_the_coordinator_may_not_open_the_dashboard_nor_the_cases(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/handlaggning/uppfoljning/").status_code == 403
    assert client.get("/handlaggning/uppfoljning/manad/2025-06/").status_code == 403


def test_the_region_page_shows_the_municipalities_side_by_side_with_small_counts_suppressed(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/region/", {"year": 2025})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jönköping" in page and "Gislaved" in page and "Regionen" in page
    assert "1–4" in page
    assert P1[2:8] not in page and C1[2:8] not in page  # no personnummer at all
    households = next(values for label, values, _total in response.context["rows"] if label == "Hushåll")
    assert households == ["1–4", "1–4"]


def test_a_manager_may_not_open_the_region_page(client, manager):
    client.force_login(manager)
    assert client.get("/region/").status_code == 403


def test_the_coordinator_sets_a_target_and_sees_a_municipality_below_it(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/region/", {"goal-indicator": "long_term_share", "goal-year": 2025,
                                        "goal-direction": "at_most", "goal-target": "10"}, follow=True)
    assert response.status_code == 200
    assert ImplementationGoal.objects.get().target * 100 == 10
    page = response.content.decode()
    assert "Under målet" in page  # Jönköping: 20 % long-term, the region wants at most 10 %


def test_a_bad_target_is_refused_naming_the_field(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/region/", {"goal-indicator": "long_term_share", "goal-year": 2025,
                                        "goal-direction": "at_most", "goal-target": "mycket"})
    assert response.status_code == 200
    assert "Målvärde: skriv en procentsats" in response.content.decode()
    assert not ImplementationGoal.objects.exists()


def test_each_role_has_a_start_page_with_its_part(client, region, manager, coordinator):
    client.force_login(manager)
    assert client.get("/handlaggning/")["Location"] == "/handlaggning/uppfoljning/"
    assert client.get("/handlaggning/", {"meny": "1"}).status_code == 200
    client.force_login(coordinator)
    assert client.get("/handlaggning/")["Location"] == "/region/"
    researcher = user_with_role(Role.RESEARCHER, Municipality.objects.get(code="0680"))
    client.force_login(researcher)
    assert client.get("/handlaggning/")["Location"] == "/handlaggning/forskning/"
    assert "godkända forskningsprojekt" in client.get("/handlaggning/forskning/").content.decode()
    client.force_login(user_with_role(Role.CASEWORKER, Municipality.objects.get(code="0680")))
    assert client.get("/handlaggning/").status_code == 200


def test_the_households_amounts_behind_a_month_are_written_by_the_one_formatter(client, manager):
    """Before: the amount column showed the raw Decimal ("5000", "7000.50")."""
    client.force_login(manager)
    page = client.get("/handlaggning/uppfoljning/manad/2025-06/").content.decode()
    amounts = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert amounts and all(re.fullmatch(r"−?\d{1,3}(\u00a0\d{3})*(,\d\d)?\u00a0kr", a) for a in amounts), amounts
