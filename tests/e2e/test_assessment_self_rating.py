"""The client self-rates in the e-service (one domain per screen, skip, "vill inte svara"); the worker
rates separately and sees both ratings side by side with the gap as a topic. axe-core finds no WCAG 2.1
A/AA violations on the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.assessment.models import DomainRating, Rater
from bistand.tenancy.roles import Role
from tests.assessment.factories import make_occasion
from tests.e2e.conftest import axe_violations
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def test_client_self_rates_and_worker_sees_both_side_by_side(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Hemby")
    worker = user_with_role(Role.CASEWORKER, municipality)
    person = PersonFactory(municipality=municipality, first_name="Sara", last_name="Skattar")
    occasion = make_occasion(person=person, worker=worker, scheduled_for=dt.date.today())

    # The client logs in to the e-service and rates, one domain per screen.
    page.goto(f"{live_server.url}/e-tjanst/skattning/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min skattning")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Svara inför mötet").click()
    expect(page.get_by_text("Fråga 1 av 13")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Jag har inte pengar till mat eller hyra den här månaden.").check()
    page.get_by_role("button", name="Nästa").click()
    expect(page.get_by_text("Fråga 2 av 13")).to_be_visible()
    page.get_by_role("button", name="Hoppa över").click()
    expect(page.get_by_text("Fråga 3 av 13")).to_be_visible()
    page.get_by_label("Vill inte svara").check()
    page.get_by_role("button", name="Nästa").click()
    page.get_by_role("button", name="Nästa").click()  # no answer chosen: an error tied to the question
    expect(page.get_by_role("alert")).to_contain_text("Välj ett svar")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/e-tjanst/skattning/{occasion.pk}/skicka/")
    expect(page.get_by_role("table")).to_contain_text("Jag har inte pengar till mat")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Skicka till min handläggare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina svar är skickade")

    # The worker rates separately and sees both ratings side by side.
    page.context.clear_cookies()
    staff_login(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/handlaggning/bedomning/{occasion.pk}/")
    page.get_by_label("3: Behoven täcks genom försörjningsstöd eller andra ersättningar. Budget görs med hjälp.").check()
    page.get_by_role("button", name="Spara min bedömning").click()
    row = page.locator("table.side-by-side tbody tr").first
    expect(row).to_contain_text("1 – Kris")
    expect(row).to_contain_text("3 – Stabil med stöd")
    expect(row).to_contain_text("Prata om det (2 steg)")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/handlaggning/personer/{person.pk}/bedomning/")
    expect(page.get_by_role("table", name="Hushållets ekonomi: nivå 1–5 per tillfälle")).to_be_visible()
    assert axe_violations(page) == []

    kept = {(r.rater, r.level) for r in DomainRating.objects.filter(occasion=occasion, domain="D1")}
    assert kept == {(Rater.CLIENT, 1), (Rater.WORKER, 3)}
