"""Writes for organisations and roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bistand.audit.models import ChangeAction
from bistand.audit.services import record_change, record_create, record_delete

from .models import Membership, Municipality, Region, Unit
from .roles import ADMIN_SITE_ROLES, REGION_ROLES, ROLE_PERMISSIONS, Role
from .validators import validate_kommunkod


def _ensure_permissions_exist(using: str = "default") -> None:
    """Create content types and permissions of every installed app (Django does it after migrate;
    calling it here makes the sync independent of the order of the post_migrate handlers)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in django_apps.get_app_configs():
        if app_config.models_module is None:
            continue
        create_contenttypes(app_config, verbosity=0, using=using)
        create_permissions(app_config, verbosity=0, using=using)


@transaction.atomic
def sync_role_permissions(*, using: str = "default") -> dict[str, Group]:
    """Make one Django group per role (named by the role code) with exactly the permissions in
    :data:`bistand.tenancy.roles.ROLE_PERMISSIONS`. Idempotent; runs after every ``migrate``.

    Raises ``LookupError`` when a listed permission does not exist (a typo in ROLE_PERMISSIONS).
    """
    _ensure_permissions_exist(using)
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name: dict[str, Permission] = {}
    for perm in Permission.objects.using(using).select_related("content_type"):
        by_name[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    missing = sorted(wanted - set(by_name))
    if missing:
        raise LookupError(f"ROLE_PERMISSIONS names permissions that do not exist: {', '.join(missing)}")
    groups: dict[str, Group] = {}
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set([by_name[name] for name in ROLE_PERMISSIONS.get(role, [])])
        groups[role.value] = group
    return groups


@transaction.atomic
def create_municipality(*, actor, code: str, name: str, region: Region | None = None) -> Municipality:
    try:
        validate_kommunkod(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    if Municipality.objects.filter(code=code).exists():
        raise ValidationError({"code": [f"Det finns redan en kommun med kommunkoden {code}."]})
    municipality = Municipality.objects.create(code=code, name=name.strip(), region=region)
    record_create(user=actor, instance=municipality, municipality_id=municipality.pk)
    return municipality


@transaction.atomic
def add_membership(
    *,
    actor,
    user,
    role: str,
    municipality: Municipality | None = None,
    unit: Unit | None = None,
    region: Region | None = None,
) -> Membership:
    """Give ``user`` a role in a municipality (or, for a regional coordinator, in a region).

    An administrator's membership also lets the user into the Django admin (``is_staff``).
    """
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = ["Välj en roll."]
    elif role in REGION_ROLES:
        if region is None:
            errors["region"] = ["En regional samordnare ska höra till en region."]
        if municipality is not None or unit is not None:
            errors["municipality"] = ["En regional samordnare hör till en region, inte till en kommun."]
    else:
        if municipality is None:
            errors["municipality"] = ["Välj kommun."]
        if region is not None:
            errors["region"] = ["Bara regionala samordnare hör till en region."]
        if unit is not None and municipality is not None and unit.municipality_id != municipality.pk:
            errors["unit"] = ["Enheten hör till en annan kommun."]
    if errors:
        raise ValidationError(errors)
    membership = Membership(user=user, role=role, municipality=municipality, unit=unit, region=region)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise ValidationError({"role": ["Användaren har redan den rollen där."]}) from None
    if role in ADMIN_SITE_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    record_create(
        user=actor,
        instance=membership,
        municipality_id=municipality.pk if municipality is not None else None,
        fields=["user", "role", "municipality", "unit", "region"],
    )
    return membership


@transaction.atomic
def remove_membership(*, actor, membership: Membership) -> None:
    """Take a role away. A user who is no longer an administrator anywhere leaves the Django admin."""
    user = membership.user
    record_delete(
        user=actor,
        instance=membership,
        municipality_id=membership.municipality_id,
        fields=["user", "role", "municipality", "unit", "region"],
        object_id=membership.pk,
    )
    membership.delete()
    if user.is_staff and not user.is_superuser:
        still_admin = Membership.objects.filter(user=user, role__in=list(ADMIN_SITE_ROLES)).exists()
        if not still_admin:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


@dataclass(frozen=True)
class MunicipalitySetup:
    municipality: Municipality
    region: Region
    municipality_created: bool
    region_created: bool
    renamed: bool


@transaction.atomic
def add_municipality(*, actor, code: str, name: str, region_name: str, region_code: str | None = None) -> MunicipalitySetup:
    """``bistand municipality add``: make sure the region (found by name, case-insensitively) and the
    municipality exist, the municipality in the region and with the given name. Idempotent: a second call
    with the same values changes nothing. A new region's code is ``region_code``, by default the county
    code (the kommunkod's first two digits). A new municipality has the default parameters: the national
    default local parameters until a ``local/<kommunkod>.yaml`` exists, no delegation to automated
    decisions, the instrument's default assessment settings.

    Raises ``ValidationError`` naming the field (code, name, region) on bad input."""
    code, name, region_name = code.strip(), " ".join(name.split()), " ".join(region_name.split())
    try:
        validate_kommunkod(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    if not name:
        raise ValidationError({"name": ["Skriv kommunens namn."]})
    if len(name) > 100:
        raise ValidationError({"name": ["Kommunens namn får vara högst 100 tecken."]})
    if not region_name:
        raise ValidationError({"region": ["Skriv regionens namn."]})
    if len(region_name) > 100:
        raise ValidationError({"region": ["Regionens namn får vara högst 100 tecken."]})
    region = Region.objects.filter(name__iexact=region_name).first()
    region_created = False
    if region is None:
        new_code = (region_code or code[:2]).strip()
        if not new_code or len(new_code) > 20:
            raise ValidationError({"region_code": ["Regionens kod ska vara 1–20 tecken."]})
        if Region.objects.filter(code=new_code).exists():
            other = Region.objects.get(code=new_code)
            raise ValidationError({"region_code": [
                f"Koden {new_code} används redan av regionen {other.name}. Ange en annan kod med --region-code, "
                "eller regionens namn som det står i systemet."]})
        region = Region.objects.create(code=new_code, name=region_name)
        record_create(user=actor, instance=region, municipality_id=None)
        region_created = True
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        municipality = Municipality.objects.create(code=code, name=name, region=region)
        record_create(user=actor, instance=municipality, municipality_id=municipality.pk)
        return MunicipalitySetup(municipality, region, True, region_created, False)
    changes = {}
    if municipality.name != name:
        changes["name"] = {"old": municipality.name, "new": name}
        municipality.name = name
    if municipality.region_id != region.pk:
        changes["region"] = {"old": municipality.region_id, "new": region.pk}
        municipality.region = region
    if changes:
        municipality.save(update_fields=list(changes))
        record_change(user=actor, action=ChangeAction.UPDATE, instance=municipality, municipality_id=municipality.pk,
                      changes=changes)
    return MunicipalitySetup(municipality, region, False, region_created, bool(changes))
