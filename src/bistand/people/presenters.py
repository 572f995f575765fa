"""How a person is shown to a user: the one place that hides protected identities.

Every page, list, export and admin screen shows names and addresses through :func:`present_person`
(or :func:`present_persons`), never from the model's fields. For a person with protected identity
(skyddad identitet) the name and the address are replaced by "Skyddad identitet" unless the user has
the permission ``people.view_protected_identity`` (which no role has; it is given to named users).

Searching by name must not find protected persons for such users either (that would reveal that the
name matches): see :func:`bistand.people.selectors.search_persons`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bistand.tenancy.roles import VIEW_PROTECTED_IDENTITY

from .models import Person, PersonKind

PROTECTED_TEXT = "Skyddad identitet"


def can_see_protected(user) -> bool:
    """True when ``user`` may see names and addresses of persons with protected identity."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PROTECTED_IDENTITY))


def format_postal_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}" if len(code) == 5 else code


@dataclass(frozen=True)
class PersonView:
    """What a template may show about a person."""

    pk: int
    personnummer: str  # YYYYMMDD-NNNC
    kind: str
    kind_label: str
    birth_date: dt.date
    protected_identity: bool
    hidden: bool  # True when name and address are hidden from this user
    first_name: str
    last_name: str
    care_of: str
    street_address: str
    postal_code: str
    postal_town: str

    @property
    def display_name(self) -> str:
        if self.hidden:
            return PROTECTED_TEXT
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def address_lines(self) -> list[str]:
        if self.hidden:
            return [PROTECTED_TEXT]
        lines = []
        if self.care_of:
            lines.append(f"c/o {self.care_of}")
        if self.street_address:
            lines.append(self.street_address)
        town = " ".join(part for part in (self.postal_code, self.postal_town) if part)
        if town:
            lines.append(town)
        return lines

    def __str__(self) -> str:
        return f"{self.display_name} ({self.personnummer})"


def present_person(person: Person, user=None, *, reveal: bool | None = None) -> PersonView:
    """The view of ``person`` for ``user``. Pass ``reveal`` when it is already known (lists)."""
    if reveal is None:
        reveal = can_see_protected(user)
    hidden = person.protected_identity and not reveal
    number = person.personnummer
    return PersonView(
        pk=person.pk,
        personnummer=f"{number[:8]}-{number[8:]}" if len(number) == 12 else number,
        kind=person.kind,
        kind_label=PersonKind(person.kind).label if person.kind in PersonKind.values else person.kind,
        birth_date=person.birth_date,
        protected_identity=person.protected_identity,
        hidden=hidden,
        first_name="" if hidden else person.first_name,
        last_name="" if hidden else person.last_name,
        care_of="" if hidden else person.care_of,
        street_address="" if hidden else person.street_address,
        postal_code="" if hidden else format_postal_code(person.postal_code),
        postal_town="" if hidden else person.postal_town,
    )


def present_persons(persons: Iterable[Person], user) -> list[PersonView]:
    reveal = can_see_protected(user)
    return [present_person(p, reveal=reveal) for p in persons]


def mask_changes(changes: dict, *, hidden: bool) -> dict:
    """Audit-event changes with the values of protected fields replaced when ``hidden``."""
    if not hidden:
        return changes
    return {
        field: ({"old": PROTECTED_TEXT, "new": PROTECTED_TEXT} if field in Person.PROTECTED_FIELDS else values)
        for field, values in changes.items()
    }
