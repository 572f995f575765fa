"""Gallring and the follow-up (issue 19): the condensed layer of the follow-up (CondensedYear) holds the
personnummer of the person-months it is made from, so a gallring that removes a case's person-months drops
the condensed rows of their municipality-years too, in the same transaction, and marks the months for the
refresh, which then counts the case out of the precomputed numbers."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bistand.followup import aggregates as agg
from bistand.followup.models import AggregateTouch, CondensedYear, PersonMonth
from bistand.followup.services import record_assistance_months
from bistand.retention import services
from tests.factories import MunicipalityFactory, household_with_members
from tests.payments.factories import MONTH, issued_decision, payment

pytestmark = pytest.mark.django_db

STOCKHOLM = dt.timezone(dt.timedelta(hours=1))
LAST_ENTRY = dt.datetime(2020, 3, 10, 12, 0, tzinfo=STOCKHOLM)
BIRTH_DATE = dt.date(1980, 6, 3)  # not a research day (5, 15, 25)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def _case_with_person_months(municipality):
    household = household_with_members(municipality, birth_date=BIRTH_DATE)
    decision = issued_decision(municipality, household=household)
    record_assistance_months([payment(decision)])
    return household


def _condensed_text(municipality) -> str:
    return "".join(CondensedYear.objects.filter(municipality=municipality).values_list("rows", flat=True))


def test_gallring_a_case_drops_the_condensed_follow_up_rows_that_hold_its_personnummer():
    municipality = MunicipalityFactory()
    with at(LAST_ENTRY):
        household = _case_with_person_months(municipality)
        person = household.members.first().person
        agg.refresh()
    assert PersonMonth.objects.filter(person=person).exists()
    assert person.personnummer in _condensed_text(municipality)
    assert agg.municipality_dashboard(municipality, MONTH.year).indicators["households"] == 1

    with at(dt.datetime(2025, 6, 1, 12, 0, tzinfo=STOCKHOLM)):
        report = services.gallra(municipality)

    assert report.removed == 1 and not PersonMonth.objects.filter(municipality=municipality).exists()
    assert person.personnummer not in _condensed_text(municipality)
    assert (municipality.pk, MONTH) in set(AggregateTouch.objects.values_list("municipality_id", "month"))
    agg.refresh()
    assert agg.municipality_dashboard(municipality, MONTH.year).indicators["households"] == 0
    assert person.personnummer not in _condensed_text(municipality)


def test_a_dry_run_keeps_the_condensed_follow_up_rows_and_marks_nothing():
    municipality = MunicipalityFactory()
    with at(LAST_ENTRY):
        household = _case_with_person_months(municipality)
        person = household.members.first().person
        agg.refresh()
    with at(dt.datetime(2025, 6, 1, 12, 0, tzinfo=STOCKHOLM)):
        services.gallra(municipality, dry_run=True)
    assert person.personnummer in _condensed_text(municipality) and AggregateTouch.objects.count() == 0
