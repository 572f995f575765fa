"""Reads of the case handling: the unit's inbox, the colleagues an application can be assigned to, and
what the case page shows. Every read for a user goes through :func:`bistand.tenancy.scoping.scoped`; the
views write the access log.

The inbox holds the applications of the user's unit(s) that need a person: submitted or in review and
not decided, except recurring applications that wait for the monthly run with nothing else for a person
(they are counted apart). Each row says why it was not decided automatically (:func:`reasons_for`): the
criteria the monthly run found not met, what the applicant could not answer, open requests for more
information, a first application.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from bistand.applications.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CompletionRequest,
    CompletionStatus,
)
from bistand.applications.selectors import DECLARATION_FINDINGS
from bistand.assessment.models import Occasion
from bistand.decisions.models import Decision, DecisionStatus
from bistand.payments.models import Payment, PaymentStatus
from bistand.people.selectors import search_persons
from bistand.plans.models import Plan
from bistand.tenancy.current import get_state
from bistand.tenancy.models import Membership, Unit
from bistand.tenancy.roles import Role
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from . import monthly
from . import reasons as R
from .models import MonthlyRunJob, RunStatus

OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)
#: Roles an application can be assigned to.
CASE_ROLES = (Role.CASEWORKER, Role.APPROVER)


def _open_completion():
    return CompletionRequest.objects.filter(application=OuterRef("pk"), status=CompletionStatus.OPEN)


def user_units(user) -> list[Unit]:
    """The units of the municipality the user works in now that the user belongs to (empty: the user
    belongs to the municipality as a whole and sees every unit)."""
    state = get_state(user)
    if state.municipality is None:
        return []
    return list(Unit.objects.filter(memberships__user=user, memberships__municipality=state.municipality)
                .distinct().order_by("name"))


def municipality_units(user) -> list[Unit]:
    state = get_state(user)
    if state.municipality is None:
        return []
    return list(Unit.objects.filter(municipality=state.municipality).order_by("name"))


def needs_person() -> Q:
    """Open applications that a person must look at (see the module docstring)."""
    waiting_for_run = (
        Q(status=ApplicationStatus.SUBMITTED, kind=ApplicationKind.RECURRING, needs_caseworker=False,
          referral__isnull=True, assignment__isnull=True) & ~Exists(_open_completion())
    )
    return Q(status__in=OPEN_STATUSES) & ~waiting_for_run


def reason_filter(code: str) -> Q:
    """Applications with the reason ``code`` (see :mod:`bistand.casework.reasons`)."""
    stored = Q(referral__codes__contains=f"|{code}|")
    if code in DECLARATION_FINDINGS:  # also found in the declaration when a paper application was sent in
        stored |= Q(needs_caseworker=True, caseworker_reasons__icontains=f'"{code}"')
    if code == R.NEEDS_CASEWORKER:
        return stored | Q(needs_caseworker=True)
    if code == R.OPEN_COMPLETION:  # only requests still open: an answered one is no reason any more
        return Exists(_open_completion())
    if code == R.NOT_RECURRING:
        return stored | ~Q(kind=ApplicationKind.RECURRING)
    if code == R.IN_REVIEW:
        return Q(status=ApplicationStatus.IN_REVIEW)
    return stored


def _assigned(queryset: QuerySet[Application], user, assigned: str) -> QuerySet[Application]:
    """The inbox's and the case list's assignment filter: "me", "none" (nobody), a user id as text, or ""
    (everyone)."""
    if assigned == "me":
        return queryset.filter(assignment__assigned_to=user)
    if assigned == "none":
        return queryset.filter(assignment__isnull=True)
    if assigned.isdigit():
        return queryset.filter(assignment__assigned_to_id=int(assigned))
    return queryset


@dataclass(frozen=True)
class InboxFilters:
    unit: int | None = None  # a unit id; None: the user's units (or every unit)
    reason: str = ""
    kind: str = ""
    month: dt.date | None = None
    assigned: str = ""  # "" everyone | "me" | "none" | a user id as text


def inbox(user, filters: InboxFilters | None = None, *, units: list[Unit] | None = None) -> QuerySet[Application]:
    """The inbox of ``user``'s unit(s), oldest first, with everything a row shows joined or annotated
    (a fixed number of queries whatever the number of rows). ``units``: :func:`user_units`, when read already."""
    filters = filters or InboxFilters()
    queryset = (
        scoped(Application.objects.all(), user)
        .filter(needs_person())
        .select_related("applicant", "co_applicant", "unit", "referral", "assignment__assigned_to")
        .annotate(open_completion_requests=Count("completion_requests",
                                                 filter=Q(completion_requests__status=CompletionStatus.OPEN)))
        .order_by("month", "submitted_at", "pk")
    )
    units = user_units(user) if units is None else units
    if filters.unit is not None:
        queryset = queryset.filter(Q(unit_id=filters.unit))
    elif units:
        queryset = queryset.filter(Q(unit__in=units) | Q(unit__isnull=True))
    if filters.reason:
        queryset = queryset.filter(reason_filter(filters.reason))
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.month is not None:
        queryset = queryset.filter(month=filters.month)
    return _assigned(queryset, user, filters.assigned)


def waiting_for_run_count(user) -> int:
    """Recurring applications of the user's municipality that wait for the monthly run."""
    return scoped(Application.objects.all(), user).filter(status__in=OPEN_STATUSES).exclude(needs_person()).count()


def inbox_months(user) -> list[dt.date]:
    return list(scoped(Application.objects.all(), user).filter(status__in=OPEN_STATUSES)
                .values_list("month", flat=True).distinct().order_by("-month"))


@dataclass(frozen=True)
class Reason:
    code: str
    label: str  # what went wrong, in Swedish
    detail: str = ""


_JOINED = object()


def reasons_for(application: Application, *, referral=_JOINED, open_requests: int | None = None) -> list[Reason]:
    """Why ``application`` was not decided automatically: the criteria the monthly run found not met
    (``referral``, default: as the inbox query joined it), what the applicant could not answer, open
    requests for more information (``open_requests``, default: the inbox query's annotation), a first
    application."""
    found: list[Reason] = []
    seen: set[str] = set()
    if referral is _JOINED:
        referral = related_or_none(application, "referral")
    if open_requests is None:
        open_requests = getattr(application, "open_completion_requests", 0)
    if referral is not None:
        for reason in referral.reasons:
            code = reason.get("code", "")
            if code == R.OPEN_COMPLETION and not open_requests:
                # the request the run saw has been answered (or withdrawn) since: say so, not "unanswered"
                found.append(Reason(R.COMPLETION_ANSWERED, R.reason_label(R.COMPLETION_ANSWERED)))
                seen.add(R.COMPLETION_ANSWERED)
                continue
            found.append(Reason(code, R.reason_label(code), reason.get("detail", "")))
            seen.add(code)
    if application.needs_caseworker and R.NEEDS_CASEWORKER not in seen:
        stored = [r for r in application.caseworker_reasons or [] if isinstance(r, dict)]
        for row in stored:  # a finding of the declaration (a paper application's) under the criterion's own text
            if row.get("code") in DECLARATION_FINDINGS and row["code"] not in seen:
                found.append(Reason(row["code"], R.reason_label(row["code"]), str(row.get("label") or "")))
                seen.add(row["code"])
        labels = [str(r.get("label") or r.get("code")) for r in stored if r.get("code") not in DECLARATION_FINDINGS]
        found.append(Reason(R.NEEDS_CASEWORKER, R.reason_label(R.NEEDS_CASEWORKER), " ".join(labels)))
        seen.add(R.NEEDS_CASEWORKER)
    if open_requests and R.OPEN_COMPLETION not in seen:
        found.append(Reason(R.OPEN_COMPLETION, R.reason_label(R.OPEN_COMPLETION),
                            f"{open_requests} obesvarad{'e' if open_requests > 1 else ''}."))
        seen.add(R.OPEN_COMPLETION)
    if application.kind != ApplicationKind.RECURRING and R.NOT_RECURRING not in seen:
        found.append(Reason(R.NOT_RECURRING, R.reason_label(R.NOT_RECURRING), application.get_kind_display() + "."))
    if not found:
        if application.status == ApplicationStatus.IN_REVIEW:
            found.append(Reason(R.IN_REVIEW, R.reason_label(R.IN_REVIEW)))
        else:
            found.append(Reason(R.WAITING_FOR_RUN, R.reason_label(R.WAITING_FOR_RUN)))
    return found


# --- the case list: find any case again -----------------------------------------------------------------

#: Statuses a case can have in the case list (drafts are the applicant's own until they are sent in).
CASE_LIST_STATUSES = (ApplicationStatus.AWAITING_CO_APPLICANT, ApplicationStatus.SUBMITTED,
                      ApplicationStatus.IN_REVIEW, ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN)
_CASE_NUMBER = re.compile(r"(?:ärende|ansökan|nr|#)?\s*([0-9]{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class CaseFilters:
    query: str = ""  # personnummer (or part of it, at least four digits), name, or case number
    month: dt.date | None = None
    status: str = ""
    kind: str = ""
    assigned: str = ""  # "" everyone | "me" | "none" | a user id as text
    unit: int | None = None


def case_number_of(query: str) -> int | None:
    """The case number in a search (``"1234"``, ``"ärende 1234"``, ``"#1234"``), or None."""
    match = _CASE_NUMBER.fullmatch(" ".join((query or "").split()))
    return int(match.group(1)) if match else None


def case_list(user, filters: CaseFilters | None = None) -> QuerySet[Application]:
    """Every case (application sent in, decided or not) of the user's municipality, newest month first,
    matching ``filters``, with what a row shows joined (a fixed number of queries whatever the number of
    rows). The search finds the applicant or the co-applicant by personnummer or name (as
    :func:`bistand.people.selectors.search_persons`: protected persons are found by name only by users
    who may see them) and the case by its number."""
    filters = filters or CaseFilters()
    queryset = (
        scoped(Application.objects.all(), user)
        .filter(status__in=CASE_LIST_STATUSES)
        .select_related("applicant", "co_applicant", "unit", "assignment__assigned_to")
        .order_by("-month", "-submitted_at", "-pk")
    )
    query = " ".join((filters.query or "").split())
    if query:
        persons = search_persons(user, query).order_by().values("pk")
        found = Q(applicant__in=persons) | Q(co_applicant__in=persons)
        number = case_number_of(query)
        if number is not None:
            found |= Q(pk=number)
        queryset = queryset.filter(found)
    if filters.month is not None:
        queryset = queryset.filter(month=filters.month)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.unit is not None:
        queryset = queryset.filter(unit_id=filters.unit)
    return _assigned(queryset, user, filters.assigned)


def case_months(user) -> list[dt.date]:
    """The months the user's municipality has cases for, newest first (the case list's month filter)."""
    return list(scoped(Application.objects.all(), user).filter(status__in=CASE_LIST_STATUSES)
                .values_list("month", flat=True).distinct().order_by("-month"))


def cases_of(user, *, person=None, household=None) -> list[Application]:
    """The cases of a person (as applicant or co-applicant) or of a household — with a paper application
    a case worker is still registering —, newest month first, each with its issued decisions (``decisions_shown``) and their payments joined: three queries."""
    queryset = scoped(Application.objects.all(), user).filter(
        Q(status__in=CASE_LIST_STATUSES) | Q(status=ApplicationStatus.DRAFT, registered_by__isnull=False))  # paper, being registered
    if person is not None:
        queryset = queryset.filter(Q(applicant=person) | Q(co_applicant=person))
    if household is not None:
        queryset = queryset.filter(household=household)
    return list(
        queryset.select_related("applicant", "co_applicant", "unit")
        .prefetch_related(Prefetch(
            "decisions", to_attr="decisions_shown",
            queryset=Decision.objects.filter(status=DecisionStatus.ISSUED).select_related("payment")
            .order_by("issued_at", "pk"),
        ))
        .order_by("-month", "-submitted_at", "-pk")
    )


@dataclass
class Records:
    """What a person or household page lists: cases (with decisions and payments), plans, assessments."""

    cases: list
    plans: list
    occasions: list


def records_of(user, *, person=None, household=None) -> Records:
    """The cases, plans and assessment occasions of a person, or of a household (the plans and occasions
    of its members), each list empty when the user's role may not see that kind of record."""
    cases = cases_of(user, person=person, household=household) if user.has_perm("applications.view_application") else []
    if person is not None:
        whom = Q(person=person)
    else:
        whom = Q(person__household_memberships__household=household)
    plans, occasions = [], []
    if user.has_perm("plans.view_plan"):
        plans = list(scoped(Plan.objects.filter(whom), user).distinct().select_related("person", "worker")
                     .order_by("person_id", "-version"))
    if user.has_perm("assessment.view_occasion"):
        occasions = list(scoped(Occasion.objects.filter(whom), user).distinct()
                         .select_related("person", "instrument_version__instrument", "worker")
                         .order_by("-scheduled_for", "-pk"))
    return Records(cases=cases, plans=plans, occasions=occasions)


# --- the monthly run page -------------------------------------------------------------------------------


@dataclass
class MonthPage:
    """What the monthly run page shows for the user's municipality and one month (counts, no persons)."""

    municipality: object
    month: dt.date
    state: object  # bistand.casework.monthly.MonthState
    in_inbox: int  # open applications of the month that need a person
    payments_total: int  # payments of every decision of the month (automated or not), not stopped
    payments_sent: int  # … sent to the bank
    job: object | None  # the newest MonthlyRunJob of the municipality
    running: object | None  # the running job of the municipality, if any
    months: list[dt.date]


def monthly_page(user, month: dt.date | None = None) -> MonthPage | None:
    """The monthly run page of the municipality ``user`` works in (None when there is none)."""
    municipality = get_state(user).municipality
    if municipality is None:
        return None
    applications = scoped(Application.objects.all(), user)
    months = sorted(set(applications.exclude(status=ApplicationStatus.DRAFT).values_list("month", flat=True)),
                    reverse=True)
    if month is None:
        month = months[0] if months else dt.date.today().replace(day=1)
    payments = Payment.objects.filter(municipality=municipality, decision__month=month).exclude(
        status=PaymentStatus.CANCELLED)
    jobs = MonthlyRunJob.objects.filter(municipality=municipality).select_related("started_by")
    return MonthPage(
        municipality=municipality,
        month=month,
        state=monthly.month_state(municipality, month),
        in_inbox=inbox(user).filter(month=month).count(),
        payments_total=payments.count(),
        payments_sent=payments.filter(status=PaymentStatus.EXPORTED).count(),
        job=jobs.order_by("-started_at", "-pk").first(),
        running=jobs.filter(status=RunStatus.RUNNING).first(),
        months=months,
    )


def run_job_for(user, pk: int):
    """One start of the monthly run of the user's municipality, or 404."""
    municipality = get_state(user).municipality
    job = MonthlyRunJob.objects.filter(pk=pk, municipality=municipality).select_related("started_by").first() \
        if municipality is not None else None
    if job is None:
        raise Http404("Sidan finns inte.")
    return job


def related_or_none(instance, name: str):
    """A reverse one-to-one relation (``application.referral``, ``application.assignment``) or None."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def colleagues_for(user, application: Application | None = None) -> list:
    """The users an application can be assigned to: the case workers and approvers of the user's
    municipality — of the application's unit when it has one (members of the municipality as a whole
    included) — ordered by name. Includes ``user`` when the user has such a role."""
    state = get_state(user)
    municipality_id = application.municipality_id if application is not None else getattr(state.municipality, "pk", None)
    if municipality_id is None:
        return []
    memberships = Membership.objects.filter(municipality_id=municipality_id, role__in=CASE_ROLES,
                                            user__is_active=True)
    unit_id = getattr(application, "unit_id", None)
    if unit_id is not None:
        memberships = memberships.filter(Q(unit_id=unit_id) | Q(unit__isnull=True))
    User = get_user_model()
    return list(User.objects.filter(pk__in=memberships.values("user_id")).order_by("first_name", "last_name", "username"))


# --- the case page -------------------------------------------------------------------------------------------


def case_for(user, pk: int) -> Application:
    """One application ``user`` may see, with what the case page needs joined, or 404."""
    return get_scoped_or_404(
        Application.objects.select_related("household", "applicant", "co_applicant", "municipality", "unit",
                                           "previous", "assignment__assigned_to", "registered_by"),
        user,
        pk=pk,
    )


def paper_draft_for(user, pk: int) -> Application:
    """A paper or in-person application ``user`` may see that a case worker is still registering (a draft
    registered by staff), or 404."""
    application = case_for(user, pk)
    if application.status != ApplicationStatus.DRAFT or application.registered_by_id is None:
        raise Http404("Ansökan registreras inte längre.")
    return application


def referral_of(application: Application):
    from .models import Referral

    return Referral.objects.filter(application_id=application.pk).select_related("calculation").first()


def notes_of(application: Application):
    return list(application.notes.order_by("-created_at", "-pk"))


__all__ = [
    "CASE_LIST_STATUSES",
    "CaseFilters",
    "InboxFilters",
    "Reason",
    "case_for",
    "paper_draft_for",
    "case_list",
    "case_months",
    "case_number_of",
    "cases_of",
    "records_of",
    "monthly_page",
    "run_job_for",
    "colleagues_for",
    "inbox",
    "inbox_months",
    "municipality_units",
    "notes_of",
    "reason_filter",
    "reasons_for",
    "referral_of",
    "related_or_none",
    "user_units",
    "waiting_for_run_count",
]
