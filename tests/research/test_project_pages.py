"""The research project pages (/handlaggning/analys/forskningsprojekt/): managers approve for their
municipality and see the exports, researchers download, nobody else sees anything."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from bistand.research.models import ResearchExport
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.research.factories import make_project

pytestmark = pytest.mark.django_db

LIST = "/handlaggning/analys/forskningsprojekt/"


def _detail(project):
    return f"{LIST}{project.slug}/"


def test_a_manager_sees_the_projects_of_the_municipality_and_approves_one_with_the_secrecy_assessment(client):
    mine, other = MunicipalityFactory(), MunicipalityFactory()
    project = make_project([mine, other], approved=False)
    make_project([other], slug="inte-min", approved=False)
    manager = user_with_role(Role.MANAGER, mine)
    client.force_login(manager)
    html = client.get(LIST).content.decode()
    assert project.title in html and "inte-min" not in html
    page = client.get(_detail(project)).content.decode()
    assert "Godkänn projektet för" in page and "2025-01234-01" in page
    response = client.post(_detail(project) + "godkann/", {"secrecy_assessed_on": "2025-02-01",
                                                         "secrecy_decided_by": "Socialnämnden § 7", "confirm": "on"})
    assert response.status_code == 302
    participation = project.participations.get(municipality=mine)
    assert participation.approved_by == manager and participation.secrecy_decided_by == "Socialnämnden § 7"
    assert not project.participations.get(municipality=other).approved


def test_an_approval_without_the_secrecy_assessment_date_is_refused_naming_the_field(client):
    mine = MunicipalityFactory()
    project = make_project([mine], approved=False)
    client.force_login(user_with_role(Role.MANAGER, mine))
    response = client.post(_detail(project) + "godkann/", {"secrecy_assessed_on": "", "secrecy_decided_by": "Nämnden",
                                                         "confirm": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Skriv datum för kommunens sekretessprövning." in html and 'aria-invalid="true"' in html
    assert not project.participations.get().approved


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER])
def test_case_workers_cannot_see_or_approve_projects(client, role):
    mine = MunicipalityFactory()
    project = make_project([mine], approved=False)
    client.force_login(user_with_role(role, mine))
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(project)).status_code == 404
    assert client.post(_detail(project) + "godkann/", {"confirm": "on"}).status_code == 404
    assert not project.participations.get().approved


def test_a_manager_of_another_municipality_does_not_see_the_project(client):
    project = make_project([MunicipalityFactory()])
    client.force_login(user_with_role(Role.MANAGER, MunicipalityFactory()))
    assert client.get(_detail(project)).status_code == 404
    assert client.post(_detail(project) + "ladda-ner/").status_code == 404


def test_the_researcher_downloads_the_export_as_a_zip_and_the_manager_sees_it_logged(client):
    mine = MunicipalityFactory()
    researcher = user_with_role(Role.RESEARCHER, mine)
    project = make_project([mine], downloaders=[researcher])
    client.force_login(researcher)
    assert "Ladda ner exporten" in client.get(_detail(project)).content.decode()
    response = client.post(_detail(project) + "ladda-ner/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert f"{project.slug}/manifest.json" in names and f"{project.slug}/persons.parquet" in names
    export = ResearchExport.objects.get()
    assert export.exported_by == researcher and export.via == "web"

    client.force_login(user_with_role(Role.MANAGER, mine))
    page = client.get(_detail(project)).content.decode()
    assert export.manifest_sha256 in page and "Webbsidan" in page


def test_a_researcher_not_named_by_the_project_neither_sees_nor_downloads_it(client):
    mine = MunicipalityFactory()
    project = make_project([mine], downloaders=[user_with_role(Role.RESEARCHER, mine)])
    client.force_login(user_with_role(Role.RESEARCHER, mine))
    assert project.title not in client.get(LIST).content.decode()
    assert client.post(_detail(project) + "ladda-ner/").status_code == 404
    assert not ResearchExport.objects.exists()


def test_an_unapproved_project_cannot_be_downloaded_and_the_page_says_why(client):
    mine = MunicipalityFactory()
    researcher = user_with_role(Role.RESEARCHER, mine)
    project = make_project([mine], downloaders=[researcher], approved=False)
    client.force_login(researcher)
    response = client.post(_detail(project) + "ladda-ner/", follow=True)
    assert "har inte godkänt projektet" in response.content.decode()
    assert not ResearchExport.objects.exists()


def test_an_expired_project_is_shown_as_not_exportable(client):
    mine = MunicipalityFactory()
    researcher = user_with_role(Role.RESEARCHER, mine)
    project = make_project([mine], downloaders=[researcher], valid_until=dt.date(2020, 1, 1))
    client.force_login(researcher)
    html = client.get(_detail(project)).content.decode()
    assert "Etikgodkännandet gällde till och med 2020-01-01" in html and "disabled" in html


def test_a_researcher_of_several_municipalities_without_projects_gets_an_empty_list_not_a_refusal(client):
    from bistand.tenancy.services import add_membership

    researcher = user_with_role(Role.RESEARCHER, MunicipalityFactory())
    add_membership(actor=None, user=researcher, role=Role.RESEARCHER, municipality=MunicipalityFactory())
    client.force_login(researcher)
    response = client.get(LIST)
    assert response.status_code == 200 and "Det finns inga forskningsprojekt för dig" in response.content.decode()
