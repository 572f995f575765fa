"""Staff pages for plans (planering) and the worker overview (/handlaggning/oversikt/).

Reads go through bistand.plans.selectors (scoped to the user's municipality); every page that shows a
person writes the access log; writes go through bistand.plans.services (audited). Goals and voluntary
actions are shown under their own headings, requirements under a separate heading: a voluntary goal is
never presented as a requirement.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.people.presenters import can_see_protected, present_person
from bistand.people.selectors import person_for
from bistand.plans import selectors, services
from bistand.plans.forms import (
    ActionForm,
    ActionStatusForm,
    FollowUpForm,
    GoalForm,
    PlanForm,
    ReferralForm,
    RequirementForm,
    UsefulnessForm,
)
from bistand.plans.models import Plan, PlanStatus
from bistand.tenancy.decorators import person_data_view


def _occasions(user, person) -> list:
    from bistand.assessment.models import Occasion
    from bistand.tenancy.scoping import scoped

    return list(scoped(Occasion.objects.filter(person=person), user).order_by("-scheduled_for", "-pk")[:20])


def _domains(plan=None):
    """(code, label) of the domains of the instrument version the plan's assessment used (free text
    when the plan rests on no assessment)."""
    occasion = getattr(plan, "based_on_occasion", None)
    if occasion is None:
        return []
    labels = []
    for domain in occasion.instrument_version.domains:
        label = domain.get("label") or domain.get("name") or domain["id"]
        if isinstance(label, dict):
            label = label.get("sv") or next(iter(label.values()), domain["id"])
        labels.append((domain["id"], str(label)))
    return labels


@require_http_methods(["GET", "POST"])
@person_data_view("plans.view_plan")
def plan_list(request, pk: int):
    person = person_for(request.user, pk)
    if request.method == "POST":
        if not request.user.has_perm("plans.add_plan"):
            return render(request, "403.html", status=403)
        occasions = _occasions(request.user, person)
        form = PlanForm(request.POST, occasions=occasions)
        if form.is_valid():
            latest = selectors.plans_of_person(request.user, person).first()
            data = dict(form.cleaned_data)
            occasion_id = data.pop("based_on_occasion")
            occasion = next((o for o in occasions if o.pk == occasion_id), None)
            try:
                plan = services.create_plan(actor=request.user, person=person, copy_from=latest,
                                            based_on_occasion=occasion, **data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Version {plan.version} av planeringen är skapad som utkast.")
                return redirect("staff:plan_detail", pk=plan.pk)
    else:
        form = PlanForm(initial={"valid_from": timezone.localdate()}, occasions=_occasions(request.user, person))
    plans = list(selectors.plans_of_person(request.user, person))
    log_access(user=request.user, persons=[person], target="staff:plan_list", request=request)
    return render(request, "staff/plan_list.html", {
        "person": present_person(person, request.user), "plans": plans, "form": form,
        "may_add": request.user.has_perm("plans.add_plan"),
    })


def _detail_context(request, plan: Plan, **forms) -> dict:
    parts = selectors.split_actions(plan)
    goals = [g["goal"] for g in parts["goals"]]
    decisions = list(selectors.decisions_for_requirements(request.user, plan)) if plan.is_draft else []
    return {
        "plan": plan,
        "person": present_person(plan.person, request.user),
        **parts,
        "responses": list(plan.responses.all()),
        "follow_ups": list(plan.follow_ups.all()),
        "may_change": request.user.has_perm("plans.change_plan"),
        "goal_form": forms.get("goal_form") or GoalForm(domains=_domains(plan), prefix="goal"),
        "action_form": forms.get("action_form") or ActionForm(goals=goals, prefix="action"),
        "requirement_form": forms.get("requirement_form") or RequirementForm(decisions=decisions, prefix="requirement"),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"held_on": timezone.localdate()}, prefix="followup"),
        "status_form": ActionStatusForm(),
        "referral_form": ReferralForm(initial={"sent_on": timezone.localdate()}),
        "usefulness_form": UsefulnessForm(),
        "decisions": decisions,
        "live": plan.status in (PlanStatus.SHARED, PlanStatus.ACCEPTED, PlanStatus.ACCEPTED_WITH_COMMENT,
                                PlanStatus.DISPUTED),
    }


@require_GET
@person_data_view("plans.view_plan")
def plan_detail(request, pk: int):
    plan = selectors.plan_for(request.user, pk)
    log_access(user=request.user, persons=[plan.person], target="staff:plan_detail", request=request)
    return render(request, "staff/plan_detail.html", _detail_context(request, plan))


def _post_form(request, pk, form_name, build_form, save):
    """Validate ``build_form(plan)``, call ``save(plan, cleaned_data)``; on an error show the plan page
    with the form and its messages."""
    plan = selectors.plan_for(request.user, pk)
    form = build_form(plan)
    if form.is_valid():
        try:
            message = save(plan, form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, message)
            return redirect("staff:plan_detail", pk=plan.pk)
    log_access(user=request.user, persons=[plan.person], target="staff:plan_detail", request=request)
    return render(request, "staff/plan_detail.html", _detail_context(request, plan, **{form_name: form}), status=400)


@require_POST
@person_data_view("plans.view_plan", "plans.change_plan")
def plan_add_goal(request, pk: int):
    def save(plan, data):
        domain_code = data.get("domain_code") or ""
        label = dict(_domains(plan)).get(domain_code, domain_code)
        services.add_goal(actor=request.user, plan=plan, domain_label=label, **data)
        return "Målet är sparat."

    return _post_form(request, pk, "goal_form", lambda plan: GoalForm(request.POST, domains=_domains(plan), prefix="goal"), save)


@require_POST
@person_data_view("plans.view_plan", "plans.change_plan")
def plan_add_action(request, pk: int):
    def save(plan, data):
        goal_id = data.pop("goal")
        goal = next((g for g in plan.goals.all() if g.pk == goal_id), None) if goal_id else None
        services.add_action(actor=request.user, plan=plan, goal=goal, **data)
        return "Insatsen är sparad."

    return _post_form(request, pk, "action_form", lambda plan: ActionForm(request.POST, goals=list(plan.goals.all()), prefix="action"),
                      save)


@require_POST
@person_data_view("plans.view_plan", "plans.change_plan")
def plan_add_requirement(request, pk: int):
    def build(plan):
        return RequirementForm(request.POST, decisions=list(selectors.decisions_for_requirements(request.user, plan)),
                               prefix="requirement")

    def save(plan, data):
        decision = selectors.decisions_for_requirements(request.user, plan).filter(pk=data.pop("decision")).first()
        services.add_requirement(actor=request.user, plan=plan, decision=decision, **data)
        return "Kravet är sparat."

    return _post_form(request, pk, "requirement_form", build, save)


@require_POST
@person_data_view("plans.view_plan", "plans.change_plan")
def plan_share(request, pk: int):
    plan = selectors.plan_for(request.user, pk)
    try:
        services.share_plan(actor=request.user, plan=plan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Planeringen är delad med klienten i e-tjänsten.")
    return redirect("staff:plan_detail", pk=plan.pk)


@require_POST
@person_data_view("plans.view_plan", "plans.change_plan")
def plan_close(request, pk: int):
    plan = selectors.plan_for(request.user, pk)
    services.close_plan(actor=request.user, plan=plan)
    messages.success(request, "Planeringen är avslutad.")
    return redirect("staff:plan_detail", pk=plan.pk)


@require_POST
@person_data_view("plans.view_plan", "plans.change_action")
def plan_action_status(request, pk: int):
    action = selectors.action_for(request.user, pk)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_action_status(actor=request.user, action=action, status=form.cleaned_data["status"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Statusen är ändrad.")
    return redirect("staff:plan_detail", pk=action.plan_id)


@require_POST
@person_data_view("plans.view_plan", "plans.add_referral")
def plan_action_referral(request, pk: int):
    action = selectors.action_for(request.user, pk)
    form = ReferralForm(request.POST)
    if form.is_valid():
        try:
            services.add_referral(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Remissen är sparad.")
    else:
        messages.error(request, "Fyll i mottagare och datum för remissen.")
    return redirect("staff:plan_detail", pk=action.plan_id)


@require_POST
@person_data_view("plans.view_plan", "plans.add_followup")
def plan_follow_up(request, pk: int):
    def save(plan, data):
        services.start_follow_up(actor=request.user, plan=plan, **data)
        return "Uppföljningen är sparad. Klienten kan nu bedöma nyttan i e-tjänsten."

    return _post_form(request, pk, "follow_up_form", lambda plan: FollowUpForm(request.POST, prefix="followup"), save)


@require_POST
@person_data_view("plans.view_plan", "plans.change_followup")
def plan_follow_up_rate(request, pk: int):
    follow_up = selectors.follow_up_for(request.user, pk)
    form = UsefulnessForm(request.POST)
    if form.is_valid():
        try:
            services.rate_usefulness_worker(actor=request.user, follow_up=follow_up,
                                            value=form.cleaned_data["usefulness"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Din bedömning av nyttan är sparad.")
    else:
        messages.error(request, "Välj en siffra från 1 till 5.")
    return redirect("staff:plan_detail", pk=follow_up.plan_id)


@require_GET
@person_data_view("plans.view_plan")
def overview(request):
    data = selectors.overview(request.user, today=timezone.localdate())
    persons = selectors.overview_people(data)
    reveal = can_see_protected(request.user)
    names = {p.pk: present_person(p, reveal=reveal).display_name for p in persons}
    for action in data["actions"]:
        action.person_name = names[action.plan.person_id]
    for plan in data["follow_ups"]:
        plan.person_name = names[plan.person_id]
    for item in data["occasions"]:
        item["person_name"] = names.get(getattr(item["person"], "pk", None), "")
    log_access(user=request.user, persons=persons, action=AccessAction.LIST, target="staff:overview",
               request=request)
    return render(request, "staff/overview.html", data)
