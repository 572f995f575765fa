"""The calculation input of an application: declared costs and incomes, register facts in place of
declared incomes of the same type and person, and where each came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.calculations.services import prepare_calculation
from tests.factories import MunicipalityFactory, PersonFactory

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)


@dataclass
class Fact:
    person_id: int
    kind: str
    amount_ore: int | None
    period: dt.date = MONTH
    agency: str = "fk"
    agency_label: str = "Försäkringskassan"


@pytest.fixture
def submitted():
    person = PersonFactory(municipality=MunicipalityFactory(code="0680"), birth_date=dt.date(1985, 4, 2),
                           personnummer="198504029800")
    application = services.start_application(person=person, month=MONTH)
    from tests.applications.test_services import fill_all

    application = fill_all(application, person, incomes=[
        {"type": "sickness_benefit", "member": "applicant", "amount_ore": 300000, **decl.SOURCE},
        {"type": "other", "member": "applicant", "amount_ore": 50050, **decl.SOURCE},
    ])
    return services.submit(application, application.submission_key, person=person).application


def test_declared_costs_and_incomes_are_the_input(submitted):
    document = selectors.calculation_input_for(submitted, register_facts=[])
    assert document["month"] == "2026-03"
    assert document["household"]["adults"][0]["id"] == str(submitted.applicant_id)
    assert document["costs"] == [{"type": "rent", "amount": 6500, "note": "Uppgift från dig"}]
    assert {(i["type"], str(i["amount"]), i["note"]) for i in document["incomes"]} == {
        ("sickness_benefit", "3000", "Uppgift från dig"), ("other", "500.50", "Uppgift från dig")}
    prepared = prepare_calculation(document)
    assert prepared.amount_ore > 0


def test_a_register_income_replaces_the_declared_one_and_undeclared_ones_are_added(submitted):
    person = str(submitted.applicant_id)
    facts = [Fact(submitted.applicant_id, "sickness_benefit", 320000),
             Fact(submitted.applicant_id, "housing_allowance", 100000),
             Fact(submitted.applicant_id, "registration", None, agency="af", agency_label="Arbetsförmedlingen"),
             Fact(submitted.applicant_id, "child_benefit", 125000, period=dt.date(2026, 2, 1))]
    incomes = selectors.calculation_incomes(submitted, register_facts=facts)
    assert sorted((i["type"], str(i["amount"]), i["note"], i["member"]) for i in incomes) == [
        ("housing_allowance", "1000", "Uppgift från Försäkringskassan", person),
        ("other", "500.50", "Uppgift från dig", person),
        ("sickness_benefit", "3200", "Uppgift från Försäkringskassan", person),
    ]
