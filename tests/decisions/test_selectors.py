"""The reads of decisions that the pages call: which calculation a decision rests on, the calculation a
case worker saw, and the issued decisions an applicant sees."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bistand.calculations.services import build_input_for_household, calculate_and_store
from bistand.common.months import format_month
from bistand.decisions import selectors, services
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return make_application(household_with_members(MunicipalityFactory()), MONTH, kind="new")


def store(application, rent: int, user="system", month=None):
    month = month or application.month
    document = build_input_for_household(application.household, format_month(month),
                                         costs=[{"type": "rent", "amount": rent}])
    return calculate_and_store(application.household, month, document, user)


def test_without_a_calculation_there_is_nothing_to_decide_on(application):
    assert selectors.calculation_to_decide_on(application) is None


def test_the_newest_calculation_by_a_case_worker_or_the_system_is_decided_on(application):
    caseworker = user_with_role(Role.CASEWORKER, application.municipality)
    store(application, 5000)
    by_caseworker = store(application, 6000, user=caseworker)
    assert selectors.calculation_to_decide_on(application) == by_caseworker
    newest = store(application, 7000)
    assert selectors.calculation_to_decide_on(application) == newest


def test_a_demo_calculation_or_another_months_is_not_decided_on(application):
    made = store(application, 5000)
    store(application, 9000, user="demo")
    store(application, 8000, month=dt.date(MONTH.year, MONTH.month, 1).replace(month=MONTH.month % 12 + 1))
    assert selectors.calculation_to_decide_on(application) == made


def test_the_referrals_or_decisions_calculation_counts_when_it_is_the_newest(application):
    older = store(application, 5000)
    demo = store(application, 9000, user="demo")
    assert selectors.calculation_to_decide_on(application, referral=SimpleNamespace(calculation=demo)) == demo
    assert selectors.calculation_to_decide_on(application, decision=SimpleNamespace(calculation=demo)) == demo
    assert selectors.calculation_to_decide_on(application, referral=SimpleNamespace(calculation=None)) == older


def test_the_calculation_a_case_worker_saw_must_be_the_applications(application):
    made = store(application, 5000)
    other = make_application(household_with_members(application.municipality), MONTH, kind="new")
    foreign = store(other, 5000)
    assert selectors.calculation_of_application(application, made.pk) == made
    assert selectors.calculation_of_application(application, str(made.pk)) == made
    assert selectors.calculation_of_application(application, foreign.pk) is None
    assert selectors.calculation_of_application(application, None) is None
    assert selectors.calculation_of_application(application, "") is None


def test_issued_decisions_are_the_applications_issued_ones_oldest_first(application):
    caseworker = user_with_role(Role.CASEWORKER, application.municipality)
    calculation = calculate(application, register_facts=[])
    assert selectors.issued_decisions(application) == []
    services.save_draft(application, calculation, caseworker)
    assert selectors.issued_decisions(application) == []
    decision = services.issue_decision(application, calculation, caseworker)
    assert selectors.issued_decisions(application) == [decision]
