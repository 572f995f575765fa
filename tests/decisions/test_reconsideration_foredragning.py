"""Omprövning has the same föredragande path as any decision (issue 17 §3): a case worker without
delegation for the reconsidered decision presents the omprövning as a proposal (föredragande recorded);
someone with delegation for it decides it from "Att besluta" — then, as for an omprövning decided at
once, the month's money is settled (never two full payments) — or returns it; the letter names the
decision maker and the föredragande."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bistand.applications.models import Application
from bistand.decisions import selectors, services
from bistand.decisions.letters import render_html
from bistand.decisions.models import Decision, DecisionKind, DecisionStatus, ImmutableDecisionError, WorseningException
from bistand.payments import services as payment_services
from bistand.payments.models import Payment, PaymentStatus
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application, make_person_delegation
from tests.decisions.test_person_delegation import approver, caseworker, savsjo  # noqa: F401 - the same Sävsjö world
from tests.factories import household_with_members
from tests.payments.factories import debtor_account

pytestmark = pytest.mark.django_db

WHY = "Sökanden har visat en ny hyresavi."


@pytest.fixture
def issued(savsjo, caseworker):
    """A grant the case worker decided under their delegation for grants (not for omprövning)."""
    household = household_with_members(savsjo, adults=1, birth_date=dt.date(1984, 4, 4))
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000},
                                   incomes=[("wage", "applicant", 1000)])
    make_person_delegation(savsjo, "grant")
    make_person_delegation(savsjo, "reconsideration", role=Role.APPROVER)
    return services.issue_decision(application, calculate(application, register_facts=[]), caseworker)


def test_a_case_worker_without_delegation_for_omprovning_presents_it_and_the_delegate_decides(
        issued, caseworker, approver):
    with pytest.raises(services.NoDelegationError):
        services.reconsider(issued, caseworker, caseworker_text=WHY)
    proposal = services.submit_reconsideration_for_decision(issued, caseworker, caseworker_text=WHY)
    assert proposal.status == DecisionStatus.DRAFT and proposal.reconsiders == issued
    assert proposal.presented_by == caseworker and proposal.presented_at is not None
    assert selectors.proposals_to_decide(approver) == [proposal]
    assert selectors.proposals_to_decide(caseworker) == []

    new = services.decide_proposal(proposal, approver)
    assert new.is_issued and new.decided_by == approver and new.presented_by == caseworker
    assert new.person_delegation.decision_kind == DecisionKind.RECONSIDERATION
    assert new.reasons.startswith(f"Detta beslut är en omprövning av beslut {issued.pk}")
    html = render_html(new)
    assert "Beslutet har fattats av Anna Attest" in html
    assert "I den slutliga handläggningen har även Eva Ek deltagit som föredragande." in html


def test_the_foredragande_cannot_decide_their_own_omprovning_and_a_delegate_can_return_it(issued, caseworker, approver):
    proposal = services.submit_reconsideration_for_decision(issued, caseworker, caseworker_text=WHY)
    with pytest.raises(services.DecisionError, match="föredragande"):
        services.decide_proposal(proposal, caseworker)
    services.return_proposal(proposal, approver, comment="Hyresavin saknas i akten.")
    assert selectors.proposals_to_decide(approver) == []
    again = services.submit_reconsideration_for_decision(issued, caseworker, caseworker_text=WHY)
    assert again.pk == proposal.pk and again.presented_at is not None and again.returned_comment == ""


def test_a_worsening_omprovning_is_refused_as_a_proposal_too_unless_an_exception_applies(issued, caseworker, approver):
    application = issued.application
    declaration = application.declaration
    declaration["costs"] = [{**c, "amount_ore": 200_000} if c["type"] == "rent" else c for c in declaration["costs"]]
    Application.objects.filter(pk=application.pk).update(declaration=declaration)
    application.refresh_from_db()
    lower = calculate(application, register_facts=[])
    with pytest.raises(services.DecisionError, match="37 § andra stycket"):
        services.submit_reconsideration_for_decision(issued, caseworker, calculation=lower, caseworker_text=WHY)
    assert not Decision.objects.filter(reconsiders=issued).exists()
    proposal = services.submit_reconsideration_for_decision(
        issued, caseworker, calculation=lower, caseworker_text=WHY,
        worsening_exception=WorseningException.values[0], worsening_reason="Sökanden lämnade fel uppgift om hyran.")
    new = services.decide_proposal(proposal, approver)
    assert new.amount_ore < issued.amount_ore
    assert new.worsening_ground.reason == "Sökanden lämnade fel uppgift om hyran."


def test_deciding_an_omprovning_proposal_stops_the_old_payment_not_yet_exported(savsjo, issued, caseworker, approver):
    debtor_account(savsjo)
    old_payment = payment_services.schedule_payment(issued, user=caseworker)
    proposal = services.submit_reconsideration_for_decision(issued, caseworker, caseworker_text=WHY)
    assert Payment.objects.get(pk=old_payment.pk).status == PaymentStatus.SCHEDULED  # nothing settled while a proposal
    new = services.decide_proposal(proposal, approver)
    assert Payment.objects.get(pk=old_payment.pk).status != PaymentStatus.SCHEDULED
    assert payment_services.amount_left(new) == new.amount_ore


def test_a_delegate_reconsidering_directly_completes_the_waiting_proposal_one_new_decision(issued, caseworker, approver):
    proposal = services.submit_reconsideration_for_decision(issued, caseworker, caseworker_text=WHY)
    new = services.reconsider(issued, approver, caseworker_text="Omprövat direkt av den som har delegation.")
    assert new.pk == proposal.pk and new.is_issued and new.decided_by == approver
    assert Decision.objects.filter(reconsiders=issued).count() == 1
    with pytest.raises(ImmutableDecisionError):
        services.decide_proposal(proposal, approver)


def test_the_case_page_offers_to_present_the_omprovning_and_att_besluta_lists_it(client, issued, caseworker, approver):
    application = issued.application
    client.force_login(caseworker)
    page = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert "Lämna omprövningen för beslut" in page
    response = client.post(reverse("staff:case_reconsider", args=[application.pk, issued.pk]),
                           {"caseworker_text": WHY, "outcome": "", "action": "present"})
    assert response.status_code == 302
    proposal = Decision.objects.get(reconsiders=issued)
    assert proposal.presented_by == caseworker and not proposal.is_issued
    client.force_login(approver)
    listed = client.get(reverse("staff:to_decide")).content.decode()
    assert reverse("staff:proposal", args=[proposal.pk]) in listed
