"""Reads of stored calculations. Every read for a user goes through the tenancy scoping helper."""

from __future__ import annotations

from django.db.models import QuerySet

from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import StoredCalculation

HISTORY_LENGTH = 12


def calculations_for(user) -> QuerySet[StoredCalculation]:
    """Every stored calculation ``user`` may see (their current municipality's), newest month first."""
    return scoped(StoredCalculation.objects.all(), user).newest_first()


def calculations_for_household(household, user, last_n: int = HISTORY_LENGTH) -> list[StoredCalculation]:
    """The household's ``last_n`` newest stored calculations (newest month first; within a month the
    newest first) that ``user`` may see: none when the household is in another municipality.

    One query. The caller writes the AccessLog row for showing the household."""
    if last_n < 1:
        return []
    return list(
        scoped(StoredCalculation.objects.filter(household_id=household.pk), user)
        .select_related("made_by_user")
        .newest_first()[:last_n]
    )


def calculation_for(user, pk: int) -> StoredCalculation:
    """One stored calculation ``user`` may see, or 404."""
    return get_scoped_or_404(StoredCalculation.objects.select_related("household", "municipality"), user, pk=pk)
