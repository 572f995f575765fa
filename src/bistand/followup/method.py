"""Casework and method indicators per month and unit (issue 19 §2): how the work is done, beside the
indicators of long-term assistance in :mod:`bistand.followup.indicators`.

Every selector takes the municipalities of a scope (``municipality_ids``) and a period of months
(``first`` … ``last``, first days of months) and returns rows ``{"month": date, "unit_id": id or None,
…}`` sorted by month and unit, one per month and unit with anything to count. Counts only: no person
appears in a row, so the rows may feed regional pages (which suppress counts of 1–4).

Placement: these are the dashboards' reads, so this module reads the apps above ``followup`` in the
layering (applications, decisions, casework, assessment, plans); nothing below imports it.

Definitions (the project's, after shared reference assessment.md §6.6 and Öppna jämförelser):

- time to decision: calendar days from the application's submission to the issue of its decision;
  median and 90th percentile (nearest rank), all applications and first applications (kind ``new``);
  the month is the month the decision was issued.
- automation: issued decisions of the month, automated ones, the share; the reasons for sending
  applications to a case worker (casework referrals of the month, by reason code).
- open cases per case worker: at the end of the month, applications submitted by then and not yet
  decided (nor withdrawn), by the case worker they were assigned to (``None``: not assigned).
- first assessment within N days: adults whose first application (kind ``new``) was submitted in the
  month, and of them those with an intake assessment performed within the municipality's N days
  (assessment settings); ``None`` with a note when the municipality has not set N.
- self-rating coverage: assessment occasions performed in the month, and those with at least one domain
  rated by the client.
- plan within three months: adults whose first application was submitted in the month, and of them
  those with a plan shared within three months of the submission (counted once three months have passed).
- plans accepted / disputed: plans shared in the month by the client's first answer.
- follow-ups on time: follow-up occasions scheduled in the month: performed on or before the planned
  day, performed later, not performed.
- actions by responsible party: actions due in the month (cancelled ones left out), done ones.
- referral turnaround: referrals sent in the month per partner: with a first contact, median days to it.
- change per life area: per domain, separately for the client's and the worker's ratings, persons with
  a first and a latest rating (latest occasion in the period): mean change and how many improved.
- readiness change: per domain, the MI rulers' importance and confidence, first and latest occasion.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from bistand.applications.models import Application, ApplicationKind, ApplicationStatus
from bistand.assessment.models import (
    AssessmentSettings,
    DomainRating,
    Occasion,
    OccasionKind,
    Rater,
    RatingStatus,
    Ruler,
)
from bistand.casework.models import Assignment
from bistand.casework.models import Referral as CaseReferral
from bistand.common.months import add_months, last_day
from bistand.decisions.models import Decision, DecisionStatus
from bistand.plans.models import Action, ActionStatus, Plan, PlanResponse
from bistand.plans.models import Referral as PartnerReferral


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def _date(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(add_months(last, 1), dt.time.min, tzinfo=zone)
    return start, end


def median(values: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


def p90(values: list[int]) -> int | None:
    """90th percentile, nearest rank: the smallest value at least 90 % of the values are not above."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if whole else None


def _rows(groups: dict, build) -> list[dict]:
    return [{"month": month, "unit_id": unit, **build(values)} for (month, unit), values in
            sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or 0))]


def time_to_decision(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    start, end = _bounds(first, last)
    groups: dict = defaultdict(lambda: ([], []))
    decisions = Decision.objects.filter(
        municipality_id__in=municipality_ids, status=DecisionStatus.ISSUED, issued_at__gte=start, issued_at__lt=end,
        application__submitted_at__isnull=False,
    ).values_list("issued_at", "application__submitted_at", "application__unit_id", "application__kind")
    for issued_at, submitted_at, unit_id, kind in decisions:
        days = (_date(issued_at) - _date(submitted_at)).days
        all_days, first_days = groups[(_month(issued_at), unit_id)]
        all_days.append(days)
        if kind == ApplicationKind.NEW:
            first_days.append(days)
    return _rows(groups, lambda v: {
        "decisions": len(v[0]), "median_days": median(v[0]), "p90_days": p90(v[0]),
        "first_applications": len(v[1]), "first_median_days": median(v[1]), "first_p90_days": p90(v[1]),
    })


def automation(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    start, end = _bounds(first, last)
    groups: dict = defaultdict(lambda: {"decisions": 0, "automated": 0, "reasons": Counter()})
    for issued_at, unit_id, automated in Decision.objects.filter(
        municipality_id__in=municipality_ids, status=DecisionStatus.ISSUED, issued_at__gte=start, issued_at__lt=end,
    ).values_list("issued_at", "application__unit_id", "automated"):
        group = groups[(_month(issued_at), unit_id)]
        group["decisions"] += 1
        group["automated"] += bool(automated)
    for referred_at, unit_id, codes in CaseReferral.objects.filter(
        municipality_id__in=municipality_ids, referred_at__gte=start, referred_at__lt=end,
    ).values_list("referred_at", "application__unit_id", "codes"):
        groups[(_month(referred_at), unit_id)]["reasons"].update(code for code in codes.split("|") if code)
    return _rows(groups, lambda g: {
        "decisions": g["decisions"], "automated": g["automated"], "automated_share": share(g["automated"], g["decisions"]),
        "inbox_reasons": dict(sorted(g["reasons"].items(), key=lambda item: (-item[1], item[0]))),
    })


def open_cases_per_worker(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    """Per month and unit: open cases at the end of the month, by case worker (user id; None: not assigned)."""
    _, end = _bounds(first, last)
    applications = list(Application.objects.filter(
        municipality_id__in=municipality_ids, submitted_at__isnull=False, submitted_at__lt=end,
    ).values_list("pk", "unit_id", "submitted_at", "status", "updated_at"))
    decided: dict[int, dt.datetime] = {}
    for application_id, issued_at in Decision.objects.filter(
        municipality_id__in=municipality_ids, status=DecisionStatus.ISSUED, issued_at__isnull=False,
    ).values_list("application_id", "issued_at"):
        if application_id not in decided or issued_at < decided[application_id]:
            decided[application_id] = issued_at
    assigned = dict(Assignment.objects.filter(application__municipality_id__in=municipality_ids)
                    .values_list("application_id", "assigned_to_id"))
    groups: dict = defaultdict(Counter)
    month = first
    while month <= last:
        _, month_end = _bounds(month, month)
        for pk, unit_id, submitted_at, status, updated_at in applications:
            if submitted_at >= month_end:
                continue
            if pk in decided and decided[pk] < month_end:
                continue
            if status == ApplicationStatus.WITHDRAWN and updated_at < month_end:
                continue
            if status == ApplicationStatus.DECIDED and pk not in decided:
                continue
            groups[(month, unit_id)][assigned.get(pk)] += 1
        month = add_months(month, 1)
    return _rows(groups, lambda per_worker: {
        "open_cases": sum(per_worker.values()),
        "unassigned": per_worker.get(None, 0),
        "workers": sum(1 for worker in per_worker if worker is not None),
        "per_worker": {worker: count for worker, count in sorted(per_worker.items(), key=lambda i: (i[0] is None, i[0] or 0))
                       if worker is not None},
        "max_per_worker": max((count for worker, count in per_worker.items() if worker is not None), default=0),
    })


def _first_applications(municipality_ids, first: dt.date, last: dt.date):
    start, end = _bounds(first, last)
    return Application.objects.filter(
        municipality_id__in=municipality_ids, kind=ApplicationKind.NEW, submitted_at__gte=start, submitted_at__lt=end,
    ).values_list("municipality_id", "unit_id", "applicant_id", "co_applicant_id", "submitted_at")


def first_assessment_within_days(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    days_of = dict(AssessmentSettings.objects.filter(municipality_id__in=municipality_ids)
                   .values_list("municipality_id", "first_assessment_within_days"))
    intakes: dict[int, list[dt.date]] = defaultdict(list)
    for person_id, performed_on in Occasion.objects.filter(
        municipality_id__in=municipality_ids, kind=OccasionKind.INTAKE, performed_on__isnull=False,
    ).values_list("person_id", "performed_on"):
        intakes[person_id].append(performed_on)
    groups: dict = defaultdict(lambda: {"new_adults": 0, "assessed_in_time": 0, "without_n": 0, "days": set()})
    for municipality_id, unit_id, applicant_id, co_applicant_id, submitted_at in _first_applications(
            municipality_ids, first, last):
        submitted = _date(submitted_at)
        limit = days_of.get(municipality_id)
        group = groups[(_month(submitted_at), unit_id)]
        for person_id in filter(None, (applicant_id, co_applicant_id)):
            group["new_adults"] += 1
            if limit is None:
                group["without_n"] += 1
                continue
            group["days"].add(limit)
            if any(submitted <= day <= submitted + dt.timedelta(days=limit) for day in intakes.get(person_id, [])):
                group["assessed_in_time"] += 1
    return _rows(groups, lambda g: {
        "new_adults": g["new_adults"], "assessed_in_time": g["assessed_in_time"],
        "share": share(g["assessed_in_time"], g["new_adults"] - g["without_n"]),
        "within_days": sorted(g["days"]),
        "note": ("Kommunen har inte angett inom hur många dagar den första bedömningen ska göras."
                 if g["without_n"] else ""),
    })


def self_rating_coverage(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    occasions = list(Occasion.objects.filter(
        municipality_id__in=municipality_ids, performed_on__gte=first, performed_on__lte=last_day(last),
    ).values_list("pk", "performed_on", "unit_id"))
    rated = set(DomainRating.objects.filter(
        occasion_id__in=[pk for pk, _, _ in occasions], rater=Rater.CLIENT, status=RatingStatus.RATED,
    ).values_list("occasion_id", flat=True))
    groups: dict = defaultdict(lambda: [0, 0])
    for pk, performed_on, unit_id in occasions:
        group = groups[(_month(performed_on), unit_id)]
        group[0] += 1
        group[1] += pk in rated
    return _rows(groups, lambda g: {"occasions": g[0], "with_self_rating": g[1], "share": share(g[1], g[0])})


def plan_within_three_months(municipality_ids, first: dt.date, last: dt.date, *, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    shared: dict[int, list[dt.date]] = defaultdict(list)
    for person_id, shared_at in Plan.objects.filter(
        municipality_id__in=municipality_ids, shared_at__isnull=False).values_list("person_id", "shared_at"):
        shared[person_id].append(_date(shared_at))
    groups: dict = defaultdict(lambda: {"new_adults": 0, "followed": 0, "with_plan": 0})
    for _municipality_id, unit_id, applicant_id, co_applicant_id, submitted_at in _first_applications(
            municipality_ids, first, last):
        submitted = _date(submitted_at)
        deadline = add_months(submitted.replace(day=1), 3).replace(day=min(submitted.day, last_day(add_months(submitted.replace(day=1), 3)).day))
        group = groups[(_month(submitted_at), unit_id)]
        for person_id in filter(None, (applicant_id, co_applicant_id)):
            group["new_adults"] += 1
            in_time = any(submitted <= day <= deadline for day in shared.get(person_id, []))
            if in_time or deadline < today:
                group["followed"] += 1
                group["with_plan"] += in_time
    return _rows(groups, lambda g: {**g, "share": share(g["with_plan"], g["followed"])})


def plans_accepted_disputed(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    start, end = _bounds(first, last)
    plans = list(Plan.objects.filter(municipality_id__in=municipality_ids, shared_at__gte=start, shared_at__lt=end)
                 .values_list("pk", "shared_at", "unit_id"))
    answers: dict[int, str] = {}
    for plan_id, kind in PlanResponse.objects.filter(plan_id__in=[p[0] for p in plans]).order_by(
            "responded_at", "pk").values_list("plan_id", "kind"):
        answers.setdefault(plan_id, kind)
    groups: dict = defaultdict(Counter)
    for pk, shared_at, unit_id in plans:
        groups[(_month(shared_at), unit_id)]["shared"] += 1
        groups[(_month(shared_at), unit_id)][answers.get(pk, "no_answer")] += 1
    return _rows(groups, lambda c: {
        "shared": c["shared"], "accepted": c["accepted"], "accepted_with_comment": c["accepted_with_comment"],
        "disputed": c["disputed"], "no_answer": c["no_answer"],
        "accepted_share": share(c["accepted"] + c["accepted_with_comment"], c["shared"]),
    })


def follow_ups_on_time(municipality_ids, first: dt.date, last: dt.date, *, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    groups: dict = defaultdict(Counter)
    for scheduled_for, performed_on, unit_id in Occasion.objects.filter(
        municipality_id__in=municipality_ids, kind=OccasionKind.FOLLOW_UP, scheduled_for__gte=first,
        scheduled_for__lte=last_day(last),
    ).values_list("scheduled_for", "performed_on", "unit_id"):
        group = groups[(_month(scheduled_for), unit_id)]
        group["due"] += 1
        if performed_on is None:
            group["not_done" if scheduled_for < today else "upcoming"] += 1
        else:
            group["on_time" if performed_on <= scheduled_for else "late"] += 1
    return _rows(groups, lambda c: {
        "due": c["due"], "on_time": c["on_time"], "late": c["late"], "not_done": c["not_done"],
        "upcoming": c["upcoming"], "on_time_share": share(c["on_time"], c["due"] - c["upcoming"]),
    })


def actions_by_responsible(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    groups: dict = defaultdict(lambda: defaultdict(Counter))
    for due_date, status, responsible, unit_id in Action.objects.filter(
        plan__municipality_id__in=municipality_ids, due_date__gte=first, due_date__lte=last_day(last),
    ).exclude(status=ActionStatus.CANCELLED).values_list("due_date", "status", "responsible", "plan__unit_id"):
        counter = groups[(_month(due_date), unit_id)][responsible]
        counter["due"] += 1
        counter["done"] += status == ActionStatus.DONE
    return _rows(groups, lambda by: {"by_responsible": {
        responsible: {"due": c["due"], "done": c["done"], "share": share(c["done"], c["due"])}
        for responsible, c in sorted(by.items())}})


def referral_turnaround(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    groups: dict = defaultdict(lambda: defaultdict(lambda: {"sent": 0, "days": []}))
    for sent_on, contact_on, partner, unit_id in PartnerReferral.objects.filter(
        action__plan__municipality_id__in=municipality_ids, sent_on__gte=first, sent_on__lte=last_day(last),
    ).values_list("sent_on", "first_contact_on", "partner", "action__plan__unit_id"):
        entry = groups[(_month(sent_on), unit_id)][partner]
        entry["sent"] += 1
        if contact_on is not None:
            entry["days"].append((contact_on - sent_on).days)
    return _rows(groups, lambda by: {"by_partner": {
        partner: {"sent": e["sent"], "with_contact": len(e["days"]), "median_days": median(e["days"])}
        for partner, e in sorted(by.items())}})


def _first_and_latest(municipality_ids, first: dt.date, last: dt.date):
    """Occasions performed up to the end of the period, per person in order; persons whose latest
    occasion is in the period, with its unit."""
    by_person: dict[int, list[tuple[dt.date, int, int | None]]] = defaultdict(list)
    for pk, person_id, performed_on, unit_id in Occasion.objects.filter(
        municipality_id__in=municipality_ids, performed_on__isnull=False, performed_on__lte=last_day(last),
    ).order_by("performed_on", "pk").values_list("pk", "person_id", "performed_on", "unit_id"):
        by_person[person_id].append((performed_on, pk, unit_id))
    return {person: occasions for person, occasions in by_person.items()
            if len(occasions) >= 2 and occasions[-1][0] >= first}


def change_per_life_area(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    """Per unit of the latest occasion (``month`` is the period's first month), domain and rater (client
    and worker never merged): persons with a rating at the first and the latest occasion, the mean
    change in level and how many improved by at least one level."""
    persons = _first_and_latest(municipality_ids, first, last)
    occasion_ids = {o[1] for occasions in persons.values() for o in occasions}
    levels: dict[tuple[int, str, str], int] = {}
    for occasion_id, domain, rater, level in DomainRating.objects.filter(
        occasion_id__in=occasion_ids, status=RatingStatus.RATED).values_list("occasion_id", "domain", "rater", "level"):
        levels[(occasion_id, domain, rater)] = level
    domains = sorted({(d, r) for (_, d, r) in levels})
    groups: dict = defaultdict(lambda: defaultdict(list))
    for occasions in persons.values():
        unit_id = occasions[-1][2]
        for domain, rater in domains:
            rated = [levels[(o[1], domain, rater)] for o in occasions if (o[1], domain, rater) in levels]
            if len(rated) >= 2:
                groups[(first, unit_id)][(domain, rater)].append(rated[-1] - rated[0])
    return _rows(groups, lambda by: {"by_domain": {
        f"{domain}:{rater}": {"domain": domain, "rater": rater, "persons": len(changes),
                              "mean_change": (Decimal(sum(changes)) / len(changes)).quantize(Decimal("0.01"), ROUND_HALF_UP),
                              "improved": sum(1 for c in changes if c >= 1)}
        for (domain, rater), changes in sorted(by.items())}})


def readiness_change(municipality_ids, first: dt.date, last: dt.date) -> list[dict]:
    """Per unit of the latest occasion and domain: the MI rulers' importance and confidence (0–10) at the
    first and the latest occasion with a ruler; mean changes."""
    persons = _first_and_latest(municipality_ids, first, last)
    occasion_ids = {o[1] for occasions in persons.values() for o in occasions}
    rulers: dict[tuple[int, str], tuple[int | None, int | None]] = {}
    for occasion_id, domain, importance, confidence in Ruler.objects.filter(occasion_id__in=occasion_ids).order_by(
            "recorded_at", "pk").values_list("occasion_id", "domain", "importance", "confidence"):
        rulers[(occasion_id, domain)] = (importance, confidence)
    domains = sorted({d for (_, d) in rulers})
    groups: dict = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for occasions in persons.values():
        unit_id = occasions[-1][2]
        for domain in domains:
            values = [rulers[(o[1], domain)] for o in occasions if (o[1], domain) in rulers]
            if len(values) < 2:
                continue
            (imp0, conf0), (imp1, conf1) = values[0], values[-1]
            importance, confidence = groups[(first, unit_id)][domain]
            if imp0 is not None and imp1 is not None:
                importance.append(imp1 - imp0)
            if conf0 is not None and conf1 is not None:
                confidence.append(conf1 - conf0)

    def mean(values):
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP) if values else None

    return _rows(groups, lambda by: {"by_domain": {
        domain: {"persons_importance": len(imp), "importance_change": mean(imp),
                 "persons_confidence": len(conf), "confidence_change": mean(conf)}
        for domain, (imp, conf) in sorted(by.items())}})
