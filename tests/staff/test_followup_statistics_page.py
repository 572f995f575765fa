"""The manager's page for the monthly statistics files to Socialstyrelsen: the check of the month, the two
downloads (each an export run, logged and access-logged), and who may open it."""

from __future__ import annotations

import pytest

from bistand.audit.models import AccessLog
from bistand.followup.models import StatisticsExport
from bistand.tenancy.models import Municipality
from bistand.tenancy.roles import Role
from tests.factories import user_with_role
from tests.followup.test_statistics import END_FILE, _assistance_file, month  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

URL = "/handlaggning/uppfoljning/statistik/"


@pytest.fixture
def manager(month):
    return user_with_role(Role.MANAGER, Municipality.objects.get(code="0680"))


def test_the_manager_sees_the_check_naming_the_household_and_the_missing_field(client, manager, month):
    _municipality, household = month
    client.force_login(manager)
    response = client.get(URL, {"month": "2026-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Statistik till Socialstyrelsen mars 2026" in page
    assert "Hushåll A-1 (inläst historik)" in page and "saknas för sökande." in page
    assert f"Hushåll {household.pk}" in page and "saknas för medsökande." in page
    assert "Inte kontrollerat mot Socialstyrelsens föreskrift" in page
    assert "Kodlistan Försörjningshinder (version 2026.1-utkast) är preliminär och inte verifierad." in page
    assert StatisticsExport.objects.count() == 0  # looking is not exporting
    # the adults of the households the check names: P6, P7 (decided), P1, P4
    assert AccessLog.objects.filter(user=manager, target="staff:followup_statistics").count() == 4


def test_the_manager_downloads_both_files_and_each_download_is_a_logged_export(client, manager, month):
    client.force_login(manager)
    response = client.get(URL, {"month": "2026-03", "fil": "bistand"})
    assert response.status_code == 200
    assert 'filename="ekb-0680-2026-03.txt"' in response["Content-Disposition"]
    assert response.content.decode() == _assistance_file()
    response = client.get(URL, {"month": "2026-03", "fil": "avslut"})
    assert 'filename="ekb-0680-2026-03-avslut.txt"' in response["Content-Disposition"]
    assert response.content.decode() == END_FILE
    assert StatisticsExport.objects.exclude(created_by="").count() == 2
    exported = AccessLog.objects.filter(user=manager, target="staff:followup_statistics", action="export")
    assert exported.values("person_id").distinct().count() == 8  # everyone in the two files
    page = client.get(URL, {"month": "2026-03"}).content.decode()
    assert "Senaste exporterna" in page and "Inga exporter ännu." not in page


def test_a_bad_month_gets_a_swedish_error_and_an_unknown_file_404(client, manager):
    client.force_login(manager)
    response = client.get(URL, {"month": "mars"})
    assert response.status_code == 200
    assert "Månad: skriv månaden som ÅÅÅÅ-MM, till exempel 2026-03." in response.content.decode()
    assert client.get(URL, {"month": "2026-03", "fil": "allt"}).status_code == 404
    assert client.get(URL, {"month": "mars", "fil": "bistand"}).status_code == 404
    assert StatisticsExport.objects.count() == 0


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.RESEARCHER])
def test_roles_other_than_the_manager_get_403(client, month, role):
    client.force_login(user_with_role(role, Municipality.objects.get(code="0680")))
    assert client.get(URL).status_code == 403
