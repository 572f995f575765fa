"""Response headers and session rules a municipality asks for: CSP without inline script, no caching of
pages with person data, HSTS and SSL redirect in production, an idle timeout for signed-in sessions."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import user_with_role

SRC = Path(__file__).resolve().parents[2] / "src" / "bistand"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/konto/logga-in/", "/handlaggning/", "/handlaggning/berakning/", "/e-tjanst/"])
def test_every_page_has_a_csp_without_inline_script(client, url):
    client.force_login(user_with_role())
    response = client.get(url, follow=True)
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]


def test_no_template_has_inline_script_or_event_handler_attributes():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group()
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template}: {tag}")
        for match in re.finditer(r"\s(on[a-z]+)\s*=", text):
            offenders.append(f"{template}: {match.group(1)}=")
        if "javascript:" in text or "hx-on" in text:
            offenders.append(f"{template}: javascript:/hx-on")
    assert offenders == []


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _concrete(route: str) -> str:
    path = re.sub(r"<(?:int:)?[^>]*>", "1", route)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


@pytest.mark.django_db
def test_every_url_of_the_url_conf_answers_with_no_store(client):
    """Walks the URL conf (staff, e-service, admin, API) as a signed-in staff member and anonymously: no
    answer may be cached, whatever its status."""
    routes = sorted({_concrete(route) for route in _walk(get_resolver())})
    assert any(r.startswith("/handlaggning/") for r in routes) and any(r.startswith("/e-tjanst/") for r in routes)
    staff = user_with_role()
    missing = []
    for signed_in in (False, True):
        if signed_in:
            client.force_login(staff)
        for route in routes:
            if "logga-ut" in route:
                continue
            response = client.get(route)
            if "no-store" not in response.get("Cache-Control", ""):
                missing.append((signed_in, route, response.status_code))
    assert missing == []


def test_static_files_may_be_cached(client):
    response = client.get("/static/bistand/vendor/htmx.min.js")
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_signed_in_session_ends_after_the_idle_timeout(client, settings, monkeypatch):
    import bistand.middleware as middleware

    settings.BISTAND_STAFF_IDLE_TIMEOUT = 30 * 60
    clock = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(user_with_role())
    assert client.get("/handlaggning/").status_code == 200
    clock[0] += 29 * 60
    assert client.get("/handlaggning/").status_code == 200  # active: the idle clock starts again
    clock[0] += 29 * 60
    assert client.get("/handlaggning/").status_code == 200
    clock[0] += 31 * 60
    response = client.get("/handlaggning/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/logga-in/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_absolute_session_limit_holds_even_for_an_active_user(client, settings, monkeypatch):
    import bistand.middleware as middleware

    settings.BISTAND_STAFF_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 2 * 3600
    clock = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client.force_login(user_with_role())
    for _ in range(8):  # a request every 20 minutes for 2 h 40 min
        client.get("/handlaggning/")
        clock[0] += 20 * 60
    assert client.get("/handlaggning/").status_code == 302


def test_idle_timeout_defaults_to_30_minutes_and_is_documented():
    from bistand.settings import base

    assert base.BISTAND_STAFF_IDLE_TIMEOUT == 1800
    assert "BISTAND_STAFF_IDLE_TIMEOUT" in (SRC.parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_production_settings_redirect_to_https_and_send_hsts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/bistand")
    sys.modules.pop("bistand.settings.production", None)
    production = importlib.import_module("bistand.settings.production")
    sys.modules.pop("bistand.settings.production", None)
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE


def test_production_keeps_postgresql_connections_between_requests_unless_the_url_says_otherwise(monkeypatch):
    from bistand.settings.env import parse_database_url, persistent_connections

    url = "postgres://u:p@db/bistand"
    entry = persistent_connections(parse_database_url(url, Path.cwd()), url)
    assert entry["CONN_MAX_AGE"] == 60 and entry["CONN_HEALTH_CHECKS"] is True
    url = "postgres://u:p@db/bistand?conn_max_age=0"
    assert persistent_connections(parse_database_url(url, Path.cwd()), url)["CONN_MAX_AGE"] == 0
    sqlite = parse_database_url("sqlite://:memory:", Path.cwd())
    assert persistent_connections(sqlite, "sqlite://:memory:") == sqlite
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/bistand")
    saved = {name: sys.modules.pop(name, None) for name in ("bistand.settings.base", "bistand.settings.production")}
    try:
        production = importlib.import_module("bistand.settings.production")
    finally:
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module
    assert production.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert production.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
