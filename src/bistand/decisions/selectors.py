"""Reads of decisions. Reads for a user go through the tenancy scoping helper; the functions that take
an application serve pages and services that have already scoped the application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from bistand.rules.parameters import format_kronor
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import Decision, DecisionStatus, Outcome


def decisions_for(user) -> QuerySet[Decision]:
    """Every decision ``user`` may see (their current municipality's), newest first."""
    return scoped(Decision.objects.all(), user).order_by("-month", "-created_at", "-pk")


def decision_for(user, pk: int) -> Decision:
    """One decision ``user`` may see, or 404."""
    return get_scoped_or_404(
        Decision.objects.select_related("application", "household", "municipality", "calculation", "delegation",
                                        "decided_by", "reconsiders"),
        user,
        pk=pk,
    )


def decisions_for_application(application) -> list[Decision]:
    """Every decision and draft on ``application``, oldest first (an omprövning after the decision it
    replaces)."""
    return list(Decision.objects.filter(application_id=application.pk).prefetch_related("lines")
                .order_by("created_at", "pk"))


def draft_for(application) -> Decision | None:
    return Decision.objects.filter(application_id=application.pk, status=DecisionStatus.DRAFT).order_by("-pk").first()


def decision_in_force(application) -> Decision | None:
    """The issued decision on ``application`` that stands: the newest of the chain of omprövningar."""
    return (
        Decision.objects.filter(application_id=application.pk, status=DecisionStatus.ISSUED, reconsidered_by__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )


def reconsideration_chain(decision: Decision) -> list[Decision]:
    """The decision and every decision it reconsidered, newest first."""
    chain = [decision]
    while chain[-1].reconsiders_id is not None:
        chain.append(Decision.objects.get(pk=chain[-1].reconsiders_id))
    return chain


def summary(decision: Decision) -> str:
    """One sentence for the applicant: "Du får 6 620 kr i försörjningsstöd för mars 2026." """
    month = decision.month_label
    if decision.outcome == Outcome.GRANTED:
        return f"Du får {format_kronor(decision.amount_ore)} i försörjningsstöd för {month}."
    if decision.outcome == Outcome.PARTLY_REFUSED:
        return (f"Du får {format_kronor(decision.amount_ore)} i försörjningsstöd för {month}. "
                "En del av det du ansökte om beviljas inte.")
    if decision.outcome == Outcome.REFUSED:
        return f"Du får inget försörjningsstöd för {month}."
    return f"Din ansökan för {month} avvisas."


def events_for_application(application) -> list:
    """The application's issued decisions as events for "Mitt ärende"
    (``bistand.applications.events.CaseEvent``, kind ``decided``)."""
    try:
        from bistand.applications.events import CaseEvent
    except ImportError:  # pragma: no cover - the applications app is always installed with decisions
        CaseEvent = None
    events = []
    for decision in Decision.objects.filter(application_id=application.pk, status=DecisionStatus.ISSUED).order_by(
        "issued_at", "pk"
    ):
        title = "Omprövat beslut" if decision.reconsiders_id else "Beslut"
        title += f": {decision.get_outcome_display().lower()}"
        values = dict(at=decision.issued_at, kind="decided", title=title, text=summary(decision),
                      application_id=application.pk, decision_id=decision.pk)
        events.append(CaseEvent(**values) if CaseEvent is not None else values)
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
    from bistand.payments.models import Payment, PaymentStatus

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
    import calendar

    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
