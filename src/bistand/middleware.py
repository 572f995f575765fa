"""Cross-cutting response and session rules (docs/configuration.md):

* ``NoStoreMiddleware``: no page or API answer is kept by a browser or proxy cache
  (``Cache-Control: private, no-store``): staff pages, the e-service, the admin and the API show person
  data. Only static files (``STATIC_URL``) may be cached.
* ``StaffIdleTimeoutMiddleware``: a signed-in user's session ends after
  ``BISTAND_STAFF_IDLE_TIMEOUT`` seconds without a request (default 30 minutes), and after
  ``SESSION_COOKIE_AGE`` seconds in all (the absolute limit, which the idle clock would otherwise
  push forward with every request).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

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
                session[STARTED_KEY] = started
                if now - last_seen >= 60 or LAST_SEEN_KEY not in session:  # one session write a minute
                    session[LAST_SEEN_KEY] = now
        return self.get_response(request)
