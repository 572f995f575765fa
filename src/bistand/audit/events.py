"""The audit logger: one place that every audit event goes through.

An event has a name (see :class:`Event`) and primitive fields (ids, codes, short strings). Each event
is

1. handed to the database adapter (:class:`DatabaseAdapter`), which turns it into rows — AccessLog rows
   for reads, one AuditEvent row for a change — in the caller's transaction; and
2. sent to the ``bistand.audit`` logger (stdout in the default logging set-up) as one line with the
   event name and its fields.

The log line carries ids and field *names* only — never names, addresses, personnummer or the changed
values — so the process output holds no personal data; the values are in the database only.

The database write does not depend on the logging configuration: an audit trail cannot be switched
off with a log level.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from bistand.bulkinsert import insert_many

from .models import AccessLog, AuditEvent

logger = logging.getLogger("bistand.audit")


class Event:
    """Event names."""

    ACCESS = "access"  # person-level data was shown (fields: action, person_ids, target, purpose)
    CHANGE = "change"  # an object was created, changed or deleted (fields: action, model, object_id, changes)


Primitive = str | int | float | bool | None


@dataclass(frozen=True)
class AccessRecord:
    user_id: int
    user_display_name: str
    action: str
    target: str
    purpose: str
    path: str
    persons: tuple[tuple[int, int], ...]  # (person_id, municipality_id)


@dataclass(frozen=True)
class ChangeRecord:
    user_id: int | None
    user_display_name: str
    action: str
    model: str
    object_id: str
    municipality_id: int | None
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sensitive: bool = False


class DatabaseAdapter:
    """Turns audit events into database rows (the only writer of AccessLog and AuditEvent)."""

    def write_access(self, record: AccessRecord) -> list[AccessLog]:
        now = timezone.now()
        rows = [
            AccessLog(
                created_at=now,
                user_id=record.user_id,
                user_display_name=record.user_display_name[:200],
                person_id=person_id,
                municipality_id=municipality_id,
                action=record.action,
                target=record.target[:200],
                path=record.path[:500],
                purpose=record.purpose,
            )
            for person_id, municipality_id in record.persons
        ]
        if not rows:
            return []
        return AccessLog.objects.bulk_create(rows)

    @staticmethod
    def _change_event(record: ChangeRecord, **extra) -> AuditEvent:
        """The (unsaved) row of one change."""
        return AuditEvent(
            user_id=record.user_id,
            user_display_name=record.user_display_name[:200],
            action=record.action,
            model=record.model,
            object_id=record.object_id,
            municipality_id=record.municipality_id,
            changes=dict(record.changes),
            sensitive=record.sensitive,
            **extra,
        )

    def write_changes(self, records: list[ChangeRecord]) -> list[AuditEvent]:
        """Many changes in one INSERT (bulk work such as the monthly run)."""
        now = timezone.now()
        return insert_many([self._change_event(record, created_at=now) for record in records])

    def write_change(self, record: ChangeRecord) -> AuditEvent:
        event = self._change_event(record)
        event.save(force_insert=True)
        return event


adapter = DatabaseAdapter()


def _log(event: str, fields: Mapping[str, Primitive | Iterable[Primitive]]) -> None:
    def fmt(value):
        if isinstance(value, (list, tuple, set, frozenset)):
            return ",".join(str(v) for v in value)
        return str(value)

    logger.info(
        "%s %s",
        event,
        " ".join(f"{key}={fmt(value)}" for key, value in fields.items()),
        extra={"audit_event": event, "audit_fields": dict(fields)},
    )


def emit_access(record: AccessRecord) -> list[AccessLog]:
    rows = adapter.write_access(record)
    if record.persons:
        _log(
            Event.ACCESS,
            {
                "action": record.action,
                "user_id": record.user_id,
                "person_ids": sorted({pid for pid, _ in record.persons}),
                "target": record.target,
                "purpose": record.purpose,
            },
        )
    return rows


def emit_changes(records: list[ChangeRecord]) -> list[AuditEvent]:
    """Many changes at once: one AuditEvent row each (one INSERT), and one log line per model and action
    with the number of objects (not one line per object)."""
    rows = adapter.write_changes(records)
    groups: dict[tuple[str, str, int | None], list[str]] = {}
    for record in records:
        groups.setdefault((record.model, record.action, record.user_id), []).append(record.object_id)
    for (model, action, user_id), object_ids in groups.items():
        _log(
            Event.CHANGE,
            {
                "action": action,
                "user_id": user_id,
                "model": model,
                "count": len(object_ids),
                "first_object_id": object_ids[0],
                "last_object_id": object_ids[-1],
            },
        )
    return rows


def emit_change(record: ChangeRecord) -> AuditEvent:
    row = adapter.write_change(record)
    _log(
        Event.CHANGE,
        {
            "action": record.action,
            "user_id": record.user_id,
            "model": record.model,
            "object_id": record.object_id,
            "municipality_id": record.municipality_id,
            "fields": sorted(record.changes),
            "audit_event_id": row.pk,
        },
    )
    return row
