"""Cross-cutting response and session rules (docs/configuration.md):

* ``NoStoreMiddleware``: no page or API answer is kept by a browser or proxy cache
  (``Cache-Control: private, no-store``): staff pages, the e-service, the admin and the API show person
  data. Only static files (``STATIC_URL``) may be cached.
* ``StaffIdleTimeoutMiddleware``: a signed-in user's session ends after
  ``BISTAND_STAFF_IDLE_TIMEOUT`` seconds without a request (default 30 minutes), and after
  ``SESSION_COOKIE_AGE`` seconds in all (the absolute limit, which the idle clock would otherwise
  push forward with every request).
* ``OwnErrorPagesMiddleware``: under DEBUG (the development server) a missing page or a failing view
  still gives the project's own Swedish 404 and 500 pages (:mod:`bistand.errors`), not Django's debug
  pages; the traceback goes to the log. With DEBUG off it does nothing (Django uses the handlers).
* ``UploadSizeLimitMiddleware``: an upload larger than an attachment may be is refused from its
  Content-Length, before the body is read.
* ``ApplicantLanguageMiddleware``: the e-service's pages (``/e-tjanst/``) in the language the applicant
  chose (a cookie, :mod:`bistand.common.languages`); every other page in Swedish. It replaces Django's
  LocaleMiddleware, which would follow the browser's Accept-Language.
* ``DatabaseUnavailableMiddleware``: when the database goes away in the middle of a request (a restart,
  a crash), the request's transaction is gone with it; the user gets a Swedish 503 page saying that
  nothing of what was just sent was saved and to try again, instead of a 500.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.utils import translation
from django.utils.html import escape

from bistand import errors
from bistand.common import languages

NO_STORE = "private, no-store"
STARTED_KEY = "bistand_session_started"
LAST_SEEN_KEY = "bistand_last_seen"


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response


class StaffIdleTimeoutMiddleware:
    """Must come after ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(STARTED_KEY, now)
            last_seen = session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.BISTAND_STAFF_IDLE_TIMEOUT or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)  # the view then sees an anonymous user (login page, 401 in the API)
            else:
                if STARTED_KEY not in session:  # assigning marks the session changed: only the first time
                    session[STARTED_KEY] = started
                if now - last_seen >= 60 or LAST_SEEN_KEY not in session:  # one session write a minute
                    session[LAST_SEEN_KEY] = now
        return self.get_response(request)


#: Room for the other form fields and the multipart framing around one attachment.
UPLOAD_FORM_OVERHEAD = 1024 * 1024


class UploadSizeLimitMiddleware:
    """Refuses a multipart request whose Content-Length is larger than one attachment may be
    (``BISTAND_ATTACHMENT_MAX_BYTES`` plus 1 MB for the form) with 413, before any of the body is read.
    Must come before ``CsrfViewMiddleware`` (which would read the body). A body without Content-Length
    (chunked) is capped by the proxy (docs/deployment.md) and the file's own size is checked again by
    bistand.applications.services.check_upload."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.BISTAND_ATTACHMENT_MAX_BYTES
            if length > limit + UPLOAD_FORM_OVERHEAD:
                megabytes = f"{limit / (1024 * 1024):g}".replace(".", ",")
                text = (f"Filen är för stor. En fil får vara högst {megabytes} MB. Ta en bild med lägre upplösning "
                        "eller dela upp dokumentet, och gå tillbaka för att försöka igen.")
                page = ('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Filen är för stor – '
                        f'Bistånd</title></head><body><main><h1>Filen är för stor</h1><p>{escape(text)}</p></main>'
                        "</body></html>")
                response = HttpResponse(page, status=413)
                response["Connection"] = "close"
                return response
        return self.get_response(request)


DATABASE_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tjänsten är inte tillgänglig just nu</title></head>
<body><main>
<h1>Tjänsten är inte tillgänglig just nu</h1>
<p>Vi fick ett tekniskt fel och kunde inte spara. Det du just skickade har inte sparats, men det du sparat
tidigare finns kvar.</p>
<p>Försök igen om en stund: gå tillbaka till sidan och skicka igen.</p>
<p><a href="{back}">Tillbaka</a></p>
</main></body></html>
"""


class DatabaseUnavailableMiddleware:
    """A view that loses its database connection (OperationalError, InterfaceError) answers 503 with a
    page that needs no database (the request's transaction was rolled back by the server)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        page = DATABASE_UNAVAILABLE_PAGE.format(back=escape(request.get_full_path()))
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = "30"
        return response


class OwnErrorPagesMiddleware:
    """See the module docstring. Sits before CommonMiddleware, so that a missing slash is still redirected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return errors.page_not_found(request)  # no URL pattern matched
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        from django.core.exceptions import PermissionDenied, SuspiciousOperation
        from django.http import Http404

        if isinstance(exception, Http404):
            return errors.page_not_found(request, exception)
        if isinstance(exception, (PermissionDenied, SuspiciousOperation)):
            return None  # Django's 403/400 handling (the project's 403.html) is the same with DEBUG on
        logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=exception)
        return errors.server_error(request)


class ApplicantLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = languages.SWEDISH
        if request.path_info.startswith(languages.E_SERVICE_PREFIX):
            code = languages.from_cookie(request)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", languages.html_lang(code))
        return response
