"""Reads of stored calculations. Every read for a user goes through the tenancy scoping helper."""

from __future__ import annotations

from django.db.models import QuerySet

from bistand.rules.parameters import packaged_years
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import StoredCalculation, YearParameters

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


def confirmed_year_documents(year: int, municipality_code: str | None) -> dict[str, str] | None:
    """The year documents the municipality's administrators have confirmed, for years up to ``year`` and
    after the packaged years (the latest confirmed row of each year): what the rules package's provider asks
    for (registered in CalculationsConfig.ready). No query for a packaged year or without a municipality."""
    if municipality_code is None or year <= max(packaged_years(), default=0):
        return None
    rows = (YearParameters.objects.filter(municipality__code=municipality_code, year__lte=year,
                                          confirmed_at__isnull=False)
            .order_by("year", "confirmed_at", "pk").values_list("year", "document"))
    return {f"riksnorm/{found_year}.yaml": document for found_year, document in rows} or None


def year_document(entry: YearParameters) -> str:
    """The YAML download: exactly the stored document, in the format of rules/parameters/riksnorm/<year>.yaml."""
    return entry.document


def latest_year_parameters(municipality, year: int, *, confirmed: bool = True) -> YearParameters | None:
    rows = YearParameters.objects.filter(municipality=municipality, year=year)
    if confirmed:
        rows = rows.filter(confirmed_at__isnull=False).order_by("-confirmed_at", "-pk")
    else:
        rows = rows.order_by("-entered_at", "-pk")
    return rows.first()
