"""Kommunicering (25 § förvaltningslagen) is required, not only possible: a decision that goes against the
applicant (avslag or delavslag) while the registers say something else than the declaration is refused
until a kommunicering on the findings is completed (answered or its last day passed), or the case worker
records an exception ground of 25 § second paragraph with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.applications.services import answer_completion, start_kommunicering
from bistand.decisions import services
from bistand.decisions.models import Decision, DecisionStatus, KommuniceringException, KommuniceringExemption
from bistand.registers.services import fetch_for_application
from bistand.tenancy.roles import Role
from tests.decisions.factories import calculate, make_delegation, own_reasons, simulator_fixture, standard_case
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

FINDINGS = "Skatteverket uppger 9 000 kr i lön; du angav 4 000 kr."
REFUSAL = dict(outcome="refused", caseworker_text="Inkomsten räcker till hushållets behov.")


def _differing_case(settings, **kwargs):
    """A case whose registers report a higher wage than the applicant declared (fetched, calculated)."""
    case = standard_case(settings, **kwargs)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 9000)]})
    facts = fetch_for_application(case.application)
    return case, calculate(case.application, facts)


def test_an_adverse_decision_resting_on_differing_register_data_is_refused_without_kommunicering(settings):
    case, calculation = _differing_case(settings)
    with pytest.raises(services.DecisionError, match="Kommunicera registeruppgifterna innan beslut"):
        services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL)
    assert not Decision.objects.filter(application=case.application, status=DecisionStatus.ISSUED).exists()


def test_an_answered_kommunicering_allows_the_decision_and_the_letter_says_the_applicant_could_comment(settings):
    case, calculation = _differing_case(settings)
    started = start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    answer_completion(started, person=case.application.applicant, answer="Lönen var för februari.")
    decision = services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL)
    assert decision.is_issued
    assert "fick du tillfälle att yttra dig" in decision.reasons and "25 § förvaltningslagen" in decision.reasons
    assert "fick du tillfälle att yttra dig" in decision.letter.html


def test_a_kommunicering_whose_last_day_has_passed_allows_the_decision(settings):
    case, calculation = _differing_case(settings)
    start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS,
                        today=timezone.localdate() - dt.timedelta(days=10))
    decision = services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL)
    assert decision.is_issued and "Du svarade inte till och med" in decision.reasons


def test_a_recorded_exception_of_25_paragraph_2_with_a_reason_allows_the_decision_and_is_in_the_letter(settings):
    case, calculation = _differing_case(settings)
    decision = services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL,
                                       kommunicering_exception=KommuniceringException.URGENT,
                                       kommunicering_reason="Hyran måste betalas i dag.")
    assert decision.is_issued
    exemption = KommuniceringExemption.objects.get(decision=decision)
    assert (exemption.exception, exemption.reason) == ("urgent", "Hyran måste betalas i dag.")
    assert "25 § andra stycket 3 förvaltningslagen" in decision.reasons
    assert "Hyran måste betalas i dag." in decision.letter.html


def test_an_exception_without_a_reason_is_refused(settings):
    case, calculation = _differing_case(settings)
    with pytest.raises(services.DecisionError, match="Skriv skälen till att undantaget från kommunicering"):
        services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL,
                                kommunicering_exception=KommuniceringException.UNNECESSARY, kommunicering_reason=" ")
    assert not KommuniceringExemption.objects.exists()


def test_a_refusal_when_the_registers_match_the_declaration_needs_no_kommunicering(settings):
    case = standard_case(settings)
    facts = fetch_for_application(case.application)
    decision = services.issue_decision(case.application, calculate(case.application, facts), case.caseworker,
                                       **REFUSAL)
    assert decision.is_issued and "yttra dig" not in decision.reasons


def test_a_running_kommunicering_does_not_count_as_completed(settings):
    case, calculation = _differing_case(settings)
    start_kommunicering(case.application, actor=case.caseworker, findings=FINDINGS)
    with pytest.raises(services.DecisionError, match="kommunicering"):
        services.issue_decision(case.application, calculation, case.caseworker, **REFUSAL)


def test_a_presented_refusal_is_not_decided_without_kommunicering_but_is_with_the_presenters_exception(settings):
    case, calculation = _differing_case(settings)
    delegate = user_with_role(Role.CASEWORKER, case.municipality)
    proposal = services.submit_for_decision(case.application, calculation, case.caseworker, **REFUSAL)
    with pytest.raises(services.DecisionError, match="Kommunicera registeruppgifterna innan beslut"):
        services.decide_proposal(proposal, delegate)
    proposal = services.submit_for_decision(case.application, calculation, case.caseworker, **REFUSAL,
                                            kommunicering_exception=KommuniceringException.UNNECESSARY,
                                            kommunicering_reason="Sökanden har själv lämnat lönebeskedet.")
    decision = services.decide_proposal(proposal, delegate)
    assert decision.is_issued and decision.kommunicering_exemption.reason == "Sökanden har själv lämnat lönebeskedet."


def test_an_omprovning_against_the_applicant_on_differing_register_data_needs_kommunicering(settings):
    case, calculation = _differing_case(settings)
    granted = services.issue_decision(case.application, calculation, case.caseworker,
                                      line_reasons=own_reasons(case.application, calculation))
    with pytest.raises(services.DecisionError, match="Kommunicera registeruppgifterna innan beslut"):
        services.reconsider(granted, case.caseworker, caseworker_text="Lönen enligt registret gäller.",
                            outcome="refused", worsening_exception="misleading_information",
                            worsening_reason="Sökanden angav för låg lön.")
    new = services.reconsider(granted, case.caseworker, caseworker_text="Lönen enligt registret gäller.",
                              outcome="refused", worsening_exception="misleading_information",
                              worsening_reason="Sökanden angav för låg lön.",
                              kommunicering_exception=KommuniceringException.ENFORCEMENT,
                              kommunicering_reason="Utbetalningen måste stoppas.")
    assert new.is_issued and new.outcome == "refused"


def test_the_automated_function_sends_an_application_with_differing_register_data_to_a_person(settings):
    case = standard_case(settings, delegation=False)
    make_delegation(case.municipality)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 9000)]})
    facts = fetch_for_application(case.application)
    decision, verdict = services.decide_automatically(case.application, calculation=calculate(case.application, facts),
                                                      register_facts=facts)
    assert decision is None and not Decision.objects.filter(application=case.application).exists()
    assert "register_incomes_match" in [c.code for c in verdict.failed]


def test_the_automated_function_never_makes_an_adverse_decision_even_with_the_register_criterion_off(settings):
    case = standard_case(settings, delegation=False)
    make_delegation(case.municipality, criteria={"register_incomes_match": {"enabled": False},
                                                 "amount_close_to_last_month": {"enabled": False}})
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 40000)]})
    facts = fetch_for_application(case.application)
    calculation = calculate(case.application, facts)
    decision, verdict = services.decide_automatically(case.application, calculation=calculation, register_facts=facts)
    assert decision is None and not Decision.objects.filter(application=case.application).exists()
    assert [c.code for c in verdict.failed] == ["full_grant"]
