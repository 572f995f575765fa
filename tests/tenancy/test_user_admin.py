"""A municipality's administrator manages, in the Django admin, only users whose every role is in
municipalities the administrator administers: never superusers, never staff without a role, never a
user who also has a role elsewhere (whose account would then open another municipality's people).
Account changes are audited in every municipality the user belongs to."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bistand.audit.models import AuditEvent
from bistand.tenancy.roles import Role
from bistand.tenancy.services import add_membership
from tests.factories import PASSWORD, MunicipalityFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def here():
    return MunicipalityFactory()


@pytest.fixture
def elsewhere():
    return MunicipalityFactory()


@pytest.fixture
def admin_here(client, here):
    admin_user = user_with_role(Role.ADMIN, here, username="admin.here")
    client.force_login(admin_user)
    return admin_user


@pytest.fixture
def both(here, elsewhere):
    """A case worker in this municipality who is also a case worker in another one."""
    user = user_with_role(Role.CASEWORKER, here, username="in.both")
    add_membership(actor=None, user=user, role=Role.CASEWORKER, municipality=elsewhere)
    return user


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root", "root@example.se", PASSWORD)


@pytest.fixture
def staff_without_role():
    return UserFactory(username="staff.norole", is_staff=True)


@pytest.fixture
def local(here):
    return user_with_role(Role.CASEWORKER, here, username="only.here")


def _change_data(user, **overrides):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_user_list_shows_only_users_whose_every_role_is_here(client, admin_here, local, both, superuser,
                                                                 staff_without_role):
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    shown = {u.username for u in response.context["cl"].result_list}
    assert "only.here" in shown and "admin.here" in shown
    assert not shown & {"in.both", "root", "staff.norole"}


@pytest.mark.parametrize("target", ["both", "superuser", "staff_without_role"])
def test_the_change_form_of_a_user_outside_reach_is_not_shown(client, admin_here, target, request):
    user = request.getfixturevalue(target)
    response = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert response.status_code in (302, 403, 404)
    assert response.status_code != 200


@pytest.mark.parametrize("target", ["both", "superuser", "staff_without_role"])
def test_a_posted_change_of_a_user_outside_reach_changes_nothing(client, admin_here, target, request):
    user = request.getfixturevalue(target)
    client.post(reverse("admin:auth_user_change", args=[user.pk]),
                _change_data(user, first_name="Övertagen", email="attacker@example.se", is_active=None))
    user.refresh_from_db()
    assert user.first_name != "Övertagen" and user.email != "attacker@example.se" and user.is_active


def test_a_password_change_of_a_user_with_a_role_elsewhere_is_refused_with_a_swedish_message(client, admin_here, both):
    url = reverse("admin:auth_user_password_change", args=[both.pk])
    shown = client.get(url)
    assert shown.status_code == 403
    assert "Du kan inte ändra lösenordet för det här kontot" in shown.content.decode()
    posted = client.post(url, {"password1": "Ny-hemlig-1234!", "password2": "Ny-hemlig-1234!"})
    assert posted.status_code == 403
    assert "Du kan inte ändra lösenordet för det här kontot" in posted.content.decode()
    both.refresh_from_db()
    assert both.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(model="auth.user", object_id=str(both.pk)).exists()


def test_the_change_form_of_a_user_with_a_role_elsewhere_is_refused_with_a_swedish_message(client, admin_here, both):
    response = client.get(reverse("admin:auth_user_change", args=[both.pk]))
    assert response.status_code == 403
    assert "Du kan inte ändra det här kontot" in response.content.decode()


@pytest.mark.parametrize("target", ["superuser", "staff_without_role"])
def test_the_password_of_a_superuser_or_staff_without_role_cannot_be_changed_and_is_not_revealed(
        client, admin_here, target, request):
    user = request.getfixturevalue(target)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"password1": "Ny-hemlig-1234!", "password2": "Ny-hemlig-1234!"}).status_code == 404
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_administrator_changes_a_local_users_password_and_it_is_audited_here(client, admin_here, local, here):
    response = client.post(reverse("admin:auth_user_password_change", args=[local.pk]),
                           {"password1": "Ny-hemlig-1234!", "password2": "Ny-hemlig-1234!"})
    assert response.status_code == 302
    local.refresh_from_db()
    assert local.check_password("Ny-hemlig-1234!")
    event = AuditEvent.objects.get(model="auth.user", object_id=str(local.pk))
    assert event.municipality_id == here.pk and "password" in event.changes


def test_an_administrator_changes_a_local_user_and_it_is_audited_here(client, admin_here, local, here):
    response = client.post(reverse("admin:auth_user_change", args=[local.pk]),
                           _change_data(local, first_name="Nytt"))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(model="auth.user", object_id=str(local.pk), action="update")
    assert event.municipality_id == here.pk
    assert event.changes["first_name"] == {"old": local.first_name, "new": "Nytt"}


def test_a_change_of_a_user_in_two_municipalities_is_audited_in_both(client, here, elsewhere, both):
    root = User.objects.create_superuser("root2", "root2@example.se", PASSWORD)
    client.force_login(root)
    response = client.post(reverse("admin:auth_user_change", args=[both.pk]), _change_data(
        both, last_name="Ny", date_joined_0=both.date_joined.strftime("%Y-%m-%d"), date_joined_1="12:00:00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    events = AuditEvent.objects.filter(model="auth.user", object_id=str(both.pk), action="update")
    assert {e.municipality_id for e in events} == {here.pk, elsewhere.pk}
    client.force_login(user_with_role(Role.ADMIN, elsewhere))
    listed = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listed.status_code == 200
    assert any(e.object_id == str(both.pk) for e in listed.context["cl"].result_list)


def test_a_password_change_of_a_user_in_two_municipalities_is_audited_in_both(client, here, elsewhere, both):
    root = User.objects.create_superuser("root3", "root3@example.se", PASSWORD)
    client.force_login(root)
    response = client.post(reverse("admin:auth_user_password_change", args=[both.pk]),
                           {"password1": "Ny-hemlig-1234!", "password2": "Ny-hemlig-1234!"})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(model="auth.user", object_id=str(both.pk))
    assert {e.municipality_id for e in events} == {here.pk, elsewhere.pk}


def test_a_new_account_without_role_can_still_be_set_up_by_the_administrator(client, admin_here):
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "ny.anvandare", "password1": "Ny-hemlig-1234!", "password2": "Ny-hemlig-1234!",
        "usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="ny.anvandare")
    assert client.get(reverse("admin:auth_user_change", args=[user.pk])).status_code == 200
