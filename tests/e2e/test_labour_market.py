"""Availability to the labour market in a browser (12 kap. 3 § SoL, issue 17 §2): the applicant answers
that she is not registered with Arbetsförmedlingen and has no reason not to be (first without a reason,
which gives an error naming the field); the application lands in the case worker's inbox, and the case
page shows the answer. axe-core and the proofreading checks run on the pages."""

from __future__ import annotations

import pytest

from bistand.applications.models import Application
from bistand.tenancy.roles import Role
from tests.e2e import applicant_steps as steps
from tests.e2e.conftest import axe_violations, new_page
from tests.e2e.staff_steps import staff_login
from tests.e2e.test_monthly_flow import applicant_login
from tests.factories import MunicipalityFactory, user_with_role
from tests.proofread import problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER = "Inte inskriven på Arbetsförmedlingen och inget skäl"


@pytest.fixture(autouse=True)
def simulator(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = {}


def test_an_applicant_without_registration_or_reason_lands_in_the_inbox_with_the_answer_shown(live_server, browser):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    user_with_role(Role.CASEWORKER, municipality, username="karin.kasper", first_name="Karin", last_name="Kasper")

    applicant, page = new_page(browser)
    applicant_login(page, live_server.url)
    steps.start_application(page)
    steps.open_household(page)

    # Not registered, no reason chosen: the error names the field.
    steps.answer_arbetsformedlingen(page, registered=False)
    steps.save_and_continue(page)
    expect(page.get_by_role("alert")).to_contain_text("Välj ett skäl, eller välj att inget av skälen stämmer.")
    reason = page.locator("#id_applicant_af_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    assert problems(page.content()) == []

    reason.select_option("none")
    steps.save_and_continue(page)
    steps.fill_housing(page)
    steps.fill_costs(page)
    steps.fill_incomes(page)
    steps.fill_assets(page)
    steps.fill_bank_account(page)
    steps.go_to_review(page)
    expect(page.locator("body")).to_contain_text(ANSWER)
    assert axe_violations(page) == []
    assert problems(page.content()) == []
    steps.sign_and_send(page)
    expect(page.locator("#application-status")).to_have_text("Inskickad")
    application = Application.objects.get()
    assert application.declaration["members"]["applicant"]["labour_market"] == {
        "registered": False, "reason": "none", "reason_text": ""}

    worker, staff = new_page(browser)
    staff_login(staff, live_server.url, "karin.kasper", "/handlaggning/inkorg/")
    row = staff.locator(f"#ansokan-{application.pk}")
    expect(row).to_contain_text("Frida Förstagång")
    row.get_by_role("link", name="Frida Förstagång").click()
    expect(staff.locator("body")).to_contain_text("Arbetsförmedlingen: du")
    expect(staff.locator("body")).to_contain_text(ANSWER)
    assert axe_violations(staff) == []
    assert problems(staff.content(), applicant_page=False) == []
    applicant.close()
    worker.close()
