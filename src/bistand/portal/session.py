"""Who is logged in to the e-service: the applicant's session.

Applicants are not Django users. After an e-ID login the session holds the personnummer, the name from
the e-ID and when the login happened (``SESSION_KEY``). The Person ids of that personnummer — one per
municipality that knows the person — are looked up on every request (:attr:`Applicant.person_ids`), so
that a person the municipality registers during the session (a first application) is included at once.

The applicant's session ends after :data:`IDLE_SECONDS` without activity, and at logout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property, wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from bistand.identity.base import EidIdentity
from bistand.people.models import Person

SESSION_KEY = "bistand_applicant"
IDLE_SECONDS = 30 * 60
_TOUCH_AFTER = 60


@dataclass
class Applicant:
    personnummer: str
    given_name: str
    family_name: str
    provider: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @cached_property
    def persons(self) -> list[Person]:
        return list(Person.objects.filter(personnummer=self.personnummer).select_related("municipality").order_by("pk"))

    @property
    def person_ids(self) -> list[int]:
        return [p.pk for p in self.persons]

    def person_in(self, municipality_id: int) -> Person | None:
        return next((p for p in self.persons if p.municipality_id == municipality_id), None)

    def forget_persons(self) -> None:
        self.__dict__.pop("persons", None)


def sign_in(request, identity: EidIdentity) -> Applicant:
    """Log the applicant in (a new session key, so that a session id known before the login is useless)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "personnummer": identity.personnummer,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "provider": identity.provider,
        "seen": time.time(),
    }
    request.session.set_expiry(IDLE_SECONDS)
    return current_applicant(request)


def sign_out(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def current_applicant(request) -> Applicant | None:
    data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not data or not data.get("personnummer"):
        return None
    if time.time() - data.get("seen", 0) > IDLE_SECONDS:
        request.session.pop(SESSION_KEY, None)
        return None
    if time.time() - data.get("seen", 0) > _TOUCH_AFTER:
        request.session[SESSION_KEY] = {**data, "seen": time.time()}
    cached = getattr(request, "_bistand_applicant", None)
    if cached is None:
        cached = Applicant(data["personnummer"], data.get("given_name", ""), data.get("family_name", ""),
                           data.get("provider", ""))
        request._bistand_applicant = cached
    return cached


def login_url(next_path: str) -> str:
    return f"{reverse('portal:login')}?{urlencode({'next': next_path})}"


def applicant_required(view):
    """The view needs a logged-in applicant (``request.applicant``); others go to the e-ID login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        applicant = current_applicant(request)
        if applicant is None:
            return redirect(login_url(request.get_full_path()))
        request.applicant = applicant
        return view(request, *args, **kwargs)

    return wrapper
