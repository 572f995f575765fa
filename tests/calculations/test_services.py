"""Storing calculations: what is stored, idempotency, immutability, audit and scoping."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from bistand import rules
from bistand.audit.models import AuditEvent
from bistand.calculations.inputs import DecimalJSONDecoder, InputBuildError
from bistand.calculations.models import ImmutableCalculationError, MadeBy, StoredCalculation
from bistand.calculations.services import (
    CalculationConflictError,
    build_input_for_household,
    calculate_and_store,
)
from bistand.common.months import parse_month
from bistand.people.models import HouseholdRole
from bistand.rules.calculate import encode_json
from bistand.rules.parameters import PARAMETERS_DIR, clear_caches, parameter_hash
from bistand.tenancy.roles import Role
from tests.calculations.factories import StoredCalculationFactory, pay, ready_to_pay
from tests.factories import (
    ChildFactory,
    HouseholdMemberFactory,
    MunicipalityFactory,
    PersonFactory,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jonkoping():
    return MunicipalityFactory(code="0680", name="Jönköping")


@pytest.fixture
def household(jonkoping):
    return household_with_members(jonkoping, adults=1, birth_date=dt.date(1985, 5, 5))


@pytest.fixture
def caseworker(jonkoping):
    return user_with_role(Role.CASEWORKER, jonkoping)


def applicant_id(household) -> str:
    return str(household.members.get(role=HouseholdRole.APPLICANT).person_id)


def single_input(household, rent=7000, wage=0):
    incomes = [{"type": "wage", "amount": wage, "member": applicant_id(household)}] if wage else []
    return {
        "household": {"adults": [{"id": applicant_id(household), "age": 40}]},
        "costs": [{"type": "rent", "amount": rent}, {"type": "household_electricity", "amount": Decimal("412.35")}],
        "incomes": incomes,
    }


def contract_json(result) -> dict:
    """The result as JSON text would carry it (numbers as exact Decimals)."""
    return json.loads(encode_json(result.to_dict(trace=True)), cls=DecimalJSONDecoder)


def test_stored_calculation_keeps_input_result_engine_version_and_parameter_hash(household, caseworker):
    stored = calculate_and_store(household, "2025-03", single_input(household), caseworker)

    expected = rules.calculate({**single_input(household), "month": "2025-03", "municipality": "0680"})
    assert stored.engine_version == rules.ENGINE_VERSION
    assert stored.parameter_hash == parameter_hash("2025-03", "0680")
    assert stored.amount_ore == expected.amount * 100
    assert stored.outcome == expected.outcome
    assert stored.month == dt.date(2025, 3, 1)
    assert stored.municipality_id == household.municipality_id
    assert stored.input_data["month"] == "2025-03"
    assert stored.input_data["municipality"] == "0680"

    again = StoredCalculation.objects.get(pk=stored.pk)
    assert again.result == contract_json(expected)
    assert again.result["lines"], "the trace lines are stored"
    assert any("tak" in line["label"] or "högst" in line["label"] for line in again.result["lines"])
    assert again.input_data["costs"][1]["amount"] == Decimal("412.35")


def test_stored_calculation_shows_the_same_figures_after_the_parameters_change(household, caseworker, tmp_path, settings):
    stored = calculate_and_store(household, "2025-03", single_input(household, rent=7000), caseworker)
    original = StoredCalculation.objects.get(pk=stored.pk).result

    # The municipality raises its housing-cost ceiling for 2025 (a new local parameter file).
    local = yaml.safe_load((PARAMETERS_DIR / "local" / "0680.yaml").read_text(encoding="utf-8"))
    local["values"]["2025-01-01"]["housing_cost_ceiling"]["value"][1][0] = 6900
    (tmp_path / "0680.yaml").write_text(yaml.safe_dump(local, allow_unicode=True), encoding="utf-8")
    settings.BISTAND_LOCAL_PARAMETERS_DIR = str(tmp_path)
    clear_caches()
    try:
        newer = calculate_and_store(household, "2025-03", single_input(household, rent=7001), caseworker)
        assert newer.parameter_hash != stored.parameter_hash
        assert newer.amount_ore > stored.amount_ore

        reread = StoredCalculation.objects.get(pk=stored.pk)
        assert reread.result == original
        assert reread.amount_ore == stored.amount_ore
        assert reread.parameter_hash == parameter_hash("2025-03", "0680")
    finally:
        clear_caches()


def test_the_same_input_twice_returns_the_stored_calculation(household, caseworker):
    first = calculate_and_store(household, "2025-03", single_input(household), caseworker)
    # Same input written differently: other key order, a month given, trailing zero.
    document = single_input(household)
    document["costs"][1]["amount"] = Decimal("412.350")
    document = {"month": "2025-03", **dict(reversed(list(document.items())))}
    second = calculate_and_store(household, dt.date(2025, 3, 17), document, caseworker)

    assert second.pk == first.pk
    assert StoredCalculation.objects.count() == 1
    assert AuditEvent.objects.filter(model="calculations.storedcalculation").count() == 1


def test_a_different_input_for_the_same_month_is_a_new_calculation(household, caseworker):
    first = calculate_and_store(household, "2025-03", single_input(household, rent=7000), caseworker)
    second = calculate_and_store(household, "2025-03", single_input(household, rent=5000), caseworker)
    assert second.pk != first.pk
    assert StoredCalculation.objects.filter(household=household, month=dt.date(2025, 3, 1)).count() == 2


def test_storing_writes_an_audit_event_naming_the_user_and_the_figures(household, caseworker):
    stored = calculate_and_store(household, "2025-03", single_input(household), caseworker)
    event = AuditEvent.objects.get(model="calculations.storedcalculation", object_id=str(stored.pk))
    assert event.action == "create"
    assert event.user == caseworker
    assert event.municipality_id == household.municipality_id
    assert event.changes["amount_ore"] == {"old": None, "new": stored.amount_ore}
    assert event.changes["parameter_hash"]["new"] == stored.parameter_hash
    assert "result" not in event.changes and "input_data" not in event.changes
    assert stored.made_by == MadeBy.USER
    assert stored.made_by_user == caseworker
    assert caseworker.username in stored.made_by_name


@pytest.mark.parametrize("who, made_by, name", [("system", MadeBy.SYSTEM, "Systemet"), ("demo", MadeBy.DEMO, "Demodata"),
                                                 (None, MadeBy.SYSTEM, "Systemet")])
def test_the_system_and_the_demo_can_store_calculations_without_a_user(household, who, made_by, name):
    stored = calculate_and_store(household, "2025-03", single_input(household), who)
    assert (stored.made_by, stored.made_by_user, stored.made_by_name) == (made_by, None, name)


def test_a_caseworker_of_another_municipality_cannot_store_a_calculation(household):
    stranger = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        calculate_and_store(household, "2025-03", single_input(household), stranger)
    assert not StoredCalculation.objects.exists()


def test_a_researcher_cannot_store_a_calculation(household, jonkoping):
    researcher = user_with_role(Role.RESEARCHER, jonkoping)
    with pytest.raises(PermissionDenied):
        calculate_and_store(household, "2025-03", single_input(household), researcher)


def test_input_for_another_month_or_municipality_is_refused(household, caseworker):
    with pytest.raises(CalculationConflictError, match="2025-04"):
        calculate_and_store(household, "2025-03", {**single_input(household), "month": "2025-04"}, caseworker)
    with pytest.raises(CalculationConflictError, match="0662"):
        calculate_and_store(household, "2025-03", {**single_input(household), "municipality": "0662"}, caseworker)
    assert not StoredCalculation.objects.exists()


def test_input_that_breaks_the_contract_stores_nothing(household, caseworker):
    document = single_input(household)
    document["incomes"] = [{"type": "wage", "amount": 100}]  # a wage without a member
    with pytest.raises(rules.CalculationInputError) as error:
        calculate_and_store(household, "2025-03", document, caseworker)
    assert error.value.field == "incomes[0].member"
    assert not StoredCalculation.objects.exists()
    assert not AuditEvent.objects.filter(model="calculations.storedcalculation").exists()


# --- immutability -------------------------------------------------------------------------------------


def test_saving_a_stored_calculation_again_is_refused(household):
    stored = StoredCalculationFactory(household=household)
    stored.amount_ore = 0
    with pytest.raises(ImmutableCalculationError):
        stored.save()
    assert StoredCalculation.objects.get(pk=stored.pk).amount_ore != 0


def test_updating_stored_calculations_through_a_queryset_is_refused(household):
    StoredCalculationFactory(household=household)
    with pytest.raises(ImmutableCalculationError):
        StoredCalculation.objects.filter(household=household).update(amount_ore=0)
    with pytest.raises(ImmutableCalculationError):
        StoredCalculation.objects.update(engine_version="0")


def test_the_database_refuses_an_update_of_a_stored_calculation(household):
    stored = StoredCalculationFactory(household=household)
    table = StoredCalculation._meta.db_table
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET amount_ore = 0 WHERE id = %s", [stored.pk])
    assert StoredCalculation.objects.get(pk=stored.pk).amount_ore == stored.amount_ore


def test_the_database_refuses_a_second_calculation_with_the_same_input(household):
    stored = StoredCalculationFactory(household=household)
    copy = StoredCalculation.objects.get(pk=stored.pk)
    copy.pk = None
    copy._state.adding = True
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


# --- the input from the household register ------------------------------------------------------------


def test_the_input_is_built_from_the_members_during_the_month(jonkoping):
    household = household_with_members(jonkoping, adults=2, birth_date=dt.date(1980, 7, 2))
    child = HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD,
                                   person=ChildFactory(municipality=jonkoping, birth_date=dt.date(2019, 7, 15)))
    HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD, valid_from=dt.date(2025, 8, 1),
                           person=ChildFactory(municipality=jonkoping, birth_date=dt.date(2010, 1, 1)))
    lodger = HouseholdMemberFactory(household=household, role=HouseholdRole.OTHER_ADULT,
                                    person=PersonFactory(municipality=jonkoping))

    document = build_input_for_household(
        household, "2025-07",
        costs=[{"type": "rent", "amount": "8100.50"}],
        incomes=[{"type": "child_benefit", "amount": 1250, "member": child.person}],
        days_present={child.person: 15},
    )
    adults = document["household"]["adults"]
    children = document["household"]["children"]
    assert [a["id"] for a in adults] == [str(m.person_id) for m in household.members.filter(
        role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER]).order_by("role")]
    assert [a["age"] for a in adults] == [44, 44]  # born 2 July 1980: still 44 on the first day of July 2025
    assert children == [{"id": str(child.person_id), "age": 5, "days_present": 15}]  # the other child comes in August
    assert document["household"]["dwelling_size"] == 4  # two adults, one child, the lodger
    assert document["incomes"][0]["member"] == str(child.person_id)
    assert document["costs"][0]["amount"] == Decimal("8100.50")
    assert document["municipality"] == "0680" and document["month"] == "2025-07"
    assert str(lodger.person_id) not in {a["id"] for a in adults}


def test_the_input_needs_an_applicant(jonkoping):
    household = household_with_members(jonkoping, adults=1)
    household.members.update(valid_to=dt.date(2024, 12, 31))
    with pytest.raises(InputBuildError, match="ingen sökande"):
        build_input_for_household(household, "2025-03")


def test_months_on_assistance_and_jobbstimulans_follow_from_paid_months(household):
    ready_to_pay(household.municipality)
    applicant = applicant_id(household)
    pay(household, ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"])
    document = build_input_for_household(
        household, "2025-07", costs=[{"type": "rent", "amount": 6000}],
        incomes=[{"type": "wage", "amount": 8000, "member": applicant}],
    )
    adult = document["household"]["adults"][0]
    assert adult["consecutive_months_on_assistance"] == 6
    assert "jobbstimulans_since" not in adult  # the window starts with this month
    pay(household, ["2025-07"], export_date=dt.date(2025, 8, 1))
    july = calculate_and_store(household, "2025-07", document, "system")  # the month's latest calculation
    assert any(line["code"] == f"disregard.jobbstimulans.{applicant}" and line["amount"] == 2000
               for line in july.result["lines"])

    august = build_input_for_household(household, "2025-08", incomes=[{"type": "wage", "amount": 8000, "member": applicant}])
    assert august["household"]["adults"][0]["jobbstimulans_since"] == "2025-07"
    assert august["household"]["adults"][0]["consecutive_months_on_assistance"] == 7


def test_a_month_without_a_payment_breaks_the_run_of_months(household):
    ready_to_pay(household.municipality)
    pay(household, ["2025-01", "2025-03"])
    StoredCalculationFactory(household=household, month="2025-02", wage=60000)  # nothing to pay
    document = build_input_for_household(household, "2025-04")
    assert document["household"]["adults"][0]["consecutive_months_on_assistance"] == 1


def test_a_childs_earlier_earnings_this_year_come_from_stored_months(jonkoping):
    household = household_with_members(jonkoping, adults=1)
    teen = HouseholdMemberFactory(household=household, role=HouseholdRole.CHILD,
                                  person=ChildFactory(municipality=jonkoping, birth_date=dt.date(2008, 3, 3))).person
    for month, wage in [("2024-12", 5000), ("2025-06", 12000), ("2025-07", Decimal("9000.50"))]:
        calculate_and_store(household, month, build_input_for_household(
            household, month, incomes=[{"type": "wage", "amount": wage, "member": teen}]), "system")
    document = build_input_for_household(household, "2025-08")
    assert document["household"]["children"][0]["earnings_this_year_before_month"] == Decimal("21000.50")


def test_month_is_stored_as_the_first_day(household):
    stored = StoredCalculationFactory(household=household, month="2025-11")
    assert stored.month == parse_month("2025-11") == dt.date(2025, 11, 1)
    assert stored.month_label == "2025-11"
