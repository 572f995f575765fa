"""Issue 17's Proof in a browser (headless Chromium; every page through axe-core, WCAG 2.1 A/AA, and the
proofreading check of tests/proofread.py, which the ``page`` fixture runs on every page it loads).

* One joined flow: a case worker raises the norm for a special diet (12 kap. 7 § tredje stycket SoL),
  recalculates and decides; the applicant sees the line in "Mitt ärende", appeals in the e-service; the
  case worker forwards the appeal to förvaltningsrätten with a yttrande.
* Föredragning: a case worker without delegation for the amount presents the decision; the
  1:e socialsekreterare finds it under "Att besluta" and decides; the case page names both."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.appeals.models import Appeal, AppealStatus
from bistand.decisions.models import Decision
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application, make_person_delegation
from tests.e2e.applicant_steps import sign_in_as
from tests.e2e.conftest import axe_violations
from tests.e2e.staff_steps import raise_norm_for_special_diet, staff_login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Glutenfri kost enligt intyg från dietist"


def test_norm_raised_seen_by_the_applicant_appealed_and_forwarded_with_a_yttrande(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")  # no local rent ceiling
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 5, 5),
                                       first_name="Dina", last_name="Dietsson")
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    person = application.applicant

    # --- the case worker raises the norm for a special diet, recalculates and decides ------------------------
    staff_login(page, live_server.url, "karin.kasper")
    page.goto(f"{live_server.url}/handlaggning/arenden/{application.pk}/")
    assert axe_violations(page) == []
    raise_norm_for_special_diet(page, member="Dina Dietsson", kronor=450, reason=REASON)
    expect(page.get_by_role("status")).to_contain_text("Normen är ändrad")
    page.get_by_role("button", name="Beräkna", exact=True).click()
    expect(page.locator('#trace tr[data-code="norm_level.1"]')).to_contain_text(REASON)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Fatta beslut").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutet är fattat: bifall.")
    assert axe_violations(page) == []
    decision = Decision.objects.get(application=application)

    # --- the applicant sees the line in "Mitt ärende" and appeals ----------------------------------------------
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, person)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt ärende")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Visa beslutet").first.click()
    calculation = page.locator("#calculation")
    expect(calculation).to_contain_text("Högre nivå än riksnormen: Särskild kost (för Dina)")
    expect(calculation).to_contain_text(REASON)
    assert axe_violations(page) == []
    page.get_by_label("Hur vill du att beslutet ska ändras, och varför?").fill(
        "Kosten kostar mer än 450 kr i månaden. Jag bifogar kvitton.")
    page.get_by_role("button", name="Skicka överklagandet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ditt överklagande av beslut {decision.pk}")
    expect(page.locator("ol.chain")).to_contain_text("Kom in i tid")
    assert axe_violations(page) == []
    appeal = Appeal.objects.get()
    assert appeal.decision_id == decision.pk and appeal.channel == "e_service" and appeal.in_time

    # --- the case worker forwards the appeal with a yttrande ----------------------------------------------------
    page.context.clear_cookies()
    staff_login(page, live_server.url, "karin.kasper")
    page.goto(f"{live_server.url}/handlaggning/arenden/{application.pk}/#overklaganden")
    section = page.locator("#overklaganden")
    expect(section).to_contain_text("Rättidsprövning: kom in i tid")
    page.locator(f"#overklagande-{appeal.pk}-overlamna summary").click()
    assert axe_violations(page) == []
    page.get_by_label("Nämndens yttrande till förvaltningsrätten").fill(
        "Nämnden vidhåller beslutet. Normen är höjd med 450 kr enligt dietistens intyg.")
    page.get_by_role("button", name="Skicka överklagandet").click()
    expect(section).to_contain_text("överlämnat till förvaltningsrätten")
    assert axe_violations(page) == []
    assert Appeal.objects.get().status == AppealStatus.FORWARDED

    # --- the applicant sees the chain ----------------------------------------------------------------------------
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, person, f"/e-tjanst/overklagande/{appeal.pk}/")
    expect(page.locator("ol.chain")).to_contain_text("Skickat till förvaltningsrätten")
    assert axe_violations(page) == []


def test_the_foredragande_presents_and_the_delegate_decides_under_att_besluta(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby", committee_name="Individ- och familjeomsorgsnämnden")
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")
    user_with_role(Role.APPROVER, municipality, username="anna.attest", first_name="Anna", last_name="Attest")
    make_person_delegation(municipality, "grant", role=Role.CASEWORKER, max_kronor=1_000)
    make_person_delegation(municipality, "grant", role=Role.APPROVER)
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])

    # --- the case worker has no delegation for the amount: presents the decision ----------------------------------
    staff_login(page, live_server.url, "karin.kasper")
    page.goto(f"{live_server.url}/handlaggning/arenden/{application.pk}/")
    page.get_by_role("button", name="Beräkna", exact=True).click()
    expect(page.locator("#no-delegation")).to_be_visible()
    expect(page.get_by_role("button", name="Fatta beslut")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Lämna för beslut").click()
    expect(page.get_by_role("status")).to_contain_text("Förslaget är lämnat för beslut")
    expect(page.locator("#awaiting-decision")).to_contain_text("Karin Kasper")
    assert axe_violations(page) == []

    # --- the 1:e socialsekreterare decides it from "Att besluta" ------------------------------------------------------
    page.context.clear_cookies()
    staff_login(page, live_server.url, "anna.attest")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Att besluta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Att besluta")
    assert axe_violations(page) == []
    page.locator("#to-decide").get_by_role("link").first.click()
    expect(page.locator("#presented-by")).to_have_text("Karin Kasper")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Fatta beslut enligt förslaget").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutet är fattat: bifall.")
    expect(page.locator("#beslut")).to_contain_text("av Anna Attest. Föredragande: Karin Kasper.")
    assert axe_violations(page) == []
    decision = Decision.objects.get(application=application)
    assert decision.decided_by.username == "anna.attest" and decision.presented_by.username == "karin.kasper"
