"""A link styled as a button keeps its contrast when the pointer is on it (a:hover made its text dark blue on
the blue button: axe-core's color-contrast failed whenever it ran while Playwright's pointer was on the button)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_login_button_keeps_its_contrast_under_the_pointer(live_server, browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.goto(f"{live_server.url}/e-tjanst/")
    page.hover("a.button")
    violations = [v for v in axe_violations(page) if v["id"] == "color-contrast"]
    context.close()
    assert violations == []
