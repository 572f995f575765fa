"""An applicant chooses English in the e-service, applies, sees the receipt in English, and then reads
it again in lättläst svenska (issue 20). At a phone's 320 px: every page is checked for reflow, axe-core
and proofreading (conftest), in the language it is written in."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.models import Application, ApplicationStatus
from bistand.people import personnummer as pnr
from bistand.people.models import Person
from tests.factories import MunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NUMBER = pnr.test_number(dt.date(1991, 5, 20), 4)


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")


def test_an_applicant_applies_in_english_and_reads_the_receipt_in_lattlast(live_server, phone_page):
    from playwright.sync_api import expect

    page = phone_page
    MunicipalityFactory(name="Exempelby")
    page.goto(f"{live_server.url}/e-tjanst/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for financial assistance")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="Sign in with e-ID").click()

    page.get_by_label("Personnummer").fill(NUMBER.formatted)
    page.get_by_label("Förnamn").fill("Erik")
    page.get_by_label("Efternamn").fill("Exempel")
    page.get_by_role("button", name="Logga in som testpersonen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My case")
    page.get_by_role("link", name="Make a new application").click()
    page.get_by_label("Which municipality do you live in?").select_option(label="Exempelby")
    page.get_by_role("button", name="Start the application").click()

    page.get_by_role("link", name="Household").first.click()
    page.locator("#id_applicant_af_registered_0").check()  # registered with Arbetsförmedlingen
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")
    page.get_by_label("Renting directly from the landlord").check()
    page.get_by_label("Number of rooms (not counting the kitchen)").fill("1")
    page.get_by_label("How many people live in the home, including you?").fill("1")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Costs")
    rent = page.get_by_label("Rent or housing charge (kronor a month)")
    rent.fill("six thousand")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the amount in kronor using numbers")
    rent.fill("5 900")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Income")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Savings and property")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank account")
    page.get_by_label("Clearing number").fill("8327")
    page.get_by_label("Account number").fill("9876541")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Attachments")
    page.get_by_role("link", name="Continue to check and sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and sign")
    expect(page.get_by_text("5 900 kr")).to_be_visible()
    page.get_by_role("button", name="Sign and send").click()

    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(receipt).to_contain_text("Case number")
    expect(receipt).to_contain_text("What happens next")
    expect(page.get_by_text("Thank you. The municipality has received your application.")).to_be_visible()

    # The same receipt in lättläst svenska: Swedish (lang="sv"), in easy words.
    page.get_by_role("button", name="Lättläst svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(receipt.get_by_role("heading", name="Kvitto")).to_be_visible()
    expect(receipt).to_contain_text("Det här händer nu")
    expect(receipt).to_contain_text("Kommunen läser din ansökan.")

    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Person.objects.get(personnummer=NUMBER.normalised).language == "sv-ll"
