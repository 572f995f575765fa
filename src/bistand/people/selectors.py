"""Reads of persons and households, always scoped to the user's municipality.

The list selectors return querysets whose size-independent query count the staff pages rely on
(one query for the count, one for the page, one per prefetch)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Case, Prefetch, Q, QuerySet, When
from django.utils import timezone

from bistand.tenancy.scoping import get_scoped_or_404, scoped

from . import personnummer as pnr
from .models import Household, HouseholdMember, HouseholdRole, Person
from .presenters import can_see_protected

_PNR_LIKE = re.compile(r"[0-9]{4,12}([-+][0-9]{0,4})?")


def persons_for(user) -> QuerySet[Person]:
    return scoped(Person.objects.all(), user)


def person_for(user, pk: int) -> Person:
    """One person the user may see, or 404."""
    return get_scoped_or_404(Person.objects.select_related("municipality"), user, pk=pk)


def _ordered_for(queryset: QuerySet[Person], user, reveal: bool | None = None) -> QuerySet[Person]:
    """Persons by name; for users who may not see protected identities, protected persons come last in
    personnummer order, so the order does not hint at their names."""
    if reveal is None:
        reveal = can_see_protected(user)
    if reveal:
        return queryset.order_by("last_name", "first_name", "personnummer", "pk")
    return queryset.order_by(
        "protected_identity",
        Case(When(protected_identity=False, then="last_name")),
        Case(When(protected_identity=False, then="first_name")),
        "personnummer",
        "pk",
    )


def search_persons(user, query: str = "", *, today: dt.date | None = None) -> QuerySet[Person]:
    """Persons of the user's municipality matching ``query``.

    * a complete personnummer or samordningsnummer (any accepted form): that number;
    * digits (at least four, optionally with a separator): numbers containing them, e.g. ``850312``;
    * anything else: every word must occur in the first or last name. Persons with protected identity
      are found by name only by users who may see protected identities.
    """
    reveal = can_see_protected(user)
    queryset = persons_for(user)
    text = " ".join((query or "").split())
    if text:
        compact = text.replace(" ", "")
        if _PNR_LIKE.fullmatch(compact):
            try:
                number = pnr.parse(compact, today=today or timezone.localdate())
            except pnr.PersonnummerError:
                digits = re.sub(r"[^0-9]", "", compact)
                queryset = queryset.filter(personnummer__contains=digits)
            else:
                queryset = queryset.filter(personnummer=number.normalised)
        else:
            for word in text.casefold().split(" "):
                queryset = queryset.filter(search_name__contains=word)
            if not reveal:
                queryset = queryset.filter(protected_identity=False)
    return _ordered_for(queryset, user, reveal)


def memberships_of_person(person: Person) -> QuerySet[HouseholdMember]:
    """The person's household memberships, newest first (the person has already been scoped)."""
    return (
        HouseholdMember.objects.filter(person=person)
        .select_related("household", "household__unit")
        .order_by("-valid_from", "-pk")
    )


def households_for(user, *, on: dt.date | None = None) -> QuerySet[Household]:
    """Households of the user's municipality with their members during ``on`` (default today)
    prefetched as ``current_members`` (persons included): three queries for any number of rows."""
    on = on or timezone.localdate()
    current = (
        HouseholdMember.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("person")
        .order_by(
            Case(
                When(role=HouseholdRole.APPLICANT, then=0),
                When(role=HouseholdRole.PARTNER, then=1),
                When(role=HouseholdRole.OTHER_ADULT, then=2),
                default=3,
            ),
            "person__birth_date",
            "pk",
        )
    )
    return (
        scoped(Household.objects.all(), user)
        .select_related("unit")
        .prefetch_related(Prefetch("members", queryset=current, to_attr="current_members"))
        .order_by("-pk")
    )


def household_for(user, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("unit", "municipality"), user, pk=pk)


def members_of_household(household: Household) -> QuerySet[HouseholdMember]:
    """Every membership of the household, current and past (the household has already been scoped)."""
    return (
        HouseholdMember.objects.filter(household=household)
        .select_related("person")
        .order_by(
            Case(When(valid_to__isnull=True, then=0), default=1),
            Case(
                When(role=HouseholdRole.APPLICANT, then=0),
                When(role=HouseholdRole.PARTNER, then=1),
                When(role=HouseholdRole.OTHER_ADULT, then=2),
                default=3,
            ),
            "-valid_from",
            "pk",
        )
    )
