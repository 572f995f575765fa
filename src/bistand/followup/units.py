"""Which unit handled a household's month: the dashboard's unit filter (issue 19 §3).

The person-month base has no unit. A month decided in the system belongs to the unit of the application
its decision was made on (Application.unit: the unit that handled that month), or, when the application
names none, to the household's unit (Household.unit, today's). A household-month with decisions from two
units counts for both. Imported history carries no unit, so it is left out whenever a unit is chosen
(docs/followup.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from .models import AssistanceMonth


def unit_household_months(municipality_ids: Iterable[int], unit_id: int, first: dt.date,
                           last: dt.date) -> set[tuple[int, str, dt.date]]:
    """(municipality id, household key, month) of the household-months from ``first`` to ``last`` that
    ``unit_id`` handled (one query). The key is the base's (``services.household_key``: ``h<id>``)."""
    rows = (AssistanceMonth.objects
            .filter(municipality_id__in=list(municipality_ids), month__gte=first, month__lte=last)
            .filter(Q(decision__application__unit_id=unit_id)
                    | Q(decision__application__unit__isnull=True, household__unit_id=unit_id))
            .values_list("municipality_id", "household_id", "month").distinct())
    return {(municipality_id, f"h{household_id}", month) for municipality_id, household_id, month in rows}
