"""Rent above the municipality's ceiling (issue 17 §2): the first time, the full rent is accepted for a
rådrum (local parameter, default 3 months) with a letter paragraph saying from which month the ceiling
applies and why; later months use the ceiling. The case worker can extend the rådrum with a reason of their
own; no generated text counts as that reason. The first month above the ceiling is never decided
automatically; later months inside a decided rådrum may be."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bistand.applications.selectors import calculation_input_for
from bistand.audit.models import AuditEvent
from bistand.calculations.services import calculate_and_store
from bistand.decisions import services
from bistand.decisions.automation import evaluate
from bistand.decisions.models import HousingGrace, Outcome
from bistand.decisions.proposals import propose
from bistand.decisions.services import DecisionError
from bistand.tenancy.roles import Role
from tests.decisions.factories import calculate, make_application, make_delegation, simulator_fixture
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE = (dt.date(2026, m, 1) for m in (3, 4, 5, 6))
REASON = "Familjen har fått ett kontrakt på en lägenhet med lägre hyra från den 1 augusti."


@pytest.fixture
def jonkoping():
    return MunicipalityFactory(code="0680", name="Jönköping")


@pytest.fixture
def caseworker(jonkoping):
    return user_with_role(Role.CASEWORKER, jonkoping)


@pytest.fixture
def household(jonkoping):
    """One adult in Jönköping: the ceiling for 1 adult without children is 5 900 kr (2026, invented)."""
    return household_with_members(jonkoping, adults=1, birth_date=dt.date(1984, 4, 4))


def _apply(household, month, **args):
    application = make_application(household, month, kind="new", costs={"rent": 7000, "household_electricity": 300},
                                   incomes=[("wage", "applicant", 3000)], **args)
    return application, calculate(application, register_facts=[])


def _rent(proposal):
    return next(line for line in proposal.lines if line.item == "rent")


def test_the_first_month_above_the_ceiling_counts_the_full_rent_and_the_letter_says_when_the_ceiling_applies(
        household):
    application, calculation = _apply(household, MARCH)
    assert calculation.input_data["housing_grace"] == {"start": "2026-03"}
    proposal = propose(application, calculation)
    rent = _rent(proposal)
    assert (rent.applied_ore, rent.granted_ore, rent.outcome) == (700_000, 700_000, Outcome.GRANTED)
    assert proposal.outcome == Outcome.GRANTED and proposal.missing_reasons == []
    assert "rådrum, mars 2026–maj 2026, då vi räknar med hela hyran" in proposal.reasons
    assert ("Från och med juni 2026 räknar vi med högst 5\u00a0900\u00a0kr i hyra, eftersom försörjningsstödet bara "
            "räknar med en skälig boendekostnad") in proposal.reasons
    assert "12 kap. 7 § första stycket 2 socialtjänstlagen (2025:400)" in proposal.legal_basis


def test_a_rent_within_the_ceiling_gets_no_rådrum(household):
    application = make_application(household, MARCH, kind="new", costs={"rent": 5000})
    assert "housing_grace" not in calculation_input_for(application, [])


def test_issuing_the_first_decision_stores_the_rådrum_audited_and_later_months_use_it(household, caseworker):
    application, calculation = _apply(household, MARCH)
    decision = services.issue_decision(application, calculation, caseworker)
    grace = HousingGrace.objects.get(household=household)
    assert (grace.start_month, grace.end_month, grace.first_decision) == (MARCH, MAY, decision)
    assert AuditEvent.objects.filter(model="decisions.housinggrace", object_id=str(grace.pk), action="create").exists()

    may, may_calculation = _apply(household, MAY)
    assert may_calculation.input_data["housing_grace"] == {"start": "2026-03", "end": "2026-05"}
    assert _rent(propose(may, may_calculation)).granted_ore == 700_000

    june, june_calculation = _apply(household, JUNE)
    rent = _rent(propose(june, june_calculation))
    assert (rent.granted_ore, rent.outcome) == (590_000, Outcome.PARTLY_REFUSED)
    assert "Rådrummet, då hela hyran räknades med, var 2026-03–2026-05." in rent.suggestion
    with pytest.raises(DecisionError, match="Boendekostnad"):  # after the rådrum: the case worker's own reason
        services.issue_decision(june, june_calculation, caseworker)


def test_a_household_already_held_to_the_ceiling_before_rådrum_existed_has_its_rådrum_from_that_month(
        household, caseworker):
    january = make_application(household, dt.date(2026, 1, 1), kind="new", costs={"rent": 7000})
    document = calculation_input_for(january, [])
    document.pop("housing_grace")  # as calculated before the rådrum existed
    old = calculate_and_store(household, january.month, document, "system")
    services.issue_decision(january, old, caseworker, line_reasons={"rent": "Hyran är över taket."})
    assert not HousingGrace.objects.exists()

    _, march = _apply(household, MARCH)
    assert march.input_data["housing_grace"] == {"start": "2026-01"}
    _, april = _apply(household, APRIL)
    assert next(line for line in april.result["lines"] if line["code"] == "costs.rent")["amount"] == 5900


def test_the_first_month_above_the_ceiling_goes_to_the_inbox_with_the_reason(household, settings):
    application, calculation = _apply(household, MARCH)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application)
    verdict = evaluate(application, calculation, register_facts=[], delegation=make_delegation(household.municipality))
    failed = {criterion.code: criterion.detail for criterion in verdict.failed}
    assert "housing_grace_decided" in failed
    assert "inget beslutat rådrum" in failed["housing_grace_decided"]
    assert "mars 2026–maj 2026" in failed["housing_grace_decided"]


def test_a_later_month_inside_a_decided_rådrum_passes_the_criterion(household, caseworker, settings):
    first, first_calculation = _apply(household, MARCH)
    services.issue_decision(first, first_calculation, caseworker)
    application, calculation = _apply(household, APRIL)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application)
    verdict = evaluate(application, calculation, register_facts=[], delegation=make_delegation(household.municipality))
    assert "housing_grace_decided" in {criterion.code for criterion in verdict.passed}
    assert "full_grant" in {criterion.code for criterion in verdict.passed}


def test_the_caseworker_extends_the_rådrum_with_a_reason_that_shows_in_the_letter(household, caseworker):
    first, first_calculation = _apply(household, MARCH)
    services.issue_decision(first, first_calculation, caseworker)
    june, _ = _apply(household, JUNE)
    grace = services.extend_housing_grace(june, actor=caseworker, end_month=dt.date(2026, 7, 1), reason=f"  {REASON} ")
    assert (grace.end_month, grace.reason, grace.extended_by) == (dt.date(2026, 7, 1), REASON, caseworker)
    assert AuditEvent.objects.filter(model="decisions.housinggrace", object_id=str(grace.pk), action="update").exists()
    june.refresh_from_db()
    assert june.status == "in_review"

    calculation = calculate(june, register_facts=[])
    assert calculation.input_data["housing_grace"] == {"start": "2026-03", "end": "2026-07", "reason": REASON}
    proposal = propose(june, calculation)
    assert _rent(proposal).outcome == Outcome.GRANTED
    assert f"Rådrummet är förlängt till och med juli 2026. Skäl: {REASON}" in proposal.reasons
    assert "Från och med augusti 2026 räknar vi med högst 5\u00a0900\u00a0kr i hyra" in proposal.reasons


def test_an_extension_needs_the_caseworkers_own_reason_and_a_later_month(household, caseworker):
    application, calculation = _apply(household, MARCH)
    with pytest.raises(ValidationError) as error:
        services.extend_housing_grace(application, actor=caseworker, end_month=dt.date(2026, 7, 1), reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.extend_housing_grace(application, actor=caseworker, end_month=MAY, reason=REASON)
    assert "end_month" in error.value.message_dict
    warning = next(w for w in calculation.result["warnings"] if "rådrummet" in w)
    with pytest.raises(ValidationError) as error:
        services.extend_housing_grace(application, actor=caseworker, end_month=dt.date(2026, 7, 1),
                                      reason=warning.upper(), generated=calculation.result["warnings"])
    assert "reason" in error.value.message_dict
    assert not HousingGrace.objects.exists()


def test_extending_before_the_first_decision_stores_the_rådrum_from_its_first_month(household, caseworker):
    application, _ = _apply(household, MARCH)
    grace = services.extend_housing_grace(application, actor=caseworker, end_month=dt.date(2026, 8, 1), reason=REASON)
    assert (grace.start_month, grace.end_month) == (MARCH, dt.date(2026, 8, 1))
    assert AuditEvent.objects.filter(model="decisions.housinggrace", object_id=str(grace.pk), action="create").exists()


def test_a_caseworker_of_another_municipality_cannot_extend(household):
    application, _ = _apply(household, MARCH)
    other = user_with_role(Role.CASEWORKER, MunicipalityFactory(code="0662", name="Gislaved"))
    with pytest.raises(PermissionDenied):
        services.extend_housing_grace(application, actor=other, end_month=dt.date(2026, 8, 1), reason=REASON)


def test_the_letter_has_the_rådrum_paragraph(household, caseworker):
    import io

    import pypdf

    from bistand.decisions.letters import render_pdf

    application, calculation = _apply(household, MARCH)
    decision = services.issue_decision(application, calculation, caseworker)
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(render_pdf(decision))).pages)
                    .replace("\u00a0", " ").split())
    assert "Från och med juni 2026 räknar vi med högst 5 900 kr i hyra, eftersom" in text
    assert "Från och med juni 2026 räknar vi med högst 5\u00a0900\u00a0kr i hyra" in decision.letter.html
