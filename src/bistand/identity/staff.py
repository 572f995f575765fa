"""Staff sign-in through the OpenID Connect adapter (SITHS eID via the municipality's identity
provider), with roles mapped from claims to Memberships.

Configuration: ``BISTAND_STAFF_OIDC`` (the OIDC client, see :mod:`.oidc`) plus

* ``USERNAME_CLAIM`` (default ``sub``; e.g. an HSA-id claim): the claim whose value is the user name;
* ``ROLES_CLAIM`` (default ``roles``): a claim holding a list of strings (or one string);
* ``ROLE_MAP``: JSON object from a claim value to a role — ``"caseworker@0680"`` (role @ kommunkod,
  optionally ``/unit name``) or ``{"role": "caseworker", "municipality": "0680", "unit": "…"}``, or a
  list of those;
* ``SYNC_ROLES`` (default true): the user's municipal roles are made exactly the mapped ones at each
  sign-in (roles added in the admin are then taken away at the next sign-in). Regional roles are left
  alone.

A person whose claims map to no role is not let in. Django's own login stays for development and the
demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from bistand.audit.services import record_change
from bistand.tenancy.models import Membership, Municipality, Unit
from bistand.tenancy.roles import REGION_ROLES, Role
from bistand.tenancy.services import add_membership, remove_membership

from .base import EidError, EidIdentity

STAFF_SETTINGS = "BISTAND_STAFF_OIDC"


@dataclass(frozen=True, order=True)
class RoleGrant:
    role: str
    municipality_code: str
    unit_name: str = ""


def _parse_grant(value: Any) -> RoleGrant:
    if isinstance(value, str):
        role, _, rest = value.partition("@")
        code, _, unit = rest.partition("/")
        grant = RoleGrant(role.strip(), code.strip(), unit.strip())
    elif isinstance(value, dict):
        grant = RoleGrant(str(value.get("role", "")).strip(), str(value.get("municipality", "")).strip(),
                          str(value.get("unit", "") or "").strip())
    else:
        raise ImproperlyConfigured(f"ROLE_MAP: cannot read {value!r}")
    if grant.role not in Role.values or grant.role in REGION_ROLES:
        raise ImproperlyConfigured(f"ROLE_MAP: unknown or regional role {grant.role!r}")
    if len(grant.municipality_code) != 4 or not grant.municipality_code.isdigit():
        raise ImproperlyConfigured(f"ROLE_MAP: {grant.municipality_code!r} is not a kommunkod")
    return grant


def role_map(config: dict[str, Any]) -> dict[str, list[RoleGrant]]:
    raw = config.get("ROLE_MAP") or config.get("role_map") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise ImproperlyConfigured(f"ROLE_MAP is not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("ROLE_MAP must be a JSON object")
    return {str(k): [_parse_grant(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in raw.items()}


def _setting(config: dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key, config.get(key.lower()))
    return default if value in (None, "") else value


def grants_for(claims: dict[str, Any], config: dict[str, Any]) -> list[RoleGrant]:
    """The roles the claims give, by the configured map (sorted, without duplicates)."""
    values = claims.get(_setting(config, "ROLES_CLAIM", "roles"))
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        values = []
    mapping = role_map(config)
    return sorted({grant for value in values if isinstance(value, str) for grant in mapping.get(value, [])})


@transaction.atomic
def sign_in_user(identity: EidIdentity, config: dict[str, Any]):
    """The Django user for a staff e-ID login, created or brought up to date, with memberships synced
    to the mapped roles. Raises :class:`EidError` when the person has no role in Bistånd."""
    claims = identity.raw_claims
    username = str(claims.get(_setting(config, "USERNAME_CLAIM", "sub")) or "").strip()[:150]
    if not username:
        raise EidError("Inloggningstjänsten gav inget användar-id. Kontakta din administratör.", "claims")
    grants = grants_for(claims, config)
    if not grants:
        raise EidError("Du har ingen roll i Bistånd. Kontakta din administratör.", "refused")
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in={g.municipality_code for g in grants})}
    wanted: set[tuple[str, int, int | None]] = set()
    for grant in grants:
        municipality = municipalities.get(grant.municipality_code)
        if municipality is None:
            continue
        unit = None
        if grant.unit_name:
            unit = Unit.objects.filter(municipality=municipality, name=grant.unit_name).first()
        wanted.add((grant.role, municipality.pk, unit.pk if unit else None))
    if not wanted:
        raise EidError("Din roll gäller en kommun som inte finns i Bistånd. Kontakta din administratör.", "refused")

    User = get_user_model()
    user, created = User.objects.select_for_update().get_or_create(username=username)
    if not user.is_active:
        raise EidError("Ditt konto är avstängt. Kontakta din administratör.", "refused")
    old = {"first_name": user.first_name, "last_name": user.last_name}
    if identity.given_name:
        user.first_name = identity.given_name[:150]
    if identity.family_name:
        user.last_name = identity.family_name[:150]
    if created:
        user.set_unusable_password()  # only e-ID: no password to guess
    user.save()
    new = {"first_name": user.first_name, "last_name": user.last_name}
    record_change(
        user=None,
        action="create" if created else "update",
        instance=user,
        municipality_id=None,
        changes={k: {"old": None if created else old[k], "new": new[k]} for k in new if created or old[k] != new[k]},
    )

    sync = str(_setting(config, "SYNC_ROLES", "true")).lower() not in {"0", "false", "no", "off"}
    have = {(m.role, m.municipality_id): m for m in Membership.objects.filter(user=user, municipality__isnull=False)}
    for role, municipality_id, unit_id in sorted(wanted, key=lambda w: (w[0], w[1])):
        if (role, municipality_id) not in have:
            add_membership(
                actor=None, user=user, role=role,
                municipality=Municipality.objects.get(pk=municipality_id),
                unit=Unit.objects.get(pk=unit_id) if unit_id else None,
            )
    if sync:
        keep = {(role, municipality_id) for role, municipality_id, _ in wanted}
        for key, membership in have.items():
            if key not in keep:
                remove_membership(actor=None, membership=membership)
    return user
