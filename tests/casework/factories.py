"""Builders for the case-handling tests: referrals, assignments and notes (written through the services
or, for referrals, as the monthly run writes them), and the builders of tests/factories.PERSON_LEVEL_BUILDERS.
"""

from __future__ import annotations

from bistand.casework.models import Assignment, CaseNote, Referral
from bistand.casework.reasons import codes_text
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.factories import household_with_members, user_with_role


def referral(application, *reasons: tuple[str, str], calculation=None, pk=None) -> Referral:
    """A referral of ``application`` with ``reasons`` as (code, detail)."""
    rows = [{"code": code, "label": code, "detail": detail} for code, detail in reasons]
    return Referral.objects.create(pk=pk, municipality_id=application.municipality_id, application=application,
                                   calculation=calculation, reasons=rows, codes=codes_text(code for code, _ in reasons))


def _application(municipality, made):
    """The application already made in ``municipality`` (new persons would take primary keys the
    cross-municipality test reserves), or a new one."""
    existing = made.get("applications.application")
    if existing is not None and existing.municipality_id == municipality.pk:
        return existing
    return make_application(household_with_members(municipality), MONTH, kind="new")


def _user(municipality, made):
    decision = made.get("decisions.decision")
    if decision is not None and decision.decided_by_id and decision.municipality_id == municipality.pk:
        return decision.decided_by
    return user_with_role(Role.CASEWORKER, municipality)


def build_referral(municipality, *, pk=None, made, **fields):
    application = _application(municipality, made)
    return referral(application, ("register_incomes_match", "Lön: 4 000 kr angivet i ansökan, 5 000 kr enligt Skatteverket."),
                    pk=pk)


def build_assignment(municipality, *, pk=None, made, **fields):
    user = _user(municipality, made)
    return Assignment.objects.create(pk=pk, application=_application(municipality, made), assigned_to=user,
                                     assigned_by=user)


def build_case_note(municipality, *, pk=None, made, **fields):
    user = _user(municipality, made)
    return CaseNote.objects.create(pk=pk, application=_application(municipality, made), author=user,
                                   author_name="Test", text="Sökanden ringde om hyran.")
