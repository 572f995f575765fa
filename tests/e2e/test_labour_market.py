"""Availability to the labour market in a browser (12 kap. 3 § SoL, issue 17 §2): the applicant answers
that she is not registered with Arbetsförmedlingen and has no reason not to be (first without a reason,
which gives an error naming the field); the application lands in the case worker's inbox, and the case
page shows the answer. axe-core and the proofreading checks run on the pages."""

from __future__ import annotations

import pytest

from bistand.applications.models import Application
from bistand.tenancy.roles import Role
from tests.e2e.test_monthly_flow import applicant_login, staff_login
from tests.e2e.test_plan_accept import axe_violations
from tests.factories import MunicipalityFactory, user_with_role
from tests.proofread import problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER = "Inte inskriven på Arbetsförmedlingen och inget skäl"


@pytest.fixture(autouse=True)
def simulator(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = {}


def test_an_applicant_without_registration_or_reason_lands_in_the_inbox_with_the_answer_shown(live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")

    applicant = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    applicant.set_default_timeout(15_000)
    page = applicant.new_page()
    applicant_login(page, live_server.url)
    page.get_by_role("link", name="Gör en ny ansökan").click()
    page.get_by_label("Vilken kommun bor du i?").select_option(label="Exempelby")
    page.get_by_role("button", name="Börja ansökan").click()
    page.get_by_role("link", name="Hushållet").first.click()

    # Not registered, no reason chosen: the error names the field.
    page.locator("#id_applicant_af_registered_1").check()
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("alert")).to_contain_text("Välj ett skäl, eller välj att inget av skälen stämmer.")
    reason = page.locator("#id_applicant_af_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    assert problems(page.content()) == []

    reason.select_option("none")
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boende")
    page.get_by_label("Hyr i första hand").check()
    page.get_by_label("Antal rum (utöver kök)").fill("1")
    page.get_by_label("Hur många personer bor i bostaden, du själv inräknad?").fill("1")
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kostnader")
    page.get_by_label("Hyra eller avgift för bostaden (kr per månad)").fill("5 400")
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkomster")
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tillgångar")
    page.get_by_role("radio", name="Nej").check()
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bankkonto")
    page.get_by_label("Clearingnummer").fill("5000")
    page.get_by_label("Kontonummer").fill("1111116")
    page.get_by_role("button", name="Spara och fortsätt").click()
    page.get_by_role("link", name="Gå vidare till granska och skriv under").click()
    expect(page.locator("body")).to_contain_text(ANSWER)
    assert axe_violations(page) == []
    assert problems(page.content()) == []
    page.get_by_role("button", name="Skriv under och skicka").click()
    expect(page.locator("#application-status")).to_have_text("Inskickad")
    application = Application.objects.get()
    assert application.declaration["members"]["applicant"]["labour_market"] == {
        "registered": False, "reason": "none", "reason_text": ""}

    worker = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    worker.set_default_timeout(15_000)
    staff = worker.new_page()
    staff_login(staff, live_server.url, "karin.kasper", "/handlaggning/inkorg/")
    row = staff.locator(f"#ansokan-{application.pk}")
    expect(row).to_contain_text("Frida Förstagång")
    row.get_by_role("link", name="Frida Förstagång").click()
    expect(staff.locator("body")).to_contain_text("Arbetsförmedlingen: du")
    expect(staff.locator("body")).to_contain_text(ANSWER)
    assert axe_violations(staff) == []
    assert problems(staff.content(), applicant_page=False) == []
    applicant.close()
    worker.close()
