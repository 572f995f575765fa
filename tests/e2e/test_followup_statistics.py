"""The manager goes from the dashboard to the statistics for Socialstyrelsen, sees what is missing for a
household and downloads the month's file. axe-core finds no WCAG 2.1 A/AA violations; the page reflows at
320 px."""

from __future__ import annotations

import pytest

from bistand.tenancy.roles import Role
from tests.e2e.conftest import axe_violations
from tests.e2e.test_followup_dashboards import _login, _reflows
from tests.factories import user_with_role
from tests.followup.test_statistics import _assistance_file, month  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_manager_checks_the_month_and_downloads_the_statistics_file(live_server, page, month):
    from playwright.sync_api import expect

    municipality, _household = month
    manager = user_with_role(Role.MANAGER, municipality)
    _login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/handlaggning/uppfoljning/")
    page.get_by_role("link", name="Statistik till Socialstyrelsen").click()
    page.get_by_label("Månad", exact=True).fill("2026-03")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik till Socialstyrelsen mars 2026")
    row = page.locator("tr", has_text="Hushåll A-1 (inläst historik)")
    expect(row).to_contain_text("Försörjningshinder")
    expect(row).to_contain_text("saknas för sökande.")
    assert axe_violations(page) == []
    assert _reflows(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner filen med bistånd för mars 2026").click()
    download = download_info.value
    assert download.suggested_filename == "ekb-0680-2026-03.txt"
    assert open(download.path(), "rb").read().decode() == _assistance_file()
