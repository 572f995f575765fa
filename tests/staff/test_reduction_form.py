"""The case page's nedsättning form: it refuses without the plan requirement or the case worker's reason,
naming the field, and records a complete one (then the calculation has the line)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bistand.plans.models import Reduction
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.plans.factories import requirement_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(client):
    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality)
    household = household_with_members(municipality, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    requirement = requirement_for(application, actor=worker)
    client.force_login(worker)
    return application, requirement


def test_without_requirement_or_reason_the_form_is_refused_naming_each_field(client, case):
    application, _ = case
    response = client.post(reverse("staff:case_reduction", args=[application.pk]),
                           {"reduction-requirement": "", "reduction-norm_amount": "2000", "reduction-reason": "  "})
    assert response.status_code == 400
    errors = response.context["reduction_form"].errors
    assert errors["requirement"] == ["Välj kravet i planeringen som sökanden inte har följt."]
    assert errors["reason"] == ["Skriv ditt eget skäl till nedsättningen."]
    assert not Reduction.objects.exists()


def test_a_complete_reduction_is_recorded(client, case):
    application, requirement = case
    response = client.post(reverse("staff:case_reduction", args=[application.pk]), {
        "reduction-requirement": str(requirement.pk), "reduction-norm_amount": "2000",
        "reduction-reason": "Har inte kommit till praktiken."})
    assert response.status_code == 302
    reduction = Reduction.objects.get(application=application)
    assert (reduction.requirement, reduction.norm_amount_ore) == (requirement, 200_000)
    page = client.get(reverse("staff:case_detail", args=[application.pk]))
    assert "Har inte kommit till praktiken." in page.content.decode()
