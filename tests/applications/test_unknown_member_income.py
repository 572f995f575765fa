"""A declared income whose member is not in the household (a partner the register does not have, a child
key that names nobody) is not booked to the applicant: it is left out of the calculation and the
application goes to a case worker with that reason (issue 17 §2)."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.selectors import calculation_input_for, unknown_member_incomes
from bistand.decisions.automation import evaluate
from tests.decisions.factories import MONTH, calculate, make_application, make_delegation
from tests.factories import MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    return household_with_members(MunicipalityFactory(name="Exempelby"), adults=1, birth_date=dt.date(1984, 4, 4))


def test_a_wage_of_a_partner_the_register_does_not_have_is_not_booked_to_the_applicant(household):
    application = make_application(household, MONTH, incomes=[("wage", "applicant", 2000), ("wage", "partner", 5000)])
    document = calculation_input_for(application, register_facts=[])
    applicant = str(application.applicant_id)
    assert [(i["type"], i["member"], i["amount"]) for i in document["incomes"]] == [("wage", applicant, 2000)]
    unknown = unknown_member_incomes(application)
    assert [(u["type"], u["member"], u["amount_ore"]) for u in unknown] == [("wage", "partner", 500_000)]


def test_an_income_of_an_unknown_child_key_is_not_booked_to_the_applicant(household):
    application = make_application(household, MONTH, incomes=[("maintenance_support", "c7", 1500)])
    document = calculation_input_for(application, register_facts=[])
    assert document["incomes"] == []
    assert [u["member"] for u in unknown_member_incomes(application)] == ["c7"]


def test_an_application_with_an_income_of_an_unknown_member_goes_to_a_case_worker_with_that_reason(household):
    make_delegation(household.municipality)
    application = make_application(household, MONTH, incomes=[("wage", "partner", 5000)])
    verdict = evaluate(application, calculate(application, register_facts=[]), register_facts=[])
    failed = {c.code: c.detail for c in verdict.failed}
    assert "incomes_of_known_members" in failed
    assert "Lön (efter skatt) 5\u00a0000\u00a0kr" in failed["incomes_of_known_members"]
    assert "räknas inte" in failed["incomes_of_known_members"]


def test_incomes_of_known_members_pass_the_criterion(household):
    make_delegation(household.municipality)
    application = make_application(household, MONTH, incomes=[("wage", "applicant", 2000)])
    verdict = evaluate(application, calculate(application, register_facts=[]), register_facts=[])
    assert "incomes_of_known_members" in {c.code for c in verdict.passed}
