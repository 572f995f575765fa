"""Django admin building blocks: rows and choices limited to the municipality the user works in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from . import scoping
from .current import get_state
from .models import Membership, Municipality, Unit
from .roles import Role


class MunicipalityScopedAdminMixin:
    """For users who are not superusers:

    * the change list and every object page show only rows of the current municipality (person-level
      models through :func:`bistand.tenancy.scoping.scoped`; other models through ``scope_path``);
      rows of other municipalities answer like rows that do not exist;
    * select boxes for municipality, unit, user, person and household offer only the current
      municipality's rows.
    """

    #: Lookup path to the municipality for models that are not person-level (e.g. Unit, Membership).
    scope_path: str | None = "municipality"

    def _current_municipality_id(self, request) -> int | None:
        state = get_state(request.user)
        return state.municipality.pk if state.municipality is not None else None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if scoping.is_person_level(queryset.model):
            return scoping.scoped(queryset, request.user)
        municipality_id = self._current_municipality_id(request)
        if municipality_id is None or self.scope_path is None:
            return queryset.none()
        return queryset.filter(**{f"{self.scope_path}__pk": municipality_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            related = db_field.remote_field.model
            municipality_id = self._current_municipality_id(request)
            if related is Municipality:
                kwargs["queryset"] = Municipality.objects.filter(pk=municipality_id)
            elif related is Unit:
                kwargs["queryset"] = Unit.objects.filter(municipality_id=municipality_id)
            elif related is get_user_model():
                kwargs["queryset"] = users_visible_to(request.user)
            elif scoping.is_person_level(related):
                kwargs["queryset"] = scoping.scoped(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def users_visible_to(user):
    """Users an administrator may manage: those whose *every* membership is in a municipality where the
    administrator has the administrator role, and new accounts without any role that are not staff.
    Never superusers, never staff without a role, never a user with a role elsewhere (a regional role
    included): managing such an account would open another municipality's data. Superusers see
    everyone."""
    users = get_user_model()._default_manager.all()
    if user.is_superuser:
        return users
    state = get_state(user)
    if state.municipality is None:
        return users.none()
    administered = Membership.objects.filter(
        user_id=user.pk, role=Role.ADMIN, municipality__isnull=False
    ).values("municipality_id")
    with_role_outside = Membership.objects.filter(
        Q(municipality__isnull=True) | ~Q(municipality_id__in=administered)
    ).values("user_id")
    with_any_role = Membership.objects.values("user_id")
    return (
        users.filter(is_superuser=False)
        .exclude(pk__in=with_role_outside)
        .filter(Q(pk__in=with_any_role) | Q(is_staff=False))
    )
