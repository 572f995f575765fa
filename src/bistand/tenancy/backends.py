"""Permissions that follow the role in the municipality the user works in right now."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .current import get_state


class MembershipBackend(ModelBackend):
    """Django's ModelBackend, plus: a user has the permissions of the role groups (one Django group per
    role, see :mod:`bistand.tenancy.roles`) of the roles the user holds *in the current municipality*
    (or, for a regional coordinator, in a region).

    Permissions given to the user directly, or through groups the user is a member of, work as in
    Django everywhere (that is how ``people.view_protected_identity`` is given to named users).
    Role groups are not meant to be given to users directly: a role is given by a Membership.
    """

    def _get_group_permissions(self, user_obj):
        direct = super()._get_group_permissions(user_obj)
        state = get_state(user_obj)
        roles = set(state.roles) | set(state.region_roles)
        if not roles:
            return direct
        return Permission.objects.filter(pk__in=direct.values("pk")) | Permission.objects.filter(
            group__name__in=sorted(roles)
        )
