"""The municipality a user currently works in, and the user's roles there.

A user with memberships in one municipality always works there. A user with memberships in several
municipalities works in one at a time: the choice is stored in the session (see
:func:`choose_municipality` and the page ``tenancy:choose_municipality``); until the user has chosen,
there is no current municipality and no person-level data is shown.

:class:`~bistand.tenancy.middleware.TenancyMiddleware` resolves the state once per request and attaches
it to ``request.user``, so that :func:`bistand.tenancy.scoping.scoped` and the permission backend see
the same municipality. Outside a request (management commands, tests) the state is resolved from the
memberships alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Membership, Municipality, Region
from .roles import PERSON_DATA_ROLES, REGION_ROLES

SESSION_KEY = "bistand_municipality_id"
_USER_ATTRIBUTE = "_bistand_tenancy"


@dataclass(frozen=True)
class TenancyState:
    """Where a user works right now."""

    municipality: Municipality | None
    roles: frozenset[str] = frozenset()
    municipalities: tuple[Municipality, ...] = ()
    regions: tuple[Region, ...] = ()
    region_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def may_see_person_data(self) -> bool:
        """True when the user's roles in the current municipality allow person-level rows at all."""
        return self.municipality is not None and bool(self.roles & PERSON_DATA_ROLES)

    @property
    def must_choose(self) -> bool:
        """True when the user works in several municipalities and has not chosen one yet."""
        return self.municipality is None and len(self.municipalities) > 1


EMPTY = TenancyState(municipality=None)


def _memberships(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user_id=user.pk).select_related("municipality", "region").order_by("pk")
    )


def resolve(user, chosen_municipality_id: int | None = None) -> TenancyState:
    """Work out the user's current municipality and roles (two queries at most, usually one)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    memberships = _memberships(user)
    municipalities: dict[int, Municipality] = {}
    regions: dict[int, Region] = {}
    region_roles: set[str] = set()
    for membership in memberships:
        if membership.role in REGION_ROLES and membership.region_id is not None:
            regions[membership.region_id] = membership.region
            region_roles.add(membership.role)
        elif membership.municipality_id is not None:
            municipalities[membership.municipality_id] = membership.municipality
    ordered = tuple(sorted(municipalities.values(), key=lambda m: (m.name, m.code)))
    current: Municipality | None = None
    if chosen_municipality_id is not None and chosen_municipality_id in municipalities:
        current = municipalities[chosen_municipality_id]
    elif len(municipalities) == 1:
        current = ordered[0]
    roles = frozenset(
        m.role for m in memberships if current is not None and m.municipality_id == current.pk
    )
    return TenancyState(
        municipality=current,
        roles=roles,
        municipalities=ordered,
        regions=tuple(sorted(regions.values(), key=lambda r: r.name)),
        region_roles=frozenset(region_roles),
    )


def attach(user, state: TenancyState) -> TenancyState:
    """Remember ``state`` on the user object (for the rest of this request)."""
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, _USER_ATTRIBUTE, state)
        # Permissions depend on the current municipality: forget any cached before.
        for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
            if hasattr(user, cache):
                delattr(user, cache)
    return state


def get_state(user) -> TenancyState:
    """The state attached to ``user`` by the middleware, or else resolved from memberships alone."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY
    state = getattr(user, _USER_ATTRIBUTE, None)
    if state is None:
        state = resolve(user)
        setattr(user, _USER_ATTRIBUTE, state)
    return state


def for_request(request) -> TenancyState:
    """The state of the user making ``request`` (resolved once per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return EMPTY
    state = getattr(user, _USER_ATTRIBUTE, None)
    if state is None:
        session = getattr(request, "session", None)
        chosen = session.get(SESSION_KEY) if session is not None else None
        state = attach(user, resolve(user, chosen))
    return state


def current_municipality(user) -> Municipality | None:
    return get_state(user).municipality


def choose_municipality(request, municipality_id: int) -> TenancyState:
    """Make ``municipality_id`` the current municipality of the request's user, for this session.

    Raises ``PermissionError`` when the user has no membership there.
    """
    state = resolve(request.user, municipality_id)
    if state.municipality is None or state.municipality.pk != municipality_id:
        raise PermissionError("Du har ingen roll i den kommunen.")
    request.session[SESSION_KEY] = municipality_id
    return attach(request.user, state)
