"""Find any case again (issue 20): the case list /handlaggning/arenden/ with search (personnummer, name,
case number) and filters (month, status, assigned worker, unit), paginated, scoped to the user's
municipality and access-logged; the person and household pages list the cases with their decisions and
payments, plans and assessments, with links; every case is two clicks from the start page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bistand.applications.models import Application
from bistand.audit.models import AccessLog
from bistand.casework.services import assign
from bistand.payments.services import schedule_payment
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, PREVIOUS_MONTH, make_application, standard_case
from tests.factories import MunicipalityFactory, UnitFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

CASES = "/handlaggning/arenden/"


def case(municipality, *, unit=None, month=MONTH, status="submitted", kind="recurring", **person):
    household = household_with_members(municipality, **person)
    made = make_application(household, month, kind=kind, status=status)
    if unit is not None:
        Application.objects.filter(pk=made.pk).update(unit=unit)
        made.refresh_from_db()
    return made


class World:
    def __init__(self):
        self.municipality = MunicipalityFactory(name="Sökby")
        self.north = UnitFactory(municipality=self.municipality, name="Norr")
        self.south = UnitFactory(municipality=self.municipality, name="Söder")
        self.worker = user_with_role(Role.CASEWORKER, self.municipality, first_name="Wilma", last_name="Wik")
        self.colleague = user_with_role(Role.CASEWORKER, self.municipality, first_name="Conny", last_name="Kula")
        m = self.municipality
        self.decided = case(m, unit=self.north, status="decided", first_name="Dora", last_name="Beslutsson")
        self.old = case(m, unit=self.south, month=PREVIOUS_MONTH, status="decided", first_name="Olle",
                        last_name="Förrasson")
        self.open = case(m, unit=self.south, kind="new", first_name="Nils", last_name="Nysson")
        self.draft = case(m, status="draft", first_name="Utte", last_name="Utkastsson")
        assign(self.open, to_user=self.colleague, by_user=self.colleague)
        self.other = MunicipalityFactory(name="Grannby")
        self.foreign = case(self.other, status="decided", first_name="Dora", last_name="Beslutsson")


@pytest.fixture
def world(settings):
    settings.BISTAND_ATTACHMENT_DIR = "/tmp/bistand-test-attachments"
    return World()


def shown(response) -> set[int]:
    """The case numbers in the list."""
    html = response.content.decode()
    return {a.pk for a in Application.objects.all() if reverse("staff:case_detail", args=[a.pk]) + '"' in html}


def test_the_case_list_shows_decided_cases_of_the_municipality_only(client, world):
    client.force_login(world.worker)
    response = client.get(CASES)
    assert response.status_code == 200
    assert shown(response) == {world.decided.pk, world.old.pk, world.open.pk}  # no draft, nothing of Grannby


@pytest.mark.parametrize("query", ["Beslutsson", "dora besl", "ärende {pk}", "{pk}", "{pnr}", "{pnr_short}"])
def test_a_case_is_found_by_name_personnummer_or_case_number(client, world, query):
    applicant = world.decided.applicant
    query = query.format(pk=world.decided.pk, pnr=applicant.personnummer, pnr_short=applicant.personnummer[2:8] + "-" + applicant.personnummer[8:])
    client.force_login(world.worker)
    response = client.get(CASES, {"q": query})
    assert response.status_code == 200
    assert world.decided.pk in shown(response)
    assert world.foreign.pk not in shown(response)
    assert world.open.pk not in shown(response)


@pytest.mark.parametrize("filters, expected", [
    ({"month": "2026-02"}, "old"),
    ({"status": "in_review"}, "open"),
    ({"kind": "new"}, "open"),
    ({"assigned": "none", "status": "decided", "month": "2026-03"}, "decided"),
])
def test_the_filters_narrow_the_list(client, world, filters, expected):
    client.force_login(world.worker)
    response = client.get(CASES, filters)
    assert response.status_code == 200
    assert shown(response) == {getattr(world, expected).pk}


def test_the_assigned_worker_and_unit_filters(client, world):
    client.force_login(world.worker)
    assert shown(client.get(CASES, {"assigned": str(world.colleague.pk)})) == {world.open.pk}
    assert shown(client.get(CASES, {"unit": str(world.north.pk)})) == {world.decided.pk}


def test_a_filter_value_that_is_not_offered_is_a_clear_error(client, world):
    client.force_login(world.worker)
    response = client.get(CASES, {"status": "nonsense"})
    assert response.status_code == 400
    assert "Status" in response.content.decode()
    assert shown(response) == set()


def test_the_list_is_paginated_with_a_fixed_number_of_queries(client, world):
    for _ in range(3):
        case(world.municipality, status="decided")
    client.force_login(world.worker)
    client.get(CASES)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(CASES)
    for _ in range(60):
        case(world.municipality, status="decided", month=dt.date(2025, 1, 1))
    with CaptureQueriesContext(connection) as many:
        response = client.get(CASES)
    assert len(many) == len(few)
    assert "Sida 1 av 2" in response.content.decode()
    assert len(shown(client.get(CASES, {"page": "2"}))) == 66 - 50


def test_the_case_list_writes_one_access_log_row_per_person_shown(client, world):
    client.force_login(world.worker)
    before = AccessLog.objects.count()
    client.get(CASES, {"q": "Beslutsson"})
    rows = AccessLog.objects.filter(target="staff:case_list")
    assert AccessLog.objects.count() - before == rows.count() == 1
    assert rows.get().person_id == world.decided.applicant_id
    assert rows.get().action == "search"


def test_a_regional_coordinator_gets_no_case_list(client, world):
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=world.municipality.region)
    client.force_login(coordinator)
    assert client.get(CASES).status_code == 403


def test_every_case_is_two_clicks_from_the_start_page(client, world):
    client.force_login(world.worker)
    start = client.get(reverse("staff:home")).content.decode()
    assert f'href="{CASES}"' in start  # click 1: the case list; click 2: the case
    assert reverse("staff:case_detail", args=[world.old.pk]) in client.get(CASES).content.decode()


def test_the_person_and_household_pages_list_cases_with_decisions_and_payments(client, settings):
    standard = standard_case(settings)
    client.force_login(standard.caseworker)
    person = standard.application.applicant
    for page in (reverse("staff:person_detail", args=[person.pk]),
                 reverse("staff:household_detail", args=[standard.household.pk])):
        html = client.get(page).content.decode()
        for application in (standard.previous, standard.application):
            assert reverse("staff:case_detail", args=[application.pk]) in html
        assert "Bifall" in html  # the previous month's decision
        assert "Planeringar" in html and "Bedömningar" in html


def test_the_person_page_lists_the_payment_of_a_decision(client, settings):
    standard = standard_case(settings)
    payment = schedule_payment(standard.previous_decision, user=standard.caseworker)
    client.force_login(standard.caseworker)
    html = client.get(reverse("staff:person_detail", args=[standard.application.applicant_id])).content.decode()
    assert payment.amount_kronor_text in html
    assert payment.get_status_display().lower() in html
