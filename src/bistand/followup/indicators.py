"""The follow-up indicators of shared contract contracts/indicators.md: one function per definition.

Everything is computed from one base, the person-months of :class:`~bistand.followup.models.PersonMonth`
(imported history and decisions made in the system alike), condensed to one :class:`PersonHouseholdYear`
per person, household and calendar year: bit masks of the months (bit 0 = January) in which the person
had assistance with the household, as an adult, as a child, as a young adult, and in which the household's
end reason was work or studies, and the household's amounts on the person's applicant rows. The
indicators of a year need the years Y−2 … Y+1 (very long-term assistance looks two years back; exits
look up to twelve months ahead).

Choices where the contract leaves room (documented in docs/followup.md):

- A person's assistance months are all their months with any role (a child who becomes an applicant at
  18 keeps the months before); ``long_term_adults`` counts the adults of the year by those months.
- A row with the role ``child`` of a person 18 or older on the last day of the month makes them a
  recipient, but neither a child nor an adult in that month.
- In the region scope a person is their personnummer: months add up across the region's municipalities.
  A household is a (municipality, household) pair.

:func:`compute` returns the JSON object of ``bistand indicators``; :func:`to_json` writes it with the
decimals the contract asks for.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max

from bistand.common.months import age_at, last_day
from bistand.tenancy.models import Municipality, Region

from .models import EndReason, MonthRole, PersonMonth

#: At least this many assistance months in a calendar year make the assistance long-term (Socialstyrelsen).
LONG_TERM_MONTHS = 10
#: Very long-term: long-term in the year and in this many years in all (the project's definition).
VERY_LONG_TERM_YEARS = 3
#: An ended period: no assistance in this many months after the month (the project's definition).
EXIT_GAP_MONTHS = 3
#: Returns are looked for up to this many months after the month of the exit.
FOLLOW_MONTHS = 12
WORK_OR_STUDIES = frozenset({EndReason.WORK, EndReason.STUDIES})
ADULT_ROLES = frozenset({MonthRole.APPLICANT, MonthRole.CO_APPLICANT})


# --- the scope and the base ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One municipality or one region: which municipalities' months count, and how it is named."""

    municipality_ids: tuple[int, ...]
    label: dict[str, str]

    @classmethod
    def municipality(cls, municipality: Municipality) -> Scope:
        return cls((municipality.pk,), {"municipality": municipality.code})

    @classmethod
    def region(cls, region: Region) -> Scope:
        ids = tuple(sorted(region.municipalities.values_list("pk", flat=True)))
        return cls(ids, {"region": region.name})


@dataclass
class PersonHouseholdYear:
    """One person's months with one household in one calendar year (bit ``m - 1`` = month ``m``)."""

    household: tuple[int, str]  # (municipality id, household key)
    person: str  # personnummer: the same person in every municipality of a region
    year: int
    months: int = 0
    adult: int = 0
    child: int = 0  # role child and under 18 on the last day of the month
    young_adult: int = 0  # adult and 18–24 on the last day of the month
    work_or_studies_end: int = 0  # the household's end reason of the month is work or studies
    amount_ore: int = 0  # the household's amounts on this person's applicant rows


@dataclass
class Base:
    """The condensed base of one scope for the years around one year, and how far the data reaches."""

    year: int
    rows: list[PersonHouseholdYear]
    latest_month: dt.date | None  # the latest month with any assistance row in the scope
    _months: dict[tuple[str, int], int] = field(default_factory=dict, init=False, repr=False)
    _household_months: dict[tuple[tuple[int, str], int], int] = field(default_factory=dict, init=False, repr=False)
    _cache: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for row in self.rows:
            key = (row.person, row.year)
            self._months[key] = self._months.get(key, 0) | row.months
            hkey = (row.household, row.year)
            self._household_months[hkey] = self._household_months.get(hkey, 0) | row.months

    def of_year(self, year: int | None = None) -> Iterable[PersonHouseholdYear]:
        year = self.year if year is None else year
        return (row for row in self.rows if row.year == year)

    def person_months(self, person: str, year: int) -> int:
        """The person's months with assistance in the year, in any household of the scope (a mask)."""
        return self._months.get((person, year), 0)

    def household_months_mask(self, household: tuple[int, str], year: int) -> int:
        return self._household_months.get((household, year), 0)

    def reaches(self, year: int, month: int) -> bool:
        """True when the scope's data reaches the month (month may be > 12: into the following years)."""
        if self.latest_month is None:
            return False
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return (year, month) <= (self.latest_month.year, self.latest_month.month)


def condense(rows: Iterable[tuple]) -> list[PersonHouseholdYear]:
    """Person-month rows ``(municipality id, household key, personnummer, birth date, month, role,
    amount öre, end reason)`` → one :class:`PersonHouseholdYear` per person, household and year."""
    rows = list(rows)
    end_of: dict[tuple[int, str, dt.date], str] = {}
    for municipality_id, key, _number, _born, month, role, _amount, reason in rows:
        if role == MonthRole.APPLICANT and reason:
            end_of[(municipality_id, key, month)] = reason
    out: dict[tuple, PersonHouseholdYear] = {}
    for municipality_id, key, number, born, month, role, amount, _reason in rows:
        index = (municipality_id, key, number, month.year)
        item = out.get(index)
        if item is None:
            item = out[index] = PersonHouseholdYear((municipality_id, key), number, month.year)
        bit = 1 << (month.month - 1)
        item.months |= bit
        age = age_at(born, last_day(month))
        if role in ADULT_ROLES:
            item.adult |= bit
            if 18 <= age <= 24:
                item.young_adult |= bit
        elif age < 18:
            item.child |= bit
        if end_of.get((municipality_id, key, month)) in WORK_OR_STUDIES:
            item.work_or_studies_end |= bit
        if role == MonthRole.APPLICANT and amount:
            item.amount_ore += amount
    return list(out.values())


def load_base(scope: Scope, year: int) -> Base:
    """The base of the scope for ``year``: person-months of the years year−2 … year+1 (two queries)."""
    months = PersonMonth.objects.filter(municipality_id__in=scope.municipality_ids)
    latest = months.aggregate(latest=Max("month"))["latest"]
    window = months.filter(month__gte=dt.date(year - VERY_LONG_TERM_YEARS + 1, 1, 1), month__lte=dt.date(year + 1, 12, 1))
    rows = window.values_list("municipality_id", "household_key", "person__personnummer", "person__birth_date", "month",
                              "role", "amount_ore", "end_reason").iterator(chunk_size=10_000)
    return Base(year, condense(rows), latest)


# --- small helpers ---------------------------------------------------------------------------------


def _bits(mask: int) -> list[int]:
    """The months (1–12) set in a mask."""
    return [m for m in range(1, 13) if mask >> (m - 1) & 1]


def _ratio(numerator: int | Decimal, denominator: int, places: int) -> Decimal | None:
    """Exact ratio rounded half up once, at the end; None for a zero denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def is_man(personnummer: str) -> bool:
    """Legal sex from the personnummer: the ninth digit of the ten-digit form is odd for a man."""
    return int(personnummer[10]) % 2 == 1


def _adults(base: Base) -> dict[str, int]:
    """person → adult-months mask in the year (across households)."""
    if "adults" in base._cache:
        return base._cache["adults"]
    adults: dict[str, int] = {}
    base._cache["adults"] = adults
    for row in base.of_year():
        if row.adult:
            adults[row.person] = adults.get(row.person, 0) | row.adult
    return adults


# --- one function per definition -------------------------------------------------------------------


def households(base: Base) -> int:
    """Distinct households with at least one assistance month in the year."""
    return len({row.household for row in base.of_year()})


def recipients(base: Base) -> int:
    """Distinct persons (adults and children) in the year's household-months."""
    return len({row.person for row in base.of_year()})


def adult_recipients(base: Base) -> int:
    """Distinct adults (applicant or co-applicant) with at least one assistance month in the year."""
    return len(_adults(base))


def adult_women(base: Base) -> int:
    return sum(1 for person in _adults(base) if not is_man(person))


def adult_men(base: Base) -> int:
    return sum(1 for person in _adults(base) if is_man(person))


def child_recipients(base: Base) -> int:
    """Distinct children: persons under 18 on the last day of an assistance month of the household."""
    return len({row.person for row in base.of_year() if row.child})


def young_adults_18_24(base: Base) -> int:
    """Distinct adults aged 18–24 in at least one of their assistance months as adults."""
    return len({row.person for row in base.of_year() if row.young_adult})


def long_term_adults(base: Base) -> int:
    """Adults of the year with at least 10 distinct assistance months in the year (långvarigt)."""
    return sum(1 for person in _adults(base) if base.person_months(person, base.year).bit_count() >= LONG_TERM_MONTHS)


def long_term_share(base: Base) -> Decimal | None:
    return _ratio(long_term_adults(base), adult_recipients(base), 4)


def very_long_term_adults(base: Base, years: int = VERY_LONG_TERM_YEARS) -> int:
    """Adults of the year with at least 10 assistance months in each of the year and the years−1 before."""
    if years > VERY_LONG_TERM_YEARS:
        raise ValueError(f"the base holds {VERY_LONG_TERM_YEARS} years back, not {years}")
    return sum(
        1 for person in _adults(base)
        if all(base.person_months(person, base.year - back).bit_count() >= LONG_TERM_MONTHS for back in range(years))
    )


def children_in_long_term_households(base: Base) -> int:
    """Distinct children who, in an assistance month, belonged to a household with at least 10
    assistance months in the year."""
    return len({
        row.person for row in base.of_year()
        if row.child and base.household_months_mask(row.household, base.year).bit_count() >= LONG_TERM_MONTHS
    })


def household_months(base: Base) -> int:
    """(household, month) pairs in the year."""
    return sum(base.household_months_mask(h, base.year).bit_count() for h in {row.household for row in base.of_year()})


def average_months_per_household(base: Base) -> Decimal | None:
    return _ratio(household_months(base), households(base), 2)


def amount_total(base: Base) -> Decimal:
    """The households' monthly amounts in the year, in kronor with 2 decimals."""
    return (Decimal(sum(row.amount_ore for row in base.of_year())) / 100).quantize(Decimal("0.01"))


def amount_per_household(base: Base) -> Decimal | None:
    return _ratio(amount_total(base), households(base), 2)


@dataclass(frozen=True)
class Exit:
    person: str
    month: int  # 1–12 in the base's year
    to_work_or_studies: bool
    followed_12_months: bool
    returned_within_12_months: bool


def _exits(base: Base) -> list[Exit]:
    """Ended periods: (adult, M) with M in the year, assistance in M and none in M+1 … M+3, counted only
    when the scope's data reaches M+3 (months before the data begins count as without assistance)."""
    if "exits" in base._cache:
        return base._cache["exits"]
    work_end: dict[str, int] = {}
    for row in base.of_year():
        if row.adult & row.work_or_studies_end:
            work_end[row.person] = work_end.get(row.person, 0) | (row.adult & row.work_or_studies_end)
    exits = []
    year = base.year
    for person, adult_mask in _adults(base).items():
        # 24 months: the year, then the next year in bits 12–23.
        months = base.person_months(person, year) | base.person_months(person, year + 1) << 12
        for month in _bits(adult_mask):
            gap = sum(1 << (month - 1 + step) for step in range(1, EXIT_GAP_MONTHS + 1))
            if months & gap or not base.reaches(year, month + EXIT_GAP_MONTHS):
                continue
            followed = base.reaches(year, month + FOLLOW_MONTHS)
            later = sum(1 << (month - 1 + step) for step in range(EXIT_GAP_MONTHS + 1, FOLLOW_MONTHS + 1))
            exits.append(Exit(
                person, month,
                to_work_or_studies=bool(work_end.get(person, 0) >> (month - 1) & 1),
                followed_12_months=followed,
                returned_within_12_months=followed and bool(months & later),
            ))
    base._cache["exits"] = exits
    return exits


def exits(base: Base) -> int:
    return len(_exits(base))


def exits_to_work_or_studies(base: Base) -> int:
    """Exits whose household's end reason for the month is work or studies."""
    return sum(1 for item in _exits(base) if item.to_work_or_studies)


def exits_followed_12_months(base: Base) -> int:
    """Exits where the scope's data reaches M+12."""
    return sum(1 for item in _exits(base) if item.followed_12_months)


def returned_within_12_months(base: Base) -> int:
    """Of the exits followed 12 months, those with an assistance month in M+4 … M+12."""
    return sum(1 for item in _exits(base) if item.returned_within_12_months)


# --- the whole object ------------------------------------------------------------------------------

#: The fields of the JSON object, in the contract's order, and the function of each.
DEFINITIONS = {
    "households": households,
    "recipients": recipients,
    "adult_recipients": adult_recipients,
    "adult_women": adult_women,
    "adult_men": adult_men,
    "child_recipients": child_recipients,
    "young_adults_18_24": young_adults_18_24,
    "long_term_adults": long_term_adults,
    "long_term_share": long_term_share,
    "very_long_term_adults": very_long_term_adults,
    "children_in_long_term_households": children_in_long_term_households,
    "household_months": household_months,
    "average_months_per_household": average_months_per_household,
    "amount_total": amount_total,
    "amount_per_household": amount_per_household,
    "exits": exits,
    "exits_to_work_or_studies": exits_to_work_or_studies,
    "exits_followed_12_months": exits_followed_12_months,
    "returned_within_12_months": returned_within_12_months,
}


def compute(scope: Scope, year: int, base: Base | None = None) -> dict:
    """The indicators of the scope and year, as the JSON object of ``bistand indicators``."""
    base = base if base is not None else load_base(scope, year)
    result: dict = {"scope": dict(scope.label), "year": year}
    for name, function in DEFINITIONS.items():
        result[name] = function(base)
    return result


_DECIMAL = re.compile(r'"@decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def to_json(result: dict, *, indent: int | None = 2) -> str:
    """JSON with every ratio and amount written as a number with its decimals (``0.3813``, ``1234.50``)."""

    def default(value):
        if isinstance(value, Decimal):
            return f"@decimal:{value}"
        raise TypeError(f"not JSON: {value!r}")

    return _DECIMAL.sub(r"\1", json.dumps(result, default=default, ensure_ascii=False, indent=indent))
