"""Higher norm level in a browser (headless Chromium, axe-core): a case worker raises the norm for a
special diet with a reason (12 kap. 7 § tredje stycket SoL), recalculates and decides; the applicant sees
the line with the reason in "Mitt ärende" (the decision's calculation). axe-core finds no WCAG 2.1 A/AA
violation on the case page or the applicant's decision page."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.decisions.models import Decision
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.e2e.applicant_steps import read_decision
from tests.e2e.conftest import axe_violations, new_page
from tests.e2e.staff_steps import raise_norm_for_special_diet, staff_login
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Glutenfri kost enligt intyg från dietist"


def test_a_case_worker_raises_the_norm_for_a_special_diet_and_the_applicant_sees_the_line(live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")  # no local rent ceiling
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1980, 5, 5),
                                       first_name="Dina", last_name="Dietsson")
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000}, incomes=[])
    person = application.applicant

    # --- the case worker raises the norm, recalculates and decides -----------------------------------------
    worker, staff = new_page(browser)
    staff_login(staff, live_server.url, "karin.kasper", f"/handlaggning/arenden/{application.pk}/")
    raise_norm_for_special_diet(staff, member="Dina Dietsson", kronor=450, reason=REASON)
    expect(staff.get_by_role("status")).to_contain_text("Normen är ändrad")
    expect(staff.locator("#norm-adjustments")).to_contain_text(REASON)
    staff.get_by_role("button", name="Beräkna", exact=True).click()
    trace_line = staff.locator('#trace tr[data-code="norm_level.1"]')
    expect(trace_line).to_contain_text("Högre nivå än riksnormen: Särskild kost")
    expect(trace_line).to_contain_text(REASON)
    expect(trace_line).to_contain_text("12 kap. 7 § tredje stycket socialtjänstlagen (2025:400)")
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="Fatta beslut").click()
    expect(staff.get_by_role("status")).to_contain_text("Beslutet är fattat: bifall.")
    decision = Decision.objects.get(application=application)
    assert decision.lines.get(item="norm_level.1").reason == REASON
    worker.close()

    # --- the applicant sees the line in "Mitt ärende" -------------------------------------------------------
    applicant, page = new_page(browser)
    calculation = read_decision(page, live_server.url, person)
    expect(calculation).to_contain_text("Högre nivå än riksnormen: Särskild kost (för Dina)")
    expect(calculation).to_contain_text(REASON)
    expect(calculation).to_contain_text("450\u00a0kr")
    assert axe_violations(page) == []
    applicant.close()
