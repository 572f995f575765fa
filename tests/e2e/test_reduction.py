"""Nedsättning in a browser (headless Chromium, axe-core): a case worker records a nedsättning of the norm
part (12 kap. 5 § SoL) with a reason and the plan requirement that was not met, recalculates and decides;
the applicant sees the line with the requirement and the reason in "Mitt ärende". axe-core finds no WCAG
2.1 A/AA violation on the case page or the applicant's decision page."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.decisions.models import Decision
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.e2e.applicant_steps import read_decision
from tests.e2e.conftest import axe_violations, new_page
from tests.e2e.staff_steps import staff_login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role
from tests.plans.factories import requirement_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Du har inte kommit till praktiken sedan den 3 februari och har inte hört av dig."
REQUIREMENT = "Delta i praktik på arbetsmarknadsenheten två dagar i veckan"


def test_a_case_worker_records_a_reduction_and_the_applicant_sees_the_line(live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")  # no local rent ceiling
    worker_user = user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin",
                                 last_name="Kasper")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 5, 5),
                                       first_name="Nils", last_name="Nedsson")
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    requirement_for(application, actor=worker_user, description=REQUIREMENT)
    person = application.applicant

    # --- the case worker records the nedsättning, recalculates and decides ---------------------------------
    worker, staff = new_page(browser)
    staff_login(staff, live_server.url, "karin.kasper", f"/handlaggning/arenden/{application.pk}/")
    staff.get_by_text("Sätt ned försörjningsstödet").click()
    staff.get_by_label("Krav i planeringen som inte följts").select_option(index=1)
    staff.get_by_label("Normdelen efter nedsättningen (kronor per månad)").fill("2000")
    staff.locator("#reduction-form").get_by_label("Skäl", exact=True).fill(REASON)
    staff.get_by_role("button", name="Spara nedsättningen").click()
    expect(staff.get_by_role("status")).to_contain_text("Nedsättningen är sparad")
    expect(staff.locator("#reduction")).to_contain_text(REASON)
    staff.get_by_role("button", name="Beräkna", exact=True).click()
    trace_line = staff.locator('#trace tr[data-code="reduction"]')
    expect(trace_line).to_contain_text("Nedsättning: normdelen sätts ned till 2 000 kr")
    expect(trace_line).to_contain_text(REASON)
    expect(trace_line).to_contain_text("12 kap. 5 § socialtjänstlagen (2025:400)")
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="Fatta beslut").click()
    expect(staff.get_by_role("status")).to_contain_text("Beslutet är fattat: delavslag.")
    decision = Decision.objects.get(application=application)
    assert REASON in decision.lines.get(item="reduction").reason
    worker.close()

    # --- the applicant sees the line in "Mitt ärende" -------------------------------------------------------
    applicant, page = new_page(browser)
    calculation = read_decision(page, live_server.url, person)
    expect(calculation).to_contain_text("Nedsättning: normdelen sätts ned till 2 000 kr")
    expect(calculation).to_contain_text(REQUIREMENT)
    expect(calculation).to_contain_text(REASON)
    assert axe_violations(page) == []
    applicant.close()
