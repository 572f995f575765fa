"""An applicant logs in with the e-ID simulator, applies for the first time and sees the application as
received in "Mitt ärende"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bistand.applications.models import Application, ApplicationStatus
from bistand.people import personnummer as pnr
from tests.e2e import applicant_steps as steps
from tests.factories import MunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NUMBER = pnr.test_number(dt.date(1990, 4, 15), 3)


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")


def test_applicant_applies_for_the_first_time_and_sees_it_received(live_server, phone_page, tmp_path):
    """At a phone's 320 px: every page is checked for reflow, axe-core and proofreading (conftest)."""
    from playwright.sync_api import expect

    page = phone_page
    MunicipalityFactory(name="Exempelby")
    page.goto(f"{live_server.url}/e-tjanst/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansök om ekonomiskt bistånd")
    page.get_by_role("link", name="Logga in med e-legitimation").click()

    # The simulator says clearly what it is.
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulerad e-legitimation – endast för test")
    steps.fill_simulated_e_id(page, NUMBER.formatted, "Elsa", "Exempel")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt ärende")
    expect(page.get_by_text("Inloggad: Elsa Exempel")).to_be_visible()
    steps.start_application(page)

    # Household: no partner, one child added with htmx (no page load), focus on the new row.
    steps.open_household(page)
    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Lägg till ett barn").click()
    expect(page.locator("#id_children-0-first_name")).to_be_focused()
    assert page.evaluate("window.samePage") is True
    page.locator("#id_children-0-first_name").fill("Ebbe")
    page.locator("#id_children-0-personnummer").fill(pnr.test_number(dt.date(2019, 8, 1), 9).formatted)
    steps.answer_arbetsformedlingen(page)  # registered
    steps.save_and_continue(page)
    steps.fill_housing(page, rooms=2, persons=2)

    steps.fill_costs(page, rent="sex tusen")
    # A wrong amount gets a message at the field; nothing is rejected.
    expect(page.get_by_role("alert")).to_contain_text("Skriv beloppet i kronor med siffror")
    rent = page.get_by_label("Hyra eller avgift för bostaden (kr per månad)")
    expect(rent).to_have_attribute("aria-invalid", "true")
    steps.fill_costs(page, rent="6 200")

    steps.fill_incomes(page, incomes=(("child_benefit", "applicant", "1250"),))

    expect(page.get_by_role("heading", level=1)).to_have_text("Tillgångar")
    # The applicant does not know: the question goes to a case worker.
    page.get_by_label("Jag vet inte eller kan inte svara på frågorna på den här sidan").check()
    page.get_by_label("Berätta gärna vad du inte kan svara på").fill("Vet inte vad bilen är värd")
    steps.save_and_continue(page)

    steps.fill_bank_account(page, clearing="8327", account="9876541")  # a Swedbank account with a correct check digit

    rent_notice = tmp_path / "hyresavi.pdf"
    rent_notice.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    steps.attach(page, rent_notice, kind="rent")
    expect(page.get_by_role("link", name="hyresavi.pdf")).to_be_visible()
    steps.go_to_review(page)
    expect(page.get_by_text("6\u00a0200\u00a0kr")).to_be_visible()
    # A double click on the sign button makes one application.
    steps.sign_and_send(page, double_click=True)

    expect(page.locator("#application-status")).to_have_text("Inskickad")
    page.get_by_role("link", name="Mitt ärende", exact=True).click()
    events = page.locator("#events")
    expect(events).to_contain_text("Ansökan har kommit in till kommunen")
    expect(page.get_by_role("row", name=re.compile("Inskickad"))).to_be_visible()

    applications = list(Application.objects.all())
    assert len(applications) == 1
    assert applications[0].status == ApplicationStatus.SUBMITTED
    assert applications[0].needs_caseworker is True
