"""Factories and helpers for applications (used by tests/applications, tests/portal and the
cross-municipality walk through tests/factories.PERSON_LEVEL_BUILDERS)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from bistand.applications import declaration as decl
from bistand.applications.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    CompletionRequest,
    NormAdjustment,
)
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, household_with_members

MONTH = dt.date(2025, 3, 1)


def complete_declaration(applicant, **overrides) -> dict:
    """A declaration with every section answered: one adult, rent 6 500 kr, no incomes."""
    data = decl.empty(applicant)
    data.update({
        "housing": {"kind": "rental", "rooms": 2, "persons_in_dwelling": 1, **decl.SOURCE},
        "costs": [{"type": "rent", "amount_ore": 650000, **decl.SOURCE}],
        "incomes": [],
        "assets": [],
        "bank_account": {"clearing": "8327", "account": "1234567", **decl.SOURCE},
        "answered": [key for key, _ in decl.SECTIONS],
    })
    data.update(overrides)
    return data


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    applicant = factory.SubFactory(PersonFactory, municipality=factory.SelfAttribute("..household.municipality"))
    month = MONTH
    kind = ApplicationKind.NEW
    status = ApplicationStatus.SUBMITTED
    declaration = factory.LazyAttribute(lambda o: complete_declaration(o.applicant))
    submitted_at = factory.LazyFunction(timezone.now)
    applicant_signed_at = factory.LazyFunction(timezone.now)


def _build_application(municipality, *, pk=None, made, **fields):
    household = made.get("people.household")
    if household is None or not household.members.exists():
        household = household_with_members(municipality)
    applicant = made.get("people.person")
    if applicant is None or applicant.municipality_id != municipality.pk:
        applicant = household.members.first().person
    return ApplicationFactory(pk=pk, household=household, municipality=municipality, applicant=applicant, **fields)


def _build_attachment(municipality, *, pk=None, made, **fields):
    application = made.get("applications.application") or _build_application(municipality, made=made)
    return Attachment.objects.create(
        pk=pk, municipality=municipality, application=application, uploaded_by=application.applicant,
        file="0/0/walk.pdf", original_name="hyresavi.pdf", content_type="application/pdf", size=10, sha256="0" * 64,
    )


def _build_completion_request(municipality, *, pk=None, made, **fields):
    application = made.get("applications.application") or _build_application(municipality, made=made)
    return CompletionRequest.objects.create(
        pk=pk, municipality=municipality, application=application, requested_by=UserFactory(),
        text="Skicka hyresavin för mars.", due_date=timezone.localdate() + dt.timedelta(days=14),
    )




def build_norm_adjustment(municipality, *, pk=None, made, **fields):
    application = made.get("applications.application") or _build_application(municipality, made=made)
    return NormAdjustment.objects.create(
        pk=pk, municipality=municipality, application=application, direction="higher", kind="special_diet",
        amount_ore=45_000, reason=fields.get("reason", "Glutenfri kost enligt läkarintyg"), created_by=UserFactory(),
    )
