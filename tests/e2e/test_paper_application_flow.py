"""Issue 20, a paper application in a browser (headless Chromium): a case worker registers an application
that came by post, with the scanned paper, and fills in the same declaration as the e-service asks for —
here the applicant is not registered with Arbetsförmedlingen and has no reason not to be — sends it in,
and finds it in the inbox with that reason. Every page passes axe-core (WCAG 2.1 A/AA) and has no
sideways scrolling at 320 px (WCAG 1.4.10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.applications.models import Application
from bistand.casework.reasons import reason_label
from bistand.tenancy.roles import Role
from tests.decisions.factories import make_application, simulator_fixture
from tests.e2e.test_casework_month import check, login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fill_paper_declaration(page, *, registered: bool = True, each_page=None) -> None:
    """On the page of a paper application being registered: every section from the paper (the prefilled
    answers kept; Arbetsförmedlingen answered for the applicant; no assets; the bank account from the paper), then "Skicka in ansökan"."""
    page.get_by_role("link", name="Hushållet").click()
    if registered:
        page.locator("#id_applicant_af_registered_0").check()
    else:
        page.locator("#id_applicant_af_registered_1").check()
        page.get_by_label("Om du inte är inskriven: varför inte?").select_option("none")
    for heading in ("Hushållet", "Boende", "Kostnader", "Inkomster", "Tillgångar", "Bankkonto"):
        page.get_by_role("heading", name=heading, level=1).wait_for()
        if each_page is not None:
            each_page(page)
        if heading == "Tillgångar":
            page.locator("#id_has_assets_0").check()  # "Nej"
        if heading == "Bankkonto":
            page.get_by_label("Clearingnummer").fill("8327-9")
            page.get_by_label("Kontonummer").fill("123 456 789-7")
        page.get_by_role("button", name="Spara och fortsätt").click()
    page.get_by_role("heading", name="Ansökan på papper", exact=False).wait_for()
    if each_page is not None:
        each_page(page)
    page.get_by_role("button", name="Skicka in ansökan").click()


def test_a_paper_application_asks_the_same_declaration_and_goes_to_the_inbox_with_the_reason(
        live_server, browser, settings, tmp_path):
    from playwright.sync_api import expect

    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    municipality = MunicipalityFactory()
    household = household_with_members(municipality, birth_date=dt.date(1970, 1, 1), last_name="Pappersson")
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    previous = make_application(household, last_month, kind="new", status="decided",
                                incomes=(("wage", "applicant", 2000),))
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(previous)
    worker = user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin",
                            last_name="Kasper")
    applicant = previous.applicant

    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(30_000)
    page = context.new_page()
    login(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/handlaggning/personer/{applicant.pk}/")
    page.get_by_role("link", name="Registrera ansökan på papper").click()
    check(page)
    page.get_by_label("Månad som ansökan gäller").fill(f"{this_month:%Y-%m}")
    page.get_by_label("Brev (med posten)").check()
    page.get_by_label("Dag då ansökan kom in").fill(f"{today:%Y-%m-%d}")
    scan = tmp_path / "ansokan.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Den skannade ansökan").set_input_files(str(scan))
    page.get_by_role("button", name="Registrera ansökan").click()
    expect(page.locator("#paper-received")).to_contain_text("brev (med posten)")
    check(page)

    # a section sent with a missing answer shows the error at the field, as in the e-service
    page.get_by_role("link", name="Hushållet").click()
    page.locator("#id_applicant_af_registered_1").check()
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.locator("#error-summary")).to_contain_text("Välj ett skäl")
    check(page)
    page.get_by_role("link", name="Tillbaka till ansökan på papper", exact=False).click()

    fill_paper_declaration(page, registered=False, each_page=check)
    expect(page.locator("#application-channel")).to_contain_text("Brev (med posten)")
    check(page)
    application = Application.objects.get(household=household, month=this_month)
    assert application.declaration["members"]["applicant"]["labour_market"]["reason"] == "none"

    page.goto(f"{live_server.url}/handlaggning/inkorg/")
    row = page.locator(f"#ansokan-{application.pk}")
    expect(row).to_contain_text(reason_label("labour_market_available"))
    check(page)
    context.close()
