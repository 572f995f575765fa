"""The admin for persons and households is scoped like the staff pages."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, PersonFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def staff_user(municipality):
    user = user_with_role(Role.CASEWORKER, municipality)
    user.is_staff = True
    user.save()
    return get_user_model().objects.get(pk=user.pk)


def autocomplete(client, model_name, field_name, term):
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "people", "model_name": model_name, "field_name": field_name, "term": term,
    })
    assert response.status_code == 200
    return [item["id"] for item in json.loads(response.content)["results"]]


def test_the_person_autocomplete_finds_only_the_municipalitys_persons(client, municipality, staff_user):
    own = PersonFactory(municipality=municipality, last_name="Lindqvist", search_name="x lindqvist")
    stranger = PersonFactory(municipality=MunicipalityFactory(), last_name="Lindqvist", search_name="y lindqvist")
    client.force_login(staff_user)
    assert autocomplete(client, "householdmember", "person", "lindqvist") == [str(own.pk)]
    assert autocomplete(client, "householdmember", "person", stranger.personnummer) == []


def test_the_household_autocomplete_finds_only_the_municipalitys_households(client, municipality, staff_user):
    own = household_with_members(municipality)
    stranger = household_with_members(MunicipalityFactory())
    client.force_login(staff_user)
    assert autocomplete(client, "householdmember", "household", str(own.pk)) == [str(own.pk)]
    assert autocomplete(client, "householdmember", "household", str(stranger.pk)) == []
    assert autocomplete(client, "householdmember", "household", "abc") == []


def test_the_person_admin_lists_only_the_municipalitys_persons(client, municipality, staff_user):
    own = PersonFactory(municipality=municipality)
    PersonFactory(municipality=MunicipalityFactory())
    client.force_login(staff_user)
    response = client.get(reverse("admin:people_person_changelist"))
    assert [p.pk for p in response.context["cl"].result_list] == [own.pk]


def test_a_superuser_sees_every_municipality_in_the_admin(client, municipality):
    PersonFactory(municipality=municipality)
    PersonFactory(municipality=MunicipalityFactory())
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.se", "x"))
    assert client.get(reverse("admin:people_person_changelist")).context["cl"].result_count == 2


def test_a_household_member_cannot_be_added_for_another_municipalitys_household(client, municipality, staff_user):
    stranger_household = household_with_members(MunicipalityFactory())
    own_person = PersonFactory(municipality=municipality)
    client.force_login(staff_user)
    response = client.post(reverse("admin:people_householdmember_add"), {
        "household": stranger_household.pk, "person": own_person.pk, "role": "child", "valid_from": "2024-01-01",
    })
    assert response.status_code == 200
    assert not own_person.household_memberships.exists()
