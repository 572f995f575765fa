"""The manager opens the dashboard and downloads its CSV; the regional coordinator sets a target and sees a
municipality below it. axe-core finds no WCAG 2.1 A/AA violations, and the pages reflow at 320 px."""

from __future__ import annotations

import pytest

from bistand.followup.services import import_history
from bistand.tenancy.roles import Role
from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, MunicipalityFactory, RegionFactory, user_with_role
from tests.followup.test_indicators import TODAY, _table

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def region(transactional_db):
    region = RegionFactory(code="06", name="Region Jönköpings län")
    MunicipalityFactory(code="0680", name="Jönköping", region=region)
    MunicipalityFactory(code="0662", name="Gislaved", region=region)
    import_history(_table(), file_name="tabell.csv", today=TODAY)
    return region


def _login(page, url, user):
    page.goto(f"{url}/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def _reflows(page) -> bool:
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        print("OVERFLOW", width, page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 321).slice(0, 12)
            .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""))
    page.set_viewport_size({"width": 1280, "height": 900})
    return width <= 320


def test_the_manager_opens_the_dashboard_and_downloads_a_csv(live_server, page, region):
    from playwright.sync_api import expect

    from bistand.tenancy.models import Municipality

    manager = user_with_role(Role.MANAGER, Municipality.objects.get(code="0680"))
    _login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/handlaggning/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uppföljning för Jönköping")
    page.get_by_label("År").fill("2025")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning för Jönköping 2025")
    expect(page.locator("svg.chart")).to_have_count(4)
    assert axe_violations(page) == []
    assert _reflows(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner uppgifterna som CSV-fil").click()
    download = download_info.value
    assert download.suggested_filename == "uppfoljning-0680-2025.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    assert "households;Hushåll;4" in text
    page.get_by_role("link", name="juni 2025: visa hushållen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hushåll med försörjningsstöd juni 2025")
    assert axe_violations(page) == []


def test_the_coordinator_sets_a_target_and_sees_a_municipality_below_it(live_server, page, region):
    from playwright.sync_api import expect

    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=region)
    _login(page, live_server.url, coordinator)
    page.goto(f"{live_server.url}/handlaggning/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Region Jönköpings län")
    assert axe_violations(page) == []
    page.get_by_label("Indikator", exact=True).select_option(label="Andel vuxna med långvarigt bistånd")
    page.locator("#id_goal-year").fill("2025")
    page.get_by_label("Riktning").select_option(label="Högst")
    page.get_by_label("Målvärde i procent").fill("10")
    page.get_by_role("button", name="Spara målet").click()
    expect(page.get_by_text("Målet är sparat.")).to_be_visible()
    row = page.locator("tr.short", has_text="Jönköping")
    expect(row).to_contain_text("Under målet")
    assert axe_violations(page) == []
    assert _reflows(page)
