"""The SSBTEK plugin registry entry and the simulator fed by the demo data: facts by agency that agree
with the demo's stored calculations, deterministic per person and month, with configurable deviating
persons."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bistand.calculations.services import build_input_for_household, new_stored_calculation, prepare_calculation
from bistand.common import plugins as registry
from bistand.people.models import HouseholdRole
from bistand.registers.ssbtek import simulator
from bistand.registers.ssbtek.base import AGENCY_OF_INCOME, REGISTRATION, SsbtekClient, SsbtekFact
from bistand.registers.ssbtek.simulator import SimulatorClient, deviates
from tests.factories import ChildFactory, HouseholdMemberFactory, MunicipalityFactory, household_with_members

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def no_random_deviations(settings):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING = []


def demo_month(household, month, incomes, made_by="demo"):
    """Store a demo calculation of ``household`` for ``month`` with ``incomes`` (member → person)."""
    document = build_input_for_household(household, month, costs=[{"type": "rent", "amount": 6000}], incomes=incomes)
    row = new_stored_calculation(household=household, month=month, prepared=prepare_calculation(document),
                                 user=made_by)
    row.save()
    return row


@pytest.fixture
def family():
    municipality = MunicipalityFactory()
    household = household_with_members(municipality, adults=2, birth_date=dt.date(1985, 1, 1))
    student = ChildFactory(municipality=municipality, birth_date=dt.date(2009, 5, 5))
    HouseholdMemberFactory(household=household, person=student, role=HouseholdRole.CHILD)
    applicant = household.members.get(role=HouseholdRole.APPLICANT).person
    partner = household.members.get(role=HouseholdRole.PARTNER).person
    demo_month(household, MARCH, [
        {"type": "wage", "amount": 8123, "member": applicant},
        {"type": "child_benefit", "amount": 1250, "member": applicant},
        {"type": "unemployment_benefit", "amount": Decimal("9350.50"), "member": partner},
        {"type": "student_aid", "amount": 1250, "member": student},
    ])
    return household, applicant, partner, student


def by_kind(response):
    return {f.kind: f for f in response.facts}


def test_the_simulator_is_the_default_ssbtek_plugin():
    client = registry.get("ssbtek")
    assert isinstance(client, SimulatorClient) and isinstance(client, SsbtekClient)
    assert client.name == "simulator" and client.is_simulator


def test_simulators_are_refused_where_they_are_not_allowed(settings):
    assert registry.get("ssbtek").check_config() == []
    settings.BISTAND_ALLOW_SIMULATORS = False
    problems = registry.get("ssbtek").check_config()
    assert problems and "simulator" in problems[0].lower()


def test_the_facts_agree_with_the_demo_calculation_by_agency(family):
    household, applicant, partner, student = family
    client = SimulatorClient()

    facts = by_kind(client.fetch(applicant, MARCH))
    assert facts["wage"].agency == "skv" and facts["wage"].amount_ore == 812_300
    assert facts["child_benefit"].agency == "fk" and facts["child_benefit"].amount_ore == 125_000
    assert facts[REGISTRATION].agency == "af" and facts[REGISTRATION].amount_ore is None
    assert facts[REGISTRATION].payload["registered"] is True
    assert facts[REGISTRATION].payload["category"] == "Deltidsarbetande"
    assert all(f.period == MARCH and f.payload["simulated"] for f in facts.values())

    partner_facts = by_kind(client.fetch(partner, MARCH))
    assert partner_facts["unemployment_benefit"].agency == "akassa"
    assert partner_facts["unemployment_benefit"].amount_ore == 935_050
    assert partner_facts[REGISTRATION].payload["a_kassa"]

    student_facts = by_kind(client.fetch(student, MARCH))
    assert set(student_facts) == {"student_aid"}  # a child is not registered at Arbetsförmedlingen
    assert student_facts["student_aid"].agency == "csn"


def test_a_full_time_wage_means_no_registration_at_arbetsformedlingen():
    household = household_with_members(MunicipalityFactory())
    person = household.members.get().person
    demo_month(household, MARCH, [{"type": "wage", "amount": 24000, "member": person}])
    registration = by_kind(SimulatorClient().fetch(person, MARCH))[REGISTRATION]
    assert registration.payload["registered"] is False


def test_the_answer_is_the_same_every_time(family):
    _, applicant, _, _ = family
    first, second = SimulatorClient().fetch(applicant, MARCH), SimulatorClient().fetch(applicant, MARCH)
    assert first == second


def test_a_month_after_the_demo_history_reports_its_last_month(family):
    _, applicant, _, _ = family
    april = by_kind(SimulatorClient().fetch(applicant, dt.date(2026, 4, 1)))
    assert april["wage"].amount_ore == 812_300
    assert april["wage"].period == dt.date(2026, 4, 1) and april["wage"].payload["demo_month"] == "2026-03"
    assert SimulatorClient().fetch(applicant, dt.date(2026, 8, 1)).facts == []  # too long after
    assert SimulatorClient().fetch(applicant, dt.date(2026, 2, 1)).facts == []  # before the history


def test_only_the_demo_calculations_feed_the_simulator(family):
    household, applicant, _, _ = family
    demo_month(household, dt.date(2026, 4, 1), [{"type": "wage", "amount": 99999, "member": applicant}], made_by="system")
    april = by_kind(SimulatorClient().fetch(applicant, dt.date(2026, 4, 1)))
    assert april["wage"].amount_ore == 812_300


def test_a_person_without_demo_data_has_no_facts():
    person = household_with_members(MunicipalityFactory()).members.get().person
    assert SimulatorClient().fetch(person, MARCH).facts == []


def test_a_listed_person_deviates_from_the_demo_data(family, settings):
    _, applicant, partner, _ = family
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING = [applicant.personnummer]
    facts = by_kind(SimulatorClient().fetch(applicant, MARCH))
    wage = facts["wage"]
    assert wage.amount_ore > 812_300 and wage.payload["simulated_deviation"] is True
    # 10-30 % of the income, rounded down to whole tens of kronor (1 000 öre), at least 500 kr.
    possible = {max(50_000, 812_300 * percent // 100 // 1000 * 1000) for percent in range(10, 31)}
    assert wage.amount_ore - 812_300 in possible
    assert facts["child_benefit"].amount_ore == 125_000  # only the largest income changes
    assert by_kind(SimulatorClient().fetch(partner, MARCH))["unemployment_benefit"].amount_ore == 935_050


def test_a_listed_person_without_incomes_gets_an_undeclared_payment(settings):
    person = household_with_members(MunicipalityFactory()).members.get().person
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING = [person.personnummer]
    facts = SimulatorClient().fetch(person, MARCH).facts
    assert len(facts) == 1 and facts[0].kind == "unemployment_benefit" and facts[0].amount_ore > 0
    assert facts[0].payload["simulated_deviation"] is True


def test_a_share_of_the_demo_persons_deviates_deterministically(family, settings):
    _, applicant, _, _ = family
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 100
    assert deviates(applicant.personnummer, MARCH)
    assert any(f.payload.get("simulated_deviation") for f in SimulatorClient().fetch(applicant, MARCH).facts)
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    assert not deviates(applicant.personnummer, MARCH)
    # Persons without demo data never deviate by share, only when listed.
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 100
    assert not deviates(applicant.personnummer, MARCH, from_demo=False)


def test_about_the_configured_share_of_persons_deviate(settings):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 5
    numbers = [f"19850101{n:04d}" for n in range(2000)]
    share = sum(deviates(n, MARCH) for n in numbers) / len(numbers)
    assert 0.03 < share < 0.07
    assert [deviates(n, MARCH) for n in numbers] == [deviates(n, MARCH) for n in numbers]


def test_fixtures_give_exactly_the_facts_asked_for(settings, tmp_path):
    person = household_with_members(MunicipalityFactory()).members.get().person
    entries = [{"agency": "pm", "kind": "pension", "amount": "12345.67"}, {"agency": "af", "kind": "registration",
                                                                           "amount": None, "payload": {"registered": False}}]
    path = tmp_path / "ssbtek.json"
    path.write_text(json.dumps({person.personnummer: {"2026-03": entries}}), encoding="utf-8")
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = str(path)
    facts = by_kind(SimulatorClient().fetch(person, MARCH))
    assert facts["pension"].amount_ore == 1_234_567 and facts["pension"].agency == "pm"
    assert facts["registration"].payload == {"simulated": True, "registered": False}
    assert SimulatorClient().fetch(person, dt.date(2026, 4, 1)).facts == []  # no fixture for April


def test_demo_incomes_are_what_the_simulator_reports(family):
    _, applicant, _, _ = family
    incomes = simulator.demo_incomes(applicant, MARCH)
    assert sorted((i["type"], i["amount"]) for i in incomes) == [("child_benefit", Decimal(1250)), ("wage", Decimal(8123))]


def test_a_fact_checks_its_own_shape():
    with pytest.raises(ValueError):
        SsbtekFact("xx", "wage", 100, MARCH)
    with pytest.raises(TypeError):
        SsbtekFact("skv", "wage", 1.5, MARCH)
    with pytest.raises(ValueError):
        SsbtekFact("skv", "wage", 100, dt.date(2026, 3, 2))
    assert set(AGENCY_OF_INCOME.values()) == {"skv", "akassa", "fk", "pm", "csn"}


def test_the_simulator_agrees_with_the_demo_data_for_most_persons(settings):
    from bistand.calculations.models import MadeBy, StoredCalculation
    from bistand.demo.loader import load_demo, quiet_audit_console
    from bistand.people.models import Person

    with quiet_audit_console():
        load_demo(households_per_municipality=4, months=2, last_month="2026-03", password="x")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 20
    client = SimulatorClient()
    matching = deviating = 0
    for calculation in StoredCalculation.objects.filter(month=MARCH, made_by=MadeBy.DEMO):
        wanted: dict[tuple[str, str], int] = {}
        for income in calculation.input_data["incomes"]:
            key = (str(income["member"]), income["type"])
            wanted[key] = wanted.get(key, 0) + int(Decimal(str(income["amount"])) * 100)
        for member in calculation.household.members.filter(role__in=["applicant", "partner", "child"]).select_related("person"):
            person: Person = member.person
            reported = {(str(person.pk), f.kind): f.amount_ore for f in client.fetch(person, MARCH).facts
                        if f.amount_ore is not None}
            expected = {k: v for k, v in wanted.items() if k[0] == str(person.pk) and v}
            if deviates(person.personnummer, MARCH):
                deviating += 1
                assert reported != expected
            else:
                matching += 1
                assert reported == expected
    assert matching > deviating > 0


def test_the_system_check_warns_about_a_simulator_where_simulators_are_not_allowed(settings):
    from bistand.registers.apps import check_plugins

    assert check_plugins() == []
    settings.BISTAND_ALLOW_SIMULATORS = False
    warnings = {w.obj: w for w in check_plugins()}
    assert "ssbtek:simulator" in warnings
    assert "BISTAND_SSBTEK_PLUGIN" in warnings["ssbtek:simulator"].hint
