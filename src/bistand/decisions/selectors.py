"""Reads of decisions. Reads for a user go through the tenancy scoping helper; the functions that take
an application serve pages and services that have already scoped the application."""

from __future__ import annotations

from django.db.models import QuerySet

from bistand.applications.events import CaseEvent
from bistand.calculations.models import MadeBy, StoredCalculation
from bistand.common.formatting import format_kronor
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


def decision_in_force(application) -> Decision | None:
    """The issued decision on ``application`` that stands: the newest of the chain of omprövningar."""
    return (
        Decision.objects.filter(application_id=application.pk, status=DecisionStatus.ISSUED, reconsidered_by__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )


def issued_decisions(application) -> list[Decision]:
    """The issued decisions on ``application``, oldest first (what the applicant sees)."""
    return list(Decision.objects.filter(application=application, status=DecisionStatus.ISSUED).order_by("pk"))


def calculation_to_decide_on(application, referral=None, decision=None) -> StoredCalculation | None:
    """The calculation a decision on ``application`` rests on: the newest of the calculations made for
    the application's household and month by a case worker or the system (not the demo's history or a
    calculation of another input), the referral's and the given decision's calculation."""
    newest = (StoredCalculation.objects.filter(household_id=application.household_id, month=application.month,
                                               made_by__in=[MadeBy.USER, MadeBy.SYSTEM])
              .order_by("-created_at", "-pk").first())
    candidates = [c for c in (newest, getattr(referral, "calculation", None), getattr(decision, "calculation", None)) if c]
    return max(candidates, key=lambda c: (c.created_at, c.pk)) if candidates else None


def calculation_of_application(application, pk) -> StoredCalculation | None:
    """The calculation ``pk`` if it was made for ``application``'s household, month and municipality
    (the one a case worker saw on the case page); None for no ``pk`` or another calculation."""
    if not pk:
        return None
    return StoredCalculation.objects.filter(pk=pk, household_id=application.household_id, month=application.month,
                                            municipality_id=application.municipality_id).first()


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
    events = []
    for decision in Decision.objects.filter(application_id=application.pk, status=DecisionStatus.ISSUED).order_by(
        "issued_at", "pk"
    ):
        title = "Omprövat beslut" if decision.reconsiders_id else "Beslut"
        title += f": {decision.get_outcome_display().lower()}"
        values = dict(at=decision.issued_at, kind="decided", title=title, text=summary(decision),
                      application_id=application.pk, decision_id=decision.pk)
        events.append(CaseEvent(**values))
    return events
