"""Role groups and permissions: one group per role, permissions that follow the current municipality."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from bistand.tenancy.current import attach, resolve
from bistand.tenancy.models import Membership
from bistand.tenancy.roles import ROLE_PERMISSIONS, VIEW_PROTECTED_IDENTITY, Role
from bistand.tenancy.services import sync_role_permissions
from tests.factories import MunicipalityFactory, RegionFactory, UserFactory, grant_protected_identity, user_with_role

pytestmark = pytest.mark.django_db


def group_permissions(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_made_one_group_per_role_with_exactly_its_permissions():
    for role in Role:
        assert group_permissions(role) == set(ROLE_PERMISSIONS[role])


def test_sync_puts_back_permissions_changed_by_hand_and_is_idempotent():
    group = Group.objects.get(name=Role.CASEWORKER)
    group.permissions.add(Permission.objects.get(codename="delete_person"))
    group.permissions.remove(Permission.objects.get(codename="view_person"))
    sync_role_permissions()
    sync_role_permissions()
    assert group_permissions(Role.CASEWORKER) == set(ROLE_PERMISSIONS[Role.CASEWORKER])
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)


def test_sync_refuses_a_permission_that_does_not_exist(monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.RESEARCHER, ["people.read_minds"])
    with pytest.raises(LookupError, match="people.read_minds"):
        sync_role_permissions()


def test_the_management_command_syncs(capsys):
    Group.objects.get(name=Role.MANAGER).permissions.clear()
    call_command("sync_role_permissions")
    assert group_permissions(Role.MANAGER) == set(ROLE_PERMISSIONS[Role.MANAGER])
    assert "Enhetschef" in capsys.readouterr().out


def test_no_role_may_see_protected_identities():
    for role in Role:
        assert VIEW_PROTECTED_IDENTITY not in group_permissions(role)
    assert not user_with_role(Role.ADMIN).has_perm(VIEW_PROTECTED_IDENTITY)


def test_protected_identity_permission_is_given_to_named_users():
    user = grant_protected_identity(user_with_role(Role.CASEWORKER))
    assert user.has_perm(VIEW_PROTECTED_IDENTITY)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.CASEWORKER, ["people.view_person", "people.change_person"], ["audit.view_accesslog"]),
        (Role.APPROVER, ["people.view_person", "people.change_household"], ["audit.view_accesslog"]),
        (Role.MANAGER, ["people.view_person", "audit.view_accesslog"], ["people.change_person"]),
        (Role.ADMIN, ["audit.view_accesslog", "tenancy.add_membership"], ["people.view_person"]),
        (Role.RESEARCHER, [], ["people.view_person", "audit.view_accesslog"]),
    ],
)
def test_each_role_has_its_permissions_in_its_municipality(role, allowed, refused):
    user = user_with_role(role)
    for permission in allowed:
        assert user.has_perm(permission), permission
    for permission in refused:
        assert not user.has_perm(permission), permission


def test_a_regional_coordinator_has_region_permissions_but_no_person_permissions():
    user = user_with_role(Role.REGIONAL_COORDINATOR, region=RegionFactory())
    assert user.has_perm("tenancy.view_municipality")
    assert not user.has_perm("people.view_person")


def test_role_permissions_follow_the_municipality_the_user_works_in():
    home, other = MunicipalityFactory(), MunicipalityFactory()
    user = user_with_role(Role.CASEWORKER, home)
    Membership.objects.create(user=user, role=Role.MANAGER, municipality=other)

    attach(user, resolve(user, home.pk))
    assert user.has_perm("people.change_person")
    assert not user.has_perm("audit.view_accesslog")

    attach(user, resolve(user, other.pk))
    assert user.has_perm("audit.view_accesslog")
    assert not user.has_perm("people.change_person")


def test_a_user_working_in_two_municipalities_has_no_role_permissions_until_choosing():
    user = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    Membership.objects.create(user=user, role=Role.CASEWORKER, municipality=MunicipalityFactory())
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("people.view_person")


def test_inactive_users_have_no_permissions():
    user = user_with_role(Role.MANAGER)
    user.is_active = False
    user.save()
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("people.view_person")


def test_ordinary_django_groups_still_give_permissions():
    user = UserFactory()
    group = Group.objects.create(name="Extra")
    group.permissions.add(Permission.objects.get(codename="view_region"))
    user.groups.add(group)
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("tenancy.view_region")
