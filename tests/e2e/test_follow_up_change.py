"""A follow-up shows the change: after an intake, the worker rates the follow-up, sees how the client's and
their own level moved since the intake, records the importance and confidence rulers in the MI support,
and the person's page shows both occasions and the ruler trend. axe-core finds no WCAG 2.1 A/AA
violations on the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.assessment import services
from bistand.assessment.models import MINote, OccasionKind, Rater, Ruler
from bistand.tenancy.roles import Role
from tests.assessment.factories import make_occasion
from tests.e2e.conftest import axe_violations
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_follow_up_shows_the_change_since_the_intake_and_the_ruler_trend(live_server, page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Hemby")
    worker = user_with_role(Role.CASEWORKER, municipality)
    person = PersonFactory(municipality=municipality, first_name="Folke", last_name="Följd")
    today = dt.date.today()
    intake_day = today - dt.timedelta(days=90)
    intake = make_occasion(person=person, worker=worker, scheduled_for=intake_day)
    services.rate(occasion=intake, rater=Rater.CLIENT, domain="D1", status="rated", level=1)
    services.rate(occasion=intake, rater=Rater.WORKER, domain="D1", status="rated", level=2, user=worker)
    services.set_ruler(user=worker, occasion=intake, domain="D1", importance=9, confidence=3)
    services.complete_occasion(user=worker, occasion=intake, performed_on=intake_day)
    follow_up = make_occasion(person=person, worker=worker, kind=OccasionKind.FOLLOW_UP, scheduled_for=today)
    services.rate(occasion=follow_up, rater=Rater.CLIENT, domain="D1", status="rated", level=3)
    services.submit_client_rating(follow_up)

    staff_login(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/handlaggning/bedomning/{follow_up.pk}/")
    table = page.locator("table.side-by-side")
    expect(table.locator("thead")).to_contain_text(f"Sedan första bedömning {intake_day:%Y-%m-%d}")
    row = table.locator("tbody tr").first
    expect(row).to_contain_text("Den enskilde: 1 → 3 (2 steg bättre)")
    expect(row).to_contain_text("Handläggaren: 2 → –")

    # The worker rates the follow-up; the change of their own level appears beside the client's.
    page.get_by_label("4: Mest egen inkomst").check()
    page.get_by_role("button", name="Spara min bedömning").click()
    row = page.locator("table.side-by-side tbody tr").first
    expect(row).to_contain_text("Handläggaren: 2 → 4 (2 steg bättre)")
    assert axe_violations(page) == []

    # The MI support: last occasion's rulers are shown beside the new ones.
    ruler_row = page.locator("tr", has=page.get_by_label("Hushållets ekonomi: hur viktigt (0–10)"))
    expect(ruler_row).to_contain_text("Förra gången: 9 och 3")
    page.get_by_label("Locka fram", exact=True).check()
    page.get_by_label("Förmåga", exact=True).fill("2")
    page.get_by_label("Hushållets ekonomi: hur viktigt (0–10)").fill("9")
    page.get_by_label("Hushållets ekonomi: hur säker (0–10)").fill("6")
    page.get_by_role("button", name="Spara samtalsstödet").click()
    expect(page.get_by_text("Samtalsstödet är sparat.")).to_be_visible()
    assert axe_violations(page) == []

    # The person's page: both occasions per domain, and the ruler trend.
    page.goto(f"{live_server.url}/handlaggning/personer/{person.pk}/bedomning/")
    levels = page.get_by_role("table", name="Hushållets ekonomi: nivå 1–5 per tillfälle")
    expect(levels.locator("tbody tr")).to_have_count(2)
    expect(levels.locator("tbody tr").nth(1)).to_contain_text("Uppföljning")
    rulers = page.get_by_role("table", name="Hushållets ekonomi: hur viktigt och hur säker (0–10)")
    expect(rulers.locator("tbody tr")).to_have_count(2)
    expect(rulers.locator("tbody tr").nth(0)).to_contain_text("3")
    expect(rulers.locator("tbody tr").nth(1)).to_contain_text("6")
    assert axe_violations(page) == []

    assert {(r.occasion_id, r.importance, r.confidence) for r in Ruler.objects.filter(domain="D1")} == {
        (intake.pk, 9, 3), (follow_up.pk, 9, 6)}
    assert MINote.objects.get(occasion=follow_up).change_talk["ability"] == 2
