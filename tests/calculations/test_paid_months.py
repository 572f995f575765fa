"""Jobbstimulans and the months on assistance count only months in which försörjningsstöd was actually
paid (issue 17 §2): a payment that went to the bank and was not stopped or returned, or a month of
imported history — never a trial calculation, a refusal or a stopped payment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.applications.models import Application
from bistand.calculations.paid_months import paid_months
from bistand.calculations.services import build_input_for_household
from bistand.common.months import parse_month
from bistand.decisions.models import Decision
from bistand.followup.models import MonthSource, PersonMonth
from bistand.payments.models import PaymentStatus
from bistand.payments.services import cancel
from bistand.people.models import HouseholdRole
from bistand.tenancy.roles import Role
from tests.calculations.factories import StoredCalculationFactory, decide, pay, ready_to_pay
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.payments.factories import payment

pytestmark = pytest.mark.django_db

MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    return ready_to_pay(municipality)


@pytest.fixture
def household(municipality):
    return household_with_members(municipality, adults=1, birth_date=dt.date(1985, 5, 5))


def applicant_id(household) -> str:
    return str(household.members.get(role=HouseholdRole.APPLICANT).person_id)


def refuse(household, month: str) -> Decision:
    """A refusal issued by a case worker for the month although its calculation showed an amount (say, for
    assets): written as the decisions app issues it."""
    granted_like = StoredCalculationFactory(household=household, month=month, rent=6000)
    application = Application.objects.create(
        municipality=household.municipality, household=household,
        applicant=household.members.get(role=HouseholdRole.APPLICANT).person, month=parse_month(month),
        kind="recurring", status="decided", declaration={"version": 1}, submitted_at=timezone.now(),
    )
    worker = user_with_role(Role.CASEWORKER, household.municipality)
    return Decision.objects.create(
        municipality=household.municipality, application=application, household=household, month=parse_month(month),
        outcome="refused", amount_ore=0, calculation=granted_like, engine_version=granted_like.engine_version,
        parameter_hash=granted_like.parameter_hash, reasons="Hushållet har tillgångar att använda först.",
        legal_basis="12 kap. 1 § socialtjänstlagen (2025:400)", decided_by=worker,
        decision_maker_label=worker.get_username(), status="issued", issued_at=timezone.now(),
    )


def july_adult(household, wage=8000) -> dict:
    document = build_input_for_household(household, "2025-07", costs=[{"type": "rent", "amount": 6000}],
                                         incomes=[{"type": "wage", "amount": wage, "member": applicant_id(household)}])
    return document["household"]["adults"][0]


def test_trial_calculations_are_not_months_with_assistance_paid(household):
    for month in MONTHS:  # calculations only: nothing was decided or paid
        StoredCalculationFactory(household=household, month=month, rent=6000)
    adult = july_adult(household)
    assert adult["consecutive_months_on_assistance"] == 0
    assert "jobbstimulans_since" not in adult


def test_six_months_paid_out_qualify_for_jobbstimulans(household):
    pay(household, MONTHS)
    assert july_adult(household)["consecutive_months_on_assistance"] == 6


def test_a_refused_month_breaks_the_run_even_when_its_calculation_had_an_amount(household):
    pay(household, [m for m in MONTHS if m != "2025-03"])
    march = refuse(household, "2025-03")
    assert march.outcome == "refused" and march.calculation.amount_ore > 0  # the calculation had an amount
    assert july_adult(household)["consecutive_months_on_assistance"] == 3


def test_a_cancelled_payment_is_not_a_month_paid(household, municipality):
    pay(household, MONTHS[:5])
    june = decide(household, "2025-06")
    stopped = payment(june, status=PaymentStatus.SCHEDULED)
    cancel(stopped, user_with_role(Role.CASEWORKER, municipality), "Hushållet flyttade.")
    assert july_adult(household)["consecutive_months_on_assistance"] == 0


def test_a_payment_the_bank_returned_is_not_a_month_paid(household):
    *_, june = pay(household, MONTHS)
    type(june).objects.filter(pk=june.pk).update(status=PaymentStatus.REJECTED, bank_status_at=timezone.now(),
                                                  bank_reason="AC04 Kontot är avslutat")
    assert july_adult(household)["consecutive_months_on_assistance"] == 0


def test_imported_history_months_count_as_paid(household, municipality):
    person = household.members.get(role=HouseholdRole.APPLICANT).person
    for month in MONTHS:
        PersonMonth.objects.create(municipality=municipality, household_key="x:A-1", person=person,
                                   month=parse_month(month), role="applicant", amount_ore=500000,
                                   source=MonthSource.IMPORTED)
    assert july_adult(household)["consecutive_months_on_assistance"] == 6


def test_months_paid_in_another_municipality_do_not_count(household):
    other = MunicipalityFactory()
    person = household.members.get(role=HouseholdRole.APPLICANT).person
    PersonMonth.objects.create(municipality=other, household_key="x:B-1", person=person, month=dt.date(2025, 6, 1),
                               role="applicant", amount_ore=500000, source=MonthSource.IMPORTED)
    assert paid_months(household.municipality_id, [str(person.pk)], dt.date(2025, 7, 1)) == {str(person.pk): frozenset()}


def test_jobbstimulans_window_starts_only_after_six_paid_months(household):
    pay(household, MONTHS[1:])  # five months paid; January was only a trial calculation
    StoredCalculationFactory(household=household, month="2025-01", rent=6000)
    adult = july_adult(household)
    assert adult["consecutive_months_on_assistance"] == 5
    assert "jobbstimulans_since" not in adult
