"""The project's own error pages (Swedish, the site's layout): ``handler404`` and ``handler500`` of the
root URLconf, and — through :class:`bistand.middleware.OwnErrorPagesMiddleware` — under the development
server too, where DEBUG is on and Django would show its debug pages. An applicant who lands on a
missing page of the e-service is sent back to the e-service's start, a member of staff to theirs."""

from __future__ import annotations

from django.http import HttpResponseNotFound, HttpResponseServerError
from django.template import loader

E_SERVICE = "/e-tjanst/"
STAFF = "/handlaggning/"


def start_page_for(request) -> str:
    return E_SERVICE if request.path.startswith(E_SERVICE) else STAFF


def page_not_found(request, exception=None):
    """404: never shows the exception's text (it may name internal things)."""
    body = loader.render_to_string("404.html", {"start_url": start_page_for(request)}, request)
    return HttpResponseNotFound(body)


def server_error(request):
    """500: a page with no context processors and no database use, so that it renders whatever failed."""
    body = loader.get_template("500.html").render({"start_url": start_page_for(request)})
    return HttpResponseServerError(body)
