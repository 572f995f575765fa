"""Rules of plans: requirements rest on a decision and a legal basis, voluntary actions never do;
content is frozen once shared; every client response is kept; both usefulness ratings are kept apart;
every change is audited and scoped to the actor's municipality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bistand.audit.models import AuditEvent
from bistand.plans import services
from bistand.plans.models import Action, ActionKind, FollowUp, PlanResponse, PlanStatus, ResponseKind, Responsible
from bistand.tenancy.roles import Role
from tests.decisions.factories import standard_case
from tests.factories import MunicipalityFactory, user_with_role
from tests.plans.factories import adult_in, draft_plan, plan_with_goal, shared_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(settings):
    """A person with an issued decision (last month) and a case worker of the same municipality."""
    return standard_case(settings)


def applicant(case):
    return case.household.members.get(role="applicant").person


# --- requirements and voluntary actions ------------------------------------------------------------


def test_a_requirement_is_linked_to_its_decision_and_legal_basis(case):
    plan = draft_plan(applicant(case), actor=case.caseworker)
    requirement = services.add_requirement(actor=case.caseworker, plan=plan, description="Skriva in dig hos Arbetsförmedlingen",
                                           decision=case.previous_decision, legal_basis="4 kap. 4 § SoL")
    requirement.refresh_from_db()
    assert requirement.kind == ActionKind.REQUIREMENT
    assert requirement.decision_id == case.previous_decision.pk
    assert requirement.legal_basis == "4 kap. 4 § SoL"
    assert requirement.goal_id is None


@pytest.mark.parametrize("missing", ["decision", "legal_basis"])
def test_a_requirement_without_a_decision_or_legal_basis_is_refused(case, missing):
    plan = draft_plan(applicant(case), actor=case.caseworker)
    args = {"decision": case.previous_decision, "legal_basis": "4 kap. 4 § SoL", missing: None if missing == "decision" else "  "}
    with pytest.raises(ValidationError) as error:
        services.add_requirement(actor=case.caseworker, plan=plan, description="Krav", **args)
    assert missing in error.value.message_dict
    assert not Action.objects.filter(plan=plan).exists()


def test_a_requirement_cannot_rest_on_a_decision_about_another_household(case, settings):
    other = standard_case(settings, municipality=case.municipality, delegation=False)
    plan = draft_plan(applicant(case), actor=case.caseworker)
    with pytest.raises(ValidationError) as error:
        services.add_requirement(actor=case.caseworker, plan=plan, description="Krav",
                                 decision=other.previous_decision, legal_basis="4 kap. 4 § SoL")
    assert "hushåll" in error.value.message_dict["decision"][0]


def test_a_requirement_cannot_rest_on_a_decision_of_another_municipality(case, settings):
    other = standard_case(settings)
    plan = draft_plan(applicant(case), actor=case.caseworker)
    with pytest.raises(ValidationError) as error:
        services.add_requirement(actor=case.caseworker, plan=plan, description="Krav",
                                 decision=other.previous_decision, legal_basis="4 kap. 4 § SoL")
    assert "annan kommun" in error.value.message_dict["decision"][0]


def test_the_database_refuses_a_requirement_without_decision(case):
    plan = draft_plan(applicant(case))
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(plan=plan, kind=ActionKind.REQUIREMENT, description="Krav", responsible=Responsible.CLIENT,
                              legal_basis="4 kap. 4 § SoL")


@pytest.mark.parametrize("extra", ["decision", "legal_basis"])
def test_a_voluntary_action_can_never_carry_a_decision_or_legal_basis(case, extra):
    plan = draft_plan(applicant(case))
    values = {"decision": case.previous_decision} if extra == "decision" else {"legal_basis": "4 kap. 4 § SoL"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(plan=plan, kind=ActionKind.VOLUNTARY, description="Kurs", responsible=Responsible.CLIENT,
                              **values)


def test_a_requirement_cannot_belong_to_a_voluntary_goal(case):
    plan = plan_with_goal(applicant(case))
    goal = plan.goals.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(plan=plan, goal=goal, kind=ActionKind.REQUIREMENT, description="Krav",
                              responsible=Responsible.CLIENT, decision=case.previous_decision, legal_basis="4 kap. 4 § SoL")


def test_add_action_makes_a_voluntary_action_without_decision():
    plan = plan_with_goal(adult_in())
    action = plan.actions.get()
    assert action.kind == ActionKind.VOLUNTARY
    assert action.decision_id is None and action.legal_basis == ""


def test_responsible_other_needs_a_name():
    plan = draft_plan(adult_in())
    with pytest.raises(ValidationError):
        services.add_action(actor=None, plan=plan, description="Träffa budget- och skuldrådgivningen",
                            responsible=Responsible.OTHER)
    action = services.add_action(actor=None, plan=plan, description="Träffa budget- och skuldrådgivningen",
                                 responsible=Responsible.OTHER, responsible_other="Budget- och skuldrådgivningen")
    assert action.responsible_label == "Budget- och skuldrådgivningen"


def test_goal_keeps_client_wording_and_worker_note_apart():
    plan = plan_with_goal(adult_in())
    goal = plan.goals.get()
    assert goal.client_wording == "Jag vill ha ett jobb i ett lager"
    assert goal.worker_note == "Har truckkort sedan tidigare."
    assert goal.domain_code == "work" and goal.target_level == 4


# --- versions, sharing, freezing ----------------------------------------------------------------------


def test_a_shared_plan_cannot_get_new_goals_or_actions():
    plan = shared_plan(adult_in())
    with pytest.raises(ValidationError):
        services.add_goal(actor=None, plan=plan, client_wording="Nytt mål")
    with pytest.raises(ValidationError):
        services.add_action(actor=None, plan=plan, description="Ny insats", responsible=Responsible.CLIENT)


def test_an_empty_plan_cannot_be_shared():
    with pytest.raises(ValidationError):
        services.share_plan(actor=None, plan=draft_plan(adult_in()))


def test_a_new_version_copies_goals_and_open_actions_and_sharing_it_closes_the_earlier():
    person = adult_in()
    first = shared_plan(person)
    second = services.create_plan(actor=None, person=person, copy_from=first)
    assert second.version == 2 and second.status == PlanStatus.DRAFT
    assert second.goals.get().client_wording == first.goals.get().client_wording
    assert second.actions.get().goal.plan_id == second.pk
    services.share_plan(actor=None, plan=second)
    first.refresh_from_db()
    assert first.status == PlanStatus.CLOSED and first.closed_at is not None
    assert first.goals.count() == 1  # the old version keeps its content


def test_changes_are_audited():
    person = adult_in()
    plan = shared_plan(person)
    models = set(AuditEvent.objects.filter(municipality_id=person.municipality_id).values_list("model", flat=True))
    assert {"plans.plan", "plans.goal", "plans.action"} <= models
    update = AuditEvent.objects.filter(model="plans.plan", object_id=str(plan.pk), action="update").last()
    assert update.changes["status"] == {"old": "draft", "new": "shared"}


def test_a_worker_of_another_municipality_cannot_change_the_plan():
    plan = draft_plan(adult_in())
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        services.add_goal(actor=stranger, plan=plan, client_wording="Mål")
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=stranger, person=plan.person)


# --- the client's responses -------------------------------------------------------------------------


def test_all_three_responses_are_kept_and_the_status_follows_the_latest():
    plan = shared_plan(adult_in())
    person = plan.person
    services.respond(plan=plan, person=person, kind=ResponseKind.DISPUTED, comment="Jag kan inte resa till Jönköping")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DISPUTED
    services.respond(plan=plan, person=person, kind=ResponseKind.ACCEPTED_WITH_COMMENT, comment="Bra, men buss behövs")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED_WITH_COMMENT
    services.respond(plan=plan, person=person, kind=ResponseKind.ACCEPTED)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED
    kept = list(PlanResponse.objects.filter(plan=plan).order_by("responded_at", "pk").values_list("kind", "comment"))
    assert kept == [("disputed", "Jag kan inte resa till Jönköping"), ("accepted_with_comment", "Bra, men buss behövs"),
                    ("accepted", "")]


@pytest.mark.parametrize("kind", [ResponseKind.DISPUTED, ResponseKind.ACCEPTED_WITH_COMMENT])
def test_disputing_or_commenting_needs_a_text(kind):
    plan = shared_plan(adult_in())
    with pytest.raises(ValidationError) as error:
        services.respond(plan=plan, person=plan.person, kind=kind, comment="   ")
    assert "comment" in error.value.message_dict
    assert not PlanResponse.objects.filter(plan=plan).exists()


def test_the_database_refuses_a_dispute_without_reason():
    plan = shared_plan(adult_in())
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanResponse.objects.create(plan=plan, kind=ResponseKind.DISPUTED, comment="")


def test_responses_are_never_overwritten():
    plan = shared_plan(adult_in())
    services.respond(plan=plan, person=plan.person, kind=ResponseKind.DISPUTED, comment="Nej")
    with pytest.raises(PermissionError):
        PlanResponse.objects.filter(plan=plan).update(comment="Ja")


def test_a_draft_cannot_be_answered_and_nobody_else_can_answer():
    person = adult_in()
    plan = plan_with_goal(person)
    with pytest.raises(ValidationError):
        services.respond(plan=plan, person=person, kind=ResponseKind.ACCEPTED)
    services.share_plan(actor=None, plan=plan)
    with pytest.raises(ValidationError):
        services.respond(plan=plan, person=adult_in(plan.municipality), kind=ResponseKind.ACCEPTED)


# --- usefulness ratings -------------------------------------------------------------------------


def test_the_client_and_the_worker_rate_usefulness_separately_and_both_are_kept():
    person = adult_in()
    worker = user_with_role(Role.CASEWORKER, person.municipality)
    plan = shared_plan(person)
    follow_up = services.start_follow_up(actor=worker, plan=plan, held_on=dt.date(2026, 4, 1))
    services.rate_usefulness_client(follow_up=follow_up, person=person, value=2)
    services.rate_usefulness_worker(actor=worker, follow_up=follow_up, value=5)
    follow_up.refresh_from_db()
    assert (follow_up.usefulness_client, follow_up.usefulness_worker) == (2, 5)
    assert follow_up.usefulness_client_at is not None and follow_up.usefulness_worker_at is not None


def test_a_rating_is_never_overwritten():
    person = adult_in()
    plan = shared_plan(person)
    follow_up = services.start_follow_up(actor=None, plan=plan)
    services.rate_usefulness_worker(actor=None, follow_up=follow_up, value=4)
    services.rate_usefulness_client(follow_up=follow_up, person=person, value=1)
    with pytest.raises(ValidationError):
        services.rate_usefulness_worker(actor=None, follow_up=follow_up, value=1)
    with pytest.raises(ValidationError):
        services.rate_usefulness_client(follow_up=follow_up, person=person, value=5)
    follow_up.refresh_from_db()
    assert (follow_up.usefulness_client, follow_up.usefulness_worker) == (1, 4)


@pytest.mark.parametrize("value", [0, 6, True, None])
def test_ratings_are_whole_numbers_1_to_5(value):
    person = adult_in()
    follow_up = services.start_follow_up(actor=None, plan=shared_plan(person))
    with pytest.raises(ValidationError):
        services.rate_usefulness_client(follow_up=follow_up, person=person, value=value)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=follow_up.pk).update(usefulness_worker=6)


def test_only_the_client_rates_for_the_client():
    follow_up = services.start_follow_up(actor=None, plan=shared_plan(adult_in()))
    with pytest.raises(ValidationError):
        services.rate_usefulness_client(follow_up=follow_up, person=adult_in(), value=3)


# --- referrals --------------------------------------------------------------------------------------


def test_a_referral_keeps_sent_and_first_contact_dates():
    plan = shared_plan(adult_in())
    action = plan.actions.get()
    referral = services.add_referral(actor=None, action=action, partner=Responsible.ARBETSFORMEDLINGEN,
                                     sent_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError):
        services.record_first_contact(actor=None, referral=referral, first_contact_on=dt.date(2026, 1, 31))
    services.record_first_contact(actor=None, referral=referral, first_contact_on=dt.date(2026, 2, 10))
    referral.refresh_from_db()
    assert (referral.sent_on, referral.first_contact_on) == (dt.date(2026, 2, 1), dt.date(2026, 2, 10))


# --- invariant: every answer is kept, the status follows the latest --------------------------------

_ANSWERS = st.lists(st.tuples(st.sampled_from(ResponseKind.values), st.text(alphabet="abcåäö ", max_size=12)),
                    min_size=1, max_size=6)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=_ANSWERS)
def test_any_sequence_of_answers_is_kept_in_order_and_the_status_follows_the_last_valid_one(answers):
    plan = shared_plan(adult_in())
    kept = []
    for kind, comment in answers:
        try:
            services.respond(plan=plan, person=plan.person, kind=kind, comment=comment)
        except ValidationError:
            assert kind != ResponseKind.ACCEPTED and not comment.strip()
        else:
            kept.append((kind, "" if kind == ResponseKind.ACCEPTED else comment.strip()))
    stored = list(PlanResponse.objects.filter(plan=plan).order_by("responded_at", "pk").values_list("kind", "comment"))
    assert stored == kept
    plan.refresh_from_db()
    assert plan.status == (kept[-1][0] if kept else PlanStatus.SHARED)


def test_a_new_requirement_cites_the_new_social_services_act_by_default():
    from bistand.plans.forms import RequirementForm

    form = RequirementForm()
    assert form.fields["legal_basis"].initial == "12 kap. 3–4 §§ socialtjänstlagen (2025:400)"
    assert "4 kap." not in form.fields["legal_basis"].help_text


def test_a_requirement_without_legal_basis_is_told_the_new_act():
    from django.core.exceptions import ValidationError as DjangoValidationError

    from bistand.plans.services import check_requirement_basis

    with pytest.raises(DjangoValidationError) as error:
        check_requirement_basis(None, None, "")
    assert "12 kap. 3–4 §§ socialtjänstlagen (2025:400)" in str(error.value)
