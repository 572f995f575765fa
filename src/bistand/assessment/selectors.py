"""Reads for assessment. Person-level reads take the user and go through bistand.tenancy.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import timezone

from bistand.tenancy.current import get_state
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import DomainRating, Instrument, InstrumentVersion, Occasion, OccasionKind, Rater, RatingStatus, Ruler
from .services import schedule_for

SFP_KEY = "se.bistand.sfp"


# --- instruments -------------------------------------------------------------------------------------


def instruments_for(municipality) -> list[Instrument]:
    """Shipped instruments and the municipality's own: never another municipality's."""
    mid = getattr(municipality, "pk", municipality)
    return list(Instrument.objects.filter(Q(municipality__isnull=True) | Q(municipality_id=mid))
                .prefetch_related("versions").order_by("municipality_id", "name"))


def version_for(municipality, pk: int) -> InstrumentVersion:
    mid = getattr(municipality, "pk", municipality)
    return InstrumentVersion.objects.select_related("instrument").get(
        Q(instrument__municipality__isnull=True) | Q(instrument__municipality_id=mid), pk=pk)


def default_version(municipality) -> InstrumentVersion | None:
    """The newest version of the municipality's chosen instrument, else of SFP."""
    from .models import AssessmentSettings

    own = AssessmentSettings.objects.filter(municipality=municipality).select_related("default_instrument").first()
    instrument = own.default_instrument if own is not None and own.default_instrument_id else None
    if instrument is None:
        instrument = Instrument.objects.filter(municipality__isnull=True, key=SFP_KEY).first()
    if instrument is None:
        return None
    return instrument.versions.order_by("-loaded_at", "-pk").first()


# --- occasions ---------------------------------------------------------------------------------------


def occasions_of_person(user, person) -> list[Occasion]:
    return list(scoped(Occasion.objects.filter(person=person), user)
                .select_related("instrument_version__instrument", "worker").order_by("scheduled_for", "pk"))


def occasion_for(user, pk: int) -> Occasion:
    return get_scoped_or_404(Occasion.objects.select_related("person", "instrument_version__instrument", "worker"),
                             user, pk=pk)


@dataclass
class DomainRow:
    code: str
    label: str
    client: DomainRating | None
    worker: DomainRating | None
    client_text: str = ""
    worker_text: str = ""
    gap: int | None = None
    topic: bool = False
    client_change: str = ""  # since the previous occasion (see `side_by_side`)
    worker_change: str = ""


def _describe(version: InstrumentVersion, domain: dict, rating: DomainRating | None, rater: str) -> str:
    if rating is None:
        return "Inte besvarat"
    if rating.status == RatingStatus.RATED:
        level = next(lv for lv in version.levels if lv["value"] == rating.level)
        return f"{rating.level} – {level['label']}"
    if rating.status == RatingStatus.NOT_RELEVANT:
        return version.body.get("not_relevant", {}).get("label", "Inte aktuellt")
    if rating.status == RatingStatus.DECLINED:
        return "Vill inte svara"
    return version.body.get("not_assessed", {}).get("label", "Inte bedömt")


def previous_occasion(occasion: Occasion) -> Occasion | None:
    """The person's latest occasion before ``occasion`` (by date) with the same instrument and at least one
    rated domain, in the same municipality; None for the first."""
    earlier = (Occasion.objects
               .filter(person_id=occasion.person_id, municipality_id=occasion.municipality_id,
                       instrument_version__instrument_id=occasion.instrument_version.instrument_id,
                       ratings__status=RatingStatus.RATED)
               .exclude(pk=occasion.pk)
               .filter(Q(scheduled_for__lt=occasion.scheduled_for) | Q(scheduled_for=occasion.scheduled_for, pk__lt=occasion.pk))
               .select_related("instrument_version").distinct().order_by("-scheduled_for", "-pk"))
    return earlier.first()


def describe_change(rater_label: str, before: int | None, now: int | None) -> str:
    """One rater's level at the previous occasion and now, in words: "Den enskilde: 1 → 3 (2 steg bättre)".
    Higher levels are better in every domain. Empty when there is no earlier level."""
    if before is None:
        return ""
    if now is None:
        return f"{rater_label}: {before} → –"
    step = now - before
    if step == 0:
        return f"{rater_label}: {before} → {now} (oförändrat)"
    word = "bättre" if step > 0 else "sämre"
    return f"{rater_label}: {before} → {now} ({abs(step)} steg {word})"


def side_by_side(occasion: Occasion, previous: Occasion | None = None) -> list[DomainRow]:
    """Per domain: the client's and the worker's ratings, each as given, and the gap between them. The gap
    is a topic for the conversation when both rated and differ, or when exactly one finds it not relevant.
    With ``previous`` (see `previous_occasion`), each rater's change of level since then."""
    version = occasion.instrument_version
    ratings = {(r.domain, r.rater): r for r in occasion.ratings.all()}
    before = {} if previous is None else {
        (r.domain, r.rater): r.level for r in previous.ratings.all() if r.status == RatingStatus.RATED}
    rows = []
    for domain in version.domains:
        client, worker = ratings.get((domain["id"], Rater.CLIENT)), ratings.get((domain["id"], Rater.WORKER))
        row = DomainRow(domain["id"], domain["label"], client, worker,
                        _describe(version, domain, client, Rater.CLIENT), _describe(version, domain, worker, Rater.WORKER))
        if client and worker and client.status == worker.status == RatingStatus.RATED:
            row.gap = abs(client.level - worker.level)
            row.topic = row.gap >= 1
        elif client and worker and RatingStatus.NOT_RELEVANT in (client.status, worker.status) and client.status != worker.status:
            row.topic = True
        for rater, rating, field in ((Rater.CLIENT, client, "client_change"), (Rater.WORKER, worker, "worker_change")):
            now = rating.level if rating is not None and rating.status == RatingStatus.RATED else None
            setattr(row, field, describe_change("Den enskilde" if rater == Rater.CLIENT else "Handläggaren",
                                                before.get((domain["id"], rater)), now))
        rows.append(row)
    return rows


@dataclass
class HistoryPoint:
    date: dt.date
    kind: str
    client: int | None
    worker: int | None


def domain_history(user, person, domain: str) -> list[HistoryPoint]:
    """The client's and the worker's level for ``domain`` at each occasion, oldest first."""
    occasions = scoped(Occasion.objects.filter(person=person), user).order_by("scheduled_for", "pk")
    ratings = DomainRating.objects.filter(occasion__in=occasions, domain=domain, status=RatingStatus.RATED)
    by_occasion: dict[int, dict[str, int]] = {}
    for r in ratings:
        by_occasion.setdefault(r.occasion_id, {})[r.rater] = r.level
    return [HistoryPoint(o.date, o.get_kind_display(), by_occasion.get(o.pk, {}).get(Rater.CLIENT),
                         by_occasion.get(o.pk, {}).get(Rater.WORKER))
            for o in occasions if o.pk in by_occasion]


def ruler_trend(user, person, domain: str) -> list[tuple[dt.date, int | None, int | None]]:
    """(date, importance, confidence) per occasion where a ruler was recorded for ``domain``, oldest first."""
    rows = (Ruler.objects.filter(occasion__in=scoped(Occasion.objects.filter(person=person), user), domain=domain)
            .select_related("occasion").order_by("occasion__scheduled_for", "occasion_id"))
    return [(r.occasion.date, r.importance, r.confidence) for r in rows]


def previous_rulers(occasion: Occasion) -> dict[str, Ruler]:
    """Per domain, the ruler recorded at the person's latest earlier occasion that has one for that domain
    (same municipality and instrument, as in `previous_occasion`), so the worker can ask about the change."""
    rows = (Ruler.objects
            .filter(occasion__person_id=occasion.person_id, occasion__municipality_id=occasion.municipality_id,
                    occasion__instrument_version__instrument_id=occasion.instrument_version.instrument_id)
            .exclude(occasion_id=occasion.pk)
            .filter(Q(occasion__scheduled_for__lt=occasion.scheduled_for)
                    | Q(occasion__scheduled_for=occasion.scheduled_for, occasion_id__lt=occasion.pk))
            .select_related("occasion").order_by("occasion__scheduled_for", "occasion_id"))
    return {r.domain: r for r in rows}  # the latest wins


# --- due and overdue (used by the worker overview of bistand.plans) ----------------------------------


@dataclass(frozen=True)
class DueItem:
    person: object
    kind: str  # OccasionKind value
    due_date: dt.date
    overdue: bool
    occasion: Occasion | None = None  # a planned occasion not yet performed
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return OccasionKind(self.kind).label


def occasions_due(user, *, today: dt.date | None = None, within_days: int = 14, worker=None, unit=None) -> list[DueItem]:
    """Assessments due within ``within_days`` or overdue, in the user's municipality, oldest due date first.

    * a planned occasion not yet performed is due on its planned date;
    * an adult with a first application and no intake occasion is due ``first_within_days`` after the
      first application was made (municipal setting, else the instrument's default);
    * an adult whose latest performed intake or follow-up has no later occasion planned, and no exit, is
      due for follow-up ``follow_up_every_days`` after it.

    ``worker`` and ``unit`` narrow the list to occasions of that worker or unit (adults without an
    occasion yet are then matched by the unit of their application)."""
    from bistand.applications.models import Application

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    state = get_state(user)
    municipality = state.municipality if state is not None else None
    if municipality is None or not state.may_see_person_data:
        return []
    schedule = schedule_for(municipality, default_version(municipality))
    occasions = scoped(Occasion.objects.all(), user).select_related("person")
    items: list[DueItem] = []
    planned = occasions.filter(performed_on__isnull=True)
    if worker is not None:
        planned = planned.filter(worker=worker)
    if unit is not None:
        planned = planned.filter(unit=unit)
    for occ in planned:
        if occ.scheduled_for <= horizon:
            items.append(DueItem(occ.person, occ.kind, occ.scheduled_for, occ.scheduled_for < today, occ,
                                 "Planerad bedömning"))
    persons_with_occasions = set(occasions.values_list("person_id", flat=True))
    if worker is None:
        applications = scoped(Application.objects.exclude(submitted_at__isnull=True), user)
        if unit is not None:
            applications = applications.filter(unit=unit)
        first = (applications.exclude(applicant_id__in=persons_with_occasions).values("applicant_id")
                 .annotate(first=Min("submitted_at")))
        from bistand.people.models import Person

        persons = {p.pk: p for p in scoped(Person.objects.filter(pk__in=[r["applicant_id"] for r in first]), user)}
        for r in first:
            due = timezone.localdate(r["first"]) + dt.timedelta(days=schedule.first_within_days)
            if due <= horizon and r["applicant_id"] in persons:
                items.append(DueItem(persons[r["applicant_id"]], OccasionKind.INTAKE, due, due < today, None,
                                     "Första bedömning efter första ansökan"))
    done = occasions.filter(performed_on__isnull=False)
    if worker is not None:
        done = done.filter(worker=worker)
    if unit is not None:
        done = done.filter(unit=unit)
    latest: dict[int, Occasion] = {}
    for occ in done.order_by("performed_on", "pk"):
        latest[occ.person_id] = occ
    open_persons = set(planned.values_list("person_id", flat=True)) | set(
        occasions.filter(performed_on__isnull=True).values_list("person_id", flat=True))
    for person_id, occ in latest.items():
        if occ.kind == OccasionKind.EXIT or person_id in open_persons:
            continue
        due = occ.performed_on + dt.timedelta(days=schedule.follow_up_every_days)
        if due <= horizon:
            items.append(DueItem(occ.person, OccasionKind.FOLLOW_UP, due, due < today, None, "Dags för uppföljning"))
    items.sort(key=lambda i: (i.due_date, i.person.pk))
    return items


# --- e-service (the client's own occasions) ----------------------------------------------------------


def open_for_client(person_ids: list[int]) -> list[Occasion]:
    """Occasions the client can still rate: not sent and not performed."""
    return list(Occasion.objects.filter(person_id__in=person_ids, client_submitted_at__isnull=True,
                                        performed_on__isnull=True)
                .select_related("instrument_version__instrument", "municipality").order_by("scheduled_for", "pk"))


def client_occasion(person_ids: list[int], pk: int) -> Occasion:
    """One of the client's own occasions, or Occasion.DoesNotExist (for anyone else's too)."""
    return Occasion.objects.select_related("instrument_version__instrument").get(person_id__in=person_ids, pk=pk)


def client_rating(occasion: Occasion, domain: str) -> DomainRating | None:
    """The client's own rating of ``domain`` on ``occasion`` so far, if any."""
    return DomainRating.objects.filter(occasion=occasion, domain=domain, rater=Rater.CLIENT).first()
