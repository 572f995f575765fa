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
    #: the title and text as message parts, ((msgid, params), …), for the applicant's language (``title`` and
    #: ``text`` are their Swedish; see :func:`swedish`). Empty: the title is a msgid itself, the text as it is.
    title_parts: tuple = ()
    text_parts: tuple = ()

    @classmethod
    def of(cls, at: dt.datetime, kind: str, title: tuple, text: tuple = (), **ids: Any) -> CaseEvent:
        """An event whose title and text are message parts (each a (msgid, params) pair, the msgid marked with
        gettext_noop where it is written; a date among the params is a month)."""
        return cls(at, kind, swedish(title), swedish(text), title_parts=title, text_parts=text, **ids)

    @classmethod
    def coerce(cls, value: Any) -> CaseEvent | None:  # noqa: D102
        """A CaseEvent from another app's event (a CaseEvent or a dict with the same keys)."""
        if isinstance(value, CaseEvent):
            return value
        if isinstance(value, dict) and value.get("at") and value.get("kind"):
            fields = {k: value.get(k) for k in cls.__dataclass_fields__ if k in value}
            fields.setdefault("title", str(value.get("kind")))
            return cls(**fields)
        return None


def swedish(parts: tuple) -> str:
    """Message parts ((msgid, params), …) as Swedish: each msgid filled in (a date is a month, "mars 2026")."""
    from bistand.common.months import month_sv

    return " ".join(msgid % {key: month_sv(value) if isinstance(value, dt.date) else value for key, value in params.items()}
                    if params else msgid for msgid, params in parts)
