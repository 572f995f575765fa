"""``Delegation.approves_payments``: the committee decides whether its delegation to the automated
decision function also approves the payments of automated decisions. Edited in the admin, off by default
(then a person approves each payment, four eyes)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bistand.audit.models import AuditEvent
from bistand.decisions.models import Delegation
from bistand.payments.services import delegation_approves_payments
from bistand.tenancy.roles import Role
from tests.decisions.factories import COMMITTEE_REFERENCE, make_delegation
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_it_is_off_by_default_and_the_payments_app_reads_it():
    delegation = make_delegation(MunicipalityFactory())
    assert delegation.approves_payments is False and not delegation_approves_payments(delegation)
    delegation.approves_payments = True
    assert delegation_approves_payments(delegation)


def test_an_administrator_switches_it_on_in_the_admin_and_the_change_is_audited(client):
    municipality = MunicipalityFactory()
    delegation = make_delegation(municipality)
    client.force_login(user_with_role(Role.ADMIN, municipality))
    page = client.get(reverse("admin:decisions_delegation_change", args=[delegation.pk]))
    assert 'name="approves_payments"' in page.content.decode()
    response = client.post(reverse("admin:decisions_delegation_change", args=[delegation.pk]), {
        "municipality": municipality.pk, "decision_type": "monthly_assistance", "active": "on",
        "effective_from": delegation.effective_from.isoformat(), "committee_reference": COMMITTEE_REFERENCE,
        "criteria": "{}", "conditions_text": "", "approves_payments": "on", "payment_daily_limit_ore": "50000000",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Delegation.objects.get(pk=delegation.pk).approves_payments
    event = AuditEvent.objects.filter(model="decisions.delegation", object_id=str(delegation.pk)).latest("pk")
    assert event.changes["approves_payments"] == {"old": False, "new": True}


def test_switching_it_on_without_a_daily_limit_is_refused_in_the_admin(client):
    municipality = MunicipalityFactory()
    delegation = make_delegation(municipality)
    client.force_login(user_with_role(Role.ADMIN, municipality))
    response = client.post(reverse("admin:decisions_delegation_change", args=[delegation.pk]), {
        "municipality": municipality.pk, "decision_type": "monthly_assistance", "active": "on",
        "effective_from": delegation.effective_from.isoformat(), "committee_reference": COMMITTEE_REFERENCE,
        "criteria": "{}", "conditions_text": "", "approves_payments": "on",
    })
    assert response.status_code == 200
    assert "Skriv den högsta summan per dag" in response.content.decode()
    assert not Delegation.objects.get(pk=delegation.pk).approves_payments
