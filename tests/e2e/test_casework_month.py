"""Issue 20, the case workers' side, in a browser (headless Chromium):

1. a manager opens the monthly run page from the menu, starts the run and follows its progress (htmx
   polling) to the summary;
2. a case worker finds a decided case again from the start page in two clicks (the case list's search),
   and sees the cases on the person's page;
3. the case worker registers an application that came by post, with the scanned paper and the
   declaration from it, and the case shows how it came in; a completion request answered by the applicant shows as answered.

Every page passes axe-core (WCAG 2.1 A/AA) and has no sideways scrolling at 320 px (WCAG 1.4.10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.applications.models import Application
from bistand.applications.services import answer_completion, request_completion
from bistand.casework import monthly
from bistand.tenancy.roles import Role
from tests.casework.conftest import Cases
from tests.e2e.conftest import axe_violations, new_page
from tests.e2e.staff_steps import staff_login
from tests.factories import user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
login = staff_login  # the name other browser tests import from here; new ones use tests/e2e/staff_steps.py


@pytest.fixture(autouse=True)
def quiet(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0


def check(page) -> None:
    """axe-core finds nothing, and at 320 px the page does not scroll sideways."""
    assert axe_violations(page) == []
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(size)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at 320 px"


def test_a_working_month_for_case_workers_and_managers(live_server, browser, settings, tmp_path):
    from playwright.sync_api import expect

    cases = Cases(settings)
    standard = [cases.add() for _ in range(3)]
    municipality = standard[0].municipality
    manager = user_with_role(Role.MANAGER, municipality, username="maja.chef", first_name="Maja", last_name="Chef")
    worker = standard[0].caseworker

    # --- 1. the manager runs the month from the web ---------------------------------------------------
    context, page = new_page(browser, timeout_ms=30_000)
    staff_login(page, live_server.url, manager.username)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Månadskörning").click()
    page.get_by_label("Månad").select_option("2026-03")
    page.get_by_role("button", name="Visa månaden").click()
    expect(page.locator("#state-waiting")).to_have_text("3")
    check(page)
    page.get_by_role("button", name="Starta månadskörningen för mars 2026").click()
    expect(page.locator("#run-summary")).to_contain_text("Beslutade automatiskt: 3", timeout=60_000)
    page.reload()
    expect(page.locator("#state-automatic")).to_have_text("3")
    expect(page.locator("#state-waiting")).to_have_text("0")
    check(page)
    context.close()

    # --- 2. the case worker finds a decided case again ---------------------------------------------------
    context, page = new_page(browser, timeout_ms=30_000)
    staff_login(page, live_server.url, worker.username)
    applicant = standard[1].application.applicant
    page.get_by_role("main").get_by_role("link", name="Ärenden: sök och hitta alla ansökningar").click()  # click 1
    check(page)
    page.get_by_role("searchbox", name="Sök").fill(applicant.personnummer)
    page.get_by_role("button", name="Sök", exact=True).click()
    page.get_by_role("link", name=f"Ärende {standard[1].application.pk}").click()  # click 2
    expect(page.locator("#application-status")).to_have_text("Beslutad")
    check(page)
    page.get_by_role("link", name=f"{applicant.first_name} {applicant.last_name}").first.click()
    expect(page.locator("#cases")).to_contain_text(f"Ärende {standard[1].application.pk}")
    check(page)

    # --- 3. an application by post, and an answered completion request ------------------------------------
    page.get_by_role("link", name="Registrera ansökan på papper").click()
    page.get_by_label("Månad som ansökan gäller").fill("2026-04")
    page.get_by_label("Brev (med posten)").check()
    page.get_by_label("Dag då ansökan kom in").fill("2026-03-30")
    scan = tmp_path / "ansokan.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Den skannade ansökan").set_input_files(str(scan))
    check(page)
    page.get_by_role("button", name="Registrera ansökan").click()
    from tests.e2e.test_paper_application_flow import fill_paper_declaration

    fill_paper_declaration(page)  # the same declaration as the e-service (tests/e2e/test_paper_application_flow.py)
    expect(page.locator("#application-channel")).to_contain_text("Brev (med posten)")
    expect(page.get_by_role("link", name="ansokan.pdf")).to_be_visible()
    posted = Application.objects.get(month=dt.date(2026, 4, 1))
    completion = request_completion(posted, actor=worker, text="Skicka hyresavin.",
                                    due_date=timezone.localdate() + dt.timedelta(days=7))
    monthly.run_month(municipality, "2026-04")  # leaves it to a person: by post, and the request is open
    answer_completion(completion, person=posted.applicant, answer="Hyresavin kommer med posten.")
    page.reload()
    expect(page.locator("#kompletteringar")).to_contain_text("Besvarad")
    expect(page.locator("#reasons")).to_contain_text("Kompletteringen är besvarad")
    check(page)
    context.close()
