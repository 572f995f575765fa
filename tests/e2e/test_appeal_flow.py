"""Issue 17 §3 in a browser (headless Chromium): the applicant appeals a decision in the e-service; the
case worker sees the appeal on the case page with the rättidsprövning done and forwards it to
förvaltningsrätten with a yttrande; the applicant sees the chain. Every page passes axe-core (WCAG 2.1
A/AA)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.appeals.models import Appeal, AppealStatus
from tests.appeals.factories import decision_issued_on, worker
from tests.e2e.conftest import axe_violations
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_applicant_appeals_and_the_case_worker_forwards_it_with_a_statement(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory()
    issued_on = timezone.localdate() - dt.timedelta(days=5)
    decision = decision_issued_on(municipality, issued_on)
    person = decision.application.applicant
    user = worker(municipality)

    # --- the applicant appeals from the decision page -----------------------------------------------------
    page.goto(f"{live_server.url}/e-tjanst/ansokan/{decision.application_id}/beslut/{decision.pk}/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslut om ekonomiskt bistånd")
    assert axe_violations(page) == []
    page.get_by_label("Hur vill du att beslutet ska ändras, och varför?").fill(
        "Hyran ska räknas i sin helhet. Jag har ett nytt hyresavtal.")
    page.get_by_role("button", name="Skicka överklagandet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ditt överklagande av beslut {decision.pk}")
    expect(page.locator("ol.chain")).to_contain_text("Kom in i tid")
    assert axe_violations(page) == []
    appeal = Appeal.objects.get()
    assert appeal.channel == "e_service" and appeal.in_time

    # --- the case worker sees the rättidsprövning and forwards the appeal ----------------------------------
    page.context.clear_cookies()
    staff_login(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/handlaggning/arenden/{decision.application_id}/#overklaganden")
    section = page.locator("#overklaganden")
    expect(section).to_contain_text("Rättidsprövning: kom in i tid")
    expect(section).to_contain_text(f"sista dagen var {appeal.deadline:%Y-%m-%d}")
    page.locator(f"#overklagande-{appeal.pk}-overlamna summary").click()
    assert axe_violations(page) == []
    page.get_by_label("Nämndens yttrande till förvaltningsrätten").fill(
        "Nämnden vidhåller beslutet. Hyran överstiger kommunens tak för hushållets storlek.")
    page.get_by_role("button", name="Skicka överklagandet").click()
    expect(section).to_contain_text("överlämnat till förvaltningsrätten")
    expect(page.get_by_role("link", name="Överlämnande till förvaltningsrätten (PDF)")).to_be_visible()
    assert Appeal.objects.get().status == AppealStatus.FORWARDED

    # --- the applicant sees the chain ------------------------------------------------------------------------
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/e-tjanst/overklagande/{appeal.pk}/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    chain = page.locator("ol.chain")
    expect(chain).to_contain_text("Överklagandet kom in")
    expect(chain).to_contain_text("Kom in i tid")
    expect(chain).to_contain_text("Skickat till förvaltningsrätten")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/e-tjanst/mitt-arende/")
    expect(page.locator("ol.events")).to_contain_text("Överklagandet har skickats till förvaltningsrätten")
