"""Writing assistance-month facts (see :mod:`bistand.followup.models`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from bistand.common.months import last_day
from bistand.people.models import HouseholdMember, HouseholdRole

from .models import AdultRole, AssistanceMonth


def _adult_members(household_ids) -> dict[int, list[HouseholdMember]]:
    """The applicant and partner memberships of the households, by household (one query)."""
    by_household: dict[int, list[HouseholdMember]] = {}
    members = HouseholdMember.objects.filter(
        household_id__in=set(household_ids), role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER]
    ).order_by("valid_from", "pk")
    for member in members:
        by_household.setdefault(member.household_id, []).append(member)
    return by_household


def adults_of(decision, members: list[HouseholdMember] | None = None) -> list[tuple[int, str]]:
    """(person id, role) of the adults the decision is for: the application's applicant and co-applicant,
    and the household's applicant and partner in the decision's month (anyone the application leaves
    out), each once. Children and other adults living there are not counted.

    ``members`` are the household's applicant and partner memberships, when already loaded."""
    if members is None:
        members = _adult_members([decision.household_id]).get(decision.household_id, [])
    adults: dict[int, str] = {}
    application = decision.application
    if application.applicant_id:
        adults[application.applicant_id] = AdultRole.APPLICANT
    co_applicant_id = getattr(application, "co_applicant_id", None)
    if co_applicant_id:
        adults.setdefault(co_applicant_id, AdultRole.PARTNER)
    first, last = decision.month, last_day(decision.month)
    for member in members:
        covers_month = member.valid_from <= last and (member.valid_to is None or member.valid_to >= first)
        if covers_month and member.person_id not in adults:
            has_applicant = AdultRole.APPLICANT in adults.values()
            role = AdultRole.APPLICANT if member.role == HouseholdRole.APPLICANT and not has_applicant else AdultRole.PARTNER
            adults[member.person_id] = role
    return list(adults.items())


@transaction.atomic
def record_assistance_months(payments: Iterable) -> list[AssistanceMonth]:
    """Write the assistance-month facts of exported payments: one per decision and adult.

    Idempotent: facts already written (same decision and person) are left as they are, so calling it
    again, or for a payment exported before, writes nothing new. Returns the rows written now."""
    payments = list(payments)
    if not payments:
        return []
    decision_ids = [payment.decision_id for payment in payments]
    existing = set(AssistanceMonth.objects.filter(decision_id__in=decision_ids).values_list("decision_id", "person_id"))
    members = _adult_members(payment.decision.household_id for payment in payments)
    rows = []
    for payment in payments:
        decision = payment.decision
        for person_id, role in adults_of(decision, members.get(decision.household_id, [])):
            if (decision.pk, person_id) in existing:
                continue
            existing.add((decision.pk, person_id))
            rows.append(
                AssistanceMonth(
                    municipality_id=decision.municipality_id,
                    household_id=decision.household_id,
                    person_id=person_id,
                    month=decision.month,
                    decision_id=decision.pk,
                    amount_ore=payment.amount_ore,
                    role=role,
                )
            )
    # ignore_conflicts: a fact written at the same moment by another process stands (the unique
    # constraint on decision and person keeps it to one).
    AssistanceMonth.objects.bulk_create(rows, ignore_conflicts=True)
    return rows
