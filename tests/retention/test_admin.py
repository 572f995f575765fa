"""The retention plan in the Django admin: a municipal administrator sees and changes the plan of their
own municipality, and never another municipality's (it answers like a plan that does not exist)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bistand.audit.models import AuditEvent
from bistand.retention.models import Gallring, RetentionPlan
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def own():
    return MunicipalityFactory()


@pytest.fixture
def other():
    return MunicipalityFactory()


@pytest.fixture
def admin_client(client, own):
    client.force_login(user_with_role(Role.ADMIN, own))
    return client


def plan_data(municipality, **overrides):
    data = {"municipality": municipality.pk, "case_months": 60, "register_data_months": 60, "attachment_months": 60,
            "bank_file_months": 84, "research_birth_days": "5,15,25", "archive_rule": "Dokumenthanteringsplan 2026"}
    data.update(overrides)
    return data


def test_a_municipal_admin_sees_the_retention_pages_in_the_admin_index(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("admin:retention_retentionplan_changelist") in body
    assert reverse("admin:retention_gallring_changelist") in body


def test_a_municipal_admin_adds_the_plan_of_their_own_municipality_and_the_change_is_audited(admin_client, own):
    response = admin_client.post(reverse("admin:retention_retentionplan_add"), plan_data(own, case_months=72))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = RetentionPlan.objects.get(municipality=own)
    assert plan.case_months == 72
    assert AuditEvent.objects.filter(model="retention.retentionplan", action="create", object_id=str(plan.pk),
                                     municipality_id=own.pk).exists()


def test_a_municipal_admin_changes_their_own_plan(admin_client, own):
    plan = RetentionPlan.objects.create(municipality=own)
    response = admin_client.post(reverse("admin:retention_retentionplan_change", args=[plan.pk]),
                                 plan_data(own, attachment_months=24))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.attachment_months == 24


def test_another_municipalitys_plan_is_invisible_to_the_admin(admin_client, own, other):
    mine = RetentionPlan.objects.create(municipality=own)
    theirs = RetentionPlan.objects.create(municipality=other)
    listing = admin_client.get(reverse("admin:retention_retentionplan_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [mine]
    page = admin_client.get(reverse("admin:retention_retentionplan_change", args=[theirs.pk]))
    assert page.status_code == 302  # "does not exist", back to the admin start page
    assert theirs.pk not in [p.pk for p in listing.context["cl"].result_list]


def test_another_municipalitys_plan_cannot_be_changed_or_made_by_the_admin(admin_client, other):
    theirs = RetentionPlan.objects.create(municipality=other)
    admin_client.post(reverse("admin:retention_retentionplan_change", args=[theirs.pk]),
                      plan_data(other, case_months=1, register_data_months=1, attachment_months=1))
    theirs.refresh_from_db()
    assert theirs.case_months == 60
    theirs.delete()
    response = admin_client.post(reverse("admin:retention_retentionplan_add"), plan_data(other))
    assert response.status_code == 200  # the municipality is not a choice
    assert "municipality" in response.context["adminform"].form.errors
    assert not RetentionPlan.objects.filter(municipality=other).exists()


def test_the_admin_reads_only_their_own_municipalitys_gallringar(admin_client, own, other):
    mine = Gallring.objects.create(municipality=own)
    Gallring.objects.create(municipality=other)
    listing = admin_client.get(reverse("admin:retention_gallring_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [mine]


def test_a_case_worker_does_not_reach_the_retention_plan(client, own):
    client.force_login(user_with_role(Role.CASEWORKER, own))
    response = client.get(reverse("admin:retention_retentionplan_changelist"))
    assert response.status_code in (302, 403)
