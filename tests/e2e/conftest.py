"""Browser fixtures for the end-to-end tests (marker ``e2e``).

The tests drive Debian's Chromium (/usr/bin/chromium) through the pinned Python ``playwright``
package, so no browser download is needed. When Chromium is missing the tests are skipped with a
message that says how to install it. Run them with ``pytest -m e2e tests/e2e``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.proofread import problems

CHROMIUM = Path(os.environ.get("BISTAND_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 320, "height": 720}  # WCAG 1.4.10 reflow: 320 CSS pixels wide
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


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page (injected through the DevTools protocol: the
    pages' Content-Security-Policy forbids inline <script> tags)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(" "))}));
    }""")


def check_rendered_page(page, *, phone: bool, every_page: bool = False) -> list[str]:
    """What is wrong with the page just loaded: proofreading slips (tests/proofread.py) on every page;
    at the phone viewport also sideways scrolling (document.scrollWidth above 320) and axe-core's
    violations on the e-service's pages (on every page, the staff's too, with ``every_page``)."""
    url = page.url
    applicant_page = "/e-tjanst/" in url
    found = [f"{url}: {p}" for p in problems(page.content(), applicant_page=applicant_page)]
    if phone and (applicant_page or every_page):
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide = page.evaluate("""(limit) => Array.from(document.querySelectorAll("body *"))
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > limit + 1))
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""))""",
                                 PHONE["width"])
            found.append(f"{url}: sidan är {width} px bred vid {PHONE['width']} px (WCAG 1.4.10): {wide}")
        found += [f"{url}: axe {v['id']} {v['nodes'][:3]}" for v in axe_violations(page)]
    return found


def new_page(browser, *, timeout_ms: int = 15_000):
    """A context of its own (one person's browser: Swedish, Stockholm time) and a page in it, without the
    checks of the ``page`` fixture; returns both (close the context when done)."""
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(timeout_ms)
    return context, context.new_page()


def _context_and_page(browser, found: list[str], *, phone: bool, every_page: bool = False):
    options = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm"}
    if phone:
        options.update(viewport=PHONE, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_load(loaded):
        from playwright.sync_api import Error

        try:
            found.extend(check_rendered_page(loaded, phone=phone, every_page=every_page))
        except Error:  # the test went on to the next page before this one could be read
            pass

    page.on("load", on_load)
    return context, page


@pytest.fixture
def page(browser):
    """A desktop browser page; every page it loads is proofread (tests/proofread.py)."""
    found: list[str] = []
    context, page = _context_and_page(browser, found, phone=False)
    yield page
    context.close()
    assert found == [], "\n".join(found)


@pytest.fixture
def phone_page(browser):
    """A page at a phone's 320 px: every e-service page it loads is proofread, must not scroll sideways
    and must pass axe-core (WCAG 2.1 AA)."""
    found: list[str] = []
    context, page = _context_and_page(browser, found, phone=True)
    yield page
    context.close()
    assert found == [], "\n".join(found)
