"""Reads of register facts, and the comparison of declared incomes with the registers.

The facts that count for a person and month are those of the newest fetch (see
:mod:`bistand.registers.models`). Reads for a user go through the tenancy scoping helper; the
functions that take an application serve the services (the monthly run, the automation) and the
pages that have already scoped the application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, Q

from bistand.common.formatting import format_kronor
from bistand.common.months import last_day
from bistand.tenancy.scoping import scoped

from .models import RegisterFact, RegisterFetch
from .ssbtek.base import AGENCIES, AGENCY_OF_INCOME, KIND_LABELS

#: Benefits paid for the household as a whole, to one of the adults: compared for the household, not
#: per person (the register may name the other parent than the declaration does).
HOUSEHOLD_KINDS: frozenset[str] = frozenset({"child_benefit", "housing_allowance", "maintenance_support"})

_MEMBER_ROLES = ("applicant", "partner", "child")


# --- who the application is about ------------------------------------------------------------------


def application_persons(application, *, members: list | None = None) -> list:
    """The persons whose register data matter for ``application``: the applicant, the co-applicant and
    the household's members (applicant, partner, children) during the month, each once. ``members``: the
    household's members in the month with their persons (``calculations.services.members_in_month``), when
    the caller has read them already (then no query, unless the applicant is outside the household)."""
    from bistand.people.models import HouseholdMember, Person

    ids: list[int] = []
    for person_id in (application.applicant_id, getattr(application, "co_applicant_id", None)):
        if person_id is not None and person_id not in ids:
            ids.append(person_id)
    if members is not None:
        known = {m.person_id: m.person for m in members}
        ids += [m.person_id for m in members if m.role in _MEMBER_ROLES and m.person_id not in ids]
        missing = [pk for pk in ids if pk not in known]
        known.update({p.pk: p for p in Person.objects.filter(pk__in=missing)} if missing else {})
        return [known[pk] for pk in ids if pk in known]
    if getattr(application, "household_id", None) is not None:
        month = application.month
        members = (
            HouseholdMember.objects.filter(household_id=application.household_id, role__in=_MEMBER_ROLES,
                                           valid_from__lte=last_day(month))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
            .order_by("valid_from", "pk")
            .values_list("person_id", flat=True)
        )
        ids += [pk for pk in members if pk not in ids]
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    return [persons[pk] for pk in ids if pk in persons]


# --- facts -----------------------------------------------------------------------------------------


def latest_fetches(person_ids: Iterable[int], period: dt.date) -> dict[int, RegisterFetch]:
    """person id → the newest fetch of that person for ``period`` (persons never fetched are missing)."""
    ids = list(person_ids)
    if not ids:
        return {}
    newest = list(
        RegisterFetch.objects.filter(person_id__in=ids, period=period)
        .values("person_id")
        .annotate(newest=Max("number"))
        .order_by()
    )
    if not newest:
        return {}
    wanted = Q(pk__in=[])
    for row in newest:
        wanted |= Q(person_id=row["person_id"], number=row["newest"])
    return {f.person_id: f for f in RegisterFetch.objects.filter(wanted, period=period)}


def facts_of_fetches(fetches: Iterable[RegisterFetch]) -> list[RegisterFact]:
    ids = [f.pk for f in fetches]
    if not ids:
        return []
    return list(RegisterFact.objects.filter(fetch_id__in=ids).order_by("person_id", "agency", "kind", "pk"))


def register_facts_for(application) -> list[RegisterFact]:
    """The facts that count for ``application``: those of the newest fetch of each of its persons for
    its month (an empty list when nothing was fetched or the registers knew of nothing)."""
    persons = application_persons(application)
    return facts_of_fetches(latest_fetches([p.pk for p in persons], application.month).values())


def facts_for_person(person, period: dt.date, user) -> list[RegisterFact]:
    """The facts of the newest fetch of ``person`` for ``period`` that ``user`` may see."""
    fetch = latest_fetches([person.pk], period).get(person.pk)
    if fetch is None:
        return []
    return list(scoped(RegisterFact.objects.filter(fetch=fetch), user).order_by("agency", "kind", "pk"))


# --- declared vs register --------------------------------------------------------------------------


def default_tolerance() -> tuple[int, int]:
    """(öre, per cent) from the settings ``BISTAND_REGISTER_TOLERANCE_ORE`` (default 0) and
    ``BISTAND_REGISTER_TOLERANCE_PERCENT`` (default 0): by default every difference is shown."""
    return (int(getattr(settings, "BISTAND_REGISTER_TOLERANCE_ORE", 0)),
            int(getattr(settings, "BISTAND_REGISTER_TOLERANCE_PERCENT", 0)))


def _ore(amount: Any) -> int:
    value = Decimal(str(amount)) * 100
    return int(value.to_integral_value())


def declared_members(application) -> dict[str, int]:
    """Member reference of the declaration ("applicant", "partner", a child's key) → person id, for the
    members that are persons in the register."""
    members = (application.declaration or {}).get("members") or {}
    refs: dict[str, int] = {}
    for role in ("applicant", "partner"):
        member = members.get(role)
        if isinstance(member, Mapping) and member.get("person_id") is not None:
            refs[role] = int(member["person_id"])
    for child in members.get("children") or ():
        if isinstance(child, Mapping) and child.get("key") is not None and child.get("person_id") is not None:
            refs[str(child["key"])] = int(child["person_id"])
    if "applicant" not in refs and getattr(application, "applicant_id", None) is not None:
        refs["applicant"] = application.applicant_id
    if "partner" not in refs and getattr(application, "co_applicant_id", None) is not None:
        refs["partner"] = application.co_applicant_id
    return refs


def declared_incomes(application) -> list[dict[str, Any]]:
    """The incomes the applicant declared: ``[{"type", "amount_ore", "member", "person_id"}]`` from the
    application's declaration (version 1: ``incomes`` [{type, member ("applicant" | "partner" | a
    child's key), amount_ore}]; ``person_id`` None when the member is not a known person)."""
    incomes = (application.declaration or {}).get("incomes") or []
    refs = declared_members(application)
    out = []
    for income in incomes:
        if not isinstance(income, Mapping) or not income.get("type"):
            continue
        if income.get("amount_ore") not in (None, ""):
            amount = int(income["amount_ore"])
        elif income.get("amount") not in (None, ""):
            amount = _ore(income["amount"])
        else:
            continue
        member = income.get("member") or "applicant"
        out.append({"type": str(income["type"]), "amount_ore": amount, "member": member,
                    "person_id": refs.get(str(member))})
    return out


@dataclass(frozen=True)
class Comparison:
    """Declared and register amounts of one income type (for one person, or for the household)."""

    kind: str
    person_id: int | None  # None: compared for the household (HOUSEHOLD_KINDS or member unknown)
    declared_ore: int
    register_ore: int | None  # None: no register reports this type, or the person was not fetched
    agency: str | None
    checkable: bool  # False: no register reports this type, or nothing was fetched for the person
    flagged: bool  # the difference is larger than the tolerance

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def agency_label(self) -> str:
        return AGENCIES.get(self.agency, "") if self.agency else ""

    @property
    def difference_ore(self) -> int | None:
        return None if self.register_ore is None else self.register_ore - self.declared_ore

    @property
    def code(self) -> str:
        if not self.checkable:
            return "not_checkable"
        if self.declared_ore == 0 and self.register_ore:
            return "not_declared"
        if self.register_ore == 0 and self.declared_ore:
            return "not_in_register"
        return "different_amount" if self.flagged else "same"


@dataclass(frozen=True)
class Difference:
    """A declared income that does not match the registers beyond the tolerance (or that cannot be
    checked because the registers were not asked)."""

    code: str  # different_amount | not_declared | not_in_register | not_fetched
    kind: str
    person_id: int | None
    declared_ore: int
    register_ore: int | None
    agency: str | None
    detail: str  # Swedish

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _flagged(declared: int, register: int, tolerance_ore: int, tolerance_percent: int) -> bool:
    gap = abs(register - declared)
    if gap == 0:
        return False
    return gap > tolerance_ore and gap * 100 > tolerance_percent * max(declared, register)


def income_comparison(
    application,
    *,
    tolerance_ore: int | None = None,
    tolerance_percent: int | None = None,
    facts: Iterable[RegisterFact] | None = None,
    persons: list | None = None,
    fetches: Mapping[int, RegisterFetch] | None = None,
) -> tuple[list[Comparison], list]:
    """Declared incomes next to the register's, per income type (and per person, except
    :data:`HOUSEHOLD_KINDS`), with each row flagged when the difference is larger than the tolerance
    (``tolerance_ore`` and ``tolerance_percent`` of the larger amount, both exceeded). Also returns the
    persons of the application that were never fetched for the month.

    ``persons`` (:func:`application_persons`) and ``fetches`` (person id → newest fetch, as
    :func:`latest_fetches`) may be given when already read (the monthly run reads them for many
    applications at once); ``facts`` must then be given too."""
    default_ore, default_percent = default_tolerance()
    tolerance_ore = default_ore if tolerance_ore is None else tolerance_ore
    tolerance_percent = default_percent if tolerance_percent is None else tolerance_percent
    if persons is None:
        persons = application_persons(application)
    if fetches is None:
        fetches = latest_fetches([p.pk for p in persons], application.month)
    fetched = set(fetches)
    not_fetched = [p for p in persons if p.pk not in fetched]
    if facts is None:
        facts = facts_of_fetches(fetches.values())

    def key(kind: str, person_id: int | None) -> tuple[str, int | None]:
        return (kind, None if kind in HOUSEHOLD_KINDS else person_id)

    declared: dict[tuple[str, int | None], int] = {}
    for income in declared_incomes(application):
        k = key(income["type"], income["person_id"])
        declared[k] = declared.get(k, 0) + income["amount_ore"]
    register: dict[tuple[str, int | None], int] = {}
    for fact in facts:
        if fact.amount_ore is None or fact.kind not in AGENCY_OF_INCOME:
            continue
        k = key(fact.kind, fact.person_id)
        register[k] = register.get(k, 0) + fact.amount_ore

    rows: list[Comparison] = []
    for kind, person_id in sorted(set(declared) | set(register), key=lambda k: (k[1] or 0, k[0])):
        declared_ore = declared.get((kind, person_id), 0)
        agency = AGENCY_OF_INCOME.get(kind)
        if kind in HOUSEHOLD_KINDS:
            was_fetched = bool(fetched)
        else:
            was_fetched = person_id is not None and person_id in fetched
        checkable = agency is not None and was_fetched
        register_ore = register.get((kind, person_id), 0) if checkable else None
        flagged = checkable and _flagged(declared_ore, register_ore, tolerance_ore, tolerance_percent)
        rows.append(Comparison(kind, person_id, declared_ore, register_ore, agency, checkable, flagged))
    return rows, not_fetched


def differences(
    application,
    *,
    tolerance_ore: int | None = None,
    tolerance_percent: int | None = None,
    facts: Iterable[RegisterFact] | None = None,
    persons: list | None = None,
    fetches: Mapping[int, RegisterFetch] | None = None,
) -> list[Difference]:
    """The flagged rows of :func:`income_comparison` as :class:`Difference` (with a Swedish detail), and
    one ``not_fetched`` difference for each person of the application whose register data were not
    fetched for the month."""
    rows, not_fetched = income_comparison(
        application, tolerance_ore=tolerance_ore, tolerance_percent=tolerance_percent, facts=facts, persons=persons,
        fetches=fetches,
    )
    found: list[Difference] = []
    for person in not_fetched:
        found.append(Difference("not_fetched", "", person.pk, 0, None, None,
                                "Registeruppgifter har inte hämtats för en person i ansökan."))
    for row in rows:
        if not row.flagged:
            continue
        label = row.kind_label
        if row.code == "not_declared":
            detail = f"{label}: {format_kronor(row.register_ore)} enligt {row.agency_label}, men inget angivet i ansökan."
        elif row.code == "not_in_register":
            detail = f"{label}: {format_kronor(row.declared_ore)} angivet i ansökan, men inget enligt {row.agency_label}."
        else:
            detail = (f"{label}: {format_kronor(row.declared_ore)} angivet i ansökan, "
                      f"{format_kronor(row.register_ore)} enligt {row.agency_label}.")
        found.append(Difference(row.code, row.kind, row.person_id, row.declared_ore, row.register_ore, row.agency, detail))
    return found
