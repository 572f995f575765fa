"""Reads of assistance-month facts: months of assistance per person and calendar year.

*Långvarigt ekonomiskt bistånd* (Socialstyrelsen, Kolada): assistance in at least 10 of a calendar
year's months (10–12 months). A month counts once per person, however many decisions (a supplementary
decision, an omprövning) paid for it.

These selectors are for follow-up inside one municipality (or a region's aggregate built on top of
them); pages that show persons must scope with :mod:`bistand.tenancy.scoping` and write the access log.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from bistand.payments.models import PaymentStatus
from bistand.tenancy.scoping import for_municipality

from .models import AssistanceMonth, MonthRole, MonthSource, PersonMonth, StatisticsExport

#: At least this many months of a calendar year make the assistance long-term (långvarigt).
LONG_TERM_MONTHS = 10


def _year(queryset: QuerySet[AssistanceMonth], year: int) -> QuerySet[AssistanceMonth]:
    return queryset.filter(month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1))


def months_per_person(municipality_id: int, year: int) -> QuerySet:
    """``[{"person_id": …, "months": …}, …]``: the number of months with assistance of each adult of the
    municipality in ``year`` (one query)."""
    rows = _year(for_municipality(AssistanceMonth.objects.all(), municipality_id), year)
    return rows.values("person_id").annotate(months=Count("month", distinct=True)).order_by("person_id")


def months_of_person(person, year: int) -> int:
    """How many months of ``year`` the person had assistance in."""
    return _year(AssistanceMonth.objects.filter(person=person), year).values("month").distinct().count()


def long_term_person_ids(municipality_id: int, year: int) -> set[int]:
    """The adults of the municipality with långvarigt bistånd in ``year`` (10–12 months)."""
    return {
        row["person_id"]
        for row in months_per_person(municipality_id, year).filter(months__gte=LONG_TERM_MONTHS)
    }


def is_long_term(months: int) -> bool:
    return months >= LONG_TERM_MONTHS


def recipients_summary(municipality_id: int, year: int) -> dict[str, int]:
    """Adults with assistance in the year, and how many of them had it long-term."""
    counts = [row["months"] for row in months_per_person(municipality_id, year)]
    return {"adults": len(counts), "long_term": sum(1 for months in counts if is_long_term(months))}


#: A payment in these statuses was paid out: approved, in a bank file, neither stopped nor returned.
PAID_STATUSES = (PaymentStatus.EXPORTED, PaymentStatus.EXECUTED)


def paid_months_of_persons(municipality_id: int, person_ids, before: dt.date) -> dict[str, frozenset[dt.date]]:
    """person id (text) → months before ``before`` in which försörjningsstöd was paid to the person's
    household in the municipality: the system's decisions whose payment went to the bank and was not
    returned (the assistance-month facts, written at export, of a payment still exported or executed), and
    imported history months in which the person was applicant or co-applicant. What counts toward
    jobbstimulans (see :mod:`bistand.calculations.paid_months`; two queries)."""
    ids = [int(person_id) for person_id in person_ids if str(person_id).isdigit()]
    found: dict[str, set[dt.date]] = {}
    decided = AssistanceMonth.objects.filter(
        municipality_id=municipality_id, person_id__in=ids, month__lt=before, amount_ore__gt=0,
        decision__payment__status__in=PAID_STATUSES,
    ).values_list("person_id", "month")
    imported = PersonMonth.objects.filter(
        municipality_id=municipality_id, person_id__in=ids, month__lt=before, source=MonthSource.IMPORTED,
        role__in=[MonthRole.APPLICANT, MonthRole.CO_APPLICANT],
    ).values_list("person_id", "month")
    for person_id, month in [*decided, *imported]:
        found.setdefault(str(person_id), set()).add(month)
    return {person_id: frozenset(months) for person_id, months in found.items()}


def statistics_exports(municipality_id: int, limit: int = 12) -> list[StatisticsExport]:
    """The municipality's latest runs of the statistics export, newest first."""
    return list(for_municipality(StatisticsExport.objects.all(), municipality_id).order_by("-created_at", "-pk")[:limit])
