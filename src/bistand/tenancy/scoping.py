"""The one helper that scopes every query of person-level data to the user's municipality.

Every model that holds person-level data (a person, a household, a case, an access-log row …) declares
the path from itself to its municipality, once, next to the model::

    @scoping.register("household__municipality")
    class HouseholdMember(models.Model): ...

and every read of such data for a user goes through :func:`scoped`::

    persons = scoped(Person.objects.all(), request.user)

:func:`scoped` returns

* the rows of the user's *current* municipality (see :mod:`bistand.tenancy.current`) when the user's
  roles there allow person-level data (:data:`~bistand.tenancy.roles.PERSON_DATA_ROLES`);
* no rows at all for anyone else: anonymous and inactive users, users who have not chosen a
  municipality yet, regional coordinators and researchers;
* every row for a superuser (a technical account for the Django admin).

It refuses (``ImproperlyConfigured``) a model that has not been registered, so a new person-level
model cannot be read without deciding how it is scoped. The registry also lets the tests find every
person-level model (see tests/staff/test_cross_municipality.py).

What a user may *do* with the rows is a matter of permissions (:mod:`bistand.tenancy.roles`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404

from .current import get_state

M = TypeVar("M", bound=type[models.Model])

_REGISTRY: dict[type[models.Model], str] = {}


def register(path: str) -> Callable[[M], M]:
    """Class decorator: declare ``path`` (a Django lookup path such as ``"municipality"`` or
    ``"household__municipality"``) from the model to its Municipality."""

    def decorator(model: M) -> M:
        existing = _REGISTRY.get(model)
        if existing is not None and existing != path:
            raise ImproperlyConfigured(f"{model.__name__} is already scoped by {existing!r}")
        _REGISTRY[model] = path
        return model

    return decorator


def person_level_models() -> list[type[models.Model]]:
    """Every registered person-level model (sorted by label, for stable test ids)."""
    return sorted(_REGISTRY, key=lambda m: m._meta.label)


def municipality_path(model: type[models.Model]) -> str:
    try:
        return _REGISTRY[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} is not registered with bistand.tenancy.scoping; "
            "declare the path to its municipality with @scoping.register(...)"
        ) from None


def is_person_level(model: type[models.Model]) -> bool:
    return model in _REGISTRY


def for_municipality(queryset: models.QuerySet, municipality_id: int) -> models.QuerySet:
    """Rows of ``queryset`` that belong to the municipality ``municipality_id`` (no user check)."""
    path = municipality_path(queryset.model)
    return queryset.filter(**{f"{path}__pk": municipality_id})


def scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may see (see the module docstring)."""
    path = municipality_path(queryset.model)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    state = get_state(user)
    if not state.may_see_person_data:
        return queryset.none()
    return queryset.filter(**{f"{path}__pk": state.municipality.pk})


def get_scoped_or_404(queryset: models.QuerySet, user, **lookup) -> models.Model:
    """One row of ``queryset`` that ``user`` may see, or 404 (the same answer whether the row does not
    exist or belongs to another municipality, so that ids of other municipalities reveal nothing)."""
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


def check_can_act_in(user, municipality_id: int) -> None:
    """Raise PermissionDenied unless ``user`` works with person-level data in ``municipality_id`` right
    now. ``user=None`` is the system itself (demo data, imports), which may act anywhere.

    Services call this as a second line of defence: views already pass only scoped objects."""
    if user is None or getattr(user, "is_superuser", False):
        return
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Du är inte inloggad.")
    state = get_state(user)
    if not state.may_see_person_data or state.municipality.pk != municipality_id:
        raise PermissionDenied("Du kan inte ändra uppgifter i en annan kommun än den du arbetar i.")
