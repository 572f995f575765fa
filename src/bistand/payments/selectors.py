"""Reads of payments and bank files, scoped to the user's municipality (bistand.tenancy.scoping).

List selectors return querysets with everything a page shows joined in, so that a page runs the same
number of queries whatever the number of rows."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.applications.events import CaseEvent
from bistand.decisions.models import Decision, DecisionStatus, Outcome
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .banking_days import next_banking_day
from .models import PayeeKind, Payment, PaymentEventKind, PaymentExport, PaymentStatus

_PAYMENT_RELATED = (
    "decision",
    "decision__application__applicant",
    "decision__application__co_applicant",
    "decided_by",
    "created_by",
    "payee_changed_by",
)


logger = logging.getLogger("bistand.payments")


def payments_for(user) -> QuerySet[Payment]:
    return scoped(Payment.objects.all(), user)


def payments_awaiting_approval(user) -> QuerySet[Payment]:
    """Payments of the user's municipality that wait for approval, by due date."""
    return (
        payments_for(user)
        .filter(status=PaymentStatus.SCHEDULED)
        .select_related(*_PAYMENT_RELATED)
        .order_by("due_date", "pk")
    )


def payments_rejected_by_bank(user) -> QuerySet[Payment]:
    """Payments the bank rejected and that wait for a case worker or approver to correct and issue
    them again, oldest answer first."""
    return (
        payments_for(user)
        .filter(status=PaymentStatus.REJECTED)
        .select_related(*_PAYMENT_RELATED)
        .order_by("bank_status_at", "pk")
    )


def unexecuted_decisions(user) -> QuerySet[Payment]:
    """Favourable decisions whose payment was stopped or rejected by the bank and not issued again
    (ej verkställda beslut), through their payments, oldest first."""
    return (
        payments_for(user)
        .filter(status__in=[PaymentStatus.CANCELLED, PaymentStatus.REJECTED])
        .select_related(*_PAYMENT_RELATED, "cancelled_by")
        .order_by("decision__month", "pk")
    )


def automated_approval_batches(user) -> QuerySet:
    """Each day's automatic approvals of payments by a delegation, with what was left for a person
    because of the daily limit, newest first (for the manager)."""
    from .models import AutomatedApprovalBatch

    return scoped(AutomatedApprovalBatch.objects.select_related("delegation"), user).order_by("-day", "pk")


def payment_history(payment: Payment) -> list:
    return list(payment.events.select_related("by", "export").order_by("at", "pk"))


def payment_for(user, pk: int) -> Payment:
    """One payment the user may see, or 404."""
    return get_scoped_or_404(Payment.objects.select_related(*_PAYMENT_RELATED), user, pk=pk)


def approved_waiting_for_export(user) -> dict:
    """``{"count": …, "total_ore": …}`` of approved payments not yet in a bank file."""
    totals = payments_for(user).filter(status=PaymentStatus.APPROVED, export__isnull=True).aggregate(
        count=Count("pk"), total_ore=Sum("amount_ore")
    )
    return {"count": totals["count"] or 0, "total_ore": totals["total_ore"] or 0}


def exports_for(user) -> QuerySet[PaymentExport]:
    """The user's municipality's bank files, newest first (without the file contents)."""
    return scoped(PaymentExport.objects.defer("content"), user).select_related("created_by").order_by("-export_date", "-pk")


def next_export_date(user, today: dt.date | None = None) -> dt.date:
    """The day the next bank file can be made for: today, or when today's file is made already (one file
    per municipality and day), the first banking day after the latest file, so that payments approved
    since (a re-issued one) reach the bank from the page."""
    today = today or timezone.localdate()
    dates = set(exports_for(user).filter(export_date__gte=today).values_list("export_date", flat=True))
    day = today
    while day in dates:
        day = next_banking_day(day + dt.timedelta(days=1))
    return day


def export_for(user, pk: int) -> PaymentExport:
    return get_scoped_or_404(PaymentExport.objects.all(), user, pk=pk)


class ExportChecksumError(Exception):
    """A stored bank file no longer matches the SHA-256 recorded when it was made."""


class ExportRemovedError(ExportChecksumError):
    """The bank file's content was removed by gallring (bistand.retention)."""


def verified_content(export: PaymentExport) -> bytes:
    """The bank file's bytes, after checking them against the SHA-256 stored when it was made. A file
    that does not match is never handed out (ExportChecksumError); a file removed by gallring has no
    bytes left (ExportRemovedError)."""
    if export.removed_at is not None:
        raise ExportRemovedError(
            f"Betalfilen {export.filename} är gallrad {export.removed_at:%Y-%m-%d}: tiden i kommunens gallringsplan "
            "har gått ut, och filen finns inte längre."
        )
    content = bytes(export.content)
    if hashlib.sha256(content).hexdigest() != export.sha256:
        logger.error("payment export %s does not match its stored sha256", export.pk)
        raise ExportChecksumError(
            f"Betalfilen {export.filename} stämmer inte med kontrollsumman som sparades när den skapades och "
            "lämnas inte ut. Kontakta systemförvaltningen: filen kan ha ändrats i databasen."
        )
    return content


def persons_in_export(export: PaymentExport) -> list:
    """The applicants (and co-applicants) whose payments are in the file, for the access log."""
    persons = []
    for payment in export.payments.select_related("decision__application__applicant", "decision__application__co_applicant"):
        application = payment.decision.application
        persons.append(application.applicant)
        if application.co_applicant_id:
            persons.append(application.co_applicant)
    return persons


# --- events for "Mitt ärende" ----------------------------------------------------------------------------


def events_for_application(application) -> list:
    """The application's payments as events (bistand.applications.events.CaseEvent): "Skickad till
    banken" while the bank has not answered, "Utbetalt" only when the bank has executed the payment,
    "Banken kunde inte betala ut" when it rejected it (also for an earlier attempt, once issued again);
    and each change of payee or account, each stop and each re-issue, with the case worker's reason. A
    payment is shown by its payment date."""
    return events_for_applications([application])[application.pk]


def events_for_applications(applications) -> dict[int, list]:
    """:func:`events_for_application` for many applications in a fixed number of queries: application id →
    its events."""
    out: dict[int, list] = {application.pk: [] for application in applications}
    rows = (
        Payment.objects.filter(decision__application_id__in=list(out))
        .select_related("export")
        .prefetch_related("events")
        .annotate(application_pk=F("decision__application_id"))
        .order_by("due_date", "pk")
    )
    for payment in rows:
        out[payment.application_pk] += _payment_events(payment, payment.application_pk)
    return out


def _payment_events(payment, application_pk: int) -> list:
    """The payment's events for "Mitt ärende", their titles and texts as message parts (CaseEvent.of)."""
    events = []
    to = gettext_noop("till hyresvärden") if payment.payee_kind == PayeeKind.LANDLORD else gettext_noop("till ditt konto")
    amount = payment.amount_kronor_text
    ids = {"application_id": application_pk, "decision_id": payment.decision_id, "payment_id": payment.pk}
    no_account = gettext_noop("ett konto som inte är angivet än")
    for event in payment.events.all():
        reason = (gettext_noop("Skäl: %(reason)s"), {"reason": event.reason})
        if event.kind == PaymentEventKind.PAYEE_CHANGED:
            events.append(CaseEvent.of(event.at, "payment_changed", ((gettext_noop("Kontot för utbetalningen är ändrat"), {}),),
                                       ((gettext_noop("%(amount)s betalas ut till %(account)s."),
                                         {"amount": amount, "account": event.account or no_account}), reason), **ids))
        elif event.kind == PaymentEventKind.REJECTED and event.attempt < payment.attempt:
            # an earlier attempt the bank refused (the current attempt's answer is shown below)
            events.append(CaseEvent.of(event.at, "payment_rejected", ((gettext_noop("Banken kunde inte betala ut"), {}),),
                                       ((gettext_noop("Banken kunde inte betala ut %(amount)s %(to)s."),
                                         {"amount": amount, "to": to}),), **ids))
        elif event.kind == PaymentEventKind.REISSUED:
            events.append(CaseEvent.of(event.at, "payment_reissued", ((gettext_noop("Utbetalningen görs igen"), {}),),
                                       ((gettext_noop("%(amount)s betalas ut igen till %(account)s."),
                                         {"amount": amount, "account": event.account or no_account}), reason), **ids))
        elif event.kind == PaymentEventKind.CANCELLED:
            events.append(CaseEvent.of(event.at, "payment_cancelled", ((gettext_noop("Utbetalningen är stoppad"), {}),),
                                       ((gettext_noop("Utbetalningen på %(amount)s är stoppad."), {"amount": amount}),
                                        reason), **ids))
    if payment.export_id is None:
        return events
    day = next_banking_day(max(payment.due_date, payment.export.export_date))
    at = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())
    values = {"amount": amount, "to": to, "day": f"{day:%Y-%m-%d}"}
    if payment.status == PaymentStatus.EXECUTED:
        title, kind = gettext_noop("Utbetalt"), "paid"
        text = ((gettext_noop("%(amount)s har betalats ut %(to)s %(day)s."), values),)
    elif payment.status == PaymentStatus.REJECTED:
        title, kind = gettext_noop("Banken kunde inte betala ut"), "payment_rejected"
        text = ((gettext_noop("Banken kunde inte betala ut %(amount)s %(to)s."), values),
                (gettext_noop("Handläggaren rättar det och betalar ut igen; kontakta oss om ditt konto har ändrats."), {}))
    else:
        title, kind = gettext_noop("Skickad till banken"), "payment_sent"
        text = ((gettext_noop("%(amount)s betalas ut %(to)s %(day)s."), values),)
    events.append(CaseEvent.of(at, kind, ((title, {}),), text, **ids))
    return events


# --- favourable decisions not carried out (SoL 34 kap. 1–3 §§) -------------------------------------------

#: A favourable decision not carried out within this many months is reported to IVO.
UNPAID_REPORT_MONTHS = 3


@dataclass(frozen=True)
class UnpaidDecision:
    decision: Decision
    payment_status: str  # what happened to its payment, in Swedish ("Ingen utbetalning", "Stoppad" …)
    days: int  # days since the decision


def unpaid_favourable_decisions(user, *, today: dt.date | None = None) -> list[UnpaidDecision]:
    """Favourable decisions (bifall, delavslag) of the user's municipality in force, issued more than
    three months before ``today``, whose household and month has no payment sent to the bank that the
    bank did not reject (SoL 2025:400 34 kap. 1–3 §§: reported to IVO each quarter). A payment that was
    stopped, rejected, or still waits for approval or export counts as unpaid. Oldest first."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(dt.datetime.combine(_months_before(today, UNPAID_REPORT_MONTHS), dt.time.min))
    paid = Payment.objects.filter(decision__household_id=OuterRef("household_id"), decision__month=OuterRef("month"),
                                  status__in=(PaymentStatus.EXPORTED, PaymentStatus.EXECUTED))
    newer = Decision.objects.filter(reconsiders_id=OuterRef("pk"), status=DecisionStatus.ISSUED)
    decisions = (
        scoped(Decision.objects.all(), user)
        .filter(status=DecisionStatus.ISSUED, outcome__in=(Outcome.GRANTED, Outcome.PARTLY_REFUSED),
                issued_at__lt=cutoff)
        .exclude(Exists(newer)).exclude(Exists(paid))
        .select_related("application__applicant", "application__co_applicant", "payment")
        .order_by("issued_at", "pk")
    )
    rows = []
    for decision in decisions:
        payment = getattr(decision, "payment", None) if hasattr(decision, "payment") else None
        status = payment.get_status_display() if payment is not None else "Ingen utbetalning"
        rows.append(UnpaidDecision(decision, status, (today - timezone.localdate(decision.issued_at)).days))
    return rows


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months before ``day`` (the last day of a shorter month)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
