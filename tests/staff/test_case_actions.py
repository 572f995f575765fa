"""The case page's norm level and nedsättning actions through their views: a valid form is saved with a
message and back to the calculation; a refused form shows the case page again (400) with the error at the
field or at the form; taking back an adjustment or a nedsättning says whether it was done, and a missing one
is a 404. (These pin the views' behaviour for the shared form and action handling in staff/views/cases.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bistand.applications import services as application_services
from bistand.applications.models import NormAdjustment
from bistand.plans import services as plan_services
from bistand.plans.models import Reduction
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.plans.factories import requirement_for

pytestmark = pytest.mark.django_db

NORM = {"direction": "higher", "kind": "special_diet", "member": "", "amount": "450",
        "reason": "Glutenfri kost enligt intyg från dietist"}


@pytest.fixture
def case(client):
    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality)
    household = household_with_members(municipality, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    client.force_login(worker)
    return application, worker


def _said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def _close(application) -> None:
    type(application).objects.filter(pk=application.pk).update(status="decided")


def test_a_valid_norm_level_is_saved_with_a_message_and_back_to_the_calculation(client, case):
    application, _ = case
    response = client.post(reverse("staff:case_norm_adjustment", args=[application.pk]), NORM)
    assert response.status_code == 302
    assert response.url == reverse("staff:case_detail", args=[application.pk]) + "#berakning"
    assert _said(response) == [
        ("success", "Normen är ändrad. Beräkna på nytt för att ta med ändringen i beräkningen.")]
    adjustment = NormAdjustment.objects.get(application=application)
    assert (adjustment.amount_ore, adjustment.reason) == (45_000, NORM["reason"])


def test_a_norm_level_without_a_reason_shows_the_case_page_again_with_the_error_at_the_field(client, case):
    application, _ = case
    response = client.post(reverse("staff:case_norm_adjustment", args=[application.pk]), {**NORM, "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["norm_form"].errors
    assert not NormAdjustment.objects.exists()


def test_the_services_refusal_of_a_norm_level_lands_on_the_form(client, case):
    application, _ = case
    _close(application)
    response = client.post(reverse("staff:case_norm_adjustment", args=[application.pk]), NORM)
    assert response.status_code == 400
    assert response.context["norm_form"].non_field_errors() == [
        "Normen kan bara ändras medan ansökan handläggs (inte när den är beslutad)."]
    assert not NormAdjustment.objects.exists()


def test_taking_back_a_norm_level_says_so_and_a_missing_one_is_not_found(client, case):
    application, worker = case
    adjustment = application_services.add_norm_adjustment(
        application, actor=worker, direction="higher", kind="special_diet", amount_ore=45_000, reason="Kost")
    url = reverse("staff:case_norm_adjustment_remove", args=[application.pk, adjustment.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.endswith("#berakning")
    assert _said(response) == [("success", "Ändringen av normen är borttagen. Beräkna på nytt.")]
    assert not NormAdjustment.objects.exists()
    assert client.post(url).status_code == 404


def test_a_norm_level_of_a_decided_application_is_not_taken_back_and_the_page_says_why(client, case):
    application, worker = case
    adjustment = application_services.add_norm_adjustment(
        application, actor=worker, direction="higher", kind="special_diet", amount_ore=45_000, reason="Kost")
    _close(application)
    response = client.post(reverse("staff:case_norm_adjustment_remove", args=[application.pk, adjustment.pk]))
    assert response.status_code == 302
    assert _said(response) == [("error", "Normen kan bara ändras medan ansökan handläggs (inte när den är beslutad).")]
    assert NormAdjustment.objects.filter(pk=adjustment.pk).exists()


def test_taking_back_a_reduction_says_so_and_without_one_is_not_found(client, case):
    application, worker = case
    requirement = requirement_for(application, actor=worker)
    plan_services.record_reduction(application, actor=worker, requirement=requirement, norm_amount_ore=200_000,
                                   reason="Har inte kommit till praktiken.")
    url = reverse("staff:case_reduction_remove", args=[application.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.endswith("#berakning")
    assert _said(response) == [("success", "Nedsättningen är borttagen. Beräkna på nytt.")]
    assert not Reduction.objects.exists()
    assert client.post(url).status_code == 404


def test_a_reduction_of_a_decided_application_is_not_taken_back_and_the_page_says_why(client, case):
    application, worker = case
    requirement = requirement_for(application, actor=worker)
    plan_services.record_reduction(application, actor=worker, requirement=requirement, norm_amount_ore=200_000,
                                   reason="Har inte kommit till praktiken.")
    _close(application)
    response = client.post(reverse("staff:case_reduction_remove", args=[application.pk]))
    assert response.status_code == 302
    assert _said(response) == [("error", "Nedsättningen kan bara tas bort medan ansökan handläggs.")]
    assert Reduction.objects.filter(application=application).exists()
