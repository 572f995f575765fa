"""FL 37 § second paragraph: an omprövning that would worsen a favourable decision is refused unless
the case worker picks one of the listed exceptions, with a reason."""

from __future__ import annotations

import pytest

from bistand.decisions import services
from bistand.decisions.models import Decision, WorseningGround
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.factories import issued_decision
from tests.payments.test_reconsideration import calculation_with_rent

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted():
    municipality = MunicipalityFactory()
    return issued_decision(municipality), user_with_role(Role.CASEWORKER, municipality)


def test_a_reconsideration_lowering_a_favourable_decision_is_refused_without_an_exception(granted):
    old, worker = granted
    with pytest.raises(services.DecisionError, match="37 § andra stycket"):
        services.reconsider(old, worker, calculation=calculation_with_rent(old, 5000), caseworker_text="Hyran var lägre.")
    assert not Decision.objects.filter(reconsiders=old).exists()


def test_a_refusal_replacing_a_grant_is_refused_without_an_exception(granted):
    old, worker = granted
    with pytest.raises(services.DecisionError, match="nackdel"):
        services.reconsider(old, worker, outcome="refused", caseworker_text="Sökanden har tillgångar.")
    assert not Decision.objects.filter(reconsiders=old).exists()


def test_an_exception_without_a_reason_is_refused(granted):
    old, worker = granted
    with pytest.raises(services.DecisionError, match="Skriv skälen"):
        services.reconsider(old, worker, calculation=calculation_with_rent(old, 5000), caseworker_text="Hyran var lägre.",
                            worsening_exception="misleading_information")


def test_an_unknown_exception_is_refused(granted):
    old, worker = granted
    with pytest.raises(services.DecisionError, match="Välj ett av undantagen"):
        services.reconsider(old, worker, calculation=calculation_with_rent(old, 5000), caseworker_text="Hyran var lägre.",
                            worsening_exception="because", worsening_reason="Jag vill.")


def test_a_listed_exception_with_a_reason_lets_the_decision_be_worsened_and_is_kept(granted):
    old, worker = granted
    new = services.reconsider(old, worker, calculation=calculation_with_rent(old, 5000), caseworker_text="Hyran var lägre.",
                              worsening_exception="misleading_information", worsening_reason="Fel hyra i ansökan.")
    assert new.amount_ore == old.amount_ore - 100_000
    ground = WorseningGround.objects.get(decision=new)
    assert ground.exception == "misleading_information" and ground.reason == "Fel hyra i ansökan."
    assert "37 § andra stycket 3 förvaltningslagen" in new.reasons and "Fel hyra i ansökan." in new.reasons


def test_a_reconsideration_raising_the_amount_needs_no_exception(granted):
    old, worker = granted
    new = services.reconsider(old, worker, calculation=calculation_with_rent(old, 7000), caseworker_text="Hyran var högre.")
    assert new.amount_ore > old.amount_ore and not WorseningGround.objects.filter(decision=new).exists()
