"""Pages of the e-ID layer: the simulator's page, and staff sign-in through OpenID Connect."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from bistand.common.http import safe_next
from bistand.common.plugins import simulators_allowed
from bistand.people import personnummer as pnr

from .base import EidError, new_token, peek_pending, take_pending, update_pending
from .oidc import OidcConfig, OidcProvider
from .simulator import suggestions
from .staff import STAFF_SETTINGS, sign_in_user

STAFF_NEXT_SESSION_KEY = "bistand_staff_eid_next"


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _known_name(number: str) -> tuple[str, str]:
    from bistand.people.models import Person

    person = Person.objects.filter(personnummer=number).order_by("pk").first()
    if person is None:
        return "", ""
    return person.first_name, person.last_name


@require_http_methods(["GET", "POST"])
def simulator(request):
    """The simulated e-ID service ("Simulerad e-legitimation – endast för test")."""
    if not simulators_allowed():
        raise Http404("Simulatorn är avstängd.")
    state = request.POST.get("state") or request.GET.get("state") or ""
    entry = peek_pending(request, state)
    if entry is None or entry.get("provider") != "simulator":
        return render(request, "identity/simulator.html", {"no_login": True}, status=400)
    next_url = entry["next_url"]
    values = {"personnummer": "", "given_name": "", "family_name": ""}
    error = ""
    if request.method == "POST":
        if request.POST.get("cancel"):
            return HttpResponseRedirect(_with_query(next_url, {"state": state, "error": "access_denied"}))
        values = {k: " ".join(request.POST.get(k, "").split())[:100] for k in values}
        try:
            number = pnr.parse(values["personnummer"])
        except pnr.PersonnummerError as failure:
            error = failure.message
        else:
            if not number.is_test_number:
                error = ("Simulatorn tar bara emot testpersonnummer från Skatteverket (de tre siffrorna före "
                         "kontrollsiffran är 980–999). Skriv aldrig en riktig persons nummer här.")
            else:
                given, family = values["given_name"], values["family_name"]
                if not given and not family:
                    given, family = _known_name(number.normalised)
                code = new_token()
                update_pending(
                    request, state, code=code,
                    identity={"personnummer": number.normalised, "given_name": given or "Test",
                              "family_name": family or "Testperson"},
                )
                return HttpResponseRedirect(_with_query(next_url, {"state": state, "code": code}))
    return render(
        request,
        "identity/simulator.html",
        {"state": state, "values": values, "error": error, "suggestions": suggestions()},
        status=400 if error else 200,
    )


# --- staff sign-in -----------------------------------------------------------------------------------


def staff_eid_enabled() -> bool:
    return not OidcConfig.from_settings(STAFF_SETTINGS).problems()


class StaffLoginView(LoginView):
    """Django's login (development and the demo), with a button for e-ID when it is configured."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["staff_eid_enabled"] = staff_eid_enabled()
        return context


def _safe_next(request, candidate: str) -> str:
    return safe_next(request, candidate, settings.LOGIN_REDIRECT_URL)


@require_GET
def staff_start(request):
    if not staff_eid_enabled():
        raise Http404("Inloggning med e-legitimation för personal är inte inställd.")
    request.session[STAFF_NEXT_SESSION_KEY] = _safe_next(request, request.GET.get("next", ""))
    try:
        return OidcProvider(STAFF_SETTINGS).start(request, reverse("eid:staff_complete"))
    except EidError as error:
        return render(request, "identity/staff_error.html", {"message": error.message}, status=502)


@require_GET
def staff_complete(request):
    if not staff_eid_enabled():
        raise Http404("Inloggning med e-legitimation för personal är inte inställd.")
    try:
        identity = OidcProvider(STAFF_SETTINGS).complete(request)
        user = sign_in_user(identity, dict(getattr(settings, STAFF_SETTINGS, {}) or {}))
    except EidError as error:
        return render(request, "identity/staff_error.html", {"message": error.message}, status=400)
    next_url = request.session.pop(STAFF_NEXT_SESSION_KEY, settings.LOGIN_REDIRECT_URL)
    login(request, user, backend="bistand.tenancy.backends.MembershipBackend")
    return HttpResponseRedirect(_safe_next(request, next_url))


__all__ = ["StaffLoginView", "simulator", "staff_complete", "staff_start", "take_pending"]
