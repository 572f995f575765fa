"""Omprövning and payments (FL 37–39 §§): a new decision for a month already paid pays only the
difference, an overpayment is recorded as a claim (återkrav, SoL 33 kap.) for a case worker, and a
household is never paid twice in full for one month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.calculations.services import build_input_for_household, new_stored_calculation, prepare_calculation
from bistand.decisions import services as decision_services
from bistand.payments import services
from bistand.payments.models import OverpaymentClaim, Payment, PaymentStatus
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.factories import debtor_account, delegation, issued_decision

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 1)


def savsjo():
    municipality = MunicipalityFactory(code="0684", name="Sävsjö")
    debtor_account(municipality)
    return municipality


def calculation_with_rent(decision, rent: int):
    document = build_input_for_household(decision.household, decision.month, costs=[{"type": "rent", "amount": rent}])
    calculation = new_stored_calculation(household=decision.household, month=decision.month,
                                         prepared=prepare_calculation(document), user="system")
    existing = type(calculation).objects.filter(household=decision.household, month=decision.month,
                                                input_hash=calculation.input_hash).first()
    if existing is not None:
        return existing
    calculation.save()
    return calculation


def automated_december(municipality, **delegation_fields):
    chosen = delegation(municipality, approves_payments=True, payment_daily_limit_ore=10_000_000_00,
                        **delegation_fields)
    decision = issued_decision(municipality, automated=True, delegation_=chosen, month=DECEMBER, rent=4000)
    return decision


def paid_for(decision) -> int:
    """What the bank files of the household's month hold (payments the bank did not reject)."""
    return sum(p.amount_ore for p in Payment.objects.filter(
        decision__household=decision.household, decision__month=decision.month,
        status__in=(PaymentStatus.EXPORTED, PaymentStatus.EXECUTED)))


def test_reconsidering_an_approved_unexported_payment_cancels_it_so_the_bank_file_pays_once():
    municipality = savsjo()
    old = automated_december(municipality)
    old_payment = services.schedule_payment(old)
    assert old_payment.status == PaymentStatus.APPROVED  # by the delegation
    worker = user_with_role(Role.CASEWORKER, municipality)
    approver = user_with_role(Role.APPROVER, municipality)
    new = decision_services.reconsider(old, worker, caseworker_text="Rättelse av skälen.")
    new_payment = services.schedule_payment(new, user=worker)
    services.approve(new_payment, approver)
    export = services.export_payments(municipality, timezone.localdate())
    assert export.payment_count == 1 and export.total_ore == new.amount_ore
    old_payment.refresh_from_db()
    assert old_payment.status == PaymentStatus.CANCELLED and f"beslut {new.pk}" in old_payment.cancellation_reason
    assert paid_for(new) == new.amount_ore


def test_a_reconsideration_after_export_pays_only_the_difference():
    municipality = savsjo()
    old = automated_december(municipality)
    services.schedule_payment(old)
    services.export_payments(municipality, timezone.localdate() - dt.timedelta(days=1))
    worker = user_with_role(Role.CASEWORKER, municipality)
    approver = user_with_role(Role.APPROVER, municipality)
    higher = calculation_with_rent(old, 5000)
    new = decision_services.reconsider(old, worker, calculation=higher, caseworker_text="Hyran var högre.")
    difference = new.amount_ore - old.amount_ore
    assert difference > 0
    new_payment = services.schedule_payment(new, user=worker)
    assert new_payment.amount_ore == difference
    services.approve(new_payment, approver)
    export = services.export_payments(municipality, timezone.localdate())
    assert export.total_ore == difference
    assert paid_for(new) == new.amount_ore


def test_a_reconsideration_paying_nothing_more_schedules_no_payment():
    municipality = savsjo()
    old = automated_december(municipality)
    services.schedule_payment(old)
    services.export_payments(municipality, timezone.localdate())
    worker = user_with_role(Role.CASEWORKER, municipality)
    new = decision_services.reconsider(old, worker, caseworker_text="Rättelse av skälen.")
    with pytest.raises(services.PaymentError, match="redan betalats ut"):
        services.schedule_payment(new, user=worker)
    assert not Payment.objects.filter(decision=new).exists()


def test_a_lower_decision_after_payment_records_an_overpayment_claim_for_a_case_worker():
    municipality = savsjo()
    old = automated_december(municipality)
    services.schedule_payment(old)
    services.export_payments(municipality, timezone.localdate())
    worker = user_with_role(Role.CASEWORKER, municipality)
    lower = calculation_with_rent(old, 3000)
    new = decision_services.reconsider(old, worker, calculation=lower, caseworker_text="Hyran var lägre.",
                                       worsening_exception="misleading_information",
                                       worsening_reason="Sökanden uppgav fel hyra i ansökan.")
    claim = OverpaymentClaim.objects.get(household=new.household, month=DECEMBER)
    assert new.amount_ore < old.amount_ore
    assert claim.amount_ore == old.amount_ore - new.amount_ore and claim.decision == new and claim.status == "open"
    assert not Payment.objects.filter(decision=new).exists()


def test_an_old_decision_that_was_reconsidered_cannot_be_paid_or_paid_again():
    municipality = savsjo()
    old = automated_december(municipality)
    worker = user_with_role(Role.CASEWORKER, municipality)
    decision_services.reconsider(old, worker, caseworker_text="Rättelse av skälen.")
    with pytest.raises(services.PaymentError, match="omprövats"):
        services.schedule_payment(old, user=worker)


def test_a_stopped_payment_of_a_reconsidered_decision_is_not_issued_again():
    municipality = savsjo()
    old = automated_december(municipality)
    old_payment = services.schedule_payment(old)
    worker = user_with_role(Role.CASEWORKER, municipality)
    decision_services.reconsider(old, worker, caseworker_text="Rättelse av skälen.")
    with pytest.raises(services.PaymentError, match="omprövats"):
        services.reissue(old_payment, worker, "Nytt försök.")
