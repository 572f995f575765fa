"""Failed sign-ins (django-axes does the counting and the lockout, see settings AXES_*).

* ``locked_out``: the answer to a locked-out account or address, in Swedish: a page for the staff and
  admin logins, JSON for the API.
* ``record_failed_login``: every failed sign-in (staff login, admin login, API key) becomes an audit
  event ``auth.failedlogin`` with the account name given, the address and the path; never the password.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

from bistand.audit.events import ChangeRecord, emit_change

MESSAGE = (
    "För många misslyckade inloggningar. Kontot eller adressen är spärrad en stund; försök igen om "
    "{minutes} minuter eller kontakta din administratör."
)


def cooloff_minutes() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))


def locked_out(request, original_response=None, credentials=None):
    text = MESSAGE.format(minutes=cooloff_minutes())
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=429, json_dumps_params={"ensure_ascii": False})
    page = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Inloggningen är spärrad – Bistånd'
        f'</title></head><body><main><h1>Inloggningen är spärrad</h1><p>{escape(text)}</p></main></body></html>'
    )
    return HttpResponse(page, status=429)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_login_failed, dispatch_uid="bistand.tenancy.lockout.record_failed_login")
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:150]
    emit_change(
        ChangeRecord(
            user_id=None,
            user_display_name="(misslyckad inloggning)",
            action="create",
            model="auth.failedlogin",
            object_id=username[:64],
            municipality_id=None,
            changes={
                "username": {"old": None, "new": username},
                "ip_address": {"old": None, "new": client_address(request)},
                "path": {"old": None, "new": getattr(request, "path", "")},
            },
        )
    )


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for sign-ins that come with a request (every web login). A call of
    ``authenticate()`` without a request (a management command, a test helper) has no address to
    count, and is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
