"""Writing assistance-month facts (see :mod:`bistand.followup.models`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils import timezone

from bistand.audit.services import display_name, record_create, record_create_many
from bistand.bulkinsert import insert_many
from bistand.common.months import last_day
from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
from bistand.tenancy.models import Municipality

from . import aggregates, statistics
from .history import MAX_ERRORS, HistoryError, HistoryFileError, HistoryRow, decode, parse_history
from .models import (
    AdultRole,
    AssistanceMonth,
    HistoryImport,
    HouseholdEnd,
    MonthRole,
    MonthSource,
    PersonMonth,
    StatisticsExport,
)


def _adult_members(household_ids) -> dict[int, list[HouseholdMember]]:
    """The applicant and partner memberships of the households, by household (one query)."""
    by_household: dict[int, list[HouseholdMember]] = {}
    members = HouseholdMember.objects.filter(
        household_id__in=set(household_ids), role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER]
    ).order_by("valid_from", "pk")
    for member in members:
        by_household.setdefault(member.household_id, []).append(member)
    return by_household


def adults_of(decision, members: list[HouseholdMember] | None = None) -> list[tuple[int, str]]:
    """(person id, role) of the adults the decision is for: the application's applicant and co-applicant,
    and the household's applicant and partner in the decision's month (anyone the application leaves
    out), each once. Children and other adults living there are not counted.

    ``members`` are the household's applicant and partner memberships, when already loaded."""
    if members is None:
        members = _adult_members([decision.household_id]).get(decision.household_id, [])
    adults: dict[int, str] = {}
    application = decision.application
    if application.applicant_id:
        adults[application.applicant_id] = AdultRole.APPLICANT
    co_applicant_id = getattr(application, "co_applicant_id", None)
    if co_applicant_id:
        adults.setdefault(co_applicant_id, AdultRole.PARTNER)
    first, last = decision.month, last_day(decision.month)
    for member in members:
        covers_month = member.valid_from <= last and (member.valid_to is None or member.valid_to >= first)
        if covers_month and member.person_id not in adults:
            has_applicant = AdultRole.APPLICANT in adults.values()
            role = AdultRole.APPLICANT if member.role == HouseholdRole.APPLICANT and not has_applicant else AdultRole.PARTNER
            adults[member.person_id] = role
    return list(adults.items())


@transaction.atomic
def record_assistance_months(payments: Iterable) -> list[AssistanceMonth]:
    """Write the assistance-month facts of exported payments: one per decision and adult.

    Idempotent: facts already written (same decision and person) are left as they are, so calling it
    again, or for a payment exported before, writes nothing new. Returns the rows written now."""
    payments = list(payments)
    if not payments:
        return []
    decision_ids = [payment.decision_id for payment in payments]
    existing = set(AssistanceMonth.objects.filter(decision_id__in=decision_ids).values_list("decision_id", "person_id"))
    members = _adult_members(payment.decision.household_id for payment in payments)
    rows = []
    for payment in payments:
        decision = payment.decision
        for person_id, role in adults_of(decision, members.get(decision.household_id, [])):
            if (decision.pk, person_id) in existing:
                continue
            existing.add((decision.pk, person_id))
            rows.append(
                AssistanceMonth(
                    municipality_id=decision.municipality_id,
                    household_id=decision.household_id,
                    person_id=person_id,
                    month=decision.month,
                    decision_id=decision.pk,
                    amount_ore=payment.amount_ore,
                    role=role,
                )
            )
    # ignore_conflicts: a fact written at the same moment by another process stands (the unique
    # constraint on decision and person keeps it to one).
    AssistanceMonth.objects.bulk_create(rows, ignore_conflicts=True)
    sync_decided_months({(payment.decision.household_id, payment.decision.month) for payment in payments})
    return rows


# --- the person-month base (PersonMonth) -----------------------------------------------------------


def household_key(household_id: int) -> str:
    """How a household of the system is named in :class:`PersonMonth`."""
    return f"h{household_id}"


def imported_household_key(reference: str) -> str:
    """How an imported household (the old system's reference) is named in :class:`PersonMonth`."""
    return f"x:{reference}"


_ROLE_OF_ADULT = {AdultRole.APPLICANT: MonthRole.APPLICANT, AdultRole.PARTNER: MonthRole.CO_APPLICANT}


def sync_decided_months(household_months: Iterable[tuple[int, dt.date]]) -> int:
    """Bring the :class:`PersonMonth` rows of the given (household id, month) pairs in line with the
    assistance-month facts of the system's decisions: the adults the decisions paid for, with the
    household's amount (summed once per decision) on the applicant's row, and the household's children
    in the month. A decided month replaces an imported month of the same person (the decision wins), and
    the rest of that imported household's month with it. Idempotent; returns the number of rows written."""
    pairs = {(household_id, month) for household_id, month in household_months}
    if not pairs:
        return 0
    household_ids = {household_id for household_id, _ in pairs}
    months = {month for _, month in pairs}
    facts: dict[tuple[int, dt.date], list[AssistanceMonth]] = {}
    for fact in AssistanceMonth.objects.filter(household_id__in=household_ids, month__in=months).order_by("pk"):
        if (fact.household_id, fact.month) in pairs:
            facts.setdefault((fact.household_id, fact.month), []).append(fact)
    children: dict[int, list[HouseholdMember]] = {}
    for member in HouseholdMember.objects.filter(household_id__in=household_ids, role=HouseholdRole.CHILD):
        children.setdefault(member.household_id, []).append(member)
    ends = dict(((end.household_id, end.month), end.reason) for end in
                HouseholdEnd.objects.filter(household_id__in=household_ids, month__in=months))
    rows: list[PersonMonth] = []
    now = timezone.now()
    for (household_id, month), household_facts in sorted(facts.items()):
        municipality_id = household_facts[0].municipality_id
        amounts = {fact.decision_id: fact.amount_ore for fact in household_facts}
        adults: dict[int, str] = {}
        for fact in household_facts:
            role = _ROLE_OF_ADULT[fact.role]
            if adults.get(fact.person_id) != MonthRole.APPLICANT:
                adults[fact.person_id] = role
        if MonthRole.APPLICANT not in adults.values():  # only a partner's fact: make the first adult the applicant
            adults[next(iter(adults))] = MonthRole.APPLICANT
        elif list(adults.values()).count(MonthRole.APPLICANT) > 1:  # two decisions named different applicants
            first = next(person for person, role in adults.items() if role == MonthRole.APPLICANT)
            adults = {person: (role if person == first else MonthRole.CO_APPLICANT) for person, role in adults.items()}
        key = household_key(household_id)
        for person_id, role in adults.items():
            rows.append(PersonMonth(
                municipality_id=municipality_id, household_key=key, person_id=person_id, month=month, role=role,
                amount_ore=sum(amounts.values()) if role == MonthRole.APPLICANT else None,
                end_reason=ends.get((household_id, month), "") if role == MonthRole.APPLICANT else "",
                source=MonthSource.DECIDED, updated_at=now,
            ))
        first, last = month, last_day(month)
        for member in children.get(household_id, []):
            covers = member.valid_from <= last and (member.valid_to is None or member.valid_to >= first)
            if covers and member.person_id not in adults:
                adults[member.person_id] = MonthRole.CHILD
                rows.append(PersonMonth(
                    municipality_id=municipality_id, household_key=key, person_id=member.person_id, month=month,
                    role=MonthRole.CHILD, source=MonthSource.DECIDED, updated_at=now,
                ))
    keys = {(row.municipality_id, row.person_id, row.month) for row in rows}
    existing = PersonMonth.objects.filter(
        person_id__in={row.person_id for row in rows}, month__in=months
    ).values_list("pk", "municipality_id", "person_id", "month", "household_key", "source")
    stale_ids = set()
    stale_households = set()
    for pk, municipality_id, person_id, month, key, source in existing:
        if (municipality_id, person_id, month) in keys:
            stale_ids.add(pk)
            if source == MonthSource.IMPORTED:
                # The imported household the person was in that month gives way to the decision entirely.
                stale_households.add((municipality_id, key, month))
    municipality_of = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "municipality_id"))
    touched = ({(row.municipality_id, row.month) for row in rows} | {(m, month) for m, _key, month in stale_households}
               | {(municipality_of[household_id], month) for household_id, month in pairs if household_id in municipality_of})
    with transaction.atomic():
        # Only marks: the payment export runs in a web request; `bistand followup refresh` (a timer) counts in.
        aggregates.touch(touched)
        for municipality_id, key, month in stale_households:
            PersonMonth.objects.filter(municipality_id=municipality_id, household_key=key, month=month).delete()
        by_month: dict[dt.date, list[str]] = {}
        for household_id, month in pairs:
            by_month.setdefault(month, []).append(household_key(household_id))
        for month, keys_of_month in by_month.items():  # also drops a child who has left the household since
            PersonMonth.objects.filter(household_key__in=keys_of_month, month=month).delete()
        PersonMonth.objects.filter(pk__in=stale_ids).delete()
        PersonMonth.objects.bulk_create(rows)
    return len(rows)


# --- importing assistance history (bistand import-history) -----------------------------------------


@dataclass
class HistoryImportResult:
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    decided_in_system: int = 0  # rows left out because the month is decided in the system
    persons_created: int = 0
    persons_found: int = 0


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return "", parts[0][:100]
    return " ".join(parts[:-1])[:100], parts[-1][:100]


def _chunks(values: list, size: int = 900):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def import_history(
    data: bytes,
    *,
    file_name: str,
    replace: bool = False,
    actor=None,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> HistoryImportResult:
    """Import an assistance-history file (shared contract contracts/assistance-history.md): all or
    nothing, in one transaction. Raises :class:`bistand.followup.history.HistoryFileError` naming line
    and column of every fault, or when a row's key (municipality, personnummer, month) is already
    imported with other data and ``replace`` is not set; nothing is written then.

    Persons are matched by personnummer within the municipality; an unknown person is created (name from
    the file). A person already known is never changed by the file, so a protected identity's name is
    neither overwritten nor shown. A month decided in the system is left as it is (the decision wins).
    Importing the same file again changes nothing. ``progress(n)`` is called as rows are read and written.
    """
    today = today or timezone.localdate()
    municipalities = {m.code: m for m in Municipality.objects.all()}
    rows = parse_history(decode(data), municipality_codes=set(municipalities), today=today, progress=progress)
    result = HistoryImportResult(rows=len(rows))
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        persons = _persons_for(rows, municipalities, actor, result)
        existing: dict[tuple[int, int, dt.date], tuple] = {}
        by_municipality: dict[int, set[int]] = {}
        for row in rows:
            by_municipality.setdefault(municipalities[row.municipality].pk, set()).add(
                persons[(row.municipality, row.personnummer)].pk)
        first = min(row.month for row in rows)
        last = max(row.month for row in rows)
        for municipality_id, person_ids in by_municipality.items():
            for chunk in _chunks(sorted(person_ids)):
                for pk, person_id, month, key, role, amount, reason, source in PersonMonth.objects.filter(
                    municipality_id=municipality_id, person_id__in=chunk, month__gte=first, month__lte=last
                ).values_list("pk", "person_id", "month", "household_key", "role", "amount_ore", "end_reason", "source"):
                    existing[(municipality_id, person_id, month)] = (pk, key, role, amount, reason, source)
        errors: list[HistoryError] = []
        new_rows: list[tuple] = []
        replaced_ids: list[int] = []
        counts: dict[int, list[int]] = {}
        now = timezone.now()
        for row in rows:
            municipality_id = municipalities[row.municipality].pk
            person = persons[(row.municipality, row.personnummer)]
            key = imported_household_key(row.household)
            found = existing.get((municipality_id, person.pk, row.month))
            if found is not None:
                pk, old_key, old_role, old_amount, old_reason, source = found
                if source == MonthSource.DECIDED:
                    result.decided_in_system += 1
                    continue
                if (old_key, old_role, old_amount, old_reason) == (key, row.role, row.amount_ore, row.end_reason):
                    result.unchanged += 1
                    continue
                if not replace:
                    if len(errors) < MAX_ERRORS:
                        errors.append(HistoryError(row.line, None, (
                            f"personen har redan inläst bistånd för {row.month:%Y-%m} i kommunen {row.municipality} "
                            "med andra uppgifter (hushåll, roll, belopp eller avslutsorsak). Ange --replace för att "
                            "ersätta de inlästa uppgifterna med filens.")))
                    continue
                replaced_ids.append(pk)
                result.replaced += 1
                counts.setdefault(municipality_id, [0, 0])[1] += 1
            else:
                result.created += 1
                counts.setdefault(municipality_id, [0, 0])[0] += 1
            new_rows.append((municipality_id, key, person.pk, row.month, row.role, row.amount_ore, row.end_reason))
        if errors:
            raise HistoryFileError(errors, truncated=len(errors) >= MAX_ERRORS)
        aggregates.touch({(municipality_id, month) for municipality_id, _key, _person, month, *_rest in new_rows},
                         refresh_on_commit=True)  # a command (and the demo): refresh when the import commits
        for chunk in _chunks(replaced_ids):
            PersonMonth.objects.filter(pk__in=chunk).delete()
        for chunk in _chunks(new_rows, 5000):
            _insert_imported_months(chunk, now)
            if progress is not None:
                progress(len(chunk))
        created_persons = _created_persons_by_municipality(persons)
        for municipality_id, (created, replaced_count) in sorted(counts.items()):
            run = HistoryImport.objects.create(
                municipality_id=municipality_id, file_name=file_name[:255], sha256=digest, months_created=created,
                months_replaced=replaced_count, persons_created=created_persons.get(municipality_id, 0),
            )
            record_create(user=actor, instance=run, municipality_id=municipality_id)
    return result


def _insert_imported_months(rows: list[tuple], now) -> None:
    """INSERT imported person-months ``(municipality id, household key, person id, month, role, amount öre,
    end reason)`` in one executemany: the import's hot path (Django's bulk_create spends most of its time
    building model objects and converting values one by one). The values are the model's columns exactly;
    the table's constraints check them as for any insert."""
    connection = connections[router.db_for_write(PersonMonth)]
    ops = connection.ops
    table = connection.ops.quote_name(PersonMonth._meta.db_table)
    columns = ["municipality_id", "household_key", "person_id", "month", "role", "amount_ore", "end_reason", "source",
               "updated_at"]
    sql = (f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    updated_at = ops.adapt_datetimefield_value(now)
    source = MonthSource.IMPORTED.value
    months: dict[dt.date, object] = {}
    params = []
    for municipality_id, key, person_id, month, role, amount, reason in rows:
        adapted = months.get(month)
        if adapted is None:
            adapted = months[month] = ops.adapt_datefield_value(month)
        params.append((municipality_id, key, person_id, adapted, role, amount, reason, source, updated_at))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _created_persons_by_municipality(persons: dict) -> dict[int, int]:
    created: dict[int, int] = {}
    for person in persons.values():
        if getattr(person, "_created_by_import", False):
            created[person.municipality_id] = created.get(person.municipality_id, 0) + 1
    return created


def _persons_for(rows: list[HistoryRow], municipalities: dict, actor, result: HistoryImportResult) -> dict:
    """(kommunkod, personnummer) → Person for every row: found by personnummer, or created."""
    wanted: dict[tuple[str, str], HistoryRow] = {}
    for row in rows:
        wanted.setdefault((row.municipality, row.personnummer), row)
        if row.name and not wanted[(row.municipality, row.personnummer)].name:
            wanted[(row.municipality, row.personnummer)] = row
    persons: dict[tuple[str, str], Person] = {}
    by_municipality: dict[str, list[str]] = {}
    for code, number in wanted:
        by_municipality.setdefault(code, []).append(number)
    for code, numbers in by_municipality.items():
        for chunk in _chunks(numbers):
            for person in Person.objects.filter(municipality=municipalities[code], personnummer__in=chunk):
                persons[(code, person.personnummer)] = person
    result.persons_found = len(persons)
    new: list[Person] = []
    for (code, number), row in wanted.items():
        if (code, number) in persons:
            continue
        first_name, last_name = _split_name(row.name)
        person = Person(
            municipality=municipalities[code], personnummer=number, kind=row.kind, birth_date=row.birth_date,
            first_name=first_name, last_name=last_name, search_name=Person.build_search_name(first_name, last_name),
        )
        person._created_by_import = True
        new.append(person)
        persons[(code, number)] = person
    for chunk in _chunks(new, 5000):
        insert_many(chunk)
    if new:
        record_create_many(user=actor, instances=new,
                           fields=["personnummer", "kind", "birth_date", "first_name", "last_name", "municipality"])
    result.persons_created = len(new)
    return persons


# --- the monthly statistics files for Socialstyrelsen (bistand export-statistics) --------------------


@dataclass
class StatisticsExportResult:
    content: statistics.StatisticsMonth
    files: dict[str, bytes]  # "assistance", "end_reasons" → the file's bytes
    log: StatisticsExport


@transaction.atomic
def export_statistics(*, municipality, month: dt.date, actor=None, by: str = "") -> StatisticsExportResult:
    """Build and check the month's two statistics files (:mod:`bistand.followup.statistics`) and log the
    run: one :class:`StatisticsExport` row (and audit event) per run. A re-export is the full month again;
    on unchanged data the files are byte for byte the same (the log's checksums show it)."""
    content = statistics.build(municipality, month)
    files = {file: statistics.render(content, file) for file in statistics.FILES}
    log = StatisticsExport.objects.create(
        municipality=municipality, month=content.month, layout_version=statistics.layout().version,
        codes_version=statistics.codes().version, households=len(content.households),
        ended_households=len(content.ends), problems=len(content.problems),
        sha256=hashlib.sha256(files["assistance"]).hexdigest(),
        end_reasons_sha256=hashlib.sha256(files["end_reasons"]).hexdigest(),
        created_by=by or (display_name(actor) if actor is not None else ""),
    )
    record_create(user=actor, instance=log, municipality_id=municipality.pk)
    return StatisticsExportResult(content, files, log)
