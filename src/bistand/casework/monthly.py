"""The monthly run: every submitted application of one municipality and month, from register data to a
decision and a payment — or to a case worker with the reasons (``bistand monthly-run``).

For each application the run

1. fetches register data (SSBTEK) for every person of the application and month
   (``registers.services.fetch_for_persons``; a person already fetched is not asked again);
2. builds the calculation input from the declaration and the register facts
   (``applications.selectors.calculation_input_for``), calculates and stores it
   (``calculations.services.calculate_and_store_many``; the same input is stored once);
3. checks every criterion of the committee's delegation (``decisions.automation.evaluate``);
4. when all hold: the automated decision function decides (``decisions.services.decide_automatically_many``:
   bifall, "automatiserad beslutsfunktion" and the delegation named in the decision) and the payment is
   scheduled (``payments.services.schedule_payments``; approved at once when the delegation also
   approves payments); otherwise the application goes to a case worker with every failed criterion
   (a :class:`~bistand.casework.models.Referral`, shown in the inbox).

**Batches.** The applications are taken in chunks (default 500). Everything a chunk needs is read with a
few queries for the whole chunk; the calculations are made one household at a time (the stored
calculation keeps its trace, which the decision, its reasons and the letter are made from — the
vectorised ``bistand.engine.batch`` gives no trace); everything written is inserted with one INSERT per
table, audit events included. Each chunk is one transaction.

**Stopping and running again.** A chunk is written completely or not at all, so the run can be stopped at
any moment (Ctrl-C, ``kill -9``, a power cut) and started again: it takes only the applications that are
still submitted and have not been left to a case worker, and fetches, calculations, decisions and
payments that exist are used as they are. The database forbids what must never happen twice: a second
original decision of an application, a second payment of a decision, a second register fetch with the
same number. Two runs at the same moment take turns chunk by chunk (each chunk locks the month's
:class:`~bistand.casework.models.MonthlyRun` row first); if a chunk still collides with something (a case
worker deciding the same application at that moment), it is rolled back and done again one application
at a time.

**One run at a time per municipality.** Every start — the web page (``/handlaggning/manadskorning/``),
``bistand monthly-run`` or ``bistand monthly-run --due`` — first writes a
:class:`~bistand.casework.models.MonthlyRunJob` with status *running*; the database allows one running
job per municipality (a partial unique index), so a second start anywhere is refused at the INSERT
(:class:`RunInProgress`). The job carries the progress (for the web page's polling) and the summary. A
job whose process died is marked abandoned by the next start (:func:`begin`).

**The kill switch** (``Delegation.active``) is read again for every chunk: pulling it stops automated
decisions from the next chunk on.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from bistand.applications.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CompletionRequest,
    CompletionStatus,
)
from bistand.applications.selectors import (
    calculation_input_for,
    input_parts_by_application,
    norm_adjustments_by_application,
    pending_kommunicering_for,
)
from bistand.audit.services import diff, record_change, record_create, record_create_many, snapshot
from bistand.bulkinsert import insert_many
from bistand.calculations.inputs import InputBuildError
from bistand.calculations.paid_months import paid_months
from bistand.calculations.services import calculate_and_store_many, earlier_calculations, members_in_month
from bistand.common.months import add_months, parse_month
from bistand.decisions import automation
from bistand.decisions.models import Decision, DecisionLine, DecisionStatus, DecisionType
from bistand.decisions.proposals import propose
from bistand.decisions.services import decide_automatically_many
from bistand.payments.models import Payment, PaymentStatus
from bistand.payments.services import schedule_payments
from bistand.people.models import HouseholdRole
from bistand.plans.selectors import reduction_matters_for
from bistand.registers.models import RegisterFact
from bistand.registers.services import fetch_for_persons
from bistand.registers.ssbtek.base import SsbtekError

from .models import MonthlyRun, MonthlyRunJob, Referral, RunStatus
from .reasons import CALCULATION_FAILED, codes_text, reason_label

logger = logging.getLogger("bistand.casework")

DEFAULT_CHUNK_SIZE = 500
_PERSON_ROLES = (HouseholdRole.APPLICANT, HouseholdRole.PARTNER, HouseholdRole.CHILD)
REFERRAL_AUDIT_FIELDS = ["application", "run", "calculation", "codes", "referred_at"]


# --- results ---------------------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    """What one chunk did."""

    taken: int = 0  # applications still to be done when the chunk started
    decided: int = 0
    referred: int = 0
    reasons: Counter = field(default_factory=Counter)
    payments: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (application id, message)

    def add(self, other: ChunkResult) -> None:
        self.taken += other.taken
        self.decided += other.decided
        self.referred += other.referred
        self.reasons.update(other.reasons)
        self.payments += other.payments
        self.errors += other.errors


@dataclass
class MonthState:
    """The month as it stands in the database (the same after a run that was stopped and started again
    as after one that ran through)."""

    received: int  # applications of the month that were submitted (submitted, in review or decided)
    decided_automatically: int
    decided_by_person: int
    referred: int  # left to a case worker and not decided yet
    reasons: list[tuple[str, str, int]]  # (code, Swedish text, number of undecided referred applications)
    waiting: int  # submitted, not yet looked at by the run
    payments: int  # payments of the month's automated decisions
    payments_approved: int  # … of which approved (by the delegation or a person) or already sent


@dataclass
class RunReport:
    municipality_code: str
    municipality_name: str
    month: dt.date
    pending: int  # applications the run started with
    done: ChunkResult
    state: MonthState
    seconds: float
    delegation: str  # the delegation in force at the start, in words

    @property
    def per_second(self) -> float:
        return self.done.taken / self.seconds if self.seconds > 0 else 0.0


# --- one run at a time per municipality -------------------------------------------------------------------

#: A running job that has not reported progress for this long is taken to be dead (its process is on
#: another host, so its process id cannot be checked). A chunk reports when it is done.
STALE_AFTER = dt.timedelta(minutes=30)
HOST = socket.gethostname()[:255]
JOB_AUDIT_FIELDS = ["municipality", "month", "status", "started_by", "started_from", "started_at", "finished_at"]


class RunInProgress(Exception):
    """Another monthly run of the municipality is running (``job``)."""

    def __init__(self, job: MonthlyRunJob | None) -> None:
        self.job = job
        if job is not None:
            from bistand.common.months import month_sv

            since = timezone.localtime(job.started_at).strftime("%Y-%m-%d %H:%M")
            message = (f"En månadskörning för kommunen pågår redan ({month_sv(job.month)}, startad {since}). "
                       "Vänta tills den är klar och starta sedan igen om något är kvar.")
        else:
            message = "En månadskörning för kommunen pågår redan. Försök igen om en stund."
        super().__init__(message)
        self.message = message


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def _abandon_dead(municipality_id: int, now: dt.datetime) -> None:
    """Mark the municipality's running job abandoned when its process is gone (same host) or it has been
    silent for :data:`STALE_AFTER`."""
    for job in MonthlyRunJob.objects.filter(municipality_id=municipality_id, status=RunStatus.RUNNING):
        gone = job.host == HOST and job.pid is not None and not _process_alive(job.pid)
        if gone or job.heartbeat_at < now - STALE_AFTER:
            with transaction.atomic():
                changed = MonthlyRunJob.objects.filter(pk=job.pk, status=RunStatus.RUNNING).update(
                    status=RunStatus.ABANDONED, finished_at=now)
                if changed:
                    record_change(user=None, action="update", instance=job, municipality_id=municipality_id,
                                  changes={"status": {"old": RunStatus.RUNNING, "new": RunStatus.ABANDONED}})


def begin(municipality, month, *, user=None, started_from: str = "command") -> MonthlyRunJob:
    """Claim the municipality's monthly run for ``month`` (see the module docstring), or raise
    :class:`RunInProgress`."""
    month = parse_month(month)
    now = timezone.now()
    _abandon_dead(municipality.pk, now)
    try:
        with transaction.atomic():
            job = MonthlyRunJob.objects.create(municipality=municipality, month=month, started_by=user,
                                               started_from=started_from, started_at=now, heartbeat_at=now,
                                               host=HOST, pid=os.getpid())
            record_create(user=user, instance=job, municipality_id=municipality.pk, fields=JOB_AUDIT_FIELDS)
    except IntegrityError:
        raise RunInProgress(MonthlyRunJob.objects.filter(municipality=municipality, status=RunStatus.RUNNING)
                            .first()) from None
    return job


def _report_progress(job: MonthlyRunJob, done: int, total: int, result: ChunkResult) -> None:
    MonthlyRunJob.objects.filter(pk=job.pk).update(done=done, total=total, decided=result.decided,
                                                    referred=result.referred, heartbeat_at=timezone.now())


def _end(job: MonthlyRunJob, status: str, summary: str) -> None:
    with transaction.atomic():
        before = snapshot(job, ["status", "finished_at"])
        job.status = status
        job.finished_at = timezone.now()
        job.summary = summary
        job.save(update_fields=["status", "finished_at", "summary"])
        record_change(user=None, action="update", instance=job, municipality_id=job.municipality_id,
                      changes=diff(before, snapshot(job, ["status", "finished_at"])))


# --- the run -----------------------------------------------------------------------------------------------


def pending_ids(municipality, month: dt.date) -> list[int]:
    """The applications the run still has to do: submitted, not left to a case worker, oldest first."""
    return list(
        Application.objects.filter(municipality=municipality, month=month, status=ApplicationStatus.SUBMITTED,
                                   referral__isnull=True)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )


def _start(municipality, month: dt.date, now: dt.datetime) -> MonthlyRun:
    with transaction.atomic():
        run, created = MonthlyRun.objects.select_for_update().get_or_create(
            municipality=municipality, month=month, defaults={"first_started_at": now, "last_started_at": now}
        )
        before = snapshot(run, ["starts", "last_started_at", "last_finished_at"])
        run.starts += 1
        run.last_started_at = now
        run.save(update_fields=["starts", "last_started_at"])
        record_change(user=None, action="create" if created else "update", instance=run,
                      municipality_id=municipality.pk,
                      changes=diff({} if created else before, snapshot(run, ["starts", "last_started_at", "last_finished_at"])))
    return run


def _finish(run: MonthlyRun) -> None:
    with transaction.atomic():
        before = snapshot(run, ["last_finished_at"])
        run.last_finished_at = timezone.now()
        run.save(update_fields=["last_finished_at"])
        record_change(user=None, action="update", instance=run, municipality_id=run.municipality_id,
                      changes=diff(before, snapshot(run, ["last_finished_at"])))


def _lock(run: MonthlyRun) -> None:
    """Take the month's lock for the rest of the transaction (PostgreSQL: the row; SQLite: the
    transaction already holds the database's write lock)."""
    MonthlyRun.objects.select_for_update().filter(pk=run.pk).values_list("pk", flat=True).first()


def run_month(
    municipality,
    month,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int, ChunkResult], None] | None = None,
    on: dt.date | None = None,
    client=None,
    job: MonthlyRunJob | None = None,
) -> RunReport:
    """Do the monthly run of ``municipality`` for ``month`` (see the module docstring). ``on`` is the day
    the delegation must be in force (default today); ``client`` an SSBTEK plugin (default the configured
    one); ``progress(done, total, result so far)`` is called after each chunk. ``job`` is the run claimed
    with :func:`begin` (default: claimed here; :class:`RunInProgress` when another run is going on)."""
    month = parse_month(month)
    job = job or begin(municipality, month)
    try:
        report = _run_month(municipality, month, job=job, chunk_size=chunk_size, progress=progress, on=on,
                            client=client)
    except BaseException as error:
        _end(job, RunStatus.FAILED, f"Körningen avbröts: {error!r}"[:2000])
        raise
    _end(job, RunStatus.DONE, format_report(report))
    return report


def _run_month(municipality, month: dt.date, *, job: MonthlyRunJob, chunk_size: int, progress, on, client) -> RunReport:
    started = time.monotonic()
    on = on or timezone.localdate()
    run = _start(municipality, month, timezone.now())
    ids = pending_ids(municipality, month)
    delegation = automation.delegation_in_force(municipality.pk, DecisionType.MONTHLY_ASSISTANCE, on)
    total = ChunkResult()
    done = 0
    _report_progress(job, 0, len(ids), total)
    # The chunks make many short-lived objects (model instances, JSON); Python's cyclic garbage collector
    # would scan the whole heap again and again while they are made. Collect once after each chunk instead,
    # and leave out of those collections what existed before the run (modules, Django's set-up: most of the
    # heap), which would otherwise be scanned after every chunk.
    # (A process that froze objects itself, e.g. a server that preloads the application, keeps its own
    # freeze: the run then neither freezes nor unfreezes.)
    collecting = gc.isenabled()
    freezing = gc.get_freeze_count() == 0
    gc.disable()
    if freezing:
        gc.freeze()
    try:
        for start in range(0, len(ids), max(1, chunk_size)):
            chunk = ids[start:start + chunk_size]
            total.add(_run_chunk(run, chunk, on=on, client=client))
            gc.collect()
            done += len(chunk)
            _report_progress(job, done, len(ids), total)
            if progress is not None:
                progress(done, len(ids), total)
    finally:
        if freezing:
            gc.unfreeze()
        if collecting:
            gc.enable()
    total.payments += _pay_unpaid(municipality, month)
    _finish(run)
    return RunReport(
        municipality_code=municipality.code,
        municipality_name=municipality.name,
        month=month,
        pending=len(ids),
        done=total,
        state=month_state(municipality, month),
        seconds=time.monotonic() - started,
        delegation=_delegation_text(delegation, on),
    )


def _delegation_text(delegation, on: dt.date) -> str:
    if delegation is None:
        return "Ingen delegation till automatiserad beslutsfunktion gäller; alla ansökningar går till handläggare."
    state = "påslagen" if delegation.active else "AVSTÄNGD (nödstoppet är draget)"
    return f"Delegation {delegation.committee_reference}, gäller från {delegation.effective_from:%Y-%m-%d}: {state}."


def _run_chunk(run: MonthlyRun, ids: list[int], *, on: dt.date, client) -> ChunkResult:
    """One chunk in one transaction; on a collision, the same applications one at a time."""
    try:
        with transaction.atomic():
            _lock(run)
            return process(ids, run=run, on=on, client=client)
    except SsbtekError as error:
        # The register did not answer: nothing of the chunk is written; the applications stay submitted
        # and are taken the next time the run is started.
        logger.warning("monthly run: the register did not answer for %s applications: %s", len(ids), error)
        return ChunkResult(errors=[(pk, f"Registret svarade inte: {error}") for pk in ids])
    except (IntegrityError, DatabaseError) as error:
        if len(ids) == 1:
            logger.warning("monthly run: application %s failed: %s", ids[0], error)
            return ChunkResult(errors=[(ids[0], "Ansökan kunde inte behandlas; den tas med nästa gång körningen startas.")])
        logger.info("monthly run: chunk of %s rolled back (%s); one application at a time", len(ids), error)
    result = ChunkResult()
    for pk in ids:
        result.add(_run_chunk(run, [pk], on=on, client=client))
    return result


def _pay_unpaid(municipality, month: dt.date) -> int:
    """Payments of the month's automated decisions that have none (normally none: a decision and its
    payment are written in the same transaction)."""
    unpaid = list(
        Decision.objects.filter(municipality=municipality, month=month, automated=True, status=DecisionStatus.ISSUED,
                                reconsiders__isnull=True, payment__isnull=True)
        .select_related("application__applicant", "delegation")
    )
    if not unpaid:
        return 0
    with transaction.atomic():
        return len(schedule_payments(unpaid))


# --- one chunk ---------------------------------------------------------------------------------------------


def process(ids: Iterable[int], *, run: MonthlyRun | None = None, on: dt.date | None = None, client=None) -> ChunkResult:
    """Process the applications ``ids`` that are still submitted and not left to a case worker (the
    others are skipped). Call it inside a transaction."""
    on = on or timezone.localdate()
    applications = list(
        Application.objects.filter(pk__in=list(ids), status=ApplicationStatus.SUBMITTED, referral__isnull=True)
        .select_related("household__municipality", "applicant", "co_applicant", "previous", "municipality")
        .order_by("submitted_at", "pk")
    )
    result = ChunkResult(taken=len(applications))
    if not applications:
        return result
    by_month: dict[dt.date, list[Application]] = defaultdict(list)
    for application in applications:
        by_month[application.month].append(application)
    for month, group in by_month.items():
        _process_month(group, month, run=run, on=on, client=client, result=result)
    return result


def _persons_of(application, members) -> list:
    """``registers.selectors.application_persons`` from members read beforehand."""
    persons = {}
    for person in (application.applicant, application.co_applicant):
        if person is not None:
            persons.setdefault(person.pk, person)
    for member in members:
        if member.role in _PERSON_ROLES:
            persons.setdefault(member.person_id, member.person)
    return list(persons.values())


def _process_month(applications: list[Application], month: dt.date, *, run, on, client, result: ChunkResult) -> None:
    municipality_ids = {a.municipality_id for a in applications}
    household_ids = {a.household_id for a in applications}
    app_ids = [a.pk for a in applications]

    # 1. register data for every person of every application (asked once per person and month)
    members = members_in_month(household_ids, month)
    persons = {a.pk: _persons_of(a, members.get(a.household_id, [])) for a in applications}
    fetches = fetch_for_persons([p for ps in persons.values() for p in ps], month, client=client)
    facts_by_person: dict[int, list[RegisterFact]] = defaultdict(list)
    for fact in RegisterFact.objects.filter(fetch_id__in=[f.pk for f in fetches.values()]).order_by(
        "person_id", "agency", "kind", "pk"
    ):
        facts_by_person[fact.person_id].append(fact)
    facts = {a.pk: sorted((f for p in persons[a.pk] for f in facts_by_person.get(p.pk, ())),
                          key=lambda f: (f.person_id, f.agency, f.kind, f.pk))
             for a in applications}

    # 2. the calculation of each application
    earlier = earlier_calculations(household_ids, month)
    paid: dict[str, frozenset] = {}
    for municipality_id in municipality_ids:
        adult_ids = {str(m.person_id) for a in applications if a.municipality_id == municipality_id
                     for m in members.get(a.household_id, []) if m.role in (HouseholdRole.APPLICANT, HouseholdRole.PARTNER)}
        paid.update(paid_months(municipality_id, adult_ids, month))
    adjustments = norm_adjustments_by_application(app_ids)
    parts = input_parts_by_application(app_ids)
    documents, failed = [], {}
    for application in applications:
        try:
            documents.append((application, calculation_input_for(
                application, facts[application.pk], members=members.get(application.household_id, []),
                earlier=earlier.get(application.household_id, []), adjustments=adjustments.get(application.pk, []),
                paid=paid, parts=parts.get(application.pk, {}),
            )))
        except (InputBuildError, ValueError) as error:
            failed[application.pk] = str(error)
        except (KeyError, TypeError) as error:  # a declaration that does not have the expected form
            logger.warning("monthly run: application %s cannot be calculated", application.pk, exc_info=True)
            failed[application.pk] = f"Uppgifterna i ansökan har inte den form som väntas ({error!r})."
    stored = calculate_and_store_many([(a.household, month, d) for a, d in documents], "system")
    calculations = {}
    for (application, _), row in zip(documents, stored, strict=True):
        if isinstance(row, Exception):
            failed[application.pk] = str(row)
        else:
            calculations[application.pk] = row

    # 3. the criteria, with what they read fetched for the whole chunk
    decided = set(Decision.objects.filter(application_id__in=app_ids, reconsiders__isnull=True)
                  .values_list("application_id", flat=True))
    open_requests = dict(
        CompletionRequest.objects.filter(application_id__in=app_ids, status=CompletionStatus.OPEN)
        .values("application_id").annotate(n=Count("pk")).values_list("application_id", "n")
    )
    kommunicering = pending_kommunicering_for(app_ids, on=on)
    last_month: dict[int, Decision] = {}
    for decision in (Decision.objects.filter(household_id__in=household_ids, month=add_months(month, -1),
                                             status=DecisionStatus.ISSUED, reconsidered_by__isnull=True)
                     .order_by("household_id", "-issued_at", "-pk")):
        last_month.setdefault(decision.household_id, decision)
    reduced_last_month = set(DecisionLine.objects.filter(decision__in=list(last_month.values()), item="reduction")
                             .values_list("decision_id", flat=True))
    reduction_matters = reduction_matters_for([a.applicant for a in applications], month)
    delegations = {mid: automation.delegation_in_force(mid, DecisionType.MONTHLY_ASSISTANCE, on) for mid in municipality_ids}

    automate, referrals = [], []
    now = timezone.now()
    for application in applications:
        calculation = calculations.get(application.pk)
        if calculation is None:
            reasons = [{"code": CALCULATION_FAILED, "label": reason_label(CALCULATION_FAILED),
                        "detail": failed.get(application.pk, "")}]
            referrals.append(_referral(application, None, reasons, run, now))
            continue
        preloaded = automation.Preloaded(
            has_decision=application.pk in decided,
            open_completion_requests=open_requests.get(application.pk, 0),
            pending_kommunicering=kommunicering.get(application.pk),
            last_month_decision=last_month.get(application.household_id),
            last_month_reduced=getattr(last_month.get(application.household_id), "pk", None) in reduced_last_month,
            reduction_matter=reduction_matters.get(application.applicant_id, ""),
            persons=persons[application.pk],
            fetches={p.pk: fetches[p.pk] for p in persons[application.pk] if p.pk in fetches},
        )
        proposal = propose(application, calculation, automated=True)
        verdict = automation.evaluate(application, calculation, facts[application.pk],
                                      delegation=delegations[application.municipality_id], on=on,
                                      preloaded=preloaded, proposal=proposal)
        if verdict.automate:
            automate.append((application, calculation, verdict, proposal))
        else:
            reasons = [{"code": c.code, "label": c.label_sv, "detail": c.detail} for c in verdict.failed]
            referrals.append(_referral(application, calculation, reasons, run, now))

    # 4. decisions and payments, or to a case worker
    decisions = decide_automatically_many(automate)
    payments = schedule_payments(decisions)
    insert_many(referrals)
    record_create_many(user=None, instances=referrals, fields=REFERRAL_AUDIT_FIELDS)

    result.decided += len(decisions)
    result.payments += len(payments)
    result.referred += len(referrals)
    for referral in referrals:
        result.reasons.update(referral.code_list)


def _referral(application, calculation, reasons, run, now) -> Referral:
    return Referral(municipality_id=application.municipality_id, application=application, run=run,
                    calculation=calculation, reasons=reasons, codes=codes_text(r["code"] for r in reasons)[:1000],
                    referred_at=now)


# --- what is due: for a system timer (``bistand monthly-run --due``) -------------------------------------


def payment_date(month) -> dt.date:
    """The day the assistance of ``month`` is paid: day ``BISTAND_MONTHLY_PAYMENT_DAY`` (default 25) of
    the month before (so that the money is there when the month begins)."""
    month = parse_month(month)
    before = add_months(month, -1)
    day = min(max(1, int(settings.BISTAND_MONTHLY_PAYMENT_DAY)), 28)
    return before.replace(day=day)


def due_runs(today: dt.date | None = None) -> list[tuple[int, dt.date]]:
    """(municipality id, month) of every municipality and month with submitted recurring applications that
    the run has not looked at and whose payment date is at most ``BISTAND_MONTHLY_RUN_DAYS_BEFORE`` days
    away (or has passed), oldest month first."""
    today = today or timezone.localdate()
    lead = dt.timedelta(days=int(settings.BISTAND_MONTHLY_RUN_DAYS_BEFORE))
    waiting = (Application.objects.filter(status=ApplicationStatus.SUBMITTED, kind=ApplicationKind.RECURRING,
                                          referral__isnull=True)
               .values_list("municipality_id", "month").distinct().order_by("month", "municipality_id"))
    return [(municipality_id, month) for municipality_id, month in waiting if payment_date(month) - lead <= today]


# --- the state of a month ----------------------------------------------------------------------------------


def month_state(municipality, month: dt.date) -> MonthState:
    """What the month looks like now (see :class:`MonthState`)."""
    month = parse_month(month)
    applications = Application.objects.filter(municipality=municipality, month=month)
    received = applications.filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW,
                                               ApplicationStatus.DECIDED]).count()
    originals = Decision.objects.filter(municipality=municipality, month=month, status=DecisionStatus.ISSUED,
                                        reconsiders__isnull=True)
    by_kind = dict(originals.values("automated").annotate(n=Count("pk")).values_list("automated", "n"))
    open_referrals = Referral.objects.filter(municipality=municipality, application__month=month).exclude(
        application__status__in=[ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]
    )
    counts: Counter = Counter()
    for codes in open_referrals.values_list("codes", flat=True):
        counts.update(c for c in codes.split("|") if c)
    order = {code: i for i, code in enumerate([*automation.LABELS, CALCULATION_FAILED])}
    reasons = sorted(((code, reason_label(code), n) for code, n in counts.items()),
                     key=lambda r: (-r[2], order.get(r[0], 99), r[0]))
    payments = Payment.objects.filter(decision__municipality=municipality, decision__month=month, decision__automated=True)
    return MonthState(
        received=received,
        decided_automatically=by_kind.get(True, 0),
        decided_by_person=by_kind.get(False, 0),
        referred=open_referrals.count(),
        reasons=reasons,
        waiting=applications.filter(status=ApplicationStatus.SUBMITTED, referral__isnull=True).count(),
        payments=payments.count(),
        payments_approved=payments.filter(status__in=[PaymentStatus.APPROVED, PaymentStatus.EXPORTED]).count(),
    )


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def format_report(report: RunReport) -> str:
    """The summary in Swedish (printed at the end of ``bistand monthly-run``)."""
    from bistand.common.months import month_sv

    state, done = report.state, report.done
    lines = [
        f"Månadskörning för {report.municipality_name} ({report.municipality_code}), {month_sv(report.month)}",
        report.delegation,
        "",
        f"Inkomna ansökningar för månaden: {_n(state.received)}",
        f"Beslutade automatiskt: {_n(state.decided_automatically)}",
        f"Beslutade av handläggare: {_n(state.decided_by_person)}",
        f"Till handläggare (inte beslutade än): {_n(state.referred)}",
    ]
    if state.reasons:
        lines.append("  Skäl (en ansökan kan ha flera):")
        width = max(len(label) for _, label, _ in state.reasons)
        for _, label, count in state.reasons:
            lines.append(f"    {label + ':':<{width + 1}} {_n(count)}")
    if state.waiting:
        lines.append(f"Väntar fortfarande på månadskörningen: {_n(state.waiting)}")
    lines.append(f"Utbetalningar upplagda för automatiska beslut: {_n(state.payments)} "
                 f"(attesterade: {_n(state.payments_approved)}, väntar på attest: {_n(state.payments - state.payments_approved)})")
    lines.append("")
    if report.pending:
        lines.append(
            f"Den här körningen: {_n(done.taken)} ansökningar på {report.seconds:.1f} s".replace(".", ",")
            + f" ({report.per_second:.0f} per sekund): {_n(done.decided)} beslutade automatiskt, "
            f"{_n(done.referred)} till handläggare, {_n(done.payments)} utbetalningar upplagda."
        )
    else:
        lines.append("Den här körningen: det fanns inget kvar att göra för månaden.")
    if done.errors:
        lines.append(f"{_n(len(done.errors))} ansökningar kunde inte behandlas och tas med nästa gång körningen startas:")
        lines += [f"  ansökan {pk}: {message}" for pk, message in done.errors[:20]]
    return "\n".join(lines)


__all__ = ["DEFAULT_CHUNK_SIZE", "STALE_AFTER", "ChunkResult", "RunInProgress", "begin", "due_runs", "payment_date", "MonthState", "RunReport", "format_report", "month_state",
           "pending_ids", "process", "run_month"]
