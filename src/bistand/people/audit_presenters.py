"""How audit rows are shown (labels for pages, masking of protected values): above bistand.audit,
because masking needs the persons' protected fields."""

from __future__ import annotations

from .presenters import mask_changes

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
}


def target_label(target: str) -> str:
    return TARGET_LABELS.get(target, target)


def visible_changes(event, *, reveal_protected: bool) -> dict:
    """The changes of an AuditEvent as the user may see them."""
    return mask_changes(event.changes or {}, hidden=event.sensitive and not reveal_protected)
