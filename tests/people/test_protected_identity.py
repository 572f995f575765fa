"""Protected identity (skyddad identitet): name and address hidden from everyone without the specific
permission, on every page, list and admin screen, and not findable by name."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bistand.audit.models import AuditEvent
from bistand.people.models import Person
from bistand.people.presenters import PROTECTED_TEXT, present_person
from bistand.people.selectors import search_persons
from bistand.people.services import update_person
from bistand.tenancy.roles import Role
from tests.factories import (
    AccessLogFactory,
    HouseholdMemberFactory,
    MunicipalityFactory,
    PersonFactory,
    grant_protected_identity,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db

SECRETS = ["Hemlighetsson", "Sigrid", "Gömda gränd 4", "Undangömd", "c/o Skyddsvärn"]


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def protected(municipality):
    person = PersonFactory(municipality=municipality, first_name="Sigrid", last_name="Hemlighetsson",
                           street_address="Gömda gränd 4", care_of="Skyddsvärn", postal_code="55999",
                           postal_town="Undangömd", protected_identity=True)
    household = household_with_members(municipality, adults=1)
    HouseholdMemberFactory(household=household, person=person, role="partner")
    return person


def assert_hidden(content: str):
    for secret in SECRETS:
        assert secret not in content, secret


def assert_shown(content: str):
    assert "Sigrid" in content and "Hemlighetsson" in content


def staff_pages(person) -> list[str]:
    household = person.household_memberships.first().household
    return [
        reverse("staff:person_list"),
        reverse("staff:person_list") + f"?q={person.personnummer}",
        reverse("staff:person_detail", args=[person.pk]),
        reverse("staff:household_list"),
        reverse("staff:household_detail", args=[household.pk]),
        reverse("staff:access_log"),
        reverse("staff:access_log") + f"?person={person.pk}",
    ]


def test_presenter_hides_name_and_address_without_the_permission(protected, municipality):
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    view = present_person(protected, caseworker)
    assert view.hidden and view.display_name == PROTECTED_TEXT
    assert view.address_lines == [PROTECTED_TEXT]
    assert view.first_name == view.last_name == view.street_address == view.postal_code == ""
    assert view.personnummer.replace("-", "") == protected.personnummer  # the number is still shown
    assert PROTECTED_TEXT in str(view) and "Sigrid" not in str(view)


def test_presenter_shows_them_with_the_permission(protected, municipality):
    allowed = grant_protected_identity(user_with_role(Role.CASEWORKER, municipality))
    view = present_person(protected, allowed)
    assert not view.hidden and view.display_name == "Sigrid Hemlighetsson"
    assert view.address_lines == ["c/o Skyddsvärn", "Gömda gränd 4", "559 99 Undangömd"]


def test_str_of_a_person_never_contains_the_name(protected):
    assert "Sigrid" not in str(protected) and "Hemlighetsson" not in str(protected)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.MANAGER])
def test_every_staff_page_hides_the_protected_identity(client, protected, municipality, role):
    user = user_with_role(role, municipality)
    AccessLogFactory(person=protected, user=user)
    client.force_login(user)
    for url in staff_pages(protected):
        response = client.get(url)
        if response.status_code == 403:  # the role may not see that page at all
            continue
        assert response.status_code == 200, url
        content = response.content.decode()
        assert_hidden(content)
        assert PROTECTED_TEXT in content, url


def test_staff_pages_show_the_identity_to_a_user_with_the_permission(client, protected, municipality):
    manager = grant_protected_identity(user_with_role(Role.MANAGER, municipality))
    AccessLogFactory(person=protected, user=manager)
    client.force_login(manager)
    for url in staff_pages(protected):
        assert_shown(client.get(url).content.decode())


def test_searching_by_name_does_not_find_a_protected_person_without_the_permission(protected, municipality):
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    assert not search_persons(caseworker, "Hemlighetsson").exists()
    assert not search_persons(caseworker, "sigrid").exists()
    assert list(search_persons(caseworker, protected.personnummer)) == [protected]
    allowed = grant_protected_identity(user_with_role(Role.CASEWORKER, municipality))
    assert list(search_persons(allowed, "hemlighetsson")) == [protected]


def test_list_order_does_not_hint_at_the_protected_name(municipality):
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    PersonFactory(municipality=municipality, last_name="Andersson")
    PersonFactory(municipality=municipality, last_name="Öberg")
    hidden = PersonFactory(municipality=municipality, last_name="Berg", protected_identity=True)
    ordered = list(search_persons(caseworker, ""))
    assert ordered[-1] == hidden  # last, not between Andersson and Öberg


def test_a_protected_person_cannot_be_edited_without_the_permission(client, protected, municipality):
    client.force_login(user_with_role(Role.CASEWORKER, municipality))
    url = reverse("staff:person_edit", args=[protected.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"first_name": "X"}).status_code == 403
    detail = client.get(reverse("staff:person_detail", args=[protected.pk])).content.decode()
    assert url not in detail  # no edit link


def test_the_edit_page_works_with_the_permission(client, protected, municipality):
    client.force_login(grant_protected_identity(user_with_role(Role.CASEWORKER, municipality)))
    response = client.get(reverse("staff:person_edit", args=[protected.pk]))
    assert response.status_code == 200
    assert_shown(response.content.decode())


@pytest.fixture
def admin_user(municipality):
    """A case worker who may also use the Django admin (so the admin shows persons)."""
    user = user_with_role(Role.CASEWORKER, municipality)
    user.is_staff = True
    user.save()
    return get_user_model().objects.get(pk=user.pk)


def test_the_admin_hides_the_protected_identity_in_lists_and_forms(client, protected, admin_user):
    client.force_login(admin_user)
    pages = [
        reverse("admin:people_person_changelist"),
        reverse("admin:people_person_changelist") + f"?q={protected.personnummer}",
        reverse("admin:people_person_change", args=[protected.pk]),
        reverse("admin:people_household_change", args=[protected.household_memberships.first().household_id]),
        reverse("admin:people_householdmember_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hidden(response.content.decode())
    change = client.get(reverse("admin:people_person_change", args=[protected.pk])).content.decode()
    assert "skyddad identitet" in change
    assert 'name="first_name"' not in change


def test_the_admin_does_not_let_a_protected_person_be_changed_without_the_permission(client, protected, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:people_person_change", args=[protected.pk])
    client.post(url, {"municipality": protected.municipality_id, "personnummer": protected.personnummer,
                      "first_name": "Avslöjad", "last_name": "X", "protected_identity": ""})
    protected.refresh_from_db()
    assert protected.protected_identity and protected.first_name == "Sigrid"


def test_the_admin_name_search_does_not_find_protected_persons(client, protected, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:people_person_changelist") + "?q=Hemlighetsson")
    assert response.context["cl"].result_count == 0


def test_the_admin_shows_the_identity_with_the_permission(client, protected, admin_user):
    client.force_login(grant_protected_identity(admin_user))
    assert_shown(client.get(reverse("admin:people_person_changelist")).content.decode())
    assert_shown(client.get(reverse("admin:people_person_change", args=[protected.pk])).content.decode())


def test_audit_event_values_of_a_protected_person_are_masked_in_the_admin(client, protected, municipality):
    editor = grant_protected_identity(user_with_role(Role.CASEWORKER, municipality))
    update_person(actor=editor, person=protected, data={"street_address": "Gömda gränd 4 B"})
    event = AuditEvent.objects.get(model="people.person", object_id=str(protected.pk))
    assert event.sensitive and event.changes["street_address"]["old"] == "Gömda gränd 4"

    superuser = get_user_model().objects.create_superuser("root", "root@example.se", "x")
    reviewer = user_with_role(Role.ADMIN, municipality)  # may read audit events, not protected identities
    client.force_login(reviewer)
    page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).content.decode()
    assert "Gömda gränd 4" not in page and PROTECTED_TEXT in page
    client.force_login(superuser)  # a superuser has every permission, this one included
    assert "Gömda gränd 4 B" in client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).content.decode()


def test_person_model_lists_the_fields_it_protects():
    assert {"first_name", "last_name", "street_address", "postal_code", "postal_town", "care_of"} <= set(Person.PROTECTED_FIELDS)
