"""Writes of stored calculations, and the building of a household's calculation input.

A stored calculation is made once and never changed (see :mod:`bistand.calculations.models`). The
calculation itself is :func:`bistand.rules.calculate`; this module adds what the rules package does not
know about: households, users, the database and the audit trail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bistand import rules
from bistand.audit.services import diff, display_name, record_change, record_create, snapshot
from bistand.bulkinsert import insert_many
from bistand.common.months import format_month, last_day, parse_month
from bistand.people.models import HouseholdMember, HouseholdRole
from bistand.rules import parameters as rules_parameters
from bistand.rules.parameters import load_parameters
from bistand.tenancy.scoping import check_can_act_in

from .inputs import (
    AdultFacts,
    AdultHistory,
    ChildFacts,
    DecimalJSONDecoder,
    DecimalJSONEncoder,
    InputBuildError,
    build_contract_input,
    input_hash,
    wage_in,
)
from .models import MadeBy, StoredCalculation, YearParameters
from .paid_months import paid_months

#: Fields written to the audit trail when a calculation is stored (the input and the result are in the
#: row itself; the audit event names the row and its key figures).
AUDIT_FIELDS = [
    "household",
    "month",
    "input_hash",
    "amount_ore",
    "outcome",
    "engine_version",
    "parameter_hash",
    "made_by",
    "made_by_user",
]


class CalculationConflictError(ValueError):
    """The input contradicts the household or the month it is stored for (message in Swedish)."""


@dataclass(frozen=True)
class PreparedCalculation:
    """A calculation that has been made but not stored: the input as stored, and what came out."""

    input_data: dict[str, Any]
    input_hash: str
    result: dict[str, Any]
    amount_ore: int
    outcome: str
    engine_version: str
    parameter_hash: str


def _local_dir() -> str | None:
    return getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None)


def normalise_input(document: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``document`` in the form it is stored and hashed in: amounts as int or Decimal
    (never float) and the contract's empty lists written out."""
    copy = json.loads(json.dumps(document, cls=DecimalJSONEncoder), cls=DecimalJSONDecoder)
    if isinstance(copy, dict):
        copy.setdefault("costs", [])
        copy.setdefault("incomes", [])
        if isinstance(copy.get("household"), dict):
            copy["household"].setdefault("children", [])
    return copy


def prepare_calculation(document: Mapping[str, Any]) -> PreparedCalculation:
    """Run :func:`bistand.rules.calculate` on ``document`` (raises ``CalculationInputError`` for input that
    does not follow the contract)."""
    data = normalise_input(document)
    result = rules.calculate(data, local_dir=_local_dir())
    metadata = result.metadata()
    return PreparedCalculation(
        input_data=data,
        input_hash=input_hash(data),
        result=result.to_dict(trace=True),
        amount_ore=result.amount * 100,
        outcome=result.outcome,
        engine_version=metadata["engine_version"],
        parameter_hash=metadata["parameter_hash"],
    )


def _made_by(user) -> tuple[str, Any, str]:
    """(made_by, the user or None, the name shown) for a user, "demo", "system" or None (= system)."""
    if user is None or user == MadeBy.SYSTEM:
        return MadeBy.SYSTEM, None, MadeBy.SYSTEM.label
    if user == MadeBy.DEMO:
        return MadeBy.DEMO, None, MadeBy.DEMO.label
    if isinstance(user, str):
        raise ValueError(f"made by must be a user, 'demo' or 'system', not {user!r}")
    return MadeBy.USER, user, display_name(user)


def new_stored_calculation(
    *,
    household,
    month: dt.date,
    prepared: PreparedCalculation,
    user=None,
    created_at: dt.datetime | None = None,
) -> StoredCalculation:
    """An unsaved StoredCalculation for ``prepared`` (for :func:`calculate_and_store` and bulk loading)."""
    made_by, actor, name = _made_by(user)
    return StoredCalculation(
        municipality_id=household.municipality_id,
        household=household,
        month=month,
        input_data=prepared.input_data,
        input_hash=prepared.input_hash,
        result=prepared.result,
        amount_ore=prepared.amount_ore,
        outcome=prepared.outcome,
        engine_version=prepared.engine_version,
        parameter_hash=prepared.parameter_hash,
        made_by=made_by,
        made_by_user=actor,
        made_by_name=name[:200],
        created_at=created_at or timezone.now(),
    )


def _input_for(household, month: dt.date, document: Mapping[str, Any]) -> dict[str, Any]:
    data = normalise_input(document)
    if not isinstance(data, dict):
        raise CalculationConflictError("Indata ska vara ett JSON-objekt.")
    wanted = format_month(month)
    if data.get("month") not in (None, wanted):
        raise CalculationConflictError(
            f"Indata gäller månaden {data.get('month')} men beräkningen ska sparas för {wanted}."
        )
    data["month"] = wanted
    code = household.municipality.code
    if data.get("municipality") not in (None, code):
        raise CalculationConflictError(
            f"Indata gäller kommunen {data.get('municipality')} men hushållet hör till kommunen {code}."
        )
    data["municipality"] = code
    return data


@transaction.atomic
def calculate_and_store(household, month, input: Mapping[str, Any], user) -> StoredCalculation:  # noqa: A002
    """Calculate försörjningsstöd for ``household`` and ``month`` from ``input`` (the contract's input;
    ``month`` and ``municipality`` are filled in from the arguments) and store the calculation.

    Idempotent: when the same household already has a calculation for the month with the same input
    (the same input hash), that stored calculation is returned and nothing new is written. Otherwise
    the new row and an audit event are written in one transaction.

    ``user`` is the user making the calculation, or ``"system"`` / ``"demo"`` (or None for the system).
    Raises ``PermissionDenied`` when the user does not work in the household's municipality,
    ``CalculationConflictError`` when the input names another month or municipality, and
    ``bistand.rules.CalculationInputError`` for input that does not follow the contract.
    """
    month = parse_month(month)
    made_by, actor, _ = _made_by(user)
    check_can_act_in(actor, household.municipality_id)
    data = _input_for(household, month, input)
    digest = input_hash(data)
    existing = StoredCalculation.objects.filter(household=household, month=month, input_hash=digest).first()
    if existing is not None:
        return existing
    prepared = prepare_calculation(data)
    row = new_stored_calculation(household=household, month=month, prepared=prepared, user=user)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # The same calculation was stored at the same moment by someone else: that one stands.
        return StoredCalculation.objects.get(household=household, month=month, input_hash=digest)
    record_create(user=actor, instance=row, municipality_id=row.municipality_id, fields=AUDIT_FIELDS)
    return row


def calculate_and_store_many(items: Iterable[tuple[Any, Any, Mapping[str, Any]]], user) -> list[StoredCalculation | Exception]:
    """:func:`calculate_and_store` for many households at once (the monthly run): ``items`` holds
    (household, month, input) triples; the answer has, in the same order, the stored calculation of each
    (an existing one with the same input hash, or a new one) or the exception that stopped it
    (``CalculationConflictError``, ``CalculationInputError``). The new rows and their audit events are
    written with one INSERT each; call it inside a transaction. The households should come with their
    municipality (``select_related``)."""
    from bistand.audit.services import record_create_many

    made_by, actor, _ = _made_by(user)
    rows: list[StoredCalculation | Exception | None] = []
    prepared: list[tuple[int, Any, dt.date, dict[str, Any], str]] = []
    checked: set[int] = set()
    for household, month, document in items:
        month = parse_month(month)
        if household.municipality_id not in checked:
            check_can_act_in(actor, household.municipality_id)
            checked.add(household.municipality_id)
        try:
            data = _input_for(household, month, document)
        except CalculationConflictError as error:
            rows.append(error)
            continue
        prepared.append((len(rows), household, month, data, input_hash(data)))
        rows.append(None)
    keys = {(household.pk, month, digest) for _, household, month, _, digest in prepared}
    existing: dict[tuple[int, dt.date, str], StoredCalculation] = {}
    households = sorted({k[0] for k in keys})
    for start in range(0, len(households), 2000):
        for row in StoredCalculation.objects.filter(household_id__in=households[start:start + 2000],
                                                    month__in={k[1] for k in keys},
                                                    input_hash__in={k[2] for k in keys}):
            existing[(row.household_id, row.month, row.input_hash)] = row
    new: list[StoredCalculation] = []
    for index, household, month, data, digest in prepared:
        key = (household.pk, month, digest)
        if key in existing:
            rows[index] = existing[key]
            continue
        try:
            calculation = new_stored_calculation(household=household, month=month, prepared=prepare_calculation(data),
                                                 user=user)
        except (rules.CalculationInputError, ValueError) as error:  # the input does not follow the contract
            rows[index] = error
            continue
        existing[key] = calculation  # the same input twice in one batch is stored once
        new.append(calculation)
        rows[index] = calculation
    insert_many(new)
    record_create_many(user=actor, instances=new, fields=AUDIT_FIELDS)
    return rows  # type: ignore[return-value]


def bulk_store(calculations: Iterable[StoredCalculation], *, batch_size: int = 500) -> list[StoredCalculation]:
    """Insert many new stored calculations at once (for loading demo data and imports), leaving out any
    that are already stored (same household, month and input hash). No audit event per row: the caller
    records one event for the whole load."""
    rows = list(calculations)
    if not rows:
        return []
    households = {row.household_id for row in rows}
    stored = set(
        StoredCalculation.objects.filter(household_id__in=households).values_list("household_id", "month", "input_hash")
    )
    new: list[StoredCalculation] = []
    for row in rows:
        key = (row.household_id, row.month, row.input_hash)
        if key not in stored:
            stored.add(key)
            new.append(row)
    return StoredCalculation.objects.bulk_create(new, batch_size=batch_size)


# --- building the input for a stored household -----------------------------------------------------


def _member_id(value: Any) -> str:
    """A member reference (a Person, a HouseholdMember or a person id) → the id used in the input."""
    if isinstance(value, HouseholdMember):
        return str(value.person_id)
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def _latest_per_month(household, before: dt.date) -> list[StoredCalculation]:
    """The household's newest stored calculation of each month before ``before``."""
    return earlier_calculations([household.pk], before).get(household.pk, [])


def earlier_calculations(household_ids: Iterable[int], before: dt.date) -> dict[int, list[StoredCalculation]]:
    """household id → the household's newest stored calculation of each month before ``before``, oldest
    month first (one query for many households; households without any are missing). What
    :func:`build_input_for_household` reads as the history (pass it as ``earlier``)."""
    ids = list(household_ids)
    if not ids:
        return {}
    rows = (
        StoredCalculation.objects.filter(household_id__in=ids, month__lt=before)
        .only("household_id", "month", "amount_ore", "input_data", "created_at")
        .order_by("household_id", "month", "created_at", "pk")
    )
    latest: dict[int, dict[dt.date, StoredCalculation]] = {}
    for row in rows:
        latest.setdefault(row.household_id, {})[row.month] = row
    return {hid: [months[m] for m in sorted(months)] for hid, months in latest.items()}


def members_in_month(household_ids: Iterable[int], month: dt.date) -> dict[int, list[HouseholdMember]]:
    """household id → its members whose membership covers any day of ``month`` (with the person), in
    the order :func:`build_input_for_household` reads them (one query for many households; pass a
    household's list as ``members``)."""
    ids = list(household_ids)
    if not ids:
        return {}
    month = parse_month(month)
    rows = (
        HouseholdMember.objects.filter(household_id__in=ids, valid_from__lte=last_day(month))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .select_related("person")
        .order_by("household_id", "valid_from", "pk")
    )
    found: dict[int, list[HouseholdMember]] = {}
    for member in rows:
        found.setdefault(member.household_id, []).append(member)
    return found


def build_input_for_household(
    household,
    month,
    *,
    costs: Iterable[Mapping[str, Any]] = (),
    incomes: Iterable[Mapping[str, Any]] = (),
    days_present: Mapping[Any, int] | None = None,
    lunch_away_from_home: Collection[Any] = (),
    in_upper_secondary_school: Mapping[Any, bool | None] | None = None,
    members: list[HouseholdMember] | None = None,
    earlier: list[StoredCalculation] | None = None,
    paid: Mapping[str, Collection[dt.date]] | None = None,
) -> dict[str, Any]:
    """The contract input for ``household`` in ``month``, from its members and the given costs and
    incomes (kronor as int, Decimal or decimal text; an income's ``member`` may be a Person or its id).

    * Adults are the applicant and the partner, children the members with the role child; other adults
      in the dwelling (hushållsgemenskap) make ``dwelling_size`` the number of everyone living there.
    * Members are those whose membership covers any day of the month; ages are from the personnummer's
      date of birth on the first day of the month (see :mod:`bistand.calculations.inputs`).
    * Member ids in the input are the persons' ids.
    * Months on assistance and the jobbstimulans window count only months with försörjningsstöd *paid*
      to the adult (:mod:`bistand.calculations.paid_months`: a payment exported and not stopped or
      returned, or imported history) — never a trial calculation, a refusal or a stopped payment; the
      months with a wage and children's earlier earnings this year come from the household's stored
      calculations of earlier months (the newest one of each month).
    * ``days_present`` (person → days), ``lunch_away_from_home`` (persons) and ``in_upper_secondary_school``
      (person → declared answer, for a young person aged 18–20) describe children; the household register
      does not hold them.

    Raises ``InputBuildError`` (a ValueError with a Swedish message) when the members cannot make a
    valid input, e.g. no applicant or a "child" who is 21.

    For many households at once (the monthly run), pass what this function would read:
    ``members`` (:func:`members_in_month`), ``earlier`` (:func:`earlier_calculations`) and ``paid``
    (person id → paid months, :func:`bistand.calculations.paid_months.paid_months`); the result is the same.
    """
    month = parse_month(month)
    if members is None:
        members = members_in_month([household.pk], month).get(household.pk, [])
    order = {HouseholdRole.APPLICANT: 0, HouseholdRole.PARTNER: 1}
    adult_members = sorted(
        (m for m in members if m.role in order), key=lambda m: (order[m.role], m.valid_from, m.pk)
    )
    if not any(m.role == HouseholdRole.APPLICANT for m in adult_members):
        raise InputBuildError(f"Hushållet har ingen sökande i {format_month(month)}.")
    child_members = sorted((m for m in members if m.role == HouseholdRole.CHILD), key=lambda m: (m.person.birth_date, m.pk))
    others = [m for m in members if m.role == HouseholdRole.OTHER_ADULT]

    present = {_member_id(k): v for k, v in (days_present or {}).items()}
    lunch = {_member_id(k) for k in lunch_away_from_home}
    school = {_member_id(k): v for k, v in (in_upper_secondary_school or {}).items()}
    adults = [AdultFacts(str(m.person_id), m.person.birth_date) for m in adult_members]
    children = [
        ChildFacts(str(m.person_id), m.person.birth_date, present.get(str(m.person_id)), str(m.person_id) in lunch,
                   school.get(str(m.person_id)))
        for m in child_members
    ]
    dwelling_size = len({m.person_id for m in members}) if others else None

    if earlier is None:
        earlier = _latest_per_month(household, month)
    if paid is None:
        paid = paid_months(household.municipality_id, [adult.id for adult in adults], month)
    history: dict[str, AdultHistory] = {}
    for adult in adults:
        assisted = frozenset(m for m in paid.get(adult.id, ()) if m < month)
        wages = frozenset(
            row.month for row in earlier
            if any(i.get("type") == "wage" and i.get("member") == adult.id for i in row.input_data.get("incomes", ()))
        )
        history[adult.id] = AdultHistory(assisted, wages)
    child_earnings = {
        child.id: sum((wage_in(row.input_data, child.id) for row in earlier if row.month.year == month.year), start=0)
        for child in children
    }

    params = load_parameters(format_month(month), household.municipality.code, _local_dir())
    return build_contract_input(
        month=month,
        adults=adults,
        children=children,
        costs=list(costs),
        incomes=[{**income, "member": _member_id(income["member"])} if income.get("member") is not None else dict(income)
                 for income in incomes],
        municipality_code=household.municipality.code,
        dwelling_size=dwelling_size,
        history=history,
        child_earnings_before=child_earnings,
        qualifying_months=params.jobbstimulans_qualifying_months.value,
        window_months=params.jobbstimulans_window_months.value,
    )


__all__ = [
    "AUDIT_FIELDS",
    "CalculationConflictError",
    "InputBuildError",
    "PreparedCalculation",
    "build_input_for_household",
    "bulk_store",
    "calculate_and_store",
    "calculate_and_store_many",
    "earlier_calculations",
    "members_in_month",
    "new_stored_calculation",
    "normalise_input",
    "prepare_calculation",
]


# --- parameters for next year (YearParameters) --------------------------------------------------------

YEAR_PARAMETER_FIELDS = ["municipality", "year", "sfs", "document", "entered_by", "confirmed_by", "confirmed_at"]
_SFS = re.compile(r"SFS\s+\d{4}:\d+")


def _check_year(year: int) -> None:
    if year in rules_parameters.packaged_years():
        raise ValidationError({"year": f"{year} års belopp finns redan i systemet och kan inte ändras här."})
    if not 2000 <= int(year) <= 2200:
        raise ValidationError({"year": "Skriv ett år med fyra siffror, till exempel 2027."})


def _check_admin(actor, municipality) -> None:
    check_can_act_in(actor, municipality.pk)
    if actor is not None and not actor.has_perm("calculations.change_yearparameters"):
        raise PermissionDenied("Bara kommunens administratör kan mata in och bekräfta parametrar för nästa år.")


def _sfs(sfs: str) -> str:
    text = " ".join((sfs or "").split())
    if not _SFS.fullmatch(text):
        raise ValidationError({"sfs": "Skriv SFS-numret som SFS ÅÅÅÅ:NNN, till exempel SFS 2026:1234."})
    return text


@transaction.atomic
def enter_year_parameters(*, actor, municipality, year: int, cells: Mapping[str, int], sfs: str,
                          source: str = "") -> YearParameters:
    """A municipality's administrator enters a year's official figures (every riksnorm cell and the
    prisbasbelopp, whole kronor) with the SFS number. They do not count until a second administrator
    confirms them (:func:`confirm_year_parameters`)."""
    _check_admin(actor, municipality)
    _check_year(year)
    sfs = _sfs(sfs)
    errors = {}
    for key, label in rules_parameters.YEAR_CELLS:
        value = cells.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors[key] = f"{label}: skriv beloppet i hela kronor, större än noll."
    if errors:
        raise ValidationError(errors)
    try:
        document = rules_parameters.write_year_document(year, cells, sfs=sfs, source=source.strip())
    except rules.ParameterFileError as exc:
        raise ValidationError({"document": str(exc)}) from None
    return _create_year_parameters(actor, municipality, year, sfs, document)


@transaction.atomic
def import_year_document(*, actor, municipality, text: str) -> YearParameters:
    """Enter a year from a YAML document in the format of rules/parameters/riksnorm/<year>.yaml (for those
    who keep the figures in git). The year is the one of its first block; the SFS number is read from its
    legal reference. Like :func:`enter_year_parameters`, it counts only once confirmed by another admin."""
    _check_admin(actor, municipality)
    try:
        data = yaml.safe_load(text)
        year = min(dt.date.fromisoformat(str(key)).year for key in data["values"])
    except (yaml.YAMLError, TypeError, KeyError, ValueError, AttributeError):
        raise ValidationError({"document": "Filen ska ha samma format som riksnorm/<år>.yaml."}) from None
    _check_year(year)
    try:
        pfile = rules_parameters.check_year_document(text, year)
    except rules.ParameterFileError as exc:
        raise ValidationError({"document": str(exc)}) from None
    found = _SFS.search(" ".join(str(block.get("legal_reference", "")) for _, block in pfile.blocks))
    if found is None:
        raise ValidationError({"sfs": "Blockets legal_reference ska ange SFS-numret, till exempel SFS 2026:1234."})
    return _create_year_parameters(actor, municipality, year, found.group(0), text)


def _create_year_parameters(actor, municipality, year, sfs, document) -> YearParameters:
    entry = YearParameters.objects.create(municipality=municipality, year=year, sfs=sfs, document=document,
                                          entered_by=actor)
    record_create(user=actor, instance=entry, municipality_id=municipality.pk, fields=YEAR_PARAMETER_FIELDS)
    return entry


@transaction.atomic
def confirm_year_parameters(*, actor, entry: YearParameters) -> YearParameters:
    """A second administrator confirms the figures: from now on the municipality's calculations for that
    year use them (a new parameter-set hash) instead of provisional values. The one who entered them
    cannot confirm them (four-eyes); the database refuses it too. Confirming again changes nothing."""
    entry = YearParameters.objects.select_for_update().get(pk=entry.pk)
    _check_admin(actor, entry.municipality)
    if entry.is_confirmed:
        return entry
    if actor is None or actor.pk == entry.entered_by_id:
        raise ValidationError({"confirmed_by": "Den som matade in beloppen kan inte bekräfta dem. "
                                               "En annan administratör ska kontrollera och bekräfta."})
    before = snapshot(entry, YEAR_PARAMETER_FIELDS)
    entry.confirmed_by, entry.confirmed_at = actor, timezone.now()
    entry.save(update_fields=["confirmed_by", "confirmed_at"])
    record_change(user=actor, action="update", instance=entry, municipality_id=entry.municipality_id,
                  changes=diff(before, snapshot(entry, YEAR_PARAMETER_FIELDS)))
    return entry
