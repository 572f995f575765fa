"""Decisions in the e-service: the calculation line by line in plain Swedish from the stored trace,
where facts came from, and the letter as PDF (or a clear "not yet available")."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.calculations.services import calculate_and_store
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdRole
from bistand.portal import presenters
from bistand.portal.views import applications as application_views
from bistand.portal.views import my_case as case_views
from bistand.tenancy.roles import Role
from tests.applications.test_services import fill_all
from tests.factories import HouseholdMemberFactory, MunicipalityFactory, PersonFactory, user_with_role
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)
BIRTH = dt.date(1982, 2, 14)
NUMBER = pnr.test_number(BIRTH, 8).normalised


@pytest.fixture
def decided():
    municipality = MunicipalityFactory(code="0680")
    person = PersonFactory(municipality=municipality, personnummer=NUMBER, birth_date=BIRTH, first_name="Dora")
    application = services.start_application(person=person, month=MONTH)
    application = fill_all(application, person, incomes=[
        {"type": "sickness_benefit", "member": "applicant", "amount_ore": 250000, **decl.SOURCE}])
    application = services.submit(application, application.submission_key, person=person).application
    calculation = calculate_and_store(application.household, MONTH, selectors.calculation_input_for(application, []), "system")
    from bistand.decisions.services import issue_decision
    from tests.decisions.factories import own_reasons

    decision = issue_decision(application, calculation, user_with_role(Role.CASEWORKER, municipality),
                              line_reasons=own_reasons(application, calculation))
    return application, decision, calculation


def test_calculation_lines_come_from_the_stored_trace_with_names(decided):
    application, decision, calculation = decided
    lines = presenters.calculation_lines(calculation, selectors.member_names(application))
    assert [line.code for line in lines] == [row["code"] for row in calculation.result["lines"]]
    assert [str(line.amount) for line in lines] == [str(row["amount"]) for row in calculation.result["lines"]]
    amount = next(line for line in lines if line.code == "amount")
    assert amount.is_total and "Det är det belopp som betalas ut" in amount.explanation
    rent = next(line for line in lines if line.code == "costs.rent")
    assert "kommunen räknar med" in rent.explanation
    basis = presenters.calculation_basis(calculation, selectors.member_names(application))
    assert {"what": "Sjukpenning", "who": "Dora", "amount": 2500, "source": "Uppgift från dig"} in basis


def test_names_replace_ids_in_trace_labels():
    assert selectors.label_with_names("Jobbstimulans, 12: 25 % av lönen", {"12": "Dora"}) == "Jobbstimulans, Dora: 25 % av lönen"
    assert selectors.label_with_names("Personliga kostnader, barn 13, 4 år", {"13": "Bo", "1": "X"}) == "Personliga kostnader, Bo, 4 år"
    assert (selectors.label_with_names("Personliga kostnader, barn ansprak-barn1, 5 år", {"ansprak-barn1": "Ella"})
            == "Personliga kostnader, Ella, 5 år")
    assert selectors.label_with_names("Barnets egen arbetsinkomst, 13: räknas inte", {"13": "Bo"}) == "Barnets egen arbetsinkomst, Bo: räknas inte"


@pytest.fixture
def decided_with_child():
    """A decided application of a household with a child in the register (named Ella only there)."""
    municipality = MunicipalityFactory(code="0680")
    person = PersonFactory(municipality=municipality, personnummer=NUMBER, birth_date=BIRTH, first_name="Dora")
    application = services.start_application(person=person, month=MONTH)
    child = PersonFactory(municipality=municipality, birth_date=dt.date(2020, 6, 1), first_name="Ella")
    HouseholdMemberFactory(household=application.household, person=child, role=HouseholdRole.CHILD)
    application = fill_all(application, person)
    application = services.submit(application, application.submission_key, person=person).application
    calculation = calculate_and_store(application.household, MONTH, selectors.calculation_input_for(application, []), "system")
    from bistand.decisions.services import issue_decision
    from tests.decisions.factories import own_reasons

    decision = issue_decision(application, calculation, user_with_role(Role.CASEWORKER, municipality),
                              line_reasons=own_reasons(application, calculation))
    return application, decision, calculation, child


def test_the_decision_page_and_letter_name_the_child_not_its_id(client, decided_with_child):
    application, decision, calculation, child = decided_with_child
    assert any(f"barn {child.pk}" in row["label"] for row in calculation.result["lines"])  # the stored trace
    simulator_login(client, NUMBER)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/").content.decode()
    assert "Personliga kostnader, Ella, 5 år" in page
    assert f"barn {child.pk}" not in page
    from bistand.decisions.letters import render_html

    letter = render_html(decision)
    assert "Personliga kostnader, Ella, 5 år" in letter
    assert f"barn {child.pk}" not in letter


def test_the_applicant_sees_the_decision_its_calculation_and_the_letter(client, decided):
    application, decision, calculation = decided
    simulator_login(client, NUMBER)
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/" in case
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/").content.decode()
    assert 'id="calculation"' in page
    for row in calculation.result["lines"]:
        assert selectors.label_with_names(row["label"], selectors.member_names(application)) in page
    assert "Uppgift från dig" in page
    assert "inom tre veckor" in page and "förvaltningsrätten" in page
    letter = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/brev.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")


def test_without_a_letter_renderer_the_page_says_the_letter_is_not_available(client, decided, monkeypatch):
    application, decision, _ = decided
    monkeypatch.setattr(case_views, "letter_renderer", lambda: None)
    simulator_login(client, NUMBER)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/").content.decode()
    assert 'id="letter-unavailable"' in page
    response = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/brev.pdf")
    assert response.status_code == 404 and "Beslutsbrevet finns inte ännu" in response.content.decode()


def test_nobody_else_sees_the_decision(client, decided):
    application, decision, _ = decided
    simulator_login(client, pnr.test_number(dt.date(1975, 1, 1), 1).normalised)
    assert client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/").status_code == 404
    assert client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/brev.pdf").status_code == 404


def test_register_facts_are_shown_as_coming_from_the_register(client, decided, monkeypatch):
    application, decision, _ = decided

    class Fact:
        kind_label, agency_label, amount_ore, fetched_at = "Sjukpenning", "Försäkringskassan", 250000, dt.datetime(2026, 3, 2)

    monkeypatch.setattr(application_views, "register_facts", lambda app: [Fact()])
    simulator_login(client, NUMBER)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    assert "Uppgifter från andra myndigheter" in page and "Försäkringskassan" in page
