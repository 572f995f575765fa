"""The legal basis of a decision (issue 17 §1): the provisions of the rules applied, in the law in force on
the decision date; never förvaltningslagen 32–33 §§ and never SOSFS 2013:1 (allmänna råd, not lagrum)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bistand.calculations.services import prepare_calculation
from bistand.decisions import services
from bistand.decisions.proposals import AUTOMATED_BASIS, legal_basis, propose
from bistand.tenancy.roles import Role
from tests.decisions.factories import calculate, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

DOCUMENT = {
    "month": "2025-06",
    "household": {"adults": [{"id": "a1", "age": 40}], "children": [{"id": "c1", "age": 9, "days_present": 10}],
                  "dwelling_size": 3},
    "costs": [{"type": "rent", "amount": 5000}, {"type": "glasses", "amount": 800}],
    "incomes": [{"type": "wage", "member": "a1", "amount": 2000}],
}


def calculation_of(document: dict) -> SimpleNamespace:
    prepared = prepare_calculation(document)
    month = dt.date(int(document["month"][:4]), int(document["month"][5:7]), 1)
    return SimpleNamespace(result=prepared.result, input_data=prepared.input_data, amount_ore=prepared.amount_ore,
                           month=month)


def test_forvaltningslagen_32_33_is_not_listed_as_the_basis():
    basis = legal_basis(calculation_of(DOCUMENT), decision_date=dt.date(2025, 6, 2))
    assert "Förvaltningslagen" not in basis and "förvaltningslagen" not in basis
    assert "32 §" not in basis and "33 §" not in basis


def test_allmanna_rad_are_never_listed_as_lagrum():
    for day in (dt.date(2025, 6, 2), dt.date(2025, 8, 2)):
        basis = legal_basis(calculation_of(DOCUMENT), decision_date=day)
        assert "SOSFS" not in basis and "Allmänna råd" not in basis


def test_a_june_2025_calculation_decided_in_june_cites_the_old_act():
    basis = legal_basis(calculation_of(DOCUMENT), decision_date=dt.date(2025, 6, 20)).splitlines()
    assert "4 kap. 3 § första stycket 1 socialtjänstlagen (2001:453)" in basis
    assert "4 kap. 3 § första stycket 2 socialtjänstlagen (2001:453)" in basis
    assert "4 kap. 1 § socialtjänstlagen (2001:453)" in basis
    assert "4 kap. 1 b § socialtjänstlagen (2001:453)" in basis
    assert not [line for line in basis if "2025:400" in line or "2025:468" in line]


def test_the_same_calculation_decided_after_1_july_2025_cites_the_new_act():
    basis = legal_basis(calculation_of(DOCUMENT), decision_date=dt.date(2025, 8, 1)).splitlines()
    assert "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)" in basis
    assert "12 kap. 2 § socialtjänstförordningen (2025:468)" in basis
    assert "12 kap. 3 § socialtjänstförordningen (2025:468)" in basis
    assert "12 kap. 7 § första stycket 2 socialtjänstlagen (2025:400)" in basis
    assert "12 kap. 1 § socialtjänstlagen (2025:400)" in basis
    assert "12 kap. 8 § socialtjänstlagen (2025:400)" in basis
    assert not [line for line in basis if "2001:453" in line or "2001:937" in line]


def test_an_automated_decision_also_cites_the_rules_that_allow_it():
    proposal = propose(None, calculation_of({**DOCUMENT, "month": "2026-03"}), automated=True,
                       decision_date=dt.date(2026, 3, 1))
    assert proposal.legal_basis.splitlines()[-1] == AUTOMATED_BASIS


@pytest.mark.django_db
def test_an_issued_decision_cites_the_law_of_its_decision_date_not_of_its_draft():
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1984, 4, 4))
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    application = make_application(household, dt.date(2025, 6, 1), kind="new", costs={"rent": 5000})
    calculation = calculate(application, register_facts=[])
    # The draft is made on 30 June 2025 (old act) and issued on 2 July 2025 (new act).
    draft = services.save_draft(application, calculation, caseworker)
    draft.legal_basis = legal_basis(calculation, decision_date=dt.date(2025, 6, 30))
    draft.save()
    assert "4 kap. 1 § socialtjänstlagen (2001:453)" in draft.legal_basis
    issued = services.issue_draft(draft, caseworker, issued_at=dt.datetime(2025, 7, 2, 9, tzinfo=dt.UTC))
    assert "12 kap. 1 § socialtjänstlagen (2025:400)" in issued.legal_basis
    assert "2001:453" not in issued.legal_basis
