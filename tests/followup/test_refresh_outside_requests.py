"""The follow-up's precomputed numbers are refreshed outside the web requests that change the base (issue 19
§5, docs/followup.md "Precomputed aggregates"): making a bank file marks the changed months in its own
transaction and leaves the refresh to `bistand followup refresh` (a timer); until then the dashboards show
when their numbers were updated and that they are being updated; the refresh brings them up to date."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from bistand.followup import aggregates as agg
from bistand.followup.models import AggregateTouch
from bistand.payments.services import approve, schedule_payment
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, RegionFactory, user_with_role
from tests.payments.factories import MONTH, debtor_account, issued_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return RegionFactory(code="06", name="Region Jönköpings län")


@pytest.fixture
def municipality(region):
    municipality = MunicipalityFactory(name="Testby", region=region)
    debtor_account(municipality)
    return municipality


def _approved_payment(municipality):
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    return approve(schedule_payment(issued_decision(municipality, decided_by=caseworker)),
                   user_with_role(Role.APPROVER, municipality))


def _make_bank_file(client, municipality, django_capture_on_commit_callbacks):
    client.force_login(user_with_role(Role.APPROVER, municipality))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("staff:payment_export_create"), {"export_date": "2026-03-25"}, follow=True)
    assert "är skapad med 1 utbetalning" in response.content.decode()
    return callbacks


def test_making_a_bank_file_marks_the_month_and_does_not_refresh_the_follow_up_in_the_request(
        client, municipality, region, django_capture_on_commit_callbacks, monkeypatch):
    before = agg.municipality_dashboard(municipality, MONTH.year)  # stored: no households yet
    agg.region_overview(region, MONTH.year)
    _approved_payment(municipality)
    refreshes = []
    monkeypatch.setattr(agg, "refresh", lambda **kwargs: refreshes.append(kwargs))

    callbacks = _make_bank_file(client, municipality, django_capture_on_commit_callbacks)

    assert refreshes == [] and all(getattr(c, "__name__", "") != "refresh" for c in callbacks)
    assert set(AggregateTouch.objects.values_list("municipality_id", "month")) == {(municipality.pk, MONTH)}
    stale = agg.municipality_dashboard(municipality, MONTH.year)
    assert stale.indicators["households"] == 0 and stale.computed_at == before.computed_at
    assert stale.pending_since is not None


def test_the_dashboards_say_when_they_were_updated_and_that_they_are_being_updated(
        client, municipality, region, django_capture_on_commit_callbacks):
    agg.municipality_dashboard(municipality, MONTH.year)
    manager = user_with_role(Role.MANAGER, municipality)
    coordinator = user_with_role(Role.REGIONAL_COORDINATOR, region=region)
    client.force_login(manager)
    page = client.get("/handlaggning/uppfoljning/", {"year": MONTH.year}).content.decode()
    assert "Uppdaterad " in page and "uppdateras" not in page
    _approved_payment(municipality)
    _make_bank_file(client, municipality, django_capture_on_commit_callbacks)

    for user, url in ((manager, "/handlaggning/uppfoljning/"), (coordinator, "/region/")):
        client.force_login(user)
        page = client.get(url, {"year": MONTH.year}).content.decode()
        assert "Uppdaterad " in page and "Siffrorna uppdateras" in page, url
    client.force_login(manager)
    csv = client.get("/handlaggning/uppfoljning/", {"year": MONTH.year, "format": "csv"}).content.decode("utf-8-sig")
    assert "uppdateras" in csv.splitlines()[0]


def test_the_refresh_command_brings_the_dashboards_up_to_date_after_a_bank_file(
        client, municipality, region, django_capture_on_commit_callbacks):
    agg.municipality_dashboard(municipality, MONTH.year)
    agg.region_overview(region, MONTH.year)
    _approved_payment(municipality)
    _make_bank_file(client, municipality, django_capture_on_commit_callbacks)

    call_command("followup", "refresh", stdout=io.StringIO())

    assert AggregateTouch.objects.count() == 0
    board = agg.municipality_dashboard(municipality, MONTH.year)
    assert board.indicators["households"] == 1 and board.pending_since is None
    overview = agg.region_overview(region, MONTH.year)
    assert overview.total["households"] == 1 and overview.pending_since is None
    client.force_login(user_with_role(Role.MANAGER, municipality))
    page = client.get("/handlaggning/uppfoljning/", {"year": MONTH.year}).content.decode()
    assert "Uppdaterad " in page and "uppdateras" not in page
    again = io.StringIO()
    call_command("followup", "refresh", stdout=again)  # idempotent: nothing waits, nothing is done
    assert "Inget väntade på omräkning" in again.getvalue()
    assert agg.municipality_dashboard(municipality, MONTH.year).computed_at == board.computed_at
