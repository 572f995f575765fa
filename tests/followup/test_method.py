"""Casework and method indicators per month and unit (bistand.followup.method), each against data built
for the case with the expected figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bistand.applications.models import Application, ApplicationKind, ApplicationStatus
from bistand.assessment.models import AssessmentSettings, DomainRating, OccasionKind, Rater, RatingStatus, Ruler
from bistand.casework.models import Assignment
from bistand.followup import method
from bistand.plans.models import Action, ActionStatus, Plan, PlanResponse, Referral, Responsible
from bistand.tenancy.roles import Role
from tests.applications.factories import ApplicationFactory
from tests.assessment.factories import make_occasion
from tests.casework.factories import referral
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role
from tests.payments.factories import issued_decision
from tests.plans.factories import plan_with_goal, shared_plan

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
ZONE = timezone.get_current_timezone()


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=ZONE)


@pytest.fixture
def municipality():
    return MunicipalityFactory()


def test_percentiles_use_the_nearest_rank_and_the_median_the_middle():
    assert method.p90([2, 5, 20]) == 20
    assert method.p90(list(range(1, 11))) == 9
    assert method.median([2, 5, 20]) == Decimal("5")
    assert method.median([1, 2]) == Decimal("1.5")
    assert method.p90([]) is None and method.median([]) is None


def test_time_to_decision_gives_median_and_p90_for_all_and_for_first_applications(municipality):
    decisions = [issued_decision(municipality) for _ in range(3)]
    for decision, days, kind in zip(decisions, [2, 5, 20], ["recurring", "new", "new"], strict=True):
        Application.objects.filter(pk=decision.application_id).update(
            submitted_at=decision.issued_at - dt.timedelta(days=days), kind=kind)
    month = timezone.localtime(decisions[0].issued_at).date().replace(day=1)
    (row,) = method.time_to_decision([municipality.pk], month, month)
    assert (row["decisions"], row["median_days"], row["p90_days"]) == (3, Decimal("5"), 20)
    assert (row["first_applications"], row["first_median_days"], row["first_p90_days"]) == (2, Decimal("12.5"), 20)


def test_automation_share_and_the_reasons_cases_went_to_the_inbox(municipality):
    automated = issued_decision(municipality, automated=True)
    issued_decision(municipality)
    referral(automated.application, ("register_incomes_match", "lön"), ("household_and_housing_unchanged", ""))
    other = ApplicationFactory(household__municipality=municipality)
    referral(other, ("register_incomes_match", "lön"))
    month = timezone.localdate().replace(day=1)
    (row,) = method.automation([municipality.pk], month, month)
    assert (row["decisions"], row["automated"], row["automated_share"]) == (2, 1, Decimal("0.5000"))
    assert row["inbox_reasons"] == {"register_incomes_match": 2, "household_and_housing_unchanged": 1}


def test_open_cases_at_the_end_of_the_month_are_counted_per_case_worker(municipality):
    worker = user_with_role(Role.CASEWORKER, municipality)
    submitted = _at(dt.date(2026, 2, 20))
    first, second, _unassigned = (ApplicationFactory(household__municipality=municipality, submitted_at=submitted)
                                  for _ in range(3))
    for application in (first, second):
        Assignment.objects.create(application=application, assigned_to=worker, assigned_by=worker)
    ApplicationFactory(household__municipality=municipality, submitted_at=_at(dt.date(2026, 4, 2)))  # after March
    rows = method.open_cases_per_worker([municipality.pk], MARCH, MARCH)
    assert [(r["month"], r["open_cases"], r["unassigned"], r["workers"], r["per_worker"], r["max_per_worker"])
            for r in rows] == [(MARCH, 3, 1, 1, {worker.pk: 2}, 2)]


def test_a_decided_application_is_no_longer_open(municipality):
    decision = issued_decision(municipality)
    month = timezone.localdate().replace(day=1)
    assert method.open_cases_per_worker([municipality.pk], month, month) == []
    assert decision.application.status == ApplicationStatus.DECIDED


def _new_application(municipality, day: dt.date, person=None):
    application = ApplicationFactory(household__municipality=municipality, kind=ApplicationKind.NEW,
                                     submitted_at=_at(day), **({"applicant": person} if person else {}))
    return application.applicant


def test_first_assessment_within_the_municipalitys_n_days(municipality):
    AssessmentSettings.objects.create(municipality=municipality, first_assessment_within_days=30)
    in_time = _new_application(municipality, dt.date(2026, 3, 5))
    late = _new_application(municipality, dt.date(2026, 3, 6))
    _new_application(municipality, dt.date(2026, 3, 7))  # never assessed
    make_occasion(person=in_time, kind=OccasionKind.INTAKE, scheduled_for=dt.date(2026, 4, 4), performed_on=dt.date(2026, 4, 4))
    make_occasion(person=late, kind=OccasionKind.INTAKE, scheduled_for=dt.date(2026, 4, 6), performed_on=dt.date(2026, 4, 6))
    (row,) = method.first_assessment_within_days([municipality.pk], MARCH, MARCH)
    assert (row["new_adults"], row["assessed_in_time"], row["share"], row["within_days"]) == (3, 1, Decimal("0.3333"), [30])


def test_first_assessment_without_n_days_says_so_instead_of_guessing(municipality):
    _new_application(municipality, dt.date(2026, 3, 5))
    (row,) = method.first_assessment_within_days([municipality.pk], MARCH, MARCH)
    assert row["share"] is None and "inte angett" in row["note"]


def test_self_rating_coverage_counts_occasions_with_a_clients_own_rating(municipality):
    person = PersonFactory(municipality=municipality)
    with_rating = make_occasion(person=person, scheduled_for=dt.date(2026, 3, 2), performed_on=dt.date(2026, 3, 2))
    make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 20), performed_on=dt.date(2026, 3, 20))
    DomainRating.objects.create(occasion=with_rating, domain="work", rater=Rater.CLIENT, status=RatingStatus.RATED, level=3)
    DomainRating.objects.create(occasion=with_rating, domain="work", rater=Rater.WORKER, status=RatingStatus.RATED, level=3)
    (row,) = method.self_rating_coverage([municipality.pk], MARCH, MARCH)
    assert (row["occasions"], row["with_self_rating"], row["share"]) == (2, 1, Decimal("0.5000"))


def test_plan_within_three_months_counts_only_applications_whose_three_months_have_passed(municipality):
    with_plan = _new_application(municipality, dt.date(2026, 3, 10))
    _new_application(municipality, dt.date(2026, 3, 11))  # no plan; three months have passed
    _new_application(municipality, dt.date(2026, 3, 30))  # no plan yet; three months not passed on 2026-06-15
    plan = shared_plan(with_plan)
    Plan.objects.filter(pk=plan.pk).update(shared_at=_at(dt.date(2026, 6, 10)))
    (row,) = method.plan_within_three_months([municipality.pk], MARCH, MARCH, today=dt.date(2026, 6, 15))
    assert (row["new_adults"], row["followed"], row["with_plan"], row["share"]) == (3, 2, 1, Decimal("0.5000"))


def test_plans_shared_in_the_month_by_the_clients_first_answer(municipality):
    plans = [shared_plan(PersonFactory(municipality=municipality)) for _ in range(3)]
    Plan.objects.filter(pk__in=[p.pk for p in plans]).update(shared_at=_at(dt.date(2026, 3, 3)))
    PlanResponse.objects.create(plan=plans[0], kind="accepted")
    PlanResponse.objects.create(plan=plans[1], kind="disputed", comment="Jag vill inte")
    (row,) = method.plans_accepted_disputed([municipality.pk], MARCH, MARCH)
    assert (row["shared"], row["accepted"], row["disputed"], row["no_answer"], row["accepted_share"]) == (
        3, 1, 1, 1, Decimal("0.3333"))


def test_follow_ups_on_time_late_and_not_done(municipality):
    person = PersonFactory(municipality=municipality)
    make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 10), performed_on=dt.date(2026, 3, 9))
    make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 12), performed_on=dt.date(2026, 3, 20))
    make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 15))
    make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 31))
    (row,) = method.follow_ups_on_time([municipality.pk], MARCH, MARCH, today=dt.date(2026, 3, 25))
    assert (row["due"], row["on_time"], row["late"], row["not_done"], row["upcoming"], row["on_time_share"]) == (
        4, 1, 1, 1, 1, Decimal("0.3333"))


def test_actions_due_in_the_month_by_responsible_party(municipality):
    plan = plan_with_goal(PersonFactory(municipality=municipality))  # one client action due 2026-02-01
    Action.objects.create(plan=plan, description="Möte", responsible=Responsible.ARBETSFORMEDLINGEN,
                          due_date=dt.date(2026, 2, 10), status=ActionStatus.DONE)
    Action.objects.create(plan=plan, description="Ringa", responsible=Responsible.ARBETSFORMEDLINGEN,
                          due_date=dt.date(2026, 2, 11), status=ActionStatus.CANCELLED)
    (row,) = method.actions_by_responsible([municipality.pk], dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    assert row["by_responsible"] == {
        "arbetsformedlingen": {"due": 1, "done": 1, "share": Decimal("1.0000")},
        "client": {"due": 1, "done": 0, "share": Decimal("0.0000")},
    }


def test_referral_turnaround_per_partner(municipality):
    plan = plan_with_goal(PersonFactory(municipality=municipality))
    action = plan.actions.get()
    for sent, contact in [(dt.date(2026, 3, 2), dt.date(2026, 3, 9)), (dt.date(2026, 3, 3), dt.date(2026, 3, 6)),
                          (dt.date(2026, 3, 4), None)]:
        Referral.objects.create(action=action, partner=Responsible.ARBETSFORMEDLINGEN, sent_on=sent, first_contact_on=contact)
    (row,) = method.referral_turnaround([municipality.pk], MARCH, MARCH)
    assert row["by_partner"] == {"arbetsformedlingen": {"sent": 3, "with_contact": 2, "median_days": Decimal("5")}}


def test_change_per_life_area_keeps_client_and_worker_apart_and_readiness_change(municipality):
    person = PersonFactory(municipality=municipality)
    first = make_occasion(person=person, scheduled_for=dt.date(2026, 1, 10), performed_on=dt.date(2026, 1, 10))
    latest = make_occasion(person=person, kind=OccasionKind.FOLLOW_UP, scheduled_for=dt.date(2026, 3, 10),
                           performed_on=dt.date(2026, 3, 10))
    for occasion, client, worker in [(first, 2, 3), (latest, 4, 3)]:
        DomainRating.objects.create(occasion=occasion, domain="work", rater=Rater.CLIENT, status=RatingStatus.RATED, level=client)
        DomainRating.objects.create(occasion=occasion, domain="work", rater=Rater.WORKER, status=RatingStatus.RATED, level=worker)
    Ruler.objects.create(occasion=first, domain="work", importance=5, confidence=3)
    Ruler.objects.create(occasion=latest, domain="work", importance=8, confidence=4)
    (row,) = method.change_per_life_area([municipality.pk], MARCH, MARCH)
    assert row["by_domain"] == {
        "work:client": {"domain": "work", "rater": "client", "persons": 1, "mean_change": Decimal("2.00"), "improved": 1},
        "work:worker": {"domain": "work", "rater": "worker", "persons": 1, "mean_change": Decimal("0.00"), "improved": 0},
    }
    (row,) = method.readiness_change([municipality.pk], MARCH, MARCH)
    assert row["by_domain"] == {"work": {"persons_importance": 1, "importance_change": Decimal("3.00"),
                                         "persons_confidence": 1, "confidence_change": Decimal("1.00")}}
    assert method.change_per_life_area([municipality.pk], dt.date(2026, 4, 1), dt.date(2026, 4, 1)) == []
