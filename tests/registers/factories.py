"""Builders for register facts (one fetch through the real service, from simulator fixtures)."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings

from bistand.registers.models import RegisterFact, RegisterFetch
from bistand.registers.services import fetch_for_person
from tests.factories import PersonFactory

PERIOD = dt.date(2026, 3, 1)


def fetch_with_facts(person, period=PERIOD, facts=None):
    """A fetch of ``person`` for ``period`` whose answer is ``facts`` (simulator fixture entries:
    ``[{"agency", "kind", "amount" (kronor or None), "payload"}]``; default: a wage of 5 000 kr and the
    registration at Arbetsförmedlingen)."""
    entries = facts if facts is not None else [
        {"agency": "skv", "kind": "wage", "amount": 5000},
        {"agency": "af", "kind": "registration", "amount": None, "payload": {"registered": True}},
    ]
    with override_settings(BISTAND_SSBTEK_SIMULATOR_FIXTURES={person.personnummer: {"*": entries}}):
        return fetch_for_person(person, period, refresh=True)


# --- builders for tests/factories.PERSON_LEVEL_BUILDERS ------------------------------------------------


def build_register_fetch(municipality, *, pk=None, made, **fields) -> RegisterFetch:
    person = made.get("people.person") or PersonFactory(municipality=municipality)
    fetch = fetch_with_facts(person)
    if pk is not None:
        # Move the fetch (and its facts) to the wanted primary key.
        facts = list(fetch.facts.all())
        RegisterFact.objects.filter(fetch=fetch).delete()
        RegisterFetch.objects.filter(pk=fetch.pk).delete()
        fetch.pk = pk
        fetch.save(force_insert=True)
        for fact in facts:
            fact.fetch = fetch
            fact.pk = None
            fact.save()
    return fetch


def build_register_fact(municipality, *, pk=None, made, **fields) -> RegisterFact:
    fetch = made.get("registers.registerfetch") or build_register_fetch(municipality, made=made)
    fact = fetch.facts.order_by("pk").first()
    if pk is not None:
        copy = RegisterFact.objects.get(pk=fact.pk)
        copy.pk = pk
        copy.kind = "sickness_benefit"
        copy.agency = "fk"
        copy.save(force_insert=True)
        return copy
    return fact
