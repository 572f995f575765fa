"""Browser fixtures for the end-to-end tests (marker ``e2e``).

The tests drive Debian's Chromium (/usr/bin/chromium) through the pinned Python ``playwright``
package, so no browser download is needed. When Chromium is missing the tests are skipped with a
message that says how to install it. Run them with ``pytest -m e2e tests/e2e``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("BISTAND_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]



@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; Django's async-safety check would
    then refuse the ORM calls the tests make (creating users) in that thread. Only for these tests."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium finns inte i {CHROMIUM}: installera det med `apt-get install -y chromium` "
            "(eller ange sökvägen i BISTAND_CHROMIUM) för att köra webbläsartesterna."
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Inside sync_playwright() the test thread runs in another context (a greenlet with its own context
    # variables), and Django keeps one database connection per context: the connection opened before would
    # stay open, idle, beside the one the tests then use, and pytest-django could not drop the test
    # database at the end ("being accessed by other users"). Close it on the way in, and the one of the
    # Playwright context on the way out.
    connections.close_all()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
