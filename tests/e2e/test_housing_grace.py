"""The rådrum for rent above the ceiling in a browser (headless Chromium, axe-core; issue 17 §2): a case
worker sees the rådrum on the case page (the first month above the ceiling), extends it with a reason of
their own, recalculates and decides; the letter has the paragraph saying from which month the ceiling
applies and why, with the reason. The case page passes axe-core at a phone's 320 px; the applicant's
decision page (also 320 px: no sideways scrolling, axe-core) shows the paragraph."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.decisions.models import Decision, HousingGrace
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.e2e.conftest import PHONE
from tests.e2e.test_assessment_self_rating import axe_violations
from tests.e2e.test_monthly_flow import staff_login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Familjen har fått kontrakt på en billigare lägenhet från den 1 augusti."
CEILING_FROM = "Från och med augusti 2026 räknar vi med högst 5 900 kr i hyra"


def test_a_case_worker_extends_the_rådrum_and_the_letter_says_when_the_ceiling_applies(live_server, browser,
                                                                                         phone_page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(code="0680", name="Jönköping")  # ceiling 1 adult: 5 900 kr (invented)
    user_with_role(Role.CASEWORKER, municipality, username="rut.radrum", first_name="Rut", last_name="Rådrum")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 5, 5),
                                       first_name="Hugo", last_name="Hyresson")
    application = make_application(household, MONTH, kind="new", costs={"rent": 7000}, incomes=[])
    calculate(application, register_facts=[])  # as the monthly run does: the first month above the ceiling
    person = application.applicant

    # --- the case worker sees the rådrum, extends it, recalculates and decides (at 320 px) ----------------
    worker = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", viewport=PHONE, is_mobile=True,
                                 has_touch=True)
    worker.set_default_timeout(15_000)
    staff = worker.new_page()
    staff_login(staff, live_server.url, "rut.radrum", f"/handlaggning/arenden/{application.pk}/")
    grace = staff.locator("#housing-grace")
    expect(grace).to_contain_text("mars 2026–maj 2026")
    expect(grace).to_contain_text("juni 2026")
    staff.get_by_text("Förläng rådrummet", exact=True).click()
    staff.get_by_label("Rådrummets nya sista månad").fill("2026-07")
    staff.get_by_label("Skäl till förlängningen").fill(REASON)
    staff.get_by_role("button", name="Spara förlängningen").click()
    expect(staff.get_by_role("status")).to_contain_text("Rådrummet är förlängt")
    expect(staff.locator("#housing-grace")).to_contain_text("mars 2026–juli 2026")
    expect(staff.locator("#housing-grace")).to_contain_text(REASON)
    staff.get_by_role("button", name="Beräkna på nytt").click()
    line = staff.locator('#trace tr[data-code="housing_grace"]')
    expect(line).to_contain_text("2026-03–2026-07")
    expect(line).to_contain_text(REASON)
    expect(line).to_contain_text("12 kap. 7 § första stycket 2 socialtjänstlagen (2025:400)")
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="Fatta beslut").click()
    expect(staff.get_by_role("status")).to_contain_text("Beslutet är fattat: bifall.")
    worker.close()

    decision = Decision.objects.get(application=application)
    assert decision.lines.get(item="rent").granted_ore == 700_000
    letter = decision.letter.html.replace("\u00a0", " ")
    assert CEILING_FROM in letter and REASON in letter
    grace_row = HousingGrace.objects.get(household=household)
    assert (grace_row.end_month, grace_row.reason) == (dt.date(2026, 7, 1), REASON)

    # --- the applicant reads the decision at 320 px (the phone_page fixture checks width and axe) ----------
    page = phone_page
    page.goto(f"{live_server.url}/e-tjanst/mitt-arende/")
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt ärende")
    page.get_by_role("link", name="Visa beslutet").first.click()
    expect(page.locator("main")).to_contain_text(CEILING_FROM)
    expect(page.locator("main")).to_contain_text(REASON)
