"""The bulk versions of the services that the monthly run uses give the same result as the one-at-a-time
services they stand beside: register fetches, stored calculations, status changes, payments and audit
events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bistand.applications.models import Application
from bistand.applications.services import set_status_many
from bistand.audit.models import AuditEvent
from bistand.audit.services import record_create_many
from bistand.calculations.models import StoredCalculation
from bistand.calculations.services import (
    CalculationConflictError,
    build_input_for_household,
    calculate_and_store,
    calculate_and_store_many,
    earlier_calculations,
    members_in_month,
)
from bistand.demo import loader
from bistand.people.models import Household, Person
from bistand.registers.models import RegisterFact, RegisterFetch
from bistand.registers.services import fetch_for_person, fetch_for_persons, newest_fetches
from bistand.registers.ssbtek.simulator import SimulatorClient
from tests.decisions.factories import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    with loader.quiet_audit_console():
        loader.load_demo(households_per_municipality=4, months=4, last_month="2026-03")


def _facts(fetch):
    return sorted((f.agency, f.kind, f.amount_ore, f.period, str(sorted(f.payload.items())))
                  for f in RegisterFact.objects.filter(fetch=fetch))


def test_the_simulator_answers_many_persons_as_it_answers_each(demo, settings):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 30  # some deviating persons too
    persons = list(Person.objects.all())
    client = SimulatorClient()
    many = client.fetch_many(persons, MONTH)
    assert set(many) == {p.pk for p in persons}
    for person in persons:
        assert many[person.pk] == client.fetch(person, MONTH), person.personnummer
    assert any(r.facts for r in many.values())


def test_fetching_many_persons_stores_what_fetching_one_by_one_stores(demo):
    persons = list(Person.objects.order_by("pk"))
    half = len(persons) // 2
    one_by_one = {p.pk: fetch_for_person(p, MONTH) for p in persons[:half]}
    with transaction.atomic():
        fetches = fetch_for_persons(persons, MONTH)
    assert set(fetches) == {p.pk for p in persons}
    # persons fetched before are not asked again
    assert all(fetches[pk].pk == fetch.pk for pk, fetch in one_by_one.items())
    assert RegisterFetch.objects.count() == len(persons)
    assert all(f.number == 1 for f in RegisterFetch.objects.all())
    # what the bulk path stored is what the single path stores for the same person
    for person in persons[half:]:
        stored = _facts(fetches[person.pk])
        RegisterFact.objects.filter(fetch=fetches[person.pk]).delete()
        RegisterFetch.objects.filter(pk=fetches[person.pk].pk).delete()
        assert _facts(fetch_for_person(person, MONTH)) == stored
    assert AuditEvent.objects.filter(model="registers.registerfetch").count() >= len(persons)
    assert newest_fetches([p.pk for p in persons], MONTH).keys() == {p.pk for p in persons}


def test_calculating_many_households_stores_what_calculating_each_stores(demo):
    households = list(Household.objects.select_related("municipality").order_by("pk"))
    month = dt.date(2026, 3, 1)
    members = members_in_month([h.pk for h in households], month)
    earlier = earlier_calculations([h.pk for h in households], month)
    documents = []
    for household in households:
        costs = [{"type": "rent", "amount": 5000 + household.pk}]
        prefetched = build_input_for_household(household, month, costs=costs, members=members.get(household.pk),
                                               earlier=earlier.get(household.pk))
        assert prefetched == build_input_for_household(household, month, costs=costs)
        documents.append((household, month, prefetched))
    first = calculate_and_store(households[0], month, documents[0][2], "system")
    wrong = (households[1], month, {**documents[1][2], "month": "2026-02"})
    with transaction.atomic():
        rows = calculate_and_store_many([*documents, wrong], "system")
    assert rows[0] == first  # already stored: the same row
    assert isinstance(rows[-1], CalculationConflictError)
    for (household, _, document), row in zip(documents, rows, strict=False):
        assert isinstance(row, StoredCalculation) and row.household_id == household.pk
        single = calculate_and_store(household, month, document, "system")
        assert single.pk == row.pk  # the same input is the same stored calculation
    again = calculate_and_store_many(documents, "system")
    assert [r.pk for r in again] == [r.pk for r in rows[:-1]]


def test_many_status_changes_are_checked_like_one(settings):
    from tests.decisions.factories import make_application
    from tests.factories import MunicipalityFactory, household_with_members

    municipality = MunicipalityFactory()
    submitted = [make_application(household_with_members(municipality), MONTH) for _ in range(3)]
    with transaction.atomic():
        changed = set_status_many(submitted, "decided", actor=None)
    assert len(changed) == 3
    assert set(Application.objects.values_list("status", flat=True)) == {"decided"}
    assert AuditEvent.objects.filter(model="applications.application", changes__status__new="decided").count() == 3
    assert set_status_many(submitted, "decided", actor=None) == []  # already decided: nothing to do
    with pytest.raises(ValidationError):
        set_status_many(submitted, "submitted", actor=None)  # decided → submitted is not allowed


def test_many_audit_events_are_one_per_object(demo):
    persons = list(Person.objects.all()[:5])
    before = AuditEvent.objects.count()
    events = record_create_many(user=None, instances=persons, fields=["personnummer"])
    assert AuditEvent.objects.count() - before == len(events) == 5
    assert {e.object_id for e in events} == {str(p.pk) for p in persons}
    assert all(e.user_display_name == "Systemet" and e.municipality_id == p.municipality_id
               for e, p in zip(events, persons, strict=True))
