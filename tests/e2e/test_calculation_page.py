"""A case worker signs in, fills in a household on the calculation page and reads the result."""

from __future__ import annotations

import re

import pytest

from bistand.rules import convert_input
from bistand.rules.calculate import calculate
from tests.factories import PASSWORD
from tests.factories import user_with_role as staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


def swedish_kronor(amount: int) -> str:
    return f"{amount:,}".replace(",", NBSP) + NBSP + "kr"


def test_case_worker_calculates_a_household_and_sees_amount_and_trace(live_server, page):
    from playwright.sync_api import expect

    staff_user(username="handlaggare")
    expected = calculate(
        convert_input(
            {
                "month": "2026-03",
                "household": {
                    "adults": [{"id": "sökande", "age": 34}],
                    "children": [{"id": "1", "age": 4, "lunch_away_from_home": True}],
                },
                "costs": [{"type": "rent", "amount": 6500}],
                "incomes": [{"type": "child_benefit", "member": "sökande", "amount": 1250}],
            }
        )
    ).to_dict(trace=True)

    page.goto(f"{live_server.url}/handlaggning/berakning/")
    expect(page).to_have_url(re.compile(r"/konto/logga-in/"))
    page.get_by_label("Användarnamn").fill("handlaggare")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prova en beräkning av försörjningsstöd")

    page.locator("#id_month").fill("2026-03")
    page.locator("#id_adults-0-age").fill("34")

    # Rows are added with htmx (no page load): the new row's first field gets the focus.
    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Lägg till ett barn").click()
    child_age = page.locator("#id_children-0-age")
    expect(child_age).to_be_focused()
    assert page.evaluate("window.samePage") is True
    child_age.fill("4")
    page.get_by_label("Äter lunch på förskolan").check()
    expect(page.locator("#id_adults-0-age")).to_have_value("34")  # the swap kept what was typed

    page.locator("#id_costs-0-amount").fill("6 500")
    page.get_by_role("button", name="Lägg till en inkomst").click()
    expect(page.locator("#id_incomes-0-type")).to_be_focused()
    page.locator("#id_incomes-0-type").select_option("child_benefit")
    page.locator("#id_incomes-0-member").select_option("sökande")
    page.locator("#id_incomes-0-amount").fill("1250")

    page.get_by_role("button", name="Beräkna").click()

    expect(page.locator("#result-amount")).to_have_text(swedish_kronor(expected["amount"]))
    expect(page.locator("#result")).to_be_focused()
    rows = page.locator("#trace tbody tr")
    expect(rows).to_have_count(len(expected["lines"]))
    expect(rows.first.locator("th")).to_have_text(expected["lines"][0]["label"])
    expect(page.get_by_role("row", name=re.compile("Försörjningsstöd att betala ut"))).to_contain_text(
        swedish_kronor(expected["amount"])  # whole kronor: no öre written (the one formatter)
    )


def sign_in(page, live_server, username):
    staff_user(username=username)
    page.goto(f"{live_server.url}/konto/logga-in/?next=/handlaggning/berakning/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_page_works_without_javascript(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    try:
        page = context.new_page()
        sign_in(page, live_server, "utan-js")
        page.locator("#id_month").fill("2025-10")
        page.locator("#id_adults-0-age").fill("52")
        page.get_by_role("button", name="Lägg till ett barn").click()  # a normal form post
        page.locator("#id_children-0-age").fill("12")
        page.get_by_role("button", name="Ta bort kostnad 1").click()
        expect(page.locator("#id_costs-0-amount")).to_have_count(0)
        expect(page.locator("#id_adults-0-age")).to_have_value("52")
        page.get_by_role("button", name="Beräkna").click()

        expected = calculate(
            convert_input(
                {"month": "2025-10", "household": {"adults": [{"id": "sökande", "age": 52}], "children": [{"id": "1", "age": 12}]}}
            )
        ).to_dict()
        expect(page.locator("#result-amount")).to_have_text(swedish_kronor(expected["amount"]))
    finally:
        context.close()


def test_error_is_shown_at_the_field_and_the_summary_link_moves_there(live_server, page):
    from playwright.sync_api import expect

    sign_in(page, live_server, "handlaggare2")

    page.locator("#id_month").fill("2026-03")
    page.locator("#id_adults-0-age").fill("16")
    page.locator("#id_costs-0-amount").fill("5000")
    page.locator("#id_costs-0-amount").press("Enter")  # Enter calculates

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Värdet måste vara minst 18.")
    summary.get_by_role("link").click()
    expect(page.locator("#id_adults-0-age")).to_be_focused()
    expect(page.locator("#id_adults-0-age")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_adults-0-age_error")).to_contain_text("Värdet måste vara minst 18.")
