"""Fetching register data for an application (stored with source and time, idempotent, refreshable)
and comparing it with the declared incomes (differences flagged beyond a tolerance)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bistand.audit.models import AuditEvent
from bistand.registers.models import RegisterFact, RegisterFetch
from bistand.registers.selectors import _flagged, facts_for_person, income_comparison, register_facts_for
from bistand.registers.services import compare_declared, fetch_for_application, fetch_for_person
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application, simulator_fixture
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_random_deviations(settings):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def application(municipality, settings):
    household = household_with_members(municipality, adults=2, children=1)
    made = make_application(household, MONTH, incomes=[("wage", "applicant", 8000), ("child_benefit", "applicant", 1250),
                                                       ("parental_benefit", "partner", 6000)])
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(made)
    return made


def register(settings, application, incomes):
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application, incomes)


# --- fetching ------------------------------------------------------------------------------------------


def test_every_person_of_the_application_is_fetched_and_stored_with_source_and_time(application):
    facts = fetch_for_application(application)

    fetches = RegisterFetch.objects.filter(period=MONTH)
    assert fetches.count() == 3  # applicant, partner, child
    assert {f.person_id for f in fetches} == set(application.household.members.values_list("person_id", flat=True))
    assert all(f.source == "simulator" and f.number == 1 and f.fetched_at is not None for f in fetches)
    assert {(f.kind, f.agency, f.amount_ore) for f in facts} == {
        ("wage", "skv", 800_000), ("child_benefit", "fk", 125_000), ("parental_benefit", "fk", 600_000)}
    assert all(f.source == "simulator" and f.fetched_at == f.fetch.fetched_at and f.period == MONTH for f in facts)
    assert all(f.municipality_id == application.municipality_id for f in facts)
    # The child's empty answer is stored too: the registers knew of nothing.
    child_fetch = fetches.exclude(person__in=[application.applicant, application.co_applicant]).get()
    assert child_fetch.fact_count == 0
    assert AuditEvent.objects.filter(model="registers.registerfetch").count() == 3


def test_fetching_again_asks_nothing_new(application):
    first = fetch_for_application(application)
    second = fetch_for_application(application)
    assert [f.pk for f in first] == [f.pk for f in second]
    assert RegisterFetch.objects.count() == 3 and RegisterFact.objects.count() == 3


def test_a_refresh_keeps_the_old_fetch_and_the_newest_counts(application, settings):
    fetch_for_application(application)
    register(settings, application, {"applicant": [("wage", 8500)]})
    facts = fetch_for_application(application, refresh=True)

    assert RegisterFetch.objects.filter(number=2).count() == 3
    assert RegisterFact.objects.filter(kind="wage").count() == 2  # the old answer is kept
    assert {(f.kind, f.amount_ore) for f in facts} == {("wage", 850_000)}
    assert {(f.kind, f.amount_ore) for f in register_facts_for(application)} == {("wage", 850_000)}


def test_a_caseworker_of_another_municipality_cannot_fetch(application):
    outsider = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        fetch_for_application(application, user=outsider)
    assert not RegisterFetch.objects.exists()


def test_a_caseworker_fetch_records_who_asked(application):
    caseworker = user_with_role(Role.CASEWORKER, application.municipality)
    fetch = fetch_for_person(application.applicant, MONTH, user=caseworker)
    assert fetch.fetched_by == caseworker
    facts = facts_for_person(application.applicant, MONTH, caseworker)
    assert {f.kind for f in facts} == {"wage", "child_benefit"}
    assert facts_for_person(application.applicant, MONTH, user_with_role(Role.CASEWORKER, MunicipalityFactory())) == []


# --- comparing -----------------------------------------------------------------------------------------


def test_matching_register_data_gives_no_differences(application):
    fetch_for_application(application)
    assert compare_declared(application) == []


def test_a_different_amount_is_flagged_with_both_figures(application, settings):
    register(settings, application, {"applicant": [("wage", 8400), ("child_benefit", 1250)],
                                     "partner": [("parental_benefit", 6000)]})
    fetch_for_application(application)
    (difference,) = compare_declared(application)
    assert difference.code == "different_amount" and difference.kind == "wage"
    assert difference.person_id == application.applicant_id
    assert (difference.declared_ore, difference.register_ore) == (800_000, 840_000)
    assert difference.detail == "Lön: 8\u00a0000\u00a0kr angivet i ansökan, 8\u00a0400\u00a0kr enligt Skatteverket."


def test_a_difference_within_the_tolerance_is_not_flagged(application, settings):
    register(settings, application, {"applicant": [("wage", 8050), ("child_benefit", 1250)],
                                     "partner": [("parental_benefit", 6000)]})
    fetch_for_application(application)
    assert len(compare_declared(application)) == 1
    assert compare_declared(application, tolerance_ore=5_000) == []
    assert compare_declared(application, tolerance_ore=4_999) != []
    assert compare_declared(application, tolerance_percent=1) == []  # 50 kr of 8 050 kr is under 1 %


def test_an_undeclared_income_and_a_missing_income_are_flagged(application, settings):
    register(settings, application, {"applicant": [("wage", 8000), ("child_benefit", 1250), ("sickness_benefit", 900)]})
    fetch_for_application(application)
    differences = {d.kind: d for d in compare_declared(application)}
    assert differences["sickness_benefit"].code == "not_declared"
    assert "inget angivet i ansökan" in differences["sickness_benefit"].detail
    assert differences["parental_benefit"].code == "not_in_register"
    assert "inget enligt Försäkringskassan" in differences["parental_benefit"].detail


def test_household_benefits_are_compared_for_the_household(application, settings):
    # Försäkringskassan pays the child benefit to the partner; the application names the applicant.
    register(settings, application, {"applicant": [("wage", 8000)],
                                     "partner": [("parental_benefit", 6000), ("child_benefit", 1250)]})
    fetch_for_application(application)
    assert compare_declared(application) == []
    rows, not_fetched = income_comparison(application)
    child_benefit = next(r for r in rows if r.kind == "child_benefit")
    assert child_benefit.person_id is None and child_benefit.code == "same" and not_fetched == []


def test_persons_not_fetched_are_reported(application):
    fetch_for_person(application.applicant, MONTH)
    codes = [d.code for d in compare_declared(application)]
    assert codes.count("not_fetched") == 2  # the partner and the child


def test_an_income_no_register_reports_cannot_be_checked(application):
    declaration = application.declaration
    declaration["incomes"].append({"type": "other", "member": "applicant", "amount_ore": 50_000, "source": "applicant"})
    application.declaration = declaration
    application.save()
    fetch_for_application(application)
    rows, _ = income_comparison(application)
    other = next(r for r in rows if r.kind == "other")
    assert other.code == "not_checkable" and not other.flagged
    assert compare_declared(application) == []


@hypothesis_settings(max_examples=300, deadline=None)
@given(declared=st.integers(0, 10**8), register_amount=st.integers(0, 10**8), tolerance_ore=st.integers(0, 10**6),
       tolerance_percent=st.integers(0, 100))
def test_a_difference_is_flagged_exactly_when_it_exceeds_both_tolerances(declared, register_amount, tolerance_ore,
                                                                        tolerance_percent):
    gap = abs(declared - register_amount)
    flagged = _flagged(declared, register_amount, tolerance_ore, tolerance_percent)
    assert flagged == (gap > tolerance_ore and gap * 100 > tolerance_percent * max(declared, register_amount))
    assert flagged == _flagged(register_amount, declared, tolerance_ore, tolerance_percent)
    assert not _flagged(declared, declared, tolerance_ore, tolerance_percent)
