"""Writes for plans. Every change is audited (bistand.audit.services) in the same transaction, and
checks that the acting user works in the plan's municipality (bistand.tenancy.scoping).

Rules kept here (and, where possible, also by database constraints in models.py):

* goals and actions are added only to a draft; sharing freezes the content;
* a requirement (``ActionKind.REQUIREMENT``) needs an issued decision of the same municipality about a
  household the person is in, and a legal basis; it belongs to no goal. A voluntary action never has a
  decision or legal basis;
* the client's responses (accept, accept with a comment, dispute with a reason) are new rows, never
  changed; the plan's status follows the latest one;
* the client's and the worker's ratings of the plan's usefulness are separate fields, each set once by
  its own side.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.audit.models import ChangeAction
from bistand.audit.services import diff, record_change, record_create, snapshot
from bistand.common.formatting import format_kronor
from bistand.tenancy.scoping import check_can_act_in

from .models import (
    LIVE_STATUSES,
    REQUIREMENT_BASIS,
    Action,
    ActionKind,
    ActionStatus,
    FollowUp,
    Goal,
    GoalOrigin,
    Plan,
    PlanResponse,
    PlanStatus,
    Reduction,
    Referral,
    ResponseKind,
    Responsible,
)

_RESPONSE_STATUS = {
    ResponseKind.ACCEPTED: PlanStatus.ACCEPTED,
    ResponseKind.ACCEPTED_WITH_COMMENT: PlanStatus.ACCEPTED_WITH_COMMENT,
    ResponseKind.DISPUTED: PlanStatus.DISPUTED,
}


def _update(actor, instance, municipality_id, **values):
    old = snapshot(instance, values.keys())
    for key, value in values.items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    record_change(user=actor, action=ChangeAction.UPDATE, instance=instance, municipality_id=municipality_id,
                  changes=diff(old, snapshot(instance, values.keys())))
    return instance


def _require_draft(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError("Planeringen är delad med klienten och kan inte ändras. Gör en ny version.",
                              code="not_draft")


@transaction.atomic
def create_plan(*, actor, person, valid_from: dt.date | None = None, valid_to: dt.date | None = None,
                follow_up_due: dt.date | None = None, summary: str = "", unit=None,
                based_on_occasion=None, copy_from: Plan | None = None) -> Plan:
    """A new draft version of ``person``'s plan (version = the highest so far + 1). With ``copy_from``
    the goals and actions of that version are copied (new rows; the old version is left as it is)."""
    check_can_act_in(actor, person.municipality_id)
    if copy_from is not None and copy_from.person_id != person.pk:
        raise ValidationError("Planeringen att kopiera gäller en annan person.")
    if based_on_occasion is not None and based_on_occasion.person_id != person.pk:
        raise ValidationError("Bedömningstillfället gäller en annan person.")
    latest = Plan.objects.filter(person=person).aggregate(v=Max("version"))["v"] or 0
    plan = Plan(
        municipality_id=person.municipality_id, person=person, version=latest + 1,
        worker=actor if getattr(actor, "is_authenticated", False) else None, unit=unit,
        valid_from=valid_from or timezone.localdate(), valid_to=valid_to, follow_up_due=follow_up_due,
        summary=summary, based_on_occasion=based_on_occasion,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    plan.full_clean()
    plan.save()
    record_create(user=actor, instance=plan, municipality_id=plan.municipality_id)
    if copy_from is not None:
        goal_map = {}
        for goal in copy_from.goals.all():
            old_pk = goal.pk
            goal.pk, goal.plan = None, plan
            goal.save()
            goal_map[old_pk] = goal
            record_create(user=actor, instance=goal, municipality_id=plan.municipality_id)
        for action in copy_from.actions.filter(status__in=(ActionStatus.PLANNED, ActionStatus.ONGOING)):
            action.pk, action.plan = None, plan
            action.goal = goal_map.get(action.goal_id)
            action.save()
            record_create(user=actor, instance=action, municipality_id=plan.municipality_id)
    return plan


@transaction.atomic
def add_goal(*, actor, plan: Plan, client_wording: str, domain_code: str = "", domain_label: str = "",
             worker_note: str = "", target_level: int | None = None, target_date: dt.date | None = None,
             origin: str = GoalOrigin.CLIENT) -> Goal:
    check_can_act_in(actor, plan.municipality_id)
    _require_draft(plan)
    position = (plan.goals.aggregate(p=Max("position"))["p"] or 0) + 1
    goal = Goal(plan=plan, position=position, client_wording=client_wording.strip(), domain_code=domain_code,
                domain_label=domain_label, worker_note=worker_note.strip(), target_level=target_level,
                target_date=target_date, origin=origin)
    goal.full_clean()
    goal.save()
    record_create(user=actor, instance=goal, municipality_id=plan.municipality_id)
    return goal


def _check_responsible(responsible: str, responsible_other: str) -> None:
    if responsible == Responsible.OTHER and not responsible_other.strip():
        raise ValidationError({"responsible_other": "Skriv vem som ansvarar."})


@transaction.atomic
def add_action(*, actor, plan: Plan, description: str, responsible: str, goal: Goal | None = None,
               responsible_other: str = "", due_date: dt.date | None = None) -> Action:
    """A voluntary action (a step towards a goal or a support). It can never carry a decision or a legal
    basis: use :func:`add_requirement` for a requirement that conditions assistance."""
    check_can_act_in(actor, plan.municipality_id)
    _require_draft(plan)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": "Målet hör till en annan planering."})
    _check_responsible(responsible, responsible_other)
    action = Action(plan=plan, goal=goal, kind=ActionKind.VOLUNTARY, description=description.strip(),
                    responsible=responsible, responsible_other=responsible_other.strip(), due_date=due_date)
    action.full_clean()
    action.save()
    record_create(user=actor, instance=action, municipality_id=plan.municipality_id)
    return action


def check_requirement_basis(plan: Plan, decision, legal_basis: str) -> None:
    """Raise ValidationError unless ``decision`` and ``legal_basis`` can carry a requirement in ``plan``."""
    errors = {}
    if decision is None:
        errors["decision"] = "Ett krav måste bygga på ett beslut. Välj beslutet."
    else:
        from bistand.decisions.models import DecisionStatus
        from bistand.people.models import HouseholdMember

        if decision.municipality_id != plan.municipality_id:
            errors["decision"] = "Beslutet hör till en annan kommun."
        elif decision.status != DecisionStatus.ISSUED:
            errors["decision"] = "Beslutet är inte fattat än."
        elif not HouseholdMember.objects.filter(household_id=decision.household_id, person_id=plan.person_id).exists():
            errors["decision"] = "Beslutet gäller ett hushåll som personen inte är med i."
    if not (legal_basis or "").strip():
        errors["legal_basis"] = f"Skriv vilket lagrum kravet bygger på, till exempel {REQUIREMENT_BASIS}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_requirement(*, actor, plan: Plan, description: str, decision, legal_basis: str,
                    responsible: str = Responsible.CLIENT, responsible_other: str = "",
                    due_date: dt.date | None = None) -> Action:
    """A requirement that conditions assistance: it rests on an issued ``decision`` about a household
    the person is in, and on a ``legal_basis``. It is not part of any (voluntary) goal."""
    check_can_act_in(actor, plan.municipality_id)
    _require_draft(plan)
    check_requirement_basis(plan, decision, legal_basis)
    _check_responsible(responsible, responsible_other)
    action = Action(plan=plan, goal=None, kind=ActionKind.REQUIREMENT, description=description.strip(),
                    responsible=responsible, responsible_other=responsible_other.strip(), due_date=due_date,
                    decision=decision, legal_basis=legal_basis.strip())
    action.full_clean()
    action.save()
    record_create(user=actor, instance=action, municipality_id=plan.municipality_id)
    return action


@transaction.atomic
def set_action_status(*, actor, action: Action, status: str) -> Action:
    plan = action.plan
    check_can_act_in(actor, plan.municipality_id)
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError("Planeringen är avslutad.")
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Okänd status."})
    return _update(actor, action, plan.municipality_id, status=status, status_changed_at=timezone.now())


@transaction.atomic
def add_referral(*, actor, action: Action, partner: str, sent_on: dt.date, partner_name: str = "",
                 first_contact_on: dt.date | None = None) -> Referral:
    check_can_act_in(actor, action.plan.municipality_id)
    referral = Referral(action=action, partner=partner, partner_name=partner_name.strip(), sent_on=sent_on,
                        first_contact_on=first_contact_on)
    if first_contact_on is not None and first_contact_on < sent_on:
        raise ValidationError({"first_contact_on": "Första kontakten kan inte vara före remissen skickades."})
    referral.full_clean()
    referral.save()
    record_create(user=actor, instance=referral, municipality_id=action.plan.municipality_id)
    return referral


@transaction.atomic
def record_first_contact(*, actor, referral: Referral, first_contact_on: dt.date, outcome: str = "") -> Referral:
    municipality_id = referral.action.plan.municipality_id
    check_can_act_in(actor, municipality_id)
    if first_contact_on < referral.sent_on:
        raise ValidationError({"first_contact_on": "Första kontakten kan inte vara före remissen skickades."})
    return _update(actor, referral, municipality_id, first_contact_on=first_contact_on,
                   outcome=outcome.strip() or referral.outcome)


@transaction.atomic
def share_plan(*, actor, plan: Plan) -> Plan:
    """Share a draft with the client in the e-service. Earlier live versions of the person's plan are
    closed (the shared version replaces them)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    check_can_act_in(actor, plan.municipality_id)
    _require_draft(plan)
    if not plan.goals.exists() and not plan.actions.exists():
        raise ValidationError("Planeringen har inga mål eller åtgärder än.", code="empty")
    now = timezone.now()
    for earlier in Plan.objects.filter(person_id=plan.person_id, status__in=LIVE_STATUSES).exclude(pk=plan.pk):
        _update(actor, earlier, earlier.municipality_id, status=PlanStatus.CLOSED, closed_at=now)
    return _update(actor, plan, plan.municipality_id, status=PlanStatus.SHARED, shared_at=now)


@transaction.atomic
def close_plan(*, actor, plan: Plan) -> Plan:
    check_can_act_in(actor, plan.municipality_id)
    if plan.status == PlanStatus.CLOSED:
        return plan
    return _update(actor, plan, plan.municipality_id, status=PlanStatus.CLOSED, closed_at=timezone.now())


@transaction.atomic
def respond(*, plan: Plan, person, kind: str, comment: str = "") -> PlanResponse:
    """The client's answer from the e-service (``person`` is the logged-in client's Person in the plan's
    municipality). A comment is required to accept with a comment, a reason to dispute. Every answer is
    kept; the plan's status follows the latest."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if person is None or person.pk != plan.person_id:
        raise ValidationError(gettext_noop("Planeringen gäller någon annan."), code="not_own")
    if plan.status not in LIVE_STATUSES:
        raise ValidationError(gettext_noop("Planeringen går inte att svara på."), code="not_shared")
    if kind not in ResponseKind.values:
        raise ValidationError({"kind": gettext_noop("Välj ett svar.")})
    comment = (comment or "").strip()
    if kind == ResponseKind.ACCEPTED_WITH_COMMENT and not comment:
        raise ValidationError({"comment": gettext_noop("Skriv din kommentar.")})
    if kind == ResponseKind.DISPUTED and not comment:
        raise ValidationError({"comment": gettext_noop("Skriv varför du inte håller med.")})
    if kind == ResponseKind.ACCEPTED:
        comment = ""
    response = PlanResponse(plan=plan, kind=kind, comment=comment, responded_at=timezone.now())
    response.full_clean()
    response.save()
    record_create(user=None, instance=response, municipality_id=plan.municipality_id)
    _update(None, plan, plan.municipality_id, status=_RESPONSE_STATUS[kind])
    return response


def _check_rating(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise ValidationError({"usefulness": gettext_noop("Välj en siffra från 1 till 5.")})
    return value


@transaction.atomic
def start_follow_up(*, actor, plan: Plan, held_on: dt.date | None = None, note: str = "",
                    occasion=None, next_due: dt.date | None = None) -> FollowUp:
    check_can_act_in(actor, plan.municipality_id)
    if plan.status not in LIVE_STATUSES:
        raise ValidationError("Bara en planering som är delad med klienten kan följas upp.")
    if occasion is not None and occasion.person_id != plan.person_id:
        raise ValidationError("Bedömningstillfället gäller en annan person.")
    follow_up = FollowUp(plan=plan, held_on=held_on or timezone.localdate(), note=note.strip(),
                         occasion=occasion, worker=actor if getattr(actor, "is_authenticated", False) else None)
    follow_up.full_clean()
    follow_up.save()
    record_create(user=actor, instance=follow_up, municipality_id=plan.municipality_id)
    if next_due is not None:
        _update(actor, plan, plan.municipality_id, follow_up_due=next_due)
    return follow_up


@transaction.atomic
def rate_usefulness_worker(*, actor, follow_up: FollowUp, value: int) -> FollowUp:
    """The worker's rating (1–5). It never touches the client's rating and is set only once."""
    follow_up = FollowUp.objects.select_for_update().select_related("plan").get(pk=follow_up.pk)
    check_can_act_in(actor, follow_up.plan.municipality_id)
    value = _check_rating(value)
    if follow_up.usefulness_worker is not None:
        raise ValidationError("Handläggarens bedömning är redan gjord.", code="already_rated")
    return _update(actor, follow_up, follow_up.plan.municipality_id, usefulness_worker=value,
                   usefulness_worker_at=timezone.now())


@transaction.atomic
def rate_usefulness_client(*, follow_up: FollowUp, person, value: int) -> FollowUp:
    """The client's rating from the e-service (1–5). It never touches the worker's rating and is set only once."""
    follow_up = FollowUp.objects.select_for_update().select_related("plan").get(pk=follow_up.pk)
    if person is None or person.pk != follow_up.plan.person_id:
        raise ValidationError("Uppföljningen gäller någon annan.", code="not_own")
    value = _check_rating(value)
    if follow_up.usefulness_client is not None:
        raise ValidationError("Du har redan svarat.", code="already_rated")
    return _update(None, follow_up, follow_up.plan.municipality_id, usefulness_client=value,
                   usefulness_client_at=timezone.now())


# --- nedsättning (12 kap. 5 § SoL) ----------------------------------------------------------------------

REDUCTION_AUDIT_FIELDS = ["application", "requirement", "norm_amount_ore", "reason"]
_OPEN_FOR_CASEWORK = ("submitted", "in_review")


@transaction.atomic
def record_reduction(application, *, actor, requirement: Action | None, norm_amount_ore: int | None, reason: str,
                     norm_ore: int | None = None) -> Reduction:
    """The case worker reduces — or refuses (``norm_amount_ore`` 0) — the norm part of ``application``
    because the applicant, without an acceptable reason, did not follow ``requirement`` of the plan
    (12 kap. 5 § SoL). The reason is the case worker's own; the amount is what the norm part is reduced
    to, from 0 up to the norm (``norm_ore``, the norm of the latest calculation, when known; the
    calculation checks it again). One nedsättning per application: recording again replaces it. The
    application becomes "handläggs" and is never decided automatically. Raises ValidationError naming
    the field; writes an audit event."""
    from bistand.applications import services as application_services

    check_can_act_in(actor, application.municipality_id)
    errors: dict[str, str] = {}
    if application.status not in _OPEN_FOR_CASEWORK:
        raise ValidationError({"__all__": "Nedsättning kan bara göras medan ansökan handläggs (inte när den är "
                                          f"{application.get_status_display().lower()})."})
    persons = {application.applicant_id, application.co_applicant_id} - {None}
    if requirement is None:
        errors["requirement"] = "Välj kravet i planeringen som sökanden inte har följt."
    elif (requirement.kind != ActionKind.REQUIREMENT or requirement.plan.person_id not in persons
          or requirement.plan.municipality_id != application.municipality_id):
        errors["requirement"] = "Välj ett krav i sökandens planering (inte en frivillig insats)."
    if isinstance(norm_amount_ore, bool) or not isinstance(norm_amount_ore, int) or norm_amount_ore < 0:
        errors["norm_amount"] = "Ange normdelen efter nedsättningen, 0 kr eller mer (0 kr om den vägras)."
    elif norm_ore is not None and norm_amount_ore > norm_ore:
        errors["norm_amount"] = (f"Normdelen är {format_kronor(norm_ore)}; nedsättningen kan inte ge mer än så. Ange ett "
                                 "belopp från 0 kr upp till normen.")
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = ("Skriv ditt eget skäl: vad sökanden inte har gjort och varför det saknas godtagbart "
                            "skäl. Skälet står i beslutet.")
    if errors:
        raise ValidationError(errors)
    existing = Reduction.objects.select_for_update().filter(application_id=application.pk).first()
    if existing is not None:
        before = snapshot(existing, REDUCTION_AUDIT_FIELDS)
        existing.requirement, existing.norm_amount_ore, existing.reason = requirement, norm_amount_ore, reason
        existing.created_by, existing.created_at = actor, timezone.now()
        existing.save()
        changes = diff(before, snapshot(existing, REDUCTION_AUDIT_FIELDS))
        if changes:
            record_change(user=actor, instance=existing, action=ChangeAction.UPDATE,
                          municipality_id=application.municipality_id, changes=changes)
        reduction = existing
    else:
        reduction = Reduction.objects.create(municipality_id=application.municipality_id, application=application,
                                             requirement=requirement, norm_amount_ore=norm_amount_ore, reason=reason,
                                             created_by=actor)
        record_create(user=actor, instance=reduction, municipality_id=application.municipality_id,
                      fields=REDUCTION_AUDIT_FIELDS)
    if application.status == "submitted":
        application_services.set_status(application, "in_review", actor=actor)
    return reduction


@transaction.atomic
def remove_reduction(reduction: Reduction, *, actor) -> None:
    """Take back a nedsättning while the application is still being handled (audited)."""
    application = reduction.application
    check_can_act_in(actor, application.municipality_id)
    if application.status not in _OPEN_FOR_CASEWORK:
        raise ValidationError("Nedsättningen kan bara tas bort medan ansökan handläggs.")
    from bistand.audit.services import record_delete

    record_delete(user=actor, instance=reduction, municipality_id=application.municipality_id,
                  fields=REDUCTION_AUDIT_FIELDS)
    reduction.delete()
