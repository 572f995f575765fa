"""Decisions by a case worker: outcome per item, reasons, legal basis and decision maker; issued
decisions never change (service, model and database); a correction is an omprövning linked to the old
decision; a decision keeps exactly its figures after the parameters change."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from bistand import rules
from bistand.audit.models import AuditEvent
from bistand.common.formatting import format_kronor
from bistand.decisions import selectors, services
from bistand.decisions.letters import render_pdf
from bistand.decisions.models import Decision, DecisionLine, DecisionStatus, ImmutableDecisionError, Outcome
from bistand.decisions.services import DecisionError
from bistand.rules.parameters import PARAMETERS_DIR, clear_caches
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application, rent_grace_over
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def jonkoping():
    return MunicipalityFactory(code="0680", name="Jönköping")


@pytest.fixture
def household(jonkoping):
    return household_with_members(jonkoping, adults=1, birth_date=dt.date(1984, 4, 4))


@pytest.fixture
def caseworker(jonkoping):
    return user_with_role(Role.CASEWORKER, jonkoping, first_name="Eva", last_name="Ek")


def application_for(household, **kwargs):
    kwargs.setdefault("costs", {"rent": 5500, "household_electricity": 300})
    kwargs.setdefault("incomes", [("wage", "applicant", 3000)])
    return make_application(household, MONTH, kind="new", **kwargs)


def issued(household, caseworker, **kwargs):
    application = application_for(household, **kwargs)
    return services.issue_decision(application, calculate(application, register_facts=[]), caseworker)


# --- content -------------------------------------------------------------------------------------------


def test_a_grant_keeps_its_calculation_and_has_reasons_legal_basis_and_decision_maker(household, caseworker):
    application = application_for(household)
    calculation = calculate(application, register_facts=[])
    decision = services.issue_decision(application, calculation, caseworker,
                                       caseworker_text="Du har lämnat alla uppgifter som behövs.",
                                       conditions="Du ska söka arbete och delta i planerade aktiviteter.")

    assert decision.status == DecisionStatus.ISSUED and decision.issued_at is not None
    assert decision.outcome == Outcome.GRANTED
    assert decision.amount_ore == calculation.amount_ore > 0
    assert decision.calculation == calculation
    assert decision.engine_version == rules.ENGINE_VERSION == calculation.engine_version
    assert decision.parameter_hash == calculation.parameter_hash
    assert decision.decided_by == caseworker and not decision.automated and decision.delegation is None
    assert decision.decision_maker_label == "Eva Ek"
    result = calculation.result
    for figure in ("need", "norm", "costs", "income_counted", "amount"):
        assert format_kronor(int(result[figure]) * 100) in decision.reasons
    assert decision.reasons.endswith("Du har lämnat alla uppgifter som behövs.")
    assert "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)" in decision.legal_basis
    assert "Förvaltningslagen (2017:900)" not in decision.legal_basis  # 32–33 §§ are not its basis
    assert ".yaml" not in decision.legal_basis
    assert decision.conditions == "Du ska söka arbete och delta i planerade aktiviteter."
    application.refresh_from_db()
    assert application.status == "decided"
    assert AuditEvent.objects.filter(model="decisions.decision", object_id=str(decision.pk)).exists()


def test_each_applied_item_has_its_own_outcome(household, caseworker):
    # The rent is above Jönköping's ceiling for one adult (5 900 kr): that item is partly refused.
    # Its rådrum (full rent) ended last month.
    rent_grace_over(household)
    application = application_for(household, costs={"rent": 7000, "household_electricity": 300})
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker,
                                       line_reasons={"rent": "Rådrummet för att hitta en billigare bostad är slut."})
    lines = {line.item: line for line in decision.lines.all()}

    assert decision.outcome == Outcome.PARTLY_REFUSED
    assert lines["norm"].outcome == Outcome.GRANTED
    assert lines["household_electricity"].outcome == Outcome.GRANTED
    assert lines["household_electricity"].applied_ore == lines["household_electricity"].granted_ore == 30_000
    rent = lines["rent"]
    assert (rent.applied_ore, rent.granted_ore, rent.outcome) == (700_000, 590_000, Outcome.PARTLY_REFUSED)
    assert "högre än kommunens tak" in rent.reason  # the calculation's own reason
    assert "Boendekostnad (hyra): du ansökte om 7\u00a0000\u00a0kr och 5\u00a0900\u00a0kr räknas med." in decision.reasons


def test_incomes_above_the_need_give_a_refusal(household, caseworker):
    decision = issued(household, caseworker, incomes=[("wage", "applicant", 25000)])
    assert decision.outcome == Outcome.REFUSED and decision.amount_ore == 0
    assert "inte rätt till försörjningsstöd" in decision.reasons


def test_a_refused_item_without_a_reason_from_the_calculation_needs_the_caseworkers_reason(household, caseworker):
    # Glasses applied for, but the case worker calculates without them.
    application = application_for(household, costs={"rent": 5500, "glasses": 1200})
    applied = application.declaration
    application.declaration = applied | {"costs": [c for c in applied["costs"] if c["type"] != "glasses"]}
    calculation = calculate(application, register_facts=[])  # made from the declaration without the glasses
    application.declaration = applied  # what the application says (never saved otherwise)
    with pytest.raises(DecisionError, match="Glasögon"):
        services.issue_decision(application, calculation, caseworker)
    decision = services.issue_decision(application, calculation, caseworker,
                                       line_reasons={"glasses": "Du har fått glasögon beviljade i januari."})
    glasses = decision.lines.get(item="glasses")
    assert (glasses.applied_ore, glasses.granted_ore, glasses.outcome) == (120_000, 0, Outcome.REFUSED)
    assert glasses.reason == "Du har fått glasögon beviljade i januari."
    assert decision.outcome == Outcome.PARTLY_REFUSED


def test_a_caseworker_may_refuse_with_own_reasons(household, caseworker):
    application = application_for(household)
    calculation = calculate(application, register_facts=[])
    with pytest.raises(DecisionError, match="skälen till avslaget"):
        services.issue_decision(application, calculation, caseworker, outcome=Outcome.REFUSED)
    decision = services.issue_decision(application, calculation, caseworker, outcome=Outcome.REFUSED,
                                       caseworker_text="Du har utan godtagbart skäl avböjt anvisad praktik.")
    assert decision.outcome == Outcome.REFUSED and decision.amount_ore == 0
    assert all(line.outcome == Outcome.REFUSED and line.granted_ore == 0 for line in decision.lines.all())
    assert "Ansökan avslås ändå" in decision.reasons and "avböjt anvisad praktik" in decision.reasons


def test_the_outcome_must_follow_the_calculation(household, caseworker):
    application = application_for(household)
    with pytest.raises(DecisionError, match="Ändra beräkningen"):
        services.issue_decision(application, calculate(application, register_facts=[]), caseworker,
                                outcome=Outcome.PARTLY_REFUSED)


def test_a_dismissal_needs_reasons_but_no_calculation(household, caseworker):
    application = application_for(household)
    with pytest.raises(DecisionError):
        services.issue_decision(application, None, caseworker, outcome=Outcome.DISMISSED)
    decision = services.issue_decision(application, None, caseworker, outcome=Outcome.DISMISSED,
                                       caseworker_text="Du bor inte i kommunen.")
    assert decision.outcome == Outcome.DISMISSED and decision.amount_ore == 0 and decision.calculation is None
    assert decision.reasons == "Du bor inte i kommunen."


def test_a_calculation_of_another_household_is_refused(household, caseworker, jonkoping):
    application = application_for(household)
    other = application_for(household_with_members(jonkoping))
    with pytest.raises(DecisionError, match="gäller inte ansökan"):
        services.issue_decision(application, calculate(other, register_facts=[]), caseworker)


def test_a_caseworker_of_another_municipality_cannot_decide(household):
    application = application_for(household)
    outsider = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        services.issue_decision(application, calculate(application, register_facts=[]), outsider)
    assert not Decision.objects.exists()


def test_an_application_is_decided_only_once(household, caseworker):
    decision = issued(household, caseworker)
    application = decision.application
    application.refresh_from_db()
    with pytest.raises(DecisionError):
        services.issue_decision(application, decision.calculation, caseworker)
    # The database refuses a second original decision too.
    copy = Decision.objects.get(pk=decision.pk)
    copy.pk = None
    copy._state.adding = True
    copy.status, copy.issued_at = DecisionStatus.DRAFT, None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert Decision.objects.filter(application=application).count() == 1


def test_a_draft_can_be_changed_and_then_issued(household, caseworker):
    application = application_for(household)
    calculation = calculate(application, register_facts=[])
    draft = services.save_draft(application, calculation, caseworker, caseworker_text="Första utkastet.")
    again = services.save_draft(application, calculation, caseworker, caseworker_text="Andra utkastet.")
    assert again.pk == draft.pk and again.status == DecisionStatus.DRAFT
    assert Decision.objects.get(pk=draft.pk).caseworker_text == "Andra utkastet."
    approver = user_with_role(Role.APPROVER, application.municipality, first_name="Anna", last_name="Attest")
    issued_decision = services.issue_draft(draft, approver)
    assert issued_decision.is_issued and issued_decision.decided_by == approver
    assert issued_decision.decision_maker_label == "Anna Attest"
    assert Decision.objects.get(pk=draft.pk).lines.count() == 3


# --- immutability --------------------------------------------------------------------------------------


def test_an_issued_decision_cannot_be_saved_updated_or_deleted(household, caseworker):
    decision = issued(household, caseworker)
    reread = Decision.objects.get(pk=decision.pk)
    reread.amount_ore = 1
    with pytest.raises(ImmutableDecisionError):
        reread.save()
    with pytest.raises(ImmutableDecisionError):
        Decision.objects.filter(pk=decision.pk).update(amount_ore=1)
    with pytest.raises(ImmutableDecisionError):
        reread.delete()
    line = DecisionLine.objects.filter(decision=decision).first()
    line.reason = "ändrat"
    with pytest.raises(ImmutableDecisionError):
        line.save()
    with pytest.raises(ImmutableDecisionError):
        services.issue_draft(decision, caseworker)
    assert Decision.objects.get(pk=decision.pk).amount_ore == decision.amount_ore


def test_the_database_refuses_to_change_an_issued_decision(household, caseworker):
    decision = issued(household, caseworker)
    table = Decision._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET amount_ore = 1 WHERE id = %s", [decision.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET status = 'draft', issued_at = NULL WHERE id = %s", [decision.pk])
    assert Decision.objects.get(pk=decision.pk).amount_ore == decision.amount_ore


def test_the_database_refuses_to_change_or_add_lines_of_an_issued_decision(household, caseworker):
    decision = issued(household, caseworker)
    lines = DecisionLine._meta.db_table
    line = decision.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {lines} SET granted_ore = 0 WHERE id = %s", [line.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {lines} (decision_id, position, item, label, applied_ore, granted_ore, outcome, reason) "
            "VALUES (%s, 9, 'glasses', 'Glasögon', 100000, 100000, 'granted', '')",
            [decision.pk],
        )
    assert decision.lines.count() == 3
    assert DecisionLine.objects.get(pk=line.pk).granted_ore == line.granted_ore


def test_the_database_lets_a_draft_change(household, caseworker):
    application = application_for(household)
    draft = services.save_draft(application, calculate(application, register_facts=[]), caseworker)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Decision._meta.db_table} SET conditions = 'Nytt villkor' WHERE id = %s", [draft.pk])
    assert Decision.objects.get(pk=draft.pk).conditions == "Nytt villkor"


# --- omprövning ----------------------------------------------------------------------------------------


def test_a_correction_is_a_new_decision_linked_to_the_old_one(household, caseworker):
    decision = issued(household, caseworker, costs={"rent": 5500, "household_electricity": 300})
    before = Decision.objects.filter(pk=decision.pk).values().get()
    application = decision.application
    # The applicant shows that the electricity bill was 500 kr, not 300 kr: a new calculation.
    corrected = application.declaration | {"costs": [{"type": "rent", "amount_ore": 550_000, "source": "applicant"},
                                                     {"type": "household_electricity", "amount_ore": 50_000,
                                                      "source": "applicant"}]}
    application.declaration = corrected
    application.save()
    new_calculation = calculate(application, register_facts=[])

    with pytest.raises(DecisionError, match="skälen till omprövningen"):
        services.reconsider(decision, caseworker, calculation=new_calculation, caseworker_text=" ")
    newer = services.reconsider(decision, caseworker, calculation=new_calculation,
                                caseworker_text="Elräkningen var 500 kr.")

    assert newer.pk != decision.pk and newer.reconsiders_id == decision.pk
    assert newer.is_issued and newer.amount_ore == decision.amount_ore + 20_000
    assert f"omprövning av beslut {decision.pk}" in newer.reasons and "Elräkningen var 500 kr." in newer.reasons
    assert Decision.objects.filter(pk=decision.pk).values().get() == before  # the old one is untouched
    assert selectors.decision_in_force(application) == newer
    assert selectors.reconsideration_chain(newer) == [newer, decision]
    with pytest.raises(DecisionError, match="redan omprövats"):
        services.reconsider(decision, caseworker, caseworker_text="En gång till.")
    third = services.reconsider(newer, caseworker, caseworker_text="Rättelse av skrivfel.")
    assert third.reconsiders == newer and third.calculation == new_calculation


def test_the_database_allows_only_one_omprovning_of_a_decision(household, caseworker):
    decision = issued(household, caseworker)
    services.reconsider(decision, caseworker, caseworker_text="Rättelse.")
    copy = Decision.objects.get(reconsiders=decision)
    copy.pk = None
    copy._state.adding = True
    copy.status, copy.issued_at = DecisionStatus.DRAFT, None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_only_an_issued_decision_can_be_reconsidered(household, caseworker):
    application = application_for(household)
    draft = services.save_draft(application, calculate(application, register_facts=[]), caseworker)
    with pytest.raises(DecisionError, match="Bara ett fattat beslut"):
        services.reconsider(draft, caseworker, caseworker_text="Något.")


# --- the same figures years later ----------------------------------------------------------------------


def test_a_decision_shows_the_same_figures_after_the_parameters_change(household, caseworker, tmp_path, settings):
    rent_grace_over(household)  # its rådrum ended last month: only the ceiling counts now
    application = application_for(household, costs={"rent": 7000, "household_electricity": 300})
    calculation = calculate(application, register_facts=[])
    decision = services.issue_decision(application, calculation, caseworker,
                                       line_reasons={"rent": "Rådrummet för att hitta en billigare bostad är slut."})
    before = {
        "decision": Decision.objects.filter(pk=decision.pk).values().get(),
        "lines": list(DecisionLine.objects.filter(decision=decision).order_by("pk").values()),
        "result": calculation.result,
    }
    letter = render_pdf(Decision.objects.get(pk=decision.pk))

    # The municipality raises its housing-cost ceiling for 2026 (a new local parameter file).
    local = yaml.safe_load((PARAMETERS_DIR / "local" / "0680.yaml").read_text(encoding="utf-8"))
    newest = max(local["values"])
    local["values"][newest]["housing_cost_ceiling"]["value"][1][0] = 7500
    (tmp_path / "0680.yaml").write_text(yaml.safe_dump(local, allow_unicode=True), encoding="utf-8")
    settings.BISTAND_LOCAL_PARAMETERS_DIR = str(tmp_path)
    clear_caches()
    try:
        # A new calculation of the same input now gives more …
        fresh = rules.calculate({**calculation.input_data}, local_dir=str(tmp_path))
        assert fresh.amount * 100 > decision.amount_ore
        # … but the decision, its lines, its calculation and its letter are exactly as issued.
        reread = Decision.objects.select_related("calculation").get(pk=decision.pk)
        assert Decision.objects.filter(pk=decision.pk).values().get() == before["decision"]
        assert list(DecisionLine.objects.filter(decision=decision).order_by("pk").values()) == before["lines"]
        assert reread.calculation.result == before["result"]
        assert reread.parameter_hash != fresh.metadata()["parameter_hash"]
        assert render_pdf(reread) == letter
    finally:
        clear_caches()


# --- events for "Mitt ärende" --------------------------------------------------------------------------


def test_issued_decisions_are_events_of_the_application(household, caseworker):
    decision = issued(household, caseworker)
    newer = services.reconsider(decision, caseworker, caseworker_text="Rättelse.")
    events = selectors.events_for_application(decision.application)
    assert [e.decision_id for e in events] == [decision.pk, newer.pk]
    assert events[0].kind == "decided" and events[0].title == "Beslut: bifall"
    assert events[1].title == "Omprövat beslut: bifall"
    assert format_kronor(decision.amount_ore) in events[0].text


def test_drafts_are_not_events(household, caseworker):
    application = application_for(household)
    services.save_draft(application, calculate(application, register_facts=[]), caseworker)
    assert selectors.events_for_application(application) == []
