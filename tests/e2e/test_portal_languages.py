"""An applicant chooses English in the e-service, applies, sees the receipt in English, and then reads
it again in lättläst svenska (issue 20). At a phone's 320 px: every page is checked for reflow, axe-core
and proofreading (conftest), in the language it is written in."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.models import Application, ApplicationStatus
from bistand.people import personnummer as pnr
from bistand.people.models import Person
from tests.e2e import applicant_steps as steps
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

    steps.fill_simulated_e_id(page, NUMBER.formatted, "Erik", "Exempel")

    # The walk with the English words (tests/e2e/applicant_steps.py): a step not in English fails.
    expect(page.get_by_role("heading", level=1)).to_have_text("My case")
    steps.start_application(page, language="en")
    steps.fill_household(page, language="en")
    steps.fill_housing(page, language="en")
    steps.fill_costs(page, rent="six thousand", language="en")
    expect(page.get_by_role("alert")).to_contain_text("Enter the amount in kronor using numbers")
    steps.fill_costs(page, rent="5 900", language="en")
    steps.fill_incomes(page, language="en")
    steps.fill_assets(page, language="en")
    steps.fill_bank_account(page, clearing="8327", account="9876541", language="en")
    steps.go_to_review(page, language="en")
    expect(page.get_by_text("5 900 kr")).to_be_visible()
    receipt = steps.sign_and_send(page, language="en")
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
