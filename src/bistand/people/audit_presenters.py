"""How audit rows are shown (labels for pages, masking of protected values): above bistand.audit,
because masking needs the persons' protected fields."""

from __future__ import annotations

import re
from functools import cache

from django.db.models import Q

from bistand.tenancy import scoping

from .models import Person
from .presenters import PROTECTED_TEXT, mask_changes

#: What is shown instead of a value the user may not see.
HIDDEN_VALUE = "dolt"

#: A Swedish personnummer or samordningsnummer as written in values (with or without century/dash).
PERSONNUMMER_IN_TEXT = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")


def can_see_people(user) -> bool:
    """True when ``user``'s role may see people (names, personnummer): ``people.view_person``."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_perm("people.view_person"))


@cache
def _person_models() -> dict[str, list[str]]:
    """Person-level model label → its fields that refer to a Person (recorded by id in the changes)."""
    result: dict[str, list[str]] = {}
    for model in scoping.person_level_models():
        result[model._meta.label_lower] = [
            f.name for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and f.related_model._meta.label_lower == "people.person"
        ]
    return result


def _mask_personnummer(value):
    if isinstance(value, str):
        return PERSONNUMMER_IN_TEXT.sub(HIDDEN_VALUE, value)
    if isinstance(value, list):
        return [_mask_personnummer(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_personnummer(v) for k, v in value.items()}
    return value


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


def persons_in_events(events) -> list[Person]:
    """The persons whose data the values of ``events`` show: the person itself for a person record,
    the persons a record refers to (e.g. a household member's ``person``), and anyone whose
    personnummer appears in a value, looked up in the event's municipality."""
    ids: set[int] = set()
    numbers: dict[int | None, set[str]] = {}
    fields_of = _person_models()
    for event in events:
        if event.model == "people.person" and str(event.object_id).isdigit():
            ids.add(int(event.object_id))
        for field in fields_of.get(event.model, []):
            for side in ("old", "new"):
                value = (event.changes or {}).get(field, {}).get(side)
                if isinstance(value, int):
                    ids.add(value)
        for text in _texts(event.changes or {}):
            for found in PERSONNUMMER_IN_TEXT.findall(text):
                numbers.setdefault(event.municipality_id, set()).add(found)
    wanted = Q(pk__in=ids) if ids else Q(pk__in=[])
    for municipality_id, found in numbers.items():
        wanted |= Q(municipality_id=municipality_id, personnummer__in=found)
    return list(Person.objects.filter(wanted))

#: Swedish names of the pages and tasks stored in AccessLog.target.
TARGET_LABELS: dict[str, str] = {
    "staff:person_list": "Personlistan",
    "staff:person_detail": "Personsidan",
    "staff:person_edit": "Ändra person",
    "staff:household_list": "Hushållslistan",
    "staff:household_detail": "Hushållssidan",
    "staff:access_log": "Åtkomstloggen",
    "admin:people_person_changelist": "Administration: personer",
    "admin:people_person_change": "Administration: person",
    "admin:people_person_history": "Administration: personens historik",
    "admin:people_household_changelist": "Administration: hushåll",
    "admin:people_household_change": "Administration: hushåll",
    "admin:people_householdmember_changelist": "Administration: hushållsmedlemmar",
    "admin:people_householdmember_change": "Administration: hushållsmedlem",
    "admin:audit_accesslog_changelist": "Administration: åtkomstlogg",
    "admin:audit_accesslog_change": "Administration: åtkomstloggrad",
    "admin:audit_auditevent_change": "Administration: ändringshändelse",
}


def target_label(target: str) -> str:
    return TARGET_LABELS.get(target, target)


def visible_changes(event, *, reveal_protected: bool, reveal_people: bool = True) -> dict:
    """The changes of an AuditEvent as the user may see them: without ``reveal_people`` every value of
    a person-level record is hidden and every personnummer in other values too."""
    changes = mask_changes(event.changes or {}, hidden=event.sensitive and not reveal_protected)
    if reveal_people:
        return changes
    if event.model in _person_models():
        return {field: {side: value if value == PROTECTED_TEXT else HIDDEN_VALUE for side, value in values.items()}
                for field, values in changes.items()}
    return {field: _mask_personnummer(values) for field, values in changes.items()}
