"""Writing the audit trail. Every staff read of person-level data calls :func:`log_access`; every
service that changes data calls :func:`record_change` in the same transaction as the change.

Decision (documented in docs/access-control.md): a list page writes **one AccessLog row per person
shown** on the page, all in one INSERT (``bulk_create``). A page that shows no person writes nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .events import AccessRecord, ChangeRecord, emit_access, emit_change, emit_changes
from .models import AccessAction, AccessLog, AccessPurpose, AuditEvent, ChangeAction


def display_name(user) -> str:
    """How a user is named in the audit trail: full name and user name, e.g. "Eva Ek (eva.ek)"."""
    if user is None:
        return "Systemet"
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def log_access(
    *,
    user,
    persons: Iterable[Any],
    action: str = AccessAction.VIEW,
    target: str,
    purpose: str = AccessPurpose.CASEWORK,
    request=None,
) -> list[AccessLog]:
    """Record that ``user`` was shown the data of ``persons``.

    ``persons`` are Person objects (or anything with ``pk`` and ``municipality_id``); duplicates are
    written once. ``target`` names the page or task (a URL name such as ``staff:person_detail``);
    the request's full path is stored with it.
    """
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")
    if purpose not in AccessPurpose.values:
        raise ValueError(f"unknown access purpose {purpose!r}")
    seen: dict[int, int] = {}
    for person in persons:
        if person.pk is not None and person.pk not in seen:
            seen[person.pk] = person.municipality_id
    return emit_access(
        AccessRecord(
            user_id=user.pk,
            user_display_name=display_name(user),
            action=action,
            target=target,
            purpose=purpose,
            path=request.get_full_path() if request is not None else "",
            persons=tuple(seen.items()),
        )
    )


def to_primitive(value: Any) -> Any:
    """A JSON-friendly form of a model field value for the audit trail."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_primitive(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The values of ``fields`` (default: every concrete field but the primary key) of ``instance`` as
    primitives.
    Foreign keys are recorded by id under the field's name (``municipality``, not ``municipality_id``)."""
    result: dict[str, Any] = {}
    wanted = set(fields) if fields is not None else None
    for field in instance._meta.concrete_fields:
        if field.primary_key or (wanted is not None and field.name not in wanted):
            continue
        value = getattr(instance, field.attname)
        result[field.name] = to_primitive(value)
    return result


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": …, "new": …}}`` for each field whose value differs."""
    changes: dict[str, dict[str, Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before != after:
            changes[key] = {"old": before, "new": after}
    return changes


def record_change(
    *,
    user,
    action: str,
    instance: models.Model,
    municipality_id: int | None,
    changes: Mapping[str, Mapping[str, Any]],
    sensitive: bool = False,
    object_id: Any = None,
) -> AuditEvent | None:
    """Write an AuditEvent for a change of ``instance``. An update with no changed field writes
    nothing (and returns None). Call it inside the transaction that makes the change."""
    if action not in ChangeAction.values:
        raise ValueError(f"unknown change action {action!r}")
    if action == ChangeAction.UPDATE and not changes:
        return None
    return emit_change(
        ChangeRecord(
            user_id=getattr(user, "pk", None),
            user_display_name=display_name(user),
            action=action,
            model=instance._meta.label_lower,
            object_id=str(object_id if object_id is not None else instance.pk),
            municipality_id=municipality_id,
            changes=changes,
            sensitive=sensitive,
        )
    )


def record_create(*, user, instance, municipality_id, fields=None, sensitive=False) -> AuditEvent:
    new = snapshot(instance, fields)
    return record_change(
        user=user,
        action=ChangeAction.CREATE,
        instance=instance,
        municipality_id=municipality_id,
        changes=diff({}, new),
        sensitive=sensitive,
    )


def record_create_many(*, user, instances: Iterable[models.Model], fields=None, sensitive=False) -> list[AuditEvent]:
    """:func:`record_create` for many new objects at once (bulk work such as the monthly run): one
    AuditEvent row per object, written in one INSERT. Each object's municipality is its
    ``municipality_id`` (None when it has none)."""
    records = []
    name = display_name(user)
    for instance in instances:
        records.append(
            ChangeRecord(
                user_id=getattr(user, "pk", None),
                user_display_name=name,
                action=ChangeAction.CREATE,
                model=instance._meta.label_lower,
                object_id=str(instance.pk),
                municipality_id=getattr(instance, "municipality_id", None),
                changes=diff({}, snapshot(instance, fields)),
                sensitive=sensitive,
            )
        )
    return emit_changes(records)


def record_changes_many(*, user, changes: Iterable[tuple[models.Model, Mapping[str, Mapping[str, Any]]]],
                        municipality_id: int | None = None) -> list[AuditEvent]:
    """:func:`record_change` (action update) for many objects at once: ``changes`` holds (object,
    ``{field: {"old", "new"}}``) pairs; pairs without a change are left out. One INSERT."""
    name = display_name(user)
    records = [
        ChangeRecord(
            user_id=getattr(user, "pk", None),
            user_display_name=name,
            action=ChangeAction.UPDATE,
            model=instance._meta.label_lower,
            object_id=str(instance.pk),
            municipality_id=municipality_id if municipality_id is not None else getattr(instance, "municipality_id", None),
            changes=dict(change),
        )
        for instance, change in changes
        if change
    ]
    return emit_changes(records)


def record_delete(*, user, instance, municipality_id, fields=None, sensitive=False, object_id=None) -> AuditEvent:
    old = snapshot(instance, fields)
    return record_change(
        user=user,
        action=ChangeAction.DELETE,
        instance=instance,
        municipality_id=municipality_id,
        changes=diff(old, {}),
        sensitive=sensitive,
        object_id=object_id,
    )
