"""Reads for the dashboards (issue 19 §3): the manager's dashboard of one municipality and the regional
coordinator's page of all the region's municipalities.

Everything comes from the one base of :class:`~bistand.followup.models.PersonMonth` and the definitions of
:mod:`bistand.followup.indicators` (never a second definition): the person-month rows of a scope are read
once (years Y−2 … Y+1), filtered by household type, sex and age group, and then

- condensed and fed to the contract's definitions (the year's indicators of the filtered population), and
- counted per month for the trend lines of the year and of the year before (same month last year).

Filters (the project's choices where Socialstyrelsen leaves room, see docs/followup.md):

- household type: Socialstyrelsen's register codes (shared reference statistics.md §2.1), worked out per
  household and month from the household's rows of that month: the adults (applicant, co-applicant) and
  the children under 18.
- sex: legal sex from the personnummer.
- age group: the age on the last day of the month, in the groups of Socialstyrelsen's published tables.
- unit: the unit that handled the household's month (:mod:`bistand.followup.units`; the manager's page).

Counts are exact here; the pages suppress counts of 1–4 for viewers outside the municipality
(:func:`suppress`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from bistand.common.months import add_months, age_at, last_day

from . import indicators as ind
from .models import MonthRole, PersonMonth
from .units import unit_household_months

#: Socialstyrelsen's codes of the register variable Hushållstyp (statistics.md §2.1, verified).
HOUSEHOLD_TYPES: dict[str, str] = {
    "1": "Enbart barn under 18 år",
    "3": "Ensamstående man utan barn",
    "4": "Ensamstående man med barn",
    "5": "Ensamstående kvinna utan barn",
    "6": "Ensamstående kvinna med barn",
    "7": "Sammanboende par utan barn",
    "8": "Sammanboende par med barn",
    "9": "Okänd hushållstyp",
}
SEXES: dict[str, str] = {"women": "Kvinnor", "men": "Män"}
#: Age groups of Socialstyrelsen's published tables ("barn": under 18), (from, to) both included.
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "0-17": (0, 17), "18-19": (18, 19), "20-24": (20, 24), "25-29": (25, 29), "30-39": (30, 39),
    "40-49": (40, 49), "50-59": (50, 59), "60-64": (60, 64), "65+": (65, None),
}
AGE_GROUP_LABELS: dict[str, str] = {key: ("Barn 0–17 år" if key == "0-17" else key.replace("-", "–") + " år")
                                    for key in AGE_GROUPS}

#: Counts from 1 to this are not shown to viewers outside the municipality (contracts/indicators.md).
SUPPRESS_BELOW = 5
SUPPRESSED = "1–4"

#: The monthly trend: what is counted per month, and its Swedish name.
MONTHLY_MEASURES: dict[str, str] = {
    "households": "Hushåll med försörjningsstöd",
    "recipients": "Personer med försörjningsstöd",
    "adults": "Vuxna med försörjningsstöd",
    "amount": "Utbetalt belopp (kronor)",
}
#: The year's indicators shown on the pages, in the contract's order, with their Swedish names.
INDICATOR_LABELS: dict[str, str] = {
    "households": "Hushåll",
    "recipients": "Personer (vuxna och barn)",
    "adult_recipients": "Vuxna",
    "adult_women": "Vuxna kvinnor",
    "adult_men": "Vuxna män",
    "child_recipients": "Barn",
    "young_adults_18_24": "Unga vuxna 18–24 år",
    "long_term_adults": "Vuxna med långvarigt bistånd (minst 10 månader)",
    "long_term_share": "Andel vuxna med långvarigt bistånd",
    "very_long_term_adults": "Vuxna med mycket långvarigt bistånd (tre år)",
    "children_in_long_term_households": "Barn i hushåll med långvarigt bistånd",
    "household_months": "Hushållsmånader",
    "average_months_per_household": "Månader per hushåll (medel)",
    "amount_total": "Utbetalt belopp, kronor",
    "amount_per_household": "Belopp per hushåll, kronor",
    "exits": "Avslutade perioder",
    "exits_to_work_or_studies": "Avslut till arbete eller studier",
    "exits_followed_12_months": "Avslut som följts i 12 månader",
    "returned_within_12_months": "Åter inom 12 månader",
}
RATIO_FIELDS = {"long_term_share": ("long_term_adults", "adult_recipients"),
                "average_months_per_household": ("household_months", "households"),
                "amount_total": ("households",), "amount_per_household": ("households",)}


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters of the population (empty: everyone)."""

    household_type: str = ""
    sex: str = ""
    age_group: str = ""
    unit: str = ""  # a unit's id

    def __post_init__(self) -> None:
        if self.unit and not self.unit.isdigit():
            raise ValueError(f"Enhet: okänt värde {self.unit!r}.")
        if self.household_type and self.household_type not in HOUSEHOLD_TYPES:
            raise ValueError(f"Hushållstyp: okänd kod {self.household_type!r}.")
        if self.sex and self.sex not in SEXES:
            raise ValueError(f"Kön: okänt värde {self.sex!r}.")
        if self.age_group and self.age_group not in AGE_GROUPS:
            raise ValueError(f"Åldersgrupp: okänt värde {self.age_group!r}.")

    @property
    def active(self) -> bool:
        return bool(self.household_type or self.sex or self.age_group or self.unit)


def household_type(adults: list[bool], children: int) -> str:
    """Socialstyrelsen's household type code from the adults (True: a man) and the number of children."""
    if not adults:
        return "1" if children else "9"
    if len(adults) == 1:
        if adults[0]:
            return "4" if children else "3"
        return "6" if children else "5"
    if len(adults) == 2:
        return "8" if children else "7"
    return "9"


def age_group_of(age: int) -> str:
    for key, (low, high) in AGE_GROUPS.items():
        if age >= low and (high is None or age <= high):
            return key
    return ""


# Row layout of :func:`_rows`: the layout :func:`indicators.condense` takes, then the person's id.
_FIELDS = ("municipality_id", "household_key", "person__personnummer", "person__birth_date", "month", "role",
           "amount_ore", "end_reason", "person_id")


def _rows(municipality_ids, first: dt.date, last: dt.date) -> list[tuple]:
    return list(PersonMonth.objects.filter(municipality_id__in=municipality_ids, month__gte=first, month__lte=last)
                .values_list(*_FIELDS).iterator(chunk_size=10_000))


def filter_rows(rows: list[tuple], filters: Filters) -> list[tuple]:
    """The rows of the persons and household-months that match ``filters`` (all rows when none)."""
    if not filters.active:
        return rows
    types: dict[tuple, str] = {}
    if filters.household_type:
        members: dict[tuple, tuple[list[bool], list[int]]] = defaultdict(lambda: ([], [0]))
        for municipality_id, key, number, born, month, role, *_rest in rows:
            adults, children = members[(municipality_id, key, month)]
            if role in ind.ADULT_ROLES:
                adults.append(ind.is_man(number))
            elif age_at(born, last_day(month)) < 18:
                children[0] += 1
        types = {hm: household_type(adults, children[0]) for hm, (adults, children) in members.items()}
    handled = set()
    if filters.unit and rows:
        handled = unit_household_months({row[0] for row in rows}, int(filters.unit), min(row[4] for row in rows),
                                        max(row[4] for row in rows))
    out = []
    for row in rows:
        municipality_id, key, number, born, month = row[:5]
        if filters.unit and (municipality_id, key, month) not in handled:
            continue
        if filters.household_type and types[(municipality_id, key, month)] != filters.household_type:
            continue
        if filters.sex and ind.is_man(number) != (filters.sex == "men"):
            continue
        if filters.age_group and age_group_of(age_at(born, last_day(month))) != filters.age_group:
            continue
        out.append(row)
    return out


@dataclass
class MonthPoint:
    """One month of the trend, and the same month the year before."""

    month: dt.date
    values: dict[str, int | Decimal]
    last_year: dict[str, int | Decimal]

    def change(self, measure: str) -> int | Decimal:
        return self.values[measure] - self.last_year[measure]


def _empty() -> dict:
    return {"households": set(), "recipients": set(), "adults": set(), "amount": 0}


def monthly(rows: list[tuple], year: int) -> list[MonthPoint]:
    """Per month of ``year``: households, persons, adults and the amount (kronor), and the same month
    the year before."""
    per: dict[dt.date, dict] = defaultdict(_empty)
    for municipality_id, key, number, _born, month, role, amount, *_rest in rows:
        if month.year not in (year, year - 1):
            continue
        counts = per[month]
        counts["households"].add((municipality_id, key))
        counts["recipients"].add(number)
        if role in ind.ADULT_ROLES:
            counts["adults"].add(number)
        if role == MonthRole.APPLICANT and amount:
            counts["amount"] += amount

    def values(month: dt.date) -> dict:
        counts = per.get(month) or _empty()
        return {"households": len(counts["households"]), "recipients": len(counts["recipients"]),
                "adults": len(counts["adults"]), "amount": Decimal(counts["amount"]) / 100}

    return [MonthPoint(dt.date(year, m, 1), values(dt.date(year, m, 1)), values(dt.date(year - 1, m, 1)))
            for m in range(1, 13)]


@dataclass
class Dashboard:
    """What one scope's dashboard shows for a year."""

    scope: ind.Scope
    year: int
    filters: Filters
    indicators: dict
    months: list[MonthPoint]
    latest_month: dt.date | None
    data_changed_at: dt.datetime | None  # the latest change of the base in the scope
    computed_at: dt.datetime = field(default_factory=timezone.now)
    pending_since: dt.datetime | None = None  # changes of the base not yet in precomputed numbers


def _window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - ind.VERY_LONG_TERM_YEARS + 1, 1, 1), dt.date(year + 1, 12, 1)


def municipality_dashboard(municipality, year: int, filters: Filters = Filters()) -> Dashboard:
    """The indicators of the year and the monthly trend of one municipality (three queries)."""
    scope = ind.Scope.municipality(municipality)
    stats = PersonMonth.objects.filter(municipality_id=municipality.pk).aggregate(
        latest=Max("month"), changed=Max("updated_at"))
    rows = filter_rows(_rows(scope.municipality_ids, *_window(year)), filters)
    base = ind.Base(year, ind.condense(row[:8] for row in rows), stats["latest"])
    return Dashboard(scope, year, filters, ind.compute(scope, year, base), monthly(rows, year), stats["latest"],
                     stats["changed"])


@dataclass
class RegionOverview:
    """Every municipality of the region side by side, and the region's total (counts only)."""

    region: object
    year: int
    filters: Filters
    municipalities: list[tuple[object, dict]]  # (municipality, indicators)
    total: dict
    data_changed_at: dt.datetime | None
    computed_at: dt.datetime = field(default_factory=timezone.now)
    pending_since: dt.datetime | None = None  # changes of the base not yet in precomputed numbers


def region_overview(region, year: int, filters: Filters = Filters()) -> RegionOverview:
    """The indicators of each municipality of the region and of the region (three queries: the rows of
    the whole region are read once and split per municipality)."""
    municipalities = list(region.municipalities.order_by("name"))
    ids = [m.pk for m in municipalities]
    latest = dict(PersonMonth.objects.filter(municipality_id__in=ids).values("municipality_id")
                  .annotate(latest=Max("month")).values_list("municipality_id", "latest"))
    changed = PersonMonth.objects.filter(municipality_id__in=ids).aggregate(changed=Max("updated_at"))["changed"]
    rows = filter_rows(_rows(ids, *_window(year)), filters)
    by_municipality: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_municipality[row[0]].append(row[:8])
    results = []
    for municipality in municipalities:
        scope = ind.Scope.municipality(municipality)
        base = ind.Base(year, ind.condense(by_municipality.get(municipality.pk, [])), latest.get(municipality.pk))
        results.append((municipality, ind.compute(scope, year, base)))
    region_scope = ind.Scope(tuple(sorted(ids)), {"region": region.name})
    region_latest = max(latest.values(), default=None)
    total = ind.compute(region_scope, year, ind.Base(year, ind.condense(row[:8] for row in rows), region_latest))
    return RegionOverview(region, year, filters, results, total, changed)


def suppress(result: dict) -> dict:
    """``result`` with every count of 1–4 replaced by :data:`SUPPRESSED`, and every ratio or amount built
    on such a count as well (so that it cannot be worked back)."""
    out = dict(result)
    hidden = set()
    for name in ind.DEFINITIONS:
        value = result.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SUPPRESS_BELOW:
            out[name] = SUPPRESSED
            hidden.add(name)
    for name, parts in RATIO_FIELDS.items():
        if any(part in hidden for part in parts):
            out[name] = SUPPRESSED
    return out


def cases_behind(municipality, month: dt.date, filters: Filters = Filters()) -> list[dict]:
    """The households and persons behind a month's number (for roles that may see people; the view writes
    the access log): one row per household of the month with its persons' ids and roles."""
    first = last = month
    rows = filter_rows(_rows((municipality.pk,), first, last), filters)
    households: dict[str, dict] = {}
    for _municipality_id, key, _number, _born, _month, role, amount, reason, person_id in rows:
        item = households.setdefault(key, {"household_key": key, "persons": [], "amount": Decimal(0),
                                           "end_reason": ""})
        item["persons"].append((person_id, role))
        if role == MonthRole.APPLICANT and amount:
            item["amount"] += Decimal(amount) / 100
            item["end_reason"] = reason
    return sorted(households.values(), key=lambda item: item["household_key"])


def previous_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -1)
