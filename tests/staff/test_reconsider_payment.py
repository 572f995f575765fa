"""The reported fault (issue 17 §3): reconsider an automated December decision in Sävsjö through the
case page, schedule the payment the page offers, approve it, export — the bank file must not hold both
the old and the new payment in full."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bistand.decisions.models import Decision
from bistand.payments import services
from bistand.payments.models import Payment, PaymentExport, PaymentStatus
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.factories import debtor_account, delegation, issued_decision

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 1)


def url(name, *args):
    return reverse(f"staff:{name}", args=args)


@pytest.mark.parametrize("exported_before", [False, True], ids=["approved-not-exported", "already-exported"])
def test_reconsidering_on_the_case_page_never_puts_two_full_payments_in_the_bank_files(client, exported_before):
    municipality = MunicipalityFactory(code="0684", name="Sävsjö")
    debtor_account(municipality)
    chosen = delegation(municipality, approves_payments=True, payment_daily_limit_ore=10_000_000_00)
    old = issued_decision(municipality, automated=True, delegation_=chosen, month=DECEMBER)
    services.schedule_payment(old)  # the monthly run: approved by the delegation
    today = timezone.localdate()
    if exported_before:
        services.export_payments(municipality, today - dt.timedelta(days=1))
    worker = user_with_role(Role.CASEWORKER, municipality)
    approver = user_with_role(Role.APPROVER, municipality)
    client.force_login(worker)
    application = old.application
    response = client.post(url("case_reconsider", application.pk, old.pk),
                           {"caseworker_text": "Sökanden bad om omprövning.", "outcome": ""})
    assert response.status_code == 302
    new = Decision.objects.get(reconsiders=old)
    page = client.get(url("case_detail", application.pk))
    if page.context["may_schedule_payment"]:
        client.post(url("case_schedule_payment", application.pk, new.pk))
    client.force_login(approver)
    for payment in Payment.objects.filter(decision=new, status=PaymentStatus.SCHEDULED):
        client.post(url("payment_approve", payment.pk))
    client.post(url("payment_export_create"), {"export_date": today.isoformat()})
    in_files = Payment.objects.filter(decision__household=old.household, decision__month=DECEMBER,
                                      status__in=(PaymentStatus.EXPORTED, PaymentStatus.EXECUTED))
    assert sum(p.amount_ore for p in in_files) == new.amount_ore
    assert sum(e.total_ore for e in PaymentExport.objects.filter(municipality=municipality)) == new.amount_ore


def test_the_case_page_refuses_to_worsen_a_grant_without_an_exception_and_accepts_one_with_a_reason(client):
    municipality = MunicipalityFactory()
    old = issued_decision(municipality)
    worker = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(worker)
    application = old.application
    refused = client.post(url("case_reconsider", application.pk, old.pk),
                          {"caseworker_text": "Sökanden har tillgångar.", "outcome": "refused"})
    assert refused.status_code == 400 and "37 § andra stycket förvaltningslagen" in refused.content.decode()
    assert not Decision.objects.filter(reconsiders=old).exists()
    accepted = client.post(url("case_reconsider", application.pk, old.pk),
                           {"caseworker_text": "Sökanden har tillgångar.", "outcome": "refused",
                            "worsening_exception": "misleading_information",
                            "worsening_reason": "Sökanden uppgav inte sparkontot."})
    assert accepted.status_code == 302
    new = Decision.objects.get(reconsiders=old)
    assert new.outcome == "refused" and new.worsening_ground.reason == "Sökanden uppgav inte sparkontot."
