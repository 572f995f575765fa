"""Who may call the API: a signed-in staff member (session cookie, with CSRF protection) or an outside
tool with an API key (``Authorization: Bearer <key>``)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from bistand.tenancy.lockout import MESSAGE as LOCKED_OUT
from bistand.tenancy.lockout import cooloff_minutes
from bistand.tenancy.selectors import has_staff_membership

from .models import ApiClient
from .services import authenticate_key


def locked_out_message() -> str:
    return LOCKED_OUT.format(minutes=cooloff_minutes())


class ApiKey(HttpBearer):
    """An API client's key, created with ``bistand create-api-client NAME``."""

    openapi_description = (
        "API-nyckel för externa system. Skapas med `bistand create-api-client NAMN`; skickas som "
        "`Authorization: Bearer <nyckel>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        # A wrong key counts as a failed sign-in of its address (django-axes): logged, and after
        # AXES_FAILURE_LIMIT failures the address is locked out (429) for AXES_COOLOFF_TIME.
        credentials = {"username": f"API-nyckel {token[:12]}"}
        if not AxesProxyHandler.is_allowed(request, credentials):
            raise HttpError(429, locked_out_message())
        client = authenticate_key(token)
        if client is None and token:
            user_login_failed.send(sender=ApiKey, credentials=credentials, request=request)
            if not AxesProxyHandler.is_allowed(request, credentials):
                raise HttpError(429, locked_out_message())
        return client


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
