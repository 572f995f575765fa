"""The automation policy: a standard recurring case is decided automatically under the delegation;
every criterion, when it fails, stops the automation and is reported with its reason; only grants are
automated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.applications.models import CompletionRequest
from bistand.decisions import automation, services
from bistand.decisions.automation import DEFAULT_CRITERIA, LABELS, evaluate, validate_criteria
from bistand.decisions.models import Decision, DecisionStatus, Outcome
from bistand.registers.services import fetch_for_application
from tests.decisions.factories import (
    COMMITTEE_REFERENCE,
    MONTH,
    calculate,
    declaration,
    make_application,
    make_delegation,
    simulator_fixture,
    standard_case,
)
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def run(case, application=None):
    """What the monthly run does for one application: fetch register data, calculate, try to decide."""
    application = application or case.application
    facts = fetch_for_application(application)
    calculation = calculate(application, facts)
    return services.decide_automatically(application, calculation=calculation, register_facts=facts)


def failed_codes(verdict) -> list[str]:
    return [c.code for c in verdict.failed]


def only_failure(verdict, code: str):
    assert failed_codes(verdict) == [code], verdict.failed
    failure = verdict.failed[0]
    assert failure.label_sv == LABELS[code]
    assert failure.detail
    return failure


# --- the standard case ---------------------------------------------------------------------------------


def test_a_standard_recurring_application_is_decided_automatically(settings):
    case = standard_case(settings)
    decision, verdict = run(case)

    assert verdict.automate and verdict.failed == []
    assert decision.status == DecisionStatus.ISSUED and decision.issued_at is not None
    assert decision.automated is True
    assert decision.decided_by is None
    assert decision.delegation == case.delegation
    assert decision.outcome == Outcome.GRANTED
    assert decision.amount_ore == decision.calculation.amount_ore > 0
    assert decision.decision_maker_label.startswith("Automatiserad beslutsfunktion")
    assert COMMITTEE_REFERENCE in decision.decision_maker_label
    assert "automatiserad beslutsfunktion" in decision.reasons
    assert "6 kap. 37 § kommunallagen" in decision.legal_basis
    assert decision.conditions == case.delegation.conditions_text
    assert all(row["passed"] for row in decision.automation_report)
    case.application.refresh_from_db()
    assert case.application.status == "decided"


def test_the_decision_records_every_criterion_checked_with_its_settings(settings):
    case = standard_case(settings)
    decision, verdict = run(case)
    codes = [row["code"] for row in decision.automation_report]
    enabled = [code for code in LABELS if DEFAULT_CRITERIA.get(code, {"enabled": True})["enabled"]]
    assert codes == enabled
    by_code = {row["code"]: row for row in decision.automation_report}
    assert by_code["register_incomes_match"]["settings"]["tolerance_ore"] == 10_000


def test_deciding_again_makes_no_second_decision(settings):
    case = standard_case(settings)
    first, _ = run(case)
    case.application.refresh_from_db()
    second, verdict = run(case)

    assert second is None
    assert "application_open" in failed_codes(verdict)
    assert Decision.objects.filter(application=case.application).count() == 1
    assert first.pk == Decision.objects.get(application=case.application).pk


def test_the_automation_only_ever_decides_grants(settings):
    # The household's income is higher than the need: the calculation refuses.
    case = standard_case(settings, incomes=(("wage", "applicant", 30000),))
    decision, verdict = run(case)
    assert decision is None
    # The amount also moves far from last month's (the previous month was refused too), so only the
    # refusal is asserted here.
    assert "full_grant" in failed_codes(verdict)
    detail = next(c.detail for c in verdict.failed if c.code == "full_grant")
    assert "avslag" in detail
    assert not Decision.objects.filter(application=case.application).exists()


def test_a_partial_refusal_goes_to_a_person(settings):
    # Jönköping's rent ceiling for one adult is 5 900 kr (an estimated, invented demo figure, accepted
    # here so that only the partial refusal stops the automation). The household's rådrum (full rent) ended
    # in January, so the ceiling applies in February and March (issue 17 §2).
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    case = standard_case(settings, municipality=municipality, costs={"rent": 8000, "household_electricity": 300},
                         rent_grace_ended=dt.date(2026, 1, 1))
    case.delegation.criteria = {"no_estimated_parameter": {"accepted_files": ["local/0680.yaml"]}}
    case.delegation.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "full_grant")
    assert "delavslag" in failure.detail and "Boendekostnad (hyra)" in failure.detail


# --- each criterion fails with its reason --------------------------------------------------------------


def test_a_new_application_is_not_automated(settings):
    case = standard_case(settings)
    new = case.application
    new.kind = "new"
    new.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "recurring")
    assert "nyansökan" in failure.detail


def test_a_changed_household_is_not_automated(settings):
    case = standard_case(settings)
    changed = declaration(case.household, MONTH, incomes=[("wage", "applicant", 4000)])
    changed["members"]["other_adults_in_dwelling"] = 1
    case.application.declaration = changed
    case.application.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "household_and_housing_unchanged")
    assert "hushållet har ändrats" in failure.detail and "andra vuxna i bostaden" in failure.detail


def test_changed_housing_is_not_automated(settings):
    case = standard_case(settings)
    changed = declaration(case.household, MONTH, incomes=[("wage", "applicant", 4000)],
                          housing={"kind": "rental", "rooms": 3, "persons_in_dwelling": 1, "source": "applicant"})
    case.application.declaration = changed
    case.application.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "household_and_housing_unchanged")
    assert "boendet har ändrats (antal rum)" in failure.detail


def test_register_incomes_that_differ_from_the_declared_are_not_automated(settings):
    case = standard_case(settings)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 4500)]})
    decision, verdict = run(case)
    assert decision is None
    # The register's higher wage also moves the amount by 500 kr, which is within the default distance.
    failure = only_failure(verdict, "register_incomes_match")
    assert "Lön" in failure.detail and "4\u00a0000\u00a0kr" in failure.detail and "4\u00a0500\u00a0kr" in failure.detail


def test_an_undeclared_register_income_is_not_automated(settings):
    case = standard_case(settings)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(
        case.application, {"applicant": [("wage", 4000), ("sickness_benefit", 300)]})
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "register_incomes_match")
    assert "Sjukpenning" in failure.detail and "inget angivet i ansökan" in failure.detail


def test_a_register_difference_within_the_tolerance_is_automated(settings):
    case = standard_case(settings)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 4080)]})
    decision, verdict = run(case)  # 80 kr is within the default tolerance of 100 kr
    assert verdict.automate, verdict.failed
    assert decision is not None


def test_the_register_tolerance_is_set_by_the_delegation(settings):
    case = standard_case(settings)
    case.delegation.criteria = {"register_incomes_match": {"tolerance_ore": 0}}
    case.delegation.save()
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(case.application, {"applicant": [("wage", 4080)]})
    decision, verdict = run(case)
    assert decision is None
    only_failure(verdict, "register_incomes_match")


def test_an_open_completion_request_stops_the_automation(settings):
    case = standard_case(settings)
    CompletionRequest.objects.create(municipality=case.municipality, application=case.application,
                                     requested_by=case.caseworker, text="Skicka hyresavin.",
                                     due_date=dt.date(2026, 3, 10))
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "no_open_completion_request")
    assert "inte är besvarad" in failure.detail


def test_an_answered_completion_request_does_not_stop_the_automation(settings):
    case = standard_case(settings)
    CompletionRequest.objects.create(municipality=case.municipality, application=case.application,
                                     requested_by=case.caseworker, text="Skicka hyresavin.",
                                     due_date=dt.date(2026, 3, 10), status="answered", answer="Här är den.",
                                     answered_at=timezone.now())
    decision, verdict = run(case)
    assert decision is not None, verdict.failed


def test_an_amount_far_from_last_month_is_not_automated(settings):
    case = standard_case(settings)
    # The rent went up by 1 500 kr since last month: the amount moves more than the default 1 000 kr.
    changed = declaration(case.household, MONTH, incomes=[("wage", "applicant", 4000)],
                          costs={"rent": 7500, "household_electricity": 300})
    case.application.declaration = changed
    case.application.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "amount_close_to_last_month")
    assert "1\u00a0500\u00a0kr" in failure.detail and "1\u00a0000\u00a0kr" in failure.detail


def test_the_allowed_distance_can_be_a_percentage_of_last_month(settings):
    case = standard_case(settings)
    case.delegation.criteria = {"amount_close_to_last_month": {"max_difference_ore": 0, "max_difference_percent": 25}}
    case.delegation.save()
    changed = declaration(case.household, MONTH, incomes=[("wage", "applicant", 4000)],
                          costs={"rent": 7500, "household_electricity": 300})
    case.application.declaration = changed
    case.application.save()
    decision, verdict = run(case)  # 1 500 kr of last month's 7 520 kr is under 25 %
    assert decision is not None, verdict.failed


def test_without_a_decision_last_month_the_amount_cannot_be_compared(settings):
    case = standard_case(settings)
    # The previous decision is for February, so a May application has no decision last month.
    moved = make_application(case.household, dt.date(2026, 5, 1), previous=case.application,
                             incomes=[("wage", "applicant", 4000)])
    decision, verdict = run(case, moved)
    assert decision is None
    failure = only_failure(verdict, "amount_close_to_last_month")
    assert "april 2026" in failure.detail


def test_an_estimated_parameter_stops_the_automation(settings):
    # Jönköping's rent ceilings are invented demo figures marked "estimated" in local/0680.yaml.
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    case = standard_case(settings, municipality=municipality, costs={"rent": 5000, "household_electricity": 300})
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "no_estimated_parameter")
    assert "tak för boendekostnad" in failure.detail and "local/0680.yaml" in failure.detail


def test_estimated_values_from_an_accepted_parameter_file_are_allowed(settings):
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    case = standard_case(settings, municipality=municipality, costs={"rent": 5000, "household_electricity": 300})
    case.delegation.criteria = {"no_estimated_parameter": {"accepted_files": ["local/0680.yaml"]}}
    case.delegation.save()
    decision, verdict = run(case)
    assert decision is not None, verdict.failed


def test_a_required_plan_cannot_be_checked_without_the_hook(settings, monkeypatch):
    case = standard_case(settings)
    monkeypatch.setattr(automation, "_plan_check", None)  # the plans app registers has_current_plan
    case.delegation.criteria = {"current_plan": {"enabled": True}}
    case.delegation.save()
    decision, verdict = run(case)
    assert decision is None
    failure = only_failure(verdict, "current_plan")
    assert "kan ännu inte kontrolleras" in failure.detail


def has_plan(person, month):
    return True


def has_no_plan(person, month):
    return False


@pytest.mark.parametrize("hook, automated", [(has_plan, True), (has_no_plan, False)])
def test_a_required_plan_is_checked_through_the_hook(settings, monkeypatch, hook, automated):
    case = standard_case(settings)
    case.delegation.criteria = {"current_plan": {"enabled": True}}
    case.delegation.save()
    monkeypatch.setattr(automation, "_plan_check", hook)
    decision, verdict = run(case)
    assert (decision is not None) is automated
    if not automated:
        assert "ingen aktuell planering" in only_failure(verdict, "current_plan").detail


def test_the_plan_is_not_required_by_default(settings):
    case = standard_case(settings)
    decision, verdict = run(case)
    assert decision is not None
    assert "current_plan" not in [c.code for c in verdict.passed + verdict.failed]


def test_the_kill_switch_stops_the_automation(settings):
    case = standard_case(settings)
    case.delegation.active = False
    case.delegation.save()
    decision, verdict = run(case)
    assert decision is None
    assert "nödstoppet" in only_failure(verdict, "delegation_in_force").detail


def test_without_a_delegation_nothing_is_automated(settings):
    case = standard_case(settings, delegation=False)
    decision, verdict = run(case)
    assert decision is None
    only_failure(verdict, "delegation_in_force")


def test_a_delegation_applies_from_its_effective_date(settings):
    case = standard_case(settings, delegation=False)
    make_delegation(case.municipality, effective_from=timezone.localdate() + dt.timedelta(days=1))
    decision, verdict = run(case)
    assert decision is None
    only_failure(verdict, "delegation_in_force")
    # The newest delegation in force governs: a later one with the kill switch pulled stops it.
    verdict = evaluate(case.application, calculate(case.application), on=timezone.localdate() + dt.timedelta(days=2))
    assert failed_codes(verdict) == []


def test_a_newer_delegation_with_the_kill_switch_pulled_governs(settings):
    case = standard_case(settings)
    make_delegation(case.municipality, effective_from=dt.date(2025, 1, 1), active=False,
                    committee_reference="Socialnämnden 2024-12-01 § 3")
    decision, verdict = run(case)
    assert decision is None
    assert "2024-12-01 § 3" in only_failure(verdict, "delegation_in_force").detail


def test_an_application_a_caseworker_must_answer_is_not_automated(settings):
    case = standard_case(settings)
    case.application.needs_caseworker = True
    case.application.caseworker_reasons = [{"code": "cannot_answer:incomes", "label": "Sökanden kunde inte svara om inkomster"}]
    case.application.save()
    decision, verdict = run(case)
    assert decision is None
    assert "kunde inte svara om inkomster" in only_failure(verdict, "nothing_for_caseworker").detail


def test_a_calculation_of_another_month_is_refused(settings):
    case = standard_case(settings)
    verdict = evaluate(case.application, case.previous_decision.calculation, register_facts=[])
    assert "calculation_for_application" in failed_codes(verdict)
    assert not verdict.automate


def test_every_failed_criterion_is_reported_at_once(settings):
    case = standard_case(settings)
    new = case.application
    new.kind = "new"
    new.needs_caseworker = True
    new.save()
    CompletionRequest.objects.create(municipality=case.municipality, application=new, requested_by=case.caseworker,
                                     text="Skicka lönebesked.", due_date=dt.date(2026, 3, 10))
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(new, {"applicant": [("wage", 6000)]})
    decision, verdict = run(case)
    assert decision is None
    assert set(failed_codes(verdict)) == {"recurring", "nothing_for_caseworker", "register_incomes_match",
                                          "no_open_completion_request", "amount_close_to_last_month"}
    assert all(c.detail and c.label_sv == LABELS[c.code] for c in verdict.failed)


def test_a_disabled_criterion_is_not_checked(settings):
    case = standard_case(settings)
    case.application.kind = "new"
    case.application.save()
    case.delegation.criteria = {"recurring": {"enabled": False}}
    case.delegation.save()
    decision, verdict = run(case)
    assert decision is not None, verdict.failed
    assert "recurring" not in [row["code"] for row in decision.automation_report]


def test_the_register_criterion_fails_when_nothing_was_fetched(settings):
    case = standard_case(settings)
    calculation = calculate(case.application, register_facts=[])
    verdict = evaluate(case.application, calculation)
    failure = only_failure(verdict, "register_incomes_match")
    assert "inte hämtats" in failure.detail


def test_a_decision_draft_made_by_a_person_stops_the_automation(settings):
    case = standard_case(settings)
    calculation = calculate(case.application, fetch_for_application(case.application))
    services.save_draft(case.application, calculation, case.caseworker)
    decision, verdict = services.decide_automatically(case.application, calculation=calculation)
    assert decision is None
    assert "utkast" in only_failure(verdict, "application_open").detail


# --- the delegation's criteria settings ----------------------------------------------------------------


def test_the_criteria_settings_are_validated():
    assert validate_criteria({}) == []
    assert validate_criteria(DEFAULT_CRITERIA) == []
    problems = validate_criteria({"recurring": {"enabled": "ja"}, "unknown": {}, "register_incomes_match": {"tolerance_ore": -1},
                                  "no_estimated_parameter": {"accepted_files": "local/0680.yaml"},
                                  "amount_close_to_last_month": {"max": 5}})
    assert len(problems) == 5
    assert any("Okänt villkor 'unknown'" in p for p in problems)
    assert validate_criteria([1, 2]) == ["Villkoren ska vara ett JSON-objekt med ett villkor per nyckel."]


def test_missing_settings_take_the_defaults():
    municipality = MunicipalityFactory()
    delegation = make_delegation(municipality, criteria={"register_incomes_match": {"tolerance_percent": 5}})
    settings = automation.criteria_settings(delegation)
    assert settings["register_incomes_match"] == {"enabled": True, "tolerance_ore": 10_000, "tolerance_percent": 5}
    assert settings["current_plan"] == {"enabled": False}
    assert automation.criteria_settings(None) == DEFAULT_CRITERIA
