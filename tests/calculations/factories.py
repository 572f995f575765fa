"""Factories for stored calculations (shared factories are in tests/factories.py)."""

from __future__ import annotations

import datetime as dt

import factory

from bistand.calculations.models import StoredCalculation
from bistand.calculations.services import build_input_for_household, calculate_and_store
from tests.factories import MunicipalityFactory, household_with_members


class StoredCalculationFactory(factory.Factory):
    """A calculation made and stored through the service (never written directly: the service is the
    only way a stored calculation comes into being).

    ``rent`` and ``wage`` (kronor) go into the input; the input itself is built from the household's
    members with :func:`build_input_for_household`."""

    class Meta:
        model = StoredCalculation

    household = factory.LazyFunction(lambda: household_with_members(MunicipalityFactory()))
    month = "2025-03"
    rent = 6000
    wage = 0
    user = "system"

    @classmethod
    def _create(cls, model_class, household, month, rent, wage, user):
        incomes = []
        if wage:
            applicant = household.members.filter(role="applicant").values_list("person_id", flat=True).first()
            incomes.append({"type": "wage", "amount": wage, "member": applicant})
        document = build_input_for_household(household, month, costs=[{"type": "rent", "amount": rent}], incomes=incomes)
        return calculate_and_store(household, month, document, user)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Stored calculations are only made through calculate_and_store.")


def ready_to_pay(municipality):
    """The municipality with a bank account and one delegation for automated decisions (from 2024)."""
    from tests.payments.factories import debtor_account, delegation

    debtor_account(municipality)
    delegation(municipality, effective_from=dt.date(2024, 1, 1))
    return municipality


def decide(household, month: str):
    """A granted, automated decision for the month (the municipality's one delegation; see ready_to_pay)."""
    from bistand.common.months import parse_month
    from tests.payments.factories import issued_decision

    return issued_decision(household.municipality, household=household, month=parse_month(month), automated=True,
                           delegation_=household.municipality.delegations.get())


def pay(household, months, *, export_date=dt.date(2025, 7, 1)) -> list:
    """A granted decision for each month, its payment approved and put in a bank file by the export service
    (which writes the assistance-month facts): months with försörjningsstöd paid."""
    from bistand.payments.models import PaymentStatus
    from bistand.payments.services import export_payments
    from tests.payments.factories import payment

    payments = [payment(decide(household, month), status=PaymentStatus.APPROVED) for month in months]
    export_payments(household.municipality, export_date)
    for paid in payments:
        paid.refresh_from_db()
    return payments
