"""The delegationsordning for people (issue 17 §3): who may decide which kind of decision, up to which
amount, when (selectors.may_decide); a case worker without delegation only presents a proposal
(föredragande) that a delegate decides or returns (services); the letter names decision maker,
föredragande and the committee of the delegation row; the anmälan list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bistand.applications.services import add_norm_adjustment
from bistand.audit.models import AuditEvent
from bistand.decisions import selectors, services
from bistand.decisions.letters import render_html
from bistand.decisions.models import DecisionKind, DecisionStatus, Outcome, PersonDelegation
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application, make_person_delegation
from tests.factories import MembershipFactory, MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def savsjo():
    return MunicipalityFactory(code="0684", name="Sävsjö", official_name="Sävsjö kommun",
                               committee_name="Individ- och familjeomsorgsnämnden")


@pytest.fixture
def caseworker(savsjo):
    return user_with_role(Role.CASEWORKER, savsjo, first_name="Eva", last_name="Ek")


@pytest.fixture
def approver(savsjo):
    return user_with_role(Role.APPROVER, savsjo, first_name="Anna", last_name="Attest")


# --- may_decide: the rules ------------------------------------------------------------------------------


def test_a_role_row_lets_every_user_with_the_role_decide_and_names_the_row(savsjo, caseworker, approver):
    row = make_person_delegation(savsjo, "grant", role=Role.CASEWORKER)
    answer = selectors.may_decide(caseworker, savsjo, "grant", 500_000, on=DAY)
    assert answer.allowed and answer.delegation == row
    assert not selectors.may_decide(approver, savsjo, "grant", 500_000, on=DAY)


def test_a_named_user_row_counts_for_that_user_only(savsjo, caseworker):
    other = user_with_role(Role.CASEWORKER, savsjo)
    row = make_person_delegation(savsjo, "refusal", user=caseworker)
    assert selectors.may_decide(caseworker, savsjo, "refusal", 0, on=DAY).delegation == row
    assert not selectors.may_decide(other, savsjo, "refusal", 0, on=DAY)


def test_a_named_user_without_a_role_in_the_municipality_may_not_decide(savsjo):
    elsewhere = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    make_person_delegation(savsjo, "grant", user=elsewhere)
    assert not selectors.may_decide(elsewhere, savsjo, "grant", 100, on=DAY)


def test_the_delegation_is_for_its_kind_only(savsjo, caseworker):
    make_person_delegation(savsjo, "grant")
    assert selectors.may_decide(caseworker, savsjo, "grant", 100, on=DAY)
    assert not selectors.may_decide(caseworker, savsjo, "refusal", 0, on=DAY)


def test_the_amount_ceiling_is_in_kronor_per_decision_and_inclusive(savsjo, caseworker):
    make_person_delegation(savsjo, "grant", max_kronor=10_000)
    assert selectors.may_decide(caseworker, savsjo, "grant", 1_000_000, on=DAY)  # exactly 10 000 kr
    assert not selectors.may_decide(caseworker, savsjo, "grant", 1_000_001, on=DAY)


def test_above_the_case_workers_ceiling_the_approver_decides(savsjo, caseworker, approver):
    make_person_delegation(savsjo, "grant", role=Role.CASEWORKER, max_kronor=10_000)
    above = make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    assert not selectors.may_decide(caseworker, savsjo, "grant", 1_500_000, on=DAY)
    assert selectors.may_decide(approver, savsjo, "grant", 1_500_000, on=DAY).delegation == above


def test_the_row_without_a_ceiling_is_preferred_to_one_with(savsjo, caseworker):
    make_person_delegation(savsjo, "grant", max_kronor=10_000)
    unlimited = make_person_delegation(savsjo, "grant", user=caseworker)
    assert selectors.may_decide(caseworker, savsjo, "grant", 100, on=DAY).delegation == unlimited


def test_the_delegation_counts_only_from_its_first_to_its_last_day(savsjo, caseworker):
    make_person_delegation(savsjo, "grant", valid_from=dt.date(2026, 3, 1), valid_to=dt.date(2026, 3, 31))
    assert not selectors.may_decide(caseworker, savsjo, "grant", 100, on=dt.date(2026, 2, 28))
    assert selectors.may_decide(caseworker, savsjo, "grant", 100, on=dt.date(2026, 3, 1))
    assert selectors.may_decide(caseworker, savsjo, "grant", 100, on=dt.date(2026, 3, 31))
    assert not selectors.may_decide(caseworker, savsjo, "grant", 100, on=dt.date(2026, 4, 1))


def test_another_municipalitys_delegation_never_counts(savsjo):
    other = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, savsjo)
    MembershipFactory(user=worker, role=Role.CASEWORKER, municipality=other)
    make_person_delegation(other, "grant")
    assert not selectors.may_decide(worker, savsjo, "grant", 100, on=DAY)
    assert selectors.may_decide(worker, other, "grant", 100, on=DAY)


def test_a_role_the_user_has_in_another_municipality_does_not_count(savsjo):
    other = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, savsjo)
    MembershipFactory(user=worker, role=Role.APPROVER, municipality=other)
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    assert not selectors.may_decide(worker, savsjo, "grant", 100, on=DAY)


def test_an_inactive_user_may_not_decide(savsjo, caseworker):
    make_person_delegation(savsjo, "grant")
    caseworker.is_active = False
    caseworker.save()
    assert not selectors.may_decide(caseworker, savsjo, "grant", 100, on=DAY)


def test_a_row_has_either_a_role_or_a_named_user(savsjo, caseworker):
    from django.core.exceptions import ValidationError

    row = PersonDelegation(municipality=savsjo, role=Role.CASEWORKER, user=caseworker, decision_kind="grant",
                           valid_from=DAY, reference="x", decided_on=DAY)
    with pytest.raises(ValidationError):
        row.full_clean()
    row.role, row.user = "", None
    with pytest.raises(ValidationError):
        row.full_clean()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ceiling=st.one_of(st.none(), st.integers(0, 50_000)), amount=st.integers(0, 6_000_000),
       start=st.integers(-60, 60), length=st.one_of(st.none(), st.integers(0, 90)), on=st.integers(-90, 90))
def test_may_decide_is_exactly_kind_amount_and_period(savsjo_once, ceiling, amount, start, length, on):
    municipality, worker = savsjo_once
    PersonDelegation.objects.all().delete()
    base = dt.date(2026, 3, 1)
    valid_from = base + dt.timedelta(days=start)
    valid_to = None if length is None else valid_from + dt.timedelta(days=length)
    make_person_delegation(municipality, "grant", max_kronor=ceiling, valid_from=valid_from, valid_to=valid_to)
    day = base + dt.timedelta(days=on)
    expected = (valid_from <= day and (valid_to is None or day <= valid_to)
                and (ceiling is None or amount <= ceiling * 100))
    assert bool(selectors.may_decide(worker, municipality, "grant", amount, on=day)) == expected
    assert not selectors.may_decide(worker, municipality, "refusal", amount, on=day)


@pytest.fixture
def savsjo_once(savsjo, caseworker):
    return savsjo, caseworker


# --- decisions under the delegationsordning ---------------------------------------------------------------


@pytest.fixture
def household(savsjo):
    return household_with_members(savsjo, adults=1, birth_date=dt.date(1984, 4, 4))


@pytest.fixture
def application(household):
    return make_application(household, MONTH, kind="new", costs={"rent": 4000},
                            incomes=[("wage", "applicant", 1000)])


def test_without_a_delegationsordning_decisions_are_made_as_before(application, caseworker):
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    assert decision.is_issued and decision.person_delegation is None and decision.presented_by is None


def test_a_case_worker_with_delegation_decides_and_the_row_is_recorded(savsjo, application, caseworker):
    row = make_person_delegation(savsjo, "grant", max_kronor=20_000)
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    assert decision.is_issued and decision.person_delegation == row and decision.decided_by == caseworker
    event = AuditEvent.objects.filter(model="decisions.decision", object_id=str(decision.pk), action="update").last()
    assert "person_delegation" in event.changes


def test_a_case_worker_without_delegation_cannot_issue_and_nothing_is_saved(savsjo, application, caseworker):
    make_person_delegation(savsjo, "grant", max_kronor=100)  # far below the amount
    with pytest.raises(services.NoDelegationError, match="föredragande"):
        services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    assert not application.decisions.exists()


def test_an_omprovning_needs_its_own_delegation(savsjo, application, caseworker):
    make_person_delegation(savsjo, "grant")
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    with pytest.raises(services.NoDelegationError):
        services.reconsider(decision, caseworker, caseworker_text="Ny uppgift om hyran.")
    make_person_delegation(savsjo, "reconsideration")
    new = services.reconsider(decision, caseworker, caseworker_text="Ny uppgift om hyran.")
    assert new.person_delegation.decision_kind == DecisionKind.RECONSIDERATION


def test_a_raised_norm_needs_the_norm_level_delegation_too(savsjo, application, caseworker):
    make_person_delegation(savsjo, "grant")
    add_norm_adjustment(application, actor=caseworker, direction="higher", kind="special_diet", amount_ore=45_000,
                        reason="Läkarintyg om glutenfri kost.")
    calculation = calculate(application, register_facts=[])
    with pytest.raises(services.NoDelegationError, match="högre eller lägre nivå"):
        services.issue_decision(application, calculation, caseworker)
    make_person_delegation(savsjo, "norm_level")
    assert services.issue_decision(application, calculation, caseworker).is_issued


def test_the_preparer_presents_and_the_delegate_decides_with_both_recorded(savsjo, application, caseworker, approver):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    calculation = calculate(application, register_facts=[])
    proposal = services.submit_for_decision(application, calculation, caseworker, caseworker_text="Underlag finns.")
    assert proposal.status == DecisionStatus.DRAFT and proposal.presented_by == caseworker and proposal.presented_at
    assert selectors.proposals_to_decide(approver) == [proposal]
    assert selectors.proposals_to_decide(caseworker) == []

    decision = services.decide_proposal(proposal, approver)
    assert decision.is_issued and decision.decided_by == approver and decision.presented_by == caseworker
    assert decision.decision_maker_label == "Anna Attest"
    assert decision.person_delegation.role == Role.APPROVER
    assert selectors.proposals_to_decide(approver) == []
    application.refresh_from_db()
    assert application.status == "decided"


def _proposals(savsjo, caseworker, count):
    proposals = []
    for i in range(count):
        household = household_with_members(savsjo, adults=1, birth_date=dt.date(1980 + i, 5, 5))
        application = make_application(household, MONTH, kind="new", costs={"rent": 4000},
                                       incomes=[("wage", "applicant", 1000 + 300 * i)])
        proposals.append(services.submit_for_decision(application, calculate(application, register_facts=[]),
                                                      caseworker))
    return proposals


def test_the_proposals_to_decide_take_the_same_number_of_queries_however_many_there_are(
        savsjo, caseworker, approver, django_assert_num_queries):
    """Before: one delegation query per proposal (may_decide_decision for each draft)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person_delegation(savsjo, "grant", role=Role.APPROVER, max_kronor=100_000)
    first = _proposals(savsjo, caseworker, 1)
    def fresh():  # the same user without what an earlier call cached on the object
        return type(approver).objects.get(pk=approver.pk)

    user = fresh()
    with CaptureQueriesContext(connection) as one:
        assert selectors.proposals_to_decide(user) == first
    more = _proposals(savsjo, caseworker, 4)
    user = fresh()
    with django_assert_num_queries(len(one.captured_queries)):
        assert selectors.proposals_to_decide(user) == first + more


def test_the_proposals_to_decide_are_those_the_user_may_decide_one_by_one(savsjo, caseworker, approver):
    proposals = _proposals(savsjo, caseworker, 5)
    middle = sorted(p.amount_ore for p in proposals)[2] // 100
    make_person_delegation(savsjo, "grant", role=Role.APPROVER, max_kronor=middle)
    make_person_delegation(savsjo, "grant", user=approver, max_kronor=None,  # not yet in force
                           valid_from=timezone.localdate() + dt.timedelta(days=1))
    expected = [p for p in proposals if selectors.may_decide_decision(approver, p)]
    assert 0 < len(expected) < len(proposals)
    assert selectors.proposals_to_decide(approver) == expected
    assert selectors.proposals_to_decide(caseworker) == []


def test_the_letter_names_decision_maker_foredragande_and_the_committee_of_the_row(savsjo, application, caseworker,
                                                                                   approver):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER, committee="Socialnämndens arbetsutskott",
                           reference="SN 2025-12-10 § 7")
    proposal = services.submit_for_decision(application, calculate(application, register_facts=[]), caseworker)
    decision = services.decide_proposal(proposal, approver)
    html = render_html(decision)
    assert "Beslutet har fattats av Anna Attest, 1:e socialsekreterare, med stöd av delegation från " \
           "Socialnämndens arbetsutskott (SN 2025-12-10 § 7, 2025-12-10)." in html
    assert "I den slutliga handläggningen har även Eva Ek deltagit som föredragande." in html
    assert "Socialnämndens arbetsutskott<br>Sävsjö kommun" in html


def test_the_delegate_needs_delegation_for_the_proposal(savsjo, application, caseworker, approver):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER, max_kronor=100)
    proposal = services.submit_for_decision(application, calculate(application, register_facts=[]), caseworker)
    with pytest.raises(services.NoDelegationError):
        services.decide_proposal(proposal, approver)
    assert selectors.proposals_to_decide(approver) == []
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.DRAFT


def test_the_foredragande_cannot_decide_their_own_proposal(savsjo, application, caseworker):
    make_person_delegation(savsjo, "grant")
    proposal = services.submit_for_decision(application, calculate(application, register_facts=[]), caseworker)
    with pytest.raises(services.DecisionError, match="föredragande"):
        services.decide_proposal(proposal, caseworker)


def test_a_returned_proposal_leaves_the_list_with_its_comment_and_can_be_presented_again(
        savsjo, application, caseworker, approver):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    calculation = calculate(application, register_facts=[])
    proposal = services.submit_for_decision(application, calculation, caseworker)
    with pytest.raises(services.DecisionError, match="kommentar"):
        services.return_proposal(proposal, approver, comment="  ")
    services.return_proposal(proposal, approver, comment="Hyran behöver styrkas.")
    proposal.refresh_from_db()
    assert proposal.presented_at is None and proposal.returned_comment == "Hyran behöver styrkas."
    assert selectors.proposals_to_decide(approver) == []
    with pytest.raises(services.DecisionError):
        services.decide_proposal(proposal, approver)
    assert AuditEvent.objects.filter(model="decisions.decision", object_id=str(proposal.pk),
                                     changes__has_key="returned_comment").exists()
    again = services.submit_for_decision(application, calculation, caseworker)
    assert again.pk == proposal.pk and again.returned_comment == "" and again.presented_at is not None


def test_a_proposal_of_another_municipality_is_not_on_the_list(savsjo, application, caseworker):
    other = MunicipalityFactory()
    elsewhere = user_with_role(Role.APPROVER, other)
    make_person_delegation(other, "grant", role=Role.APPROVER)
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    services.submit_for_decision(application, calculate(application, register_facts=[]), caseworker)
    assert selectors.proposals_to_decide(elsewhere) == []


# --- the anmälan list ---------------------------------------------------------------------------------------


def test_the_anmalan_list_holds_delegated_decisions_of_the_period_grouped(savsjo, household, caseworker, approver):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    make_person_delegation(savsjo, "refusal", role=Role.CASEWORKER, committee="Arbetsutskottet")
    first = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    proposal = services.submit_for_decision(first, calculate(first, register_facts=[]), caseworker)
    granted = services.decide_proposal(proposal, approver)
    second = make_application(household, dt.date(2026, 4, 1), kind="new", costs={"rent": 4000}, incomes=[])
    refused = services.issue_decision(second, calculate(second, register_facts=[]), caseworker, outcome=Outcome.REFUSED,
                                      caseworker_text="Sökanden har tillgångar som täcker behovet.")
    today = timezone.localdate(granted.issued_at)
    rows = selectors.delegated_decisions(savsjo, today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    assert [(r.committee, r.kind, r.decision) for r in rows] == [
        ("Arbetsutskottet", "refusal", refused),
        ("Individ- och familjeomsorgsnämnden", "grant", granted),
    ]
    assert selectors.delegated_decisions(savsjo, today + dt.timedelta(days=1), today + dt.timedelta(days=9)) == []
    assert selectors.delegated_decisions(MunicipalityFactory(), today, today) == []


def test_the_delegation_report_command_writes_the_anmalan_list_as_csv(savsjo, application, caseworker, approver,
                                                                      tmp_path):
    from django.core.management import CommandError, call_command

    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    proposal = services.submit_for_decision(application, calculate(application, register_facts=[]), caseworker)
    decision = services.decide_proposal(proposal, approver)
    day = timezone.localdate(decision.issued_at).isoformat()
    out = tmp_path / "anmalan.csv"
    call_command("delegation-report", municipality="0684", date_from=day, date_to=day, out=str(out))
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Nämnd;Typ av beslut;Beslut nummer;Beslutsdatum;Beslutsfattare;Föredragande")
    assert lines[1].startswith(f"Individ- och familjeomsorgsnämnden;Försörjningsstöd: bifall;{decision.pk};")
    assert ";Anna Attest;Eva Ek;Bifall;" in lines[1]
    assert application.applicant.personnummer not in out.read_text(encoding="utf-8-sig")
    with pytest.raises(CommandError, match="före första dagen"):
        call_command("delegation-report", municipality="0684", date_from=day, date_to="2000-01-01", out=str(out))


def test_who_decides_their_own_returned_proposal_is_not_named_foredragande(savsjo, application, caseworker):
    make_person_delegation(savsjo, "grant", role=Role.APPROVER)
    calculation = calculate(application, register_facts=[])
    services.submit_for_decision(application, calculation, caseworker)
    make_person_delegation(savsjo, "grant", user=caseworker)  # the case worker is given delegation
    decision = services.issue_decision(application, calculation, caseworker)
    assert decision.decided_by == caseworker and decision.presented_by is None
    assert "föredragande" not in render_html(decision)
