"""Reads of payments and bank files, scoped to the user's municipality (bistand.tenancy.scoping).

List selectors return querysets with everything a page shows joined in, so that a page runs the same
number of queries whatever the number of rows."""

from __future__ import annotations

import hashlib
import logging

from django.db.models import Count, QuerySet, Sum

from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import PayeeKind, Payment, PaymentExport, PaymentStatus

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


def export_for(user, pk: int) -> PaymentExport:
    return get_scoped_or_404(PaymentExport.objects.all(), user, pk=pk)


class ExportChecksumError(Exception):
    """A stored bank file no longer matches the SHA-256 recorded when it was made."""


def verified_content(export: PaymentExport) -> bytes:
    """The bank file's bytes, after checking them against the SHA-256 stored when it was made. A file
    that does not match is never handed out (ExportChecksumError)."""
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
    """The application's paid payments as ``paid`` events (bistand.applications.events.CaseEvent): a
    payment is paid when it has been sent to the bank. Payments on their way or stopped are not events."""
    from bistand.applications.events import CaseEvent

    events = []
    rows = (
        Payment.objects.filter(decision__application=application, status=PaymentStatus.EXPORTED)
        .select_related("export")
        .order_by("due_date", "pk")
    )
    for payment in rows:
        day = max(payment.due_date, payment.export.export_date)
        to = "till hyresvärden" if payment.payee_kind == PayeeKind.LANDLORD else "till ditt konto"
        events.append(
            CaseEvent(
                at=payment.export.created_at,
                kind="paid",
                title="Utbetalt",
                text=f"{payment.amount_kronor_text} betalas ut {to} {day:%Y-%m-%d}.",
                application_id=application.pk,
                decision_id=payment.decision_id,
                payment_id=payment.pk,
            )
        )
    return events
