"""The approver's month end in a browser (headless Chromium), issue 20: the approver approves every
payment at once after confirming count and total, makes the bank file, reads in the bank's status file
(pain.002: one payment executed, one rejected for a wrong account); a case worker issues the rejected
payment again to a corrected account and the approver approves it; the applicant whose payment the bank
executed sees "Utbetalt" in "Mitt ärende"."""

from __future__ import annotations

import re

import pytest

from bistand.common.formatting import format_kronor
from bistand.payments.models import Payment, PaymentExport, PaymentStatus
from bistand.payments.services import schedule_payment
from bistand.tenancy.roles import Role
from tests.e2e.conftest import new_page
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments import bankfiles
from tests.payments.factories import debtor_account, issued_decision

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_approver_approves_all_exports_reads_the_banks_answer_and_a_rejected_payment_is_paid_again(
        live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    debtor_account(municipality)
    decider = user_with_role(Role.CASEWORKER, municipality, username="dora.decider")
    user_with_role(Role.CASEWORKER, municipality, username="kalle.kasper", first_name="Kalle", last_name="Kasper")
    user_with_role(Role.APPROVER, municipality, username="anna.attest", first_name="Anna", last_name="Attest")
    payments = [schedule_payment(issued_decision(municipality, decided_by=decider)) for _ in range(2)]
    total = format_kronor(sum(p.amount_ore for p in payments))

    # --- the approver approves both at once, confirming count and total ----------------------------------
    context, page = new_page(browser)
    staff_login(page, live_server.url, "anna.attest", "/handlaggning/utbetalningar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utbetalningar att attestera")
    page.get_by_role("button", name=re.compile("Attestera alla som du kan attestera")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta attest")
    expect(page.locator("#confirm-summary")).to_contain_text("2 utbetalningar")
    expect(page.locator("#confirm-summary")).to_contain_text(total)
    page.get_by_role("button", name=f"Attestera 2 utbetalningar på {total}").click()
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.get_by_text("Inga utbetalningar väntar på attest.")).to_be_visible()
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.APPROVED}

    # --- the bank file ---------------------------------------------------------------------------------
    page.get_by_role("link", name="Betalfiler").first.click()
    page.get_by_role("button", name="Skapa betalfil").click()
    expect(page.locator(".message.success")).to_contain_text("är skapad med 2 utbetalningar")
    export = PaymentExport.objects.get()
    paid, refused = (Payment.objects.get(pk=p.pk) for p in payments)
    assert paid.status == refused.status == PaymentStatus.EXPORTED

    # --- the bank's status file: one executed, one rejected -------------------------------------------------
    status_file = bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", ""),
                                                        (refused.end_to_end_id, "RJCT", "AC01", "Kontot finns inte")])
    bankfiles.validate(status_file, "pain.002.001.03")
    page.get_by_role("link", name="Läs in bankens svar").click()
    page.get_by_label("Bankens fil").set_input_files(
        {"name": "pain002.xml", "mimeType": "application/xml", "buffer": status_file})
    page.get_by_role("button", name="Läs in filen").click()
    expect(page.locator("#bank-status-summary")).to_contain_text("1 utbetald, 1 avvisad")
    page.goto(f"{live_server.url}/handlaggning/utbetalningar/")
    rejected = page.get_by_role("table", name="Utbetalningar som banken avvisade")
    expect(rejected).to_contain_text("AC01 Kontonumret är fel (Kontot finns inte)")
    context.close()

    # --- a case worker corrects the account and issues it again ------------------------------------------
    context, page = new_page(browser)
    staff_login(page, live_server.url, "kalle.kasper", "/handlaggning/utbetalningar/")
    page.get_by_role("link", name=re.compile("Rätta och lägg upp igen")).click()
    expect(page.locator("#payment-status")).to_contain_text("Avvisad av banken")
    form = page.locator("form", has=page.get_by_role("button", name="Lägg upp igen"))
    form.get_by_label("Konto").fill("6000-301286698")
    form.get_by_label("Skäl").fill("Den sökande lämnade rätt kontonummer på telefon")
    page.get_by_role("button", name="Lägg upp igen").click()
    expect(page.locator("#payment-status")).to_have_text("Väntar på attest")
    context.close()

    # --- the approver approves it again; it goes into the next bank file -------------------------------------
    context, page = new_page(browser)
    staff_login(page, live_server.url, "anna.attest", "/handlaggning/utbetalningar/")
    row = page.get_by_role("row", name=re.compile("6000-301286698"))
    row.get_by_role("button", name=re.compile("Attestera")).click()
    expect(page.get_by_text("Inga utbetalningar väntar på attest.")).to_be_visible()
    refused.refresh_from_db()
    assert refused.status == PaymentStatus.APPROVED and refused.attempt == 2 and refused.account == "6000-301286698"
    context.close()

    # --- the applicant whose payment the bank executed sees "Utbetalt" ---------------------------------------
    applicant = paid.decision.application.applicant
    context, page = new_page(browser)
    page.goto(f"{live_server.url}/e-tjanst/")
    page.get_by_role("link", name="Logga in med e-legitimation").click()
    page.get_by_label("Personnummer").fill(applicant.personnummer)
    page.get_by_label("Förnamn").fill(applicant.first_name)
    page.get_by_label("Efternamn").fill(applicant.last_name)
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.locator("#events")).to_contain_text("Utbetalt")
    expect(page.locator("#events")).to_contain_text(f"{paid.amount_kronor_text} har betalats ut till ditt konto")
    context.close()
