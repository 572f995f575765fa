"""Scheduling, approving (four eyes), changing and stopping payments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from bistand.audit.models import AuditEvent
from bistand.payments import services
from bistand.payments.models import PayeeKind, Payment, PaymentStatus
from bistand.payments.services import (
    FourEyesError,
    Payee,
    PaymentError,
    approve,
    cancel,
    change_payee,
    schedule_payment,
)
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

from .factories import issued_decision, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality, first_name="Cecilia", last_name="Handläggare")


@pytest.fixture
def approver(municipality):
    return user_with_role(Role.APPROVER, municipality, first_name="Anna", last_name="Attestant")


def audit_events(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk"))


# --- scheduling ---------------------------------------------------------------------------------------------

def test_a_granted_decision_is_scheduled_for_payment_to_the_applicants_declared_account(municipality, caseworker):
    decision = issued_decision(municipality, decided_by=caseworker)
    scheduled = schedule_payment(decision)
    assert scheduled.status == PaymentStatus.SCHEDULED
    assert scheduled.amount_ore == decision.amount_ore > 0
    assert scheduled.payee_kind == PayeeKind.APPLICANT
    applicant = decision.application.applicant
    assert scheduled.payee_name == f"{applicant.first_name} {applicant.last_name}"
    assert (scheduled.account, scheduled.account_kind) == ("5000-1111116", "bban")
    assert scheduled.decided_by == caseworker  # kept for the four-eyes check
    assert scheduled.created_by is None  # the system (monthly run)
    assert scheduled.due_date.weekday() < 5
    [event] = audit_events(scheduled)
    assert event.action == "create" and event.changes["amount_ore"]["new"] == decision.amount_ore


def test_scheduling_the_same_decision_again_returns_the_same_payment_and_writes_nothing(municipality, caseworker):
    decision = issued_decision(municipality, decided_by=caseworker)
    first = schedule_payment(decision)
    again = schedule_payment(decision)
    assert again.pk == first.pk
    assert Payment.objects.filter(decision=decision).count() == 1
    assert len(audit_events(first)) == 1


def test_the_database_refuses_a_second_payment_of_the_same_decision(municipality, caseworker):
    decision = issued_decision(municipality, decided_by=caseworker)
    payment(decision)
    with pytest.raises(IntegrityError), transaction.atomic():
        payment(decision)
    assert Payment.objects.filter(decision=decision).count() == 1


def test_a_concurrent_duplicate_insert_ends_in_the_existing_payment(municipality, caseworker, monkeypatch):
    """Two processes scheduling the same decision at once: the loser's INSERT fails on the one-to-one
    constraint and it returns the winner's payment."""
    decision = issued_decision(municipality, decided_by=caseworker)
    winner = payment(decision)
    real_filter = Payment.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args, **kwargs):
        calls["n"] += 1
        result = real_filter(*args, **kwargs)
        return result.none() if calls["n"] == 1 else result

    monkeypatch.setattr(Payment.objects, "filter", first_lookup_misses)
    assert schedule_payment(decision).pk == winner.pk


def test_a_decision_without_a_granted_amount_is_not_paid(municipality, caseworker):
    decision = issued_decision(municipality, decided_by=caseworker)
    decision.status = "draft"  # an unsaved copy: a draft is not paid
    with pytest.raises(PaymentError, match="inte fattat"):
        schedule_payment(decision)
    decision.status, decision.outcome, decision.amount_ore = "issued", "refused", 0
    with pytest.raises(PaymentError, match="inget belopp"):
        schedule_payment(decision)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("declared", [None, ("5000", "1111111")])  # missing, or a wrong check digit
def test_a_missing_or_wrong_declared_account_leaves_the_account_empty_and_blocks_approval(municipality, caseworker, approver, declared):
    decision = issued_decision(municipality, decided_by=caseworker, bank_account=declared)
    scheduled = schedule_payment(decision)
    assert (scheduled.account, scheduled.account_kind) == ("", "")
    with pytest.raises(PaymentError, match="saknar konto"):
        approve(scheduled, approver)


def test_scheduling_in_another_municipality_is_refused(municipality, caseworker):
    decision = issued_decision(municipality, decided_by=caseworker)
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        schedule_payment(decision, user=stranger)


# --- four eyes ---------------------------------------------------------------------------------------------------

def test_another_approver_approves_and_the_approval_is_audited(municipality, caseworker, approver):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    approved = approve(scheduled, approver)
    approved.refresh_from_db()
    assert approved.status == PaymentStatus.APPROVED
    assert approved.approved_by == approver and approved.approved_at is not None
    event = audit_events(approved)[-1]
    assert event.user == approver
    assert event.changes["status"] == {"old": "scheduled", "new": "approved"}


def test_the_person_who_decided_cannot_approve_the_payment(municipality):
    decider = user_with_role(Role.APPROVER, municipality)  # may approve in general, but decided this one
    scheduled = schedule_payment(issued_decision(municipality, decided_by=decider))
    with pytest.raises(FourEyesError) as info:
        approve(scheduled, decider)
    assert info.value.reasons == ["Du fattade beslutet och kan därför inte attestera utbetalningen."]
    scheduled.refresh_from_db()
    assert scheduled.status == PaymentStatus.SCHEDULED and scheduled.approved_by is None


def test_the_person_who_changed_the_payee_cannot_approve_the_payment(municipality, caseworker):
    changer = user_with_role(Role.APPROVER, municipality)
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    change_payee(scheduled, changer, Payee(PayeeKind.LANDLORD, "Bostadsbolaget AB", "6000-301286698"), "Hyran betalas direkt till hyresvärden")
    with pytest.raises(FourEyesError, match="ändrade mottagaren"):
        approve(scheduled, changer)
    other = user_with_role(Role.APPROVER, municipality)
    assert approve(scheduled, other).status == PaymentStatus.APPROVED


def test_the_person_who_set_up_the_payment_cannot_approve_it(municipality, caseworker):
    setter = user_with_role(Role.APPROVER, municipality)
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker), user=setter)
    with pytest.raises(FourEyesError, match="lade upp"):
        approve(scheduled, setter)


def test_the_database_itself_refuses_an_approval_by_the_decision_maker(municipality, caseworker):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    for field in ("decided_by", "payee_changed_by", "created_by"):
        Payment.objects.filter(pk=scheduled.pk).update(**{field: caseworker})
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.filter(pk=scheduled.pk).update(
                status=PaymentStatus.APPROVED, approved_by=caseworker, approved_at=scheduled.created_at
            )
        Payment.objects.filter(pk=scheduled.pk).update(**{field: None})


def test_an_approved_payment_needs_one_approver_in_the_database(municipality, caseworker, approver):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=scheduled.pk).update(status=PaymentStatus.APPROVED)  # nobody approved it


def test_a_case_worker_without_the_approval_permission_cannot_approve(municipality, caseworker):
    decider = user_with_role(Role.CASEWORKER, municipality)
    scheduled = schedule_payment(issued_decision(municipality, decided_by=decider))
    with pytest.raises(PermissionDenied, match="behörighet"):
        approve(scheduled, caseworker)


def test_an_approver_of_another_municipality_cannot_approve(municipality, caseworker):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    with pytest.raises(PermissionDenied):
        approve(scheduled, user_with_role(Role.APPROVER, MunicipalityFactory()))


def test_a_payment_is_approved_once(municipality, caseworker, approver):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    approve(scheduled, approver)
    with pytest.raises(PaymentError, match="väntar inte på attest"):
        approve(scheduled, user_with_role(Role.APPROVER, municipality))


# --- automated decisions follow the delegation --------------------------------------------------------------------

def test_a_payment_of_an_automated_decision_waits_for_a_person_by_default(municipality, approver):
    decision = issued_decision(municipality, automated=True)
    scheduled = schedule_payment(decision)
    assert scheduled.status == PaymentStatus.SCHEDULED and scheduled.decided_by is None
    assert approve(scheduled, approver).approved_by == approver


def test_a_delegation_that_approves_payments_approves_them_as_they_are_scheduled(municipality, monkeypatch):
    decision = issued_decision(municipality, automated=True)
    monkeypatch.setattr(services, "delegation_approves_payments", lambda delegation: delegation == decision.delegation)
    scheduled = schedule_payment(decision)
    assert scheduled.status == PaymentStatus.APPROVED
    assert scheduled.approved_by is None and scheduled.approved_by_delegation == decision.delegation
    assert scheduled.approved_at is not None


def test_the_delegation_approves_nothing_unless_it_says_so():
    class Delegation:
        approves_payments = False

    assert services.delegation_approves_payments(None) is False
    assert services.delegation_approves_payments(Delegation()) is False
    Delegation.approves_payments = True
    assert services.delegation_approves_payments(Delegation()) is True


def test_a_manual_decision_is_never_approved_by_a_delegation(municipality, caseworker, monkeypatch):
    monkeypatch.setattr(services, "delegation_approves_payments", lambda delegation: True)
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    assert scheduled.status == PaymentStatus.SCHEDULED


# --- payee and stopping ------------------------------------------------------------------------------------------

def test_changing_the_payee_to_the_landlord_sends_an_approved_payment_back_for_approval(municipality, caseworker, approver):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    approve(scheduled, approver)
    changed = change_payee(scheduled, caseworker, Payee(PayeeKind.LANDLORD, "Bostadsbolaget AB", "SE35 5000 0000 0549 1000 0003"),
                           "Hyran betalas direkt till hyresvärden")
    assert changed.status == PaymentStatus.SCHEDULED and changed.approved_by is None
    assert (changed.payee_kind, changed.payee_name) == (PayeeKind.LANDLORD, "Bostadsbolaget AB")
    assert (changed.account, changed.account_kind) == ("SE3550000000054910000003", "iban")
    assert changed.payee_changed_by == caseworker
    assert audit_events(changed)[-1].changes["payee_kind"] == {"old": "applicant", "new": "landlord"}


def test_a_wrong_account_is_refused_with_a_message_and_nothing_changes(municipality, caseworker):
    scheduled = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    with pytest.raises(PaymentError, match="kontrollsiffran"):
        change_payee(scheduled, caseworker, Payee(PayeeKind.LANDLORD, "Bostadsbolaget AB", "5000-1111111"), "Nytt konto")
    scheduled.refresh_from_db()
    assert scheduled.payee_kind == PayeeKind.APPLICANT and scheduled.payee_changed_by is None


def test_a_stopped_payment_cannot_be_approved_and_the_decision_cannot_be_paid_again(municipality, caseworker, approver):
    decision = issued_decision(municipality, decided_by=caseworker)
    scheduled = schedule_payment(decision)
    with pytest.raises(PaymentError, match="varför"):
        cancel(scheduled, caseworker, " ")
    stopped = cancel(scheduled, caseworker, "Hushållet har flyttat till en annan kommun.")
    assert stopped.status == PaymentStatus.CANCELLED and stopped.cancelled_by == caseworker
    with pytest.raises(PaymentError):
        approve(stopped, approver)
    assert schedule_payment(decision).pk == stopped.pk  # still the one payment of the decision


# --- issue 20: the delegation's daily limit --------------------------------------------------------------


def test_the_delegation_approves_payments_only_up_to_its_daily_limit_and_the_rest_waits_for_a_person(municipality):
    from bistand.payments.models import AutomatedApprovalBatch
    from bistand.payments.services import schedule_payments

    from .factories import delegation as make_delegation

    delegation_ = make_delegation(municipality, approves_payments=True)
    decisions = [issued_decision(municipality, automated=True, delegation_=delegation_) for _ in range(3)]
    amount = decisions[0].amount_ore
    assert all(d.amount_ore == amount for d in decisions)
    delegation_.payment_daily_limit_ore = 2 * amount
    delegation_.save()
    first = schedule_payment(decisions[0])
    rest = schedule_payments(decisions[1:])
    statuses = [first.status] + [p.status for p in rest]
    assert statuses == [PaymentStatus.APPROVED, PaymentStatus.APPROVED, PaymentStatus.SCHEDULED]
    batch = AutomatedApprovalBatch.objects.get(delegation=delegation_)
    assert (batch.approved_count, batch.approved_total_ore, batch.held_count, batch.held_total_ore) == (2, 2 * amount, 1, amount)
    assert batch.limit_ore == 2 * amount


def test_a_delegation_that_approves_payments_needs_a_daily_limit():
    from django.core.exceptions import ValidationError

    from bistand.decisions.models import Delegation

    with pytest.raises(ValidationError) as error:
        Delegation(approves_payments=True).clean()
    assert "payment_daily_limit_ore" in error.value.message_dict
