"""Reads of the audit trail, scoped to the user's municipality like any person-level data."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from bistand.tenancy.scoping import scoped

from .models import AccessLog


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_log_for(
    user,
    *,
    person_id: int | None = None,
    user_id: int | None = None,
    action: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """Access-log rows of the user's municipality, newest first, optionally for one person, one user,
    one kind of access and a period (dates inclusive, in the local time zone)."""
    rows = scoped(AccessLog.objects.all(), user).select_related("person")
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if action:
        rows = rows.filter(action=action)
    if date_from is not None:
        rows = rows.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        rows = rows.filter(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return rows.order_by("-created_at", "-pk")
