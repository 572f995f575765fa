"""The monthly flow in a browser (headless Chromium):

1. an applicant applies for the first time in the e-service, a case worker finds the application in the
   inbox (a first application is never decided automatically), fetches the register data, calculates and
   decides, and schedules the payment; the applicant then sees the decision and its calculation line by
   line in "Mitt ärende";
2. the monthly run decides a standard recurring application automatically; the approver approves its
   payment and ``bistand export-payments`` puts it in the bank file; a deviating application of the same
   month waits in the inbox with its reason.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from bistand.applications.models import Application
from bistand.decisions.models import Decision
from bistand.payments.models import DebtorAccount, Payment
from bistand.people import personnummer as pnr
from bistand.tenancy.roles import Role
from tests.decisions.factories import simulator_fixture, standard_case
from tests.e2e.applicant_steps import apply, sign_in
from tests.e2e.conftest import new_page
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NUMBER = pnr.test_number(dt.date(1988, 9, 14), 2)


@pytest.fixture(autouse=True)
def simulator(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = {}


def applicant_login(page, base_url: str) -> None:
    """Frida Förstagång, new to the system, signs in to the e-service."""
    sign_in(page, base_url, NUMBER.formatted, "Frida", "Förstagång")


def test_a_case_worker_decides_a_first_application_and_the_applicant_sees_the_decision(live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")  # no local rent ceiling
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")

    # --- the applicant applies -------------------------------------------------------------------------
    applicant, page = new_page(browser)
    applicant_login(page, live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt ärende")
    apply(page)  # one adult, registered with Arbetsförmedlingen, 5 400 kr rent, no incomes
    expect(page.locator("#application-status")).to_have_text("Inskickad")
    application = Application.objects.get()
    assert application.kind == "new" and application.status == "submitted"

    # --- the case worker decides ---------------------------------------------------------------------------
    worker, staff = new_page(browser)
    staff_login(staff, live_server.url, "karin.kasper", "/handlaggning/inkorg/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Inkorg: ansökningar att handlägga")
    row = staff.locator(f"#ansokan-{application.pk}")
    expect(row).to_contain_text("Frida Förstagång")
    expect(row).to_contain_text("Ny ansökan, inte en återansökan")
    row.get_by_role("link", name="Frida Förstagång").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Ny ansökan för " + _month(application.month))
    staff.get_by_role("button", name="Hämta registeruppgifter").click()
    expect(staff.get_by_role("status")).to_contain_text("Registeruppgifterna är hämtade.")
    staff.get_by_role("button", name="Beräkna", exact=True).click()
    expect(staff.locator("#calculation-amount")).to_be_visible()
    amount = staff.locator("#calculation-amount").inner_text()
    expect(staff.locator("#trace")).to_contain_text("Försörjningsstöd att betala ut")
    staff.get_by_label("Dina egna skäl").fill("Du har inga inkomster denna månad.")
    staff.get_by_role("button", name="Fatta beslut").click()
    expect(staff.get_by_role("status")).to_contain_text("Beslutet är fattat: bifall.")
    decision = Decision.objects.get(application=application)
    expect(staff.locator(f"#beslut-{decision.pk}")).to_contain_text("Bifall")
    staff.get_by_role("button", name="Lägg upp utbetalningen").click()
    expect(staff.locator("#payment-status")).to_contain_text("väntar på attest")
    assert Payment.objects.get(decision=decision).amount_ore == decision.amount_ore

    # --- the applicant sees the decision and its calculation ------------------------------------------------
    page.goto(f"{live_server.url}/e-tjanst/mitt-arende/")
    expect(page.locator("#events")).to_contain_text("Beslut: bifall")
    page.get_by_role("link", name="Visa beslutet").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslut om ekonomiskt bistånd")
    expect(page.locator(".lead")).to_contain_text("Bifall")
    expect(page.locator(".lead")).to_contain_text(amount)
    calculation = page.locator("#calculation")
    expect(calculation).to_contain_text("Boendekostnad (hyra)")
    expect(calculation.get_by_role("row", name=re.compile("Försörjningsstöd att betala ut"))).to_contain_text(amount)
    applicant.close()
    worker.close()


def _month(month: dt.date) -> str:
    from bistand.common.months import month_sv

    return month_sv(month)


def test_the_monthly_run_decides_and_pays_a_recurring_application_and_a_deviating_one_waits(
        live_server, browser, settings, tmp_path):
    from playwright.sync_api import expect

    standard = standard_case(settings, delegation=True)
    municipality = standard.municipality
    standard.application.declaration["bank_account"] = {"clearing": "5000", "account": "1111116",
                                                        "source": "applicant"}
    standard.application.save()
    deviating = standard_case(settings, municipality=municipality, delegation=False)
    fixtures = {**simulator_fixture(standard.application),
                **simulator_fixture(deviating.application, {"applicant": [("wage", 5200)]})}
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = fixtures
    DebtorAccount.objects.create(municipality=municipality, name="Exempelby kommun",
                                 iban="SE4550000000058398257466", bic="ESSESESS")
    user_with_role(Role.APPROVER, municipality, username="anna.attest", first_name="Anna", last_name="Attest")
    user_with_role(Role.CASEWORKER, municipality, username="kalle.kasper", first_name="Kalle", last_name="Kasper")

    out = io.StringIO()
    call_command("monthly-run", municipality=municipality.code, month="2026-03", stdout=out, stderr=io.StringIO())
    assert "Beslutade automatiskt: 1" in out.getvalue()
    decision = Decision.objects.get(application=standard.application)
    assert decision.automated
    payment = Payment.objects.get(decision=decision)

    # the approver approves the payment of the automated decision
    context, page = new_page(browser)
    staff_login(page, live_server.url, "anna.attest", "/handlaggning/utbetalningar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utbetalningar att attestera")
    row = page.get_by_role("row", name=re.compile(standard.application.applicant.last_name))
    expect(row).to_contain_text("Automatiskt")
    row.get_by_role("button", name=re.compile("Attestera")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    payment.refresh_from_db()
    assert payment.status == "approved" and payment.approved_by.username == "anna.attest"

    # the bank file
    target = tmp_path / "pain001.xml"
    call_command("export-payments", municipality=municipality.code, date=timezone.localdate().isoformat(),
                 out=str(target), stdout=io.StringIO())
    content = target.read_text(encoding="utf-8")
    assert f"<EndToEndId>{payment.end_to_end_id}</EndToEndId>" in content
    assert f'Ccy="SEK">{payment.amount_ore // 100}.{payment.amount_ore % 100:02d}</InstdAmt>' in content
    payment.refresh_from_db()
    assert payment.status == "exported"

    # the deviating application waits in the inbox with its reason
    context.clear_cookies()
    staff_login(page, live_server.url, "kalle.kasper", "/handlaggning/inkorg/")
    inbox = page.locator("#inbox")
    expect(inbox).to_contain_text(deviating.application.applicant.last_name)
    deviating_row = page.locator(f"#ansokan-{deviating.application.pk}")
    expect(deviating_row).to_contain_text("Inkomsterna i registren stämmer inte med ansökan")
    expect(deviating_row).to_contain_text("5\u00a0200\u00a0kr enligt Skatteverket")
    expect(page.locator(f"#ansokan-{standard.application.pk}")).to_have_count(0)
    # the filter on the reason finds it
    page.get_by_label("Skäl").select_option("register_incomes_match")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#inbox tbody tr")).to_have_count(1)
    context.close()
