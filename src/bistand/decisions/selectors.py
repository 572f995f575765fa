"""Reads of decisions. Reads for a user go through the tenancy scoping helper; the functions that take
an application serve pages and services that have already scoped the application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.applications.events import CaseEvent, swedish
from bistand.calculations.models import MadeBy, StoredCalculation
from bistand.common.formatting import format_kronor
from bistand.common.months import add_months, format_month
from bistand.rules.parameters import load_parameters
from bistand.tenancy.current import current_municipality
from bistand.tenancy.models import Membership
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import Decision, DecisionKind, DecisionLine, DecisionStatus, HousingGrace, Outcome, PersonDelegation
from .proposals import grace_period, ore

#: The decision line (and cost type) of the rent.
RENT_ITEM = "rent"


def decision_for(user, pk: int) -> Decision:
    """One decision ``user`` may see, or 404."""
    return get_scoped_or_404(
        Decision.objects.select_related("application", "household", "municipality", "calculation", "delegation",
                                        "decided_by", "reconsiders"),
        user,
        pk=pk,
    )


def decisions_for_application(application) -> list[Decision]:
    """Every decision and draft on ``application``, oldest first (an omprövning after the decision it
    replaces)."""
    return list(Decision.objects.filter(application_id=application.pk).prefetch_related("lines")
                .order_by("created_at", "pk"))


def decision_in_force(application) -> Decision | None:
    """The issued decision on ``application`` that stands: the newest of the chain of omprövningar."""
    return (
        Decision.objects.filter(application_id=application.pk, status=DecisionStatus.ISSUED, reconsidered_by__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )


def issued_decisions(application) -> list[Decision]:
    """The issued decisions on ``application``, oldest first (what the applicant sees)."""
    return list(Decision.objects.filter(application=application, status=DecisionStatus.ISSUED).order_by("pk"))


def calculation_to_decide_on(application, referral=None, decision=None) -> StoredCalculation | None:
    """The calculation a decision on ``application`` rests on: the newest of the calculations made for
    the application's household and month by a case worker or the system (not the demo's history or a
    calculation of another input), the referral's and the given decision's calculation."""
    newest = (StoredCalculation.objects.filter(household_id=application.household_id, month=application.month,
                                               made_by__in=[MadeBy.USER, MadeBy.SYSTEM])
              .order_by("-created_at", "-pk").first())
    candidates = [c for c in (newest, getattr(referral, "calculation", None), getattr(decision, "calculation", None)) if c]
    return max(candidates, key=lambda c: (c.created_at, c.pk)) if candidates else None


def calculation_of_application(application, pk) -> StoredCalculation | None:
    """The calculation ``pk`` if it was made for ``application``'s household, month and municipality
    (the one a case worker saw on the case page); None for no ``pk`` or another calculation."""
    if not pk:
        return None
    return StoredCalculation.objects.filter(pk=pk, household_id=application.household_id, month=application.month,
                                            municipality_id=application.municipality_id).first()


def reconsideration_chain(decision: Decision) -> list[Decision]:
    """The decision and every decision it reconsidered, newest first."""
    chain = [decision]
    while chain[-1].reconsiders_id is not None:
        chain.append(Decision.objects.get(pk=chain[-1].reconsiders_id))
    return chain


def summary(decision: Decision) -> str:
    """One sentence for the applicant: "Du får 6 620 kr i försörjningsstöd för mars 2026." """
    return swedish(summary_parts(decision))


def summary_parts(decision: Decision) -> tuple:
    """:func:`summary` as message parts ((msgid, params), …) for the applicant's language."""
    values = {"amount": format_kronor(decision.amount_ore or 0), "month": decision.month}
    if decision.outcome == Outcome.GRANTED:
        return ((gettext_noop("Du får %(amount)s i försörjningsstöd för %(month)s."), values),)
    if decision.outcome == Outcome.PARTLY_REFUSED:
        return ((gettext_noop("Du får %(amount)s i försörjningsstöd för %(month)s."), values),
                (gettext_noop("En del av det du ansökte om beviljas inte."), {}))
    if decision.outcome == Outcome.REFUSED:
        return ((gettext_noop("Du får inget försörjningsstöd för %(month)s."), values),)
    return ((gettext_noop("Din ansökan för %(month)s avvisas."), values),)


def _decision_event(decision: Decision) -> CaseEvent:
    title = gettext_noop("Omprövat beslut: %(outcome)s") if decision.reconsiders_id else gettext_noop("Beslut: %(outcome)s")
    return CaseEvent.of(decision.issued_at, "decided", ((title, {"outcome": decision.get_outcome_display().lower()}),),
                        summary_parts(decision), application_id=decision.application_id, decision_id=decision.pk)


def events_for_application(application) -> list:
    """The application's issued decisions as events for "Mitt ärende"
    (``bistand.applications.events.CaseEvent``, kind ``decided``)."""
    return events_for_applications([application])[application.pk]


def events_for_applications(applications) -> dict[int, list]:
    """:func:`events_for_application` for many applications in one query: application id → its events."""
    out: dict[int, list] = {application.pk: [] for application in applications}
    for decision in Decision.objects.filter(application_id__in=list(out), status=DecisionStatus.ISSUED).order_by(
        "issued_at", "pk"
    ):
        out[decision.application_id].append(_decision_event(decision))
    return out


# --- the delegationsordning for people -----------------------------------------------------------------

_OUTCOME_KINDS = {
    Outcome.GRANTED: DecisionKind.GRANT,
    Outcome.PARTLY_REFUSED: DecisionKind.PARTLY_REFUSED,
    Outcome.REFUSED: DecisionKind.REFUSAL,
    Outcome.DISMISSED: DecisionKind.DISMISSAL,
}


def _has_norm_level(calculation) -> bool:
    if calculation is None:
        return False
    return any(str(line.get("code", "")).startswith("norm_level.") and line.get("amount")
               for line in (calculation.result or {}).get("lines", ()))


def kinds_for(outcome: str, calculation=None, *, reconsideration: bool = False) -> list[str]:
    """The kinds of decision (:class:`DecisionKind`) a decision with ``outcome`` on ``calculation`` is, each of
    which its decision maker needs a delegation for: an omprövning, or the outcome (bifall, delavslag,
    avslag, avvisning); and a norm at a higher or lower level when the calculation has one."""
    kinds = [DecisionKind.RECONSIDERATION if reconsideration else _OUTCOME_KINDS[outcome]]
    if _has_norm_level(calculation):
        kinds.append(DecisionKind.NORM_LEVEL)
    return kinds


def kinds_of(decision: Decision) -> list[str]:
    """:func:`kinds_for` of a decision."""
    return kinds_for(decision.outcome, decision.calculation, reconsideration=decision.reconsiders_id is not None)


def has_delegationsordning(municipality) -> bool:
    """True when the municipality has entered a delegationsordning for people (any row, of any period).
    Until it has, decisions by its staff are not checked against one."""
    return PersonDelegation.objects.filter(municipality=municipality).exists()


@dataclass(frozen=True)
class DelegationAnswer:
    """:func:`may_decide`'s answer: ``allowed``, and the row of the delegationsordning it rests on."""

    allowed: bool
    delegation: PersonDelegation | None

    def __bool__(self) -> bool:
        return self.allowed


def _rows_for(user, municipality, on: dt.date) -> QuerySet[PersonDelegation]:
    """The rows of ``municipality``'s delegationsordning in force on ``on`` that name ``user`` or one of the
    roles ``user`` has in that municipality (never another municipality's)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return PersonDelegation.objects.none()
    roles = Membership.objects.filter(user_id=user.pk, municipality=municipality).values("role")
    return (PersonDelegation.objects.filter(municipality=municipality, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .filter(Q(user_id=user.pk, user__memberships__municipality=municipality) | Q(role__in=roles))
            .select_related("municipality", "user").distinct())


def may_decide(user, municipality, kind: str, amount_ore: int, *, on: dt.date | None = None) -> DelegationAnswer:
    """May ``user`` decide a decision of ``kind`` (:class:`DecisionKind`) for ``amount_ore`` in ``municipality``
    on the day ``on`` (default today)? Yes when a row of the municipality's delegationsordning in force that
    day delegates the kind to the user by name, or to a role the user has in the municipality, with no
    maximum or a maximum (in kronor per decision) at least the amount. The answer carries the row: the
    named user's before a role's, then the one without a ceiling, then the highest ceiling."""
    on = on or timezone.localdate()
    return _answer(_rows_for(user, municipality, on).filter(decision_kind=kind), kind, amount_ore)


def _answer(rows, kind: str, amount_ore: int) -> DelegationAnswer:
    """:func:`may_decide`'s answer from rows of the delegationsordning already read (of any kind)."""
    rows = [row for row in rows if row.decision_kind == kind
            and (row.max_amount_kronor is None or amount_ore <= row.max_amount_kronor * 100)]
    if not rows:
        return DelegationAnswer(False, None)
    rows.sort(key=lambda r: (r.user_id is None, r.max_amount_kronor is not None, -(r.max_amount_kronor or 0),
                             -r.valid_from.toordinal(), r.pk))
    return DelegationAnswer(True, rows[0])


def may_decide_all(user, municipality, kinds: list[str], amount_ore: int, *,
                   on: dt.date | None = None) -> DelegationAnswer:
    """:func:`may_decide` for each of ``kinds``; the answer carries the row for the first (the main kind)."""
    answers = [may_decide(user, municipality, kind, amount_ore, on=on) for kind in kinds]
    if not all(answers):
        return DelegationAnswer(False, None)
    return answers[0]


def may_decide_decision(user, decision: Decision, *, on: dt.date | None = None) -> DelegationAnswer:
    """:func:`may_decide` for every kind ``decision`` is (:func:`kinds_of`)."""
    return may_decide_all(user, decision.municipality, kinds_of(decision), decision.amount_ore, on=on)


def has_any_delegation(user, municipality, *, on: dt.date | None = None) -> bool:
    """True when ``user`` may decide some kind of decision in ``municipality`` today (who sees "Att besluta")."""
    if municipality is None:
        return False
    return _rows_for(user, municipality, on or timezone.localdate()).exists()


def may_use_to_decide(user) -> bool:
    """Who sees "Att besluta" (the menu and the page check the same): a user with a delegation in force in
    the municipality they work in now."""
    return has_any_delegation(user, current_municipality(user))


def proposals_to_decide(user) -> list[Decision]:
    """The proposals (drafts left for decision by a föredragande) of ``user``'s municipality that ``user``
    may decide, oldest first."""
    drafts = list(scoped(Decision.objects.all(), user)
                  .filter(status=DecisionStatus.DRAFT, presented_at__isnull=False)
                  .select_related("municipality", "application", "application__applicant", "presented_by",
                                  "calculation")
                  .order_by("presented_at", "pk"))
    today = timezone.localdate()
    rows: dict[int, list[PersonDelegation]] = {}  # the user's rows in force, read once per municipality
    for draft in drafts:
        if draft.municipality_id not in rows:
            rows[draft.municipality_id] = list(_rows_for(user, draft.municipality, today))
    return [d for d in drafts
            if all(_answer(rows[d.municipality_id], kind, d.amount_ore) for kind in kinds_of(d))]


def proposal_for(user, pk: int) -> Decision:
    """One proposal waiting for decision in ``user``'s municipality, or 404."""
    return get_scoped_or_404(
        Decision.objects.select_related("application", "application__applicant", "municipality", "calculation",
                                        "presented_by"),
        user, pk=pk, status=DecisionStatus.DRAFT, presented_at__isnull=False,
    )


@dataclass(frozen=True)
class ReportRow:
    decision: Decision
    committee: str
    kind: str
    kind_label: str


def delegated_decisions(municipality, date_from: dt.date, date_to: dt.date) -> list[ReportRow]:
    """The decisions made by people under the delegationsordning in ``municipality`` from ``date_from`` to
    ``date_to`` (decision dates, both included), for the anmälan to the committee: ordered by committee,
    kind of decision, decision date and number."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    decisions = (Decision.objects.filter(municipality=municipality, status=DecisionStatus.ISSUED,
                                         person_delegation__isnull=False, issued_at__gte=start, issued_at__lt=end)
                 .select_related("person_delegation", "person_delegation__municipality", "decided_by", "presented_by",
                                 "application__applicant"))
    labels = dict(DecisionKind.choices)
    rows = [ReportRow(d, d.person_delegation.committee_name, d.person_delegation.decision_kind,
                      labels.get(d.person_delegation.decision_kind, d.person_delegation.decision_kind))
            for d in decisions]
    order = {value: i for i, value in enumerate(DecisionKind.values)}
    rows.sort(key=lambda r: (r.committee, order.get(r.kind, 99), r.decision.issued_at, r.decision.pk))
    return rows


# --- the rådrum for rent above the ceiling (issue 17 §2) -------------------------------------------------


def housing_grace_of(household_id: int | None) -> HousingGrace | None:
    """The household's stored rådrum, or None."""
    if household_id is None:
        return None
    return HousingGrace.objects.filter(household_id=household_id).select_related("extended_by").first()


def first_month_rent_above_ceiling(household_id: int) -> dt.date | None:
    """The first month an issued decision for the household counted less rent than applied for (the rent was
    above the ceiling and only the ceiling counted): decisions made before rådrum existed. None: never."""
    return (DecisionLine.objects.filter(decision__household_id=household_id, decision__status=DecisionStatus.ISSUED,
                                        item=RENT_ITEM, outcome=Outcome.PARTLY_REFUSED)
            .order_by("decision__month").values_list("decision__month", flat=True).first())


def _local_dir():
    return getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None) or None


def rent_above_ceiling(document: Mapping[str, Any]) -> tuple[int, int] | None:
    """(rent, ceiling) in öre when the calculation input's rent is above the municipality's ceiling for the
    household's composition, else None."""
    rent = sum(ore(cost["amount"]) for cost in document.get("costs") or () if cost.get("type") == RENT_ITEM)
    if rent <= 0:
        return None
    household = document.get("household") or {}
    params = load_parameters(str(document["month"]), document.get("municipality"), _local_dir())
    ceiling = params.housing_ceiling(len(household.get("adults") or ()), len(household.get("children") or ()))
    if ceiling is None or rent <= ceiling:
        return None
    return rent, ceiling


def housing_grace_input(application, document: dict[str, Any]) -> None:
    """Add the rådrum to a calculation input whose rent is above the ceiling (registered with
    ``applications.selectors.register_input_finisher``): the household's stored rådrum (with the case
    worker's reason when extended); else, when an earlier decision already counted only the ceiling, the
    rådrum that began that month; else this is the first month above the ceiling and the rådrum begins now
    (its length: the municipality's ``housing_grace_months``). The calculation counts the full rent inside
    the rådrum and the ceiling after it."""
    if document.get("housing_grace") or rent_above_ceiling(document) is None:
        return
    household_id = getattr(application, "household_id", None)
    stored = housing_grace_of(household_id)
    if stored is not None:
        grace = {"start": format_month(stored.start_month), "end": format_month(stored.end_month)}
        if stored.reason:
            grace["reason"] = stored.reason
    else:
        first = first_month_rent_above_ceiling(household_id) if household_id is not None else None
        grace = {"start": format_month(first) if first is not None else str(document["month"])}
    document["housing_grace"] = grace


def proposed_housing_grace(application, calculation=None) -> dict[str, Any] | None:
    """What the case page shows about the rådrum of ``application``: the stored one, or the one the
    calculation proposes (its first month above the ceiling). ``{"start", "end", "stored", "extended",
    "reason", "rent_ore", "ceiling_ore", "in_grace"}``; None when the rent is not above the ceiling and no
    rådrum is stored."""
    stored = housing_grace_of(application.household_id)
    data = getattr(calculation, "input_data", None) or {}
    above = rent_above_ceiling(data) if data.get("costs") else None
    if stored is None and (calculation is None or not data.get("housing_grace")):
        return None
    if stored is not None:
        start, end = stored.start_month, stored.end_month
    else:
        start, end = grace_period(calculation)
    return {"start": start, "end": end, "after": add_months(end, 1), "stored": stored is not None,
            "extended": stored is not None and stored.is_extended, "reason": stored.reason if stored else "",
            "rent_ore": above[0] if above else None, "ceiling_ore": above[1] if above else None,
            "in_grace": start <= application.month <= end}
