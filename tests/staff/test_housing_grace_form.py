"""The case page's rådrum for rent above the ceiling (issue 17 §2): the page shows the rådrum and when the
ceiling applies; the extension form refuses without the case worker's own reason or with a month that does
not extend it, naming the field, and records a complete one (audited; the next calculation uses it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bistand.decisions.models import HousingGrace
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

REASON = "En lägenhet med lägre hyra är klar från den 1 augusti."


@pytest.fixture
def case(client):
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    worker = user_with_role(Role.CASEWORKER, municipality)
    household = household_with_members(municipality, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", costs={"rent": 7000}, incomes=[])
    calculation = calculate(application, register_facts=[])
    client.force_login(worker)
    return application, calculation


def test_the_case_page_shows_the_proposed_rådrum_and_when_the_ceiling_applies(client, case):
    application, _ = case
    page = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert "Rådrum för hyran" in page
    assert "mars 2026–maj 2026" in page
    assert "föreslaget: första månaden med hyran över kommunens tak" in page
    assert "juni 2026" in page


def test_without_reason_or_with_an_earlier_month_the_extension_is_refused_naming_each_field(client, case):
    application, _ = case
    url = reverse("staff:case_housing_grace", args=[application.pk])
    response = client.post(url, {"grace-end_month": "2026-08", "grace-reason": "  "})
    assert response.status_code == 400
    assert response.context["grace_form"].errors["reason"] == ["Skriv ditt eget skäl till att rådrummet förlängs."]
    response = client.post(url, {"grace-end_month": "2026-05", "grace-reason": REASON})
    assert response.status_code == 400
    assert "Välj en senare månad" in response.context["grace_form"].errors["end_month"][0]
    response = client.post(url, {"grace-end_month": "augusti", "grace-reason": REASON})
    assert response.status_code == 400
    assert "end_month" in response.context["grace_form"].errors
    assert not HousingGrace.objects.exists()


def test_the_calculations_warning_typed_back_is_not_a_reason(client, case):
    application, calculation = case
    warning = next(w for w in calculation.result["warnings"] if "rådrummet" in w)
    response = client.post(reverse("staff:case_housing_grace", args=[application.pk]),
                           {"grace-end_month": "2026-08", "grace-reason": warning})
    assert response.status_code == 400
    assert "inte ditt eget skäl" in response.context["grace_form"].errors["reason"][0]


def test_a_complete_extension_is_recorded_and_shown(client, case):
    application, _ = case
    response = client.post(reverse("staff:case_housing_grace", args=[application.pk]),
                           {"grace-end_month": "2026-07", "grace-reason": REASON})
    assert response.status_code == 302
    grace = HousingGrace.objects.get(household=application.household)
    assert (grace.start_month, grace.end_month, grace.reason) == (MONTH, dt.date(2026, 7, 1), REASON)
    page = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert "mars 2026–juli 2026" in page and REASON in page
