"""Who may call the API: a signed-in staff member (session cookie, with CSRF protection) or an outside
tool with an API key (``Authorization: Bearer <key>``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from bistand.tenancy.selectors import has_staff_membership

from .models import ApiClient
from .services import authenticate_key


class ApiKey(HttpBearer):
    """An API client's key, created with ``bistand create-api-client NAME``."""

    openapi_description = (
        "API-nyckel för externa system. Skapas med `bistand create-api-client NAMN`; skickas som "
        "`Authorization: Bearer <nyckel>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        return authenticate_key(token)


class StaffSession(APIKeyCookie):
    """The session of a signed-in staff member. Requests that change something must carry the CSRF
    token (header ``X-CSRFToken``), like every form in the staff pages."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "Inloggad personal (sessionskaka). Anropet måste ha CSRF-token i huvudet `X-CSRFToken`."
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # not signed in: let the next method (or the 401) answer
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF-kontrollen misslyckades. Skicka med CSRF-token i huvudet X-CSRFToken.")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated:
            return None
        if not has_staff_membership(user):
            raise AuthorizationError(403, "Du har ingen roll som handläggare eller chef och får inte använda API:t.")
        return user


api_key_auth = ApiKey()
staff_session_auth = StaffSession()
#: Every operation accepts either; the key is tried first so that tools need no CSRF token.
AUTH = [api_key_auth, staff_session_auth]
