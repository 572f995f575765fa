"""Gallring (SoL 2025:400 16 kap. 1 §): remove the cases whose time in the municipality's retention plan
has run out, one transaction per case.

Each removal runs with the database guards lifted (bistand.audit.guards.guards_lifted) for that one
transaction only: issued decisions, their lines, payments and the case's access-log and audit rows are
otherwise refused by the database's triggers. What is left is anonymous: one audit event per removed
case with the number of records of each kind (never an id of the case, a person or a household), and the
:class:`~bistand.retention.models.Gallring` row of the run with the totals.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import DatabaseError, models, transaction
from django.utils import timezone

from bistand.audit.events import ChangeRecord, emit_change
from bistand.audit.guards import guards_lifted
from bistand.audit.models import AuditEvent, ChangeAction
from bistand.followup import aggregates as followup_aggregates
from bistand.followup.models import PersonMonth
from bistand.payments.models import Payment, PaymentEvent, PaymentExport

from . import selectors
from .models import Gallring

logger = logging.getLogger("bistand.retention")

SYSTEM_NAME = "Gallring (bistand gallra)"


@dataclass
class Report:
    """What a run found and did (anonymous)."""

    gallring: Gallring
    cases: int = 0
    due: int = 0
    removed: int = 0
    parts: int = 0
    kept_for_research: int = 0
    bank_files: int = 0
    failed: list[str] = field(default_factory=list)
    records: Counter = field(default_factory=Counter)


def _forget_in_follow_up(rows: dict[type[models.Model], set]) -> None:
    """The follow-up keeps, beside its person-months, condensed rows per municipality and year that hold the
    same personnummer (bistand.followup.models.CondensedYear): mark the removed person-months' months in
    this transaction, which drops those condensed rows now and has the next refresh (a timer) count the case
    out of the precomputed numbers."""
    pks = rows.get(PersonMonth)
    if pks:
        pairs = set(PersonMonth.objects.filter(pk__in=pks).values_list("municipality_id", "month"))
        followup_aggregates.touch(pairs)


def _delete_rows(rows: dict[type[models.Model], set]) -> Counter:
    """Delete the rows (their audit events too) in this transaction. The foreign keys are checked at
    commit (deferred on both databases), so the order does not matter; files go when the commit is done."""
    _forget_in_follow_up(rows)
    counts: Counter = Counter()
    files: list = []
    for model, pks in rows.items():
        if not pks:
            continue
        queryset = model.objects.filter(pk__in=pks)
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                for name in queryset.exclude(**{f.attname: ""}).values_list(f.attname, flat=True):
                    files.append((f.storage, name))
        ids = [str(pk) for pk in pks]
        AuditEvent.objects.filter(model=model._meta.label_lower, object_id__in=ids).delete()
        counts[model._meta.label_lower] += queryset._raw_delete(queryset.db)

    def remove_files():
        for storage, name in files:
            try:
                storage.delete(name)
            except OSError:  # the row is gone; a file left behind is reported and removed by hand
                logger.warning("gallring: could not remove a stored file")

    transaction.on_commit(remove_files)
    return counts


def _record(gallring: Gallring, counts: Counter, what: str) -> None:
    """The gallring in the audit trail: counts only."""
    emit_change(ChangeRecord(
        user_id=None,
        user_display_name=SYSTEM_NAME,
        action=ChangeAction.DELETE,
        model="retention.gallring",
        object_id=str(gallring.pk),
        municipality_id=gallring.municipality_id,
        changes={what: {"old": dict(sorted(counts.items())), "new": None}},
    ))


def _gallra_bank_files(municipality, plan, today: dt.date, report: Report, *, dry_run: bool) -> None:
    """Remove the municipality's bank files whose time in the plan has run out, in one transaction. A file
    that no payment refers to any more is removed with its row; one that a kept payment still refers to
    (its case has a later entry) loses its content (every payee's name and account) and keeps an anonymous
    row — date, count, total, checksum — marked gallrad, since an exported payment always names its file."""
    due = selectors.bank_files_due(municipality, plan, today)
    if not due:
        return
    report.bank_files = len(due)
    if dry_run:
        report.records["payments.paymentexport"] += len(due)
        return
    try:
        with guards_lifted(f"gallring {report.gallring.pk}: betalfiler"):
            referred = set(Payment.objects.filter(export_id__in=due).values_list("export_id", flat=True))
            referred |= set(PaymentEvent.objects.filter(export_id__in=due).values_list("export_id", flat=True))
            emptied = PaymentExport.objects.filter(pk__in=referred).update(content=b"", removed_at=timezone.now())
            counts = _delete_rows({PaymentExport: set(due) - referred})
            counts["payments.paymentexport"] += emptied
            _record(report.gallring, counts, "betalfiler")
    except DatabaseError as error:
        logger.warning("gallring: the bank files could not be removed (%s)", type(error).__name__)
        report.bank_files = 0
        report.failed.append("databasen vägrade att ta bort betalfilerna")
        return
    report.records.update(counts)


def gallra(municipality, *, dry_run: bool = False, today: dt.date | None = None, progress=None) -> Report:
    """Report, and unless ``dry_run`` remove, what is due in the municipality (see the module docstring).
    Safe to run again: a removed case is gone, a failed one is tried again next time."""
    today = today or timezone.localdate()
    plan = selectors.plan_for(municipality)
    gallring = Gallring.objects.create(municipality=municipality, dry_run=dry_run)
    report = Report(gallring=gallring)
    for case in selectors.cases_of(municipality):
        report.cases += 1
        verdict = selectors.judge(case, plan, today)
        if not verdict.due and not verdict.kinds_due:
            continue
        if verdict.kept_for_research:
            report.kept_for_research += 1
            continue
        if verdict.refused:
            report.failed.append(verdict.refused)
            continue
        if verdict.due:
            report.due += 1
            rows = case.rows
        else:
            report.parts += 1
            rows = {}
            for kind in verdict.kinds_due:
                rows.update(case.kind_rows(kind))
        if dry_run:
            report.records.update({m._meta.label_lower: len(pks) for m, pks in rows.items()})
            continue
        try:
            with guards_lifted(f"gallring {gallring.pk}"):
                counts = _delete_rows(rows)
                _record(gallring, counts, "ärende" if verdict.due else "del av ärende")
        except DatabaseError as error:
            logger.warning("gallring: a case could not be removed (%s)", type(error).__name__)
            report.failed.append("databasen vägrade (en uppgift i ärendet används av något annat)")
            if verdict.due:
                report.due -= 1
            else:
                report.parts -= 1
            continue
        report.records.update(counts)
        if verdict.due:
            report.removed += 1
        if progress:
            progress(report)
    _gallra_bank_files(municipality, plan, today, report, dry_run=dry_run)
    gallring.cases_due = report.due
    gallring.cases_removed = report.removed
    gallring.parts_removed = 0 if dry_run else report.parts
    gallring.cases_kept_for_research = report.kept_for_research
    gallring.cases_failed = len(report.failed)
    gallring.records = dict(sorted(report.records.items()))
    gallring.finished_at = timezone.now()
    gallring.save()
    return report
