"""The project's own Swedish 404 and 500 pages: in production (DEBUG is always off there) and under the
development server (DEBUG on), where Django would otherwise show its debug pages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.http import Http404
from django.test import Client
from django.urls import path

from bistand.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("a bug")


def missing(request):
    raise Http404("intern detalj")


urlpatterns = [path("trasig/", broken), path("e-tjanst/saknas/", missing), *project_urls]
handler404 = "bistand.errors.page_not_found"
handler500 = "bistand.errors.server_error"


def test_production_settings_never_turn_debug_on():
    env = {**os.environ, "DEBUG": "true", "SECRET_KEY": "x" * 50, "DATABASE_URL": "sqlite:///tmp/none.sqlite3",
           "DJANGO_SETTINGS_MODULE": "bistand.settings.production"}
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_gives_the_swedish_404_page(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/e-tjanst/finns-inte/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Sidan finns inte" in page and '<html lang="sv"' in page
    assert "Page not found" not in page and "URLconf" not in page
    assert 'href="/e-tjanst/"' in page  # the applicant is sent back to the e-service, not to the staff pages
    assert 'href="/handlaggning/"' in client.get("/handlaggning/finns-inte/").content.decode()


def test_a_404_raised_by_a_view_under_debug_gives_the_swedish_page(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    response = Client().get("/e-tjanst/saknas/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Sidan finns inte" in page and "Page not found" not in page and "intern detalj" not in page


def test_a_missing_slash_is_still_redirected_under_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/e-tjanst/mitt-arende")
    assert response.status_code == 301 and response["Location"] == "/e-tjanst/mitt-arende/"


@pytest.mark.parametrize("debug", [True, False])
def test_a_failing_page_gives_the_swedish_500_page(settings, debug):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/trasig/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Något gick fel" in page and "Traceback" not in page and "RuntimeError" not in page
