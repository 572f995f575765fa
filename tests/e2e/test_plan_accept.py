"""The worker writes a plan with a goal in the client's words, a voluntary action and a requirement tied
to a decision, and shares it; the client logs in to the e-service and accepts it. axe-core finds no
WCAG 2.1 A/AA violations on the pages."""

from __future__ import annotations

import pytest

from bistand.plans.models import Plan, PlanResponse, PlanStatus
from tests.decisions.factories import standard_case
from tests.e2e.conftest import axe_violations
from tests.e2e.staff_steps import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def test_worker_writes_a_plan_and_the_client_accepts_it_in_the_e_service(live_server, page, settings):
    from playwright.sync_api import expect

    case = standard_case(settings, delegation=False)
    person = case.household.members.get(role="applicant").person
    worker = case.caseworker

    # The worker logs in and writes the plan.
    staff_login(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/handlaggning/personer/{person.pk}/planering/")
    page.get_by_label("Nästa uppföljning").fill("2026-06-01")
    page.get_by_role("button", name="Skapa planering").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 1")
    page.get_by_label("Målet med klientens egna ord").fill("Jag vill jobba i en butik")
    page.get_by_label("Handläggarens anteckning").fill("Har praktiserat i butik förut.")
    page.get_by_role("button", name="Spara målet").click()
    page.get_by_label("Vad ska göras").fill("Gå en kurs i kundservice")
    page.get_by_label("Hör till målet").select_option(index=1)
    page.get_by_label("Vem ansvarar").select_option(label="Kommunens arbetsmarknadsenhet")
    page.get_by_role("button", name="Spara insatsen").click()
    page.get_by_label("Kravet", exact=True).fill("Skriva in dig hos Arbetsförmedlingen")
    page.get_by_label("Beslut som kravet bygger på").select_option(index=1)
    page.get_by_label("Lagrum").fill("4 kap. 4 § socialtjänstlagen")
    page.get_by_role("button", name="Spara kravet").click()
    expect(page.locator("#requirements-heading + p + table")).to_contain_text("4 kap. 4 § socialtjänstlagen")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Dela med klienten i e-tjänsten").click()
    expect(page.locator("#plan-status")).to_have_text("Delad med klienten")

    # The client logs in to the e-service and accepts the plan.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/e-tjanst/planering/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min planering")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Planering från").first.click()
    expect(page.locator("section[aria-labelledby=goals-heading]")).to_contain_text("Jag vill jobba i en butik")
    expect(page.locator("section[aria-labelledby=goals-heading]")).not_to_contain_text("Arbetsförmedlingen")
    expect(page.locator("section[aria-labelledby=requirements-heading]")).to_contain_text("Skriva in dig hos Arbetsförmedlingen")
    expect(page.get_by_text("Har praktiserat i butik förut.")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("Jag godkänner planeringen", exact=True).check()
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.locator("#plan-status")).to_have_text("Du har godkänt planeringen")
    assert axe_violations(page) == []

    plan = Plan.objects.get(person=person)
    assert plan.status == PlanStatus.ACCEPTED
    assert list(PlanResponse.objects.filter(plan=plan).values_list("kind", flat=True)) == ["accepted"]


def test_worker_and_client_each_rate_the_usefulness_at_follow_up(live_server, page):
    from playwright.sync_api import expect

    from bistand.plans import services
    from bistand.tenancy.roles import Role
    from tests.factories import user_with_role
    from tests.plans.factories import adult_in, shared_plan

    person = adult_in()
    worker = user_with_role(Role.CASEWORKER, person.municipality)
    plan = shared_plan(person)
    services.respond(plan=plan, person=person, kind="accepted")
    follow_up = services.start_follow_up(actor=worker, plan=plan)

    page.goto(f"{live_server.url}/e-tjanst/planering/{plan.pk}/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.get_by_role("group", name="Hur stor nytta har du haft av planeringen?")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_text("Du svarade att nyttan var 2 av 5.")).to_be_visible()

    page.context.clear_cookies()
    staff_login(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/handlaggning/planering/{plan.pk}/")
    assert axe_violations(page) == []
    page.get_by_label("5 – Till mycket stor nytta").check()
    page.get_by_role("button", name="Spara bedömning").click()
    row = page.locator("#followups-heading + table tbody tr").first
    expect(row).to_contain_text("2")
    expect(row).to_contain_text("5")
    follow_up.refresh_from_db()
    assert (follow_up.usefulness_client, follow_up.usefulness_worker) == (2, 5)
