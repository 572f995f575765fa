"""Staff and e-service pages for plans: scoped, access-logged, goals and requirements under separate
headings, the client answers in the e-service, and the overview runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bistand.audit.models import AccessLog
from bistand.plans import services
from bistand.plans.models import Plan, PlanResponse, PlanStatus, Responsible
from bistand.tenancy.roles import Role
from tests.decisions.factories import standard_case
from tests.factories import MunicipalityFactory, UnitFactory, user_with_role
from tests.plans.factories import adult_in, draft_plan, plan_with_goal, shared_plan
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

GOAL = "Jag vill ha ett jobb i ett lager"
REQUIREMENT = "Skriva in dig hos Arbetsförmedlingen"


def section(html: str, heading_id: str) -> str:
    """The text of the <section> labelled by ``heading_id``."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


@pytest.fixture
def case(settings):
    return standard_case(settings)


def plan_with_requirement(case) -> Plan:
    person = case.household.members.get(role="applicant").person
    plan = plan_with_goal(person, actor=case.caseworker)
    services.add_requirement(actor=case.caseworker, plan=plan, description=REQUIREMENT,
                             decision=case.previous_decision, legal_basis="4 kap. 4 § socialtjänstlagen")
    return plan


def test_staff_page_shows_goals_and_requirements_under_separate_headings_and_logs_access(client, case):
    plan = plan_with_requirement(case)
    client.force_login(case.caseworker)
    html = client.get(f"/handlaggning/planering/{plan.pk}/").content.decode()
    goals, requirements = section(html, "goals-heading"), section(html, "requirements-heading")
    assert GOAL in goals and REQUIREMENT not in goals
    assert REQUIREMENT in requirements and GOAL not in requirements
    assert "4 kap. 4 § socialtjänstlagen" in requirements and f"Beslut {case.previous_decision.pk}" in requirements
    assert "Har truckkort sedan tidigare." in goals  # the worker's note, for staff only
    assert AccessLog.objects.filter(person=plan.person, target="staff:plan_detail", user=case.caseworker).exists()


def test_the_worker_writes_a_plan_through_the_pages(client, case):
    person = case.household.members.get(role="applicant").person
    client.force_login(case.caseworker)
    response = client.post(f"/handlaggning/personer/{person.pk}/planering/",
                           {"valid_from": "2026-03-01", "follow_up_due": "2026-05-01", "summary": "Vi började i dag."})
    plan = Plan.objects.get(person=person)
    assert response.status_code == 302 and plan.status == PlanStatus.DRAFT
    assert client.post(f"/handlaggning/planering/{plan.pk}/mal/", {
        "goal-client_wording": "Jag vill lära mig svenska", "goal-origin": "client", "goal-target_level": "4"}).status_code == 302
    goal = plan.goals.get()
    assert client.post(f"/handlaggning/planering/{plan.pk}/insats/", {
        "action-description": "Börja på SFI", "action-goal": goal.pk, "action-responsible": "labour_market_unit",
        "action-due_date": "2026-04-01"}).status_code == 302
    missing_basis = client.post(f"/handlaggning/planering/{plan.pk}/krav/", {
        "requirement-description": REQUIREMENT, "requirement-decision": case.previous_decision.pk,
        "requirement-legal_basis": ""})
    assert missing_basis.status_code == 400 and "Lagrum" in missing_basis.content.decode()
    assert client.post(f"/handlaggning/planering/{plan.pk}/krav/", {
        "requirement-description": REQUIREMENT, "requirement-decision": case.previous_decision.pk,
        "requirement-legal_basis": "4 kap. 4 § SoL"}).status_code == 302
    assert client.post(f"/handlaggning/planering/{plan.pk}/dela/").status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SHARED
    assert [a.kind for a in plan.actions.order_by("pk")] == ["voluntary", "requirement"]


def test_another_municipality_gets_404_for_a_plan(client, case):
    plan = plan_with_requirement(case)
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    client.force_login(stranger)
    assert client.get(f"/handlaggning/planering/{plan.pk}/").status_code == 404
    assert client.post(f"/handlaggning/planering/{plan.pk}/mal/", {"goal-client_wording": "x", "goal-origin": "client"}).status_code == 404
    assert plan.goals.count() == 1


def test_the_client_sees_the_shared_plan_with_separate_headings_but_not_the_worker_note(client, case):
    plan = plan_with_requirement(case)
    services.share_plan(actor=case.caseworker, plan=plan)
    simulator_login(client, plan.person.personnummer)
    html = client.get(f"/e-tjanst/planering/{plan.pk}/").content.decode()
    goals, requirements = section(html, "goals-heading"), section(html, "requirements-heading")
    assert GOAL in goals and REQUIREMENT not in goals and "inte krav" in goals
    assert REQUIREMENT in requirements and GOAL not in requirements
    assert "Har truckkort" not in html


def test_the_client_never_sees_a_draft_or_someone_elses_plan(client):
    person = adult_in()
    draft = plan_with_goal(person)
    other = shared_plan(adult_in(person.municipality))
    simulator_login(client, person.personnummer)
    assert client.get(f"/e-tjanst/planering/{draft.pk}/").status_code == 404
    assert client.get(f"/e-tjanst/planering/{other.pk}/").status_code == 404
    assert GOAL not in client.get("/e-tjanst/planering/").content.decode()


def test_the_client_answers_in_the_e_service_and_every_answer_is_kept(client):
    plan = shared_plan(adult_in())
    simulator_login(client, plan.person.personnummer)
    url = f"/e-tjanst/planering/{plan.pk}/"
    refused = client.post(url, {"kind": "disputed", "comment": ""})
    assert refused.status_code == 400 and "Skriv varför" in refused.content.decode()
    assert client.post(url, {"kind": "disputed", "comment": "Jag har inget körkort"}).status_code == 302
    assert client.post(url, {"kind": "accepted"}).status_code == 302
    assert list(PlanResponse.objects.filter(plan=plan).values_list("kind", flat=True)) == ["disputed", "accepted"]
    html = client.get(url).content.decode()
    assert "Jag har inget körkort" in html


def test_the_client_and_the_worker_rate_usefulness_on_their_own_pages(client):
    person = adult_in()
    worker = user_with_role(Role.CASEWORKER, person.municipality)
    plan = shared_plan(person)
    follow_up = services.start_follow_up(actor=worker, plan=plan)
    simulator_login(client, person.personnummer)
    assert client.post(f"/e-tjanst/planering/{plan.pk}/uppfoljning/{follow_up.pk}/", {"usefulness": "3"}).status_code == 302
    client.force_login(worker)
    assert client.post(f"/handlaggning/planering/uppfoljning/{follow_up.pk}/nytta/", {"usefulness": "5"}).status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.usefulness_client, follow_up.usefulness_worker) == (3, 5)


# --- the overview --------------------------------------------------------------------------------


def overview_rows(municipality, n: int, worker, unit, *, with_occasions=False):
    today = timezone.localdate()
    for i in range(n):
        person = adult_in(municipality)
        plan = draft_plan(person, actor=worker, unit=unit, follow_up_due=today - dt.timedelta(days=i))
        services.add_action(actor=worker, plan=plan, description=f"Insats {i}", responsible=Responsible.CLIENT,
                            due_date=today + dt.timedelta(days=i % 10))
        services.share_plan(actor=worker, plan=plan)
        if with_occasions:
            from tests.assessment.factories import make_occasion

            make_occasion(person=person, worker=worker, unit=unit, scheduled_for=today - dt.timedelta(days=i))


def count_overview(client, user) -> tuple[int, str]:
    client.force_login(user)
    client.get("/handlaggning/oversikt/")  # warm up session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/handlaggning/oversikt/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_overview_runs_the_same_number_of_queries_for_2_and_12_plans_and_assessments(client):
    small, large = MunicipalityFactory(), MunicipalityFactory()
    counts = []
    for municipality, n in ((small, 2), (large, 12)):
        unit = UnitFactory(municipality=municipality)
        worker = user_with_role(Role.CASEWORKER, municipality, first_name="Vera", last_name="Ved")
        overview_rows(municipality, n, worker, unit, with_occasions=True)
        count, html = count_overview(client, worker)
        counts.append(count)
        assert html.count("Insats ") == n  # each action listed once, under its worker
        assert html.count("Försenad") >= n  # the follow-ups (due today and earlier) and the occasions
    assert counts[0] == counts[1]


def test_the_overview_groups_per_worker_and_unit_is_scoped_and_logged(client):
    home, other = MunicipalityFactory(), MunicipalityFactory()
    unit = UnitFactory(municipality=home, name="Försörjningsstöd Väster")
    worker = user_with_role(Role.CASEWORKER, home, first_name="Vera", last_name="Ved")
    overview_rows(home, 2, worker, unit)
    overview_rows(other, 1, user_with_role(Role.CASEWORKER, other), UnitFactory(municipality=other, name="Annan enhet"))
    client.force_login(worker)
    html = client.get("/handlaggning/oversikt/").content.decode()
    assert "Vera Ved" in html and "Försörjningsstöd Väster" in html
    assert "Annan enhet" not in html
    logged = set(AccessLog.objects.filter(target="staff:overview").values_list("person__municipality", flat=True))
    assert logged == {home.pk}


def test_the_overview_shows_assessments_due_from_the_assessment_app_per_worker(client):
    from tests.assessment.factories import make_occasion

    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality, first_name="Olle", last_name="Ohlsson")
    person = adult_in(municipality, first_name="Berit", last_name="Bedömd")
    make_occasion(person=person, worker=worker, scheduled_for=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(worker)
    html = client.get("/handlaggning/oversikt/").content.decode()
    assert "Bedömningar som ska göras" in html and "Berit Bedömd" in html and "Försenad" in html
    assert "Olle Ohlsson" in html


def test_a_plan_and_a_follow_up_can_rest_on_the_persons_assessment_occasion():
    from django.core.exceptions import ValidationError

    from tests.assessment.factories import make_occasion

    person = adult_in()
    occasion = make_occasion(person=person)
    plan = services.create_plan(actor=None, person=person, based_on_occasion=occasion)
    assert plan.based_on_occasion == occasion
    with pytest.raises(ValidationError):
        services.create_plan(actor=None, person=adult_in(person.municipality), based_on_occasion=occasion)
