"""The monthly files for Socialstyrelsen's register of ekonomiskt bistånd (HSLF-FS 2015:30, issue 19 §4).

Two files per municipality and month (shared reference statistics.md §1.3):

- ``assistance`` (bilaga 1): one row per household with försörjningsstöd for the month the assistance
  is *for*: household type, children, the amount, the registerledare (applicant) and medsökande
  (co-applicant) with sex, age, main försörjningshinder and participation in a municipal labour-market
  measure, and the personnummer of the other members;
- ``end_reasons`` (bilaga 2): the households whose assistance ended in one of the four months before
  (last month with assistance, none the month after), with the end reason.

The layout and the code lists are versioned data files (``data/statistik/layout.yaml`` and
``koder.yaml``); the current annexes of HSLF-FS 2015:30 were not found, so almost all of it is
unverified and :func:`unverified_notes` says so on every run. Everything is read from the one base of
:class:`~bistand.followup.models.PersonMonth` (decisions and imported history alike), the recorded
försörjningshinder (:class:`~bistand.followup.models.SupportBarrier`) and the plans' actions.

:func:`build` reads a month and checks it (:class:`Problem` per household and missing field);
:func:`render` writes a file's bytes. The same data give the same bytes, so a re-export of a month is the
full month again, identical. The export log is written by :func:`bistand.followup.services.export_statistics`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from bistand.common.months import add_months, age_at, format_month, last_day
from bistand.plans.models import Action, ActionStatus, PlanStatus, Responsible

from .dashboard import household_type
from .indicators import is_man
from .models import AssistanceMonth, MonthRole, PersonMonth, SupportBarrier

DATA = Path(__file__).parent / "data" / "statistik"
FILES = ("assistance", "end_reasons")
FILE_LABELS = {"assistance": "bistånd", "end_reasons": "avslut"}


# --- the data files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    verified: bool
    description: str


@dataclass(frozen=True)
class FileLayout:
    key: str
    title: str
    suffix: str
    columns: tuple[Column, ...]
    window_months: int = 0


@dataclass(frozen=True)
class Layout:
    version: str
    verified: bool
    separator: str
    line_end: str
    encoding: str
    format_verified: bool
    files: dict[str, FileLayout]


@dataclass(frozen=True)
class CodeList:
    key: str
    title: str
    verified: bool
    codes: dict[str, str]


@dataclass(frozen=True)
class Codes:
    version: str
    lists: dict[str, CodeList]

    def code(self, list_key: str, value: str) -> str | None:
        """The file's code for the system's ``value`` (``None``: the list has no mapping for it)."""
        return self.lists[list_key].codes.get(value)


@lru_cache(maxsize=1)
def layout() -> Layout:
    data = yaml.safe_load((DATA / "layout.yaml").read_text(encoding="utf-8"))
    files = {}
    for key, item in data["files"].items():
        columns = tuple(Column(c["name"], c["source"], bool(c["verified"]), c["description"]) for c in item["columns"])
        unknown = [c.source for c in columns if _source(c.source) is None]
        if unknown:
            raise ValueError(f"layout.yaml, {key}: okända källor {unknown}")
        files[key] = FileLayout(key, item["title"], item["suffix"], columns, int(item.get("window_months", 0)))
    fmt = data["format"]
    return Layout(str(data["version"]), bool(data["verified"]), fmt["separator"], fmt["line_end"], fmt["encoding"],
                  bool(fmt["verified"]), files)


@lru_cache(maxsize=1)
def codes() -> Codes:
    data = yaml.safe_load((DATA / "koder.yaml").read_text(encoding="utf-8"))
    lists = {key: CodeList(key, item["title"], bool(item["verified"]), {str(k): str(v) for k, v in item["codes"].items()})
             for key, item in data["lists"].items()}
    return Codes(str(data["version"]), lists)


def unverified_notes() -> list[str]:
    """What in the layout and the code lists is not verified against HSLF-FS 2015:30 (Swedish, for the
    command's output and the manager's page)."""
    lay, cod = layout(), codes()
    notes = []
    if not lay.verified:
        notes.append(f"Filbeskrivningen (version {lay.version}) är inte verifierad mot bilagorna till HSLF-FS 2015:30.")
    if not lay.format_verified:
        notes.append("Filformatet (tabbavgränsad text, CRLF, UTF-8) är inte verifierat.")
    for file in lay.files.values():
        names = [column.name for column in file.columns if not column.verified]
        if names:
            notes.append(f"{file.title}: kolumner som inte är verifierade: {', '.join(names)}.")
    for item in cod.lists.values():
        if not item.verified:
            notes.append(f"Kodlistan {item.title} (version {cod.version}) är preliminär och inte verifierad.")
    return notes


# --- one month's content -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    person_id: int
    personnummer: str
    birth_date: dt.date
    role: str


@dataclass
class HouseholdMonth:
    """One household's row of the assistance file."""

    key: str
    month: dt.date
    adults: list[Member]  # applicant first, then co-applicant
    others: list[Member]
    amount_ore: int
    barriers: dict[int, str] = field(default_factory=dict)  # person id → the system's code
    measures: set[int] = field(default_factory=set)  # person ids in a municipal labour-market measure
    municipality_code: str = ""

    @property
    def applicant(self) -> Member | None:
        return self.adults[0] if self.adults else None

    @property
    def co_applicant(self) -> Member | None:
        return self.adults[1] if len(self.adults) > 1 else None

    def children(self) -> list[Member]:
        return [m for m in self.others if age_at(m.birth_date, last_day(self.month)) < 18]


@dataclass
class HouseholdEnd:
    """One household's row of the end-reason file."""

    key: str
    month: dt.date  # the month of the delivery
    end_month: dt.date  # the last month with assistance
    adults: list[Member]
    reason: str
    municipality_code: str = ""

    @property
    def applicant(self) -> Member | None:
        return self.adults[0] if self.adults else None

    @property
    def co_applicant(self) -> Member | None:
        return self.adults[1] if len(self.adults) > 1 else None


@dataclass(frozen=True)
class Problem:
    """Something missing or wrong in one household's row (the check before the file is written)."""

    file: str
    household_key: str
    field: str
    message: str

    @property
    def household(self) -> str:
        return household_label(self.household_key)

    def __str__(self) -> str:
        return f"{self.household}: {self.field}: {self.message}"


@dataclass
class StatisticsMonth:
    municipality: object
    month: dt.date
    households: list[HouseholdMonth]
    ends: list[HouseholdEnd]
    problems: list[Problem]

    def person_ids(self) -> set[int]:
        return ({m.person_id for h in self.households for m in [*h.adults, *h.others]}
                | {m.person_id for e in self.ends for m in e.adults})


def household_label(key: str) -> str:
    """A household key of the base as people read it."""
    if key.startswith("h") and key[1:].isdigit():
        return f"Hushåll {key[1:]}"
    if key.startswith("x:"):
        return f"Hushåll {key[2:]} (inläst historik)"
    return f"Hushåll {key}"


ROLE_LABELS = {MonthRole.APPLICANT: "sökande", MonthRole.CO_APPLICANT: "medsökande", MonthRole.CHILD: "barn"}


def _members(rows: list[tuple]) -> tuple[list[Member], list[Member]]:
    adults = [Member(*row) for row in rows if row[3] in (MonthRole.APPLICANT, MonthRole.CO_APPLICANT)]
    adults.sort(key=lambda m: (m.role != MonthRole.APPLICANT, m.personnummer))
    others = sorted((Member(*row) for row in rows if row[3] == MonthRole.CHILD), key=lambda m: m.personnummer)
    return adults, others


def _barriers(municipality_id: int, month: dt.date, household_ids: set[int]) -> dict[tuple[int, int], str]:
    """(household id, person id) → the main försörjningshinder recorded on the latest decision of the
    month that has one for the person."""
    decisions = dict(AssistanceMonth.objects.filter(municipality_id=municipality_id, month=month,
                                                    household_id__in=household_ids)
                     .values_list("decision_id", "household_id").distinct())
    out: dict[tuple[int, int], tuple[int, str]] = {}
    for decision_id, person_id, code in (SupportBarrier.objects.filter(decision_id__in=decisions)
                                         .values_list("decision_id", "person_id", "code")):
        key = (decisions[decision_id], person_id)
        if key not in out or out[key][0] < decision_id:
            out[key] = (decision_id, code)
    return {key: code for key, (_decision, code) in out.items()}


def _measures(municipality_id: int, month: dt.date, person_ids: set[int]) -> set[int]:
    """The persons in a municipal labour-market measure in the month: an action of a shared plan valid in
    the month, with the municipality's labour-market unit responsible, ongoing or done, and not due before
    the month (the project's rule until the variable of bilaga 1 is known)."""
    first, last = month, last_day(month)
    actions = Action.objects.filter(
        plan__municipality_id=municipality_id, plan__person_id__in=person_ids,
        responsible=Responsible.LABOUR_MARKET_UNIT, status__in=[ActionStatus.ONGOING, ActionStatus.DONE],
        plan__valid_from__lte=last, plan__shared_at__isnull=False,
    ).exclude(plan__status=PlanStatus.DRAFT).exclude(plan__valid_to__lt=first).exclude(due_date__lt=first)
    return set(actions.values_list("plan__person_id", flat=True))


_ROW = ("household_key", "person_id", "person__personnummer", "person__birth_date", "role", "month", "amount_ore",
        "end_reason")


def build(municipality, month: dt.date) -> StatisticsMonth:
    """The content of the month's two files for ``municipality``, checked (five queries)."""
    month = month.replace(day=1)
    first = add_months(month, -layout().files["end_reasons"].window_months)
    rows = list(PersonMonth.objects.filter(municipality_id=municipality.pk, month__gte=first, month__lte=month)
                .values_list(*_ROW))
    by_household: dict[tuple[str, dt.date], list[tuple]] = defaultdict(list)
    for key, person_id, number, born, role, row_month, amount, reason in rows:
        by_household[(key, row_month)].append((person_id, number, born, role, amount, reason))
    cod = codes()
    problems: list[Problem] = []

    households = []
    for (key, row_month), members in by_household.items():
        if row_month != month:
            continue
        adults, others = _members([m[:4] for m in members])
        amount = sum(m[4] or 0 for m in members if m[3] == MonthRole.APPLICANT)
        households.append(HouseholdMonth(key, month, adults, others, amount, municipality_code=municipality.code))
    system_ids = {int(h.key[1:]) for h in households if h.key.startswith("h") and h.key[1:].isdigit()}
    barriers = _barriers(municipality.pk, month, system_ids)
    measures = _measures(municipality.pk, month, {m.person_id for h in households for m in h.adults})
    for household in households:
        household_id = int(household.key[1:]) if household.key[1:].isdigit() else None
        for member in household.adults:
            code = barriers.get((household_id, member.person_id)) if household.key.startswith("h") else None
            if code:
                household.barriers[member.person_id] = code
            if member.person_id in measures:
                household.measures.add(member.person_id)
        problems.extend(_check_household(household, cod))
    households.sort(key=lambda h: (h.applicant.personnummer if h.applicant else "", h.key))

    ends = []
    for offset in range(layout().files["end_reasons"].window_months, 0, -1):
        end_month = add_months(month, -offset)
        for (key, row_month), members in by_household.items():
            if row_month != end_month or (key, add_months(end_month, 1)) in by_household:
                continue
            adults, _others = _members([m[:4] for m in members])
            reason = next((m[5] for m in members if m[3] == MonthRole.APPLICANT and m[5]), "")
            end = HouseholdEnd(key, month, end_month, adults, reason, municipality_code=municipality.code)
            ends.append(end)
            problems.extend(_check_end(end, cod))
    ends.sort(key=lambda e: (e.end_month, e.applicant.personnummer if e.applicant else "", e.key))
    problems.sort(key=lambda p: (FILES.index(p.file), p.household_key, p.field, p.message))
    return StatisticsMonth(municipality, month, households, ends, problems)


def _check_household(household: HouseholdMonth, cod: Codes) -> list[Problem]:
    def problem(field_name: str, message: str) -> Problem:
        return Problem("assistance", household.key, field_name, message)

    found = []
    if household.applicant is None or household.applicant.role != MonthRole.APPLICANT:
        found.append(problem("Sökande", "hushållet har ingen sökande (registerledare) månaden."))
    if len(household.adults) > 2:
        found.append(problem("Medsökande", f"hushållet har {len(household.adults)} vuxna; filen har plats för två."))
    for member in household.adults[:2]:
        who = ROLE_LABELS[member.role]
        code = household.barriers.get(member.person_id)
        if not code:
            found.append(problem("Försörjningshinder", f"saknas för {who}."))
        elif cod.code("forsorjningshinder", code) is None:
            found.append(problem("Försörjningshinder", f"koden {code!r} för {who} finns inte i kodlistan."))
    if household.amount_ore <= 0:
        found.append(problem("Belopp", "inget belopp för månaden."))
    return found


def _check_end(end: HouseholdEnd, cod: Codes) -> list[Problem]:
    def problem(field_name: str, message: str) -> Problem:
        return Problem("end_reasons", end.key, field_name, message)

    if not end.reason:
        return [problem("Avslutsorsak", f"saknas (sista månaden med bistånd: {format_month(end.end_month)}).")]
    if cod.code("avslutsorsak", end.reason) is None:
        return [problem("Avslutsorsak", f"koden {end.reason!r} finns inte i kodlistan.")]
    return []


# --- the values of the columns --------------------------------------------------------------------------


def _kronor(ore: int) -> str:
    return str((Decimal(ore) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sex(member: Member) -> str:
    return codes().code("kon", "man" if is_man(member.personnummer) else "woman") or ""


def _household_type(household: HouseholdMonth) -> str:
    adults = [is_man(m.personnummer) for m in household.adults]
    return codes().code("hushallstyp", household_type(adults, len(household.children()))) or ""


#: Person-level values: ``applicant.<name>`` and ``co_applicant.<name>`` in the layout.
PERSON_SOURCES: dict[str, Callable] = {
    "personnummer": lambda row, m: m.personnummer,
    "household_status": lambda row, m: codes().code("hushallsstallning", m.role) or "",
    "sex": lambda row, m: _sex(m),
    "age": lambda row, m: str(age_at(m.birth_date, last_day(row.month))),
    "support_barrier": lambda row, m: codes().code("forsorjningshinder", row.barriers.get(m.person_id, "")) or "",
    "labour_market_measure": lambda row, m: codes().code("arbetsmarknadsinsats",
                                                         "yes" if m.person_id in row.measures else "no") or "",
}

#: Row-level values of the layout's ``source`` keys.
SOURCES: dict[str, Callable] = {
    "year": lambda row: f"{row.month.year:04d}",
    "month": lambda row: f"{row.month.month:02d}",
    "municipality_code": lambda row: row.municipality_code,
    "district": lambda row: "",
    "household_type": lambda row: _household_type(row),
    "children_under_16": lambda row: str(sum(1 for m in row.children() if row.month.year - m.birth_date.year <= 15)),
    "children_under_18": lambda row: str(len(row.children())),
    "amount_kronor": lambda row: _kronor(row.amount_ore),
    "other_members": lambda row: ",".join(m.personnummer for m in row.others),
    "end_month": lambda row: f"{row.end_month:%Y%m}",
    "end_reason": lambda row: (codes().code("avslutsorsak", row.reason) or "") if row.reason else "",
}


def _source(name: str) -> Callable | None:
    if "." in name:
        who, value = name.split(".", 1)
        if who not in ("applicant", "co_applicant") or value not in PERSON_SOURCES:
            return None

        def person_value(row):
            member = getattr(row, who)
            return PERSON_SOURCES[value](row, member) if member is not None else ""

        return person_value
    return SOURCES.get(name)


def render(stats: StatisticsMonth, file: str) -> bytes:
    """The bytes of one of the month's files (``assistance`` or ``end_reasons``)."""
    lay = layout()
    file_layout = lay.files[file]
    getters = [_source(column.source) for column in file_layout.columns]
    rows = stats.households if file == "assistance" else stats.ends
    lines = []
    for row in rows:
        lines.append(lay.separator.join(getter(row) for getter in getters) + lay.line_end)
    return "".join(lines).encode(lay.encoding)


def file_name(municipality, month: dt.date, file: str) -> str:
    """The suggested name of a file: ``ekb-0680-2025-06.txt``, ``ekb-0680-2025-06-avslut.txt``."""
    return f"ekb-{municipality.code}-{format_month(month)}{layout().files[file].suffix}.txt"


def out_paths(out: Path) -> dict[str, Path]:
    """Where the command writes the two files: ``out`` itself and ``out`` with the end-reason suffix."""
    return {file: out if not layout().files[file].suffix else
            out.with_name(f"{out.stem}{layout().files[file].suffix}{out.suffix}") for file in FILES}
