"""Writes of payments: schedule, change the payee, approve (four eyes), stop, and export to the bank.

Every write is one transaction with its audit event(s) (:mod:`bistand.audit.services`). Messages in the
exceptions are Swedish and meant for the person at the screen or the command line.

Four eyes (attest): a payment is approved by someone other than the person who decided the decision,
set up the payment or changed its payee. The service checks it and says why
(:func:`four_eyes_conflicts`); the database checks it again (constraints on ``Payment``). Payments of
automated decisions follow their delegation: when :func:`delegation_approves_payments` says so, the
delegation approves the payment as it is scheduled; otherwise a person approves it as any other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from bistand.audit.models import ChangeAction
from bistand.audit.services import record_change, record_create, snapshot
from bistand.bulkinsert import insert_many
from bistand.common.formatting import format_kronor, how_many
from bistand.common.months import format_month
from bistand.tenancy.scoping import check_can_act_in

from . import bankstatus, pain001
from .accounts import AccountError, parse_account, parse_bank_account, parse_iban
from .banking_days import next_banking_day
from .models import (
    REISSUABLE,
    DebtorAccount,
    OverpaymentClaim,
    PayeeKind,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentExport,
    PaymentStatus,
    parse_end_to_end_id,
)
from .signals import payments_exported

APPROVE_PERMISSION = "payments.approve_payment"
CHANGE_PERMISSION = "payments.change_payment"
EXPORT_PERMISSION = "payments.add_paymentexport"

#: Fields of a payment written to the audit trail.
AUDIT_FIELDS = [
    "municipality", "decision", "amount_ore", "payee_kind", "payee_name", "account", "account_kind", "status",
    "due_date", "created_by", "decided_by", "payee_changed_by", "approved_by", "approved_by_delegation",
    "approved_at", "export", "cancelled_by", "cancelled_at", "cancellation_reason", "attempt", "bank_status_at",
    "bank_reason",
]
EXPORT_AUDIT_FIELDS = ["municipality", "export_date", "message_id", "sha256", "payment_count", "total_ore", "created_by"]

PAYABLE_OUTCOMES = ("granted", "partly_refused")


class PaymentError(ValueError):
    """A payment cannot be written as asked (message in Swedish)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FourEyesError(PermissionDenied):
    """The user may not approve this payment: they decided it, set it up or changed its payee."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


class ExportError(ValueError):
    """No bank file could be made (message in Swedish). Nothing has been written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Payee:
    """Who is paid: the applicant, or the landlord when so decided, and to which account (an IBAN or
    clearing number and account number as text, or empty when not known yet)."""

    kind: str
    name: str
    account: str = ""


# --- helpers ---------------------------------------------------------------------------------------


def _normalised_account(text: str) -> tuple[str, str]:
    """(stored form, kind) of an account, or ("", "") for no account; raises PaymentError."""
    if not (text or "").strip():
        return "", ""
    try:
        account = parse_account(text)
    except AccountError as error:
        raise PaymentError(error.message) from None
    return account.normalised, account.kind


def declared_payee(application) -> Payee:
    """The applicant and the bank account they declared (empty when missing or not a valid account: a
    case worker then adds it, the application is not refused for it)."""
    applicant = application.applicant
    bank = (application.declaration or {}).get("bank_account") or {}
    account = ""
    if bank.get("clearing") and bank.get("account"):
        try:
            account = parse_bank_account(str(bank["clearing"]), str(bank["account"])).normalised
        except AccountError:
            account = ""
    return Payee(PayeeKind.APPLICANT, f"{applicant.first_name} {applicant.last_name}".strip(), account)


def delegation_approves_payments(delegation) -> bool:
    """Whether the delegation of an automated decision also approves its payment (no person needed),
    within its daily limit (see :func:`_approve_by_delegation`).

    Read from ``Delegation.approves_payments`` when the decisions app has that setting; without it a
    person approves every payment (the safe default)."""
    return bool(delegation is not None and getattr(delegation, "approves_payments", False))


def default_due_date(today: dt.date | None = None) -> dt.date:
    """``today`` when it is a banking day, otherwise the next one (bistand.payments.banking_days)."""
    return next_banking_day(today or timezone.localdate())


def four_eyes_conflicts(payment: Payment, user) -> list[str]:
    """Why ``user`` may not approve ``payment`` (empty when they may, as far as four eyes go)."""
    reasons = []
    if user is None:
        return ["Systemet kan inte attestera utbetalningar."]
    if payment.decided_by_id == user.pk:
        reasons.append("Du fattade beslutet och kan därför inte attestera utbetalningen.")
    if payment.created_by_id == user.pk:
        reasons.append("Du lade upp utbetalningen och kan därför inte attestera den.")
    if payment.payee_changed_by_id == user.pk:
        reasons.append("Du ändrade mottagaren och kan därför inte attestera utbetalningen.")
    return reasons


def _audit_update(user, payment: Payment, before: dict) -> None:
    record_change(
        user=user,
        action=ChangeAction.UPDATE,
        instance=payment,
        municipality_id=payment.municipality_id,
        changes={k: {"old": before.get(k), "new": v} for k, v in snapshot(payment, AUDIT_FIELDS).items() if before.get(k) != v},
    )


def _locked(payment: Payment) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).select_related("decision").get(pk=payment.pk)


# --- what is paid for a household and month (omprövning, FL 37–39 §§) ----------------------------------------

#: Statuses of a payment whose money is paid or on its way: counted against the latest decision.
COMMITTED = (PaymentStatus.SCHEDULED, PaymentStatus.APPROVED, PaymentStatus.EXPORTED, PaymentStatus.EXECUTED)
#: Statuses of a payment that is in a bank file the bank did not reject: paid.
PAID = (PaymentStatus.EXPORTED, PaymentStatus.EXECUTED)


def _is_reconsidered(decision) -> bool:
    from bistand.decisions.models import Decision, DecisionStatus

    return Decision.objects.filter(reconsiders_id=decision.pk, status=DecisionStatus.ISSUED).exists()


def month_payments(household_id: int, month: dt.date):
    """Every payment of a household and month (of any decision of it)."""
    return Payment.objects.filter(decision__household_id=household_id, decision__month=month)


def _lock_month(household_id: int) -> None:
    """Lock the household's row, so that two writes of the same household's payments (a schedule and an
    omprövning at the same moment) take turns."""
    from bistand.people.models import Household

    list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk", flat=True))


def amounts_left(decisions) -> dict[int, int]:
    """Decision id → what is left to pay of it: what it grants less what the household's other payments
    for the month have paid or are about to pay (one query for all)."""
    decisions = list(decisions)
    if not decisions:
        return {}
    committed: dict[tuple[int, dt.date], list[tuple[int, int]]] = defaultdict(list)
    rows = (Payment.objects.filter(decision__household_id__in={d.household_id for d in decisions},
                                   decision__month__in={d.month for d in decisions}, status__in=COMMITTED)
            .values_list("decision__household_id", "decision__month", "decision_id", "amount_ore"))
    for household_id, month, decision_id, amount in rows:
        committed[(household_id, month)].append((decision_id, amount))
    return {d.pk: d.amount_ore - sum(a for pk, a in committed[(d.household_id, d.month)] if pk != d.pk)
            for d in decisions}


def amount_left(decision) -> int:
    return amounts_left([decision])[decision.pk]


@transaction.atomic
def settle_reconsideration(old_decision, new_decision, user) -> OverpaymentClaim | None:
    """What an omprövning does to the money of the household's month (called by
    ``decisions.services.reconsider`` in its transaction):

    * payments of earlier decisions not yet sent to the bank are stopped (the new decision's payment,
      of what is left, replaces them);
    * payments already sent stand, and the new decision pays only the difference
      (:func:`amount_left`);
    * when more was sent than the new decision grants, the overpayment is recorded as an
      :class:`OverpaymentClaim` for a case worker to try (återkrav, SoL 33 kap.) — never decided here.

    Idempotent: stopped payments stay stopped, and the claim is made once per decision."""
    reason = (f"Beslutet har omprövats: beslut {new_decision.pk} ersätter beslut {old_decision.pk}. Det nya "
              "beslutet betalas ut med det som inte redan har betalats ut.")
    _lock_month(new_decision.household_id)
    waiting = (month_payments(new_decision.household_id, new_decision.month)
               .exclude(decision_id=new_decision.pk)
               .filter(status__in=(PaymentStatus.SCHEDULED, PaymentStatus.APPROVED))
               .select_for_update(of=("self",)))
    for payment in waiting:
        before = snapshot(payment, AUDIT_FIELDS)
        payment.status = PaymentStatus.CANCELLED
        payment.cancelled_by = user
        payment.cancelled_at = timezone.now()
        payment.cancellation_reason = reason
        payment.save()
        _audit_update(user, payment, before)
        _event(payment, PaymentEventKind.CANCELLED, user=user, reason=reason, at=payment.cancelled_at)
    paid = sum(month_payments(new_decision.household_id, new_decision.month)
               .exclude(decision_id=new_decision.pk).filter(status__in=PAID).values_list("amount_ore", flat=True))
    if paid <= new_decision.amount_ore:
        return None
    claim, created = OverpaymentClaim.objects.get_or_create(
        decision=new_decision,
        defaults={"municipality_id": new_decision.municipality_id, "household_id": new_decision.household_id,
                  "month": new_decision.month, "paid_ore": paid, "granted_ore": new_decision.amount_ore,
                  "amount_ore": paid - new_decision.amount_ore},
    )
    if created:
        record_create(user=user, instance=claim, municipality_id=claim.municipality_id,
                      fields=["household", "month", "decision", "paid_ore", "granted_ore", "amount_ore", "status"])
    return claim


# --- schedule, change, approve, cancel -------------------------------------------------------------------


@transaction.atomic
def schedule_payment(decision, *, user=None, payee: Payee | None = None, due_date: dt.date | None = None) -> Payment:
    """The payment of an issued, granted decision: made once, then returned again (idempotent, also when
    two processes schedule the same decision at the same moment: the database keeps one).

    ``payee`` defaults to the applicant and the account declared in the application; ``due_date`` to the
    next weekday. ``user`` is the person scheduling it, or None for the system (the monthly run). When
    the decision was made automatically and its delegation approves payments, the payment is approved
    by the delegation at once."""
    existing = Payment.objects.filter(decision_id=decision.pk).first()
    if existing is not None:
        return existing
    check_can_act_in(user, decision.municipality_id)
    _lock_month(decision.household_id)
    now = timezone.now()
    payment = _new_payment(decision, user=user, payee=payee, due_date=due_date, now=now)
    try:
        with transaction.atomic():
            _approve_by_delegation([payment], now)
            payment.save()
    except IntegrityError:
        # The same decision was scheduled at the same moment elsewhere: that payment stands.
        return Payment.objects.get(decision_id=decision.pk)
    record_create(user=user, instance=payment, municipality_id=payment.municipality_id, fields=AUDIT_FIELDS)
    return payment


def _new_payment(decision, *, user, payee: Payee | None, due_date: dt.date | None, now: dt.datetime,
                 amount_ore: int | None = None) -> Payment:
    """The unsaved payment of ``decision`` (see :func:`schedule_payment`; the one place where a payment
    is put together): of what the decision grants less what is already paid or on its way for the
    household and month (:func:`amount_left`; ``amount_ore`` when the caller worked it out)."""
    if not decision.is_issued:
        raise PaymentError("Beslutet är inte fattat än. Utbetalningen läggs upp när beslutet är fattat.")
    if amount_ore is None and _is_reconsidered(decision):
        raise PaymentError(f"Beslut {decision.pk} har omprövats. Betala ut enligt det senaste beslutet.")
    if decision.outcome not in PAYABLE_OUTCOMES or decision.amount_ore <= 0:
        raise PaymentError("Beslutet beviljar inget belopp, så det finns inget att betala ut.")
    if amount_ore is None:
        amount_ore = amount_left(decision)
    if amount_ore <= 0:
        raise PaymentError(f"Beloppet för {format_month(decision.month)} har redan betalats ut enligt tidigare beslut, "
                           "så det finns inget mer att betala ut.")
    payee = payee or declared_payee(decision.application)
    account, account_kind = _normalised_account(payee.account)
    payment = Payment(
        municipality_id=decision.municipality_id,
        decision=decision,
        amount_ore=amount_ore,
        payee_kind=payee.kind,
        payee_name=pain001.clean_text(payee.name, 140),
        account=account,
        account_kind=account_kind,
        due_date=next_banking_day(due_date) if due_date else default_due_date(),
        created_by=user,
        decided_by_id=decision.decided_by_id,
        created_at=now,
    )
    return payment


def _approve_by_delegation(payments: list[Payment], now: dt.datetime) -> None:
    """Let the delegation of each automated decision approve its payment, as long as the day's total of
    that delegation stays within its limit (``Delegation.payment_daily_limit_ore``); payments above it
    wait for a person. Each delegation's day is one AutomatedApprovalBatch row (locked while counted),
    which the manager's list shows. Call inside the transaction that saves the payments."""
    from .models import AutomatedApprovalBatch

    day = timezone.localdate(now)
    candidates: dict[int, list[Payment]] = defaultdict(list)
    for payment in payments:
        decision = payment.decision
        if decision.automated and payment.account and delegation_approves_payments(decision.delegation):
            candidates[decision.delegation_id].append(payment)
    for delegation_id, chosen in candidates.items():
        delegation = chosen[0].decision.delegation
        limit = delegation.payment_daily_limit_ore
        AutomatedApprovalBatch.objects.get_or_create(
            delegation_id=delegation_id, day=day,
            defaults={"municipality_id": delegation.municipality_id, "limit_ore": limit},
        )
        batch = AutomatedApprovalBatch.objects.select_for_update().get(delegation_id=delegation_id, day=day)
        batch.limit_ore = limit
        for payment in chosen:
            if limit is None or batch.approved_total_ore + payment.amount_ore <= limit:
                payment.status = PaymentStatus.APPROVED
                payment.approved_by_delegation_id = delegation_id
                payment.approved_at = now
                batch.approved_count += 1
                batch.approved_total_ore += payment.amount_ore
            else:
                batch.held_count += 1
                batch.held_total_ore += payment.amount_ore
        batch.save()


def schedule_payments(decisions, *, user=None, due_date: dt.date | None = None) -> list[Payment]:
    """:func:`schedule_payment` for many decisions at once (the monthly run): the payments of those
    not yet scheduled, inserted with their audit events in one INSERT each; decisions that already have
    a payment are left out. Call it inside a transaction: a payment of the same decision made at the
    same moment elsewhere makes the INSERT fail (IntegrityError; the database allows one payment per
    decision) and the transaction roll back. Returns the new payments."""
    decisions = list(decisions)
    if not decisions:
        return []
    for municipality_id in {d.municipality_id for d in decisions}:
        check_can_act_in(user, municipality_id)
    ids = [d.pk for d in decisions]
    paid = set()
    for start in range(0, len(ids), 5000):
        paid.update(Payment.objects.filter(decision_id__in=ids[start:start + 5000]).values_list("decision_id", flat=True))
    now = timezone.now()
    from bistand.decisions.models import Decision, DecisionStatus

    reconsidered = set()
    for start in range(0, len(ids), 5000):
        reconsidered.update(Decision.objects.filter(reconsiders_id__in=ids[start:start + 5000], status=DecisionStatus.ISSUED)
                            .values_list("reconsiders_id", flat=True))
    decisions = [d for d in decisions if d.pk not in paid and d.pk not in reconsidered]
    left = amounts_left(decisions)
    payments = [_new_payment(d, user=user, payee=None, due_date=due_date, now=now, amount_ore=left[d.pk])
                for d in decisions if left[d.pk] > 0]
    _approve_by_delegation(payments, now)
    insert_many(payments)
    from bistand.audit.services import record_create_many

    record_create_many(user=user, instances=payments, fields=AUDIT_FIELDS)
    return payments


def _event(payment: Payment, kind: str, *, user, reason: str = "", at=None, export_id=None) -> PaymentEvent:
    return PaymentEvent.objects.create(payment=payment, kind=kind, by=user, reason=reason, attempt=payment.attempt,
                                       account=payment.account, export_id=export_id, at=at or timezone.now())


def _required_reason(reason: str, message: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise PaymentError(message)
    return text[:1000]


@transaction.atomic
def change_payee(payment: Payment, user, payee: Payee, reason: str = "") -> Payment:
    """Change who is paid and to which account (e.g. to the landlord, when so decided, or a corrected
    account), with the reason: audited, and told to the applicant in "Mitt ärende". An approved
    payment goes back to waiting for approval, and the person who changed it cannot approve it. A
    payment the bank rejected or that was stopped is changed and issued again with :func:`reissue`."""
    check_can_act_in(user, payment.municipality_id)
    if user is None or not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("Du har inte behörighet att ändra utbetalningar.")
    reason = _required_reason(reason, "Skriv varför mottagaren eller kontot ändras.")
    payment = _locked(payment)
    if payment.status not in (PaymentStatus.SCHEDULED, PaymentStatus.APPROVED):
        raise PaymentError(f"Utbetalningen är {payment.get_status_display().lower()} och kan inte ändras.")
    if payee.kind not in PayeeKind.values:
        raise PaymentError("Välj vem som ska få pengarna.")
    name = pain001.clean_text(payee.name, 140)
    if not name:
        raise PaymentError("Skriv mottagarens namn.")
    account, account_kind = _normalised_account(payee.account)
    before = snapshot(payment, AUDIT_FIELDS)
    payment.payee_kind, payment.payee_name, payment.account, payment.account_kind = payee.kind, name, account, account_kind
    payment.payee_changed_by = user
    payment.payee_changed_at = timezone.now()
    payment.status = PaymentStatus.SCHEDULED
    payment.approved_by = None
    payment.approved_by_delegation = None
    payment.approved_at = None
    payment.save()
    _audit_update(user, payment, before)
    _event(payment, PaymentEventKind.PAYEE_CHANGED, user=user, reason=reason, at=payment.payee_changed_at)
    return payment


@transaction.atomic
def reissue(payment: Payment, user, reason: str, payee: Payee | None = None) -> Payment:
    """Issue again a payment that was stopped or that the bank rejected, to the same or a corrected
    payee and account: it waits for approval again as a new attempt (a new EndToEndId in the next bank
    file; the old file is left as it was). The decision still has one payment (the same row); the
    history is in the payment's events and the audit trail. Calling it again on a payment already
    issued again does nothing (idempotent)."""
    check_can_act_in(user, payment.municipality_id)
    if user is None or not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("Du har inte behörighet att lägga upp utbetalningar igen.")
    reason = _required_reason(reason, "Skriv varför utbetalningen läggs upp igen.")
    payment = _locked(payment)
    if payment.status in REISSUABLE and _is_reconsidered(payment.decision):
        raise PaymentError(f"Beslut {payment.decision_id} har omprövats. Betala ut enligt det senaste beslutet.")
    if payment.status not in REISSUABLE:
        if payment.status in (PaymentStatus.SCHEDULED, PaymentStatus.APPROVED):
            return payment
        raise PaymentError(f"Utbetalningen är {payment.get_status_display().lower()} och kan inte läggas upp igen.")
    before = snapshot(payment, AUDIT_FIELDS)
    if payee is not None:
        if payee.kind not in PayeeKind.values:
            raise PaymentError("Välj vem som ska få pengarna.")
        name = pain001.clean_text(payee.name, 140)
        if not name:
            raise PaymentError("Skriv mottagarens namn.")
        account, account_kind = _normalised_account(payee.account)
        if (payee.kind, name, account) != (payment.payee_kind, payment.payee_name, payment.account):
            payment.payee_kind, payment.payee_name, payment.account, payment.account_kind = payee.kind, name, account, account_kind
            payment.payee_changed_by = user
            payment.payee_changed_at = timezone.now()
    previous_export = payment.export_id
    payment.status = PaymentStatus.SCHEDULED
    payment.attempt += 1
    payment.export = None
    payment.approved_by = payment.approved_by_delegation = payment.approved_at = None
    payment.cancelled_by = payment.cancelled_at = None
    payment.cancellation_reason = ""
    payment.bank_status_at = None
    payment.bank_reason = ""
    payment.created_by = user
    payment.due_date = max(payment.due_date, default_due_date())
    payment.save()
    _audit_update(user, payment, before)
    _event(payment, PaymentEventKind.REISSUED, user=user, reason=reason, export_id=previous_export)
    return payment


@transaction.atomic
def approve(payment: Payment, user) -> Payment:
    """Approve (attestera) a payment that waits for approval.

    Raises PermissionDenied without the permission or outside the user's municipality, FourEyesError
    when the user decided the decision, set up the payment or changed the payee, and PaymentError when
    the payment is not waiting for approval or has no account."""
    check_can_act_in(user, payment.municipality_id)
    if user is None or not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("Du har inte behörighet att attestera utbetalningar.")
    payment = _locked(payment)
    if payment.status != PaymentStatus.SCHEDULED:
        raise PaymentError(f"Utbetalningen väntar inte på attest (den är {payment.get_status_display().lower()}).")
    if _is_reconsidered(payment.decision):
        raise PaymentError(f"Beslut {payment.decision_id} har omprövats. Betala ut enligt det senaste beslutet.")
    conflicts = four_eyes_conflicts(payment, user)
    if conflicts:
        raise FourEyesError(conflicts)
    if not payment.account:
        raise PaymentError("Utbetalningen saknar konto. Lägg till mottagarens konto innan den attesteras.")
    before = snapshot(payment, AUDIT_FIELDS)
    payment.status = PaymentStatus.APPROVED
    payment.approved_by = user
    payment.approved_at = timezone.now()
    payment.save()
    _audit_update(user, payment, before)
    return payment


@transaction.atomic
def cancel(payment: Payment, user, reason: str) -> Payment:
    """Stop a payment that has not been sent to the bank. The decision cannot be paid again (one payment
    per decision): a new payment needs a new decision (omprövning)."""
    check_can_act_in(user, payment.municipality_id)
    if user is None or not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("Du har inte behörighet att stoppa utbetalningar.")
    if not (reason or "").strip():
        raise PaymentError("Skriv varför utbetalningen stoppas.")
    payment = _locked(payment)
    if payment.status not in (PaymentStatus.SCHEDULED, PaymentStatus.APPROVED):
        raise PaymentError(f"Utbetalningen är {payment.get_status_display().lower()} och kan inte stoppas.")
    before = snapshot(payment, AUDIT_FIELDS)
    payment.status = PaymentStatus.CANCELLED
    payment.cancelled_by = user
    payment.cancelled_at = timezone.now()
    payment.cancellation_reason = reason.strip()
    payment.save()
    _audit_update(user, payment, before)
    _event(payment, PaymentEventKind.CANCELLED, user=user, reason=payment.cancellation_reason, at=payment.cancelled_at)
    return payment


@transaction.atomic
def approve_many(payment_ids: Iterable[int], user, *, expected_count: int, expected_total_ore: int) -> list[Payment]:
    """Approve the chosen payments at once (the approver's checklist). The count and total the approver
    confirmed must be those of the payments as they are now (so nothing changed in between); then all
    are approved, or none (one transaction). Raises PaymentError or FourEyesError naming the payment."""
    ids = sorted({int(pk) for pk in payment_ids})
    if not ids:
        raise PaymentError("Kryssa i de utbetalningar som du vill attestera.")
    payments = list(Payment.objects.filter(pk__in=ids).select_related("decision").order_by("due_date", "pk"))
    if len(payments) != len(ids):
        raise PaymentError("Någon av utbetalningarna finns inte längre. Ladda om sidan och försök igen.")
    total = sum(p.amount_ore for p in payments)
    if (len(payments), total) != (expected_count, expected_total_ore):
        raise PaymentError(
            f"Du bekräftade {expected_count} utbetalningar på {format_kronor(expected_total_ore)}, men de valda är "
            f"{len(payments)} på {format_kronor(total)}. Kontrollera valet och bekräfta igen."
        )
    return [approve(payment, user) for payment in payments]


# --- export to the bank ------------------------------------------------------------------------------------


def message_id_for(municipality, export_date: dt.date) -> str:
    return f"BISTAND-{municipality.code}-{export_date:%Y%m%d}"


def remittance_for(payment: Payment) -> str:
    """The message to the payee: what the money is for and which decision (at most 140 characters)."""
    return f"Försörjningsstöd {format_month(payment.decision.month)}, beslut {payment.decision_id}"


def debtor_for(municipality) -> pain001.Debtor:
    try:
        account = DebtorAccount.objects.get(municipality=municipality)
    except DebtorAccount.DoesNotExist:
        raise ExportError(
            f"{municipality.name} har inget bankkonto för utbetalningar. En administratör lägger in det under "
            "Administration → Kommunens bankkonto för utbetalningar."
        ) from None
    try:
        iban = parse_iban(account.iban)
    except AccountError as error:
        raise ExportError(f"Kommunens bankkonto är fel: {error.message}") from None
    return pain001.Debtor(account.name, iban, account.bic, account.initiating_party_id)


def payments_waiting_for_export(municipality):
    return Payment.objects.filter(municipality=municipality, status=PaymentStatus.APPROVED, export__isnull=True)


def _batches(payments: Iterable[Payment], export_date: dt.date, message_id: str) -> list[pain001.Batch]:
    """One batch per execution date: the due date, or the export date for payments already due — moved
    to the next banking day when that is a weekend or a bank holiday."""
    by_date: dict[dt.date, list[pain001.Transfer]] = defaultdict(list)
    for payment in payments:
        account = payment.parsed_account()
        by_date[next_banking_day(max(payment.due_date, export_date))].append(
            pain001.Transfer(payment.end_to_end_id, payment.amount_ore, payment.payee_name, account, remittance_for(payment))
        )
    return [pain001.Batch(f"{message_id}-{day:%Y%m%d}", day, transfers) for day, transfers in sorted(by_date.items())]


def export_payments(municipality, export_date: dt.date, *, user=None, now: dt.datetime | None = None) -> PaymentExport:
    """The bank file (pain.001.001.09) of ``municipality`` for ``export_date``.

    * The first call for a date puts every approved payment that has not been exported yet into a new
      file, marks the payments exported and writes their assistance-month facts — all in one
      transaction: on any error nothing is written.
    * Later calls for the same date return the same export (the same bytes); payments approved since
      wait for the next date's file. A payment is never put into a second file.

    The returned export has ``created_now`` (True when this call made it). Raises ExportError when
    there is nothing to export or the municipality has no bank account."""
    check_can_act_in(user, municipality.pk)
    existing = PaymentExport.objects.filter(municipality=municipality, export_date=export_date).first()
    if existing is not None:
        existing.created_now = False
        return existing
    debtor = debtor_for(municipality)
    message_id = message_id_for(municipality, export_date)
    created_at = timezone.localtime(now or timezone.now())
    with transaction.atomic():
        payments = list(
            payments_waiting_for_export(municipality)
            .select_for_update(of=("self",))
            .select_related("decision", "decision__application")
            .order_by("due_date", "pk")
        )
        if not payments:
            raise ExportError(f"Det finns inga attesterade utbetalningar i {municipality.name} som inte redan har skickats till banken.")
        try:
            content = pain001.build_document(
                message_id=message_id, created_at=created_at, debtor=debtor, batches=_batches(payments, export_date, message_id)
            )
        except (pain001.Pain001Error, AccountError) as error:
            raise ExportError(f"Betalfilen kunde inte skapas: {error}") from None
        export = PaymentExport(
            municipality=municipality,
            export_date=export_date,
            message_id=message_id,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            payment_count=len(payments),
            total_ore=sum(p.amount_ore for p in payments),
            created_by=user,
            created_at=created_at,
        )
        try:
            with transaction.atomic():
                export.save()
        except IntegrityError:
            # Another process exported the same date at the same moment: that file stands.
            other = PaymentExport.objects.get(municipality=municipality, export_date=export_date)
            other.created_now = False
            return other
        ids = [p.pk for p in payments]
        marked = Payment.objects.filter(pk__in=ids, status=PaymentStatus.APPROVED, export__isnull=True).update(
            status=PaymentStatus.EXPORTED, export=export, updated_at=timezone.now()
        )
        if marked != len(ids):
            raise ExportError("Utbetalningarna ändrades medan filen skapades. Försök igen.")
        record_create(user=user, instance=export, municipality_id=municipality.pk, fields=EXPORT_AUDIT_FIELDS)
        for payment in payments:
            record_change(
                user=user,
                action=ChangeAction.UPDATE,
                instance=payment,
                municipality_id=payment.municipality_id,
                changes={"status": {"old": PaymentStatus.APPROVED, "new": PaymentStatus.EXPORTED},
                         "export": {"old": None, "new": export.pk}},
            )
        payments_exported.send(sender=PaymentExport, payments=payments)
    export.created_now = True
    return export


# --- the bank's answer --------------------------------------------------------------------------------------


@dataclass
class BankStatusResult:
    """What an imported status file did: payments marked executed and rejected, lines that were already
    applied (the same file again), and lines about payments that are not ours or not the user's."""

    kind: str
    executed: list = None
    rejected: list = None
    unchanged: int = 0
    unknown: list = None

    def __post_init__(self):
        self.executed, self.rejected, self.unknown = self.executed or [], self.rejected or [], self.unknown or []

    @property
    def summary(self) -> str:
        parts = [how_many(len(self.executed), "utbetald", "utbetalda"), how_many(len(self.rejected), "avvisad", "avvisade")]
        if self.unchanged:
            parts.append(how_many(self.unchanged, "redan inläst", "redan inlästa"))
        if self.unknown:
            parts.append(how_many(len(self.unknown), "okänd", "okända"))
        return f"Bankens fil ({self.kind}) är inläst: " + ", ".join(parts) + "."


def _payments_of_line(line: bankstatus.StatusLine, municipality_ids) -> list[tuple[Payment | None, str]]:
    """(payment or None, id as written in the file) for one status line."""
    if line.end_to_end_id:
        parsed = parse_end_to_end_id(line.end_to_end_id)
        payment = None if parsed is None else (
            Payment.objects.select_for_update(of=("self",)).filter(pk=parsed[0], municipality_id__in=municipality_ids).first()
        )
        if payment is not None and payment.attempt != parsed[1]:
            return [(None, f"{line.end_to_end_id} (ett tidigare försök)")]
        return [(payment, line.end_to_end_id)]
    export = PaymentExport.objects.filter(message_id=line.message_id, municipality_id__in=municipality_ids).first()
    if export is None:
        return [(None, line.payment_information_id or line.message_id)]
    payments = list(Payment.objects.select_for_update(of=("self",)).filter(export=export).order_by("pk"))
    if line.payment_information_id:
        payments = [p for p in payments
                    if f"{export.message_id}-{next_banking_day(max(p.due_date, export.export_date)):%Y%m%d}"
                    == line.payment_information_id]
    return [(p, p.end_to_end_id) for p in payments]


def import_bank_status(content: bytes, *, user=None, municipality_ids=None) -> BankStatusResult:
    """Apply the bank's status report (pain.002) or debit notification (camt.054) to the payments in it:
    each becomes executed or rejected (with the bank's reason, shown on the approver's list); lines
    still on their way are left. Idempotent: a payment already executed or rejected keeps its status and
    a line about it counts as unchanged; so the same file can be read again. One transaction.

    ``user`` is the person who uploads the file (its municipality's payments only), or None for the
    command line (``municipality_ids`` limits it; None is every municipality). Raises
    bankstatus.BankStatusError for a file that is not a status file."""
    report = bankstatus.read(content)
    if user is not None:
        from bistand.tenancy.scoping import scoped

        allowed = set(scoped(Payment.objects.all(), user).values_list("municipality_id", flat=True).distinct())
    elif municipality_ids is not None:
        allowed = set(municipality_ids)
    else:
        allowed = set(Payment.objects.values_list("municipality_id", flat=True).distinct())
    result = BankStatusResult(report.kind)
    now = timezone.now()
    with transaction.atomic():
        for line in report.lines:
            for payment, written in _payments_of_line(line, allowed):
                if payment is None:
                    result.unknown.append(written)
                    continue
                target = PaymentStatus.EXECUTED if line.outcome == bankstatus.Outcome.EXECUTED else PaymentStatus.REJECTED
                if payment.status in (PaymentStatus.EXECUTED, PaymentStatus.REJECTED):
                    # Already answered: the same file again, or a pain.002 and a camt.054 of the same payment.
                    result.unchanged += 1
                    continue
                if payment.status != PaymentStatus.EXPORTED:
                    result.unknown.append(f"{written} ({payment.get_status_display().lower()})")
                    continue
                before = snapshot(payment, AUDIT_FIELDS)
                payment.status = target
                payment.bank_status_at = now
                payment.bank_reason = line.reason if target == PaymentStatus.REJECTED else ""
                payment.save(update_fields=["status", "bank_status_at", "bank_reason", "updated_at"])
                _audit_update(user, payment, before)
                kind = PaymentEventKind.EXECUTED if target == PaymentStatus.EXECUTED else PaymentEventKind.REJECTED
                _event(payment, kind, user=user, reason=payment.bank_reason, at=now, export_id=payment.export_id)
                (result.executed if target == PaymentStatus.EXECUTED else result.rejected).append(payment)
    return result


__all__ = [
    "BankStatusResult",
    "ExportError",
    "FourEyesError",
    "Payee",
    "PaymentError",
    "approve",
    "approve_many",
    "cancel",
    "import_bank_status",
    "reissue",
    "change_payee",
    "declared_payee",
    "default_due_date",
    "delegation_approves_payments",
    "export_payments",
    "four_eyes_conflicts",
    "schedule_payment",
    "schedule_payments",
    "settle_reconsideration",
    "amount_left",
]
