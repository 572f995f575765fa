"""Assistance-month facts: one per decision and adult when a payment is exported, written once; months
of assistance per person and calendar year, and långvarigt bistånd (10–12 months)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from bistand.followup.models import AssistanceMonth
from bistand.followup.selectors import (
    LONG_TERM_MONTHS,
    is_long_term,
    long_term_person_ids,
    months_of_person,
    months_per_person,
    recipients_summary,
)
from bistand.followup.services import adults_of, record_assistance_months
from bistand.people.models import HouseholdRole
from tests.factories import HouseholdMemberFactory, MunicipalityFactory, PersonFactory, household_with_members
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


def test_each_adult_of_the_household_gets_one_fact_for_the_decisions_month(municipality):
    decision = issued_decision(municipality, adults=2)
    household = decision.household
    HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD, person=PersonFactory(municipality=municipality))
    written = record_assistance_months([payment(decision)])
    facts = AssistanceMonth.objects.filter(decision=decision).order_by("role")
    assert len(written) == 2
    assert [(f.person_id, f.role) for f in facts] == [
        (decision.application.applicant_id, "applicant"),
        (decision.application.co_applicant_id, "partner"),
    ]
    for fact in facts:
        assert (fact.municipality_id, fact.household_id, fact.month) == (municipality.pk, household.pk, dt.date(2026, 3, 1))
        assert fact.amount_ore == decision.amount_ore


def test_writing_the_facts_again_writes_nothing_new(municipality):
    paid = payment(issued_decision(municipality, adults=2))
    record_assistance_months([paid])
    assert record_assistance_months([paid]) == []
    assert AssistanceMonth.objects.count() == 2


def test_the_database_refuses_a_second_fact_for_the_same_decision_and_person(municipality):
    paid = payment(issued_decision(municipality))
    [fact] = record_assistance_months([paid])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssistanceMonth.objects.create(
            municipality=municipality, household=fact.household, person=fact.person, month=fact.month,
            decision=fact.decision, amount_ore=fact.amount_ore, role="applicant",
        )


def test_a_partner_who_moved_in_after_the_month_is_not_counted(municipality):
    household = household_with_members(municipality, adults=1)
    HouseholdMemberFactory(household=household, role=HouseholdRole.PARTNER, person=PersonFactory(municipality=municipality),
                           valid_from=dt.date(2026, 4, 1))
    decision = issued_decision(municipality, household=household)
    assert [role for _, role in adults_of(decision)] == ["applicant"]


def months_for(person, household, months: list[dt.date]):
    """Facts for ``person`` in the given months (one decision each, as the monthly run would make)."""
    for month in months:
        decision = issued_decision(person.municipality, household=household, month=month)
        AssistanceMonth.objects.create(
            municipality=person.municipality, household=household, person=person, month=month, decision=decision,
            amount_ore=decision.amount_ore, role="applicant",
        )


def test_months_are_counted_per_person_and_calendar_year_and_each_month_once(municipality):
    household = household_with_members(municipality)
    person = household.members.get().person
    months_for(person, household, [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)])
    # A supplementary decision for February: the month still counts once.
    extra = issued_decision(municipality, household=household_with_members(municipality), month=dt.date(2026, 2, 1))
    AssistanceMonth.objects.create(municipality=municipality, household=household, person=person, month=dt.date(2026, 2, 1),
                                   decision=extra, amount_ore=50000, role="applicant")
    assert months_of_person(person, 2026) == 2
    assert months_of_person(person, 2025) == 1
    assert list(months_per_person(municipality.pk, 2026)) == [{"person_id": person.pk, "months": 2}]


def test_ten_months_of_a_calendar_year_make_the_assistance_long_term(municipality):
    long_household, short_household = household_with_members(municipality), household_with_members(municipality)
    long_person, short_person = long_household.members.get().person, short_household.members.get().person
    months_for(long_person, long_household, [dt.date(2026, m, 1) for m in range(1, 11)])
    months_for(short_person, short_household, [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 10)])
    assert long_term_person_ids(municipality.pk, 2026) == {long_person.pk}
    assert recipients_summary(municipality.pk, 2026) == {"adults": 2, "long_term": 1}
    assert LONG_TERM_MONTHS == 10 and is_long_term(10) and is_long_term(12) and not is_long_term(9)


def test_other_municipalities_facts_are_not_counted(municipality):
    other = MunicipalityFactory()
    household = household_with_members(other)
    months_for(household.members.get().person, household, [dt.date(2026, 1, 1)])
    assert list(months_per_person(municipality.pk, 2026)) == []
