"""The applicant's reads that the e-service pages call: the declaration's sections, the open requests
for more information, the recurring offers and who may re-apply for a household."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from bistand.applications import declaration as decl
from bistand.applications import selectors
from bistand.applications.models import ApplicationKind, ApplicationStatus, CompletionRequest, CompletionStatus
from bistand.people.models import HouseholdRole
from tests.applications.factories import ApplicationFactory
from tests.factories import HouseholdMemberFactory, PersonFactory, UserFactory, household_with_members

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def test_declaration_sections_follow_the_form_and_carry_the_declared_rows():
    application = ApplicationFactory()
    sections = selectors.declaration_sections(application)
    assert [(key, label) for key, label, _ in sections] == list(decl.SECTIONS)
    summary = decl.summary(application.declaration)
    assert all(rows == summary.get(key, []) for key, _, rows in sections)
    assert any(rows for _, _, rows in sections)


def test_open_completion_requests_are_only_the_applicants_own_and_open_ones_earliest_due_first():
    own = ApplicationFactory()
    other = ApplicationFactory()
    requester = UserFactory()

    def request(application, due, status=CompletionStatus.OPEN):
        return CompletionRequest.objects.create(municipality=application.municipality, application=application,
                                                requested_by=requester, text="Lönebesked", due_date=due, status=status)

    late, early = request(own, MARCH + dt.timedelta(days=20)), request(own, MARCH + dt.timedelta(days=5))
    request(own, MARCH, status=CompletionStatus.CANCELLED)
    request(other, MARCH)
    assert selectors.open_completion_requests_of([own.applicant_id]) == [early, late]
    assert selectors.open_completion_requests_of([]) == []


def test_a_received_application_offers_this_and_next_month():
    application = ApplicationFactory(month=dt.date(2026, 2, 1))
    offers = selectors.recurring_offers([application], dt.date(2026, 3, 14))
    assert [(o["household_id"], o["month"]) for o in offers] == [(application.household_id, "2026-03"),
                                                                 (application.household_id, "2026-04")]
    assert offers[0]["label"] == "mars 2026" and offers[0]["municipality"] == application.municipality.name


def test_no_offer_for_a_month_with_a_live_application_nor_from_a_draft():
    household = household_with_members(PersonFactory().municipality)
    applicant = household.members.first().person
    february = ApplicationFactory(household=household, applicant=applicant, month=dt.date(2026, 2, 1))
    march = ApplicationFactory(household=household, applicant=applicant, month=MARCH, kind=ApplicationKind.RECURRING,
                               status=ApplicationStatus.DRAFT)
    assert [o["month"] for o in selectors.recurring_offers([march, february], dt.date(2026, 3, 2))] == ["2026-04"]
    march.status = ApplicationStatus.WITHDRAWN
    assert [o["month"] for o in selectors.recurring_offers([march, february], dt.date(2026, 3, 2))] == ["2026-03", "2026-04"]
    assert selectors.recurring_offers([march], dt.date(2026, 3, 2)) == []


def test_no_offer_for_a_month_not_after_the_application():
    application = ApplicationFactory(month=dt.date(2026, 4, 1))
    assert selectors.recurring_offers([application], dt.date(2026, 3, 2)) == []


def test_recurring_applicant_is_the_registered_applicant_or_partner():
    household = household_with_members(PersonFactory().municipality, adults=2)
    applicant = household.members.get(role=HouseholdRole.APPLICANT).person
    assert selectors.recurring_applicant([applicant.pk], household.pk) == (household, applicant)
    child = HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD).person
    with pytest.raises(Http404):
        selectors.recurring_applicant([child.pk], household.pk)


def test_recurring_applicant_not_yet_in_the_register_is_the_applicant_of_an_earlier_application():
    household = household_with_members(PersonFactory().municipality)
    newcomer = PersonFactory(municipality=household.municipality)
    ApplicationFactory(household=household, applicant=newcomer)
    assert selectors.recurring_applicant([newcomer.pk], household.pk) == (household, newcomer)
    stranger = PersonFactory(municipality=household.municipality)
    with pytest.raises(Http404):
        selectors.recurring_applicant([stranger.pk], household.pk)
