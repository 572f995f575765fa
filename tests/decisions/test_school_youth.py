"""Children 18–20 count as children of the household only while in upper-secondary school (issue 17 §2):
the application says so per child; one declared out of school is left out of the calculation (an adult with
their own case, counted in the dwelling) and the application goes to a person with that reason, as does one
whose answer is missing. Never automated."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.selectors import calculation_input_for, school_youth_out_of_school
from bistand.decisions.automation import LABELS, evaluate
from bistand.people.models import HouseholdRole
from bistand.registers.services import fetch_for_application
from tests.decisions.factories import MONTH, calculate, declaration, make_application, make_delegation
from tests.factories import ChildFactory, HouseholdMemberFactory, MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db


def household_with_youth(birth_date: dt.date):
    municipality = MunicipalityFactory()
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 1, 1))
    HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD,
                           person=ChildFactory(municipality=municipality, birth_date=birth_date, first_name="Elias"))
    return household


def application_with(household, answer, *, wage=0):
    decl = declaration(household, MONTH, incomes=[("wage", "c1", wage)] if wage else ())
    decl["members"]["children"][0]["in_upper_secondary_school"] = answer
    return make_application(household, MONTH, kind="new", decl=decl)


def school_failure(application):
    facts = fetch_for_application(application)
    verdict = evaluate(application, calculate(application, facts), facts,
                       delegation=make_delegation(application.municipality))
    return next((c for c in verdict.failed if c.code == "school_youth_in_school"), None), verdict


def test_a_19_year_old_declared_out_of_school_is_left_out_and_counted_in_the_dwelling():
    household = household_with_youth(dt.date(2006, 9, 1))  # 19 in March 2026
    application = application_with(household, False, wage=5000)
    document = calculation_input_for(application, [])
    assert document["household"]["children"] == []
    assert document["household"]["dwelling_size"] == 2
    assert all(income.get("member") != str(household.members.get(role="child").person_id)
               for income in document["incomes"])  # their wage is not the household's


def test_a_19_year_old_in_upper_secondary_school_is_a_child_with_earnings_disregarded():
    household = household_with_youth(dt.date(2006, 9, 1))
    application = application_with(household, True, wage=5000)
    document = calculation_input_for(application, [])
    [child] = document["household"]["children"]
    assert child["age"] == 19 and child["in_upper_secondary_school"] is True
    calculation = calculate(application, [])
    assert any(line["code"] == f"disregard.child_earnings.{child['id']}" and line["amount"] == 5000
               for line in calculation.result["lines"])
    assert school_youth_out_of_school(application) == []


@pytest.mark.parametrize(("answer", "words"), [
    (False, "Elias är 19 år och går inte i gymnasieskolan"),
    (None, "Det saknas svar på om Elias (19 år) går i gymnasieskolan"),
])
def test_a_young_person_out_of_school_or_without_an_answer_sends_the_application_to_a_person(answer, words):
    application = application_with(household_with_youth(dt.date(2006, 9, 1)), answer)
    failure, verdict = school_failure(application)
    assert not verdict.automate
    assert failure is not None and failure.label_sv == LABELS["school_youth_in_school"]
    assert words in failure.detail


def test_a_young_person_in_school_and_a_child_under_18_pass_the_criterion():
    for birth, answer in [(dt.date(2006, 9, 1), True), (dt.date(2010, 9, 1), None)]:
        failure, _ = school_failure(application_with(household_with_youth(birth), answer))
        assert failure is None


def test_the_age_is_the_age_on_the_first_day_of_the_month():
    # Turns 18 on 2 March 2026: 17 on the first day of March, so no answer is needed yet.
    application = application_with(household_with_youth(dt.date(2008, 3, 2)), None)
    assert school_youth_out_of_school(application) == []
