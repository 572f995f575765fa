"""Fetching register data (SSBTEK) for an application, and comparing it with what was declared.

:func:`fetch_for_application` asks the configured SSBTEK plugin (:mod:`bistand.common.plugins`)
about every person of the application for its month and stores each answer as a
:class:`~bistand.registers.models.RegisterFetch` with its facts, and an audit event. It is idempotent:
a person and month already fetched is not asked again (unless ``refresh=True``, which makes a new
fetch with the next number and keeps the old one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from bistand.audit.services import record_create
from bistand.bulkinsert import insert_many
from bistand.common import plugins as registry
from bistand.tenancy.scoping import check_can_act_in

from .models import RegisterFact, RegisterFetch
from .selectors import (
    Comparison,
    Difference,
    application_persons,
    differences,
    facts_of_fetches,
    income_comparison,
    latest_fetches,
    register_facts_for,
)
from .ssbtek.base import SsbtekClient

FETCH_AUDIT_FIELDS = ["person", "period", "number", "source", "fetched_by", "fact_count"]


def ssbtek_client() -> SsbtekClient:
    """The SSBTEK plugin the settings choose (``BISTAND_SSBTEK_PLUGIN``, default ``simulator``)."""
    return registry.get("ssbtek")


def _store(person, period: dt.date, client: SsbtekClient, user, number: int) -> RegisterFetch:
    response = client.fetch(person, period)
    now = timezone.now()
    fetch = RegisterFetch(
        municipality_id=person.municipality_id,
        person=person,
        period=period,
        number=number,
        source=response.source or client.name,
        fetched_at=now,
        fetched_by=user,
        fact_count=len(response.facts),
    )
    fetch.save()
    RegisterFact.objects.bulk_create(
        [
            RegisterFact(
                municipality_id=person.municipality_id,
                person=person,
                fetch=fetch,
                period=fact.period,
                agency=fact.agency,
                kind=fact.kind,
                amount_ore=fact.amount_ore,
                payload=fact.payload,
                source=fetch.source,
                fetched_at=now,
            )
            for fact in response.facts
        ]
    )
    record_create(user=user, instance=fetch, municipality_id=fetch.municipality_id, fields=FETCH_AUDIT_FIELDS)
    return fetch


def fetch_for_person(person, period: dt.date, *, user=None, refresh: bool = False,
                     client: SsbtekClient | None = None) -> RegisterFetch:
    """The newest fetch of ``person`` for ``period``, asking the register first when there is none
    (or always, with ``refresh``). ``user`` is who asked (None: the system)."""
    period = period.replace(day=1)
    check_can_act_in(user, person.municipality_id)
    existing = latest_fetches([person.pk], period).get(person.pk)
    if existing is not None and not refresh:
        return existing
    client = client or ssbtek_client()
    number = 1 if existing is None else existing.number + 1
    try:
        with transaction.atomic():
            return _store(person, period, client, user, number)
    except IntegrityError:
        # Someone else fetched the same person and month at the same moment: that fetch stands.
        return latest_fetches([person.pk], period)[person.pk]


def fetch_for_application(application, *, user=None, refresh: bool = False,
                          client: SsbtekClient | None = None) -> list[RegisterFact]:
    """Fetch register data for every person of ``application`` (applicant, co-applicant, household
    members) for its month, and return the facts that now count (those of each person's newest
    fetch). Idempotent; see the module docstring."""
    check_can_act_in(user, application.municipality_id)
    persons = application_persons(application)
    client = client or ssbtek_client()
    fetches = [fetch_for_person(person, application.month, user=user, refresh=refresh, client=client)
               for person in persons]
    return facts_of_fetches(fetches)


def newest_fetches(person_ids: Iterable[int], period: dt.date) -> dict[int, RegisterFetch]:
    """person id → the newest fetch of each person for ``period`` (one query, also for thousands of
    persons; persons never fetched are missing). The same answer as ``selectors.latest_fetches``."""
    ids = list(person_ids)
    found: dict[int, RegisterFetch] = {}
    for start in range(0, len(ids), 5000):
        for fetch in RegisterFetch.objects.filter(person_id__in=ids[start:start + 5000], period=period):
            if fetch.person_id not in found or fetch.number > found[fetch.person_id].number:
                found[fetch.person_id] = fetch
    return found


def fetch_for_persons(persons, period: dt.date, *, user=None, client: SsbtekClient | None = None
                      ) -> dict[int, RegisterFetch]:
    """:func:`fetch_for_person` for many persons at once (the monthly run): person id → the newest
    fetch of each person for ``period``, asking the register (``client.fetch_many``) only about those
    never fetched. The new fetches, their facts and their audit events are written with one INSERT
    each; call it inside a transaction. A person fetched by someone else at the same moment makes the
    INSERT fail (IntegrityError) and the caller's transaction roll back; asking again is safe."""
    from bistand.audit.services import record_create_many

    period = period.replace(day=1)
    persons = list({p.pk: p for p in persons}.values())
    for municipality_id in {p.municipality_id for p in persons}:
        check_can_act_in(user, municipality_id)
    fetches = newest_fetches([p.pk for p in persons], period)
    missing = [p for p in persons if p.pk not in fetches]
    if not missing:
        return fetches
    client = client or ssbtek_client()
    answers = client.fetch_many(missing, period)
    now = timezone.now()
    new_fetches = []
    for person in missing:
        response = answers[person.pk]
        new_fetches.append(RegisterFetch(
            municipality_id=person.municipality_id, person=person, period=period, number=1,
            source=response.source or client.name, fetched_at=now, fetched_by=user, fact_count=len(response.facts),
        ))
    insert_many(new_fetches)
    facts = [
        RegisterFact(
            municipality_id=fetch.municipality_id, person=fetch.person, fetch=fetch, period=fact.period,
            agency=fact.agency, kind=fact.kind, amount_ore=fact.amount_ore, payload=fact.payload, source=fetch.source,
            fetched_at=now,
        )
        for fetch in new_fetches
        for fact in answers[fetch.person_id].facts
    ]
    insert_many(facts)
    record_create_many(user=user, instances=new_fetches, fields=FETCH_AUDIT_FIELDS)
    for fetch in new_fetches:
        fetches[fetch.person_id] = fetch
    return fetches


def compare_declared(application, *, tolerance_ore: int | None = None, tolerance_percent: int | None = None,
                     facts: Iterable[RegisterFact] | None = None, persons: list | None = None,
                     fetches=None) -> list[Difference]:
    """The differences between the declared incomes and the register's that are larger than the
    tolerance (default: the settings ``BISTAND_REGISTER_TOLERANCE_ORE`` / ``_PERCENT``, 0 and 0), plus
    one difference for each person whose register data were not fetched. An empty list: everything
    matches. ``persons`` and ``fetches``: see ``selectors.income_comparison``."""
    return differences(application, tolerance_ore=tolerance_ore, tolerance_percent=tolerance_percent, facts=facts,
                       persons=persons, fetches=fetches)


__all__ = [
    "Comparison",
    "Difference",
    "compare_declared",
    "fetch_for_application",
    "fetch_for_person",
    "fetch_for_persons",
    "newest_fetches",
    "income_comparison",
    "register_facts_for",
    "ssbtek_client",
]
