"""A case worker sets the norm at a higher or lower level (12 kap. 7 § tredje stycket SoL 2025:400) with a
required reason: it goes into the calculation input, the trace, the decision's own line, the reasons, the
legal basis and the letter; the automated decision function never decides such an application."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bistand.applications.models import ApplicationStatus, NormAdjustment
from bistand.applications.selectors import calculation_input_for
from bistand.applications.services import add_norm_adjustment, remove_norm_adjustment
from bistand.audit.models import AuditEvent
from bistand.decisions import services
from bistand.decisions.letters import render_html
from bistand.decisions.models import Outcome
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

DIET = "Glutenfri kost enligt intyg från dietist"


@pytest.fixture
def savsjo():
    return MunicipalityFactory(code="0684", name="Sävsjö")


@pytest.fixture
def household(savsjo):
    return household_with_members(savsjo, adults=1, birth_date=dt.date(1984, 4, 4))


@pytest.fixture
def caseworker(savsjo):
    return user_with_role(Role.CASEWORKER, savsjo, first_name="Eva", last_name="Ek")


@pytest.fixture
def application(household):
    return make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])


def test_a_raise_with_a_reason_is_stored_audited_and_puts_the_application_in_review(application, caseworker):
    adjustment = add_norm_adjustment(application, actor=caseworker, direction="higher", kind="special_diet",
                                     amount_ore=45_000, reason=f"  {DIET} ")
    assert adjustment.reason == DIET
    assert AuditEvent.objects.filter(model="applications.normadjustment", object_id=str(adjustment.pk),
                                     action="create").exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    document = calculation_input_for(application, register_facts=[])
    assert document["norm_adjustments"] == [{"direction": "higher", "kind": "special_diet", "amount": 450,
                                             "reason": DIET}]


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_change_of_the_norm_without_a_reason_is_refused_naming_the_field(application, caseworker, reason):
    with pytest.raises(ValidationError) as error:
        add_norm_adjustment(application, actor=caseworker, direction="higher", kind="special_diet",
                            amount_ore=45_000, reason=reason)
    assert "reason" in error.value.message_dict
    assert not NormAdjustment.objects.exists()


def test_an_amount_of_zero_and_an_unknown_direction_are_refused(application, caseworker):
    with pytest.raises(ValidationError) as error:
        add_norm_adjustment(application, actor=caseworker, direction="sideways", kind="special_diet",
                            amount_ore=0, reason=DIET)
    assert {"direction", "amount"} <= set(error.value.message_dict)


def test_a_caseworker_of_another_municipality_cannot_change_the_norm(application):
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory(code="0680", name="Jönköping"))
    with pytest.raises(PermissionDenied):
        add_norm_adjustment(application, actor=stranger, direction="higher", kind="special_diet",
                            amount_ore=45_000, reason=DIET)


def test_a_raise_is_its_own_granted_decision_line_with_reason_legal_basis_and_letter(application, caseworker):
    add_norm_adjustment(application, actor=caseworker, direction="higher", kind="special_diet",
                        amount_ore=45_000, reason=DIET)
    calculation = calculate(application, register_facts=[])
    codes = [line["code"] for line in calculation.result["lines"]]
    assert "norm_level.1" in codes
    decision = services.issue_decision(application, calculation, caseworker)

    assert decision.outcome == Outcome.GRANTED
    line = decision.lines.get(item="norm_level.1")
    assert (line.outcome, line.applied_ore, line.granted_ore, line.reason) == (Outcome.GRANTED, 45_000, 45_000, DIET)
    assert line.label == "Högre nivå än riksnormen: Särskild kost"
    assert decision.lines.get(item="norm").granted_ore == 522_000  # the riksnorm itself: 3 940 + 1 280 (2026)
    assert "12 kap. 7 § tredje stycket socialtjänstlagen (2025:400)" in decision.legal_basis
    assert f"Skäl: {DIET}" in decision.reasons
    assert "högre nivå" in decision.reasons
    html = render_html(decision)
    assert DIET in html and "Högre nivå än riksnormen: Särskild kost" in html


def test_a_lowering_is_a_refused_part_of_the_norm_so_the_decision_is_a_partial_refusal(application, caseworker):
    add_norm_adjustment(application, actor=caseworker, direction="lower", kind="food_in_care_fee",
                        amount_ore=180_000, reason="Maten ingår i avgiften till behandlingshemmet")
    calculation = calculate(application, register_facts=[])
    decision = services.issue_decision(application, calculation, caseworker)
    assert decision.outcome == Outcome.PARTLY_REFUSED
    line = decision.lines.get(item="norm_level.1")
    assert (line.outcome, line.applied_ore, line.granted_ore) == (Outcome.REFUSED, 180_000, 0)
    assert line.reason == "Maten ingår i avgiften till behandlingshemmet"
    assert decision.amount_ore == calculation.amount_ore


def test_an_adjustment_can_be_taken_back_before_the_decision_but_not_after(application, caseworker):
    adjustment = add_norm_adjustment(application, actor=caseworker, direction="higher", kind="school_meals",
                                     amount_ore=30_000, reason="Skolmat på friskolan")
    remove_norm_adjustment(adjustment, actor=caseworker)
    assert not NormAdjustment.objects.exists()
    assert AuditEvent.objects.filter(model="applications.normadjustment", action="delete").exists()
    services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    with pytest.raises(ValidationError):
        add_norm_adjustment(application, actor=caseworker, direction="higher", kind="school_meals",
                            amount_ore=30_000, reason="Skolmat på friskolan")


def test_the_automated_decision_function_never_decides_a_changed_norm_level(application, caseworker):
    from bistand.decisions.automation import evaluate
    from tests.decisions.factories import make_delegation

    make_delegation(application.municipality)
    add_norm_adjustment(application, actor=caseworker, direction="higher", kind="special_diet",
                        amount_ore=45_000, reason=DIET)
    application.refresh_from_db()
    verdict = evaluate(application, calculate(application, register_facts=[]), register_facts=[])
    failed = {c.code: c.detail for c in verdict.failed}
    assert not verdict.automate
    assert "Högre nivå än riksnormen: Särskild kost" in failed["norm_as_riksnorm"]
