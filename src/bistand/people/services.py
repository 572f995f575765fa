"""Writes of persons, households and household members.

Each function runs in one transaction, writes an audit event with the old and new values in that
transaction, and raises ``django.core.exceptions.ValidationError`` with a dict of field name →
Swedish message when the data is wrong (forms show each message at its field).

``actor`` is the user making the change, or ``None`` for the system itself (demo data, imports).
A user may change data only in the municipality they currently work in
(:func:`bistand.tenancy.scoping.check_can_act_in`), and only users allowed to see protected
identities may change a person with protected identity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bistand.audit.services import diff, record_change, record_create, record_delete, snapshot
from bistand.common import languages
from bistand.tenancy.scoping import check_can_act_in

from . import personnummer as pnr
from .models import Household, HouseholdMember, HouseholdRole, Person
from .presenters import can_see_protected

PERSON_FIELDS = (
    "personnummer",
    "first_name",
    "last_name",
    "care_of",
    "street_address",
    "postal_code",
    "postal_town",
    "protected_identity",
)
_TEXT_LIMITS = {"first_name": 100, "last_name": 100, "care_of": 100, "street_address": 200, "postal_town": 100}
_REQUIRED = {"first_name": "Skriv förnamnet.", "last_name": "Skriv efternamnet."}
_FIELD_LABELS = {"first_name": "Förnamnet", "last_name": "Efternamnet", "care_of": "C/o-adressen",
                 "street_address": "Gatuadressen", "postal_town": "Postorten"}
_SINGLE_ROLES = {
    HouseholdRole.APPLICANT: "Hushållet har redan en sökande under en del av perioden.",
    HouseholdRole.PARTNER: "Hushållet har redan en make, maka eller sambo under en del av perioden.",
}


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError({field: messages for field, messages in errors.items()})


def clean_person_data(data: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Validate and normalise person fields; every wrong field is reported at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "personnummer" in data:
        try:
            number = pnr.parse(data["personnummer"], today=today)
        except pnr.PersonnummerError as error:
            errors["personnummer"] = [error.message]
        else:
            cleaned["personnummer"] = number.normalised
            cleaned["kind"] = number.kind
            cleaned["birth_date"] = number.birth_date
    for field, limit in _TEXT_LIMITS.items():
        if field not in data:
            continue
        value = " ".join(str(data[field] or "").split())
        if field in _REQUIRED and not value:
            errors[field] = [_REQUIRED[field]]
        elif len(value) > limit:
            errors[field] = [f"{_FIELD_LABELS[field]} får vara högst {limit} tecken."]
        else:
            cleaned[field] = value
    if "postal_code" in data:
        code = re.sub(r"\s+", "", str(data["postal_code"] or ""))
        if code and not re.fullmatch(r"[1-9][0-9]{4}", code):
            errors["postal_code"] = ["Postnumret ska vara fem siffror, till exempel 553 21."]
        else:
            cleaned["postal_code"] = code
    if "protected_identity" in data:
        cleaned["protected_identity"] = bool(data["protected_identity"])
    _errors(errors)
    return cleaned


def check_unique_personnummer(municipality_id: int, number: str, exclude_pk: int | None = None) -> None:
    others = Person.objects.filter(municipality_id=municipality_id, personnummer=number)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError({"personnummer": ["Det finns redan en person med det numret i kommunen."]})


def _save_unique(instance, **kwargs) -> None:
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError:
        # Someone saved the same number at the same moment.
        raise ValidationError({"personnummer": ["Det finns redan en person med det numret i kommunen."]}) from None


@transaction.atomic
def create_person(
    *,
    actor,
    municipality,
    personnummer: str,
    first_name: str,
    last_name: str,
    care_of: str = "",
    street_address: str = "",
    postal_code: str = "",
    postal_town: str = "",
    protected_identity: bool = False,
    today: dt.date | None = None,
) -> Person:
    check_can_act_in(actor, municipality.pk)
    cleaned = clean_person_data(
        {
            "personnummer": personnummer,
            "first_name": first_name,
            "last_name": last_name,
            "care_of": care_of,
            "street_address": street_address,
            "postal_code": postal_code,
            "postal_town": postal_town,
            "protected_identity": protected_identity,
        },
        today=today or timezone.localdate(),
    )
    check_unique_personnummer(municipality.pk, cleaned["personnummer"])
    person = Person(municipality=municipality, **cleaned)
    person.search_name = Person.build_search_name(person.first_name, person.last_name)
    _save_unique(person)
    record_create(
        user=actor,
        instance=person,
        municipality_id=municipality.pk,
        fields=[*PERSON_FIELDS, "municipality", "kind", "birth_date"],
        sensitive=person.protected_identity,
    )
    return person


@transaction.atomic
def update_person(*, actor, person: Person, data: Mapping[str, Any], today: dt.date | None = None) -> Person:
    """Change the fields of ``person`` given in ``data`` (any of :data:`PERSON_FIELDS`)."""
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"update_person cannot change {sorted(unknown)}")
    current = Person.objects.select_for_update().get(pk=person.pk)
    check_can_act_in(actor, current.municipality_id)
    if actor is not None and current.protected_identity and not can_see_protected(actor):
        raise PermissionDenied("Personen har skyddad identitet. Du har inte behörighet att ändra uppgifterna.")
    tracked = [*PERSON_FIELDS, "kind", "birth_date"]
    old = snapshot(current, tracked)
    cleaned = clean_person_data(data, today=today or timezone.localdate())
    if "personnummer" in cleaned:
        check_unique_personnummer(current.municipality_id, cleaned["personnummer"], exclude_pk=current.pk)
    for field, value in cleaned.items():
        setattr(current, field, value)
    current.search_name = Person.build_search_name(current.first_name, current.last_name)
    new = snapshot(current, tracked)
    changes = diff(old, new)
    if changes:
        _save_unique(current)
        record_change(
            user=actor,
            action="update",
            instance=current,
            municipality_id=current.municipality_id,
            changes=changes,
            sensitive=bool(old["protected_identity"] or new["protected_identity"]),
        )
    # Give the caller's object the saved values.
    for field in (*tracked, "search_name", "updated_at"):
        setattr(person, field, getattr(current, field))
    return person


@transaction.atomic
def delete_person(*, actor, person: Person) -> None:
    """Delete a person who is in no household and has no history (the database refuses otherwise)."""
    current = Person.objects.select_for_update().get(pk=person.pk)
    check_can_act_in(actor, current.municipality_id)
    if actor is not None and current.protected_identity and not can_see_protected(actor):
        raise PermissionDenied("Personen har skyddad identitet. Du har inte behörighet att ta bort uppgifterna.")
    if HouseholdMember.objects.filter(person=current).exists():
        raise ValidationError("Personen finns i ett hushåll och kan inte tas bort.")
    pk = current.pk
    record_delete(
        user=actor,
        instance=current,
        municipality_id=current.municipality_id,
        fields=[*PERSON_FIELDS, "municipality", "kind", "birth_date"],
        sensitive=current.protected_identity,
        object_id=pk,
    )
    current.delete()


@transaction.atomic
def create_household(*, actor, municipality, unit=None) -> Household:
    check_can_act_in(actor, municipality.pk)
    if unit is not None and unit.municipality_id != municipality.pk:
        raise ValidationError({"unit": ["Enheten hör till en annan kommun."]})
    household = Household.objects.create(municipality=municipality, unit=unit)
    record_create(user=actor, instance=household, municipality_id=municipality.pk, fields=["municipality", "unit"])
    return household


@transaction.atomic
def update_household(*, actor, household: Household, unit) -> Household:
    current = Household.objects.select_for_update().get(pk=household.pk)
    check_can_act_in(actor, current.municipality_id)
    if unit is not None and unit.municipality_id != current.municipality_id:
        raise ValidationError({"unit": ["Enheten hör till en annan kommun."]})
    old = snapshot(current, ["unit"])
    current.unit = unit
    changes = diff(old, snapshot(current, ["unit"]))
    if changes:
        current.save(update_fields=["unit", "updated_at"])
        record_change(
            user=actor, action="update", instance=current, municipality_id=current.municipality_id, changes=changes
        )
    household.unit = current.unit
    return household


def _overlaps(queryset, valid_from: dt.date, valid_to: dt.date | None):
    """Memberships in ``queryset`` whose period overlaps [valid_from, valid_to] (open end = None)."""
    queryset = queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        queryset = queryset.filter(valid_from__lte=valid_to)
    return queryset


def validate_household_member(household: Household, person: Person, role: str, valid_from, valid_to, exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}
    if person.municipality_id != household.municipality_id:
        errors["person"] = ["Personen hör till en annan kommun än hushållet."]
    if role not in HouseholdRole.values:
        errors["role"] = ["Välj en roll i hushållet."]
    if valid_from is None:
        errors["valid_from"] = ["Skriv från vilket datum personen är med i hushållet."]
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = ["Slutdatumet kan inte vara före startdatumet."]
    _errors(errors)
    others = HouseholdMember.objects.filter(household=household)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if _overlaps(others.filter(person=person), valid_from, valid_to).exists():
        raise ValidationError({"valid_from": ["Personen är redan med i hushållet under en del av perioden."]})
    if role in _SINGLE_ROLES and _overlaps(others.filter(role=role), valid_from, valid_to).exists():
        raise ValidationError({"role": [_SINGLE_ROLES[role]]})


_MEMBER_FIELDS = ["household", "person", "role", "valid_from", "valid_to"]


@transaction.atomic
def add_household_member(
    *, actor, household: Household, person: Person, role: str, valid_from: dt.date, valid_to: dt.date | None = None
) -> HouseholdMember:
    locked = Household.objects.select_for_update().get(pk=household.pk)
    check_can_act_in(actor, locked.municipality_id)
    validate_household_member(locked, person, role, valid_from, valid_to)
    member = HouseholdMember.objects.create(
        household=locked, person=person, role=role, valid_from=valid_from, valid_to=valid_to
    )
    record_create(user=actor, instance=member, municipality_id=locked.municipality_id, fields=_MEMBER_FIELDS)
    return member


@transaction.atomic
def update_household_member(*, actor, member: HouseholdMember, data: Mapping[str, Any]) -> HouseholdMember:
    """Change ``role``, ``valid_from`` and/or ``valid_to`` of a membership."""
    unknown = set(data) - {"role", "valid_from", "valid_to"}
    if unknown:
        raise ValueError(f"update_household_member cannot change {sorted(unknown)}")
    household = Household.objects.select_for_update().get(pk=member.household_id)
    check_can_act_in(actor, household.municipality_id)
    current = HouseholdMember.objects.select_related("person").get(pk=member.pk)
    old = snapshot(current, _MEMBER_FIELDS)
    for field, value in data.items():
        setattr(current, field, value)
    validate_household_member(household, current.person, current.role, current.valid_from, current.valid_to, exclude_pk=current.pk)
    changes = diff(old, snapshot(current, _MEMBER_FIELDS))
    if changes:
        current.save()
        record_change(
            user=actor, action="update", instance=current, municipality_id=household.municipality_id, changes=changes
        )
    for field in ("role", "valid_from", "valid_to", "updated_at"):
        setattr(member, field, getattr(current, field))
    return member


def end_household_membership(*, actor, member: HouseholdMember, valid_to: dt.date) -> HouseholdMember:
    """The person leaves the household after ``valid_to`` (the last day as a member)."""
    return update_household_member(actor=actor, member=member, data={"valid_to": valid_to})


@transaction.atomic
def remove_household_member(*, actor, member: HouseholdMember) -> None:
    """Delete a membership that was registered by mistake (to record that someone moved out, end it
    with :func:`end_household_membership` instead)."""
    household = Household.objects.select_for_update().get(pk=member.household_id)
    check_can_act_in(actor, household.municipality_id)
    current = HouseholdMember.objects.get(pk=member.pk)
    record_delete(
        user=actor, instance=current, municipality_id=household.municipality_id, fields=_MEMBER_FIELDS, object_id=current.pk
    )
    current.delete()


def set_language(*, actor, persons, language: str) -> list[Person]:
    """Store the language a person chose in the e-service (every Person row of the personnummer, one per
    municipality), so that letters and notifications can use it. One transaction; choosing the language
    already stored changes nothing and writes no audit event."""
    if not languages.is_language(language):
        raise ValidationError({"language": [f"Okänt språk: {language!r}. Välj svenska, lättläst svenska eller engelska."]})
    changed = []
    with transaction.atomic():
        for person in Person.objects.select_for_update().filter(pk__in=[p.pk for p in persons]).order_by("pk"):
            if person.language == language:
                continue
            old = person.language
            person.language = language
            person.save(update_fields=["language", "updated_at"])
            record_change(user=actor, action="update", instance=person, municipality_id=person.municipality_id,
                          changes={"language": {"old": old, "new": language}})
            changed.append(person)
    return changed
