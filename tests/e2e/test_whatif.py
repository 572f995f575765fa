"""A manager runs a what-if in a browser (headless Chromium), issue 21 §2: raises the riksnorm by 10 % for a
month, sees the change (hand-computed), the chart and the table, and downloads the CSV."""

from __future__ import annotations

import pytest

from bistand.tenancy.roles import Role
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import PASSWORD, MunicipalityFactory, household_with_members, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_runs_a_what_if_and_downloads_the_figures(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    for rent in (5000, 5500, 6000, 6500, 7000):
        StoredCalculationFactory(household=household_with_members(municipality), month="2025-03", rent=rent)
    user_with_role(Role.MANAGER, municipality, username="maja.chef", first_name="Maja", last_name="Chef")

    page.goto(f"{live_server.url}/handlaggning/analys/simulering/")
    page.get_by_label("Användarnamn").fill("maja.chef")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", name="Vad händer om reglerna ändras?")).to_be_visible()
    page.get_by_label("Från och med månad").fill("2025-03")
    page.get_by_label("Till och med månad").fill("2025-03")
    page.get_by_label("Ändring av riksnormen (procent)").fill("10")
    page.get_by_role("button", name="Räkna").click()

    # 5 households × (4 301 + 1 397 − 3 910 − 1 270) kr = 5 × 518 kr
    expect(page.locator("#cost-change")).to_have_text("2\u00a0590\u00a0kr")
    expect(page.get_by_role("table", name="Kostnad per hushållstyp")).to_contain_text("Ensamstående utan barn")
    expect(page.locator("svg.chart")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner siffrorna som CSV-fil").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    assert "Totalt;Exempelby;5;5;55900;58490;2590" in content
