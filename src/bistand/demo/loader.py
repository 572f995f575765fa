"""Loading the demo data into the database (``bistand demo``, and ``bistand run`` on an empty database).

The plan comes from :mod:`bistand.demo.generator` (deterministic for a seed). Loading is idempotent:
the organisation and the users are created or brought up to date, persons are found by personnummer,
households by their applicant, and stored calculations by household, month and input hash, so running
the command again with the same settings writes nothing new. Other settings need ``reset=True``,
which first removes the demo municipalities' persons, households, stored calculations and their log
rows.

Speed: persons, households, members and the 24 months of calculations are written with
``bulk_create`` in one transaction; the users share one password hash (hashing is deliberately slow
and the demo password is the same for everyone).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from bistand.audit.guards import guards_lifted
from bistand.audit.models import AccessLog
from bistand.audit.services import diff, record_change, record_create, record_delete, snapshot
from bistand.calculations.inputs import AdultFacts, AdultHistory, ChildFacts, build_contract_input
from bistand.calculations.models import StoredCalculation
from bistand.calculations.services import bulk_store, new_stored_calculation, prepare_calculation
from bistand.common.months import add_months, format_month, parse_month
from bistand.followup.aggregates import refresh as refresh_followup
from bistand.followup.population import import_population
from bistand.followup.services import HistoryImportResult, import_history
from bistand.people import personnummer as pnr
from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
from bistand.rules import CalculationInputError
from bistand.rules.parameters import load_parameters
from bistand.tenancy.models import Membership, Municipality, Region, Unit
from bistand.tenancy.roles import Role, role_label
from bistand.tenancy.services import add_membership

from . import generator
from .applications import DEVIATION_LABELS, ApplicationsSummary, load_applications
from .generator import CASE_UNIT, MUNICIPAL_USERS, MUNICIPALITIES, REGION_CODE, REGION_NAME, REGION_USERS, UNITS
from .history import generate_history
from .models import DemoDataset
from .research import demo_period, ensure_demo_project

#: The municipality's fields for letters, taken from the demo specification.
LETTER_FIELDS = ("official_name", "committee_name", "postal_address", "phone", "email")

PASSWORD_ENV = "BISTAND_DEMO_PASSWORD"
DEFAULT_PASSWORD = "demo-bistand-2026"
DEFAULT_SEED = 1
DEFAULT_MONTHS = 24
DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY = 40


class DemoDataError(Exception):
    """The demo data cannot be loaded as asked (message in Swedish)."""


def demo_password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def ensure_database_directory() -> None:
    """Create the directory of an SQLite database file if it does not exist yet (a fresh checkout
    has no ``var/``)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = str(database["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)


def database_has_data() -> bool:
    """True when the database already holds organisations or households (``bistand run`` then leaves
    it alone)."""
    return DemoDataset.objects.exists() or Municipality.objects.exists() or Household.objects.exists()


def last_calculable_month(month: dt.date) -> tuple[dt.date, str | None]:
    """``month``, or the latest earlier month that has a riksnorm, with a notice when it had to go back
    (e.g. in January of a year whose riksnorm is not yet in the parameter files)."""
    candidate = month
    for _ in range(24):
        try:
            load_parameters(format_month(candidate), None, getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None))
        except CalculationInputError:
            candidate = add_months(candidate, -1)
            continue
        if candidate == month:
            return month, None
        return candidate, (
            f"Riksnorm saknas för {month.year} i parameterfilerna, så demodatan slutar {format_month(candidate)}."
        )
    raise DemoDataError(f"Det finns ingen riksnorm för åren före {format_month(month)} att räkna med.")


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str

    @property
    def role_label(self) -> str:
        return role_label(self.role)


@dataclass
class DemoSummary:
    dataset: DemoDataset
    created_households: int = 0
    created_persons: int = 0
    created_calculations: int = 0
    reset: bool = False
    notices: list[str] = field(default_factory=list)
    per_municipality: list[tuple[str, str, int, int, int, int]] = field(default_factory=list)
    # (code, name, households, persons, calculations, households with assistance in the last month)
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0
    applications: ApplicationsSummary = field(default_factory=ApplicationsSummary)
    history: HistoryImportResult | None = None


# --- organisation and users ------------------------------------------------------------------------


def _ensure_organisation() -> tuple[Region, dict[str, Municipality], dict[tuple[str, str], Unit]]:
    region, _ = Region.objects.get_or_create(code=REGION_CODE, defaults={"name": REGION_NAME})
    if region.name != REGION_NAME:
        region.name = REGION_NAME
        region.save(update_fields=["name"])
    municipalities: dict[str, Municipality] = {}
    units: dict[tuple[str, str], Unit] = {}
    for spec in MUNICIPALITIES:
        municipality = Municipality.objects.filter(code=spec.code).first()
        letter = {field: getattr(spec, field) for field in LETTER_FIELDS}
        if municipality is None:
            municipality = Municipality.objects.create(code=spec.code, name=spec.name, region=region, **letter)
            record_create(user=None, instance=municipality, municipality_id=municipality.pk)
        else:
            changed = [field for field, value in {"region": region, **letter}.items()
                       if getattr(municipality, field) != value]
            if changed:
                before = snapshot(municipality, changed)
                municipality.region = region
                for field, value in letter.items():
                    setattr(municipality, field, value)
                municipality.save(update_fields=changed)
                record_change(user=None, action="update", instance=municipality, municipality_id=municipality.pk,
                              changes=diff(before, snapshot(municipality, changed)))
        municipalities[spec.code] = municipality
        for name in UNITS:
            units[(spec.code, name)], _ = Unit.objects.get_or_create(municipality=municipality, name=name)
    return region, municipalities, units


def demo_usernames() -> list[tuple[str, str, str | None]]:
    """(username, role, kommunkod or None for the region) of every demo user."""
    users = [(f"{prefix}.{spec.code}", role, spec.code) for spec in MUNICIPALITIES for role, prefix in MUNICIPAL_USERS]
    users += [(username, role, None) for role, username in REGION_USERS]
    return users


def _ensure_users(region: Region, municipalities: dict[str, Municipality], units, password: str) -> list[DemoLogin]:
    User = get_user_model()
    password_hash = make_password(password)  # once: the same password for every demo user
    names = {spec.code: spec.name for spec in MUNICIPALITIES}
    logins: list[DemoLogin] = []
    for username, role, code in demo_usernames():
        where = names[code] if code else region.name
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = role_label(role).split(" (")[0]
        user.last_name = where
        user.password = password_hash
        user.is_active = True
        user.save()
        if code is None:
            if role == Role.REGIONAL_COORDINATOR:
                exists = Membership.objects.filter(user=user, role=role, region=region).exists()
                if not exists:
                    add_membership(actor=None, user=user, role=role, region=region)
            else:
                # A researcher works with pseudonymised exports for the whole region: a membership in each
                # of its municipalities (a researcher never sees person-level rows).
                for municipality in municipalities.values():
                    if not Membership.objects.filter(user=user, role=role, municipality=municipality).exists():
                        add_membership(actor=None, user=user, role=role, municipality=municipality)
        else:
            municipality = municipalities[code]
            if not Membership.objects.filter(user=user, role=role, municipality=municipality).exists():
                unit = None if role == Role.ADMIN else units[(code, CASE_UNIT)]
                add_membership(actor=None, user=user, role=role, municipality=municipality, unit=unit)
        logins.append(DemoLogin(username, role, where))
    return logins


def set_demo_passwords(password: str) -> list[DemoLogin]:
    """Give the demo users that exist the password ``password`` and list their logins."""
    User = get_user_model()
    wanted = demo_usernames()
    users = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    if not users:
        return []
    password_hash = make_password(password)
    names = {spec.code: spec.name for spec in MUNICIPALITIES}
    logins = []
    for username, role, code in wanted:
        user = users.get(username)
        if user is None:
            continue
        if user.password != password_hash:
            user.password = password_hash
            user.save(update_fields=["password"])
        logins.append(DemoLogin(username, role, names[code] if code else REGION_NAME))
    return logins


# --- reset -----------------------------------------------------------------------------------------


def _delete_chain(queryset, field: str) -> None:
    """Delete the rows of ``queryset`` whose rows refer to each other through the protected foreign key
    ``field`` (an omprövning to the decision it replaces, an application to the previous one): the rows no
    other row refers to first, round by round."""
    model = queryset.model
    while True:
        ids = set(queryset.values_list("pk", flat=True))
        if not ids:
            return
        referred = set(model.objects.filter(**{f"{field}__in": ids}).values_list(field, flat=True))
        leaves = ids - referred
        if not leaves:  # pragma: no cover - a cycle cannot be made through the services
            raise DemoDataError("Demodatan kunde inte tas bort: raderna pekar på varandra.")
        model.objects.filter(pk__in=leaves).delete()


def reset_demo() -> bool:
    """`_reset_demo` with the database's guards lifted (bistand.audit.guards): the demo's issued decisions
    and access-log rows may be removed with it."""
    with guards_lifted("demo reset: the demo municipalities' data is removed"):
        return _reset_demo()


def _reset_demo() -> bool:
    """Remove the demo municipalities' persons, households, stored calculations and access-log rows —
    and, before them, what refers to them: payments, bank files and assistance months, decisions,
    the case handling (referrals, assignments, notes, monthly runs), applications with their completion
    requests and attachments, and register data — and the record of the loaded demo data (an audit event
    records the reset; earlier audit events stay). Returns True when anything was there."""
    from bistand.applications.models import Application, Attachment, CompletionRequest
    from bistand.casework.models import Assignment, CaseNote, MonthlyRun, Referral
    from bistand.decisions.models import Decision, DecisionLetter, KommuniceringExemption, WorseningGround
    from bistand.followup.aggregates import forget as forget_aggregates
    from bistand.followup.models import AssistanceMonth, HistoryImport, PersonMonth, Population
    from bistand.payments.models import OverpaymentClaim, Payment, PaymentExport
    from bistand.registers.models import RegisterFact, RegisterFetch

    dataset = DemoDataset.objects.first()
    municipalities = list(Municipality.objects.filter(code__in=[spec.code for spec in MUNICIPALITIES]))
    had_data = dataset is not None or Household.objects.filter(municipality__in=municipalities).exists()
    CaseNote.objects.filter(application__municipality__in=municipalities).delete()
    Assignment.objects.filter(application__municipality__in=municipalities).delete()
    Referral.objects.filter(municipality__in=municipalities).delete()
    MonthlyRun.objects.filter(municipality__in=municipalities).delete()
    AssistanceMonth.objects.filter(municipality__in=municipalities).delete()
    PersonMonth.objects.filter(municipality__in=municipalities).delete()
    forget_aggregates(municipalities)
    HistoryImport.objects.filter(municipality__in=municipalities).delete()
    Population.objects.filter(municipality__in=municipalities).delete()
    Payment.objects.filter(municipality__in=municipalities).delete()
    PaymentExport.objects.filter(municipality__in=municipalities).delete()
    OverpaymentClaim.objects.filter(municipality__in=municipalities).delete()
    DecisionLetter.objects.filter(decision__municipality__in=municipalities).delete()
    WorseningGround.objects.filter(decision__municipality__in=municipalities).delete()
    KommuniceringExemption.objects.filter(decision__municipality__in=municipalities).delete()
    # Decision lines go with their decisions (the guards are lifted for the demo reset only).
    _delete_chain(Decision.objects.filter(municipality__in=municipalities), "reconsiders")
    attachments = list(Attachment.objects.filter(municipality__in=municipalities))
    for attachment in attachments:
        attachment.file.storage.delete(attachment.file.name)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    CompletionRequest.objects.filter(municipality__in=municipalities).delete()
    _delete_chain(Application.objects.filter(municipality__in=municipalities), "previous")
    RegisterFact.objects.filter(municipality__in=municipalities).delete()
    RegisterFetch.objects.filter(municipality__in=municipalities).delete()
    StoredCalculation.objects.filter(municipality__in=municipalities).delete()
    # Access-log rows point at the persons (and protect them); the audit events stay.
    AccessLog.objects.filter(municipality__in=municipalities).delete()
    HouseholdMember.objects.filter(household__municipality__in=municipalities).delete()
    Household.objects.filter(municipality__in=municipalities).delete()
    Person.objects.filter(municipality__in=municipalities).delete()
    if dataset is not None:
        record_delete(user=None, instance=dataset, municipality_id=None)
        dataset.delete()
    return had_data


# --- households and their history ------------------------------------------------------------------


def _created_at(month: dt.date, index: int) -> dt.datetime:
    """When the demo pretends the month was calculated: the 20th of the month before, in office hours."""
    before = add_months(month, -1)
    minutes = (index * 7) % 480
    local = dt.datetime(before.year, before.month, 20, 8, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return local + dt.timedelta(minutes=minutes)


def _write_households(plan: generator.DemoPlan, municipalities: dict[str, Municipality], units) -> tuple[dict[str, Household], dict[str, Person], int, int]:
    numbers = [person.personnummer for person in plan.persons()]
    existing = {
        (p.municipality_id, p.personnummer): p
        for p in Person.objects.filter(municipality__in=municipalities.values(), personnummer__in=numbers)
    }
    new_persons: list[Person] = []
    persons: dict[str, Person] = {}
    for household in plan.households:
        municipality = municipalities[household.municipality_code]
        for member in household.members:
            spec = member.person
            person = existing.get((municipality.pk, spec.personnummer))
            if person is None:
                person = Person(
                    municipality=municipality,
                    personnummer=spec.personnummer,
                    kind=pnr.PERSONNUMMER,
                    birth_date=spec.birth_date,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    street_address=spec.street_address,
                    postal_code=spec.postal_code,
                    postal_town=spec.postal_town,
                    protected_identity=spec.protected_identity,
                    search_name=Person.build_search_name(spec.first_name, spec.last_name),
                )
                new_persons.append(person)
            persons[spec.personnummer] = person
    Person.objects.bulk_create(new_persons, batch_size=500)

    applicants = {persons[h.applicant.person.personnummer].pk: h for h in plan.households}
    found = {
        m.person_id: m.household
        for m in HouseholdMember.objects.filter(role=HouseholdRole.APPLICANT, person_id__in=applicants).select_related("household")
    }
    households: dict[str, Household] = {}
    new_households: list[tuple[generator.HouseholdPlan, Household]] = []
    for household in plan.households:
        applicant_pk = persons[household.applicant.person.personnummer].pk
        if applicant_pk in found:
            households[household.key] = found[applicant_pk]
        else:
            row = Household(
                municipality=municipalities[household.municipality_code],
                unit=units[(household.municipality_code, CASE_UNIT)],
            )
            new_households.append((household, row))
            households[household.key] = row
    Household.objects.bulk_create([row for _, row in new_households], batch_size=500)
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(
                household=row,
                person=persons[member.person.personnummer],
                role=member.role,
                valid_from=plan.first_month,
            )
            for household, row in new_households
            for member in household.members
        ],
        batch_size=500,
    )
    return households, persons, len(new_households), len(new_persons)


def _history_rows(plan: generator.DemoPlan, households: dict[str, Household], persons: dict[str, Person]) -> list[StoredCalculation]:
    """Every month of every household, calculated in order with the real rules."""
    rows: list[StoredCalculation] = []
    local_dir = getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None)
    for index, household in enumerate(plan.households):
        row = households[household.key]
        ids = {m.key: str(persons[m.person.personnummer].pk) for m in household.members}
        adults = household.by_role("applicant", "partner")
        children = household.by_role("child")
        assisted: set[dt.date] = set()
        wages: dict[str, set[dt.date]] = {a.key: set() for a in adults}
        child_earnings: dict[tuple[str, int], Decimal] = {}
        for month_plan in household.months:
            month = month_plan.month
            params = load_parameters(format_month(month), household.municipality_code, local_dir)
            history = {ids[a.key]: AdultHistory(frozenset(assisted), frozenset(wages[a.key])) for a in adults}
            document = build_contract_input(
                month=month,
                adults=[AdultFacts(ids[a.key], a.person.birth_date) for a in adults],
                children=[
                    ChildFacts(ids[c.key], c.person.birth_date, c.days_present(month), c.lunch_away_from_home)
                    for c in children
                ],
                costs=month_plan.costs,
                incomes=[{**income, "member": ids[income["member"]]} for income in month_plan.incomes],
                municipality_code=household.municipality_code,
                dwelling_size=household.dwelling_size,
                history=history,
                child_earnings_before={ids[c.key]: child_earnings.get((c.key, month.year), 0) for c in children},
                qualifying_months=params.jobbstimulans_qualifying_months.value,
                window_months=params.jobbstimulans_window_months.value,
            )
            prepared = prepare_calculation(document)
            rows.append(
                new_stored_calculation(
                    household=row, month=month, prepared=prepared, user="demo", created_at=_created_at(month, index)
                )
            )
            if prepared.amount_ore > 0:
                assisted.add(month)
            for income in month_plan.incomes:
                if income["type"] == "wage":
                    if income["member"] in wages:
                        wages[income["member"]].add(month)
                    else:
                        key = (income["member"], month.year)
                        child_earnings[key] = child_earnings.get(key, Decimal(0)) + Decimal(income["amount"])
    return rows


# --- the whole load --------------------------------------------------------------------------------


def load_demo(
    *,
    seed: int = DEFAULT_SEED,
    households_per_municipality: int = DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY,
    months: int = DEFAULT_MONTHS,
    last_month: dt.date | str | None = None,
    reset: bool = False,
    password: str | None = None,
) -> DemoSummary:
    """Load (or bring up to date) the demo data; see the module docstring."""
    started = time.monotonic()
    if households_per_municipality < 1:
        raise DemoDataError("Ange minst ett hushåll per kommun.")
    if months < 1:
        raise DemoDataError("Ange minst en månad.")
    wanted = parse_month(last_month) if last_month is not None else parse_month(timezone.localdate())
    end, notice = last_calculable_month(wanted)
    password = password or demo_password()

    with transaction.atomic():
        was_reset = reset_demo() if reset else False
        dataset = DemoDataset.objects.first()
        settings_now = dict(seed=seed, households_per_municipality=households_per_municipality, months=months, last_month=end)
        if dataset is not None and not dataset.same_settings(**settings_now):
            raise DemoDataError(
                f"Det finns redan demodata: {dataset}. Kör med --reset för att ersätta den med nya inställningar."
            )
        region, municipalities, units = _ensure_organisation()
        logins = _ensure_users(region, municipalities, units, password)
        plan = generator.generate(seed=seed, households_per_municipality=households_per_municipality, months=months,
                                  last_month=end)
        households, persons, new_households, new_persons = _write_households(plan, municipalities, units)
        created = bulk_store(_history_rows(plan, households, persons), batch_size=250)
        applications = load_applications(plan, households, persons, municipalities)
        history = load_history(end, seed=seed)
        # Plausible population figures of the demo municipalities (made for the demo, not SCB's).
        import_population((Path(__file__).parent / "population.csv").read_bytes())
        ensure_demo_project(region, municipalities, *demo_period(end, HISTORY_MONTHS))
        # The demo is a command: its payment exports only mark the follow-up's months; count them in now.
        transaction.on_commit(refresh_followup, robust=True)
        if dataset is None:
            dataset = DemoDataset.objects.create(**settings_now)
            record_create(user=None, instance=dataset, municipality_id=None)

    summary = DemoSummary(
        dataset=dataset,
        created_households=new_households,
        created_persons=new_persons,
        created_calculations=len(created),
        reset=was_reset,
        notices=[notice] if notice else [],
        logins=logins,
        applications=applications,
        history=history,
    )
    summary.per_municipality = municipality_counts(end)
    summary.seconds = time.monotonic() - started
    return summary


#: Months of imported history the demo loads, up to the month before its last month: enough for every
#: indicator to have values (very long-term assistance needs three years; exits need a year after).
HISTORY_MONTHS = 48
#: Households of the history per demo municipality.
HISTORY_HOUSEHOLDS = 120


def load_history(last_month: dt.date, *, seed: int = DEFAULT_SEED) -> HistoryImportResult:
    """Import the demo's assistance history (bistand.demo.history, deterministic for the seed and the
    last month) through the same service as ``bistand import-history``: idempotent, so loading the demo
    again changes nothing. Months decided in the system win over the history."""
    last = add_months(last_month, -1)
    data = generate_history([spec.code for spec in MUNICIPALITIES], households_per_municipality=HISTORY_HOUSEHOLDS,
                            first_month=add_months(last, -(HISTORY_MONTHS - 1)), last_month=last, seed=seed)
    return import_history(data, file_name="demohistorik.csv")


def municipality_counts(last_month: dt.date) -> list[tuple[str, str, int, int, int, int]]:
    rows = []
    for spec in MUNICIPALITIES:
        municipality = Municipality.objects.filter(code=spec.code).first()
        if municipality is None:
            continue
        households = Household.objects.filter(municipality=municipality).count()
        persons = Person.objects.filter(municipality=municipality).count()
        calculations = StoredCalculation.objects.filter(municipality=municipality).count()
        granted = (
            StoredCalculation.objects.filter(municipality=municipality, month=last_month, amount_ore__gt=0)
            .values("household").distinct().count()
        )
        rows.append((spec.code, spec.name, households, persons, calculations, granted))
    return rows


def format_summary(summary: DemoSummary, password: str, *, url: str | None = None) -> str:
    """The text printed after loading: what is there, and how to log in."""
    dataset = summary.dataset
    lines = []
    if summary.reset:
        lines.append("Den tidigare demodatan togs bort.")
    lines += summary.notices
    lines.append(
        f"Demodata: frö {dataset.seed}, {dataset.households_per_municipality} hushåll per kommun, "
        f"{dataset.months} månader ({format_month(add_months(dataset.last_month, -(dataset.months - 1)))}–"
        f"{format_month(dataset.last_month)})."
    )
    if summary.created_calculations or summary.created_households:
        lines.append(
            f"Nytt: {summary.created_households} hushåll, {summary.created_persons} personer, "
            f"{summary.created_calculations} sparade beräkningar ({summary.seconds:.1f} s)."
        )
    else:
        lines.append("Demodatan fanns redan; inget nytt behövde skapas.")
    lines.append("")
    lines.append(f"{'Kommun':<22}{'Hushåll':>9}{'Personer':>10}{'Beräkningar':>13}{'Med stöd sista månaden':>25}")
    for code, name, households, persons, calculations, granted in summary.per_municipality:
        lines.append(f"{code + ' ' + name:<22}{households:>9}{persons:>10}{calculations:>13}{granted:>25}")
    work = summary.applications
    if work.submitted:
        month = format_month(dataset.last_month)
        lines.append("")
        lines.append(
            f"Ansökningar: {work.previous_decided} beslutade och utbetalda för {format_month(add_months(dataset.last_month, -1))}, "
            f"{work.submitted} inskickade för {month} som väntar på månadskörningen."
        )
        if work.deviations:
            lines.append("Avvikelser som går till en handläggare: "
                         + ", ".join(f"{DEVIATION_LABELS.get(kind, kind)} ({len(keys)})"
                                     for kind, keys in sorted(work.deviations.items())) + ".")
        lines.append(f"Kör månadskörningen: bistand monthly-run --municipality 0680 --month {month}")
    if summary.history is not None:
        lines.append("")
        lines.append(
            f"Historik ({HISTORY_MONTHS} månader före {format_month(dataset.last_month)}, för uppföljningen): "
            f"{summary.history.rows} personmånader, {summary.history.created} nya."
        )
    lines.append("")
    lines.append(format_logins(summary.logins, password, url=url))
    return "\n".join(lines)


def test_persons(code: str = "0680") -> list[tuple[str, str]]:
    """(situation, personnummer) of one demo applicant in each situation worth showing in the e-service,
    from the newest month of the demo municipality ``code`` (empty when there is no demo data)."""
    from bistand.applications.models import Application, ApplicationKind, CompletionRequest, CompletionStatus

    latest = Application.objects.filter(municipality__code=code).order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        return []
    month = Application.objects.filter(municipality__code=code, month=latest).select_related("applicant").order_by("pk")
    open_requests = CompletionRequest.objects.filter(status=CompletionStatus.OPEN).values("application_id")
    picks = [
        ("Ny sökande (första ansökan)", month.filter(kind=ApplicationKind.NEW)),
        ("Par (sökande och medsökande)", month.filter(co_applicant__isnull=False)),
        ("Väntar på en komplettering", month.filter(pk__in=open_requests)),
        ("Återansökan som månadskörningen kan besluta",
         month.filter(kind=ApplicationKind.RECURRING, co_applicant__isnull=True, needs_caseworker=False)
         .exclude(pk__in=open_requests)),
    ]
    found = []
    for situation, applications in picks:
        application = applications.first()
        if application is not None:
            found.append((situation, pnr.parse(application.applicant.personnummer).formatted))
    return found


def format_logins(logins: list[DemoLogin], password: str, *, url: str | None = None) -> str:
    lines = [f"Demoinloggningar (lösenord för alla: {password}):"]
    lines.append(f"  {'Användarnamn':<22}{'Roll':<36}Kommun eller region")
    for login in logins:
        lines.append(f"  {login.username:<22}{login.role_label:<36}{login.where}")
    if url:
        lines.append("")
        lines.append(f"E-tjänsten för sökande: {url.rstrip('/')}/e-tjanst/ (logga in med testpersonens personnummer).")
        persons = test_persons()
        if persons:
            lines.append("Testpersoner i Jönköping:")
            lines += [f"  {situation}: {number}" for situation, number in persons]
        lines.append("")
        lines.append(f"Öppna {url} i webbläsaren.")
    return "\n".join(lines)


def demo_counts() -> Counter:
    """Numbers of demo rows, for tests and the summary."""
    municipalities = Municipality.objects.filter(code__in=[spec.code for spec in MUNICIPALITIES])
    return Counter(
        households=Household.objects.filter(municipality__in=municipalities).count(),
        persons=Person.objects.filter(municipality__in=municipalities).count(),
        calculations=StoredCalculation.objects.filter(municipality__in=municipalities).count(),
    )


__all__ = [
    "DEFAULT_PASSWORD",
    "DemoDataError",
    "DemoSummary",
    "database_has_data",
    "demo_password",
    "ensure_database_directory",
    "format_logins",
    "format_summary",
    "load_demo",
    "reset_demo",
    "set_demo_passwords",
]


@contextlib.contextmanager
def quiet_audit_console():
    """Keep the console readable while thousands of demo rows are created: the audit events are still
    written to the database (bistand.audit.events writes rows whatever the log level), only the copy
    on stdout is held back to warnings."""
    audit_logger = logging.getLogger("bistand.audit")
    previous = audit_logger.level
    audit_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        audit_logger.setLevel(previous)
