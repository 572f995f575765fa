"""Builders for decision tests: applications with a version-1 declaration, calculations from them,
delegations, and a standard recurring case that the automation may decide.

Applications are written directly (their own services are tested in tests/applications); everything
about decisions goes through bistand.decisions.services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from bistand.applications.models import Application
from bistand.applications.selectors import calculation_input_for
from bistand.calculations.services import calculate_and_store
from bistand.common.months import last_day, parse_month
from bistand.decisions import services
from bistand.decisions.models import Delegation
from bistand.decisions.proposals import propose
from bistand.people.models import HouseholdMember, HouseholdRole
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

MONTH = dt.date(2026, 3, 1)
PREVIOUS_MONTH = dt.date(2026, 2, 1)
COMMITTEE_REFERENCE = "Socialnämnden 2025-12-10 § 112"


def _members(household, month: dt.date) -> list[HouseholdMember]:
    return list(
        HouseholdMember.objects.filter(household=household, valid_from__lte=last_day(month))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .select_related("person")
        .order_by("valid_from", "pk")
    )


def declaration(household, month=MONTH, *, costs=None, incomes=(), housing=None) -> dict[str, Any]:
    """A version-1 declaration for ``household`` in ``month``: the members from the people register,
    ``costs`` as ``{type: kronor}`` (default: rent 6 000 kr and electricity 300 kr) and ``incomes`` as
    ``[(type, member ("applicant" | "partner" | "c1" …), kronor)]``."""
    source = {"source": "applicant"}
    members = _members(household, parse_month(month))

    def fact(member):
        person = member.person
        return {"person_id": person.pk, "personnummer": person.personnummer, "first_name": person.first_name,
                "last_name": person.last_name, **source}

    applicant = next(m for m in members if m.role == HouseholdRole.APPLICANT)
    partner = next((m for m in members if m.role == HouseholdRole.PARTNER), None)
    children = [m for m in members if m.role == HouseholdRole.CHILD]
    costs = {"rent": 6000, "household_electricity": 300} if costs is None else costs
    return {
        "version": 1,
        "members": {
            "applicant": fact(applicant),
            "partner": fact(partner) if partner else None,
            "children": [{"key": f"c{i + 1}", "person_id": c.person_id, "personnummer": c.person.personnummer,
                          "first_name": c.person.first_name, "days_present": None, "lunch_away_from_home": False,
                          **source} for i, c in enumerate(children)],
            "other_adults_in_dwelling": 0,
        },
        "housing": housing if housing is not None else {"kind": "rental", "rooms": 2,
                                                         "persons_in_dwelling": len(members), **source},
        "costs": [{"type": t, "amount_ore": kronor * 100, **source} for t, kronor in costs.items()],
        "incomes": [{"type": t, "member": member, "amount_ore": kronor * 100, **source} for t, member, kronor in incomes],
        "assets": [],
        "bank_account": {"clearing": "8327", "account": "9234567", **source},
        "answered": ["members", "housing", "costs", "incomes", "assets", "bank_account"],
        "cannot_answer": {},
        "message": "",
    }


def make_application(household, month=MONTH, *, kind="recurring", previous=None, decl=None, status="submitted",
                     needs_caseworker=False, caseworker_reasons=None, **declaration_args) -> Application:
    month = parse_month(month)
    members = _members(household, month)
    applicant = next(m.person for m in members if m.role == HouseholdRole.APPLICANT)
    partner = next((m.person for m in members if m.role == HouseholdRole.PARTNER), None)
    received = status in ("submitted", "in_review", "decided")
    return Application.objects.create(
        municipality=household.municipality,
        household=household,
        applicant=applicant,
        co_applicant=partner,
        month=month,
        kind=kind,
        status=status,
        declaration=decl if decl is not None else declaration(household, month, **declaration_args),
        previous=previous,
        needs_caseworker=needs_caseworker,
        caseworker_reasons=caseworker_reasons or [],
        submitted_at=timezone.now() if received else None,
        applicant_signed_at=timezone.now() if received else None,
    )


def calculate(application, register_facts=None):
    """The application's calculation, made and stored as the monthly run makes it."""
    document = calculation_input_for(application, register_facts)
    return calculate_and_store(application.household, application.month, document, "system")


def make_delegation(municipality, **fields) -> Delegation:
    values = {"active": True, "effective_from": dt.date(2024, 1, 1), "committee_reference": COMMITTEE_REFERENCE,
              "criteria": {}, "conditions_text": "Du ska stå till arbetsmarknadens förfogande."}
    values.update(fields)
    return Delegation.objects.create(municipality=municipality, **values)


def simulator_fixture(application, incomes=None) -> dict[str, Any]:
    """``BISTAND_SSBTEK_SIMULATOR_FIXTURES`` that make the registers report exactly the declared incomes
    of ``application`` (or ``incomes``: ``{member key: [(type, kronor)]}``)."""
    decl = application.declaration
    members = decl["members"]
    by_key = {"applicant": members["applicant"]["personnummer"]}
    if members.get("partner"):
        by_key["partner"] = members["partner"]["personnummer"]
    for child in members.get("children") or []:
        by_key[child["key"]] = child["personnummer"]
    if incomes is None:
        incomes = {}
        for income in decl["incomes"]:
            incomes.setdefault(income["member"], []).append((income["type"], income["amount_ore"] // 100))
    from bistand.registers.ssbtek.base import AGENCY_OF_INCOME

    fixtures: dict[str, Any] = {number: {"*": []} for number in by_key.values()}
    for key, rows in incomes.items():
        fixtures[by_key[key]]["*"] = [{"agency": AGENCY_OF_INCOME[t], "kind": t, "amount": kronor} for t, kronor in rows]
    return fixtures


@dataclass
class Case:
    """A standard recurring case: last month decided by a case worker, this month's recurring
    application with the same household, housing and incomes, a delegation in force."""

    municipality: Any
    household: Any
    caseworker: Any
    previous: Application
    previous_decision: Any
    application: Application
    delegation: Delegation


def own_reasons(application, calculation, text: str = "Handläggarens eget skäl.") -> dict[str, str]:
    """The case worker's own reason for each line not granted in full (the calculation's text never counts)."""
    return {line.item: text for line in propose(application, calculation).lines
            if line.outcome != "granted" and not line.has_own_reason}


def standard_case(settings, *, municipality=None, adults=1, incomes=(("wage", "applicant", 4000),), costs=None,
                  delegation=True, rent_grace_ended: dt.date | None = None, **application_args) -> Case:
    """See :class:`Case`. ``settings`` is pytest-django's fixture: the simulator is given fixtures that
    report the declared incomes. ``rent_grace_ended``: the household's rådrum for rent above the ceiling
    ended that month (both months then count only the ceiling; see :func:`rent_grace_over`)."""
    municipality = municipality or MunicipalityFactory()
    household = household_with_members(municipality, adults=adults, birth_date=dt.date(1984, 4, 4))
    if rent_grace_ended is not None:
        rent_grace_over(household, rent_grace_ended)
    caseworker = user_with_role(Role.CASEWORKER, municipality, first_name="Eva", last_name="Ek")
    previous = make_application(household, PREVIOUS_MONTH, kind="new", incomes=incomes, costs=costs)
    previous_calculation = calculate(previous, register_facts=[])
    # A line not granted in full needs the case worker's own reason (never the calculation's text).
    own = own_reasons(previous, previous_calculation, "Handläggarens eget skäl för förra månaden.")
    previous_decision = services.issue_decision(previous, previous_calculation, caseworker, line_reasons=own)
    previous.refresh_from_db()
    args = {"incomes": incomes, "costs": costs, **application_args}
    application = make_application(household, MONTH, previous=previous, **args)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application)
    made = make_delegation(municipality) if delegation else None
    return Case(municipality, household, caseworker, previous, previous_decision, application, made)


# --- builders for tests/factories.PERSON_LEVEL_BUILDERS ------------------------------------------------


def _application_in(municipality, made) -> Application:
    existing = made.get("applications.application")
    if existing is not None and existing.municipality_id == municipality.pk and not existing.decisions.exists():
        return existing
    household = household_with_members(municipality)
    return make_application(household, MONTH, kind="new")


def build_decision(municipality, *, pk=None, made, **fields):
    from bistand.decisions.models import Decision

    application = _application_in(municipality, made)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    if pk is not None:
        # Give the decision the wanted primary key: issue an omprövning with that key is not possible,
        # so copy the issued row (and its lines) under the new key (inserts are allowed).
        lines = list(decision.lines.all())
        copy = Decision.objects.get(pk=decision.pk)
        copy.pk = pk
        copy._state.adding = True
        copy.status = "draft"
        copy.issued_at = None
        copy.reconsiders = decision  # an omprövning row, so the one-original-per-application rule holds
        copy.save(force_insert=True)
        for line in lines:
            line.pk = None
            line.decision = copy
            line.save()
        return copy
    return decision


def build_decision_line(municipality, *, pk=None, made, **fields):
    from bistand.decisions.models import DecisionLine

    decision = made.get("decisions.decision") or build_decision(municipality, made=made)
    line = decision.lines.order_by("pk").first()
    if pk is not None and not decision.is_issued:
        copy = DecisionLine.objects.get(pk=line.pk)
        copy.pk = pk
        copy.position = 99
        copy.save(force_insert=True)
        return copy
    return line


def _fresh_decision(municipality, made, pk):
    """The world's decision when there is one (a one-to-one row beside it: letter, ground, claim), else
    a new issued decision."""
    return made.get("decisions.decision") or build_decision(municipality, made=made)


def build_decision_letter(municipality, *, pk=None, made, **fields):
    from bistand.decisions.letters import letter_to_store, store_letter
    from bistand.decisions.models import DecisionLetter

    decision = _fresh_decision(municipality, made, pk)
    existing = DecisionLetter.objects.filter(decision=decision).first()
    if pk is None or existing is not None:
        return existing or store_letter(decision)
    letter = letter_to_store(decision)
    letter.pk = pk
    letter.save(force_insert=True)
    return letter


def build_worsening_ground(municipality, *, pk=None, made, **fields):
    from bistand.decisions.models import WorseningException, WorseningGround

    decision = _fresh_decision(municipality, made, pk)
    defaults = {"exception": WorseningException.choices[0][0], "reason": "Uppgifterna var oriktiga."}
    return WorseningGround.objects.create(pk=pk, decision=decision, **{**defaults, **fields})


def build_housing_grace(municipality, *, pk=None, made, **fields):
    """The rådrum for rent above the ceiling of the world's household (one per household)."""
    from bistand.decisions.models import HousingGrace

    household = made.get("people.household") or _application_in(municipality, made).household
    existing = HousingGrace.objects.filter(household=household).first()
    if existing is not None:
        return existing
    defaults = {"start_month": PREVIOUS_MONTH, "end_month": MONTH}
    return HousingGrace.objects.create(pk=pk, municipality=municipality, household=household, **{**defaults, **fields})


def build_kommunicering_exemption(municipality, *, pk=None, made, **fields):
    from bistand.decisions.models import KommuniceringException, KommuniceringExemption

    decision = _fresh_decision(municipality, made, pk)
    defaults = {"exception": KommuniceringException.choices[0][0], "reason": "Uppgiften saknar betydelse."}
    return KommuniceringExemption.objects.create(pk=pk, decision=decision, **{**defaults, **fields})


def build_overpayment_claim(municipality, *, pk=None, made, **fields):
    from bistand.payments.models import OverpaymentClaim

    decision = _fresh_decision(municipality, made, pk)
    defaults = {"paid_ore": 200_000, "granted_ore": 100_000, "amount_ore": 100_000}
    return OverpaymentClaim.objects.create(pk=pk, municipality=municipality, household_id=decision.household_id,
                                           month=decision.month, decision=decision, **{**defaults, **fields})


def make_person_delegation(municipality, kind="grant", *, role="caseworker", user=None, max_kronor=None,
                           valid_from=dt.date(2024, 1, 1), valid_to=None, committee="",
                           reference="IFN 2025-12-10 § 7"):
    """A row of ``municipality``'s delegationsordning for people: ``kind`` to ``role`` (or to the named
    ``user``), up to ``max_kronor`` per decision (None: no ceiling)."""
    from bistand.decisions.models import PersonDelegation

    return PersonDelegation.objects.create(
        municipality=municipality, committee=committee, role="" if user is not None else role, user=user,
        decision_kind=kind, max_amount_kronor=max_kronor, valid_from=valid_from, valid_to=valid_to,
        reference=reference, decided_on=dt.date(2025, 12, 10))


def rent_grace_over(household, last=PREVIOUS_MONTH, months: int = 3):
    """The household's rådrum for rent above the ceiling ended with ``last`` (default last month): from
    the month after it only the ceiling counts, and a rent above it is a partial refusal (issue 17 §2).
    Stores or moves the household's rådrum (test set-up, written directly)."""
    from bistand.common.months import add_months
    from bistand.decisions.models import HousingGrace

    grace, _ = HousingGrace.objects.update_or_create(
        household=household,
        defaults={"municipality_id": household.municipality_id, "start_month": add_months(last, 1 - months),
                  "end_month": last})
    return grace
