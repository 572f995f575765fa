"""Reads for gallring: what belongs to a case, when its last entry was made, and which cases are due.

A **case** is a household with everything that refers to it, directly or through other records: its
applications, register data, calculations, decisions with their lines and letters, payments, case notes,
follow-up facts, and its members with their assessments, plans and access-log rows. Two households that
share a person (a partner who moved, a child in two households) are one case: the law removes a person's
data only when nothing about the person is left to keep, so they are removed together, when both are due.

The walk follows every foreign key of the project's models (``bistand.*``) that points at a record already
in the case, so a model added later is part of the case without a change here; a record that points at a
person or household outside the case pulls that person or household in. Records that only *refer* to
shared things (a user, a unit, a bank file, a monthly run) leave those shared things alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Max

from bistand.audit.models import AccessLog, AuditEvent
from bistand.common.months import add_months
from bistand.payments.models import PaymentExport
from bistand.people.models import Household, Person

from .models import RetentionPlan

#: Reads are not entries in the case: an access-log row does not move its last entry.
NOT_ENTRIES = {AccessLog}
#: Records with their own retention time in the plan (plan field, Swedish label, app labels or models).
KINDS = {
    "register_data": ("register_data_months", "registeruppgifter", lambda model: model._meta.app_label == "registers"),
    "attachments": ("attachment_months", "bilagor", lambda model: model._meta.label_lower == "applications.attachment"),
}


def plan_for(municipality) -> RetentionPlan:
    """The municipality's plan, or the law's default (five years, research days 5, 15, 25) unsaved."""
    try:
        return RetentionPlan.objects.get(municipality=municipality)
    except RetentionPlan.DoesNotExist:
        return RetentionPlan(municipality=municipality)


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("bistand.") and m is not AuditEvent]


def _graph() -> tuple[dict, dict, set]:
    """The foreign keys (and one-to-ones) of the project's models: target → [(model, attname)], model →
    [(attname, target)], and the models that belong to cases (a chain of keys leads to a person or
    household). Shared records (a bank file, a monthly run, a history import) do not belong to a case."""
    into: dict[type[models.Model], list[tuple[type[models.Model], str]]] = defaultdict(list)
    out: dict[type[models.Model], list[tuple[str, type[models.Model]]]] = defaultdict(list)
    for model in _project_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and (f.many_to_one or f.one_to_one):
                target = f.related_model._meta.concrete_model
                into[target].append((model, f.attname))
                out[model].append((f.attname, target))
    owned = {Person, Household}
    grown = True
    while grown:
        grown = False
        for model, keys in out.items():
            if model not in owned and any(target in owned for _a, target in keys):
                owned.add(model)
                grown = True
    return into, out, owned


@dataclass
class Case:
    """The records of one case: model → primary keys."""

    household_ids: set[int]
    person_ids: set[int]
    rows: dict[type[models.Model], set] = field(default_factory=dict)
    last_entry: dt.datetime | None = None
    municipality_ids: set[int] = field(default_factory=set)
    birth_days: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {model._meta.label_lower: len(pks) for model, pks in sorted(self.rows.items(), key=lambda i: i[0]._meta.label)
                if pks}

    def kind_rows(self, kind: str) -> dict[type[models.Model], set]:
        matches = KINDS[kind][2]
        return {model: pks for model, pks in self.rows.items() if matches(model) and pks}


def collect_case(household_ids: set[int], person_ids: set[int] = frozenset()) -> Case:
    """Everything that belongs to the case of these households and persons (see the module docstring)."""
    into, out, owned = _graph()
    rows: dict[type[models.Model], set] = defaultdict(set)
    frontier: dict[type[models.Model], set] = defaultdict(set)

    def add(model, pks):
        new = set(pks) - rows[model]
        if new:
            rows[model] |= new
            frontier[model] |= new

    add(Household, household_ids)
    add(Person, person_ids)
    while frontier:
        model, pks = frontier.popitem()
        # What refers to these records belongs to the case ...
        for referrer, attname in into.get(model, []):
            add(referrer, referrer.objects.filter(**{f"{attname}__in": pks}).values_list("pk", flat=True))
        # ... and so do the persons, households and their records that these records name.
        for attname, target in out.get(model, []):
            if target in owned:
                add(target, model.objects.filter(pk__in=pks, **{f"{attname}__isnull": False})
                    .values_list(attname, flat=True))
    case = Case(household_ids=set(rows[Household]), person_ids=set(rows[Person]),
                rows={m: pks for m, pks in rows.items() if pks})
    case.last_entry = _last_entry(case)
    for model, pks in case.rows.items():
        if any(f.attname == "municipality_id" for f in model._meta.concrete_fields):
            case.municipality_ids |= set(model.objects.filter(pk__in=pks).values_list("municipality_id", flat=True))
    case.birth_days = {d.day for d in Person.objects.filter(pk__in=case.person_ids).values_list("birth_date", flat=True)}
    return case


def _last_entry(case: Case) -> dt.datetime | None:
    """The latest timestamp of any record in the case (reads excluded)."""
    latest = None
    for model, pks in case.rows.items():
        if model in NOT_ENTRIES:
            continue
        stamps = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
        if not stamps:
            continue
        values = model.objects.filter(pk__in=pks).aggregate(**{f"m_{name}": Max(name) for name in stamps})
        for value in values.values():
            if value is not None and (latest is None or value > latest):
                latest = value
    return latest


def due_date(last_entry: dt.datetime, months: int) -> dt.date:
    """The day a record may be removed: ``months`` after the day of the last entry."""
    day = last_entry.date()
    first = add_months(day.replace(day=1), months)
    # The same day of the month, or the month's last day (31 January + 1 month → 28/29 February).
    next_month = add_months(first, 1)
    return min(first.replace(day=1) + dt.timedelta(days=day.day - 1), next_month - dt.timedelta(days=1))


@dataclass
class CaseVerdict:
    case: Case
    due: bool  # the whole case is due
    kinds_due: list[str]  # kinds with a shorter time whose records are due (the case is not)
    kept_for_research: bool
    refused: str = ""  # why the case cannot be removed (empty when it can)


def judge(case: Case, plan: RetentionPlan, today: dt.date) -> CaseVerdict:
    research = plan.keep_all_for_research or bool(case.birth_days & set(plan.birth_days))
    refused = ""
    if case.municipality_ids - {plan.municipality_id}:
        refused = "ärendet har uppgifter i en annan kommun"
    if case.last_entry is None:
        return CaseVerdict(case, False, [], research, refused)
    due = due_date(case.last_entry, plan.case_months) <= today
    kinds_due = [] if due else [
        kind for kind, (months_field, _label, _m) in KINDS.items()
        if case.kind_rows(kind) and due_date(case.last_entry, getattr(plan, months_field)) <= today
    ]
    return CaseVerdict(case, due, kinds_due, research, refused)


def cases_of(municipality) -> list[Case]:
    """Every case of the municipality, each once (households that share persons are one case; a person in
    no household, such as one registered but never part of an application, is a case of its own)."""
    seen_households: set[int] = set()
    seen_persons: set[int] = set()
    cases = []
    for household_id in Household.objects.filter(municipality=municipality).order_by("pk").values_list("pk", flat=True):
        if household_id in seen_households:
            continue
        case = collect_case({household_id})
        seen_households |= case.household_ids
        seen_persons |= case.person_ids
        cases.append(case)
    for person_id in Person.objects.filter(municipality=municipality).order_by("pk").values_list("pk", flat=True):
        if person_id in seen_persons:
            continue
        case = collect_case(set(), {person_id})
        seen_households |= case.household_ids
        seen_persons |= case.person_ids
        cases.append(case)
    return cases


def bank_file_due_date(export_date: dt.date, months: int) -> dt.date:
    """The day a bank file may be removed: ``months`` after the end of the calendar year it was made in
    (bokföringslagen 7 kap. 2 §: kept "till och med det sjunde året efter utgången av det kalenderår då
    räkenskapsåret avslutades"; a municipality's financial year is the calendar year)."""
    return add_months(dt.date(export_date.year + 1, 1, 1), months)


def bank_files_due(municipality, plan: RetentionPlan, today: dt.date) -> list[int]:
    """The ids of the municipality's bank files (payments.PaymentExport) whose time has run out. A bank
    file is the municipality's, not one case's: it holds every payee of that day, so it has its own time."""
    # Every file made in a year up to this one is due: the due date grows with the year only.
    last_year_due = max((year for year in range(today.year - plan.bank_file_months // 12 - 1, today.year + 1)
                         if bank_file_due_date(dt.date(year, 1, 1), plan.bank_file_months) <= today), default=None)
    if last_year_due is None:
        return []
    return list(PaymentExport.objects.filter(municipality=municipality, export_date__year__lte=last_year_due,
                                             removed_at__isnull=True).order_by("pk").values_list("pk", flat=True))
