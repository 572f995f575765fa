"""Builders for plan tests. Everything goes through bistand.plans.services (so the rules and the audit
trail apply), with the system as actor (``actor=None``) unless a test passes a user."""

from __future__ import annotations

import datetime as dt

from bistand.people.models import HouseholdRole
from bistand.plans import services
from bistand.plans.models import Responsible
from tests.factories import MunicipalityFactory, household_with_members


def adult_in(municipality=None, **person_fields):
    """An adult applicant of a new household in ``municipality``."""
    household = household_with_members(municipality or MunicipalityFactory(), **person_fields)
    return household.members.get(role=HouseholdRole.APPLICANT).person


def draft_plan(person, *, actor=None, valid_from=dt.date(2026, 1, 1), **fields):
    return services.create_plan(actor=actor, person=person, valid_from=valid_from, **fields)


def plan_with_goal(person, *, actor=None, **fields):
    plan = draft_plan(person, actor=actor, **fields)
    goal = services.add_goal(actor=actor, plan=plan, client_wording="Jag vill ha ett jobb i ett lager",
                             domain_code="work", domain_label="Arbete", target_level=4,
                             target_date=dt.date(2026, 6, 30), worker_note="Har truckkort sedan tidigare.")
    services.add_action(actor=actor, plan=plan, goal=goal, description="Söka tre jobb i veckan",
                        responsible=Responsible.CLIENT, due_date=dt.date(2026, 2, 1))
    return plan


def shared_plan(person, *, actor=None, **fields):
    plan = plan_with_goal(person, actor=actor, **fields)
    return services.share_plan(actor=actor, plan=plan)


# --- builders for tests/factories.PERSON_LEVEL_BUILDERS ------------------------------------------------


def _person(municipality, made):
    person = made.get("people.person")
    if person is not None and person.municipality_id == municipality.pk:
        return person
    return adult_in(municipality)


def build_plan(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import Plan

    person = _person(municipality, made)
    if pk is None:
        return shared_plan(person)
    return Plan.objects.create(pk=pk, municipality=municipality, person=person, version=1, status="shared",
                               valid_from=dt.date(2026, 1, 1), follow_up_due=dt.date(2026, 1, 15))


def _plan(municipality, made):
    plan = made.get("plans.plan")
    return plan if plan is not None else build_plan(municipality, made=made)


def build_goal(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import Goal

    plan = _plan(municipality, made)
    return Goal.objects.create(pk=pk, plan=plan, client_wording="Jag vill gå en kurs i svenska", domain_code="language")


def build_action(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import Action

    plan = _plan(municipality, made)
    return Action.objects.create(pk=pk, plan=plan, description="Boka tid hos vårdcentralen",
                                 responsible=Responsible.REGION_CARE, due_date=dt.date(2026, 3, 1))


def build_referral(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import Referral

    action = made.get("plans.action") or build_action(municipality, made=made)
    return Referral.objects.create(pk=pk, action=action, partner=Responsible.ARBETSFORMEDLINGEN,
                                   sent_on=dt.date(2026, 2, 1))


def build_plan_response(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import PlanResponse

    plan = _plan(municipality, made)
    return PlanResponse.objects.create(pk=pk, plan=plan, kind="disputed", comment="Jag kan inte resa så långt")


def build_follow_up(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import FollowUp

    plan = _plan(municipality, made)
    return FollowUp.objects.create(pk=pk, plan=plan, held_on=dt.date(2026, 4, 1))


def requirement_for(application, *, actor=None, description="Delta i praktik på arbetsmarknadsenheten två dagar i veckan"):
    """A shared plan for ``application``'s applicant with one requirement that rests on an issued decision
    of the household's previous month (a requirement must rest on a decision)."""
    from bistand.common.months import add_months
    from bistand.decisions import services as decision_services
    from bistand.tenancy.roles import Role
    from tests.decisions.factories import calculate, make_application
    from tests.factories import user_with_role

    worker = actor or user_with_role(Role.CASEWORKER, application.municipality)
    earlier = make_application(application.household, add_months(application.month, -1), kind="new",
                               costs={"rent": 4000}, incomes=[])
    decision = decision_services.issue_decision(earlier, calculate(earlier, register_facts=[]), worker)
    plan = plan_with_goal(application.applicant, actor=worker)
    action = services.add_requirement(actor=worker, plan=plan, description=description, decision=decision,
                                      legal_basis="12 kap. 3–4 §§ socialtjänstlagen (2025:400)")
    services.share_plan(actor=worker, plan=plan)
    return action


def build_reduction(municipality, *, pk=None, made, **fields):
    from bistand.plans.models import Reduction
    from tests.decisions.factories import MONTH, make_application
    from tests.factories import UserFactory

    application = made.get("applications.application")
    if application is None or application.municipality_id != municipality.pk:
        household = household_with_members(municipality)
        application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    action = requirement_for(application)
    return Reduction.objects.create(pk=pk, municipality=municipality, application=application, requirement=action,
                                    norm_amount_ore=200_000, reason="Har inte kommit till praktiken.",
                                    created_by=UserFactory())
