"""The scoping helper: person-level rows of the current municipality only, and none for roles that
must never see person-level data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from bistand.people.models import Household, HouseholdMember, Person
from bistand.tenancy import scoping
from bistand.tenancy.context_processors import tenancy as tenancy_context
from bistand.tenancy.current import SESSION_KEY, for_request, get_state
from bistand.tenancy.models import Membership, Unit
from bistand.tenancy.roles import Role
from tests.factories import (
    MunicipalityFactory,
    RegionFactory,
    UserFactory,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities():
    home, other = MunicipalityFactory(name="Hemby"), MunicipalityFactory(name="Grannby")
    household_with_members(home, adults=2, children=1)
    household_with_members(other, adults=1, children=2)
    return home, other


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("model", [Person, Household, HouseholdMember])
def test_staff_roles_see_exactly_their_municipalitys_rows(two_municipalities, role, model):
    home, other = two_municipalities
    user = user_with_role(role, home)
    path = scoping.municipality_path(model)
    expected = ids(model.objects.filter(**{path: home}))
    assert expected and ids(scoping.scoped(model.objects.all(), user)) == expected


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.REGIONAL_COORDINATOR])
def test_researchers_and_regional_coordinators_get_no_person_level_rows(two_municipalities, role):
    home, _ = two_municipalities
    home.region = RegionFactory()
    home.save()
    user = user_with_role(role, home, region=home.region)
    for model in scoping.person_level_models():
        assert not scoping.scoped(model._default_manager.all(), user).exists()


def test_anonymous_inactive_and_roleless_users_get_nothing(two_municipalities):
    home, _ = two_municipalities
    inactive = user_with_role(Role.CASEWORKER, home)
    inactive.is_active = False
    for user in (None, AnonymousUser(), inactive, UserFactory()):
        assert not scoping.scoped(Person.objects.all(), user).exists()


def test_superusers_see_every_row(two_municipalities):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert scoping.scoped(Person.objects.all(), admin).count() == Person.objects.count()


def test_a_user_in_two_municipalities_sees_nothing_until_choosing_and_then_only_the_chosen(two_municipalities, client):
    home, other = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    Membership.objects.create(user=user, role=Role.CASEWORKER, municipality=other)
    assert get_state(user).must_choose
    assert not scoping.scoped(Person.objects.all(), user).exists()

    client.force_login(user)
    response = client.get(reverse("staff:person_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tenancy:choose_municipality"))

    response = client.post(reverse("tenancy:choose_municipality"), {"municipality": other.pk, "next": "/handlaggning/personer/"})
    assert response.status_code == 302 and response["Location"] == "/handlaggning/personer/"
    assert client.session[SESSION_KEY] == other.pk
    listing = client.get(reverse("staff:person_list"))
    shown = {row.pk for row in listing.context["rows"]}
    assert shown == ids(Person.objects.filter(municipality=other))


def test_choosing_a_municipality_without_a_role_there_is_refused(two_municipalities, client):
    home, other = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    Membership.objects.create(user=user, role=Role.CASEWORKER, municipality=MunicipalityFactory())
    client.force_login(user)
    response = client.post(reverse("tenancy:choose_municipality"), {"municipality": other.pk})
    assert response.status_code == 400
    assert "Välj en av kommunerna" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_chooser_does_not_redirect_to_other_sites(two_municipalities, client):
    home, _ = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    client.force_login(user)
    response = client.post(reverse("tenancy:choose_municipality"), {"municipality": home.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/handlaggning/"


def test_a_stale_session_choice_is_ignored(two_municipalities, client):
    home, other = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = other.pk  # e.g. the role in the other municipality was taken away
    session.save()
    listing = client.get(reverse("staff:person_list"))
    assert {row.pk for row in listing.context["rows"]} == ids(Person.objects.filter(municipality=home))


def test_an_unregistered_model_cannot_be_scoped():
    with pytest.raises(ImproperlyConfigured, match="tenancy.Unit"):
        scoping.scoped(Unit.objects.all(), UserFactory())


def test_a_model_cannot_be_registered_with_two_paths():
    with pytest.raises(ImproperlyConfigured):
        scoping.register("household__municipality")(Person)


def test_get_scoped_or_404_answers_the_same_for_missing_and_foreign_rows(two_municipalities):
    home, other = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    foreign = Person.objects.filter(municipality=other).first()
    own = Person.objects.filter(municipality=home).first()
    assert scoping.get_scoped_or_404(Person.objects.all(), user, pk=own.pk) == own
    for pk in (foreign.pk, 10**9):
        with pytest.raises(Http404):
            scoping.get_scoped_or_404(Person.objects.all(), user, pk=pk)


def test_services_refuse_to_act_in_another_municipality(two_municipalities):
    home, other = two_municipalities
    user = user_with_role(Role.CASEWORKER, home)
    scoping.check_can_act_in(user, home.pk)
    scoping.check_can_act_in(None, other.pk)  # the system itself
    with pytest.raises(PermissionDenied):
        scoping.check_can_act_in(user, other.pk)
    with pytest.raises(PermissionDenied):
        scoping.check_can_act_in(user_with_role(Role.RESEARCHER, home), home.pk)


def test_templates_get_the_current_municipality(two_municipalities):
    home, _ = two_municipalities
    request = RequestFactory().get("/")
    request.user = user_with_role(Role.CASEWORKER, home)
    request.session = {}
    context = tenancy_context(request)
    assert context["current_municipality"] == home
    assert context["bistand_version"]
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert tenancy_context(anonymous)["current_municipality"] is None
    assert for_request(anonymous).municipality is None


def test_every_page_shows_where_the_user_works(two_municipalities, client):
    home, _ = two_municipalities
    client.force_login(user_with_role(Role.CASEWORKER, home))
    assert ", Hemby" in client.get(reverse("staff:home")).content.decode()
