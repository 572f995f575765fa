"""Every change writes an audit event with who, what, where and the old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bistand.audit.models import AccessLog, AuditEvent
from bistand.audit.services import diff, display_name, record_change, snapshot
from bistand.people import personnummer as pnr
from bistand.people.models import Person
from bistand.tenancy.models import Membership, Unit
from bistand.tenancy.roles import Role
from tests.factories import (
    AccessLogFactory,
    HouseholdFactory,
    MunicipalityFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def latest_event(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-pk").first()


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.se", "x", first_name="Rut", last_name="Root")


def staff_caseworker(municipality):
    user = user_with_role(Role.CASEWORKER, municipality)
    user.is_staff = True
    user.save()
    return get_user_model().objects.get(pk=user.pk)


def test_the_staff_edit_page_writes_old_and_new_values(client, municipality):
    person = PersonFactory(municipality=municipality, first_name="Karl", last_name="Berg", postal_town="Gislaved")
    user = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(user)
    response = client.post(reverse("staff:person_edit", args=[person.pk]), {
        "personnummer": person.personnummer, "first_name": "Karl", "last_name": "Berg",
        "street_address": person.street_address, "postal_code": person.postal_code, "postal_town": "Jönköping",
    })
    assert response.status_code == 302
    event = latest_event(model="people.person", object_id=str(person.pk))
    assert event.action == "update" and event.user == user and event.municipality == municipality
    assert event.changes == {"postal_town": {"old": "Gislaved", "new": "Jönköping"}}


def test_admin_changes_to_a_person_go_through_the_service(client, municipality):
    person = PersonFactory(municipality=municipality, first_name="Karl")
    user = staff_caseworker(municipality)
    client.force_login(user)
    response = client.post(reverse("admin:people_person_change", args=[person.pk]), {
        "personnummer": person.personnummer, "first_name": "Carl", "last_name": person.last_name,
        "care_of": "", "street_address": "", "postal_code": "", "postal_town": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    event = latest_event(model="people.person", object_id=str(person.pk))
    assert event.user == user
    assert event.changes["first_name"] == {"old": "Karl", "new": "Carl"}
    assert event.changes["street_address"]["new"] == ""


def test_admin_refuses_a_wrong_personnummer_with_the_service_message(client, municipality):
    user = staff_caseworker(municipality)
    client.force_login(user)
    response = client.post(reverse("admin:people_person_add"), {
        "municipality": municipality.pk, "personnummer": "19850312-9999", "first_name": "A", "last_name": "B",
    })
    assert response.status_code == 200
    assert "Kontrollsiffran" in response.content.decode()
    assert not Person.objects.exists()


def test_admin_can_add_a_person_in_its_own_municipality_only(client, municipality):
    user = staff_caseworker(municipality)
    client.force_login(user)
    number = pnr.test_number(dt.date(1980, 1, 2), 4)
    data = {"personnummer": number.ten_digit(), "first_name": "Ny", "last_name": "Person"}
    other = MunicipalityFactory()
    response = client.post(reverse("admin:people_person_add"), {**data, "municipality": other.pk})
    assert response.status_code == 200 and not Person.objects.exists()  # not a valid choice
    response = client.post(reverse("admin:people_person_add"), {**data, "municipality": municipality.pk})
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.personnummer == number.normalised and person.municipality == municipality
    assert latest_event(model="people.person").action == "create"


def test_admin_household_member_changes_are_audited_and_validated(client, municipality):
    household = household_with_members(municipality, adults=1)
    member = household.members.get()
    user = staff_caseworker(municipality)
    client.force_login(user)
    url = reverse("admin:people_householdmember_change", args=[member.pk])
    response = client.post(url, {"role": "applicant", "valid_from": "2024-01-01", "valid_to": "2023-12-31"})
    assert response.status_code == 200 and "Slutdatumet" in response.content.decode()
    response = client.post(url, {"role": "applicant", "valid_from": "2024-01-01", "valid_to": "2024-12-31"})
    assert response.status_code == 302
    assert latest_event(model="people.householdmember").changes == {"valid_to": {"old": None, "new": "2024-12-31"}}


def test_admin_changes_to_units_and_roles_are_audited(client, municipality, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:tenancy_unit_add"), {"municipality": municipality.pk, "name": "Öster"})
    assert response.status_code == 302
    unit = Unit.objects.get(name="Öster")
    event = latest_event(model="tenancy.unit", object_id=str(unit.pk))
    assert event.action == "create" and event.changes["name"] == {"old": None, "new": "Öster"}
    assert event.user_display_name == "Rut Root (root)"

    client.post(reverse("admin:tenancy_unit_change", args=[unit.pk]), {"municipality": municipality.pk, "name": "Väster"})
    assert latest_event(model="tenancy.unit").changes == {"name": {"old": "Öster", "new": "Väster"}}

    client.post(reverse("admin:tenancy_unit_delete", args=[unit.pk]), {"post": "yes"})
    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert latest_event(model="tenancy.unit").action == "delete"

    user = UserFactory()
    response = client.post(reverse("admin:tenancy_membership_add"), {"user": user.pk, "role": Role.ADMIN, "municipality": municipality.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert latest_event(model="tenancy.membership", object_id=str(membership.pk)).changes["role"]["new"] == "admin"
    user.refresh_from_db()
    assert user.is_staff


def test_a_municipal_administrator_manages_only_its_own_municipality(client, municipality):
    admin = user_with_role(Role.ADMIN, municipality)
    other = MunicipalityFactory()
    UnitFactory(municipality=other, name="Främmande enhet")
    client.force_login(admin)
    listing = client.get(reverse("admin:tenancy_unit_changelist")).content.decode()
    assert "Främmande enhet" not in listing
    newcomer = UserFactory()
    response = client.post(reverse("admin:tenancy_membership_add"), {"user": newcomer.pk, "role": Role.CASEWORKER, "municipality": other.pk})
    assert response.status_code == 200 and not Membership.objects.filter(user=newcomer).exists()
    response = client.post(reverse("admin:tenancy_membership_add"), {"user": newcomer.pk, "role": Role.REGIONAL_COORDINATOR, "municipality": municipality.pk})
    assert response.status_code == 200 and not Membership.objects.filter(user=newcomer).exists()
    response = client.post(reverse("admin:tenancy_membership_add"), {"user": newcomer.pk, "role": Role.CASEWORKER, "municipality": municipality.pk})
    assert response.status_code == 302


def test_a_municipal_administrator_cannot_make_anyone_a_superuser(client, municipality):
    admin = user_with_role(Role.ADMIN, municipality)
    colleague = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(admin)
    page = client.get(reverse("admin:auth_user_change", args=[colleague.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    response = client.post(reverse("admin:auth_user_change", args=[colleague.pk]), {
        "username": colleague.username, "is_superuser": "on", "is_staff": "on", "is_active": "on",
    })
    assert response.status_code == 302  # saved, but without the fields the administrator may not set
    colleague.refresh_from_db()
    assert not colleague.is_staff
    assert not colleague.is_superuser
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    assert client.get(reverse("admin:auth_user_change", args=[stranger.pk])).status_code == 302  # not found


def test_nobody_can_change_or_delete_the_audit_trail_in_the_admin(client, superuser, municipality):
    row = AccessLogFactory(person=PersonFactory(municipality=municipality))
    event = AuditEvent.objects.create(user_display_name="x", action="update", model="people.person", object_id="1")
    client.force_login(superuser)
    assert client.post(reverse("admin:audit_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists() and AuditEvent.objects.filter(pk=event.pk).exists()
    page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split('id="content-main"')[1].split("</form>")[0]


def test_diff_and_snapshot_record_foreign_keys_by_id_and_dates_as_text(municipality):
    household = HouseholdFactory(municipality=municipality)
    assert snapshot(household, ["municipality", "unit"]) == {"municipality": municipality.pk, "unit": None}
    assert diff({"a": 1, "b": dt.date(2024, 1, 1).isoformat()}, {"a": 1, "b": "2024-02-01", "c": True}) == {
        "b": {"old": "2024-01-01", "new": "2024-02-01"},
        "c": {"old": None, "new": True},
    }


def test_an_update_without_changes_writes_nothing_and_unknown_actions_are_refused(municipality):
    unit = UnitFactory(municipality=municipality)
    assert record_change(user=None, action="update", instance=unit, municipality_id=municipality.pk, changes={}) is None
    with pytest.raises(ValueError):
        record_change(user=None, action="rename", instance=unit, municipality_id=municipality.pk, changes={"a": {}})


def test_display_name_of_the_system_and_of_users():
    assert display_name(None) == "Systemet"
    assert display_name(UserFactory(username="anna", first_name="", last_name="")) == "anna"


def test_granting_the_protected_identity_permission_in_the_admin_is_audited(client, superuser, municipality):
    from django.contrib.auth.models import Permission

    colleague = user_with_role(Role.CASEWORKER, municipality)
    permission = Permission.objects.get(codename="view_protected_identity")
    client.force_login(superuser)
    response = client.post(reverse("admin:auth_user_change", args=[colleague.pk]), {
        "username": colleague.username, "is_active": "on", "user_permissions": [permission.pk],
        "date_joined_0": "2025-01-01", "date_joined_1": "08:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    event = latest_event(model="auth.user", object_id=str(colleague.pk))
    assert event.changes == {"user_permissions": {"old": [], "new": ["people.view_protected_identity"]}}
    assert event.user == superuser
