"""Nedsättning (12 kap. 5 § SoL 2025:400; 4 kap. 5 § SoL 2001:453) as its own decision line: recorded by a
case worker with a required reason and a required link to the plan requirement that was not met; it goes
into the calculation input, the trace, the decision's line with its legal basis, the reasons and the
letter; the automated decision function never decides such an application, nor one whose previous month
had a nedsättning or whose plan has a requirement that was not carried out."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bistand.applications.models import ApplicationStatus
from bistand.applications.selectors import calculation_input_for
from bistand.audit.models import AuditEvent
from bistand.decisions import automation
from bistand.decisions import services as decision_services
from bistand.decisions.letters import render_html
from bistand.decisions.models import Outcome
from bistand.decisions.proposals import REDUCTION_ITEM, propose
from bistand.plans import services
from bistand.plans.models import ActionStatus, Reduction
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.plans.factories import requirement_for

pytestmark = pytest.mark.django_db

REASON = "Du har inte kommit till praktiken sedan den 3 februari och har inte hört av dig."


@pytest.fixture
def savsjo():
    return MunicipalityFactory(code="0684", name="Sävsjö")


@pytest.fixture
def caseworker(savsjo):
    return user_with_role(Role.CASEWORKER, savsjo, first_name="Eva", last_name="Ek")


@pytest.fixture
def application(savsjo):
    household = household_with_members(savsjo, adults=1, birth_date=dt.date(1984, 4, 4))
    return make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])


@pytest.fixture
def requirement(application, caseworker):
    return requirement_for(application, actor=caseworker)


def test_a_reduction_is_stored_audited_and_enters_the_calculation_input(application, requirement, caseworker):
    reduction = services.record_reduction(application, actor=caseworker, requirement=requirement,
                                          norm_amount_ore=200_000, reason=f"  {REASON} ")
    assert reduction.reason == REASON
    assert AuditEvent.objects.filter(model="plans.reduction", object_id=str(reduction.pk), action="create").exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    document = calculation_input_for(application, register_facts=[])
    assert document["reduction"]["norm_amount"] == 2000
    assert document["reduction"]["reason"] == REASON
    assert requirement.description in document["reduction"]["requirement"]


@pytest.mark.parametrize(("field", "arguments"), [
    ("reason", {"reason": "   "}),
    ("requirement", {"requirement": None}),
    ("norm_amount", {"norm_amount_ore": -1}),
    ("norm_amount", {"norm_amount_ore": 600_000, "norm_ore": 522_000}),
])
def test_reason_requirement_and_amount_are_required_and_bounded(application, requirement, caseworker, field, arguments):
    values = {"requirement": requirement, "norm_amount_ore": 200_000, "reason": REASON} | arguments
    with pytest.raises(ValidationError) as error:
        services.record_reduction(application, actor=caseworker, **values)
    assert field in error.value.message_dict
    assert not Reduction.objects.exists()


def test_a_voluntary_action_is_not_a_requirement(application, requirement, caseworker):
    voluntary = requirement.plan.actions.exclude(pk=requirement.pk).first()
    with pytest.raises(ValidationError) as error:
        services.record_reduction(application, actor=caseworker, requirement=voluntary, norm_amount_ore=0,
                                  reason=REASON)
    assert "requirement" in error.value.message_dict


def test_the_decision_has_its_own_line_with_reason_requirement_and_legal_basis(application, requirement, caseworker):
    services.record_reduction(application, actor=caseworker, requirement=requirement, norm_amount_ore=200_000,
                              reason=REASON)
    calculation = calculate(application, register_facts=[])
    lines = {line["code"]: line for line in calculation.result["lines"]}
    assert lines["reduction"]["reference"] == "12 kap. 5 § socialtjänstlagen (2025:400)"
    decision = decision_services.issue_decision(application, calculation, caseworker)
    line = decision.lines.get(item=REDUCTION_ITEM)
    # 2026 single adult 5 220 kr reduced to 2 000: 3 220 kr of the norm is not granted; the rent is kept
    assert (line.applied_ore, line.granted_ore, line.outcome) == (322_000, 0, Outcome.REFUSED)
    assert REASON in line.reason and requirement.description in line.reason
    assert decision.amount_ore == 600_000 and decision.outcome == Outcome.PARTLY_REFUSED
    assert "12 kap. 5 § socialtjänstlagen (2025:400)" in decision.legal_basis
    assert "Nedsättning" in decision.reasons and "Vad du kan göra" in decision.reasons
    html = render_html(decision)
    assert "Nedsättning av försörjningsstödet (normdelen)" in html and REASON in html


def test_the_automated_function_never_decides_a_reduction(application, requirement, caseworker):
    services.record_reduction(application, actor=caseworker, requirement=requirement, norm_amount_ore=0,
                              reason=REASON)
    verdict = automation.evaluate(application, calculate(application, register_facts=[]), register_facts=[])
    assert not verdict.automate
    assert "no_reduction_matter" in {c.code for c in verdict.failed}


def test_a_requirement_not_carried_out_sends_the_case_to_a_person(application, requirement, caseworker):
    calculation = calculate(application, register_facts=[])
    verdict = automation.evaluate(application, calculation, register_facts=[])
    assert "no_reduction_matter" not in {c.code for c in verdict.failed}
    services.set_action_status(actor=caseworker, action=requirement, status=ActionStatus.NOT_DONE)
    verdict = automation.evaluate(application, calculation, register_facts=[])
    failed = {c.code: c.detail for c in verdict.failed}
    assert "blev inte av" in failed["no_reduction_matter"]


def test_a_reduction_last_month_sends_this_month_to_a_person(savsjo, caseworker):
    household = household_with_members(savsjo, adults=1, birth_date=dt.date(1984, 4, 4))
    february = make_application(household, dt.date(2026, 2, 1), kind="new", costs={"rent": 4000}, incomes=[])
    action = requirement_for(february, actor=caseworker)  # rests on January's decision
    make_application(household, MONTH, kind="recurring", costs={"rent": 4000}, incomes=[])
    services.record_reduction(february, actor=caseworker, requirement=action, norm_amount_ore=100_000, reason=REASON)
    decision_services.issue_decision(february, calculate(february, register_facts=[]), caseworker)
    march = household.applications.get(month=MONTH)
    verdict = automation.evaluate(march, calculate(march, register_facts=[]), register_facts=[])
    assert "Förra månadens beslut hade en nedsättning" in {c.code: c.detail for c in verdict.failed}["no_reduction_matter"]


def test_the_automated_decision_function_can_never_produce_a_reduction_line(application, requirement, caseworker):
    services.record_reduction(application, actor=caseworker, requirement=requirement, norm_amount_ore=0,
                              reason=REASON)
    calculation = calculate(application, register_facts=[])
    proposal = propose(application, calculation, automated=True)
    assert any(line.item == REDUCTION_ITEM for line in proposal.lines)
    decision, verdict = decision_services.decide_automatically(application, calculation=calculation, register_facts=[])
    assert decision is None and not verdict.automate
    # Even a verdict that (wrongly) says automate and a proposal shown as a grant cannot give such a line.
    forged = automation.AutomationVerdict(automate=True, failed=[], passed=[], delegation=None, criteria={})
    as_grant = dataclasses.replace(proposal, outcome=Outcome.GRANTED)
    with pytest.raises(decision_services.DecisionError, match="nedsättning"):
        decision_services.automated_draft(application, calculation, forged, as_grant)
    assert not application.decisions.filter(lines__item=REDUCTION_ITEM).exists()
