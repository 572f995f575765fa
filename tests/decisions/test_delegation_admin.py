"""The committee's delegation is edited in the admin: per municipality, with a kill switch, an
effective date, the committee's reference and validated criteria; every change is audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from bistand.audit.models import AuditEvent
from bistand.decisions.automation import DEFAULT_CRITERIA
from bistand.decisions.models import Delegation
from bistand.tenancy.roles import Role
from tests.decisions.factories import make_delegation
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def admin_client(client, municipality):
    client.force_login(user_with_role(Role.ADMIN, municipality))
    return client


def form_data(municipality, **overrides):
    data = {
        "municipality": municipality.pk,
        "decision_type": "monthly_assistance",
        "active": "on",
        "effective_from": "2026-04-01",
        "committee_reference": "Socialnämnden 2026-03-18 § 40",
        "criteria": json.dumps({"register_incomes_match": {"tolerance_ore": 5000}}),
        "conditions_text": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_administrator_adds_a_delegation_and_the_change_is_audited(admin_client, municipality):
    response = admin_client.post(reverse("admin:decisions_delegation_add"), form_data(municipality))
    assert response.status_code == 302, response.content.decode()[:2000]
    delegation = Delegation.objects.get()
    assert delegation.active and delegation.effective_from == dt.date(2026, 4, 1)
    assert delegation.committee_reference == "Socialnämnden 2026-03-18 § 40"
    assert delegation.criteria == {"register_incomes_match": {"tolerance_ore": 5000}}
    assert AuditEvent.objects.filter(model="decisions.delegation", action="create", object_id=str(delegation.pk)).exists()


def test_criteria_with_mistakes_are_refused_with_a_message(admin_client, municipality):
    response = admin_client.post(reverse("admin:decisions_delegation_add"),
                                 form_data(municipality, criteria=json.dumps({"recurring": {"enabled": "ja"}})))
    assert response.status_code == 200
    assert "recurring.enabled ska vara true eller false" in response.content.decode()
    assert not Delegation.objects.exists()


def test_the_add_form_starts_with_the_default_criteria(admin_client):
    response = admin_client.get(reverse("admin:decisions_delegation_add"))
    assert json.loads(response.context["adminform"].form["criteria"].value()) == DEFAULT_CRITERIA


def test_the_kill_switch_can_be_pulled_from_the_list(admin_client, municipality):
    first = make_delegation(municipality)
    second = make_delegation(municipality, effective_from=dt.date(2026, 1, 1))
    response = admin_client.post(reverse("admin:decisions_delegation_changelist"),
                                 {"action": "pull_kill_switch", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert not Delegation.objects.filter(active=True).exists()
    events = AuditEvent.objects.filter(model="decisions.delegation", action="update")
    assert events.count() == 2 and all(e.changes == {"active": {"old": True, "new": False}} for e in events)


def test_an_administrator_sees_only_the_municipalitys_delegations(admin_client, municipality):
    own = make_delegation(municipality)
    other = make_delegation(MunicipalityFactory())
    response = admin_client.get(reverse("admin:decisions_delegation_changelist"))
    assert [d.pk for d in response.context["cl"].result_list] == [own.pk]
    assert admin_client.get(reverse("admin:decisions_delegation_change", args=[other.pk])).status_code in (302, 404)


def test_a_caseworker_cannot_change_the_delegation(client, municipality):
    delegation = make_delegation(municipality)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    caseworker.is_staff = True
    caseworker.save()
    client.force_login(caseworker)
    response = client.post(reverse("admin:decisions_delegation_change", args=[delegation.pk]),
                           form_data(municipality, active=None))
    assert response.status_code == 403
    assert Delegation.objects.get(pk=delegation.pk).active


# --- the delegationsordning for people -------------------------------------------------------------------


def person_row(municipality, **overrides):
    data = {"municipality": municipality.pk, "committee": "Individ- och familjeomsorgsnämnden", "role": "caseworker",
            "user": "", "decision_kind": "grant", "max_amount_kronor": "15000", "valid_from": "2026-01-01",
            "valid_to": "", "reference": "IFN 2025-12-10 § 7", "decided_on": "2025-12-10"}
    data.update(overrides)
    return data


def test_an_administrator_adds_a_row_of_the_delegationsordning_audited_with_the_municipality(admin_client,
                                                                                            municipality):
    from bistand.decisions.models import PersonDelegation

    response = admin_client.post(reverse("admin:decisions_persondelegation_add"), person_row(municipality))
    assert response.status_code == 302, response.content.decode()[:2000]
    row = PersonDelegation.objects.get()
    assert (row.role, row.decision_kind, row.max_amount_kronor) == ("caseworker", "grant", 15000)
    event = AuditEvent.objects.get(model="decisions.persondelegation", action="create", object_id=str(row.pk))
    assert event.municipality_id == municipality.pk and event.changes["max_amount_kronor"]["new"] == 15000


def test_a_row_with_both_a_role_and_a_named_user_is_refused(admin_client, municipality):
    from bistand.decisions.models import PersonDelegation

    named = user_with_role(Role.CASEWORKER, municipality)
    response = admin_client.post(reverse("admin:decisions_persondelegation_add"),
                                 person_row(municipality, user=named.pk))
    assert response.status_code == 200
    assert "Välj antingen en roll eller en namngiven person" in response.content.decode()
    assert not PersonDelegation.objects.exists()


def test_the_administrator_sees_only_the_own_municipalitys_delegationsordning(admin_client, municipality):
    from tests.decisions.factories import make_person_delegation

    own = make_person_delegation(municipality, "grant")
    other = make_person_delegation(MunicipalityFactory(), "refusal")
    response = admin_client.get(reverse("admin:decisions_persondelegation_changelist"))
    assert list(response.context["cl"].queryset) == [own]
    assert admin_client.get(reverse("admin:decisions_persondelegation_change", args=[other.pk])).status_code in (302, 404)
