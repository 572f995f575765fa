"""The audit pages of the Django admin show person data only to roles that may see people, and log
every read of it; a municipality's administrator sees its own municipality's events only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bistand.audit.models import AccessLog
from bistand.tenancy.roles import Role
from tests.factories import (
    PASSWORD,
    AccessLogFactory,
    AuditEventFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    MunicipalityFactory,
    PersonFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def person(municipality):
    return PersonFactory(municipality=municipality, first_name="Hemlig", last_name="Personsson")


@pytest.fixture
def person_event(municipality, person):
    return AuditEventFactory(municipality=municipality, model="people.person", object_id=str(person.pk), changes={
        "personnummer": {"old": None, "new": person.personnummer},
        "first_name": {"old": "", "new": "Hemlig"},
    })


@pytest.fixture
def superuser(client):
    return get_user_model().objects.create_superuser("root", "root@example.se", PASSWORD)


def test_an_administrator_without_view_person_sees_no_personnummer_or_name_in_an_audit_event(
        client, municipality, person, person_event):
    client.force_login(user_with_role(Role.ADMIN, municipality))
    response = client.get(reverse("admin:audit_auditevent_change", args=[person_event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.personnummer not in html and "Hemlig" not in html
    assert "personnummer" in html  # which field changed is still shown


def test_a_personnummer_in_an_event_of_another_model_is_hidden_too(client, municipality, person):
    event = AuditEventFactory(municipality=municipality, model="tenancy.unit", object_id="1",
                              changes={"note": {"old": "", "new": f"ringde om {person.personnummer}"}})
    client.force_login(user_with_role(Role.ADMIN, municipality))
    html = client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).content.decode()
    assert person.personnummer not in html


def test_reading_an_audit_event_with_person_data_writes_an_access_log_row(client, superuser, person, person_event):
    client.force_login(superuser)
    response = client.get(reverse("admin:audit_auditevent_change", args=[person_event.pk]))
    html = response.content.decode()
    assert person.personnummer in html
    row = AccessLog.objects.get(person=person, user=superuser)
    assert row.target == "admin:audit_auditevent_change"


def test_the_persons_an_event_refers_to_by_id_are_logged(client, superuser, municipality, person):
    member = HouseholdMemberFactory(household=HouseholdFactory(municipality=municipality), person=person)
    event = AuditEventFactory(municipality=municipality, model="people.householdmember", object_id=str(member.pk),
                              changes={"person": {"old": None, "new": person.pk}})
    client.force_login(superuser)
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert AccessLog.objects.filter(person=person, target="admin:audit_auditevent_change").exists()


def test_an_administrator_sees_only_its_own_municipalitys_audit_events(client, municipality, person_event):
    other = AuditEventFactory(municipality=MunicipalityFactory())
    client.force_login(user_with_role(Role.ADMIN, municipality))
    listed = client.get(reverse("admin:audit_auditevent_changelist"))
    pks = {e.pk for e in listed.context["cl"].result_list}
    assert person_event.pk in pks and other.pk not in pks
    assert client.get(reverse("admin:audit_auditevent_change", args=[other.pk])).status_code == 302


def test_the_access_log_admin_shows_no_personnummer_or_name_without_view_person(client, municipality, person):
    row = AccessLogFactory(person=person)
    client.force_login(user_with_role(Role.ADMIN, municipality))
    for url in (reverse("admin:audit_accesslog_changelist"), reverse("admin:audit_accesslog_change", args=[row.pk])):
        html = client.get(url).content.decode()
        assert person.personnummer not in html and "Hemlig" not in html, url
    searched = client.get(reverse("admin:audit_accesslog_changelist"), {"q": person.personnummer})
    assert list(searched.context["cl"].result_list) == []


def test_the_access_log_admin_logs_what_a_manager_with_view_person_sees(client, municipality, person):
    AccessLogFactory(person=person)
    manager = user_with_role(Role.MANAGER, municipality, is_staff=True)
    client.force_login(manager)
    html = client.get(reverse("admin:audit_accesslog_changelist")).content.decode()
    assert person.personnummer in html
    assert AccessLog.objects.filter(person=person, user=manager, target="admin:audit_accesslog_changelist").exists()
