"""Factories for stored calculations (shared factories are in tests/factories.py)."""

from __future__ import annotations

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
