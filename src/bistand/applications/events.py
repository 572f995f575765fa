"""The case as a stream of events for "Mitt ärende": received, more information requested, decided,
paid. Decisions and payments contribute their own events through ``events_for_application``
(see :func:`bistand.casework.timeline.case_events`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseEvent:
    at: dt.datetime
    kind: str  # received, awaiting_co_applicant, completion_requested, completion_answered, decided, paid
    title: str
    text: str = ""
    application_id: int | None = None
    decision_id: int | None = None
    payment_id: int | None = None

    @classmethod
    def coerce(cls, value: Any) -> CaseEvent | None:
        """A CaseEvent from another app's event (a CaseEvent or a dict with the same keys)."""
        if isinstance(value, CaseEvent):
            return value
        if isinstance(value, dict) and value.get("at") and value.get("kind"):
            fields = {k: value.get(k) for k in cls.__dataclass_fields__ if k in value}
            fields.setdefault("title", str(value.get("kind")))
            return cls(**fields)
        return None
