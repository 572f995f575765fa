"""A manager approves a research project for the municipality and the researcher downloads the export
(issue 21 §1), in a browser (headless Chromium); axe-core finds no WCAG 2.1 AA violation on the pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from bistand.followup.models import MonthSource, PersonMonth
from bistand.people import personnummer as pnr
from bistand.research.models import ResearchExport
from bistand.tenancy.roles import Role
from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, MunicipalityFactory, PersonFactory, user_with_role
from tests.research.factories import make_project

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def login(page, url, username):
    page.context.clear_cookies()
    page.goto(url)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_a_manager_approves_a_project_and_the_researcher_downloads_the_export(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    for i in range(6):  # six men born the same day: a group of six, nothing suppressed
        born = dt.date(1980, 1, 1)
        person = PersonFactory(municipality=municipality, birth_date=born,
                               personnummer=pnr.test_number(born, 2 * i + 1).normalised)
        PersonMonth.objects.create(municipality=municipality, household_key=f"x:{i}", person=person,
                                   month=dt.date(2025, 3, 1), role="applicant", amount_ore=500_000,
                                   source=MonthSource.IMPORTED)
    user_with_role(Role.MANAGER, municipality, username="maja.chef", first_name="Maja", last_name="Chef")
    researcher = user_with_role(Role.RESEARCHER, municipality, username="rut.forskare", first_name="Rut",
                                last_name="Forskare")
    project = make_project([municipality], approved=False, downloaders=[researcher], slug="studien")
    detail = f"{live_server.url}/handlaggning/analys/forskningsprojekt/studien/"

    login(page, f"{live_server.url}/handlaggning/analys/forskningsprojekt/", "maja.chef")
    expect(page.get_by_role("heading", name="Forskningsprojekt")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name=project.title).click()
    expect(page.get_by_role("heading", name="Godkänn projektet för Exempelby")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Vem beslutade i sekretessprövningen").fill("")
    page.get_by_role("button", name="Godkänn projektet").click()
    expect(page.get_by_role("alert")).to_contain_text("Skriv vem som fattade beslutet i sekretessprövningen.")
    assert axe_violations(page) == []
    page.get_by_label("Datum för kommunens sekretessprövning").fill("2025-02-01")
    page.get_by_label("Vem beslutade i sekretessprövningen").fill("Socialnämnden § 7")
    page.get_by_label("Jag har läst projektets etikgodkännande").check()
    page.get_by_role("button", name="Godkänn projektet").click()
    expect(page.get_by_role("status").first).to_contain_text("Du har godkänt projektet för Exempelby")
    expect(page.get_by_role("table", name="Sekretessprövning och godkännande per kommun")).to_contain_text("Maja Chef")

    login(page, detail, "rut.forskare")
    expect(page.get_by_role("heading", name=project.title)).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Ladda ner exporten").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    manifest = json.loads(archive.read("studien/manifest.json"))
    assert manifest["tables"]["persons"]["rows"] == 6 and manifest["project"]["slug"] == "studien"
    export = ResearchExport.objects.get()
    assert export.exported_by == researcher

    login(page, detail, "maja.chef")
    expect(page.get_by_role("table", name="Gjorda exporter, de senaste först")).to_contain_text("Rut Forskare")
