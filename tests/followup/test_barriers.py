"""Försörjningshinder per adult per decision (versioned code list) and end reasons of households."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bistand.audit.models import AuditEvent
from bistand.followup.barriers import code_list, record_end_reason, record_support_barrier
from bistand.followup.models import HouseholdEnd, MonthRole, PersonMonth, SupportBarrier
from bistand.followup.services import record_assistance_months
from bistand.people.models import HouseholdRole
from tests.factories import PersonFactory
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db


def test_the_code_list_has_a_version_and_says_it_is_unverified():
    barriers = code_list()
    assert barriers.version == "2026.1" and barriers.verified is False
    assert barriers.barriers["unemployed_no_benefit"].label == "Arbetslös – ingen ersättning eller stöd"
    assert "unemployed" not in barriers.barriers  # a group with options is a heading, not a choice
    assert barriers.barriers["social_reasons"].verified is True


def test_each_adult_of_a_decision_gets_one_barrier_and_the_same_code_again_changes_nothing(municipality):
    decision = issued_decision(municipality, adults=2)
    applicant = decision.application.applicant
    partner = decision.household.members.get(role=HouseholdRole.PARTNER).person
    record_support_barrier(actor=None, decision=decision, person=applicant, code="unemployed_no_benefit")
    record_support_barrier(actor=None, decision=decision, person=partner, code="sick_insufficient")
    record_support_barrier(actor=None, decision=decision, person=applicant, code="unemployed_no_benefit")
    assert dict(SupportBarrier.objects.values_list("person_id", "code")) == {
        applicant.pk: "unemployed_no_benefit", partner.pk: "sick_insufficient"}
    assert AuditEvent.objects.filter(model="followup.supportbarrier").count() == 2
    record_support_barrier(actor=None, decision=decision, person=applicant, code="social_reasons")
    assert SupportBarrier.objects.get(person=applicant).code == "social_reasons"
    assert AuditEvent.objects.filter(model="followup.supportbarrier", action="update").count() == 1


def test_an_unknown_code_or_a_person_who_is_not_an_adult_of_the_decision_is_refused(municipality):
    decision = issued_decision(municipality)
    with pytest.raises(ValidationError) as caught:
        record_support_barrier(actor=None, decision=decision, person=decision.application.applicant, code="lazy")
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        record_support_barrier(actor=None, decision=decision, person=PersonFactory(municipality=municipality),
                               code="unemployed_no_benefit")
    assert "person" in caught.value.message_dict
    assert SupportBarrier.objects.count() == 0


def test_an_end_reason_reaches_the_person_month_base_and_survives_a_new_payment_of_the_month(municipality):
    decision = issued_decision(municipality, month=dt.date(2026, 3, 1))
    paid = payment(decision)
    record_assistance_months([paid])
    record_end_reason(actor=None, household=decision.household, month=dt.date(2026, 3, 15), reason="work")
    record_end_reason(actor=None, household=decision.household, month=dt.date(2026, 3, 1), reason="work")
    assert HouseholdEnd.objects.count() == 1
    applicant_row = PersonMonth.objects.get(role=MonthRole.APPLICANT)
    assert applicant_row.end_reason == "work"
    PersonMonth.objects.all().delete()
    record_assistance_months([paid])  # rebuilt from the facts: the end reason stays
    assert PersonMonth.objects.get(role=MonthRole.APPLICANT).end_reason == "work"


def test_an_unknown_end_reason_is_refused(municipality):
    decision = issued_decision(municipality)
    with pytest.raises(ValidationError) as caught:
        record_end_reason(actor=None, household=decision.household, month=dt.date(2026, 3, 1), reason="lottery")
    assert "reason" in caught.value.message_dict


@pytest.fixture
def municipality():
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory()
