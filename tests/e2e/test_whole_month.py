"""Issue 20, done when: a whole month in a browser (headless Chromium), every step a user takes done through
the web, every page proofread, free of axe-core's WCAG 2.1 A/AA violations and without sideways scrolling
at 320 px (the e-service's pages and the staff's):

1. applicants apply in the e-service: Frida for the first time, the couple Carl and Cecilia for the first
   time (Cecilia confirms with her own e-ID), Rut again after last month (recurring);
2. a manager starts the monthly run from the web: the recurring applications are decided automatically,
   the first applications wait in the inbox;
3. a case worker works the inbox and decides the first applications;
4. the approver approves every payment at once (the checklist with count and total confirmed), makes the
   bank file and downloads it;
5. the bank answers (a pain.002 made from the downloaded pain.001): every payment executed except Rut's,
   rejected for a wrong account; the approver reads the answer in on the web;
6. Frida sees "Utbetalt"; Rut sees that the bank could not pay, never "Utbetalt";
7. a case worker corrects Rut's account with a reason, Rut sees the change, the approver approves the
   re-issued payment and it goes into the next bank file.

The month's background (last month's decisions, the other recurring households, the delegation, the
municipality's bank account) is made with factories."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from bistand.common.months import add_months, month_sv
from bistand.decisions import services as decision_services
from bistand.payments.models import Payment, PaymentExport, PaymentStatus, format_kronor
from bistand.people import personnummer as pnr
from bistand.tenancy.roles import Role
from tests.decisions.factories import calculate, make_application, make_delegation, simulator_fixture
from tests.e2e.applicant_steps import Partner, apply, sign_in
from tests.e2e.conftest import _context_and_page
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.payments import bankfiles
from tests.payments.factories import debtor_account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FRIDA = pnr.test_number(dt.date(1988, 9, 14), 2)
CARL = pnr.test_number(dt.date(1979, 2, 3), 4)
CECILIA = pnr.test_number(dt.date(1981, 7, 22), 6)
CORRECTED_ACCOUNT = "6000-301286698"
ACCOUNT = {"clearing": "5000", "account": "1111116", "source": "applicant"}
PAIN001 = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"
applicant_login = sign_in  # the name other browser tests may import from here; new ones use applicant_steps


@pytest.fixture(autouse=True)
def quiet(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = {}


class Browser:
    """One person's browser at a phone's 320 px; every page it loads is checked (tests/e2e/conftest.py)."""

    def __init__(self, browser, found: list[str]):
        self.context, self.page = _context_and_page(browser, found, phone=True, every_page=True)
        self.context.set_default_timeout(30_000)

    def close(self):
        self.context.close()


def menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=name, exact=True).click()


def recurring_household(municipality, caseworker, month, previous_month, fixtures: dict):
    """A household decided last month by a case worker, with the register reporting what it declares;
    ``month``'s recurring application is left to the applicant (``None``) or made here (``True``)."""
    household = household_with_members(municipality, birth_date=dt.date(1984, 4, 4))
    previous = make_application(household, previous_month, kind="new", incomes=(("wage", "applicant", 4000),))
    previous.declaration["bank_account"] = ACCOUNT
    previous.save()
    decision_services.issue_decision(previous, calculate(previous, register_facts=[]), caseworker)
    previous.refresh_from_db()
    fixtures.update(simulator_fixture(previous))
    return household, previous


def test_a_whole_month_from_applications_to_the_banks_answer_and_a_reissued_payment(live_server, browser, settings):
    from playwright.sync_api import expect

    url = live_server.url
    today = timezone.localdate()
    month = today.replace(day=1)
    previous_month = add_months(month, -1)
    month_text = month_sv(month)

    # --- the month's background, made with factories ---------------------------------------------------------
    municipality = MunicipalityFactory(name="Exempelby")
    debtor_account(municipality)
    make_delegation(municipality)
    last_months_worker = user_with_role(Role.CASEWORKER, municipality, username="eva.ek", first_name="Eva",
                                        last_name="Ek")
    user_with_role(Role.CASEWORKER, municipality, username="kalle.kasper", first_name="Kalle",
                   last_name="Kasper")
    user_with_role(Role.APPROVER, municipality, username="anna.attest", first_name="Anna", last_name="Attest")
    user_with_role(Role.MANAGER, municipality, username="maja.chef", first_name="Maja", last_name="Chef")
    fixtures: dict = {}
    rut_household, rut_previous = recurring_household(municipality, last_months_worker, month, previous_month, fixtures)
    rut = rut_previous.applicant
    others = []
    for _ in range(2):
        household, previous = recurring_household(municipality, last_months_worker, month, previous_month, fixtures)
        application = make_application(household, month, previous=previous, incomes=(("wage", "applicant", 4000),))
        application.declaration["bank_account"] = ACCOUNT
        application.save()
        others.append(application)
    for number in (FRIDA, CARL, CECILIA):
        fixtures[number.normalised] = {"*": []}
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = fixtures
    found: list[str] = []

    # --- 1. the applicants apply ---------------------------------------------------------------------------
    frida = Browser(browser, found)
    sign_in(frida.page, url, FRIDA.formatted, "Frida", "Förstagång")
    apply(frida.page, rooms=2)
    expect(frida.page.locator("#application-status")).to_have_text("Inskickad")

    carl = Browser(browser, found)
    sign_in(carl.page, url, CARL.formatted, "Carl", "Par")
    apply(carl.page, partner=Partner(CECILIA.formatted, "Cecilia", "Par"), rooms=2, clearing="6000",
          account="301286698")
    expect(carl.page.locator("#application-status")).to_contain_text("Väntar")
    carl.close()
    cecilia = Browser(browser, found)
    sign_in(cecilia.page, url, CECILIA.formatted, "Cecilia", "Par")
    cecilia.page.get_by_role("link", name=f"Läs och bekräfta ansökan för {month_text}").click()
    cecilia.page.get_by_role("button", name="Bekräfta ansökan").click()
    expect(cecilia.page.get_by_role("status").first).to_contain_text("Du har bekräftat ansökan")
    cecilia.close()

    rut_browser = Browser(browser, found)
    page = rut_browser.page
    sign_in(page, url, rut.personnummer)
    page.get_by_role("button", name=f"Ansök igen för {month_text}").click()
    for section in ("Hushållet", "Boende", "Kostnader", "Inkomster", "Tillgångar", "Bankkonto"):
        page.get_by_role("button", name=re.compile(f"Samma som förra månaden.*{section.lower()}")).click()
    page.get_by_role("link", name="Granska ändringarna och skriv under").click()
    page.get_by_role("button", name="Skriv under och skicka").click()
    expect(page.locator("#application-status")).to_have_text("Inskickad")
    assert found == [], "\n".join(found)

    # --- 2. the manager starts the monthly run from the web ---------------------------------------------------
    manager = Browser(browser, found)
    page = manager.page
    staff_login(page, url, "maja.chef")
    menu(page, "Månadskörning")
    page.get_by_label("Månad").select_option(f"{month:%Y-%m}")
    page.get_by_role("button", name="Visa månaden").click()
    page.get_by_role("button", name=f"Starta månadskörningen för {month_text}").click()
    expect(page.locator("#run-summary")).to_contain_text("Beslutade automatiskt: 3", timeout=60_000)
    manager.close()
    assert found == [], "\n".join(found)

    # --- 3. the case worker works the inbox ----------------------------------------------------------------
    staff = Browser(browser, found)
    page = staff.page
    staff_login(page, url, "kalle.kasper")
    for name in ("Frida Förstagång", "Carl Par"):
        menu(page, "Inkorg")
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name="Hämta registeruppgifter").click()
        expect(page.get_by_role("status").first).to_contain_text("Registeruppgifterna är hämtade.")
        # the monthly run has calculated it already
        expect(page.get_by_text("Försörjningsstöd enligt beräkningen")).to_be_visible()
        page.get_by_label("Dina egna skäl").fill("Du har inga inkomster denna månad.")
        page.get_by_role("button", name="Fatta beslut").click()
        expect(page.get_by_role("status").first).to_contain_text("Beslutet är fattat: bifall.")
        page.get_by_role("button", name="Lägg upp utbetalningen").click()
        expect(page.locator("#payment-status")).to_contain_text("väntar på attest")
    menu(page, "Inkorg")
    expect(page.get_by_role("link", name="Frida Förstagång")).to_have_count(0)
    staff.close()
    assert found == [], "\n".join(found)
    payments = list(Payment.objects.filter(decision__month=month).order_by("pk"))
    assert len(payments) == 5

    # --- 4. the approver approves all at once and makes the bank file -----------------------------------------
    approver = Browser(browser, found)
    page = approver.page
    staff_login(page, url, "anna.attest")
    menu(page, "Utbetalningar")
    page.get_by_role("button", name=re.compile("Attestera alla som du kan attestera")).click()
    total = format_kronor(sum(p.amount_ore for p in payments))
    expect(page.locator("#confirm-summary")).to_contain_text("5 utbetalningar")
    expect(page.locator("#confirm-summary")).to_contain_text(total)
    page.get_by_role("button", name=f"Attestera 5 utbetalningar på {total}").click()
    expect(page.get_by_text("Inga utbetalningar väntar på attest.")).to_be_visible()
    menu(page, "Betalfiler")
    page.get_by_role("button", name="Skapa betalfil").click()
    expect(page.locator(".message.success")).to_contain_text("är skapad med 5 utbetalningar")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Ladda ner")).first.click()
    pain001 = open(download.value.path(), "rb").read()
    export = PaymentExport.objects.get()
    assert pain001 == bytes(export.content)

    # --- 5. the bank's answer, made from the file: Rut's account does not exist ---------------------------------
    rut_payment = Payment.objects.get(decision__application__household=rut_household, decision__month=month)
    root = ET.fromstring(pain001)
    ids = [e.text for e in root.iter(f"{PAIN001}EndToEndId")]
    assert sorted(ids) == sorted(p.end_to_end_id for p in Payment.objects.filter(decision__month=month))
    answer = bankfiles.pain002(export.message_id, [
        (e2e, "RJCT", "AC01", "Kontot finns inte") if e2e == rut_payment.end_to_end_id else (e2e, "ACSC", "", "")
        for e2e in ids])
    bankfiles.validate(answer, "pain.002.001.03")
    page.get_by_role("link", name="Läs in bankens svar").click()
    page.get_by_label("Bankens fil").set_input_files(
        {"name": "pain002.xml", "mimeType": "application/xml", "buffer": answer})
    page.get_by_role("button", name="Läs in filen").click()
    expect(page.locator("#bank-status-summary")).to_contain_text("4 utbetalda, 1 avvisad")
    approver.close()
    assert found == [], "\n".join(found)

    # --- 6. the applicants see what the bank did --------------------------------------------------------------
    page = frida.page
    page.goto(f"{url}/e-tjanst/mitt-arende/")
    expect(page.locator("#events")).to_contain_text("Utbetalt")
    frida.close()
    page = rut_browser.page
    page.goto(f"{url}/e-tjanst/mitt-arende/")
    expect(page.locator("#events")).to_contain_text("Banken kunde inte betala ut")
    expect(page.locator("#events")).not_to_contain_text("Utbetalt")

    # --- 7. the case worker corrects the account; the approver approves it again -------------------------------
    staff = Browser(browser, found)
    page = staff.page
    staff_login(page, url, "kalle.kasper")
    menu(page, "Utbetalningar")
    page.get_by_role("link", name=re.compile("Rätta och lägg upp igen")).click()
    expect(page.locator("#payment-status")).to_contain_text("Avvisad av banken")
    form = page.locator("form", has=page.get_by_role("button", name="Lägg upp igen"))
    form.get_by_label("Konto").fill(CORRECTED_ACCOUNT)
    form.get_by_label("Skäl").fill("Rut lämnade rätt kontonummer på telefon")
    page.get_by_role("button", name="Lägg upp igen").click()
    expect(page.locator("#payment-status")).to_have_text("Väntar på attest")
    staff.close()

    page = rut_browser.page
    page.goto(f"{url}/e-tjanst/mitt-arende/")
    expect(page.locator("#events")).to_contain_text("Rut lämnade rätt kontonummer på telefon")
    rut_browser.close()

    approver = Browser(browser, found)
    page = approver.page
    staff_login(page, url, "anna.attest")
    menu(page, "Utbetalningar")
    page.get_by_role("row", name=re.compile(CORRECTED_ACCOUNT)).get_by_role("button", name=re.compile("Attestera")).click()
    expect(page.get_by_text("Inga utbetalningar väntar på attest.")).to_be_visible()
    menu(page, "Betalfiler")
    page.get_by_role("button", name="Skapa betalfil").click()
    expect(page.locator(".message.success")).to_contain_text("är skapad med 1 utbetalning ")
    approver.close()
    rut_payment.refresh_from_db()
    assert rut_payment.status == PaymentStatus.EXPORTED and rut_payment.account == CORRECTED_ACCOUNT
    assert rut_payment.export_id != export.pk and rut_payment.attempt == 2
    assert found == [], "\n".join(found)
