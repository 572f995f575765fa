"""Reads of memberships that more than one app needs."""

from __future__ import annotations

from .models import Membership, Municipality
from .roles import PERSON_DATA_ROLES

#: The roles that make a user "staff": the roles that work with cases in a municipality.
STAFF_ROLES = PERSON_DATA_ROLES


def has_staff_membership(user) -> bool:
    """True for an active user with a staff role (caseworker, approver, manager, admin) in some
    municipality. Superusers count as staff."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user_id=user.pk, role__in=list(STAFF_ROLES), municipality__isnull=False
    ).exists()


def all_municipalities() -> list[Municipality]:
    """Every municipality, by name (the e-service's choice where to apply)."""
    return list(Municipality.objects.order_by("name"))


def has_role(user, role: str) -> bool:
    """True when ``user`` has a membership in ``role`` (in any municipality or region)."""
    return Membership.objects.filter(user=user, role=role).exists()


def municipalities_in(region) -> list[Municipality]:
    """The municipalities of ``region``, by kommunkod."""
    return list(Municipality.objects.filter(region=region).order_by("code"))
