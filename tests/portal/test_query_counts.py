"""The hot pages of the load test (issue 16 §4, benchmarks/request_cost.py) keep a fixed number of queries
(10 for "Mitt ärende": the applicant's applications are read once, for the list and the timeline):
"Mitt ärende" reads the decisions, payments and appeals of all the applicant's applications at once, not
per application, so its query count does not grow with the applicant's history."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications import selectors, services
from bistand.calculations.services import calculate_and_store
from bistand.common.months import add_months
from bistand.decisions.services import issue_decision
from bistand.payments.services import schedule_payments
from bistand.people import personnummer as pnr
from bistand.tenancy.roles import Role
from tests.applications.test_services import fill_all
from tests.decisions.factories import own_reasons
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

FIRST = dt.date(2026, 1, 1)
BIRTH = dt.date(1982, 2, 14)
NUMBER = pnr.test_number(BIRTH, 8).normalised


@pytest.fixture
def applicant():
    municipality = MunicipalityFactory(code="0680")
    person = PersonFactory(municipality=municipality, personnummer=NUMBER, birth_date=BIRTH, first_name="Dora")
    return person, user_with_role(Role.CASEWORKER, municipality)


def _decided_month(person, caseworker, month):
    application = services.start_application(person=person, month=month)
    application = fill_all(application, person)
    application = services.submit(application, application.submission_key, person=person).application
    calculation = calculate_and_store(application.household, month, selectors.calculation_input_for(application, []),
                                      "system")
    decision = issue_decision(application, calculation, caseworker, line_reasons=own_reasons(application, calculation))
    schedule_payments([decision], user=caseworker)
    return application


def _queries_of_my_case(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get("/e-tjanst/mitt-arende/")
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_my_case_reads_a_fixed_number_of_queries_whatever_the_number_of_decided_months(
        client, applicant, django_assert_max_num_queries):
    person, caseworker = applicant
    _decided_month(person, caseworker, FIRST)
    simulator_login(client, NUMBER)
    one, _ = _queries_of_my_case(client, django_assert_max_num_queries, 10)
    for step in range(1, 4):
        _decided_month(person, caseworker, add_months(FIRST, step))
    four, response = _queries_of_my_case(client, django_assert_max_num_queries, 10)
    assert response.content.decode().count("Beslut: ") >= 4  # every month's decision is on the page
    assert four == one, (one, four)
