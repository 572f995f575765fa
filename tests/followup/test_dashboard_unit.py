"""The dashboard's unit filter (issue 19 §3): a household-month belongs to the unit that handled the month's
application (or, when the application names none, to the household's unit); imported history has no unit."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.models import Application
from bistand.followup import dashboard as dash
from bistand.followup.forms import DashboardFilterForm
from bistand.followup.models import AssistanceMonth
from bistand.followup.services import import_history, sync_decided_months
from bistand.people import personnummer as pnr
from tests.factories import MunicipalityFactory, UnitFactory, household_with_members

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2025, m, 1) for m in (1, 2, 3)]


def _decided(municipality, household, months, *, unit=None):
    from tests.payments.factories import issued_decision

    for month in months:
        decision = issued_decision(municipality, household=household, month=month)
        Application.objects.filter(pk=decision.application_id).update(unit=unit)
        AssistanceMonth.objects.create(municipality=municipality, household=household,
                                       person=decision.application.applicant, month=month, decision=decision,
                                       amount_ore=100_000, role="applicant")
    sync_decided_months({(household.pk, month) for month in months})


@pytest.fixture
def units(db):
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    west, east = UnitFactory(municipality=municipality, name="Väster"), UnitFactory(municipality=municipality, name="Öster")
    _decided(municipality, household_with_members(municipality), MONTHS, unit=west)
    moved = household_with_members(municipality)
    _decided(municipality, moved, MONTHS[:2], unit=west)
    _decided(municipality, moved, MONTHS[2:], unit=east)  # the case moved to Öster in March
    east_by_household = household_with_members(municipality)
    east_by_household.unit = east
    east_by_household.save()
    _decided(municipality, east_by_household, MONTHS)  # the applications name no unit: the household's
    number = pnr.test_number(dt.date(1990, 1, 15), 0).normalised
    import_history(f"municipality,household,personnummer,role,month,amount,end_reason,name\n"
                   f"0680,A-1,{number},applicant,2025-01,5000,,\n".encode(), file_name="h.csv", today=dt.date(2026, 1, 1))
    return municipality, west, east


def test_the_unit_filter_counts_the_household_months_the_unit_handled(units):
    municipality, west, east = units
    everyone = dash.municipality_dashboard(municipality, 2025)
    assert everyone.indicators["households"] == 4 and everyone.indicators["household_months"] == 10
    board = dash.municipality_dashboard(municipality, 2025, dash.Filters(unit=str(west.pk)))
    assert board.indicators["households"] == 2 and board.indicators["household_months"] == 5
    assert [point.values["households"] for point in board.months[:3]] == [2, 2, 1]
    board = dash.municipality_dashboard(municipality, 2025, dash.Filters(unit=str(east.pk)))
    assert board.indicators["households"] == 2 and board.indicators["household_months"] == 4
    assert [point.values["households"] for point in board.months[:3]] == [1, 1, 2]


def test_the_unit_filter_combines_with_the_other_filters(units):
    municipality, west, _east = units
    women = dash.municipality_dashboard(municipality, 2025, dash.Filters(unit=str(west.pk), sex="women"))
    men = dash.municipality_dashboard(municipality, 2025, dash.Filters(unit=str(west.pk), sex="men"))
    assert women.indicators["adult_recipients"] + men.indicators["adult_recipients"] == 2


def test_the_form_offers_the_municipalitys_own_units_and_refuses_another(units):
    municipality, west, _east = units
    other = UnitFactory(municipality=MunicipalityFactory(code="0662"), name="Annan")
    form = DashboardFilterForm({"year": "2025", "unit": str(west.pk)}, units=municipality.units.all())
    assert form.is_valid() and form.filters().unit == str(west.pk)
    assert [label for _value, label in form.fields["unit"].choices] == ["Alla enheter", "Väster", "Öster"]
    form = DashboardFilterForm({"year": "2025", "unit": str(other.pk)}, units=municipality.units.all())
    assert not form.is_valid() and form.errors["unit"] == ["Enhet: välj ett värde i listan."]


def test_the_region_page_form_has_no_unit():
    assert "unit" not in DashboardFilterForm().fields


def test_the_managers_dashboard_offers_the_units_and_filters_by_the_chosen_one(client, units):
    from bistand.tenancy.roles import Role
    from tests.factories import user_with_role

    municipality, west, _east = units
    client.force_login(user_with_role(Role.MANAGER, municipality))
    response = client.get("/handlaggning/uppfoljning/", {"year": 2025, "unit": west.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_unit"' in page and "Alla enheter" in page and ">Öster</option>" in page
    assert response.context["board"].indicators["households"] == 2
