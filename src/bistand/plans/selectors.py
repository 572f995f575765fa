"""Reads for plans. Staff reads go through bistand.tenancy.scoping; the e-service reads only the
logged-in client's own shared plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from bistand.assessment import selectors as assessment_selectors
from bistand.calculations.inputs import ore_to_json_amount
from bistand.common.months import last_day
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from .models import (
    ACCEPTED_STATUSES,
    LIVE_STATUSES,
    OPEN_ACTION_STATUSES,
    Action,
    ActionKind,
    ActionStatus,
    FollowUp,
    Goal,
    Plan,
    PlanResponse,
    PlanStatus,
    Reduction,
)


def has_current_plan(person, month: dt.date) -> bool:
    """Does ``person`` have a current plan in ``month`` (any day of the month)?

    Current means: shared with the client and accepted by the client (with or without a comment), not
    closed, and valid during some day of the month (valid_from ≤ the month's last day and valid_to empty
    or ≥ its first day). A draft, a plan only shared, a disputed plan and a closed plan are not current.
    The plans app registers it as the hook of the automation criterion ``current_plan``
    (:func:`bistand.decisions.automation.register_plan_check`)."""
    if person is None or getattr(person, "pk", None) is None:
        return False
    first = month.replace(day=1)
    return Plan.objects.filter(
        person_id=person.pk, municipality_id=person.municipality_id, status__in=ACCEPTED_STATUSES,
        valid_from__lte=last_day(first),
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first)).exists()


def plans_of_person(user, person) -> QuerySet[Plan]:
    return scoped(Plan.objects.filter(person=person), user).select_related("worker", "unit").order_by("-version")


def _plan_queryset() -> QuerySet[Plan]:
    return Plan.objects.select_related("person", "worker", "unit", "municipality",
                                       "based_on_occasion__instrument_version").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
        Prefetch("actions", queryset=Action.objects.select_related("decision", "goal").prefetch_related("referrals")
                 .order_by("due_date", "pk")),
        Prefetch("responses", queryset=PlanResponse.objects.order_by("responded_at", "pk")),
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("worker").order_by("held_on", "pk")),
    )


def plan_for(user, pk: int) -> Plan:
    return get_scoped_or_404(_plan_queryset(), user, pk=pk)


def action_for(user, pk: int) -> Action:
    return get_scoped_or_404(Action.objects.select_related("plan"), user, pk=pk)


def follow_up_for(user, pk: int) -> FollowUp:
    return get_scoped_or_404(FollowUp.objects.select_related("plan"), user, pk=pk)


def split_actions(plan: Plan) -> dict:
    """The plan's goals with their voluntary actions, the voluntary actions without a goal, and the
    requirements — always apart, so that a voluntary goal is never shown as a requirement."""
    actions = list(plan.actions.all())
    voluntary = [a for a in actions if a.kind == ActionKind.VOLUNTARY]
    goals = [{"goal": g, "actions": [a for a in voluntary if a.goal_id == g.pk]} for g in plan.goals.all()]
    return {
        "goals": goals,
        "other_actions": [a for a in voluntary if a.goal_id is None],
        "requirements": [a for a in actions if a.kind == ActionKind.REQUIREMENT],
    }


def decisions_for_requirements(user, plan: Plan):
    """Issued decisions a requirement in ``plan`` may rest on: of the plan's municipality, about a
    household the person is (or was) in."""
    from bistand.decisions.models import Decision, DecisionStatus

    return scoped(Decision.objects.filter(status=DecisionStatus.ISSUED, household__members__person_id=plan.person_id),
                  user).distinct().order_by("-month", "-pk")


# --- the e-service ---------------------------------------------------------------------------------


def client_plans(person_ids: list[int]) -> QuerySet[Plan]:
    """The client's plans that have been shared (never drafts)."""
    return Plan.objects.filter(person_id__in=person_ids).exclude(status=PlanStatus.DRAFT).select_related(
        "municipality").order_by("-shared_at", "-pk")


def client_plan(person_ids: list[int], pk: int) -> Plan:
    from django.http import Http404

    try:
        return _plan_queryset().filter(person_id__in=person_ids).exclude(status=PlanStatus.DRAFT).get(pk=pk)
    except Plan.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


# --- the worker overview ------------------------------------------------------------------------------


@dataclass
class OverviewGroup:
    key: str
    label: str
    today: dt.date | None = None
    actions_due: list = field(default_factory=list)
    follow_ups_due: list = field(default_factory=list)
    occasions_due: list = field(default_factory=list)

    @property
    def overdue_actions(self) -> int:
        return sum(1 for a in self.actions_due if self.today and a.due_date < self.today)

    @property
    def total(self) -> int:
        return len(self.actions_due) + len(self.follow_ups_due) + len(self.occasions_due)


def _worker_label(user) -> str:
    if user is None:
        return "Ingen ansvarig handläggare"
    return (user.get_full_name() or user.get_username()).strip()


def overview(user, *, today: dt.date, horizon_days: int = 14) -> dict:
    """Actions due (open, with a due date within ``horizon_days``, overdue included) and plan follow-ups
    due, in the user's municipality, grouped per worker and per unit; plus assessment occasions due when
    the assessment app provides ``occasions_due``. A fixed number of queries whatever the number of rows."""
    until = today + dt.timedelta(days=horizon_days)
    actions = list(
        scoped(Action.objects.filter(status__in=OPEN_ACTION_STATUSES, due_date__lte=until,
                                     plan__status__in=LIVE_STATUSES), user)
        .select_related("plan__person", "plan__worker", "plan__unit").order_by("due_date", "pk")
    )
    follow_ups = list(
        scoped(Plan.objects.filter(status__in=LIVE_STATUSES, follow_up_due__lte=until), user)
        .select_related("person", "worker", "unit").order_by("follow_up_due", "pk")
    )
    occasions = _occasions_due(user, today, until)

    per_worker: dict[object, OverviewGroup] = {}
    per_unit: dict[object, OverviewGroup] = {}

    def group(table, key, label):
        if key not in table:
            table[key] = OverviewGroup(str(key), label, today)
        return table[key]

    for action in actions:
        plan = action.plan
        group(per_worker, plan.worker_id, _worker_label(plan.worker)).actions_due.append(action)
        group(per_unit, plan.unit_id, plan.unit.name if plan.unit else "Ingen enhet").actions_due.append(action)
    for plan in follow_ups:
        group(per_worker, plan.worker_id, _worker_label(plan.worker)).follow_ups_due.append(plan)
        group(per_unit, plan.unit_id, plan.unit.name if plan.unit else "Ingen enhet").follow_ups_due.append(plan)
    for item in occasions:
        worker = item.get("worker")
        unit = item.get("unit")
        group(per_worker, getattr(worker, "pk", None), _worker_label(worker)).occasions_due.append(item)
        group(per_unit, getattr(unit, "pk", None), unit.name if unit else "Ingen enhet").occasions_due.append(item)

    persons = {a.plan.person for a in actions} | {p.person for p in follow_ups} | {
        i["person"] for i in occasions if i.get("person") is not None}
    return {
        "today": today,
        "until": until,
        "actions": actions,
        "follow_ups": follow_ups,
        "occasions": occasions,
        "per_worker": sorted(per_worker.values(), key=lambda g: (g.key == "None", g.label)),
        "per_unit": sorted(per_unit.values(), key=lambda g: (g.key == "None", g.label)),
        "persons": persons,
    }


def _occasions_due(user, today: dt.date, until: dt.date) -> list[dict]:
    """Assessment occasions (intake, follow-up, exit) due or overdue, from bistand.assessment, as dicts
    with person, kind, due, overdue, worker and unit. Workers and units are read in one query each."""
    rows = assessment_selectors.occasions_due(user, today=today, within_days=(until - today).days)
    from django.contrib.auth import get_user_model

    from bistand.tenancy.models import Unit

    worker_ids = {r.occasion.worker_id for r in rows if r.occasion is not None and r.occasion.worker_id}
    unit_ids = {r.occasion.unit_id for r in rows if r.occasion is not None and r.occasion.unit_id}
    workers = {u.pk: u for u in get_user_model().objects.filter(pk__in=worker_ids)} if worker_ids else {}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    result = []
    for row in rows:
        occasion = row.occasion
        result.append({
            "person": row.person,
            "kind": row.kind_label,
            "due": row.due_date,
            "overdue": row.overdue,
            "reason": row.reason,
            "worker": workers.get(occasion.worker_id) if occasion is not None else None,
            "unit": units.get(occasion.unit_id) if occasion is not None else None,
            "url": "",
        })
    return result


def overview_people(data: dict) -> list:
    return list(data["persons"])


# --- nedsättning (12 kap. 5 § SoL) ----------------------------------------------------------------------


def requirements_for_reduction(application) -> list[Action]:
    """The plan requirements a nedsättning of ``application`` can rest on: requirements (not voluntary
    actions) in a shared, not closed plan of the applicant or the co-applicant, in the application's
    municipality."""
    persons = [p for p in (application.applicant_id, application.co_applicant_id) if p]
    return list(Action.objects.filter(kind=ActionKind.REQUIREMENT, plan__person_id__in=persons,
                                      plan__municipality_id=application.municipality_id,
                                      plan__status__in=LIVE_STATUSES)
                .select_related("plan").order_by("plan__version", "pk"))


def reduction_of(application):
    """The application's nedsättning, or None."""
    return Reduction.objects.filter(application_id=application.pk).select_related("requirement", "created_by").first()


def requirement_text(action: Action) -> str:
    """How the calculation, the decision and the letter name the plan requirement that was not met."""
    text = " ".join(action.description.split())
    if action.due_date:
        text += f" (senast {action.due_date:%Y-%m-%d})"
    return text


def reduction_inputs(application_ids) -> dict[int, dict]:
    """Application id → the calculation input's part for its nedsättning (``{"reduction": {…}}``), for many
    applications in one query. Registered with ``applications.selectors.register_input_part``."""
    found: dict[int, dict] = {}
    for reduction in Reduction.objects.filter(application_id__in=list(application_ids)).select_related("requirement"):
        found[reduction.application_id] = {"reduction": {
            "norm_amount": ore_to_json_amount(reduction.norm_amount_ore), "reason": reduction.reason,
            "requirement": requirement_text(reduction.requirement)}}
    return found


def reduction_matters_for(persons, month: dt.date) -> dict[int, str]:
    """Person id → why a nedsättning may be relevant in ``month`` (only persons for whom one may be): a
    requirement of their plan that was not carried out ("Blev inte av"). One query for many persons."""
    persons = [p for p in persons if p is not None and getattr(p, "pk", None) is not None]
    query = Q()
    for person in persons:
        query |= Q(plan__person_id=person.pk, plan__municipality_id=person.municipality_id)
    found: dict[int, str] = {}
    if not persons:
        return found
    for missed in (Action.objects.filter(query, kind=ActionKind.REQUIREMENT, status=ActionStatus.NOT_DONE,
                                         plan__status__in=LIVE_STATUSES)
                   .select_related("plan").order_by("pk")):
        found.setdefault(missed.plan.person_id, f"Ett krav i planeringen blev inte av: {requirement_text(missed)}. "
                                                 "Pröva om nedsättning är aktuell.")
    return found


def reduction_matter(person, month: dt.date) -> str:
    """Why a nedsättning may be relevant for ``person`` in ``month`` (empty when nothing is): a requirement
    of their plan that was not carried out. The hook of the automation criterion ``no_reduction_matter``
    (:func:`bistand.decisions.automation.register_reduction_check`)."""
    if person is None or getattr(person, "pk", None) is None:
        return ""
    return reduction_matters_for([person], month).get(person.pk, "")
