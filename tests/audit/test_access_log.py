"""Every staff read of person-level data writes who, whom, when, what and why to the access log."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bistand.audit.models import AccessAction, AccessLog, AccessPurpose
from bistand.audit.services import log_access
from bistand.people.models import Person
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, PersonFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def household(municipality):
    return household_with_members(municipality, adults=2, children=2)


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality, first_name="Eva", last_name="Ek", username="eva.ek")


def new_rows(before: int):
    return list(AccessLog.objects.order_by("pk")[before:])


def read(client, user, url):
    client.force_login(user)
    before = AccessLog.objects.count()
    started = timezone.now()
    response = client.get(url)
    assert response.status_code == 200, url
    rows = new_rows(before)
    for row in rows:
        assert row.user == user
        assert row.user_display_name == f"{user.get_full_name()} ({user.username})"
        assert row.created_at >= started
        assert row.municipality_id == row.person.municipality_id
        assert row.path == url
    return rows


def test_person_detail_logs_one_view_of_that_person(client, household, caseworker):
    person = household.members.first().person
    url = reverse("staff:person_detail", args=[person.pk])
    (row,) = read(client, caseworker, url)
    assert row.person == person
    assert row.action == AccessAction.VIEW
    assert row.target == "staff:person_detail"
    assert row.purpose == AccessPurpose.CASEWORK


def test_person_edit_logs_a_view(client, household, caseworker):
    person = household.members.first().person
    (row,) = read(client, caseworker, reverse("staff:person_edit", args=[person.pk]))
    assert (row.person, row.target) == (person, "staff:person_edit")


def test_person_list_logs_each_person_on_the_page_in_one_insert(client, household, caseworker, municipality):
    PersonFactory.create_batch(3, municipality=municipality)
    client.force_login(caseworker)
    client.get(reverse("staff:person_list"))
    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("staff:person_list"))
    rows = new_rows(before)
    shown = {view.pk for view in response.context["rows"]}
    assert {row.person_id for row in rows} == shown == set(Person.objects.filter(municipality=municipality).values_list("pk", flat=True))
    assert len(rows) == len(shown) == 7
    assert {row.action for row in rows} == {AccessAction.LIST}
    inserts = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT") and "audit_accesslog" in q["sql"]]
    assert len(inserts) == 1


def test_a_search_logs_the_persons_found_as_a_search(client, household, caseworker):
    person = household.members.first().person
    rows = read(client, caseworker, reverse("staff:person_list") + f"?q={person.personnummer}")
    assert [(r.person, r.action) for r in rows] == [(person, AccessAction.SEARCH)]


def test_a_search_that_finds_nobody_logs_nothing(client, household, caseworker):
    assert read(client, caseworker, reverse("staff:person_list") + "?q=Finnsinte") == []


def test_only_the_persons_on_the_current_page_are_logged(client, caseworker, municipality):
    PersonFactory.create_batch(30, municipality=municipality)
    rows = read(client, caseworker, reverse("staff:person_list") + "?page=2")
    assert len(rows) == 5


def test_household_list_logs_the_adults_it_shows(client, household, caseworker):
    rows = read(client, caseworker, reverse("staff:household_list"))
    adults = {m.person_id for m in household.members.filter(role__in=["applicant", "partner"])}
    assert {r.person_id for r in rows} == adults
    assert {r.target for r in rows} == {"staff:household_list"}


def test_household_detail_logs_every_member_shown(client, household, caseworker):
    rows = read(client, caseworker, reverse("staff:household_detail", args=[household.pk]))
    assert {r.person_id for r in rows} == set(household.members.values_list("person_id", flat=True))
    assert len(rows) == 4


def test_reading_the_access_log_is_itself_logged_as_a_review(client, household, caseworker, municipality):
    person = household.members.first().person
    client.force_login(caseworker)
    client.get(reverse("staff:person_detail", args=[person.pk]))
    manager = user_with_role(Role.MANAGER, municipality)
    rows = read(client, manager, reverse("staff:access_log") + f"?person={person.pk}")
    assert {(r.person_id, r.purpose, r.target) for r in rows} == {(person.pk, AccessPurpose.ACCESS_REVIEW, "staff:access_log")}


def test_pages_that_are_refused_log_nothing(client, household, municipality):
    other = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    client.force_login(other)
    before = AccessLog.objects.count()
    person = household.members.first().person
    assert client.get(reverse("staff:person_detail", args=[person.pk])).status_code == 404
    assert AccessLog.objects.count() == before


def test_admin_pages_that_show_persons_are_logged(client, household, municipality):
    user = user_with_role(Role.CASEWORKER, municipality)
    user.is_staff = True
    user.save()
    user = get_user_model().objects.get(pk=user.pk)
    person = household.members.first().person
    rows = read(client, user, reverse("admin:people_person_change", args=[person.pk]))
    assert [(r.person, r.action, r.target, r.purpose) for r in rows] == [
        (person, AccessAction.VIEW, "admin:people_person_change", AccessPurpose.ADMINISTRATION)
    ]
    rows = read(client, user, reverse("admin:people_person_changelist"))
    assert {r.person_id for r in rows} == set(Person.objects.filter(municipality=municipality).values_list("pk", flat=True))
    rows = read(client, user, reverse("admin:people_household_change", args=[household.pk]))
    assert {r.person_id for r in rows} == set(household.members.values_list("person_id", flat=True))
    rows = read(client, user, reverse("admin:people_householdmember_changelist"))
    assert {r.person_id for r in rows} == set(household.members.values_list("person_id", flat=True))


def test_log_access_writes_each_person_once_and_checks_its_arguments(household, caseworker):
    person = household.members.first().person
    rows = log_access(user=caseworker, persons=[person, person], target="export:test", action=AccessAction.EXPORT)
    assert len(rows) == 1 and rows[0].action == AccessAction.EXPORT
    assert log_access(user=caseworker, persons=[], target="x") == []
    with pytest.raises(ValueError):
        log_access(user=caseworker, persons=[person], target="x", action="peek")
    with pytest.raises(ValueError):
        log_access(user=caseworker, persons=[person], target="x", purpose="curiosity")


def test_the_audit_logger_line_has_ids_but_no_names_or_numbers(household, caseworker, caplog):
    person = household.members.first().person
    with caplog.at_level(logging.INFO, logger="bistand.audit"):
        log_access(user=caseworker, persons=[person], target="staff:person_detail")
    (record,) = [r for r in caplog.records if r.name == "bistand.audit"]
    line = record.getMessage()
    assert line.startswith("access ") and f"person_ids={person.pk}" in line and f"user_id={caseworker.pk}" in line
    assert person.last_name not in line and person.personnummer not in line
    assert record.audit_event == "access"
    assert record.audit_fields["person_ids"] == [person.pk]


def test_rows_are_written_even_when_audit_logging_is_switched_off(household, caseworker):
    logger = logging.getLogger("bistand.audit")
    old_level, logger.level = logger.level, logging.CRITICAL
    try:
        rows = log_access(user=caseworker, persons=[household.members.first().person], target="x")
    finally:
        logger.setLevel(old_level)
    assert len(rows) == 1 and AccessLog.objects.filter(pk=rows[0].pk).exists()
