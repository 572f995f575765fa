"""An applicant logs in with the e-ID simulator, applies for the first time and sees the application as
received in "Mitt ärende"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bistand.applications.models import Application, ApplicationStatus
from bistand.people import personnummer as pnr
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
    page.get_by_label("Personnummer").fill(NUMBER.formatted)
    page.get_by_label("Förnamn").fill("Elsa")
    page.get_by_label("Efternamn").fill("Exempel")
    page.get_by_role("button", name="Logga in som testpersonen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt ärende")
    expect(page.get_by_text("Inloggad: Elsa Exempel")).to_be_visible()
    page.get_by_role("link", name="Gör en ny ansökan").click()
    page.get_by_label("Vilken kommun bor du i?").select_option(label="Exempelby")
    page.get_by_role("button", name="Börja ansökan").click()

    # Household: no partner, one child added with htmx (no page load), focus on the new row.
    page.get_by_role("link", name="Hushållet").first.click()
    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Lägg till ett barn").click()
    expect(page.locator("#id_children-0-first_name")).to_be_focused()
    assert page.evaluate("window.samePage") is True
    page.locator("#id_children-0-first_name").fill("Ebbe")
    page.locator("#id_children-0-personnummer").fill(pnr.test_number(dt.date(2019, 8, 1), 9).formatted)
    page.locator("#id_applicant_af_registered_0").check()  # registered with Arbetsförmedlingen
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Boende")
    page.get_by_label("Hyr i första hand").check()
    page.get_by_label("Antal rum (utöver kök)").fill("2")
    page.get_by_label("Hur många personer bor i bostaden, du själv inräknad?").fill("2")
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kostnader")
    rent = page.get_by_label("Hyra eller avgift för bostaden (kr per månad)")
    rent.fill("sex tusen")
    page.get_by_role("button", name="Spara och fortsätt").click()
    # A wrong amount gets a message at the field; nothing is rejected.
    expect(page.get_by_role("alert")).to_contain_text("Skriv beloppet i kronor med siffror")
    expect(rent).to_have_attribute("aria-invalid", "true")
    rent.fill("6 200")
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inkomster")
    page.get_by_role("button", name="Lägg till en inkomst").click()
    page.locator("#id_incomes-0-type").select_option("child_benefit")
    page.locator("#id_incomes-0-member").select_option("applicant")
    page.locator("#id_incomes-0-amount").fill("1250")
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tillgångar")
    # The applicant does not know: the question goes to a case worker.
    page.get_by_label("Jag vet inte eller kan inte svara på frågorna på den här sidan").check()
    page.get_by_label("Berätta gärna vad du inte kan svara på").fill("Vet inte vad bilen är värd")
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bankkonto")
    page.get_by_label("Clearingnummer").fill("8327")
    page.get_by_label("Kontonummer").fill("9876541")  # a Swedbank account with a correct check digit
    page.get_by_role("button", name="Spara och fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bilagor")
    rent_notice = tmp_path / "hyresavi.pdf"
    rent_notice.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Vad är det för fil?").select_option("rent")
    page.get_by_label("Välj fil").set_input_files(str(rent_notice))
    page.get_by_role("button", name="Ladda upp filen").click()
    expect(page.get_by_role("link", name="hyresavi.pdf")).to_be_visible()
    page.get_by_role("link", name="Gå vidare till granska och skriv under").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Granska och skriv under")
    expect(page.get_by_text("6\u00a0200\u00a0kr")).to_be_visible()
    # A double click on the sign button makes one application.
    page.get_by_role("button", name="Skriv under och skicka").dblclick()

    expect(page.locator("#application-status")).to_have_text("Inskickad")
    page.get_by_role("link", name="Mitt ärende", exact=True).click()
    events = page.locator("#events")
    expect(events).to_contain_text("Ansökan har kommit in till kommunen")
    expect(page.get_by_role("row", name=re.compile("Inskickad"))).to_be_visible()

    applications = list(Application.objects.all())
    assert len(applications) == 1
    assert applications[0].status == ApplicationStatus.SUBMITTED
    assert applications[0].needs_caseworker is True
