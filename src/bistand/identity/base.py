"""The e-ID plugin interface.

A login is two steps, like every e-ID service:

1. :meth:`EidProvider.start` is called by the page that wants a login (the e-service, the staff login)
   with ``next_url``: the path of *that page's* view which will finish the login. The provider remembers
   the login attempt in the session (a one-time ``state``) and sends the browser to the e-ID service
   (for the simulator: the simulator's own page).
2. The e-ID service sends the browser back to ``next_url`` with ``state`` (and a code); that view calls
   :meth:`EidProvider.complete`, which checks the attempt and returns an :class:`EidIdentity` — or
   raises :class:`EidError` with a message for the person.

What the caller does with the identity (signing in an applicant or a member of staff) is not the
provider's business.
"""

from __future__ import annotations

import abc
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse

from bistand.common.plugins import Plugin

#: Session key of the login attempts in progress: {state: {...}}.
PENDING_SESSION_KEY = "bistand_eid_pending"
#: How long a login attempt may take, in seconds.
PENDING_MAX_AGE = 600
#: At most this many attempts are remembered at once (several tabs); the oldest is forgotten first.
PENDING_MAX = 5


class EidError(Exception):
    """The login did not succeed. ``message`` is plain Swedish for the person trying to log in; ``code``
    is for logs and tests (``cancelled``, ``state``, ``expired``, ``token``, ``idp``, ``claims``,
    ``config``, ``refused``)."""

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class EidIdentity:
    """Who logged in. ``personnummer`` is the normalised 12-digit number ("" when the e-ID service does
    not give one, as for some staff cards)."""

    personnummer: str
    given_name: str
    family_name: str
    provider: str
    raw_claims: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class EidProvider(Plugin, abc.ABC):
    """One e-ID plugin (see the module docstring)."""

    @abc.abstractmethod
    def start(self, request, next_url: str) -> HttpResponse:
        """Begin a login; the answer sends the browser to the e-ID service."""

    @abc.abstractmethod
    def complete(self, request) -> EidIdentity:
        """Finish the login the e-ID service sent the browser back from (raises :class:`EidError`)."""


# --- login attempts in the session ------------------------------------------------------------------


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def remember_pending(request, state: str, data: dict[str, Any]) -> None:
    """Remember a login attempt under its one-time ``state``."""
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    now = time.time()
    pending = {k: v for k, v in pending.items() if now - v.get("created", 0) <= PENDING_MAX_AGE}
    while len(pending) >= PENDING_MAX:
        oldest = min(pending, key=lambda k: pending[k].get("created", 0))
        del pending[oldest]
    pending[state] = {**data, "created": now}
    request.session[PENDING_SESSION_KEY] = pending


def peek_pending(request, state: str | None) -> dict[str, Any] | None:
    """The login attempt ``state`` if it is in progress and not too old (it stays remembered)."""
    if not state:
        return None
    entry = (request.session.get(PENDING_SESSION_KEY) or {}).get(state)
    if entry is None or time.time() - entry.get("created", 0) > PENDING_MAX_AGE:
        return None
    return dict(entry)


def update_pending(request, state: str, **values: Any) -> None:
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    if state in pending:
        pending[state] = {**pending[state], **values}
        request.session[PENDING_SESSION_KEY] = pending


def take_pending(request, state: str | None) -> dict[str, Any]:
    """Take (and forget) the login attempt ``state``: each attempt can be completed once."""
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    entry = pending.pop(state, None) if state else None
    request.session[PENDING_SESSION_KEY] = pending
    if entry is None:
        raise EidError(
            "Inloggningen kunde inte kopplas till den här webbläsaren, eller så har den redan använts. "
            "Börja om inloggningen.",
            "state",
        )
    if time.time() - entry.get("created", 0) > PENDING_MAX_AGE:
        raise EidError("Inloggningen tog för lång tid. Börja om inloggningen.", "expired")
    return entry
